"""Dropout draws from glassgrad's own generator, so its random masks are not PyTorch's: these checks are about
statistics and semantics (the OpInfo row covers the deterministic cases against PyTorch)."""
import warnings

import numpy as np
import pytest

import glassgrad
import glassgrad.nn.functional as F

torch = pytest.importorskip("torch")


def _x(*shape, requires_grad=True):
    return glassgrad.ones(*shape, dtype=glassgrad.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_1_minus_p_and_scales_by_its_inverse(p):
    glassgrad.manual_seed(0)
    n = 20000
    y = F.dropout(_x(n), p)
    v = y.detach().numpy()
    kept = v != 0
    assert np.allclose(v[kept], 1 / (1 - p)), f"kept values {np.unique(v[kept])}, expected 1/(1-p)={1 / (1 - p)}"
    # the kept fraction is Binomial(n, 1-p)/n: 5 standard deviations
    sd = np.sqrt(p * (1 - p) / n)
    assert abs(kept.mean() - (1 - p)) < 5 * sd, f"kept fraction {kept.mean()}, expected {1 - p} +- {5 * sd}"
    assert abs(v.mean() - 1) < 5 * sd / (1 - p), f"mean {v.mean()}: dropout must preserve the expectation"


def test_dropout_gradient_is_the_mask_scaled():
    glassgrad.manual_seed(1)
    x = _x(50, 4)
    y = F.dropout(x, 0.3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), y.detach().numpy()), "x is ones: the gradient must equal the output"


def test_dropout_is_reproducible_under_manual_seed_and_varies_otherwise():
    glassgrad.manual_seed(7)
    a = F.dropout(_x(100), 0.5).detach().numpy()
    b = F.dropout(_x(100), 0.5).detach().numpy()
    glassgrad.manual_seed(7)
    c = F.dropout(_x(100), 0.5).detach().numpy()
    assert np.array_equal(a, c)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("kwargs", [{"training": False}, {"p": 0.0}])
def test_dropout_identity_returns_the_same_tensor_like_torch(kwargs):
    x = _x(3, 4)
    t = torch.ones(3, 4, dtype=torch.float64, requires_grad=True)
    assert (F.dropout(x, **kwargs) is x) == (torch.nn.functional.dropout(t, **kwargs) is t) is True


def test_dropout_inplace_writes_into_its_input():
    glassgrad.manual_seed(2)
    x = _x(1000)
    h = x * 1
    out = F.dropout(h, 0.5, inplace=True)
    assert out is h and h.grad_fn.name() == "MulBackward0"
    v = h.detach().numpy()
    assert set(np.unique(v)) <= {0.0, 2.0} and 0 < (v == 0).sum() < 1000


def test_dropout_p1_zeroes_everything():
    x = _x(5)
    y = F.dropout(x, 1.0)
    assert np.array_equal(y.detach().numpy(), np.zeros(5)) and y.requires_grad


def test_attention_dropout_is_statistical_and_keeps_the_expectation():
    glassgrad.manual_seed(3)
    q = glassgrad.zeros(1, 4, 8, dtype=glassgrad.float64)
    k = glassgrad.zeros(1, 2000, 8, dtype=glassgrad.float64)
    v = glassgrad.ones(1, 2000, 1, dtype=glassgrad.float64)
    # uniform attention over 2000 keys of value 1: each output is the mean of the kept, rescaled weights
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25).numpy()
    assert out.shape == (1, 4, 1)
    assert np.all(np.abs(out - 1) < 0.1), f"outputs {out.ravel()} should be near 1 (expectation preserved)"
    assert not np.allclose(out, 1), "dropout_p > 0 must drop some attention weights"


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_implicit_softmax_dim_warns_like_torch(name):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with warnings.catch_warnings(record=True) as w_t:
        warnings.simplefilter("always")
        expected = getattr(torch.nn.functional, name)(torch.tensor(x))
    with warnings.catch_warnings(record=True) as w_g:
        warnings.simplefilter("always")
        actual = getattr(F, name)(glassgrad.tensor(x))
    assert [str(m.message) for m in w_g] == [str(m.message) for m in w_t]
    assert w_g[0].filename == __file__, "the warning must point at the caller's line"
    assert np.allclose(actual.numpy(), expected.numpy())
