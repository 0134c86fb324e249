"""Statistics, scans and distances (ops/statistics.py, ops/scans.py, ops/distances.py) against PyTorch: values,
dtypes, grad_fn names and gradients (composites such as quantile, cov and corrcoef build PyTorch's graph), the
in-place cumsum_/cumprod_, nan handling, and the errors; float64 gradcheck of the primitives' derivatives."""
import math

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck

NAN = math.nan
A = [[3.0, 1.0, 4.0, 1.5, 2.0], [9.0, 2.0, 6.0, 5.0, -1.0], [0.5, 0.5, 2.0, -3.0, 7.0]]
WITH_NAN = [[1.0, NAN, 3.0, 2.0, 0.5], [NAN, NAN, 5.0, -1.0, 2.0], [4.0, 1.0, 1.0, 2.0, 3.0]]


def _weights(lib, y):
    return (lib.arange(y.numel()) % 5 - 2).reshape(y.shape).to(y.dtype)


def _grads(lib, fn, values=A, dtype="float32"):
    x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
    out = fn(lib, x)
    first = out[0] if isinstance(out, tuple) else out
    if first.requires_grad:
        first.backward(_weights(lib, first))
    return out, fresh(x.grad)


CASES = {
    "nansum": lambda lib, x: lib.nansum(x),
    "nansum_dim": lambda lib, x: x.nansum(1),
    "nansum_dims_keepdim": lambda lib, x: lib.nansum(x, (0, 1), keepdim=True),
    "nanmean": lambda lib, x: lib.nanmean(x),
    "nanmean_dim": lambda lib, x: x.nanmean(dim=1, keepdim=True),
    "nanmean_dtype": lambda lib, x: lib.nanmean(x, 0, dtype=lib.float64),
    "nanmedian": lambda lib, x: lib.nanmedian(x),
    "nanmedian_dim": lambda lib, x: lib.nanmedian(x, 1),
    "nanmedian_keepdim": lambda lib, x: x.nanmedian(0, keepdim=True),
    "median_dim": lambda lib, x: lib.median(x, 1),
    "mode": lambda lib, x: lib.mode(x),
    "mode_dim0": lambda lib, x: x.mode(0, keepdim=True),
    "aminmax": lambda lib, x: lib.aminmax(x),
    "aminmax_dim": lambda lib, x: lib.aminmax(x, dim=1),
    "aminmax_keepdim": lambda lib, x: x.aminmax(dim=0, keepdim=True),
    "msort": lambda lib, x: lib.msort(x),
    "logcumsumexp": lambda lib, x: lib.logcumsumexp(x, 1),
    "logcumsumexp_dim0": lambda lib, x: x.logcumsumexp(0),
    "diff": lambda lib, x: lib.diff(x),
    "diff_n2_dim0": lambda lib, x: lib.diff(x, n=2, dim=0),
    "diff_pieces": lambda lib, x: x.diff(prepend=lib.zeros(3, 1), append=x[:, :2] * 2),
    "diff_n0": lambda lib, x: lib.diff(x, n=0),
    "diff_long": lambda lib, x: lib.diff(x, n=7),
    "cov": lambda lib, x: lib.cov(x),
    "cov_correction0": lambda lib, x: x.cov(correction=0),
    "cov_weights": lambda lib, x: lib.cov(x, fweights=lib.tensor([1, 2, 1, 3, 1]),
                                          aweights=lib.tensor([0.5, 1.0, 2.0, 1.0, 0.2])),
    "cov_fweights": lambda lib, x: lib.cov(x, fweights=lib.tensor([1, 2, 1, 3, 1]), correction=2),
    "cov_1d": lambda lib, x: lib.cov(x[0]),
    "corrcoef": lambda lib, x: lib.corrcoef(x),
    "corrcoef_1d": lambda lib, x: x[1].corrcoef(),
    "dist": lambda lib, x: lib.dist(x[0], x[1]),
    "dist_p1": lambda lib, x: x[0].dist(x[2], 1),
    "dist_inf": lambda lib, x: lib.dist(x, x[1], math.inf),
    "dist_p0": lambda lib, x: lib.dist(x[0], x[1], 0),
    "dist_p3": lambda lib, x: lib.dist(x[0], x[1], 3.5),
    "pdist": lambda lib, x: lib.pdist(x),
    "pdist_p1": lambda lib, x: lib.nn.functional.pdist(x, p=1),
    "pdist_inf": lambda lib, x: lib.pdist(x, math.inf),
    "pdist_p05": lambda lib, x: lib.pdist(x, 0.5),
    "cumsum_": lambda lib, x: (x * 1).cumsum_(1),
    "cumprod_": lambda lib, x: (x * 1).cumprod_(0),
}
QUANTILE_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(name, dtype):
    assert_same(lambda lib: _grads(lib, CASES[name], A, dtype), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["nansum", "nansum_dim", "nanmean", "nanmean_dim", "nanmedian", "nanmedian_dim",
                                  "nanmedian_keepdim", "logcumsumexp", "aminmax_dim", "diff", "cumsum_"])
def test_with_nans_matches_torch(name):
    assert_same(lambda lib: _grads(lib, CASES[name], WITH_NAN), rtol=1e-5, atol=1e-6)


def _q(lib, args):
    """The arguments with q (the first) a tensor of three quantiles where it is None."""
    return (lib.tensor([0.1, 0.5, 0.95]) if args[0] is None else args[0],) + tuple(args[1:])


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("mode", ["scalar", "dim1", "dim0_keepdim", "all_keepdim", "q_tensor", "q_tensor_keepdim",
                                  "q_tensor_all"])
@pytest.mark.parametrize("interpolation", QUANTILE_INTERP)
@pytest.mark.parametrize("values", [A, WITH_NAN], ids=["plain", "nan"])
def test_quantile_matches_torch(name, mode, interpolation, values):
    margs = {"scalar": (0.3,), "dim1": (0.3, 1), "dim0_keepdim": (0.7, 0, True), "all_keepdim": (0.5, None, True),
             "q_tensor": (None, 1), "q_tensor_keepdim": (None, 0, True), "q_tensor_all": (None,)}[mode]

    def fn(lib, x):
        return getattr(lib, name)(x, *_q(lib, margs), interpolation=interpolation)

    # NOTE: float32 lerp rounds once in PyTorch (a fused multiply-add): 1 ulp apart from NumPy's two roundings
    assert_same(lambda lib: _grads(lib, fn, values), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nansum(lib.tensor([[1, 5, 3], [2, 2, 0]])),
    lambda lib: lib.nansum(lib.tensor([[1, 5, 3], [2, 2, 0]]), dtype=lib.float64),
    lambda lib: lib.nansum(lib.tensor([True, True])),
    lambda lib: lib.nanmean(lib.tensor([1, 2])),
    lambda lib: lib.nanmedian(lib.tensor([[1, 5, 3], [2, 2, 0]])),
    lambda lib: lib.nanmedian(lib.tensor([[1, 5, 3], [2, 2, 0]]), 0),
    lambda lib: lib.nanmedian(lib.tensor([])),
    lambda lib: lib.nanmedian(lib.zeros(2, 0), 1),
    lambda lib: lib.nanmedian(lib.full((1, 3), NAN), 1),
    lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5),
    lambda lib: lib.quantile(lib.ones(3), 1.5),
    lambda lib: lib.quantile(lib.ones(3), lib.tensor([0.3, 1.6])),
    lambda lib: lib.quantile(lib.ones(3), lib.tensor([[0.5]])),
    lambda lib: lib.quantile(lib.ones(3), lib.tensor([0.5], dtype=lib.float64)),
    lambda lib: lib.quantile(lib.ones(3), 0.5, interpolation="foo"),
    lambda lib: lib.quantile(lib.tensor([]), 0.5),
    lambda lib: lib.quantile(lib.ones(3), [0.5]),
    lambda lib: lib.quantile(lib.ones(2, 3), 0.5, dim=3),
    lambda lib: lib.quantile(lib.tensor(2.5, requires_grad=True), 0.5),
    lambda lib: lib.quantile(lib.tensor(2.5), 0.5, dim=0, keepdim=True),
    lambda lib: lib.quantile(lib.tensor(2.5), lib.tensor(0.25)),
    lambda lib: lib.mode(lib.tensor([3, 1, 1, 3, 2, 2, 2])),
    lambda lib: lib.mode(lib.tensor([])),
    lambda lib: lib.mode(lib.tensor(3.0)),
    lambda lib: lib.mode(lib.zeros(2, 0), 1),
    lambda lib: lib.mode(lib.zeros(0, 2), 1),
    lambda lib: lib.aminmax(lib.tensor([True, False])),
    lambda lib: lib.aminmax(lib.tensor(2.0)),
    lambda lib: lib.aminmax(lib.tensor([])),
    lambda lib: lib.aminmax(lib.zeros(2, 0), dim=0),
    lambda lib: lib.aminmax(lib.tensor([[1, 5], [7, -2]]), dim=1),
    lambda lib: lib.logcumsumexp(lib.tensor([1, 2]), 0),
    lambda lib: lib.logcumsumexp(lib.tensor(2.0, requires_grad=True), 0),
    lambda lib: lib.logcumsumexp(lib.tensor([-math.inf, -math.inf, 1.0, 800.0, 1.0]), 0),
    lambda lib: lib.diff(lib.tensor([1, 5, 2])),
    lambda lib: lib.diff(lib.tensor([True, False, False])),
    lambda lib: lib.diff(lib.tensor(1.0)),
    lambda lib: lib.diff(lib.ones(2, 3), n=-1),
    lambda lib: lib.diff(lib.ones(2, 3), prepend=lib.zeros(2)),
    lambda lib: lib.diff(lib.ones(2, 3), prepend=lib.zeros(3, 1)),
    lambda lib: lib.diff(lib.ones(2, 3), prepend=lib.zeros(2, 1, dtype=lib.float64)),
    lambda lib: lib.diff(lib.tensor([1, 5]), prepend=lib.tensor([0.5])),
    lambda lib: lib.cov(lib.ones(2, 3, 4)),
    lambda lib: lib.cov(lib.tensor([[1, 2, 4], [0, 3, 1]])),
    lambda lib: lib.corrcoef(lib.tensor([[1, 2, 4], [0, 3, 1]])),
    lambda lib: lib.cov(lib.ones(2, 4), fweights=lib.tensor([1.0, 2, 1, 3])),
    lambda lib: lib.cov(lib.ones(2, 4), fweights=lib.tensor([1, 2, 1])),
    lambda lib: lib.cov(lib.ones(2, 4), aweights=lib.tensor([1, 2, 1, 3])),
    lambda lib: lib.cov(lib.ones(2, 4), fweights=lib.tensor([1, -2, 1, 3])),
    lambda lib: lib.cov(lib.ones(2, 4), aweights=lib.tensor([1.0, -2, 1, 3])),
    lambda lib: lib.cov(lib.tensor([[1.0, 2, 4, 0], [3, 1, 1, 5]]), correction=4),
    lambda lib: lib.cov(lib.tensor([[1.0], [3.0]])),
    lambda lib: lib.dist(lib.ones(3), lib.tensor([1, 2, 3])),
    lambda lib: lib.dist(lib.tensor([1, 2]), lib.tensor([1, 2])),
    lambda lib: lib.dist(lib.ones(3), lib.ones(3, dtype=lib.float64) * 2),
    lambda lib: lib.pdist(lib.ones(3)),
    lambda lib: lib.pdist(lib.ones(1, 3)),
    lambda lib: lib.pdist(lib.ones(3, 2), p=-1),
    lambda lib: lib.pdist(lib.tensor([[1, 2], [3, 4]])),
    lambda lib: lib.tensor([1, 2]).cumsum_(0),
    lambda lib: lib.tensor([1, 2]).cumprod_(0, dtype=lib.float32),
    lambda lib: lib.tensor([1.0, 2.0]).cumsum_(0, dtype=lib.float32),
    lambda lib: lib.tensor(3.0).cumsum_(0),
], ids=lambda f: None)
def test_edge_cases_and_errors(call):
    assert_same(call, rtol=1e-6, atol=1e-6)


HIST_INPUT = [1.0, 2.0, 1.0, 2.5, 4.0, 0.1, 3.3, 7.3, 2.2]


@pytest.mark.parametrize("kwargs", [
    {"bins": 4}, {"bins": 7}, {"bins": 3, "range": (0.0, 3.0)}, {"bins": 5, "density": True},
    {"bins": [0.0, 1.5, 2.0, 5.0]}, {"bins": [0.0, 1.5, 2.0, 5.0], "weight": True, "density": True},
    {"bins": 4, "weight": True}, {"bins": 2, "range": (1.0, 1.0)},
], ids=lambda k: "-".join(f"{a}" for a in k))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram_matches_torch(kwargs, dtype):
    def program(lib):
        dt = getattr(lib, dtype)
        kw = dict(kwargs)
        if isinstance(kw["bins"], list):
            kw["bins"] = lib.tensor(kw["bins"], dtype=dt)
        if kw.get("weight"):
            kw["weight"] = lib.linspace(0.5, 2.0, len(HIST_INPUT)).to(dt)
        x = lib.tensor(HIST_INPUT, dtype=dt)
        return lib.histogram(x, **kw), x.histogram(**kw)

    assert_same(program)


@pytest.mark.parametrize("call", [
    lambda lib: lib.histogram(lib.tensor([1.0, 1.0]), 2),
    lambda lib: lib.histogram(lib.tensor([]), 2),
    lambda lib: lib.histogram(lib.tensor([[1.0, 5.0], [2.0, 3.0]]), 2),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 2, weight=lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 0),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 2, range=(3.0, 1.0)),
    lambda lib: lib.histogram(lib.tensor([1.0, NAN]), 2),
    lambda lib: lib.histogram(lib.tensor([1, 2]), 3),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0], dtype=lib.float64), lib.tensor([0.0, 1.5, 3.0])),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0], requires_grad=True), 2),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0], requires_grad=True), 2).hist.sum().backward(),
], ids=lambda f: None)
def test_histogram_edge_cases(call):
    assert_same(call)


def test_histogram_linspace_edges_are_pytorchs():
    # NOTE: PyTorch computes the edges in float32 from both ends, not in float64 then rounded
    h = glassgrad.histogram(glassgrad.tensor([0.1, 7.3]), 6)
    assert h.bin_edges.tolist() == [0.10000000149011612, 1.3000000715255737, 2.5, 3.700000047683716,
                                    4.900000095367432, 6.100000381469727, 7.300000190734863]


def test_return_types_are_named():
    x = glassgrad.tensor(A)
    assert type(glassgrad.mode(x)).__name__ == "mode" and glassgrad.mode(x).indices.dtype is glassgrad.int64
    assert type(glassgrad.aminmax(x)).__name__ == "aminmax" and glassgrad.aminmax(x).max.item() == 9.0
    assert type(glassgrad.nanmedian(x, 0)).__name__ == "nanmedian"
    assert glassgrad.histogram(x, 2).hist.tolist() == [9.0, 6.0]


@pytest.mark.parametrize("fn", [
    lambda g, x: g.nansum(x * 1, 1),
    lambda g, x: g.logcumsumexp(x, 1),
    lambda g, x: g.logcumsumexp(x, 0) * g.tensor([[-1.0], [2.0], [0.5]], dtype=g.float64),
    lambda g, x: g.dist(x[0], x[1]),
    lambda g, x: g.dist(x[0], x[2], 3.0),
    lambda g, x: g.pdist(x),
    lambda g, x: g.pdist(x, 1.5),
    lambda g, x: g.quantile(x, g.tensor([0.2, 0.75], dtype=g.float64), dim=1),
    lambda g, x: g.cov(x),
    lambda g, x: g.corrcoef(x),
    lambda g, x: g.aminmax(x, dim=1).max * 2 + g.aminmax(x, dim=1).min,
    lambda g, x: g.diff(x, n=2),
], ids=["nansum", "logcumsumexp", "logcumsumexp_signs", "dist", "dist_p3", "pdist", "pdist_p15", "quantile", "cov",
        "corrcoef", "aminmax", "diff"])
def test_gradcheck_float64(fn):
    x = glassgrad.tensor(np.array(A) + np.arange(15).reshape(3, 5) * 0.01, dtype=glassgrad.float64,
                         requires_grad=True)
    assert gradcheck(lambda t: fn(glassgrad, t), (x,), eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gradgradcheck(lambda t: fn(glassgrad, t), (x,), eps=1e-6, atol=1e-5, rtol=1e-3)
