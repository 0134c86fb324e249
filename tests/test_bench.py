"""The benchmark harness (bench/, `python -m bench`), smoke-tested: CI times nothing, but every workload runs once,
tiny, in every importable system, and the check values (gradient sums, losses after N steps) must agree with
PyTorch's, so that the table compares the same computation. One tiny end-to-end run of the harness checks the
processes, the report and the results file."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `bench` is a directory of the repository, not an installed package

pytest.importorskip("torch")
pytest.importorskip("sklearn")  # the MLP and conv workloads train on its digits
from bench import run, systems, workloads  # noqa: E402
from bench.worker import time_blocks  # noqa: E402

SYSTEMS = [pytest.param(k, marks=pytest.mark.skipif(not systems.installed(k), reason=f"{k} is not installed"))
           for k in systems.SYSTEMS]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One BLAS/OpenMP thread while this module computes in-process (restored after): tiny workloads gain nothing
    from a second thread, and on a busy machine two threads waiting on each other make them much slower."""
    import torch
    from threadpoolctl import threadpool_limits
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data():
    return workloads.make_data(quick=True)


def _checks(key, data):
    """Every workload's check value, computed in this process with the adapter of system `key`."""
    adapter = systems.load(key)
    s = workloads.sizes(quick=True)
    runs = {"op_chain": adapter.op_chain(data["chain_v"], s["chain_turns"]),
            "mlp": adapter.mlp_step(data),
            "matmul": adapter.matmul(data["mm_x"], data["mm_w"]),
            "conv": adapter.conv_step(data),
            "memory": adapter.deep_chain(data["memory_v"], s["memory_turns"])}
    out = {}
    for name, fn in runs.items():
        for _ in range(workloads.CHECK_CALLS[name]):
            out[name] = fn()
    return out


@pytest.fixture(scope="module")
def torch_checks(data):
    return _checks("torch", data)


@pytest.mark.parametrize("key", SYSTEMS)
def test_check_values_agree_with_pytorch(key, data, torch_checks):
    before = {k: v.copy() for k, v in data.items()}
    got = torch_checks if key == "torch" else _checks(key, data)
    for name, expected in torch_checks.items():
        rtol = workloads.CHECK_RTOL[name]
        assert run._agree(got[name], expected, rtol), f"{key} {name}: {got[name]} vs PyTorch {expected} (rtol {rtol})"
    # the losses must move: a step that trained nothing would still agree with itself
    assert torch_checks["mlp"] < 2.3 and torch_checks["conv"] < 2.0, torch_checks
    # all systems start from the same weights only if no adapter trains the harness's arrays in place
    for k, v in before.items():
        np.testing.assert_array_equal(data[k], v, err_msg=f"{key} changed the input {k}")


def test_check_row_flags_a_disagreement():
    ok = {"torch": [{"check": [1.0, 2.0]}, {"check": [1.0, 2.0]}], "glassgrad": [{"check": [1.0, 2.00001]}]}
    assert run.check_row(ok, "matmul", "torch") == ("agree", {"torch": [1.0, 2.0], "glassgrad": [1.0, 2.00001]})
    bad = dict(ok, mygrad=[{"check": [1.0, 2.0]}, {"check": [1.0, 2.01]}])  # its second process drifted
    verdict, _ = run.check_row(bad, "matmul", "torch")
    assert verdict == "**DIFFER: MyGrad**"
    assert run.check_row({"torch": [{"error": "boom"}]}, "mlp", "torch")[0] == "n/a"


def test_a_failed_process_is_left_out_and_counted():
    args = run.parse_args(["--only", "memory", "--systems", "torch,glassgrad"])
    rows = run.plan(args.only, {})
    mib = 2**20
    ok = {"peak": 10 * mib, "after": mib, "check": [1.0, 0.0], "peak_exact": True}
    results = {"memory": {"glassgrad": [dict(ok, peak=30 * mib), {"error": "NameError: x"}],
                          "torch": [{"error": "boom"}, {"error": "boom"}]}}
    (peak, cells, verdict), (held, _, _) = run.table_rows(args, rows, results)[0]
    assert cells == {"glassgrad": "30.0 (30.0..30.0) (1 of 2 failed)", "torch": "error"}
    assert verdict == "agree"  # no reference left: the systems that ran are compared with each other
    text = run.report(args, rows, results, None, 1.0)
    assert "- memory, glassgrad, round 2: NameError: x" in text and "- memory, PyTorch, round 1: boom" in text


def test_openblas_tuning_variables_add_an_untuned_matmul_row():
    assert run.plan(["op_chain", "matmul", "growth"], {}) == [("op_chain", "op_chain", ()), ("matmul", "matmul", ())]
    rows = run.plan(["matmul"], {"OPENBLAS_CORETYPE": "Haswell"})
    assert rows == [("matmul", "matmul", ()), ("matmul_untuned", "matmul", ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))]
    env = run.child_env(3, rows[1][2])
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert [env[v] for v in run.THREAD_VARS] == ["3", "3", "3"]


def test_time_blocks_gives_one_time_per_block():
    calls = []
    times = time_blocks(lambda: calls.append(1), blocks=3, block_s=0.01)
    assert len(times) == 3 and all(t > 0 for t in times) and len(calls) > 3


def test_arguments():
    args = run.parse_args(["--only", "matmul,op_chain", "--systems", "torch,glassgrad"])
    assert args.only == ["op_chain", "matmul"] and args.systems == ["glassgrad", "torch"]  # the table's order
    assert args.out is None and args.rounds == 5  # a partial run leaves bench/results.md alone
    assert run.parse_args([]).out == run.RESULTS
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "matmull"])


def test_harness_end_to_end(tmp_path):
    out = tmp_path / "results.md"
    cmd = [sys.executable, "-m", "bench", "--quick", "--threads", "1", "--only", "op_chain,memory,growth",
           "--systems", "glassgrad,torch", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert proc.stdout == text + "\n"  # the file holds exactly what was printed
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    label = workloads.labels(quick=True)
    assert rows[label["op_chain"]].endswith("| agree |") and rows[label["peak"]].endswith("| agree |")
    assert label["held"] in rows
    assert "RSS (MiB)" in rows and "objects tracked by gc" in rows
    assert "- BLAS: NumPy (glassgrad, MyGrad, HIPS autograd) uses " in text and "PyTorch uses " in text
    assert "- threads: 1 " in text and "WARNING" not in text
