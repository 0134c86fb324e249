"""Reductions."""
import math

import numpy as np

from .registry import primitive, defvjp, apply
from ..backends import quiet
from ..tensor import Tensor, _wrap_dim
from .. import _dtype as D

__all__ = ["sum", "mean", "argmax", "argmin", "max", "min"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


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
    # NOTE: the mean of nothing is nan, silently in PyTorch
    return quiet(_mean_raw, xp, x, dim, keepdim, dtype)


def _mean_raw(xp, x, dim, keepdim, dtype):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
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


def _check_arg_extreme(name, input, d):
    if d is None and input._data.size == 0:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    if d is not None and input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def argmax(input, dim=None, keepdim=False):
    d = None if dim is None else _wrap_dim(dim, input._data.ndim)
    _check_arg_extreme("argmax", input, d)
    if d is None and keepdim:
        keepdim = False
    return apply(ARGMAX, (input,), {"dim": d, "keepdim": keepdim})


def argmin(input, dim=None, keepdim=False):
    d = None if dim is None else _wrap_dim(dim, input._data.ndim)
    _check_arg_extreme("argmin", input, d)
    return apply(ARGMIN, (input,), {"dim": d, "keepdim": keepdim and d is not None})


def _max_vjp(grad, x, result, xp):
    mask = x == result
    return grad * mask / xp.sum(mask)


# NOTE: the whole-tensor max/min spreads the gradient evenly over ties, as PyTorch does.
MAX_ALL = primitive("max", lambda xp, x: xp.max(x), node="MaxBackward1")
defvjp(MAX_ALL, x=_max_vjp)
MIN_ALL = primitive("min", lambda xp, x: xp.min(x), node="MinBackward1")
defvjp(MIN_ALL, x=_max_vjp)


def _extreme_dim(pick):
    def fwd(xp, x, *, dim, keepdim):
        idx = pick(x, axis=dim, keepdims=True)
        values = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = xp.squeeze(values, dim), xp.squeeze(idx, dim)
        return values, idx.astype(xp.int64)
    return fwd


def _extreme_dim_vjp(grad, result, x_shape, dim, keepdim, xp):
    # the gradient goes to the one position each index names
    g, idx = grad[0], result[1]
    if not keepdim:
        g, idx = xp.expand_dims(g, dim), xp.expand_dims(idx, dim)
    positions = np.arange(x_shape[dim]).reshape(tuple(-1 if i == dim else 1 for i in range(len(x_shape))))
    return g * (idx == positions)


MAX_DIM = primitive("max_dim", _extreme_dim(np.argmax), nout=2, nondiff_outputs=(1,), node="MaxBackward0")
defvjp(MAX_DIM, x=_extreme_dim_vjp)
MIN_DIM = primitive("min_dim", _extreme_dim(np.argmin), nout=2, nondiff_outputs=(1,), node="MinBackward0")
defvjp(MIN_DIM, x=_extreme_dim_vjp)


def _extreme(name, input, dim, keepdim, whole, by_dim, result_type):
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               f"the reduction dim with the 'dim' argument.")
        return apply(whole, (input,))
    if isinstance(dim, Tensor):
        return (maximum if name == "max" else minimum)(input, dim)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    if nd == 0:
        values = apply(whole, (input,))
        from .creation import zeros
        return result_type(values, zeros((), dtype=D.int64))
    if input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    values, indices = apply(by_dim, (input,), {"dim": d, "keepdim": keepdim})
    return result_type(values, indices)


def max(input, dim=None, keepdim=False):
    from .. import return_types
    return _extreme("max", input, dim, keepdim, MAX_ALL, MAX_DIM, return_types.max)


def min(input, dim=None, keepdim=False):
    from .. import return_types
    return _extreme("min", input, dim, keepdim, MIN_ALL, MIN_DIM, return_types.min)


def maximum(input, other):
    from .elementwise import where
    return where(input >= other, input, other)


def minimum(input, other):
    from .elementwise import where
    return where(input <= other, input, other)
