"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, logsumexp, var/std (and with the mean),
vector and matrix norms, all/any, count_nonzero.

VJPs run in two modes (see registry.py): on arrays, and on tensors when backward builds a graph
(create_graph=True). Masks of ties, zeros and index positions never carry a gradient, so they are computed on
the underlying arrays (`_data`) in both modes and multiply the gradient as arrays.
"""
import math
import operator
import warnings

from .registry import primitive, defvjp, apply, call, NON_DIFFERENTIABLE, records
from .decomposition import SVD
from ..backends import quiet, get_array_module
from ..tensor import Tensor, _wrap_dim
from .. import _dtype as D

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp", "var", "std",
           "var_mean", "std_mean", "norm", "vector_norm", "matrix_norm", "all", "any", "count_nonzero"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": ("sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp", "var", "std",
                 "var_mean", "std_mean", "norm", "all", "any", "count_nonzero"),
       "Tensor": ("sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp", "var", "std",
                  "norm", "all", "any", "count_nonzero"),
       "nn.functional": (), "linalg": (),  # set at the end of the module
       "special": ("logsumexp",)}

INF = float("inf")


# ---- helpers -------------------------------------------------------------------------------------------
def _data(v):
    """The array behind a VJP value (a tensor when backward builds a graph)."""
    return v._data if isinstance(v, Tensor) else v


def int_arg(name, arg, v):
    """An int argument of op `name` (a TypeError naming it for anything else, as PyTorch's)."""
    try:
        if isinstance(v, bool):
            raise TypeError
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{name}(): argument '{arg}' must be int, not {type(v).__name__}") from None


def wrap_dim(name, dim, ndim):
    """An int `dim` of op `name`, wrapped into [0, ndim)."""
    return _wrap_dim(int_arg(name, "dim", dim), ndim)


def _dims(dim, ndim, name="reduction"):
    """Wrapped dims as a tuple; None for all. A 0-dim tensor takes dim 0 / -1 and reduces over nothing."""
    if dim is None:
        return None
    if not isinstance(dim, (tuple, list)):
        dim = (int_arg(name, "dim", dim),)
    try:
        dims = tuple(wrap_dim(name, d, ndim) for d in dim)
    except TypeError:
        raise TypeError(f"{name}(): argument 'dim' must be tuple of ints, not {type(dim).__name__} "
                        f"of {', '.join(type(d).__name__ for d in dim)}") from None
    if len(set(dims)) != len(dims):
        dup = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return dims if dims else None


def _numel(shape, dim):
    """How many elements each output element reduces over."""
    if dim is None:
        return math.prod(shape)
    return math.prod(shape[d] for d in ((dim,) if isinstance(dim, int) else dim))


def _keep(g, x_shape, dim, keepdim, xp):
    """A reduced value with the reduced dims put back as size 1 (broadcasts against the input)."""
    if dim is None or keepdim or not len(x_shape):
        return g
    dims = (dim,) if isinstance(dim, int) else dim
    return xp.reshape(g, tuple(1 if i in dims else n for i, n in enumerate(x_shape)))


def _expand_back(grad, x_shape, dim, keepdim, xp):
    """Broadcasts a reduced gradient back over the reduced dimensions."""
    return xp.broadcast_to(_keep(grad, x_shape, dim, keepdim, xp), x_shape)


def _mask(cond, like):
    """A bool array as 0/1 in the dtype of `like` (to multiply a gradient with)."""
    return cond.astype(_data(like).dtype)


def scatter_along(g, idx, dim, shape, xp):
    """zeros(shape) with `g` added at positions `idx` (an int array shaped like g) along `dim`: PyTorch's
    `zeros.scatter_add(dim, idx, g)`, the gradient of every value-selecting op (max with dim, sort, topk...)."""
    ap = get_array_module(idx)
    strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
    flat = idx * strides[dim]
    for i, n in enumerate(idx.shape):
        if i != dim:
            flat = flat + ap.arange(n).reshape((n,) + (1,) * (idx.ndim - 1 - i)) * strides[i]
    flat = ap.broadcast_to(flat, idx.shape).reshape(-1)
    if records(xp):
        return xp.scatter_flat(shape, flat, g)
    out = xp.bincount(flat, weights=xp.reshape(g, -1), minlength=math.prod(shape))
    return out.astype(g.dtype, copy=False).reshape(shape)


def _float_check(name, input):
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{input._dtype.scalar_name}")


# ---- sum / mean ------------------------------------------------------------------------------------------
def _sum_fwd(xp, x, *, dim, keepdim, dtype):
    return quiet(lambda: xp.sum(x, axis=dim, keepdims=keepdim, dtype=dtype))  # inf + -inf is nan, silently


SUM = primitive("sum", _sum_fwd)
defvjp(SUM, x=lambda grad, x_shape, dim, keepdim, xp: _expand_back(grad, x_shape, dim, keepdim, xp))
# NOTE: PyTorch names the node after the overload: SumBackward1 whenever `dim` was passed, even as None.
SUM_DIM = primitive("sum_dim", _sum_fwd, node="SumBackward1")
defvjp(SUM_DIM, x=lambda grad, x_shape, dim, keepdim, xp: _expand_back(grad, x_shape, dim, keepdim, xp))


def _mean_fwd(xp, x, *, dim, keepdim, dtype):
    # NOTE: the mean of nothing is nan, silently in PyTorch
    return quiet(_mean_raw, xp, x, dim, keepdim, dtype)


def _mean_raw(xp, x, dim, keepdim, dtype):
    # NOTE: no warnings.catch_warnings here: it resets Python's record of the warnings already shown, so a
    # script's once-per-line warnings would print again after every mean. An empty mean is 0/0 (nan, silently).
    if _numel(x.shape, dim):
        out = quiet(xp.mean, x, dim, dtype, None, keepdim)
    else:
        out = quiet(_empty_mean, xp, x, dim, keepdim, dtype)
    return out.astype(dtype or x.dtype, copy=False)


def _empty_mean(xp, x, dim, keepdim, dtype):
    return xp.sum(x, axis=dim, keepdims=keepdim, dtype=dtype) / 0.0


def _mean_vjp(grad, x_shape, dim, keepdim, xp):
    return _expand_back(grad / _numel(x_shape, dim), x_shape, dim, keepdim, xp)


MEAN = primitive("mean", _mean_fwd)
defvjp(MEAN, x=_mean_vjp)
MEAN_DIM = primitive("mean_dim", _mean_fwd, node="MeanBackward1")
defvjp(MEAN_DIM, x=_mean_vjp)

_NO_DIM = object()


def _sum_dtype(input, dtype):
    if dtype is not None:
        return D.to_dtype(dtype).np
    if input._dtype._cat < 2:
        return D.int64.np
    return None


def sum(input, dim=_NO_DIM, keepdim=False, *, dtype=None):
    if isinstance(dim, bool):
        raise TypeError("sum(): argument 'dim' must be tuple of ints, not bool")
    op = SUM if dim is _NO_DIM else SUM_DIM
    dims = None if dim is _NO_DIM else _dims(dim, input._data.ndim, "sum")
    return apply(op, (input,), {"dim": dims, "keepdim": keepdim, "dtype": _sum_dtype(input, dtype)})


def mean(input, dim=_NO_DIM, keepdim=False, *, dtype=None):
    d = D.to_dtype(dtype) if dtype is not None else input._dtype
    if not d.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {d.scalar_name}")
    op = MEAN if dim is _NO_DIM else MEAN_DIM
    dims = None if dim is _NO_DIM else _dims(dim, input._data.ndim, "mean")
    return apply(op, (input,), {"dim": dims, "keepdim": keepdim, "dtype": d.np if dtype is not None else None})


# ---- prod ------------------------------------------------------------------------------------------------
def _prod_fwd(xp, x, *, dim, keepdim, dtype):
    return xp.prod(x, axis=dim, keepdims=keepdim, dtype=dtype)


def _prod_others(x, d, xp):
    """The product of all other elements along `d`, exact with zeros: exclusive products from both ends
    (PyTorch's prod_safe_zeros_backward), differentiable for second order."""
    from .sorting import CUMPROD, flip
    n = x.shape[d]
    head = (slice(None),) * d
    ones = xp.zeros(tuple(1 if i == d else s for i, s in enumerate(x.shape)), dtype=x.dtype) + 1
    before = call(xp, CUMPROD, xp.concatenate([ones, x[head + (slice(0, n - 1),)]], d), dim=d, dtype=None)
    after = call(xp, CUMPROD, xp.concatenate([ones, flip(x[head + (slice(1, n),)], d, xp)], d), dim=d, dtype=None)
    return before * flip(after, d, xp)


def _prod_vjp(grad, x, result, x_shape, dim, keepdim, xp):
    if not len(x_shape):
        return grad
    grad, result = _keep(grad, x_shape, dim, keepdim, xp), _keep(result, x_shape, dim, keepdim, xp)
    if not (_data(x) == 0).any():
        return grad * (result / x)
    if dim is None:
        return grad * xp.reshape(_prod_others(xp.reshape(x, (-1,)), 0, xp), x_shape)
    return grad * _prod_others(x, dim, xp)


PROD = primitive("prod", _prod_fwd)
defvjp(PROD, x=_prod_vjp)
PROD_DIM = primitive("prod_dim", _prod_fwd, node="ProdBackward1")
defvjp(PROD_DIM, x=_prod_vjp)


def prod(input, dim=_NO_DIM, keepdim=False, *, dtype=None):
    if dim is _NO_DIM:
        return apply(PROD, (input,), {"dim": None, "keepdim": False, "dtype": _sum_dtype(input, dtype)})
    nd = input._data.ndim
    d = wrap_dim("prod", dim, nd)
    return apply(PROD_DIM, (input,), {"dim": d if nd else (), "keepdim": keepdim, "dtype": _sum_dtype(input, dtype)})


# ---- max / min / amax / amin / argmax / argmin ------------------------------------------------------------
def _evenly_vjp(grad, x, result, xp):
    """The gradient of a whole-tensor max/min/median, split evenly over the elements equal to the result
    (over the nans when the result is nan), as PyTorch's evenly_distribute_backward."""
    xd, rd = _data(x), _data(result)
    hit = (xd != xd) if rd != rd else (xd == rd)
    m = _mask(hit, x)
    return grad * (m / m.sum())


MAX_ALL = primitive("max", lambda xp, x: xp.max(x), node="MaxBackward1")
defvjp(MAX_ALL, x=_evenly_vjp)
MIN_ALL = primitive("min", lambda xp, x: xp.min(x), node="MinBackward1")
defvjp(MIN_ALL, x=_evenly_vjp)


def _extreme_dim(name):
    def fwd(xp, x, *, dim, keepdim):
        if x.ndim == 0:
            return x.copy(), xp.zeros((), xp.int64)
        idx = getattr(xp, name)(x, axis=dim, keepdims=True)
        values = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = xp.squeeze(values, dim), xp.squeeze(idx, dim)
        return values, idx.astype(xp.int64)
    return fwd


def select_vjp(grad, result, x_shape, dim, keepdim, xp):
    """The gradient of an op that picks values at indices along `dim` (output 1 of `result`)."""
    g, idx = grad[0], _data(result[1])
    if not len(x_shape):
        return g
    if not keepdim:
        g, idx = xp.expand_dims(g, dim), get_array_module(idx).expand_dims(idx, dim)
    return scatter_along(g, idx, dim, x_shape, xp)


MAX_DIM = primitive("max_dim", _extreme_dim("argmax"), nout=2, nondiff_outputs=(1,),
                    saved_outputs=(1,), node="MaxBackward0")
defvjp(MAX_DIM, x=select_vjp)
MIN_DIM = primitive("min_dim", _extreme_dim("argmin"), nout=2, nondiff_outputs=(1,),
                    saved_outputs=(1,), node="MinBackward0")
defvjp(MIN_DIM, x=select_vjp)


def _check_nonempty(name, input, d):
    if d is None and input._data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           f"reduction dim with the 'dim' argument.")
    if d is not None and input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _extreme(name, input, dim, keepdim, other):
    from .. import return_types
    if isinstance(dim, Tensor) or other is not None:
        from . import elementwise
        return getattr(elementwise, "maximum" if name == "max" else "minimum")(input, dim if other is None else other)
    if dim is None:
        _check_nonempty(name, input, None)
        return apply(MAX_ALL if name == "max" else MIN_ALL, (input,))
    nd = input._data.ndim
    d = wrap_dim(name, dim, nd)
    _check_nonempty(name, input, d)
    values, indices = apply(MAX_DIM if name == "max" else MIN_DIM, (input,), {"dim": d, "keepdim": keepdim})
    return getattr(return_types, name)(values, indices)


def max(input, dim=None, keepdim=False, *, other=None):
    """max(input), max(input, dim, keepdim=False) -> (values, indices), max(input, other) = maximum."""
    return _extreme("max", input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):
    """min(input), min(input, dim, keepdim=False) -> (values, indices), min(input, other) = minimum."""
    return _extreme("min", input, dim, keepdim, other)


def _amax_vjp(grad, x, result, x_shape, dim, keepdim, xp):
    # NOTE: ties share the gradient evenly, as PyTorch's amax/amin (max(dim) gives it all to one index)
    rd = _data(result)
    hit = _data(x) == _keep(rd, x_shape, dim, keepdim, get_array_module(rd))
    m = _mask(hit, x)
    scale = quiet(lambda: m / m.sum(axis=dim, keepdims=True))  # a nan result matches nothing: nan, as PyTorch
    return _keep(grad, x_shape, dim, keepdim, xp) * scale


AMAX = primitive("amax", lambda xp, x, *, dim, keepdim: xp.amax(x, axis=dim, keepdims=keepdim))
defvjp(AMAX, x=_amax_vjp)
AMIN = primitive("amin", lambda xp, x, *, dim, keepdim: xp.amin(x, axis=dim, keepdims=keepdim))
defvjp(AMIN, x=_amax_vjp)


def _amax(name, op, input, dim, keepdim):
    nd = input._data.ndim
    dims = _dims(dim, nd, name)
    if input._data.size == 0:
        for d in range(nd) if dims is None else dims:
            if input._data.shape[d] == 0:
                _check_nonempty(name, input, None if dims is None else d)
    return apply(op, (input,), {"dim": dims, "keepdim": keepdim})


def amax(input, dim=(), keepdim=False):
    return _amax("amax", AMAX, input, dim, keepdim)


def amin(input, dim=(), keepdim=False):
    return _amax("amin", AMIN, input, dim, keepdim)


def _arg_fwd(name):
    def fwd(xp, x, *, dim, keepdim):
        if dim is None:
            out = getattr(xp, name)(x)
            return xp.reshape(out, (1,) * x.ndim) if keepdim else out
        return getattr(xp, name)(x, axis=dim, keepdims=keepdim)
    return fwd


ARGMAX = primitive("argmax", _arg_fwd("argmax"))
defvjp(ARGMAX, x=NON_DIFFERENTIABLE)
ARGMIN = primitive("argmin", _arg_fwd("argmin"))
defvjp(ARGMIN, x=NON_DIFFERENTIABLE)


def _arg(name, op, input, dim, keepdim):
    if input._dtype is D.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    nd = input._data.ndim
    d = None if dim is None else wrap_dim(name, dim, nd)
    if d is None and input._data.size == 0:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    _check_nonempty(name, input, d)
    return apply(op, (input,), {"dim": d if nd else None, "keepdim": keepdim})


def argmax(input, dim=None, keepdim=False):
    return _arg("argmax", ARGMAX, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _arg("argmin", ARGMIN, input, dim, keepdim)


# ---- logsumexp -----------------------------------------------------------------------------------------------
def _logsumexp_fwd(xp, x, *, dim, keepdim):
    return quiet(_logsumexp_raw, xp, x, dim, keepdim)


def _logsumexp_raw(xp, x, dim, keepdim):
    if x.size == 0:
        return xp.log(xp.sum(xp.exp(x), axis=dim, keepdims=keepdim))
    # NOTE: shifted by the max for stability; an infinite max shifts by 0 so that inf and -inf come out exact
    m = xp.amax(x, axis=dim, keepdims=True)
    m = xp.where(xp.isinf(m), 0, m).astype(x.dtype, copy=False)
    out = xp.log(xp.sum(xp.exp(x - m), axis=dim, keepdims=True)) + m
    if keepdim:
        return out
    return xp.reshape(out, ()) if dim is None else xp.squeeze(out, axis=dim)


def _logsumexp_vjp(grad, x, result, x_shape, dim, keepdim, xp):
    return _keep(grad, x_shape, dim, keepdim, xp) * xp.exp(x - _keep(result, x_shape, dim, keepdim, xp))


LOGSUMEXP = primitive("logsumexp", _logsumexp_fwd, float_result=True)
defvjp(LOGSUMEXP, x=_logsumexp_vjp)


def logsumexp(input, dim, keepdim=False):
    return apply(LOGSUMEXP, (input,), {"dim": _dims(dim, input._data.ndim, "logsumexp"), "keepdim": keepdim})


# ---- var / std / var_mean / std_mean ------------------------------------------------------------------------
def _moments(xp, x, dim, correction):
    """(variance with keepdim, mean with keepdim)."""
    return quiet(_moments_raw, xp, x, dim, correction, _numel(x.shape, dim))


def _moments_raw(xp, x, dim, correction, n):
    mean = xp.sum(x, axis=dim, keepdims=True) / (n if n else 0.0)
    dev = x - mean
    dof = n - correction
    var = xp.sum(dev * dev, axis=dim, keepdims=True) / (dof if dof > 0 else 0.0)
    return var.astype(x.dtype, copy=False), mean.astype(x.dtype, copy=False)


def _squeezed(xp, v, dim, keepdim):
    if keepdim:
        return v
    return xp.reshape(v, ()) if dim is None else xp.squeeze(v, axis=dim)


def _var_fwd(xp, x, *, dim, correction, keepdim):
    return _squeezed(xp, quiet(_moments, xp, x, dim, correction)[0], dim, keepdim)


def _std_fwd(xp, x, *, dim, correction, keepdim):
    return _squeezed(xp, xp.sqrt(quiet(_moments, xp, x, dim, correction)[0]), dim, keepdim)


def _var_mean_fwd(xp, x, *, dim, correction, keepdim):
    var, mean = quiet(_moments, xp, x, dim, correction)
    return _squeezed(xp, var, dim, keepdim), _squeezed(xp, mean, dim, keepdim)


def _std_mean_fwd(xp, x, *, dim, correction, keepdim):
    var, mean = quiet(_moments, xp, x, dim, correction)
    return _squeezed(xp, xp.sqrt(var), dim, keepdim), _squeezed(xp, mean, dim, keepdim)


def _var_vjp(grad, x, x_shape, dim, correction, keepdim, xp):
    """PyTorch's var_backward: 2 / (n - correction) * grad * (x - mean); with no dim and no degrees of freedom
    left, nan where x equals the mean and inf elsewhere."""
    grad = _keep(grad, x_shape, dim, keepdim, xp)
    n = _numel(x_shape, dim)
    dof = n - correction
    if (dim is None or not len(x_shape)) and dof <= 0:
        xd = _data(x)
        ap = get_array_module(xd)
        at_mean = xd == quiet(_moments, ap, xd, None, correction)[1]
        return grad * ap.where(at_mean, ap.nan, ap.inf).astype(xd.dtype)
    mean = xp.sum(x, axis=dim, keepdims=True) / n if n else x
    return grad * (2.0 / dof if dof else INF) * (x - mean)


def _std_vjp(grad, x, result, x_shape, dim, correction, keepdim, xp):
    rd = _data(result)
    zero = rd == 0
    grad_var = grad / ((result + _mask(zero, result)) * 2) * _mask(~zero, result)
    return _var_vjp(grad_var, x, x_shape, dim, correction, keepdim, xp)


def _var_mean_vjp(grad, x, x_shape, dim, correction, keepdim, xp):
    return _var_vjp(grad[0], x, x_shape, dim, correction, keepdim, xp) + _mean_vjp(grad[1], x_shape, dim, keepdim, xp)


def _std_mean_vjp(grad, x, result, x_shape, dim, correction, keepdim, xp):
    return (_std_vjp(grad[0], x, result[0], x_shape, dim, correction, keepdim, xp)
            + _mean_vjp(grad[1], x_shape, dim, keepdim, xp))


VAR = primitive("var", _var_fwd)
defvjp(VAR, x=_var_vjp)
STD = primitive("std", _std_fwd)
defvjp(STD, x=_std_vjp)
VAR_MEAN = primitive("var_mean", _var_mean_fwd, nout=2)
defvjp(VAR_MEAN, x=_var_mean_vjp)
STD_MEAN = primitive("std_mean", _std_mean_fwd, nout=2)
defvjp(STD_MEAN, x=_std_mean_vjp)


def _var_like(name, op, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments: pass either `unbiased` or "
                        f"`correction`, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not input._dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    shape = input._data.shape
    dims = _dims(dim, len(shape), name)
    if dims == ():
        dims = None
    kept = 1 if dims is None else math.prod(n for i, n in enumerate(shape) if i not in dims)
    if math.prod(shape) // (kept or 1) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      f"reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return apply(op, (input,), {"dim": dims, "correction": correction, "keepdim": keepdim})


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_like("var", VAR, input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_like("std", STD, input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_like("var_mean", VAR_MEAN, input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_like("std_mean", STD_MEAN, input, dim, unbiased, keepdim, correction)


# ---- vector norms ------------------------------------------------------------------------------------------
def _vector_norm_fwd(xp, x, *, ord, dim, keepdim, dtype):
    if dtype is not None:
        x = x.astype(dtype, copy=False)
    a = xp.abs(x)
    if ord == INF:
        return xp.amax(a, axis=dim, keepdims=keepdim)
    if ord == -INF:
        return xp.amin(a, axis=dim, keepdims=keepdim)
    if ord == 0:
        return xp.sum(a != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    if ord == 1:
        return xp.sum(a, axis=dim, keepdims=keepdim)
    if ord == 2:
        return xp.sqrt(xp.sum(a * a, axis=dim, keepdims=keepdim))
    return quiet(lambda: xp.power(xp.sum(xp.power(a, ord), axis=dim, keepdims=keepdim), 1.0 / ord))


def _vector_norm_vjp(grad, x, result, x_shape, ord, dim, keepdim, xp):
    """PyTorch's norm_backward, ord by ord; 0 where the norm (or, for ord < 1, the element) is 0."""
    if ord == 0:
        return None  # PyTorch returns no gradient at all
    grad, norm = _keep(grad, x_shape, dim, keepdim, xp), _keep(result, x_shape, dim, keepdim, xp)
    xd, nd = _data(x), _data(norm)
    ap = get_array_module(xd)
    sign = ap.where(xd != xd, 0, ap.sign(xd)).astype(xd.dtype)  # PyTorch's sgn(nan) is 0
    if ord == 1:
        return grad * sign
    norm_zero = nd == 0
    safe_norm = norm + _mask(norm_zero, norm)
    if ord == 2:
        return grad * (x / safe_norm * _mask(~norm_zero, x))
    absx = x * sign
    if math.isinf(ord):
        hit = (ap.abs(xd) == nd) | (xd != xd)
        m = _mask(hit, x)
        return grad * (m / m.sum(axis=dim, keepdims=True) * sign)
    if ord < 1:
        x_zero = xd == 0
        scaled = (absx + _mask(x_zero, x)) ** (ord - 1) * (sign * _mask(~x_zero, x))
        return scaled * grad * norm ** (1 - ord)
    scaled = absx ** (ord - 1) * sign if ord < 2 else x * absx ** (ord - 2)
    return scaled * (grad / safe_norm ** (ord - 1) * _mask(~norm_zero, norm))


VECTOR_NORM = primitive("linalg_vector_norm", _vector_norm_fwd)
defvjp(VECTOR_NORM, x=_vector_norm_vjp)
# NOTE: ATen's norm (what pairwise_distance calls) is the same computation under its own node name
NORM = primitive("norm", _vector_norm_fwd, node="NormBackward1")
defvjp(NORM, x=_vector_norm_vjp)


def _check_norm_dtype(name, input, dtype):
    if dtype is None:
        return None
    d = D.to_dtype(dtype)
    if not d.is_floating_point:
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got {d.scalar_name}")
    if D.promote_types(input._dtype, d) is not d:
        raise RuntimeError(f"{name}: the dtype of the input ({input._dtype.scalar_name}) should be convertible without "
                           f"narrowing to the specified dtype ({d.scalar_name})")
    return d.np


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    return p_norm(VECTOR_NORM, x, ord, dim, keepdim, dtype)


def p_norm(op, x, ord, dim, keepdim, dtype=None):
    """linalg.vector_norm's checks, then `op` (VECTOR_NORM, or NORM for the callers of ATen's norm)."""
    _float_check("linalg.vector_norm", x)
    npdt = _check_norm_dtype("linalg.vector_norm", x, dtype)
    shape = x._data.shape
    dims = _dims(dim, len(shape), "linalg.vector_norm")
    if (ord < 0 or math.isinf(ord)) and x._data.size == 0:
        what = "an empty tensor"
        if dims is not None:
            empty = [d for d in dims if shape[d] == 0]
            what = f"the dimension {empty[0]} because this dimension is empty and" if empty else None
        else:
            what += " because"
        if what is not None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_num(ord)} norm on {what} the operation "
                               f"does not have an identity")
    return apply(op, (x,), {"ord": float(ord), "dim": dims, "keepdim": keepdim, "dtype": npdt})


# ---- matrix norms ------------------------------------------------------------------------------------------
def _svdvals_last(A, d0, d1):
    """The singular values of the matrices in dims (d0, d1), moved to the end: (values, permutation)."""
    from .shape import permute
    nd = A._data.ndim
    perm = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
    if perm != list(range(nd)):
        A = permute(A, perm)
    return apply(SVD, (A,), {"full_matrices": False})[1], perm


def _restore(result, perm, keepdim):
    if not keepdim:
        return result
    from .shape import permute, unsqueeze
    inverse = [perm.index(i) for i in range(len(perm))]
    return permute(unsqueeze(result, -1), inverse)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    nd = A._data.ndim
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {_fmt_num(ord)} not supported.")
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _float_check("linalg.matrix_norm", A)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = (_wrap_dim(d, nd) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    npdt = _check_norm_dtype("linalg.matrix_norm", A, dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or abs(ord) == 2:
        if npdt is not None and A._dtype.np != npdt:
            A = A.to(D.to_dtype(dtype))
        s, perm = _svdvals_last(A, d0, d1)
        if ord == "nuc":
            result = sum(s, -1, keepdim)
        else:
            result = (amax if ord > 0 else amin)(s, -1, keepdim)
        return _restore(result, perm, keepdim)
    if math.isinf(ord):
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    return (amax if ord > 0 else amin)(vector_norm(A, 1, (d0,), keepdim, dtype=dtype), d1, keepdim)



def _fmt_num(v):
    return str(int(v)) if float(v).is_integer() else str(v)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: vector norms, and the Frobenius / nuclear matrix norms for p='fro' / 'nuc'."""
    _dim = [dim] if isinstance(dim, int) else dim
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(input, 2, _dim, keepdim, dtype=dtype)
        if _dim is None:
            _dim = list(range(input._data.ndim))
        return matrix_norm(input, p, _dim, keepdim, dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, _dim, keepdim, dtype=dtype)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """torch.linalg.norm: a matrix norm when ord is given and there are two dims (given, or a 2-D input);
    a vector norm (2 by default) otherwise."""
    nd = A._data.ndim
    dim = (dim,) if isinstance(dim, int) else dim
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is not None and nd not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.")
    if isinstance(ord, str) or (ord is not None and (len(dim) == 2 if dim is not None else nd == 2)):
        return matrix_norm(A, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# ---- all / any / count_nonzero ---------------------------------------------------------------------------------
def _logical_fwd(name):
    def fwd(xp, x, *, dim, keepdim):
        out = getattr(xp, name)(x, axis=dim, keepdims=keepdim)
        return out.astype(xp.uint8) if x.dtype == xp.uint8 else out
    return fwd


ALL = primitive("all", _logical_fwd("all"))
defvjp(ALL, x=NON_DIFFERENTIABLE)
ANY = primitive("any", _logical_fwd("any"))
defvjp(ANY, x=NON_DIFFERENTIABLE)


def _logical(op, input, dim, keepdim):
    nd = input._data.ndim
    if dim is None:
        dims = None
    elif isinstance(dim, int):
        dims = (_wrap_dim(dim, nd),) if nd else ()
    else:
        dims = _dims(dim, nd, op.name) if len(dim) else ()  # NOTE: PyTorch reduces nothing over an empty tuple of dims
    return apply(op, (input,), {"dim": dims, "keepdim": keepdim and dims is not None})


def all(input, dim=None, keepdim=False):
    return _logical(ALL, input, dim, keepdim)


def any(input, dim=None, keepdim=False):
    return _logical(ANY, input, dim, keepdim)


COUNT_NONZERO = primitive("count_nonzero", lambda xp, x, *, dim: xp.sum(x != 0, axis=dim).astype(xp.int64))
defvjp(COUNT_NONZERO, x=NON_DIFFERENTIABLE)


def count_nonzero(input, dim=None):
    return apply(COUNT_NONZERO, (input,), {"dim": _dims(dim, input._data.ndim, "count_nonzero")})


# NOTE: linalg.norm is not torch.norm (other defaults and dispatch): it is linalg_norm here
API["linalg"] = {"vector_norm": vector_norm, "matrix_norm": matrix_norm, "norm": linalg_norm}
