"""Indexing: `t[key]` and `t[key] = value`.

Basic indices (ints, slices, None, Ellipsis) become a chain of view ops, one per index, as PyTorch
builds them (so the nodes are SelectBackward0, SliceBackward0, UnsqueezeBackward0). Advanced indices
(integer or boolean tensors, lists, arrays) then gather a copy (IndexBackward0); writes through them are
an in-place index_put.
"""
import numpy as np

from .registry import primitive, defvjp, apply
from . import shape as S
from ..tensor import Tensor

__all__ = ["getitem", "setitem", "index", "index_put_"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


def _index_vjp(grad, x_shape, indices, xp):
    if xp is not np:
        return xp.index_put(xp.zeros(x_shape, dtype=grad.dtype), indices, grad, accumulate=True)
    z = np.zeros(x_shape, dtype=grad.dtype)
    np.add.at(z, indices, grad)
    return z


INDEX = primitive("index", lambda xp, x, *, indices: x[indices], kw_saved=True)
defvjp(INDEX, x=_index_vjp)


def _index_put_fwd(xp, x, values, *, indices, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, indices, values)
    else:
        out[indices] = values
    return out


def _index_put_x_vjp(grad, indices, accumulate, xp):
    if accumulate:
        return grad
    if xp is not np:
        return xp.index_put(grad, indices, xp.zeros((), dtype=grad.dtype), accumulate=False)
    g = grad.copy()
    g[indices] = 0
    return g


def _index_put_values_vjp(grad, values_shape, indices, xp):
    g = grad[indices] if xp is np else xp.index(grad, indices)
    return g


INDEX_PUT = primitive("index_put", _index_put_fwd, promote=False, kw_saved=True)
defvjp(INDEX_PUT, x=_index_put_x_vjp, values=_index_put_values_vjp)


def _is_basic(k):
    return k is None or k is Ellipsis or isinstance(k, (int, slice)) and not isinstance(k, bool)


def _as_index_array(k):
    if isinstance(k, Tensor):
        a = k._data
    else:
        a = np.asarray(k)
    if a.dtype.kind not in "iub":
        if a.size == 0:
            return a.astype(np.int64)
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a


def _normalize(key):
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor) and k._data.ndim == 0 and k._dtype._cat == 1:
            k = int(k._data)  # a 0-dim integer tensor indexes like an int
        elif isinstance(k, (np.integer,)):
            k = int(k)
        out.append(k)
    return out


def _consumed(k):
    if k is None or k is Ellipsis:
        return 0
    if isinstance(k, (Tensor, np.ndarray)) and getattr(k, "dtype", None) is not None:
        a = k._data if isinstance(k, Tensor) else k
        if a.dtype == np.bool_:
            return a.ndim
    if isinstance(k, bool):
        return 0
    return 1


def _basic_pass(x, key, setting=False):
    if x._data.ndim == 0 and any(k is not None and k is not Ellipsis and not isinstance(k, bool) for k in key):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                         "C++ to convert a 0-dim tensor to a number")
    return _basic_pass_impl(x, key, setting)


def _basic_pass_impl(x, key, setting):
    """Applies the basic part of an index as view ops; returns the view and the advanced remainder
    (one entry per remaining dim: slice(None) or an index array), or None when there is none.
    `setting`: for `x[key] = v`, where PyTorch skips every full slice and does not alias."""
    nd = x._data.ndim
    n_used = sum(_consumed(k) for k in key)
    if n_used > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    single = len(key) == 1 and not setting
    orig_dim = 0
    dim = 0
    advanced = []
    has_adv = False
    t = x
    for k in key:
        if k is Ellipsis:
            skip = nd - n_used
            advanced.extend([slice(None)] * skip)
            dim += skip
            orig_dim += skip
            n_used = nd
        elif k is None:
            t = S.unsqueeze(t, dim)
            advanced.append(slice(None))
            dim += 1
        elif isinstance(k, bool):
            t = S.unsqueeze(t, dim)
            advanced.append(np.array([0]) if k else np.array([], dtype=np.int64))
            has_adv = True
            dim += 1
        elif isinstance(k, int):
            n = t._data.shape[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {orig_dim} with size {n}")
            t = S.select(t, dim, k)
            orig_dim += 1
        elif isinstance(k, slice):
            size = t._data.shape[dim]
            step = 1 if k.step is None else int(k.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(k.start, k.stop, step).indices(size)
            stop = max(stop, start)
            # NOTE: PyTorch skips a full slice inside a tuple but still records a lone `t[:]`.
            if single or not (start == 0 and stop == size and step == 1):
                t = S._slice(t, dim, k.start, k.stop, step)
            advanced.append(slice(None))
            dim += 1
            orig_dim += 1
        else:
            a = _as_index_array(k)
            advanced.append(a)
            has_adv = True
            dim += a.ndim if a.dtype == np.bool_ else 1
            orig_dim += a.ndim if a.dtype == np.bool_ else 1
    if t is x and not has_adv and not setting:
        t = apply(S.ALIAS, (x,))
    return t, (tuple(advanced) if has_adv else None)


def _check_bounds(t, adv):
    dim = 0
    shapes = []
    for a in adv:
        if isinstance(a, np.ndarray) and a.dtype == np.bool_:
            want = t._data.shape[dim:dim + a.ndim]
            if a.shape != want:
                for i, (m, n) in enumerate(zip(a.shape, want)):
                    if m != n:
                        raise IndexError(f"The shape of the mask {list(a.shape)} at index {i} does not match the shape "
                                         f"of the indexed tensor {list(t._data.shape)} at index {dim + i}")
            shapes.append([int(a.sum())])
        elif isinstance(a, np.ndarray):
            shapes.append(list(a.shape))
        dim += a.ndim if isinstance(a, np.ndarray) and a.dtype == np.bool_ else 1
    try:
        np.broadcast_shapes(*[tuple(s) for s in shapes])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                         + ", ".join(str(s) for s in shapes)) from None
    dim = 0
    for a in adv:
        if isinstance(a, np.ndarray) and a.dtype != np.bool_ and a.size:
            n = t._data.shape[dim]
            bad = (a >= n) | (a < -n)
            if bad.any():
                raise IndexError(f"index {int(a[bad].flat[0])} is out of bounds for dimension {dim} with size {n}")
        dim += a.ndim if isinstance(a, np.ndarray) and a.dtype == np.bool_ else 1


def getitem(x, key):
    key = _normalize(key)
    t, adv = _basic_pass(x, key)
    if adv is None:
        return t
    _check_bounds(t, adv)
    return apply(INDEX, (t,), {"indices": adv})


def index(x, indices):
    return apply(INDEX, (x,), {"indices": tuple(indices)})


def setitem(x, key, value):
    from .inplace import copy_value_
    key = _normalize(key)
    t, adv = _basic_pass(x, key, setting=True)
    if adv is None:
        copy_value_(t, value)
        return
    _check_bounds(t, adv)
    index_put_(t, adv, value)


def index_put_(x, indices, values, accumulate=False):
    from .inplace import apply_inplace, check_inplace, will_record
    check_inplace(x, will_record(INDEX_PUT, (x, values)))  # PyTorch refuses a leaf before checking shapes
    if not isinstance(values, Tensor):
        from .creation import tensor
        values = tensor(values, dtype=x._dtype)
    from .inplace import check_overlap
    check_overlap(x, (values,), INDEX_PUT, allow_full=False)  # PyTorch checks memory overlap before shapes
    target = np.empty(x._data.shape, dtype=np.bool_)[tuple(indices)].shape
    shape = values._data.shape
    while shape and shape[0] == 1:
        shape = shape[1:]  # PyTorch drops every leading size-1 dimension of the value
    if shape != values._data.shape:
        from .shape import reshape
        values = reshape(values, shape)
    try:
        np.broadcast_to(np.empty(values._data.shape, dtype=np.bool_), target)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values._data.shape)} cannot be broadcast "
                           f"to indexing result of shape {list(target)}") from None
    if values._dtype is not x._dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {x._dtype.scalar_name} for "
                           f"the destination and {values._dtype.scalar_name} for the source.")
    return apply_inplace(INDEX_PUT, x, (values,), {"indices": tuple(indices), "accumulate": accumulate},
                         overlap_checked=True)
