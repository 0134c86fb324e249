"""Generic op suites, all derived from the OpInfo table in glassgrad.testing.opinfo:

1. forward against the NumPy reference;
2. float64 gradcheck (and gradgradcheck for rows that support second order);
3. values, gradients, output dtype and grad_fn name against real PyTorch;
4. hypothesis-drawn broadcasting and dim/keepdim combinations against PyTorch;
and the public names of every row exist as `glassgrad.X` / `Tensor.X` where PyTorch has them.

Known glassgrad bugs are kept as strict xfails in XFAIL below: the bug list stays visible and a fix turns
them into failures until the entry is removed.
"""
import contextlib
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")
import glassgrad  # noqa: E402
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: E402
from glassgrad.testing import FLOAT_DTYPES, op_db, make_samples, make_error_inputs, make_maker, build_args, flatten_arrays, as_list  # noqa: E402

# (suite, row, sample descs, dtype) -> reason; "*" matches anything, a tuple matches any of its descs.
XFAIL = {}
_ROWS = {op.name: op for op in op_db}


def _xfail_reason(suite, row, desc="*", dtype="*"):
    """The reason a check is a known bug: from XFAIL here, or from the row's own `xfail` entries."""
    op = _ROWS.get(row)
    entries = list(XFAIL.items()) + [((s, row, d, t), reason) for (s, d, t), reason in (op.xfail if op else {}).items()]
    for (s, r, d, t), reason in entries:
        descs = d if isinstance(d, tuple) else (d,)
        if s == suite and r == row and ("*" in descs or desc in descs) and t in ("*", dtype):
            return reason
    return None


def _params(suite, dtypes=None, want=lambda op, s: True):
    out = []
    for op in op_db:
        for dtype in op.dtypes:
            if dtypes is not None and dtype not in dtypes:
                continue
            for s in make_samples(op, dtype):
                if not want(op, s):
                    continue
                reason = _xfail_reason(suite, op.name, s.desc, dtype)
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                out.append(pytest.param(op, s, dtype, id=f"{op.name}-{s.desc}-{dtype}", marks=marks))
    return out


# ---- reporting ------------------------------------------------------------------------------------
def _fmt(v):
    if isinstance(v, np.ndarray):
        return f"array(shape={v.shape}, dtype={v.dtype},\n{np.array2string(v, precision=8)})"
    if isinstance(v, (list, tuple)):
        return type(v)(_fmt(x) for x in v).__repr__().replace("\\n", "\n")
    return repr(v)


def _describe(op, sample, dtype):
    return (f"op={op.name} sample={sample.desc!r} dtype={dtype}\n  args={_fmt(sample.args)}\n"
            f"  kwargs={_fmt(sample.kwargs)}")


@contextlib.contextmanager
def _context(op, sample, dtype):
    """Adds the inputs to any exception raised inside (an op that raises is a failure too)."""
    try:
        yield
    except Exception as e:
        e.add_note("while checking " + _describe(op, sample, dtype))
        raise


def _np(t):
    return t.detach().numpy(force=True) if hasattr(t, "detach") else np.asarray(t)


def _tol(op, result, torch_side=False):
    """(rtol, atol) by the dtype of the result (an int64 op may return floats)."""
    name = result.dtype.name if result.dtype.kind == "f" else "int64"
    rtol, atol = op.tolerance(name) if name in ("float32", "float64", "int64") else (1e-3, 1e-3)
    if torch_side and result.dtype.kind == "f":
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-6)  # torch and NumPy may sum in different orders
    return rtol, atol


def _assert_close(actual, expected, rtol, atol, what, op, sample, dtype):
    actual, expected = np.asarray(actual), np.asarray(expected)
    head = f"{what} mismatch for {_describe(op, sample, dtype)}\n  tolerances: rtol={rtol} atol={atol}\n"
    if actual.shape != expected.shape:
        pytest.fail(head + f"  shape: expected {expected.shape}, actual {actual.shape}\n"
                    f"  expected={_fmt(expected)}\n  actual={_fmt(actual)}", pytrace=False)
    ok = np.allclose(actual.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
    if not ok:
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        pytest.fail(head + f"  max abs diff={np.nanmax(diff) if diff.size else 0}\n"
                    f"  expected={_fmt(expected)}\n  actual={_fmt(actual)}", pytrace=False)


def _assert_equal(actual, expected, what, op, sample, dtype):
    if actual != expected:
        pytest.fail(f"{what} mismatch for {_describe(op, sample, dtype)}\n  expected (torch)={expected!r}\n"
                    f"  actual (glassgrad)={actual!r}", pytrace=False)


# ---- 1. forward against NumPy ---------------------------------------------------------------------
@pytest.mark.parametrize("op,sample,dtype", _params("forward"))
def test_forward_matches_numpy(op, sample, dtype):
    with _context(op, sample, dtype):
        args, kwargs, _ = build_args(glassgrad, sample, requires_grad=False)
        out = as_list(op.call(glassgrad, *args, **kwargs))
    expected = as_list(op.ref(*sample.args, **sample.kwargs))
    _assert_equal(len(out), len(expected), "number of outputs", op, sample, dtype)
    for i, (o, e) in enumerate(zip(out, expected)):
        rtol, atol = _tol(op, _np(o))
        _assert_close(_np(o), e, rtol, atol, f"forward output {i} vs NumPy", op, sample, dtype)


# ---- 2. finite differences ------------------------------------------------------------------------
def _leaf_function(op, sample):
    """(f, leaves): f(*leaves) calls the op on the sample with the float64 leaves in place."""
    args, kwargs, tensors = build_args(glassgrad, sample)
    arrays, rebuild = flatten_arrays((sample.args, sample.kwargs))
    slots = [i for i, t in enumerate(tensors) if t.requires_grad]

    def f(*leaves):
        values = list(tensors)
        for i, leaf in zip(slots, leaves):
            values[i] = leaf
        a, k = rebuild(values)
        return op.call(glassgrad, *a, **k)

    return f, [tensors[i] for i in slots]


def _grad_params(suite, second):
    return _params(suite, ("float64",), lambda op, s: op.supports_grad and s.gradcheck and
                   (op.supports_gradgrad or not second))


@pytest.mark.parametrize("op,sample,dtype", _grad_params("gradcheck", False))
def test_gradcheck(op, sample, dtype):
    f, leaves = _leaf_function(op, sample)
    with _context(op, sample, dtype):
        try:
            gradcheck(f, leaves, eps=1e-6, atol=1e-5, rtol=1e-3)
        except GradcheckError as e:
            pytest.fail(f"gradcheck failed (eps=1e-6 atol=1e-5 rtol=1e-3) for {_describe(op, sample, dtype)}\n{e}",
                        pytrace=False)


@pytest.mark.parametrize("op,sample,dtype", _grad_params("gradgradcheck", True))
def test_gradgradcheck(op, sample, dtype):
    f, leaves = _leaf_function(op, sample)
    with _context(op, sample, dtype):
        try:
            gradgradcheck(f, leaves, eps=1e-6, atol=1e-5, rtol=1e-3)
        except GradcheckError as e:
            pytest.fail(f"gradgradcheck failed (eps=1e-6 atol=1e-5 rtol=1e-3) for "
                        f"{_describe(op, sample, dtype)}\n{e}", pytrace=False)


# ---- 3. against PyTorch ---------------------------------------------------------------------------
def _run(mod, op, sample, weights_seed):
    args, kwargs, tensors = build_args(mod, sample)
    outs = as_list(op.call(mod, *args, **kwargs))
    diff_outs = [o for o in outs if o.requires_grad]
    if diff_outs:
        rng = np.random.default_rng(weights_seed)
        loss = None
        for o in diff_outs:
            w = mod.tensor(rng.standard_normal(tuple(o.shape)).astype(_np(o).dtype))
            term = (o * w).sum()
            loss = term if loss is None else loss + term
        loss.backward()
    return outs, tensors


def check_against_torch(op, sample, dtype, grad_fn=False):
    """Compares outputs (count, dtype, shape, values, requires_grad) and input gradients with PyTorch; with
    grad_fn=True, only the outputs' grad_fn names (kept apart so that a naming bug cannot hide a value bug)."""
    seed = zlib.crc32(f"{op.name}-{sample.desc}".encode())
    with _context(op, sample, dtype):
        t_outs, t_in = _run(torch, op, sample, seed)
        g_outs, g_in = _run(glassgrad, op, sample, seed)
    _assert_equal(len(g_outs), len(t_outs), "number of outputs", op, sample, dtype)
    for i, (g, t) in enumerate(zip(g_outs, t_outs)):
        if grad_fn:
            _assert_equal(None if g.grad_fn is None else g.grad_fn.name(),
                          None if t.grad_fn is None else t.grad_fn.name(), f"output {i} grad_fn", op, sample, dtype)
            continue
        _assert_equal(str(g.dtype), str(t.dtype), f"output {i} dtype", op, sample, dtype)
        _assert_equal(tuple(g.shape), tuple(t.shape), f"output {i} shape", op, sample, dtype)
        rtol, atol = _tol(op, _np(t), torch_side=True)
        _assert_close(_np(g), _np(t), rtol, atol, f"output {i} value vs torch", op, sample, dtype)
        _assert_equal(g.requires_grad, t.requires_grad, f"output {i} requires_grad", op, sample, dtype)
    if grad_fn:
        return
    for i, (g, t) in enumerate(zip(g_in, t_in)):
        if t.grad is None or g.grad is None:
            _assert_equal(g.grad is None, t.grad is None, f"input {i} .grad is None", op, sample, dtype)
            continue
        _assert_equal(str(g.grad.dtype), str(t.grad.dtype), f"input {i} grad dtype", op, sample, dtype)
        rtol, atol = _tol(op, _np(t.grad), torch_side=True)
        _assert_close(_np(g.grad), _np(t.grad), rtol, atol, f"input {i} gradient vs torch", op, sample, dtype)


@pytest.mark.parametrize("op,sample,dtype", _params("torch"))
def test_matches_torch(op, sample, dtype):
    check_against_torch(op, sample, dtype)


@pytest.mark.parametrize("op,sample,dtype", _params("grad_fn", FLOAT_DTYPES, lambda op, s: op.supports_grad))
def test_grad_fn_matches_torch(op, sample, dtype):
    check_against_torch(op, sample, dtype, grad_fn=True)


# ---- 4. hypothesis: broadcasting and dim/keepdim --------------------------------------------------
_HYP = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _hyp_params(kinds):
    out = []
    for op in op_db:
        if op.kind in kinds and op.from_shapes is not None:
            reason = _xfail_reason("hypothesis", op.name)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(op, id=op.name, marks=marks))
    return out


def _maker(op, dtype, seed):
    return make_maker(dtype, np.random.default_rng(seed), op.domain, op.away)


_float_dtypes = st.sampled_from(["float32", "float64"])


@pytest.mark.parametrize("op", _hyp_params(("binary", "ternary", "matmul")))
@_HYP
@given(data=st.data(), dtype=_float_dtypes, seed=st.integers(0, 2**16))
def test_broadcasting_matches_torch(op, data, dtype, seed):
    if op.kind == "matmul":
        strat = hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, max_side=4)
    else:
        strat = hnp.mutually_broadcastable_shapes(num_shapes=3 if op.kind == "ternary" else 2, min_dims=0,
                                                  max_dims=4, min_side=0, max_side=4)
    shapes = data.draw(strat, label="shapes").input_shapes
    check_against_torch(op, op.from_shapes(_maker(op, dtype, seed), *shapes), dtype)


@pytest.mark.parametrize("op", _hyp_params(("reduction",)))
@_HYP
@given(data=st.data(), dtype=_float_dtypes, seed=st.integers(0, 2**16), keepdim=st.booleans())
def test_reduction_dims_match_torch(op, data, dtype, seed, keepdim):
    # NOTE: 0-dim inputs with dim=0/-1 are table samples (0d_dim0); here they would mask everything else.
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), label="shape")
    nd = max(len(shape), 1)
    dim_value = st.integers(-nd, nd - 1)
    dim = data.draw(st.one_of(st.none(), dim_value,
                              st.lists(dim_value, min_size=1, max_size=nd,
                                       unique_by=lambda d: d % nd).map(tuple)), label="dim")
    check_against_torch(op, op.from_shapes(_maker(op, dtype, seed), shape, dim=dim, keepdim=keepdim), dtype)


# ---- 5. bad input: PyTorch's exception class, a message that says what was expected -----------------
def _error_params():
    out = []
    for op in op_db:
        for e in make_error_inputs(op):
            reason = _xfail_reason("error", op.name, e.sample.desc)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(op, e, id=f"{op.name}-{e.sample.desc}", marks=marks))
    return out


# glassgrad's own exception classes and the PyTorch class each stands for
_TORCH_CLASSES = {glassgrad.linalg.LinAlgError: torch.linalg.LinAlgError}


@pytest.mark.parametrize("op,err", _error_params())
def test_bad_input_raises_like_torch(op, err):
    import re
    sample = err.sample
    t_args, t_kwargs, _ = build_args(torch, sample)
    with pytest.raises(Exception) as t_info:
        op.call(torch, *t_args, **t_kwargs)
    assert t_info.type is _TORCH_CLASSES.get(err.error, err.error), (f"the row's expected class is wrong: torch raises {t_info.type.__name__}: "
                                      f"{t_info.value}")
    g_args, g_kwargs, _ = build_args(glassgrad, sample)
    try:
        op.call(glassgrad, *g_args, **g_kwargs)
    except Exception as e:  # noqa: BLE001 - the class is what is checked
        assert type(e) is err.error, (f"{op.name} {sample.desc}: glassgrad raised {type(e).__name__}: {e}\n"
                                      f"torch raises {t_info.type.__name__}: {t_info.value}")
        assert re.search(err.match, str(e)), (f"{op.name} {sample.desc}: message {str(e)!r} does not match "
                                              f"{err.match!r}\n(torch says: {t_info.value})")
    else:
        pytest.fail(f"{op.name} {sample.desc}: glassgrad raised nothing; torch raises {t_info.type.__name__}: "
                    f"{t_info.value}", pytrace=False)


# ---- public names ---------------------------------------------------------------------------------
def _api_params():
    names = sorted({n for op in op_db for n in op.api})
    out = []
    for n in names:
        reason = _xfail_reason("api", n)
        out.append(pytest.param(n, id=n, marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else []))
    return out


_NAMESPACES = ("nn.functional.", "linalg.", "special.")


def _lookup(mod, dotted):
    for part in dotted.split("."):
        mod = getattr(mod, part, None)
        if mod is None:
            return None
    return mod


@pytest.mark.parametrize("name", _api_params())
def test_public_name_exists(name):
    """A row's api names a torch-level function / Tensor method (`abs`), or a function in a namespace
    (`nn.functional.relu`, `linalg.inv`, `special.erf`); each must exist wherever PyTorch has it."""
    missing = []
    if name.startswith(_NAMESPACES):
        if _lookup(torch, name) is None:
            pytest.fail(f"row api {name!r}: torch.{name} does not exist either", pytrace=False)
        if _lookup(glassgrad, name) is None:
            missing.append(f"glassgrad.{name}")
    else:
        if not name.startswith("__") and hasattr(torch, name) and not hasattr(glassgrad, name):
            missing.append(f"glassgrad.{name} (torch.{name} exists)")
        if hasattr(torch.Tensor, name) and not hasattr(glassgrad.Tensor, name):
            missing.append(f"glassgrad.Tensor.{name} (torch.Tensor.{name} exists)")
        if not hasattr(torch, name) and not hasattr(torch.Tensor, name):
            pytest.fail(f"row api {name!r}: neither torch.{name} nor torch.Tensor.{name} exists", pytrace=False)
    assert not missing, "missing public names: " + ", ".join(missing)


def test_table_covers_the_ops_of_the_issue():
    rows = {op.name for op in op_db}
    wanted = set("add sub mul div neg pow pow_tensor pow_scalar_base exp log sqrt abs sin cos tanh sigmoid relu sum "
                 "mean matmul mm bmm mv dot reshape view flatten squeeze unsqueeze transpose t permute expand "
                 "narrow select unbind split chunk diagonal unfold cat stack clone getitem_basic getitem_advanced "
                 "clamp where".split())
    assert wanted <= rows, f"rows missing from op_db: {sorted(wanted - rows)}"


def test_opinfo_does_not_import_torch_or_hypothesis():
    import subprocess
    import sys
    code = ("import sys, glassgrad.testing; bad = [m for m in ('torch', 'hypothesis') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, f"glassgrad.testing imported {r.stdout.strip()} at import time\n{r.stderr}"
