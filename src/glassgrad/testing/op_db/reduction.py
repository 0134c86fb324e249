"""OpInfo rows: reductions (sum, mean, prod, max/min, amax/amin, argmax/argmin, logsumexp, var/std, norms,
all/any, count_nonzero)."""
import warnings

import numpy as np

from ..opinfo import OpInfo, S, E, FI, reduction_row

INF = float("inf")


# ---- helpers shared by the refs ---------------------------------------------------------------------
def _axis(x, dim):
    """NumPy's axis for a PyTorch dim: a 0-dim tensor accepts dim 0 / -1 (one implicit dimension); an empty
    tuple of dims reduces everything."""
    if x.ndim == 0 or dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        return tuple(dim) if len(dim) else None
    return dim


def _out(v, like, dtype=None):
    return np.asarray(v, dtype=dtype or like.dtype)


def _int_to_long(x):
    return np.int64 if x.dtype.kind in "iub" else x.dtype


def _one_dim(dim):
    """Ops with a single int `dim` take the first of a hypothesis-drawn tuple."""
    return dim[0] if isinstance(dim, tuple) else dim


def _reduction_fs(make, shape, dim=None, keepdim=False):
    return S(f"{shape}/dim={dim}/keep={keepdim}", make(*shape), dim=dim, keepdim=keepdim)


def _single_dim_fs(make, shape, dim=None, keepdim=False):
    dim = _one_dim(dim)
    if dim is None:
        return S(f"{shape}/all", make(*shape))
    return S(f"{shape}/dim={dim}/keep={keepdim}", make(*shape), dim, keepdim)


def _distinct(make, *shape):
    """Distinct values of the sample dtype (ties would make indices implementation-defined)."""
    like = make()
    n = int(np.prod(shape))
    ranks = make(*shape, dtype="float64").reshape(-1).argsort().argsort().reshape(shape)
    if like.dtype.kind == "f":
        return np.asarray((ranks - n / 2) * 0.37 + make(*shape, low=0.0, high=0.1), dtype=like.dtype)
    return np.asarray(ranks - n // 2, dtype=like.dtype)


def _ties(make, *values):
    return np.asarray(values, dtype=make().dtype)


# ---- sum / mean (extra options beyond the shared reduction_row) --------------------------------------
def _sum_ref(x, dim=None, keepdim=False, dtype=None):
    dt = np.dtype(dtype) if dtype else _int_to_long(x)
    return _out(np.sum(x, axis=_axis(x, dim), keepdims=keepdim, dtype=dt), x, dt)


def _with_dtype(name):
    def op(m, x, *args, dtype=None, **kw):
        if dtype is not None:
            kw["dtype"] = getattr(m, dtype)
        return getattr(m, name)(x, *args, **kw)
    return op


def _sum_misc(make):
    x = make(2, 3)
    return [S("list_dim", x, dim=[0, 1]), S("empty", make(0, 3)), S("empty_dim0", make(0, 3), 0),
            S("empty_dim1_keep", make(0, 3), 1, True), S("dtype", x, dtype="float64"),
            S("dtype_dim", x, 1, dtype="float32", gradcheck=False),
            S("uint8", np.array([200, 100, 7], np.uint8), gradcheck=False),
            S("bool", np.array([[True, False], [True, True]]), 1, gradcheck=False), S("empty_tuple", x, ())]


def _mean_ref(x, dim=None, keepdim=False, dtype=None):
    dt = np.dtype(dtype) if dtype else x.dtype
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mean of nothing is nan
        return _out(np.mean(x.astype(np.float64), axis=_axis(x, dim), keepdims=keepdim), x, dt)


def _mean_misc(make):
    x = make(2, 3)
    return [S("empty", make(0, 3)), S("empty_dim0", make(0, 3), 0), S("dtype", x, dtype="float64"),
            S("list_dim_keep", x, [-1], True)]


# ---- prod ----------------------------------------------------------------------------------------------
def _prod_ref(x, dim=None, keepdim=False, dtype=None):
    dt = np.dtype(dtype) if dtype else _int_to_long(x)
    return _out(np.prod(x, axis=_axis(x, dim), keepdims=keepdim, dtype=dt), x, dt)


def _prod_samples(make):
    x = make(2, 3, 4)
    dt = make().dtype
    one_zero = np.array([[1.5, 0.0, -2.0], [0.5, 1.25, -0.75]], dt)
    two_zeros = np.array([[1.5, 0.0, -2.0], [0.0, 1.25, -0.75]], dt)
    row_two = np.array([[0.0, 0.0, -2.0], [0.5, 0.0, -0.75]], dt)
    return [S("all", x), S("dim0", x, 0), S("dim-1_keep", x, -1, True), S("1d", make(5)),
            S("0d", make()), S("0d_dim0", make(), 0), S("0d_dim-1_keep", make(), -1, True),
            S("one_zero", one_zero), S("two_zeros", two_zeros), S("one_zero_dim1", one_zero, 1),
            S("zeros_dim1", row_two, 1), S("zeros_dim0_keep", row_two, 0, True),
            S("empty", make(0, 3)), S("empty_dim0", make(0, 3), 0), S("empty_dim1", make(0, 3), 1),
            S("dtype", x, dtype="float64")]


# ---- max / min / amax / amin / argmax / argmin --------------------------------------------------------
def _extreme_ref(pick, arg):
    def ref(x, dim=None, keepdim=False):
        if dim is None:
            return _out(pick(x), x)
        ax = _axis(x, dim)
        return (_out(pick(x, axis=ax, keepdims=keepdim and ax is not None), x),
                _out(arg(x, axis=ax, keepdims=keepdim and ax is not None), x, np.int64))
    return ref


def _extreme_samples(make):
    x = _distinct(make, 3, 4)
    t = _ties(make, [1.0, 2.0, 2.0], [-1.0, 2.0, 0.5])
    return [S("all", x), S("dim0", x, 0), S("dim-1_keep", x, -1, True), S("dim1_kw", x, dim=1, keepdim=False),
            S("0d", make()), S("0d_dim0", make(), 0), S("0d_dim-1_keep", make(), -1, True),
            S("1d", _distinct(make, 5), 0), S("3d", _distinct(make, 2, 3, 2), 1),
            S("ties_all", t, gradcheck=False), S("ties_dim", t, 1, gradcheck=False),
            S("empty_dim1", make(0, 3), 1)]


def _binary_samples(make):
    return [S("tensor_other", make(2, 3), make(2, 3)), S("bcast", make(3, 1), make(1, 4)),
            S("0d", make(), make(3))]


def _errors_arg(make):
    return [E("empty_no_dim", IndexError, r"argmax\(\): Expected reduction dim to be specified for input.numel\(\) "
              r"== 0", make(0, 3)),
            E("empty_dim", IndexError, r"argmax\(\): Expected reduction dim 0 to have non-zero size", make(0, 3), 0),
            E("bool", RuntimeError, r"argmax\(\): does not support bool input", make(2, 3, dtype="bool"), 1)]


def _amax_ref(pick):
    def ref(x, dim=(), keepdim=False):
        ax = _axis(x, dim)
        return _out(pick(x, axis=ax, keepdims=keepdim), x)
    return ref


def _amax_samples(make):
    x = _distinct(make, 2, 3, 4)
    t = _ties(make, [1.0, 2.0, 2.0], [2.0, -1.0, 2.0])
    return [S("all", x), S("dim0", x, 0), S("dims02", x, (0, 2)), S("dims_neg_keep", x, (-1, 0), True),
            S("list", x, [1]), S("0d", make()), S("0d_dim0", make(), 0), S("empty_dim1", make(0, 3), 1),
            S("ties_all", t, gradcheck=False), S("ties_dim1", t, 1, gradcheck=False),
            S("ties_dim0_keep", t, 0, True, gradcheck=False)]


def _arg_ref(arg):
    def ref(x, dim=None, keepdim=False):
        if dim is None:
            out = arg(x)
            return _out(out, x, np.int64).reshape((1,) * x.ndim if keepdim else ())
        return _out(arg(x, axis=_axis(x, dim), keepdims=keepdim and x.ndim > 0), x, np.int64)
    return ref


def _arg_samples(make):
    x = make(3, 4)
    return [S("all", x), S("dim0", x, 0), S("dim-1_keep", x, -1, True), S("keep_all", x, None, True),
            S("0d", make()), S("0d_dim0", make(), 0), S("ties", _ties(make, [1.0, 2.0, 2.0], [2.0, 2.0, 0.0]), 1)]


# ---- logsumexp -----------------------------------------------------------------------------------------
def _logsumexp_ref(x, dim, keepdim=False):
    ax = _axis(x, dim)
    xf = x.astype(np.float64)
    dt = x.dtype if x.dtype.kind == "f" else np.float32
    with np.errstate(all="ignore"):
        if xf.size == 0:
            return _out(np.log(np.sum(np.exp(xf), axis=ax, keepdims=keepdim)), x, dt)
        m = np.max(xf, axis=ax, keepdims=True)
        m = np.where(np.isinf(m), 0.0, m)
        out = np.log(np.sum(np.exp(xf - m), axis=ax, keepdims=True)) + m
    if not keepdim:
        out = out.reshape(np.sum(xf, axis=ax).shape)
    return _out(out, x, dt)


def _logsumexp_samples(make):
    x = make(2, 3, 4)
    dt = make().dtype
    samples = [S("dim1", x, 1), S("dims02_keep", x, (0, 2), True), S("neg", x, -1), S("0d", make(), 0),
               S("large", make(3, 4, low=50.0, high=90.0), 1), S("empty_dim0", make(0, 3), 0),
               S("list", x, [0, 1])]
    if dt.kind == "f":
        samples += [S("inf", np.array([[INF, 1.0], [-INF, -INF]], dt), 1, gradcheck=False)]
    return samples


# ---- var / std / var_mean / std_mean -------------------------------------------------------------------
def _var_args(dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, keepdim, correction


def _var_ref_of(kind):
    def ref(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
        dim, keepdim, c = _var_args(dim, unbiased, keepdim, correction)
        ax = _axis(x, dim)
        axes = range(x.ndim) if ax is None else (ax if isinstance(ax, tuple) else (ax,))
        n = int(np.prod([x.shape[a] for a in axes]))
        xf = x.astype(np.float64)
        with np.errstate(all="ignore"):
            mean = np.sum(xf, axis=ax, keepdims=True) / n
            var = np.sum((xf - mean) ** 2, axis=ax, keepdims=keepdim) / max(n - c, 0)
            mean = mean if keepdim else mean.reshape(var.shape)
        out = {"var": var, "std": np.sqrt(var), "var_mean": (var, mean), "std_mean": (np.sqrt(var), mean)}[kind]
        return tuple(_out(o, x) for o in out) if isinstance(out, tuple) else _out(out, x)
    return ref


def _var_samples(make):
    x = make(2, 3, 4)
    return [S("all", x), S("dim1", x, 1), S("dims02_keep", x, (0, 2), keepdim=True), S("corr0", x, 1, correction=0),
            S("corr2_neg", x, dim=-1, correction=2), S("corr_half", x, 0, correction=0.5),
            S("unbiased_pos", x, 1, False, True), S("unbiased_kw", x, unbiased=False), S("bool_first", x, False),
            S("none_keep", x, None, keepdim=True), S("1d", make(5)),
            S("dof0", make(1, 3), 0, gradcheck=False), S("0d", make(), gradcheck=False),
            S("corr_big", make(2, 3), 1, correction=4, gradcheck=False), S("empty_dim1", make(0, 3), 1)]


# ---- norms ---------------------------------------------------------------------------------------------
def _vnorm(x, ord, ax, keepdim):
    a = np.abs(x.astype(np.float64))
    with np.errstate(all="ignore"):
        if ord == INF:
            return np.max(a, axis=ax, keepdims=keepdim)
        if ord == -INF:
            return np.min(a, axis=ax, keepdims=keepdim)
        if ord == 0:
            return np.sum(a != 0, axis=ax, keepdims=keepdim).astype(np.float64)
        return np.sum(a ** ord, axis=ax, keepdims=keepdim) ** (1.0 / ord)


def _vector_norm_ref(x, ord=2, dim=None, keepdim=False, dtype=None):
    return _out(_vnorm(x, ord, _axis(x, dim), keepdim), x, np.dtype(dtype) if dtype else None)


def _matrix_norm_ref(x, ord="fro", dim=(-2, -1), keepdim=False, dtype=None):
    out = np.linalg.norm(x.astype(np.float64), ord=ord, axis=tuple(dim), keepdims=keepdim)
    return _out(out, x, np.dtype(dtype) if dtype else None)


def _norm_ref(x, p="fro", dim=None, keepdim=False, dtype=None):
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str) and not (p == "fro" and (dim is None or len(dim) <= 2)):
        return _matrix_norm_ref(x, p, tuple(range(x.ndim)) if dim is None else dim, keepdim, dtype)
    return _vector_norm_ref(x, 2 if p in ("fro", None) else p, dim, keepdim, dtype)


def _vector_norm_samples(make):
    x = make(2, 3, 4)
    return [S("default", x), S("ord1", x, 1), S("ord3_dim", x, 3, 1), S("inf", x, INF), S("-inf_dim", x, -INF, (0, 2)),
            S("ord0", x, 0), S("half_keep", x, 0.5, -1, True), S("ord-1", x, -1, 0), S("ord1.5", x, 1.5, 2),
            S("list_dim", x, 2, [0, 1], True), S("0d", make(), 3), S("empty", make(0, 3)),
            S("dtype", x, dtype="float64"), S("at_zero", np.zeros((2, 3), make().dtype), gradcheck=False),
            S("at_zero_ord3", np.zeros(3, make().dtype), 3, gradcheck=False)]


def _matrix_norm_samples(make):
    x = make(3, 4)
    b = make(2, 3, 4)
    return [S(f"{o}", x, o) for o in ("fro", "nuc", INF, -INF, 1, -1, 2, -2)] + [
        S("batch_nuc", b, "nuc"), S("batch_2_keep", b, 2, keepdim=True), S("batch_inf_dims", b, INF, (0, 2)),
        S("batch_-1_keep", b, -1, (2, 0), True), S("tall_2", x, 2, (1, 0)), S("tall_nuc_keep", x, "nuc", (-1, 0), True),
        S("fro_dtype", x, dtype="float64")]


def _norm_samples(make):
    x = make(3, 4)
    b = make(2, 3, 4)
    return [S("default", b), S("p1", x, 1), S("p3_dim", b, 3, 1), S("inf", x, INF), S("p0", x, 0),
            S("p_half_keep", x, 0.5, 1, True), S("fro_dim", b, "fro", (0, 2)), S("fro_int_dim_keep", b, "fro", 1, True),
            S("nuc", x, "nuc"), S("nuc_dims_keep", b, "nuc", (1, 2), True), S("dtype", x, 2, dtype="float64"),
            S("0d", make(), 2)]


def _linalg_norm_ref(x, ord=None, dim=None, keepdim=False, dtype=None):
    dim = (dim,) if isinstance(dim, int) else dim
    if isinstance(ord, str) or (ord is not None and (len(dim) == 2 if dim is not None else x.ndim == 2)):
        return _matrix_norm_ref(x, ord, (0, 1) if dim is None else dim, keepdim, dtype)
    return _vector_norm_ref(x, 2 if ord is None else ord, dim, keepdim, dtype)


def _linalg_norm_samples(make):
    x = make(3, 4)
    b = make(2, 3, 4)
    return [S("default", b), S("matrix_1", x, 1), S("matrix_nuc_keep", x, "nuc", keepdim=True), S("vector_3", make(4), 3),
            S("dim_int", b, 2, 1), S("dims_inf", b, INF, (2, 0)), S("none_dims", b, None, (0, 1), True),
            S("dtype", x, dtype="float64")]


def _errors_linalg_norm(make):
    return [E("3d_with_ord", RuntimeError, r"linalg.norm: If dim is not specified but ord is, the input must be 1D or "
              r"2D. Got 3D", make(2, 2, 2), 2),
            E("three_dims", RuntimeError, r"linalg.norm: If dim is specified, it must be of length 1 or 2",
              make(2, 2, 2), None, (0, 1, 2))]


def _norm_op(fn):
    def op(m, x, *args, dtype=None, **kw):
        if dtype is not None:
            kw["dtype"] = getattr(m, dtype)
        return fn(m)(x, *args, **kw)
    return op


_NORM_AWAY = (0.0,)

# ---- all / any / count_nonzero -------------------------------------------------------------------------
def _logical_ref(fn):
    def ref(x, dim=None, keepdim=False):
        ax = _axis(x, dim)
        if isinstance(dim, tuple) and not dim:
            out = x != 0
        else:
            out = fn(x != 0, axis=ax, keepdims=keepdim and ax is not None)
        return _out(out, x, np.uint8 if x.dtype == np.uint8 else np.bool_)
    return ref


def _logical_samples(make):
    x = make(2, 3, low=0, high=1)
    dt = make().dtype
    return [S("all", x), S("dim0", x, 0), S("dim-1_keep", x, -1, True), S("dims", x, (0, 1)),
            S("ones", np.ones((2, 3), dt), 1), S("zeros", np.zeros(3, dt)), S("0d", make()), S("0d_dim0", make(), 0),
            S("empty", make(0, 3)), S("empty_dim1", make(0, 3), 1), S("uint8", np.array([1, 0, 2], np.uint8)),
            S("uint8_dim", np.array([[1, 0], [2, 3]], np.uint8), 1)]


def _count_nonzero_ref(x, dim=None):
    ax = _axis(x, dim)
    return _out(np.count_nonzero(x, axis=ax), x, np.int64)


def _count_nonzero_samples(make):
    x = make(2, 3, 4, low=-1, high=1)
    x = np.where(np.abs(x) < 0.5, 0, x).astype(x.dtype)
    return [S("all", x), S("dim0", x, 0), S("dims", x, (0, 2)), S("neg_list", x, dim=[-1]), S("0d", make()),
            S("0d_dim0", make(), 0), S("empty", make(0, 3), 0)]


def _errors_sum(make):
    return [E("dim_out_of_range", IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
              make(2, 3), 2),
            E("dup_dims", RuntimeError, r"dim 0 appears multiple times in the list of dims", make(2, 3), (0, -2))]


def _errors_mean(make):
    return [E("int_input", RuntimeError, r"mean\(\): could not infer output dtype.*Got: Long",
              np.array([1, 2], np.int64))]


def _errors_extreme(name):
    def errors(make):
        return [E("empty_no_dim", RuntimeError, name + r"\(\): Expected reduction dim to be specified for input.numel\(\) == 0",
                  make(0, 3)),
                E("empty_dim", IndexError, name + r"\(\): Expected reduction dim 0 to have non-zero size", make(0, 3), 0),
                E("dim_out_of_range", IndexError, r"Dimension out of range", make(2, 3), -3)]
    return errors


def _errors_amax(make):
    return [E("dup_dims", RuntimeError, r"dim 1 appears multiple times in the list of dims", make(2, 3), (1, -1)),
            E("empty_all", RuntimeError, r"amax\(\): Expected reduction dim to be specified for input.numel\(\) == 0",
              make(0, 3)),
            E("empty_dim", IndexError, r"amax\(\): Expected reduction dim 0 to have non-zero size", make(0, 3), 0)]


def _errors_var(make):
    return [E("int_input", RuntimeError, r"std and var only support floating point and complex dtypes",
              np.array([1, 2], np.int64)),
            E("dim_out_of_range", IndexError, r"Dimension out of range", make(2, 3), 2)]


def _errors_vector_norm(make):
    return [E("int_input", RuntimeError, r"linalg.vector_norm: Expected a floating point or complex tensor as input. "
              r"Got Long", np.array([1, 2], np.int64)),
            E("inf_empty", RuntimeError, r"linalg.vector_norm cannot compute the inf norm on an empty tensor",
              make(0, 3), INF),
            E("narrowing_dtype", RuntimeError, r"linalg.vector_norm: the dtype of the input \(Double\) should be "
              r"convertible without narrowing to the specified dtype \(Float\)", make(3).astype(np.float64),
              dtype="float32")]


def _errors_matrix_norm(make):
    return [E("1d", RuntimeError, r"linalg.matrix_norm: The input tensor A must have at least 2 dimensions", make(3)),
            E("bad_ord", RuntimeError, r"linalg.matrix_norm: Order 3 not supported", make(2, 2), 3),
            E("bad_str_ord", RuntimeError, r"linalg.matrix_norm: Order abc not supported", make(2, 2), "abc"),
            E("same_dims", RuntimeError, r"linalg.matrix_norm: dims must be different. Got \(1, 1\)", make(2, 3), 2,
              (1, -1)),
            E("three_dims", RuntimeError, r"linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2", make(2, 2, 3),
              "fro", (0, 1, 2))]


def _errors_logsumexp(make):
    return [E("dim_out_of_range", IndexError, r"Dimension out of range", make(2, 3), 3)]


ROWS = [
    reduction_row("sum", np.sum),
    OpInfo("sum_misc", _with_dtype("sum"), _sum_ref, _sum_misc, api=("sum",), dtypes=FI, error_inputs=_errors_sum),
    reduction_row("mean", np.mean),
    OpInfo("mean_misc", _with_dtype("mean"), _mean_ref, _mean_misc, api=("mean",), error_inputs=_errors_mean),
    OpInfo("prod", _with_dtype("prod"), _prod_ref, _prod_samples, api=("prod",), dtypes=FI, kind="reduction",
           from_shapes=_single_dim_fs),
    OpInfo("max", lambda m, x, *a, **k: m.max(x, *a, **k), _extreme_ref(np.max, np.argmax), _extreme_samples,
           api=("max",), dtypes=FI, kind="reduction", from_shapes=_single_dim_fs, error_inputs=_errors_extreme("max")),
    OpInfo("min", lambda m, x, *a, **k: x.min(*a, **k), _extreme_ref(np.min, np.argmin), _extreme_samples,
           api=("min",), dtypes=FI, kind="reduction", from_shapes=_single_dim_fs, error_inputs=_errors_extreme("min")),
    OpInfo("max_binary", lambda m, x, y: m.max(x, y), lambda x, y: np.maximum(x, y), _binary_samples, api=("max",),
           dtypes=FI),
    OpInfo("min_binary", lambda m, x, y: x.min(y), lambda x, y: np.minimum(x, y), _binary_samples, api=("min",),
           dtypes=FI),
    OpInfo("amax", lambda m, x, *a, **k: m.amax(x, *a, **k), _amax_ref(np.max), _amax_samples, api=("amax",),
           dtypes=FI, kind="reduction", from_shapes=_reduction_fs, error_inputs=_errors_amax),
    OpInfo("amin", lambda m, x, *a, **k: x.amin(*a, **k), _amax_ref(np.min), _amax_samples, api=("amin",),
           dtypes=FI, kind="reduction", from_shapes=_reduction_fs),
    OpInfo("argmax", lambda m, x, *a, **k: m.argmax(x, *a, **k), _arg_ref(np.argmax), _arg_samples, api=("argmax",),
           dtypes=FI, supports_grad=False, error_inputs=_errors_arg),
    OpInfo("argmin", lambda m, x, *a, **k: x.argmin(*a, **k), _arg_ref(np.argmin), _arg_samples, api=("argmin",),
           dtypes=FI, supports_grad=False),
    OpInfo("logsumexp", lambda m, x, *a, **k: m.logsumexp(x, *a, **k), _logsumexp_ref, _logsumexp_samples,
           api=("logsumexp",), dtypes=FI, kind="reduction",
           from_shapes=lambda make, shape, dim=None, keepdim=False: _reduction_fs(make, shape, 0 if dim is None else dim,
                                                                                  keepdim),
           error_inputs=_errors_logsumexp),
    OpInfo("var", lambda m, x, *a, **k: m.var(x, *a, **k), _var_ref_of("var"), _var_samples, api=("var",),
           kind="reduction", from_shapes=_reduction_fs, error_inputs=_errors_var),
    OpInfo("std", lambda m, x, *a, **k: x.std(*a, **k), _var_ref_of("std"), _var_samples, api=("std",),
           kind="reduction", from_shapes=_reduction_fs),
    OpInfo("var_mean", lambda m, x, *a, **k: m.var_mean(x, *a, **k), _var_ref_of("var_mean"), _var_samples,
           api=("var_mean",)),
    OpInfo("std_mean", lambda m, x, *a, **k: m.std_mean(x, *a, **k), _var_ref_of("std_mean"), _var_samples,
           api=("std_mean",), kind="reduction", from_shapes=_reduction_fs),
    OpInfo("norm", _norm_op(lambda m: m.norm), _norm_ref, _norm_samples, api=("norm",), away=_NORM_AWAY),
    OpInfo("linalg.vector_norm", _norm_op(lambda m: m.linalg.vector_norm), _vector_norm_ref, _vector_norm_samples,
           api=("linalg.vector_norm",), away=_NORM_AWAY, kind="reduction",
           from_shapes=lambda make, shape, dim=None, keepdim=False: S(f"{shape}/dim={dim}/keep={keepdim}",
                                                                      make(*shape), 2, dim, keepdim),
           error_inputs=_errors_vector_norm),
    OpInfo("linalg.matrix_norm", _norm_op(lambda m: m.linalg.matrix_norm), _matrix_norm_ref, _matrix_norm_samples,
           api=("linalg.matrix_norm",), away=_NORM_AWAY, error_inputs=_errors_matrix_norm,
           tol={"float32": (1e-4, 1e-5)}),
    OpInfo("linalg.norm", _norm_op(lambda m: m.linalg.norm), _linalg_norm_ref, _linalg_norm_samples,
           api=("linalg.norm",), away=_NORM_AWAY, error_inputs=_errors_linalg_norm, supports_gradgrad=True),
    OpInfo("all", lambda m, x, *a, **k: m.all(x, *a, **k), _logical_ref(np.all), _logical_samples, api=("all",),
           dtypes=("float32", "int64", "bool"), supports_grad=False),
    OpInfo("any", lambda m, x, *a, **k: x.any(*a, **k), _logical_ref(np.any), _logical_samples, api=("any",),
           dtypes=("float32", "int64", "bool"), supports_grad=False),
    OpInfo("count_nonzero", lambda m, x, *a, **k: m.count_nonzero(x, *a, **k), _count_nonzero_ref,
           _count_nonzero_samples, api=("count_nonzero",), dtypes=("float32", "int64"), supports_grad=False),
]
