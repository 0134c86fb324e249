"""The generic op suites of tests/test_ops.py (forward against NumPy, float64 gradcheck, values, gradients, dtypes
and grad_fn names against PyTorch, hypothesis-drawn broadcasting) over the OpInfo rows of
glassgrad.testing.op_db.special_math, the issue-7 special functions, nan reductions and scans.

NOTE: these rows are not in op_db.FAMILIES (another file); once they are, tests/test_ops.py runs them too and
this module only repeats it."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from difftools import glassgrad
from glassgrad.autograd.gradcheck import gradcheck, GradcheckError
from glassgrad.testing import make_samples, build_args, as_list, make_maker
# NOTE: test_ops first: it resolves glassgrad.testing.op_db (the table) before the op_db package is imported
from test_ops import check_against_torch, _leaf_function, _assert_close, _tol, _np, _context, _describe, _HYP
from glassgrad.testing.op_db.special_math import ROWS  # noqa: E402


def _params(dtypes=None, grad=False):
    out = []
    for op in ROWS:
        for dtype in op.dtypes:
            if dtypes is not None and dtype not in dtypes:
                continue
            for s in make_samples(op, dtype):
                if grad and not (op.supports_grad and s.gradcheck):
                    continue
                out.append(pytest.param(op, s, dtype, id=f"{op.name}-{s.desc}-{dtype}"))
    return out


@pytest.mark.parametrize("op,sample,dtype", _params())
def test_forward_matches_numpy(op, sample, dtype):
    with _context(op, sample, dtype):
        args, kwargs, _ = build_args(glassgrad, sample, requires_grad=False)
        out = as_list(op.call(glassgrad, *args, **kwargs))
    expected = as_list(op.ref(*sample.args, **sample.kwargs))
    for i, (o, e) in enumerate(zip(out, expected)):
        rtol, atol = _tol(op, _np(o))
        _assert_close(_np(o), e, rtol, atol, f"forward output {i} vs NumPy", op, sample, dtype)


@pytest.mark.parametrize("op,sample,dtype", _params(("float64",), grad=True))
def test_gradcheck(op, sample, dtype):
    f, leaves = _leaf_function(op, sample)
    with _context(op, sample, dtype):
        try:
            gradcheck(f, leaves, eps=1e-6, atol=1e-5, rtol=1e-3)
        except GradcheckError as e:
            pytest.fail(f"gradcheck failed for {_describe(op, sample, dtype)}\n{e}", pytrace=False)


@pytest.mark.parametrize("op,sample,dtype", _params())
def test_matches_torch(op, sample, dtype):
    check_against_torch(op, sample, dtype)


@pytest.mark.parametrize("op,sample,dtype", _params(("float32", "float64")))
def test_grad_fn_matches_torch(op, sample, dtype):
    check_against_torch(op, sample, dtype, grad_fn=True)


@pytest.mark.parametrize("op", [op for op in ROWS if op.kind == "binary"], ids=lambda op: op.name)
@_HYP
@given(data=st.data(), dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_broadcasting_matches_torch(op, data, dtype, seed):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0,
                                                         max_side=4), label="shapes").input_shapes
    make = make_maker(dtype, np.random.default_rng(seed), op.domain, op.away)
    check_against_torch(op, op.from_shapes(make, *shapes), dtype)
