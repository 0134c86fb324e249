"""Scans and sorting: cumsum, cumprod, cummax, cummin, median, sort, argsort, topk, kthvalue.

Sorting is stable everywhere (PyTorch's CPU sort is, also with stable=False), so the indices of equal values
come out in PyTorch's order; topk and kthvalue pick among equal values as a stable sort does, which PyTorch
leaves unspecified. The gradient of every value-selecting op goes back to the indices it picked
(reduction.scatter_along); masks and indices never carry a gradient, so they are computed on arrays.
"""
from .registry import primitive, defvjp, apply, call, NON_DIFFERENTIABLE
from .reduction import _data, _mask, _evenly_vjp, _check_nonempty, scatter_along, select_vjp, _sum_dtype, wrap_dim, int_arg
from ..backends import get_array_module
from .. import return_types as RT

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "median", "sort", "argsort", "topk", "kthvalue", "flip"]

_PUBLIC = ("cumsum", "cumprod", "cummax", "cummin", "median", "sort", "argsort", "topk", "kthvalue")
# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": _PUBLIC, "Tensor": _PUBLIC, "nn.functional": (), "linalg": (), "special": ()}



def flip(a, d, xp):
    """`a` reversed along dim `d` (>= 0), in both VJP modes."""
    key = (slice(None),) * d
    if not getattr(xp, "RECORDS", False):
        return a[key + (slice(None, None, -1),)]
    n = a.shape[d]
    return xp.index(a, key + (get_array_module(a._data).arange(n - 1, -1, -1),))


def _revcumsum(a, d, xp):
    return flip(call(xp, CUMSUM, flip(a, d, xp), dim=d, dtype=None), d, xp)


# ---- cumsum / cumprod -----------------------------------------------------------------------------------
def _scan(name):
    def fwd(xp, x, *, dim, dtype):
        if x.ndim == 0:
            return x.astype(dtype or x.dtype, copy=True)
        return getattr(xp, name)(x, axis=dim, dtype=dtype)
    return fwd


def _cumsum_vjp(grad, x_shape, dim, xp):
    return grad if not len(x_shape) else _revcumsum(grad, dim, xp)


CUMSUM = primitive("cumsum", _scan("cumsum"))
defvjp(CUMSUM, x=_cumsum_vjp)


def _cumprod_vjp(grad, x, result, dim, xp):
    """PyTorch's cumprod_backward. Without zeros: reversed cumsum of grad * result, over x. With zeros, the
    elements before the first zero of a slice keep that formula, the first zero gets the reversed cumsum of
    grad * (cumprod with it replaced by 1), and the elements after it get 0; for second order the O(n^2)
    exclusive products instead (_cumprod_vjp_graph), whose derivative is right at zeros too."""
    xd = _data(x)
    if xd.ndim == 0 or xd.size == 0:
        return grad
    zero = xd == 0
    if not zero.any():
        return _revcumsum(grad * result, dim, xp) / x
    if getattr(xp, "RECORDS", False):
        return _cumprod_vjp_graph(grad, x, dim, xp)
    seen = get_array_module(xd).cumsum(zero, axis=dim)
    first = zero & (seen == 1)
    safe_x = x * _mask(~zero, x) + _mask(zero, x)
    before = _revcumsum(grad * result, dim, xp) / safe_x * _mask(seen == 0, x)
    z = call(xp, CUMPROD, x * _mask(~first, x) + _mask(first, x), dim=dim, dtype=None)
    return before + _revcumsum(grad * z, dim, xp) * _mask(first, x)


def _cumprod_vjp_graph(grad, x, dim, xp):
    # C[i, j] = prod_{l <= j, l != i} x_l: row i of x with x_i replaced by 1, cumulated
    n = x.shape[dim]
    ap = get_array_module(_data(x))
    eye = ap.eye(n, dtype=_data(x).dtype)
    xm = xp.moveaxis(x, dim, -1)
    gm = xp.moveaxis(grad, dim, -1)
    rows = xp.expand_dims(xm, -2) * (1 - eye) + eye
    C = call(xp, CUMPROD, rows, dim=rows.ndim - 1, dtype=None)
    upper = ap.triu(ap.ones((n, n), dtype=eye.dtype))
    g = xp.sum(C * xp.expand_dims(gm, -2) * upper, axis=-1)
    return xp.moveaxis(g, -1, dim)


CUMPROD = primitive("cumprod", _scan("cumprod"))
defvjp(CUMPROD, x=_cumprod_vjp)


def _scan_call(op, input, dim, dtype):
    nd = input._data.ndim
    d = wrap_dim(op.name, dim, nd)
    return apply(op, (input,), {"dim": d if nd else None, "dtype": _sum_dtype(input, dtype)})


def cumsum(input, dim, *, dtype=None):
    return _scan_call(CUMSUM, input, dim, dtype)


def cumprod(input, dim, *, dtype=None):
    return _scan_call(CUMPROD, input, dim, dtype)


# ---- cummax / cummin -------------------------------------------------------------------------------------------
def _cum_extreme(ufunc):
    def fwd(xp, x, *, dim):
        if x.ndim == 0:
            return x.copy(), xp.zeros((), xp.int64)
        values = getattr(xp, ufunc).accumulate(x, axis=dim)
        # NOTE: PyTorch moves the index on ties (>=) and onto each nan (nan then stays the value)
        hit = (x == values) | (x != x)
        pos = xp.arange(x.shape[dim]).reshape((-1,) + (1,) * (x.ndim - 1 - dim))
        idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=dim)
        return values, idx.astype(xp.int64)
    return fwd


def _cum_extreme_vjp(grad, result, x_shape, dim, xp):
    g, idx = grad[0], _data(result[1])
    return g if not len(x_shape) else scatter_along(g, idx, dim, x_shape, xp)


CUMMAX = primitive("cummax", _cum_extreme("maximum"), nout=2, nondiff_outputs=(1,), saved_outputs=(1,))
defvjp(CUMMAX, x=_cum_extreme_vjp)
CUMMIN = primitive("cummin", _cum_extreme("minimum"), nout=2, nondiff_outputs=(1,), saved_outputs=(1,))
defvjp(CUMMIN, x=_cum_extreme_vjp)


def cummax(input, dim):
    return RT.cummax(*apply(CUMMAX, (input,), {"dim": wrap_dim("cummax", dim, input._data.ndim)}))


def cummin(input, dim):
    return RT.cummin(*apply(CUMMIN, (input,), {"dim": wrap_dim("cummin", dim, input._data.ndim)}))


# ---- sorting ----------------------------------------------------------------------------------------------------
def _stable_order(xp, x, dim, descending):
    """Indices that sort `x` along `dim`, equal values in their original order; nan sorts as the largest."""
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable")
    # reversing, sorting ascending and reversing back keeps equal values in order and puts nan first
    key = (slice(None),) * dim + (slice(None, None, -1),)
    order = xp.argsort(x[key], axis=dim, kind="stable")[key]
    return x.shape[dim] - 1 - order


def _sort_fwd(xp, x, *, dim, descending):
    if x.ndim == 0:
        return x.copy(), xp.zeros((), xp.int64)
    order = _stable_order(xp, x, dim, descending)
    return xp.take_along_axis(x, order, axis=dim), order.astype(xp.int64)


def _sort_vjp(grad, result, x_shape, dim, xp):
    g, idx = grad[0], _data(result[1])
    return g if not len(x_shape) else scatter_along(g, idx, dim, x_shape, xp)


SORT = primitive("sort", _sort_fwd, nout=2, nondiff_outputs=(1,), saved_outputs=(1,))
defvjp(SORT, x=_sort_vjp)
# NOTE: PyTorch names the node after the overload: SortBackward1 whenever `stable` was passed, even as None
SORT_STABLE = primitive("sort_stable", _sort_fwd, nout=2, nondiff_outputs=(1,),
                        saved_outputs=(1,), node="SortBackward1")
defvjp(SORT_STABLE, x=_sort_vjp)
_UNSET = object()
ARGSORT = primitive("argsort", lambda xp, x, *, dim, descending: _sort_fwd(xp, x, dim=dim, descending=descending)[1])
defvjp(ARGSORT, x=NON_DIFFERENTIABLE)


def sort(input, dim=-1, descending=False, *, stable=_UNSET):
    kw = {"dim": wrap_dim("sort", dim, input._data.ndim), "descending": bool(descending)}
    return RT.sort(*apply(SORT if stable is _UNSET else SORT_STABLE, (input,), kw))


def argsort(input, dim=-1, descending=False, stable=False):
    return apply(ARGSORT, (input,), {"dim": wrap_dim("argsort", dim, input._data.ndim), "descending": bool(descending)})


def _topk_fwd(xp, x, *, k, dim, largest, sorted):
    if x.ndim == 0:
        return x.copy(), xp.zeros((), xp.int64)
    order = _stable_order(xp, x, dim, largest)[(slice(None),) * dim + (slice(0, k),)]
    return xp.take_along_axis(x, order, axis=dim), order.astype(xp.int64)


TOPK = primitive("topk", _topk_fwd, nout=2, nondiff_outputs=(1,), saved_outputs=(1,))
defvjp(TOPK, x=_sort_vjp)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (smallest) along dim. NOTE: with sorted=False the order is unspecified in PyTorch; here
    it is the sorted order. Among equal values the earlier index wins."""
    nd = input._data.ndim
    d = wrap_dim("topk", dim, nd)
    k = int_arg("topk", "k", k)
    size = input._data.shape[d] if nd else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range: topk() got k={k} for dimension {d} of size {size}")
    return RT.topk(*apply(TOPK, (input,), {"k": k, "dim": d, "largest": bool(largest), "sorted": bool(sorted)}))


def _kth_fwd(xp, x, *, k, dim, keepdim):
    if x.ndim == 0:
        return x.copy(), xp.zeros((), xp.int64)
    order = _stable_order(xp, x, dim, False)[(slice(None),) * dim + (slice(k - 1, k),)]
    values = xp.take_along_axis(x, order, axis=dim)
    if not keepdim:
        values, order = xp.squeeze(values, dim), xp.squeeze(order, dim)
    return values, order.astype(xp.int64)


KTHVALUE = primitive("kthvalue", _kth_fwd, nout=2, nondiff_outputs=(1,), saved_outputs=(1,))
defvjp(KTHVALUE, x=select_vjp)


def kthvalue(input, k, dim=-1, keepdim=False):
    nd = input._data.ndim
    d = wrap_dim("kthvalue", dim, nd)
    k = int_arg("kthvalue", "k", k)
    _check_nonempty("kthvalue", input, d)
    size = input._data.shape[d] if nd else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} (k={k}, size {size})")
    return RT.kthvalue(*apply(KTHVALUE, (input,), {"k": k, "dim": d, "keepdim": keepdim}))


# ---- median ------------------------------------------------------------------------------------------------------
def _median_all_fwd(xp, x):
    flat = xp.reshape(x, (-1,))
    if flat.size == 0 or xp.isnan(flat).any():
        return xp.asarray(xp.nan, dtype=x.dtype) if x.dtype.kind == "f" else flat[:1].reshape(())
    return xp.sort(flat)[(flat.size - 1) // 2]


MEDIAN_ALL = primitive("median", _median_all_fwd, node="MedianBackward0")
defvjp(MEDIAN_ALL, x=_evenly_vjp)


def _median_dim_fwd(xp, x, *, dim, keepdim):
    """The lower median along dim and its index; a slice with nan gives nan at its first nan, as PyTorch."""
    if x.ndim == 0:
        return x.copy(), xp.zeros((), xp.int64)
    n = x.shape[dim]
    order = _stable_order(xp, x, dim, False)[(slice(None),) * dim + (slice((n - 1) // 2, (n + 1) // 2),)]
    if x.dtype.kind == "f":
        nan = xp.isnan(x)
        has_nan = nan.any(axis=dim, keepdims=True)
        order = xp.where(has_nan, xp.argmax(nan, axis=dim, keepdims=True), order)
    values = xp.take_along_axis(x, order, axis=dim)
    if not keepdim:
        values, order = xp.squeeze(values, dim), xp.squeeze(order, dim)
    return values, order.astype(xp.int64)


MEDIAN_DIM = primitive("median_dim", _median_dim_fwd, nout=2, nondiff_outputs=(1,),
                       saved_outputs=(1,), node="MedianBackward1")
defvjp(MEDIAN_DIM, x=select_vjp)


def median(input, dim=None, keepdim=False):
    """median(input): the lower of the two middle values; median(input, dim, keepdim) -> (values, indices)."""
    if dim is None:
        return apply(MEDIAN_ALL, (input,))
    d = wrap_dim("median", dim, input._data.ndim)
    _check_nonempty("median", input, d)
    return RT.median(*apply(MEDIAN_DIM, (input,), {"dim": d, "keepdim": keepdim}))
