"""Training parity: an MLP and the demo's CNN, started from the same weights in glassgrad and PyTorch and trained
on the same batches of scikit-learn's digits, give the same loss at every one of 50 steps (1e-4 relative)."""
import importlib.util
import inspect
import pathlib
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
import torch.nn.functional  # noqa: E402,F401
import glassgrad  # noqa: E402
import glassgrad.nn.functional  # noqa: E402,F401
import glassgrad.optim  # noqa: E402,F401

DEMO = pathlib.Path(__file__).resolve().parents[1] / "examples" / "train_digits.py"
STEPS, BATCH = 50, 32


def _demo_module():
    spec = importlib.util.spec_from_file_location("train_digits", DEMO)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # inspect.getsource finds a class's file through its module
    spec.loader.exec_module(mod)
    return mod


def _same_class(cls, lib):
    """The class `cls` (written against glassgrad) compiled again against `lib` (torch): the same source."""
    ns = {"nn": lib.nn, "F": lib.nn.functional, "torch": lib}
    exec(compile(inspect.getsource(cls), str(DEMO), "exec"), ns)  # noqa: S102 - our own example's source
    return ns[cls.__name__]


def _mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))


def _batches():
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    return [(x[order[i * BATCH:(i + 1) * BATCH]], y[order[i * BATCH:(i + 1) * BATCH]]) for i in range(STEPS)]


def _train(lib, model, optimizer_factory, batches, dtype=np.float32):
    F = lib.nn.functional
    opt = optimizer_factory(lib, model.parameters())
    losses = []
    model.train()
    for xb, yb in batches:
        opt.zero_grad()
        loss = F.cross_entropy(model(lib.tensor(xb.astype(dtype))), lib.tensor(yb))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


OPTIMIZERS = {
    "sgd_momentum": lambda lib, p: lib.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-4),
    "adam": lambda lib, p: lib.optim.Adam(p, lr=3e-3),
}


def _pair(build_glassgrad, build_torch):
    t_model = build_torch()
    g_model = build_glassgrad()
    state = {k: glassgrad.tensor(v.detach().numpy().copy()) for k, v in t_model.state_dict().items()}
    g_model.load_state_dict(state)
    return g_model, t_model


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_mlp_training_matches_torch(opt):
    g_model, t_model = _pair(lambda: _mlp(glassgrad), lambda: _mlp(torch))
    batches = _batches()
    g = _train(glassgrad, g_model, OPTIMIZERS[opt], batches)
    t = _train(torch, t_model, OPTIMIZERS[opt], batches)
    np.testing.assert_allclose(g, t, rtol=1e-4, err_msg=f"losses per step differ ({opt})")
    assert t[-1] < 0.5 * t[0], "the run should learn something, or the comparison proves little"


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_demo_cnn_training_matches_torch(opt):
    demo = _demo_module()
    t_cls = _same_class(demo.DigitsNet, torch)
    g_model, t_model = _pair(demo.DigitsNet, t_cls)
    # NOTE: dropout masks come from each library's own random stream; p=0 keeps the training-mode code path.
    # In float64: with batch norm and momentum, float32 rounding differences (even between two PyTorch runs,
    # whose threaded reductions vary) grow to ~1e-4 within 50 steps; float64 keeps the comparison about the maths.
    g_model.dropout.p = t_model.dropout.p = 0.0
    g_model.double()
    t_model.double()
    batches = _batches()
    g = _train(glassgrad, g_model, OPTIMIZERS[opt], batches, np.float64)
    t = _train(torch, t_model, OPTIMIZERS[opt], batches, np.float64)
    np.testing.assert_allclose(g, t, rtol=1e-4, err_msg=f"losses per step differ ({opt})")
    np.testing.assert_allclose(g, t, rtol=1e-9, err_msg=f"float64 losses per step differ beyond rounding ({opt})")
    for name, buf in t_model.named_buffers():
        np.testing.assert_allclose(dict(g_model.named_buffers())[name].numpy(), buf.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=f"buffer {name} differs after training")
