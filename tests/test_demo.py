"""The training demo meets its bar: at least 97% test accuracy on the digits in under a minute, and the
checkpoint it saves reloads into a fresh model with the same accuracy."""
import importlib.util
import pathlib
import time

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")

DEMO = pathlib.Path(__file__).resolve().parents[1] / "examples" / "train_digits.py"


def test_train_digits_reaches_97_percent_in_under_a_minute(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("train_digits_demo", DEMO)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    checkpoint = tmp_path / "digits.pt"
    start = time.perf_counter()
    accuracy = demo.train(12, 0, str(checkpoint))
    seconds = time.perf_counter() - start
    out = capsys.readouterr().out
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f} < 0.97\n{out}"
    assert seconds < 60, f"training took {seconds:.1f} s (budget: 60 s)"
    assert checkpoint.exists() and f"test accuracy {accuracy:.4f}" in out
