"""`glassgrad run SCRIPT ARGS...` and `python -m glassgrad run ...`: an unchanged PyTorch script runs on glassgrad
as `python SCRIPT ARGS...` runs it on PyTorch (argv, __main__, output, exit status, traceback); what glassgrad
lacks fails where the script uses it, naming the PyTorch API."""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import argparse
    import sys
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return F.relu(self.fc(x))

    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--mode", default="ok")
        args = parser.parse_args()
        print("name", __name__, "argv", sys.argv[1:], "torch", torch.__name__, "is_main", Net.__module__)
        net = Net()
        out = net(torch.ones(4, 3)).sum()
        out.backward()
        print("grad", tuple(net.fc.weight.grad.shape))
        if args.mode == "raise":
            raise ValueError("boom")
        if args.mode == "exit":
            sys.exit(3)
        if args.mode == "missing":
            F.ctc_loss
        if args.mode == "tensor-missing":
            torch.ones(8).stft(4)

    if __name__ == "__main__":
        main()
""")


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "train.py"
    path.write_text(SCRIPT)
    return str(path)


def run(cmd, script, *args):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([*cmd, "run", script, *args], capture_output=True, text=True, env=env, timeout=300)


COMMANDS = [[sys.executable, "-m", "glassgrad"]]
if shutil.which("glassgrad", path=os.path.dirname(sys.executable)):
    COMMANDS.append([os.path.join(os.path.dirname(sys.executable), "glassgrad")])


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: os.path.basename(c[-1]))
def test_runs_the_script_as_main_with_its_arguments(cmd, script):
    res = run(cmd, script, "--mode", "ok")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["name __main__ argv ['--mode', 'ok'] torch glassgrad is_main __main__",
                                       "grad (2, 3)"]


def test_exit_status_passes_through(script):
    res = run(COMMANDS[0], script, "--mode", "exit")
    assert res.returncode == 3
    res = run(COMMANDS[0], script, "--mode", "bad", "--unknown")
    assert res.returncode == 2 and "unrecognized arguments: --unknown" in res.stderr  # argparse's own exit


def test_an_uncaught_exception_prints_the_scripts_traceback_and_exits_1(script):
    res = run(COMMANDS[0], script, "--mode", "raise")
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].startswith(f'  File "{script}", line') and "<module>" in lines[1]  # starts at the script
    assert lines[-1] == "ValueError: boom"
    assert "glassgrad" not in res.stderr.replace(script, "")  # no frames of the runner


@pytest.mark.parametrize("mode, api", [("missing", "torch.nn.functional.ctc_loss"),
                                       ("tensor-missing", "torch.Tensor.stft")])
def test_what_glassgrad_lacks_fails_where_used_naming_the_api(script, mode, api):
    res = run(COMMANDS[0], script, "--mode", mode)
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last == f"glassgrad._missing.NotImplementedByGlassgrad: {api} is part of PyTorch's API, but glassgrad " \
                   "does not implement it"


def test_the_scripts_directory_is_on_sys_path(tmp_path):
    (tmp_path / "helper_mod.py").write_text("VALUE = 41\n")
    (tmp_path / "main.py").write_text("import helper_mod, torch\nprint(helper_mod.VALUE + 1, torch.__name__)\n")
    res = run(COMMANDS[0], str(tmp_path / "main.py"))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["42", "glassgrad"]
