"""Reductions."""
import math

from .registry import primitive, defvjp, apply
from ..tensor import Tensor, _wrap_dim
from .. import _dtype as D

__all__ = ["sum", "mean", "argmax", "argmin", "max", "min"]


def _dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, int):
        dim = (dim,)
    dims = tuple(_wrap_dim(d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        dup = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    if ndim == 0:
        return ()  # a 0-dim tensor reduces over its one implicit dimension: nothing to do
    return dims if dims else None


def _expand_back(grad, x_shape, dim, keepdim, xp):
    """Broadcasts a reduced gradient back over the reduced dimensions."""
    if dim is not None and not keepdim and len(x_shape):
        grad = xp.reshape(grad, tuple(1 if i in dim else n for i, n in enumerate(x_shape)))
    return xp.broadcast_to(grad, x_shape)


def _sum_fwd(xp, x, *, dim, keepdim, dtype):
    return xp.sum(x, axis=dim, keepdims=keepdim, dtype=dtype)


SUM = primitive("sum", _sum_fwd)
defvjp(SUM, x=lambda grad, x_shape, dim, keepdim, xp: _expand_back(grad, x_shape, dim, keepdim, xp))
# NOTE: PyTorch names the node after the overload: SumBackward1 whenever `dim` was passed, even as None.
SUM_DIM = primitive("sum_dim", _sum_fwd, node="SumBackward1")
defvjp(SUM_DIM, x=lambda grad, x_shape, dim, keepdim, xp: _expand_back(grad, x_shape, dim, keepdim, xp))


def _mean_fwd(xp, x, *, dim, keepdim, dtype):
    return xp.mean(x, axis=dim, keepdims=keepdim, dtype=dtype).astype(dtype or x.dtype, copy=False)


def _mean_vjp(grad, x_shape, dim, keepdim, xp):
    n = math.prod(x_shape) if dim is None else math.prod(x_shape[d] for d in dim)
    return _expand_back(grad / n, x_shape, dim, keepdim, xp)


MEAN = primitive("mean", _mean_fwd)
defvjp(MEAN, x=_mean_vjp)
MEAN_DIM = primitive("mean_dim", _mean_fwd, node="MeanBackward1")
defvjp(MEAN_DIM, x=_mean_vjp)

_NO_DIM = object()

ARGMAX = primitive("argmax", lambda xp, x, *, dim, keepdim: xp.argmax(x, axis=dim, keepdims=keepdim))
ARGMIN = primitive("argmin", lambda xp, x, *, dim, keepdim: xp.argmin(x, axis=dim, keepdims=keepdim))


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
    dims = None if dim is _NO_DIM else _dims(dim, input._data.ndim)
    return apply(op, (input,), {"dim": dims, "keepdim": keepdim, "dtype": _sum_dtype(input, dtype)})


def mean(input, dim=_NO_DIM, keepdim=False, *, dtype=None):
    d = D.to_dtype(dtype) if dtype is not None else input._dtype
    if not d.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {d.name.capitalize() if d.name != 'int64' else 'Long'}")
    op = MEAN if dim is _NO_DIM else MEAN_DIM
    dims = None if dim is _NO_DIM else _dims(dim, input._data.ndim)
    return apply(op, (input,), {"dim": dims, "keepdim": keepdim, "dtype": d.np if dtype is not None else None})


def argmax(input, dim=None, keepdim=False):
    d = None if dim is None else _wrap_dim(dim, input._data.ndim)
    if d is None and keepdim:
        keepdim = False
    return apply(ARGMAX, (input,), {"dim": d, "keepdim": keepdim})


def argmin(input, dim=None, keepdim=False):
    d = None if dim is None else _wrap_dim(dim, input._data.ndim)
    return apply(ARGMIN, (input,), {"dim": d, "keepdim": keepdim and d is not None})


def _max_vjp(grad, x, result, xp):
    mask = x == result
    return grad * mask / xp.sum(mask)


MAX_ALL = primitive("max", lambda xp, x: xp.max(x))
defvjp(MAX_ALL, x=_max_vjp)
MIN_ALL = primitive("min", lambda xp, x: xp.min(x))
defvjp(MIN_ALL, x=_max_vjp)


def max(input, dim=None, keepdim=False):
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return apply(MAX_ALL, (input,))
    raise NotImplementedError("glassgrad: max(dim=...) arrives with the operator library")


def min(input, dim=None, keepdim=False):
    if dim is None:
        return apply(MIN_ALL, (input,))
    raise NotImplementedError("glassgrad: min(dim=...) arrives with the operator library")
