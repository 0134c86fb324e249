"""The `import torch` hook (glassgrad.torch_compat): `torch` and `torch.A.B` are glassgrad's own modules while
installed, names glassgrad lacks fail clearly, uninstalling puts real PyTorch back, and `run_script` runs an
unchanged PyTorch script, whose output matches the same script run by real PyTorch."""
import importlib
import os
import subprocess
import sys
import textwrap

import pytest

from difftools import glassgrad, torch as real_torch

from glassgrad import torch_compat

SUBMODULES = ["nn", "nn.functional", "optim", "optim.lr_scheduler", "autograd", "autograd.graph",
              "autograd.function", "utils", "utils.data", "utils.checkpoint", "nn.utils", "nn.utils.parametrize",
              "nn.utils.parametrizations", "nn.utils.rnn", "nn.init", "nn.parameter", "linalg", "special", "testing",
              "nn.modules.module"]


@pytest.fixture(autouse=True)
def _never_leave_the_hook_installed():
    yield
    if torch_compat.is_installed():
        torch_compat.uninstall()
        pytest.fail("the hook was left installed")


def test_import_torch_gives_glassgrad():
    with torch_compat.enabled() as mod:
        import torch
        assert torch is glassgrad and mod is glassgrad and sys.modules["torch"] is glassgrad
        from torch import nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torch.nn.utils.rnn import pad_sequence
        assert nn is glassgrad.nn and F is glassgrad.nn.functional
        assert DataLoader is glassgrad.utils.data.DataLoader
        assert pad_sequence is glassgrad.nn.utils.rnn.pad_sequence
        assert isinstance(torch.nn.Linear(2, 3), glassgrad.nn.Module)


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_are_the_glassgrad_modules(name):
    with torch_compat.enabled():
        mod = importlib.import_module("torch." + name)
        target = importlib.import_module("glassgrad." + name)
        assert mod is target
        assert sys.modules["torch." + name] is target
        # the module keeps its own identity: the import system's alias spec does not stick to it
        assert target.__spec__.name == "glassgrad." + name and target.__name__ == "glassgrad." + name


@pytest.mark.parametrize("stmt, name, why", [
    ("import torch.nn.no_such_thing", "torch.nn.no_such_thing", ""),
    ("import torch._C", "torch._C", ": glassgrad does not implement PyTorch's internal module torch._C"),
    # torch.device is a class, in PyTorch and here, not a module
    ("import torch.device", "torch.device", ""),
])
def test_modules_pytorch_lacks_too_are_not_found(stmt, name, why):
    with torch_compat.enabled():
        with pytest.raises(ModuleNotFoundError, match=f"^No module named '{name}'{why}$") as info:
            exec(stmt, {})
        assert info.value.name == name
        assert name not in sys.modules
    assert isinstance(glassgrad.device, type)  # not overwritten by the refused import


def test_pytorch_modules_glassgrad_lacks_import_and_fail_where_used():
    with torch_compat.enabled():
        ns = {}
        exec("import torch.fft\nimport torch.distributions.binomial as binomial\nfrom torch import fft", ns)
        assert ns["fft"] is ns["torch"].fft and repr(ns["fft"]) == "<module 'torch.fft' (not implemented by glassgrad)>"
        with pytest.raises(NotImplementedError, match="^torch.fft.rfft is part of PyTorch's API, but glassgrad "
                                                      "does not implement it$"):
            ns["fft"].rfft(glassgrad.ones(4))
        with pytest.raises(NotImplementedError, match="^torch.distributions.binomial.Binomial is part of PyTorch"):
            ns["binomial"].Binomial
        assert not hasattr(ns["fft"], "rfft")  # feature tests (hasattr/getattr with a default) see "absent"
        with pytest.raises(NotImplementedError, match="^torch.nn.CTCLoss is part of PyTorch's API, but"):
            exec("from torch.nn import CTCLoss", {})
        with pytest.raises(ImportError, match="cannot import name 'NoSuch'"):
            exec("from torch.nn import NoSuch", {})
        # `from M import name` would turn the error into a bare "cannot import name": it keeps its words
        for stmt, api in [("from torch.fft import rfft", "torch.fft.rfft"),
                          ("from torch.nn.functional import ctc_loss", "torch.nn.functional.ctc_loss")]:
            with pytest.raises(NotImplementedError, match=f"^{api} is part of PyTorch's API, but glassgrad"):
                exec(stmt, {})
        assert not hasattr(ns["torch"].nn.functional, "ctc_loss")
    assert "fft" not in vars(glassgrad) and "glassgrad.fft" not in sys.modules
    assert sys.modules.get("torch.fft") is real_torch.fft  # the real one, put back


def test_uninstall_restores_real_torch():
    real = {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}
    assert real["torch"] is real_torch
    meta_path = list(sys.meta_path)
    with torch_compat.enabled():
        assert torch_compat.is_installed()
        import torch.nn.functional  # noqa: F401
        importlib.import_module("torch.utils.checkpoint")
        assert not any(m is real_torch for m in sys.modules.values())
    assert not torch_compat.is_installed()
    assert sys.meta_path == meta_path
    now = {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}
    assert now.keys() == real.keys() and all(now[n] is real[n] for n in real)
    import torch
    import torch.nn.functional as F
    assert torch is real_torch and F is real_torch.nn.functional
    assert torch.equal(F.relu(torch.tensor([-1.0, 2.0])), torch.tensor([0.0, 2.0]))


def test_install_is_idempotent_and_nests():
    torch_compat.install()
    torch_compat.install()
    try:
        with torch_compat.enabled():
            pass
        assert torch_compat.is_installed() and sys.modules["torch"] is glassgrad  # the outer install stands
        assert sum(isinstance(f, torch_compat._TorchAliasFinder) for f in sys.meta_path) == 1
    finally:
        torch_compat.uninstall()
    torch_compat.uninstall()
    assert sys.modules["torch"] is real_torch


def test_hook_never_imports_real_torch():
    program = textwrap.dedent("""
        import json, sys
        from glassgrad import torch_compat
        out = {}
        with torch_compat.enabled():
            import torch, torch.nn.functional, torch.optim.lr_scheduler, torch.utils.data, torch.nn.utils.rnn
            from torch.autograd import Function
            out["torch"] = torch.__name__
            import torch.fft
            out["fft"] = repr(torch.fft)
        out["real_loaded_inside"] = sorted(n for n, m in sys.modules.items()
                                           if "site-packages" in (getattr(m, "__file__", None) or "")
                                           and "torch" in n.split(".")[0])
        out["left"] = sorted(n for n in sys.modules if n == "torch" or n.startswith("torch."))
        import torch
        out["after"] = torch.__file__
        print(json.dumps(out))
    """)
    res = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    import json
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["torch"] == "glassgrad"
    assert out["fft"] == "<module 'torch.fft' (not implemented by glassgrad)>"
    assert out["real_loaded_inside"] == [] and out["left"] == []
    assert out["after"] == real_torch.__file__


SCRIPT = """
import argparse
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from {helper} import make_data

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=1)
parser.add_argument("--exit", type=int, default=0)
args = parser.parse_args()

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.5, -0.25]]))
    model[0].bias.zero_()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = make_data(torch)
for step in range(args.steps):
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=2):
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
print(sys.argv[1:], __name__, repr(loss), [round(g, 3) for g in model[0].weight.grad[0].tolist()])
sys.exit(args.exit)
"""

HELPER = """
def make_data(torch):
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0], [2.0, 0.0]])
    return x, x.sum(1, keepdim=True) * 0.5
"""


@pytest.fixture
def script(tmp_path):
    helper = f"_compat_helper_{os.getpid()}"
    (tmp_path / f"{helper}.py").write_text(HELPER)
    path = tmp_path / "train.py"
    path.write_text(SCRIPT.format(helper=helper))
    yield path
    sys.modules.pop(helper, None)


def test_run_script_runs_an_unchanged_pytorch_script(script, capsys):
    argv, path = list(sys.argv), list(sys.path)
    with pytest.raises(SystemExit) as info:
        torch_compat.run_script(script, ["--steps", "3", "--exit", "3"])
    assert info.value.code == 3
    assert sys.argv == argv and sys.path == path and not torch_compat.is_installed()
    assert sys.modules["torch"] is real_torch
    ours = capsys.readouterr().out
    # the same script, run by Python and real PyTorch
    res = subprocess.run([sys.executable, str(script), "--steps", "3", "--exit", "3"], capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 3, res.stderr
    assert ours == res.stdout
    assert ours.startswith("['--steps', '3', '--exit', '3'] __main__ tensor(")


def test_run_script_returns_globals_and_sees_argv(tmp_path):
    path = tmp_path / "s.py"
    path.write_text("import sys, os, torch\nARGV = list(sys.argv)\nP0 = sys.path[0]\nT = torch\n")
    g = torch_compat.run_script(path, ["a", "b"])
    assert g["ARGV"] == [str(path), "a", "b"] and g["P0"] == str(tmp_path) and g["T"] is glassgrad
    assert g["__name__"] == "__main__"
    g = torch_compat.run_script(path, [], compat=False)
    assert g["T"] is real_torch


def test_run_script_restores_after_an_error(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("import sys\nsys.path.insert(0, 'x')\nsys.argv.append('y')\nraise ValueError('boom')\n")
    argv, spath = list(sys.argv), list(sys.path)
    with pytest.raises(ValueError, match="^boom$"):
        torch_compat.run_script(path)
    assert sys.argv == argv and sys.path == spath and not torch_compat.is_installed()


def test_real_torch_still_works_after():
    with torch_compat.enabled():
        import torch
        assert torch is glassgrad
    x = real_torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert importlib.import_module("torch.nn.functional") is real_torch.nn.functional


def test_tensor_methods_glassgrad_lacks_say_so_without_a_getattr_hook():
    t = glassgrad.ones(4)
    with pytest.raises(NotImplementedError, match="^torch.Tensor.stft is part of PyTorch's API, but glassgrad"):
        t.stft(2)
    assert not hasattr(t, "stft") and getattr(t, "stft", None) is None
    with pytest.raises(AttributeError, match="^'Tensor' object has no attribute 'no_such_method'$"):
        t.no_such_method
    # NOTE: a Tensor.__getattr__ would make CPython read every tensor attribute through a slower hook (~3% per op)
    assert "__getattr__" not in vars(glassgrad.Tensor)
