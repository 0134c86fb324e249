"""PReLU, Threshold, Hardshrink, Softshrink, RReLU modules against PyTorch: outputs, gradients, weights, repr."""
import numpy as np
import pytest
import torch

import glassgrad as gg


def _pair(shape, seed=0):
    x = np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(np.float32)
    return gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _check(gm, tm, shape=(2, 3, 4)):
    gx, tx = _pair(shape)
    gy, ty = gm(gx), tm(tx)
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert type(gy.grad_fn).__name__ == type(ty.grad_fn).__name__
    g = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    gy.backward(gg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert repr(gm) == repr(tm)


@pytest.mark.parametrize("args", [(), (3,), (3, 0.1)])
def test_prelu(args):
    gm, tm = gg.nn.PReLU(*args), torch.nn.PReLU(*args)
    assert [n for n, _ in gm.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(gm.weight.detach().numpy(), tm.weight.detach().numpy())
    w = np.random.default_rng(2).uniform(-1, 1, size=tm.weight.shape).astype(np.float32)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w))
    gm.weight.data = gg.tensor(w)
    _check(gm, tm)
    np.testing.assert_allclose(gm.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,args", [
    ("Threshold", (0.1, 20.0)), ("Threshold", (-0.5, 3.0, True)), ("Hardshrink", ()), ("Hardshrink", (1.0,)),
    ("Softshrink", ()), ("Softshrink", (0.3,)), ("RReLU", ()), ("RReLU", (0.1, 0.3, True))])
def test_module_eval(cls, args):
    gm, tm = getattr(gg.nn, cls)(*args).eval(), getattr(torch.nn, cls)(*args).eval()
    if getattr(tm, "inplace", False):
        gx, tx = _pair((3, 4))
        gy, ty = gm(gx * 1), tm(tx * 1)
        np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
        assert type(gy.grad_fn).__name__ == type(ty.grad_fn).__name__
        gy.sum().backward(), ty.sum().backward()
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
        assert repr(gm) == repr(tm)
    else:
        _check(gm, tm)


def test_in_all():
    for name in ("PReLU", "Threshold", "Hardshrink", "Softshrink", "RReLU"):
        assert name in gg.nn.modules.activation.__all__ and hasattr(gg.nn, name)


@pytest.mark.parametrize("inplace", [False, True])
def test_rrelu_training_bounds(inplace):
    gg.manual_seed(0)
    lower, upper = 0.1, 0.3
    gx, _ = _pair((50, 40))
    x = gx.detach().numpy().copy()
    y = gg.nn.RReLU(lower, upper, inplace)(gx * 1 if inplace else gx)
    assert type(y.grad_fn).__name__ == ("RreluWithNoiseBackward1" if inplace else "RreluWithNoiseBackward0")
    y.sum().backward()
    yv, g = y.detach().numpy(), gx.grad.numpy()
    pos = x > 0
    np.testing.assert_array_equal(yv[pos], x[pos])
    np.testing.assert_array_equal(g[pos], 1.0)
    slopes = yv[~pos] / x[~pos]
    assert (slopes >= lower - 1e-6).all() and (slopes <= upper + 1e-6).all()
    assert slopes.std() > 0.02  # one slope per element
    np.testing.assert_allclose(g[~pos], slopes, rtol=1e-5)
    gg.manual_seed(0)
    y2 = gg.nn.functional.rrelu(gg.tensor(x), lower, upper, training=True)
    np.testing.assert_array_equal(y2.numpy(), yv)  # glassgrad's generator: reproducible

