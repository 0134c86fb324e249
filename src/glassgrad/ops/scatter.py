"""Gather and scatter: index_select, gather, scatter*, index_add/copy/fill, masked_*, take/put, take_along_dim.

Each op reads or writes the positions an index tensor (or a mask) names. Forwards address them with NumPy's
vectorized primitives (fancy indexing, `ufunc.at`); each VJP is the other op of its pair (gather <-> scatter_add,
index_select <-> index_add, masked_select <-> masked_scatter, take <-> put), run through `call` so that second
order comes from the same declarations. Index tensors and masks have no gradient.
"""
import math
import warnings

from .registry import primitive, defvjp, apply, call, TENSOR_XP, records
from .inplace import apply_inplace, broadcast_error
from ..backends import get_array_module
from ..tensor import Tensor, _new, _wrap_dim
from .. import _dtype as D

__all__ = ["index_select", "gather", "scatter", "scatter_", "scatter_add", "scatter_add_", "scatter_reduce",
           "scatter_reduce_", "index_add", "index_add_", "index_copy", "index_copy_", "index_fill", "index_fill_",
           "masked_fill", "masked_fill_", "masked_scatter", "masked_scatter_", "masked_select", "take", "put", "put_",
           "take_along_dim"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


# ---- addressing --------------------------------------------------------------------------------
def _at1(a):
    """A 0-dim array as a one-element view: PyTorch treats a scalar as a vector of one element here."""
    return a.reshape(1) if a.ndim == 0 else a


def _coords(xp, index, dim):
    """Index arrays naming, for each element of `index`, its own position with `dim` replaced by its value."""
    nd = index.ndim
    return tuple(index if d == dim else xp.arange(n).reshape(tuple(n if e == d else 1 for e in range(nd)))
                 for d, n in enumerate(index.shape))


def _lead(a, shape):
    """The leading block of `a` of the given shape (src may be larger than index in every dimension)."""
    return a[tuple(slice(0, n) for n in shape)]


def _along(dim, index):
    return (slice(None),) * dim + (index.reshape(-1),)


def _target(xp, out, index, dim):
    i = _at1(index)
    return _at1(out), _coords(xp, i, dim), i.shape


def _data(a):
    return a._data if isinstance(a, Tensor) else a


def _const(xp, a):
    """A constant array (a mask, counts) as the VJP's namespace wants it: a tensor when building a graph."""
    return _new(a, D._BY_NP[a.dtype]) if records(xp) else a


def _zeros(xp, shape, like):
    return xp.zeros(shape, dtype=like.dtype)


# ---- gather / scatter --------------------------------------------------------------------------
def _gather_fwd(xp, x, index, *, dim):
    return _at1(x)[_coords(xp, _at1(index), dim)].reshape(index.shape)


GATHER = primitive("gather", _gather_fwd)
defvjp(GATHER, x=lambda grad, x_shape, index, dim, xp: call(xp, SCATTER_ADD, _zeros(xp, x_shape, grad), index, grad,
                                                            dim=dim))


def _scatter_fwd(xp, x, index, src, *, dim):
    out = xp.array(x)
    o, c, shape = _target(xp, out, index, dim)
    o[c] = _lead(_at1(src), shape)
    return out


def _scatter_value_fwd(xp, x, index, *, dim, value):
    out = xp.array(x)
    o, c, _ = _target(xp, out, index, dim)
    o[c] = value
    return out


def _scatter_add_fwd(xp, x, index, src, *, dim):
    out = xp.array(x)
    o, c, shape = _target(xp, out, index, dim)
    xp.add.at(o, c, _lead(_at1(src), shape))
    return out


def _src_vjp(node):
    """src's gradient is grad gathered at index, which PyTorch's engine refuses when src is larger than index."""
    def vjp(grad, index, src_shape, dim, xp):
        if tuple(index.shape) != tuple(src_shape):
            raise RuntimeError(f"Function {node} returned an invalid gradient at index 1 - got {list(index.shape)} "
                               f"but expected shape compatible with {list(src_shape)}")
        return call(xp, GATHER, grad, index, dim=dim)
    return vjp


SCATTER = primitive("scatter", _scatter_fwd)
defvjp(SCATTER, x=lambda grad, index, dim, xp: call(xp, SCATTER_VALUE, grad, index, dim=dim, value=0),
       src=_src_vjp("ScatterBackward0"))
SCATTER_VALUE = primitive("scatter_value", _scatter_value_fwd, node="ScatterBackward1")
defvjp(SCATTER_VALUE, x=lambda grad, index, dim, xp: call(xp, SCATTER_VALUE, grad, index, dim=dim, value=0))
SCATTER_ADD = primitive("scatter_add", _scatter_add_fwd)
defvjp(SCATTER_ADD, x=lambda grad: grad, src=_src_vjp("ScatterAddBackward0"))


def _legacy_fwd(xp, x, index, src, *, dim, reduce):
    out = xp.array(x)
    o, c, shape = _target(xp, out, index, dim)
    v = _lead(_at1(src), shape) if hasattr(src, "shape") else xp.asarray(src).astype(x.dtype)
    (xp.add if reduce == "add" else xp.multiply).at(o, c, v)
    return out


def _legacy_vjp(grad):
    raise RuntimeError("derivative for aten::scatter is not implemented")


# NOTE: scatter's legacy `reduce` has no derivative in PyTorch: the output is recorded with a NotImplemented node
# whose backward raises.
SCATTER_LEGACY = primitive("scatter_legacy", _legacy_fwd, node="NotImplemented")
defvjp(SCATTER_LEGACY, x=_legacy_vjp, src=_legacy_vjp)
SCATTER_LEGACY.node_cls.name = lambda self: "torch::autograd::NotImplemented"


# ---- scatter_reduce ----------------------------------------------------------------------------
_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _identity(xp, dtype, reduce):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -xp.inf if reduce == "amax" else xp.inf
    info = xp.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _scatter_reduce_fwd(xp, x, index, src, *, dim, reduce, include_self):
    out = xp.array(x)
    o, c, shape = _target(xp, out, index, dim)
    if not include_self:
        o[c] = _identity(xp, x.dtype, reduce)
    getattr(xp, _UFUNC[reduce]).at(o, c, _lead(_at1(src), shape))
    if reduce == "mean":
        n = _counts(xp, x.shape, index, dim, include_self)
        out = (out / n).astype(x.dtype) if x.dtype.kind == "f" else xp.floor_divide(out, n).astype(x.dtype)
    return out


def _counts(ap, shape, index, dim, include_self):
    """How many values each position of the output averages (at least 1)."""
    n = (ap.ones if include_self else ap.zeros)(shape, dtype=ap.int64)
    _, c, _ = _target(ap, n, index, dim)
    ap.add.at(_at1(n), c, 1)
    return ap.maximum(n, 1)


# The VJPs follow PyTorch's scatter_reduce_backward formula by formula. Masks and counts are constants (arrays, in
# either mode); the parts that carry gradient go through recorded ops.
def _sr_x_vjp(grad, x, index, src, result, dim, reduce, include_self, xp):
    if reduce == "sum":
        g = grad
    elif reduce == "mean":
        g = grad / _counts_like(grad, index, dim, include_self)
    elif reduce == "prod":
        masked_x = xp.where(_const(xp, _data(x) == 0), 1, x)
        masked_result = call(xp, SCATTER_REDUCE, masked_x, index, src, dim=dim, reduce="prod",
                             include_self=include_self)
        g = grad * masked_result / masked_x
    else:
        g = _distributed(grad, x, index, src, result, dim) * (_data(x) == _data(result))
    return g if include_self else call(xp, SCATTER_VALUE, g, index, dim=dim, value=0)


def _sr_src_vjp(grad, x, index, src, src_shape, result, dim, reduce, include_self, xp):
    if tuple(index.shape) != tuple(src_shape):
        _src_vjp("ScatterReduceBackward0")(grad, index, src_shape, dim, xp)
    if reduce == "sum":
        return call(xp, GATHER, grad, index, dim=dim)
    if reduce == "mean":
        n = _counts_like(grad, index, dim, include_self)
        return call(xp, GATHER, grad, index, dim=dim) / _gather_fwd(get_array_module(n), n, _data(index), dim=dim)
    if reduce == "prod":
        return _prod_src_vjp(grad, x, index, src, result, dim, include_self, xp)
    value = _gather_fwd(get_array_module(_data(result)), _data(result), _data(index), dim=dim)
    g = _distributed(grad, x, index, src, result, dim)
    return call(xp, GATHER, g, index, dim=dim) * (_data(src) == value)


def _counts_like(grad, index, dim, include_self):
    g = _data(grad)
    ap = get_array_module(g)
    return _counts(ap, g.shape, _data(index), dim, include_self).astype(g.dtype)


def _distributed(grad, x, index, src, result, dim):
    """amax/amin: the gradient of each output, shared evenly among the values equal to it (self included, as in
    PyTorch, even when include_self=False)."""
    r, i = _data(result), _data(index)
    ap = get_array_module(r)
    n = (_data(x) == r).astype(r.dtype)
    _, c, shape = _target(ap, n, i, dim)
    ap.add.at(_at1(n), c, _lead(_at1(_data(src) == _gather_fwd(ap, r, i, dim=dim)), shape).astype(r.dtype))
    return grad / n


def _prod_src_vjp(grad, x, index, src, result, dim, include_self, xp):
    # NOTE: a src value that is the only zero reaching its position gets the product of the others; PyTorch's
    # DelayedError for double backward with several zeros at one position is not reproduced.
    s, i = _data(src), _data(index)
    ap = get_array_module(s)
    zero = s == 0
    n_zeros = ap.zeros(_data(x).shape, dtype=ap.int64)
    _, c, shape = _target(ap, n_zeros, i, dim)
    ap.add.at(_at1(n_zeros), c, _lead(_at1(zero), shape).astype(ap.int64))
    single = zero & (_gather_fwd(ap, n_zeros, i, dim=dim) == 1)
    single, zero = _const(xp, single), _const(xp, zero)
    masked_src = xp.where(single, 1, src)
    masked_src_result = call(xp, SCATTER_REDUCE, x, index, masked_src, dim=dim, reduce="prod",
                             include_self=include_self)
    with_single = call(xp, GATHER, grad * masked_src_result, index, dim=dim)
    others = call(xp, GATHER, grad * result, index, dim=dim) / xp.where(zero, 1, src)
    return xp.where(single, with_single, others)


SCATTER_REDUCE = primitive("scatter_reduce", _scatter_reduce_fwd)
defvjp(SCATTER_REDUCE, x=_sr_x_vjp, src=_sr_src_vjp)


# ---- index_* -----------------------------------------------------------------------------------
def _index_select_fwd(xp, x, index, *, dim):
    return xp.array(x) if x.ndim == 0 else xp.take(x, index.reshape(-1), axis=dim)


INDEX_SELECT = primitive("index_select", _index_select_fwd)
defvjp(INDEX_SELECT, x=lambda grad, x_shape, index, dim, xp: call(xp, INDEX_ADD, _zeros(xp, x_shape, grad), index,
                                                                  grad, dim=dim, alpha=1))


def _index_add_fwd(xp, x, index, source, *, dim, alpha):
    out = xp.array(x)
    xp.add.at(_at1(out), _along(dim, index), _at1(source if alpha == 1 else source * alpha))
    return out


def _index_add_source_vjp(grad, index, dim, alpha, xp):
    g = call(xp, INDEX_SELECT, grad, index, dim=dim)
    return g if alpha == 1 else g * alpha


INDEX_ADD = primitive("index_add", _index_add_fwd)
defvjp(INDEX_ADD, x=lambda grad: grad, source=_index_add_source_vjp)


def _index_copy_fwd(xp, x, index, source, *, dim):
    out = xp.array(x)
    _at1(out)[_along(dim, index)] = source
    return out


def _index_fill_fwd(xp, x, index, *, dim, fill):
    out = xp.array(x)
    _at1(out)[_along(dim, index)] = fill
    return out


def _index_fill_tensor_fwd(xp, x, index, value, *, dim):
    return _index_fill_fwd(xp, x, index, dim=dim, fill=value)


INDEX_COPY = primitive("index_copy", _index_copy_fwd)
defvjp(INDEX_COPY, x=lambda grad, index, dim, xp: call(xp, INDEX_FILL, grad, index, dim=dim, fill=0),
       source=lambda grad, index, dim, xp: call(xp, INDEX_SELECT, grad, index, dim=dim))
INDEX_FILL = primitive("index_fill", _index_fill_fwd)
defvjp(INDEX_FILL, x=lambda grad, index, dim, xp: call(xp, INDEX_FILL, grad, index, dim=dim, fill=0))
# the 0-dim tensor value receives the sum of the gradient over the filled positions
INDEX_FILL_T = primitive("index_fill_tensor", _index_fill_tensor_fwd, node="IndexFillBackward1")
defvjp(INDEX_FILL_T, x=lambda grad, index, dim, xp: call(xp, INDEX_FILL, grad, index, dim=dim, fill=0),
       value=lambda grad, index, dim, xp: xp.sum(grad - call(xp, INDEX_FILL, grad, index, dim=dim, fill=0)))


# ---- masked_* ----------------------------------------------------------------------------------
def _masked_fill_fwd(xp, x, mask, *, fill):
    return xp.where(mask, xp.asarray(fill).astype(x.dtype), x)


def _masked_fill_tensor_fwd(xp, x, mask, value):
    return _masked_fill_fwd(xp, x, mask, fill=value)


MASKED_FILL = primitive("masked_fill", _masked_fill_fwd)
defvjp(MASKED_FILL, x=lambda grad, mask, xp: call(xp, MASKED_FILL, grad, mask, fill=0))
MASKED_FILL_T = primitive("masked_fill_tensor", _masked_fill_tensor_fwd, node="MaskedFillBackward1")
defvjp(MASKED_FILL_T, x=lambda grad, mask, xp: call(xp, MASKED_FILL, grad, mask, fill=0),
       value=lambda grad, mask, xp: xp.sum(grad - call(xp, MASKED_FILL, grad, mask, fill=0)))


def _broadcast_shape(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return tuple(max(p, q) if min(p, q) != 0 else 0 for p, q in zip(a, b))


def _masked_scatter_fwd(xp, x, mask, source):
    shape = _broadcast_shape(x.shape, mask.shape)
    out = xp.broadcast_to(x, shape).copy()
    m = xp.broadcast_to(mask, shape)
    out[m] = source.reshape(-1)[:int(m.sum())]
    return out


def _masked_scatter_backward_fwd(xp, values, mask, *, shape):
    picked = values[xp.broadcast_to(mask, values.shape)]
    out = xp.zeros(math.prod(shape), dtype=values.dtype)
    out[:picked.size] = picked
    return out.reshape(shape)


MASKED_SCATTER = primitive("masked_scatter", _masked_scatter_fwd)
defvjp(MASKED_SCATTER, x=lambda grad, mask, xp: call(xp, MASKED_FILL, grad, mask, fill=0),
       source=lambda grad, mask, source_shape, xp: call(xp, MASKED_SCATTER_BACKWARD, grad, mask, shape=source_shape))
MASKED_SCATTER_BACKWARD = primitive("masked_scatter_backward", _masked_scatter_backward_fwd)
defvjp(MASKED_SCATTER_BACKWARD, values=lambda grad, values_shape, mask, xp: call(
    xp, MASKED_SCATTER, _zeros(xp, values_shape, grad), mask, grad))


def _masked_select_fwd(xp, x, mask):
    shape = _broadcast_shape(x.shape, mask.shape)
    return xp.broadcast_to(x, shape)[xp.broadcast_to(mask, shape)]


MASKED_SELECT = primitive("masked_select", _masked_select_fwd)
defvjp(MASKED_SELECT, x=lambda grad, x_shape, mask, xp: call(
    xp, MASKED_SCATTER, _zeros(xp, _broadcast_shape(x_shape, mask.shape), grad), mask, grad))


# ---- take / put --------------------------------------------------------------------------------
def _put_fwd(xp, x, index, source, *, accumulate):
    out = xp.array(x)
    flat = out.reshape(-1)
    if accumulate:
        xp.add.at(flat, index.reshape(-1), source.reshape(-1))
    else:
        flat[index.reshape(-1)] = source.reshape(-1)
    return out


def _put_x_vjp(grad, index, accumulate, xp):
    if accumulate:
        return grad
    return call(xp, PUT, grad, index, _zeros(xp, index.shape, grad), accumulate=False)


TAKE = primitive("take", lambda xp, x, index: x.reshape(-1)[index])
defvjp(TAKE, x=lambda grad, x_shape, index, xp: call(xp, PUT, _zeros(xp, x_shape, grad), index, grad,
                                                     accumulate=True))
PUT = primitive("put", _put_fwd)
defvjp(PUT, x=_put_x_vjp, source=lambda grad, index, source_shape, xp: xp.reshape(call(xp, TAKE, grad, index),
                                                                                  source_shape))


# ---- checks ------------------------------------------------------------------------------------
def _require_tensor(fname, argname, position, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _shape1(t):
    """Sizes as PyTorch's gather/scatter checks see them: a 0-dim tensor has one dimension of size 1."""
    return t._data.shape or (1,)


def _check_bounds(index, n, dim, negative=False, exc=RuntimeError, prefix=""):
    """The first index value outside [0, n) (or [-n, n) with `negative`), named as PyTorch names it."""
    a = index._data
    if not a.size:
        return
    bad = (a >= n) | (a < (-n if negative else 0))
    if bad.any():
        raise exc(f"{prefix}index {int(a[bad].reshape(-1)[0])} is out of bounds for dimension {dim} with size {n}")


def _check_int_index(index, msg):
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError(msg)


def _gather_checks(input, dim, index):
    _require_tensor("gather", "index", 3, index)
    d = _wrap_dim(dim, input._data.ndim)
    _check_int_index(index, "gather(): Expected dtype int32/int64 for index")
    xs, ids = _shape1(input), _shape1(index)
    if len(xs) != len(ids):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for i, (m, n) in enumerate(zip(ids, xs)):
        if i != d and m > n:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(index._data.shape)} to be "
                               f"no larger than self {list(input._data.shape)} apart from dimension {d}")
    _check_bounds(index, xs[d], d)
    return d


def _scatter_checks(input, dim, index, src):
    _require_tensor("scatter", "index", 3, index)
    d = _wrap_dim(dim, input._data.ndim)
    _check_int_index(index, "scatter(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index._data.size == 0:
        return d
    xs, ids = _shape1(input), _shape1(index)
    if len(xs) != len(ids):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    wrong = any(i != d and m > n for i, (m, n) in enumerate(zip(ids, xs)))
    if isinstance(src, Tensor):
        ss = _shape1(src)
        if len(ss) != len(ids):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        wrong = wrong or any(m > n for m, n in zip(ids, ss))
        if wrong:
            raise RuntimeError(f"Expected index {list(index._data.shape)} to be no larger than self "
                               f"{list(input._data.shape)} apart from dimension {d} and to be no larger size than src "
                               f"{list(src._data.shape)}")
    elif wrong:
        raise RuntimeError(f"Expected index {list(index._data.shape)} to be no larger than self "
                           f"{list(input._data.shape)} apart from dimension {d}")
    _check_bounds(index, xs[d], d)
    return d


def _no_out(fname, out):
    if out is not None:
        raise NotImplementedError(f"{fname}(): glassgrad does not support out=; use the returned tensor")


def _run(op, inplace, input, others, kw):
    return apply_inplace(op, input, others, kw) if inplace else apply(op, (input,) + others, kw)


# ---- public functions --------------------------------------------------------------------------
def index_select(input, dim, index, *, out=None):
    _no_out("index_select", out)
    _require_tensor("index_select", "index", 3, index)
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    _check_int_index(index, "index_select(): Expected dtype int32 or int64 for index")
    if input._data.ndim == 0 and index._data.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index._data.size} value(s)")
    n = _shape1(input)[d]
    a = index._data
    bad = (a >= n) | (a < 0)
    if a.size and bad.any():
        first = int(a[bad].reshape(-1)[0])
        # NOTE: PyTorch's two CPU kernels word this differently: dimension 0 raises IndexError, others RuntimeError
        if d == 0:
            raise IndexError(f"index out of range in self: index_select() got index {first} for dimension 0 with "
                             f"size {n}")
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={first} axis_dim={n}")
    return apply(INDEX_SELECT, (input, index), {"dim": d})


def gather(input, dim, index, *, sparse_grad=False, out=None):
    _no_out("gather", out)
    d = _gather_checks(input, dim, index)
    return apply(GATHER, (input, index), {"dim": d})


_warned_legacy = []


def _scatter(name, inplace, input, dim, index, src, value, reduce):
    if src is None and value is None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got neither 'src' nor 'value'")
    if src is None or not isinstance(src, Tensor):
        src, value = None, value if src is None else src
    d = _scatter_checks(input, dim, index, src)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if src is not None and not _warned_legacy:
            _warned_legacy.append(True)  # PyTorch warns once per process
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in "
                          "a future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                          UserWarning, stacklevel=3)
        return _run(SCATTER_LEGACY, inplace, input, (index, value if src is None else src), {"dim": d, "reduce": reduce})
    if src is None:
        return _run(SCATTER_VALUE, inplace, input, (index,), {"dim": d, "value": value})
    return _run(SCATTER, inplace, input, (index, src), {"dim": d})


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    return _scatter("scatter", False, input, dim, index, src, value, reduce)


def scatter_(input, dim, index, src=None, value=None, *, reduce=None):
    return _scatter("scatter_", True, input, dim, index, src, value, reduce)


def _scatter_add(inplace, input, dim, index, src):
    _require_tensor("scatter_add", "src", 4, src)
    d = _scatter_checks(input, dim, index, src)
    return _run(SCATTER_ADD, inplace, input, (index, src), {"dim": d})


def scatter_add(input, dim, index, src):
    return _scatter_add(False, input, dim, index, src)


def scatter_add_(input, dim, index, src):
    return _scatter_add(True, input, dim, index, src)


def _scatter_reduce(inplace, input, dim, index, src, reduce, include_self):
    _require_tensor("scatter_reduce", "src", 4, src)
    d = _scatter_checks(input, dim, index, src)
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    return _run(SCATTER_REDUCE, inplace, input, (index, src), {"dim": d, "reduce": reduce,
                                                                "include_self": bool(include_self)})


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    return _scatter_reduce(False, input, dim, index, src, reduce, include_self)


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    return _scatter_reduce(True, input, dim, index, src, reduce, include_self)


def _index_add(inplace, input, dim, index, source, alpha):
    _require_tensor("index_add", "index", 3, index)
    _require_tensor("index_add", "source", 4, source)
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.ndim > 1:
        raise IndexError("index_add_(): Index is supposed to be a vector")
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {index._dtype.scalar_name}")
    if input._dtype is not source._dtype:
        raise RuntimeError(f"index_add_(): self ({input._dtype.scalar_name}) and source ({source._dtype.scalar_name}) "
                           f"must have the same scalar type")
    xs, ss = input._data.shape, source._data.shape
    k = 1 if not ss else ss[d] if d < len(ss) else None
    if k is None:
        raise IndexError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim {len(ss)}")
    if index._data.size != k:
        raise RuntimeError(f"index_add_(): Number of indices ({index._data.size}) should be equal to source.size(dim): "
                           f"({k}), for dim: {d}")
    rest = (lambda s: s[:d] + s[d + 1:]) if xs and ss else (lambda s: s)
    if rest(xs) != rest(ss):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                           f"self.shape = {list(xs)} source.shape = {list(ss)}")
    _check_bounds(index, _shape1(input)[d], d)
    return _run(INDEX_ADD, inplace, input, (index, source), {"dim": d, "alpha": alpha})


def index_add(input, dim, index, source, *, alpha=1, out=None):
    _no_out("index_add", out)
    return _index_add(False, input, dim, index, source, alpha)


def index_add_(input, dim, index, source, *, alpha=1):
    return _index_add(True, input, dim, index, source, alpha)


def _index_copy(inplace, input, dim, index, source):
    _require_tensor("index_copy", "index", 3, index)
    _require_tensor("index_copy", "source", 4, source)
    d = _wrap_dim(dim, input._data.ndim)
    xs, ss = input._data.shape, source._data.shape
    if index._data.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index._data.ndim})")
    if not ss and index._data.size != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element (got "
                         f"{index._data.size})")
    if ss and xs and len(ss) != len(xs):
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({len(ss)}), destination dimensionality ({len(xs)})")
    if index._dtype is not D.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {index._dtype.scalar_name}")
    if input._dtype is not source._dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{input._dtype.scalar_name} and (source) {source._dtype.scalar_name}")
    x_rest, s_rest = xs[:d] + xs[d + 1:], ss[:d] + ss[d + 1:]
    if x_rest != s_rest:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {' '.join(map(str, x_rest))} at dimension {d} and source slice shape: "
                           f"{' '.join(map(str, s_rest))} at dimension 0.")
    if ss and index._data.size != ss[d]:
        raise IndexError(f"index_copy_(): Number of indices ({index._data.size}) should be equal to source.size(dim) "
                         f"({ss[d]})")
    _check_bounds(index, _shape1(input)[d], d, exc=IndexError, prefix="index_copy_(): ")
    return _run(INDEX_COPY, inplace, input, (index, source), {"dim": d})


def index_copy(input, dim, index, source):
    return _index_copy(False, input, dim, index, source)


def index_copy_(input, dim, index, source):
    return _index_copy(True, input, dim, index, source)


def _index_fill(inplace, input, dim, index, value):
    _require_tensor("index_fill", "index", 3, index)
    d = _wrap_dim(dim, input._data.ndim)
    if index._dtype is not D.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    _check_bounds(index, _shape1(input)[d], d, negative=True, exc=IndexError)
    if isinstance(value, Tensor):
        return _run(INDEX_FILL_T, inplace, input, (index, value), {"dim": d})
    return _run(INDEX_FILL, inplace, input, (index,), {"dim": d, "fill": value})


def index_fill(input, dim, index, value):
    return _index_fill(False, input, dim, index, value)


def index_fill_(input, dim, index, value):
    return _index_fill(True, input, dim, index, value)


def _check_broadcast(mask, input):
    try:
        _broadcastable(mask._data.shape, input._data.shape)
    except ValueError:
        raise broadcast_error(mask._data.shape, input._data.shape) from None


def _broadcastable(a, b):
    for p, q in zip(reversed(a), reversed(b)):
        if p != q and p != 1 and q != 1:
            raise ValueError


def _masked_fill(inplace, input, mask, value):
    _require_tensor("masked_fill", "mask", 2, mask)
    _check_broadcast(mask, input)
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask._dtype.cpp_name}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        return _run(MASKED_FILL_T, inplace, input, (mask, value), None)
    return _run(MASKED_FILL, inplace, input, (mask,), {"fill": value})


def masked_fill(input, mask, value):
    return _masked_fill(False, input, mask, value)


def masked_fill_(input, mask, value):
    return _masked_fill(True, input, mask, value)


def _masked_scatter(inplace, input, mask, source):
    _require_tensor("masked_scatter", "mask", 2, mask)
    _require_tensor("masked_scatter", "source", 3, source)
    if input._dtype is not source._dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{input._dtype.scalar_name} and {source._dtype.scalar_name}")
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask._dtype.scalar_name}")
    _check_broadcast(mask, input)
    if inplace:
        from .shape import expand
        expand(mask, input._data.shape)  # the in-place op expands the mask to self, with expand's errors
    m = mask._data
    ap = get_array_module(m)
    ones = int(ap.broadcast_to(m, _broadcast_shape(input._data.shape, m.shape)).sum())
    if source._data.size < ones:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return _run(MASKED_SCATTER, inplace, input, (mask, source), None)


def masked_scatter(input, mask, source):
    return _masked_scatter(False, input, mask, source)


def masked_scatter_(input, mask, source):
    return _masked_scatter(True, input, mask, source)


def masked_select(input, mask, *, out=None):
    _no_out("masked_select", out)
    _require_tensor("masked_select", "mask", 2, mask)
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    _check_broadcast(mask, input)
    return apply(MASKED_SELECT, (input, mask))


def _check_flat_bounds(index, n):
    a = index._data
    bad = (a >= n) | (a < -n)
    if a.size and bad.any():
        raise IndexError(f"out of range: tried to access index {int(a[bad].reshape(-1)[0])} on a tensor of {n} "
                         f"elements.")


def take(input, index, *, out=None):
    _no_out("take", out)
    _require_tensor("take", "index", 2, index)
    if index._dtype is not D.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index._dtype.scalar_name}")
    _check_flat_bounds(index, input._data.size)
    return apply(TAKE, (input, index))


def _put(inplace, input, index, source, accumulate):
    _require_tensor("put", "index", 2, index)
    _require_tensor("put", "source", 3, source)
    if index._dtype is not D.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index._dtype.scalar_name}")
    if input._dtype is not source._dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{input._dtype.scalar_name} and source.dtype = {source._dtype.scalar_name}")
    if index._data.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    _check_flat_bounds(index, input._data.size)
    return _run(PUT, inplace, input, (index, source), {"accumulate": bool(accumulate)})


def put(input, index, source, accumulate=False):
    return _put(False, input, index, source, accumulate)


def put_(input, index, source, accumulate=False):
    return _put(True, input, index, source, accumulate)


def take_along_dim(input, indices, dim=None, *, out=None):
    _no_out("take_along_dim", out)
    from .shape import reshape, expand
    _require_tensor("take_along_dim", "indices", 2, indices)
    if indices._dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices._dtype.scalar_name}")
    if dim is None:
        return gather(reshape(input, -1), 0, reshape(indices, -1))
    nd = input._data.ndim
    if nd == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _wrap_dim(dim, nd)
    if indices._data.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {nd} dimensions for input, and {indices._data.ndim} dimensions for indices")
    xs, ids = input._data.shape, indices._data.shape
    try:
        common = list(_broadcast_dims(xs, ids, d))
    except ValueError:
        raise broadcast_error(xs, ids) from None
    x_shape = tuple(xs[d] if i == d else n for i, n in enumerate(common))
    i_shape = tuple(ids[d] if i == d else n for i, n in enumerate(common))
    if x_shape != xs:
        input = expand(input, x_shape)
    n = xs[d]
    a = indices._data
    if a.size and (a < 0).any() and not (a < -n).any():
        indices = _new(a % n, D.int64)  # NOTE: like NumPy's take_along_axis, negative indices count from the end
    if i_shape != ids:
        indices = expand(indices, i_shape)
    return gather(input, d, indices)


def _broadcast_dims(a, b, skip):
    for i, (p, q) in enumerate(zip(a, b)):
        if i != skip and p != q and p != 1 and q != 1:
            raise ValueError
        yield 0 if i == skip or 0 in (p, q) else max(p, q)


def _take_along_axis(a, indices, axis):
    """xp.take_along_axis over tensors (for VJPs that pick values along a dim under create_graph=True)."""
    if not isinstance(indices, Tensor):
        indices = _new(get_array_module(indices).asarray(indices, dtype="int64"), D.int64)
    return take_along_dim(a, indices, axis)


TENSOR_XP["take_along_axis"] = _take_along_axis

_PUBLIC = ("index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
           "index_fill", "masked_fill", "masked_scatter", "masked_select", "take", "put", "take_along_dim")
API["torch"] += _PUBLIC
API["Tensor"] += _PUBLIC + ("scatter_", "scatter_add_", "scatter_reduce_", "index_add_", "index_copy_", "index_fill_",
                            "masked_fill_", "masked_scatter_", "put_")
