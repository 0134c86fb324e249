"""Indexing: `t[key]`, `t[key] = value` and index_put; and the ops that make index tensors: nonzero, argwhere,
unique, nn.functional.one_hot.

Basic indices (ints, slices, None, Ellipsis) become a chain of view ops, one per index, as PyTorch
builds them (so the nodes are SelectBackward0, SliceBackward0, UnsqueezeBackward0). Advanced indices
(integer or boolean tensors, lists, arrays) then gather a copy (IndexBackward0); writes through them are
an in-place index_put.
"""
import numpy as np

from .registry import primitive, defvjp, apply, records
from . import shape as S
from .. import _dtype as D
from ..backends import get_array_module
from ..tensor import Tensor, _new, _wrap_dim
from ..backends import scatter_add

__all__ = ["getitem", "setitem", "index", "index_put_", "index_put", "nonzero", "argwhere", "unique", "one_hot"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": ("index_put_", "index_put", "nonzero", "argwhere", "unique"),
       "Tensor": ("index_put_", "index_put", "nonzero", "argwhere", "unique"), "nn.functional": ("one_hot",),
       "linalg": (), "special": ()}


def _records(xp):
    """True when a VJP runs under the tensor namespace (create_graph=True), not on an array module."""
    return records(xp)


def _index_vjp(grad, x_shape, indices, xp):
    if _records(xp):
        return xp.index_put(xp.zeros(x_shape, dtype=grad.dtype), indices, grad, accumulate=True)
    z = xp.zeros(x_shape, dtype=grad.dtype)
    scatter_add(xp, z, indices, grad)
    return z


INDEX = primitive("index", lambda xp, x, *, indices: x[indices], kw_saved=True)
defvjp(INDEX, x=_index_vjp)


def _index_put_fwd(xp, x, values, *, indices, accumulate):
    out = x.copy()
    if accumulate:
        scatter_add(xp, out, indices, values)
    else:
        out[indices] = values
    return out


def _index_put_x_vjp(grad, indices, accumulate, xp):
    if accumulate:
        return grad
    if _records(xp):
        return xp.index_put(grad, indices, xp.zeros((), dtype=grad.dtype), accumulate=False)
    g = grad.copy()
    g[indices] = 0
    return g


def _index_put_values_vjp(grad, values_shape, indices, xp):
    return xp.index(grad, indices) if _records(xp) else grad[indices]


INDEX_PUT = primitive("index_put", _index_put_fwd, promote=False, kw_saved=True)
defvjp(INDEX_PUT, x=_index_put_x_vjp, values=_index_put_values_vjp)


def _is_basic(k):
    return k is None or k is Ellipsis or isinstance(k, (int, slice)) and not isinstance(k, bool)


def _as_index_array(k):
    if isinstance(k, Tensor):
        a = k._data
    elif isinstance(k, (list, tuple, np.ndarray)):
        a = np.asarray(k)
        if a.dtype.kind == "f":
            return a.astype(np.int64)  # NOTE: PyTorch truncates a sequence of floats to indices (not a float tensor)
    elif isinstance(k, str):
        raise TypeError(f"new(): invalid data type 'str'")  # PyTorch tries to build an index tensor from it
    else:
        raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                         f"indices (got {type(k).__name__})")
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
    ordinal = 0  # NOTE: PyTorch names the dimension by the index tensor's place among the advanced indices
    for a in adv:
        if isinstance(a, np.ndarray) and a.dtype != np.bool_:
            n = t._data.shape[dim]
            bad = (a >= n) | (a < -n)
            if a.size and bad.any():
                raise IndexError(f"index {int(a[bad].flat[0])} is out of bounds for dimension {ordinal} with size {n}")
        is_mask = isinstance(a, np.ndarray) and a.dtype == np.bool_
        dim += a.ndim if is_mask else 1
        ordinal += (a.ndim if is_mask else 1) if isinstance(a, np.ndarray) else 0


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
    _index_put(t, adv, value, False, True)


def _index_put(x, indices, values, accumulate, inplace):
    """Writes `values` at the advanced index `indices` (index arrays and full slices) of `x`."""
    from .inplace import apply_inplace, check_inplace, check_overlap, will_record
    if inplace:
        check_inplace(x, will_record(INDEX_PUT, (x, values)))  # PyTorch refuses a leaf before checking shapes
    if not isinstance(values, Tensor):
        from .creation import tensor
        values = tensor(values, dtype=x._dtype)
    if inplace:
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
    kw = {"indices": tuple(indices), "accumulate": accumulate}
    if not inplace:
        return apply(INDEX_PUT, (x, values), kw)
    return apply_inplace(INDEX_PUT, x, (values,), kw, overlap_checked=True)


def _public_indices(fname, x, indices, values):
    """torch.index_put's `indices` (a tuple or list of index tensors) as index arrays, checked as PyTorch does."""
    if not isinstance(values, Tensor):
        raise TypeError(f"{fname}(): argument 'values' (position 3) must be Tensor, not {type(values).__name__}")
    adv = []
    for i, k in enumerate(indices):
        if not isinstance(k, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(k).__name__}")
        adv.append(_as_index_array(k))
    used = sum(a.ndim if a.dtype == np.bool_ else 1 for a in adv)
    if used > x._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x._data.ndim} (got {used})")
    _check_bounds(x, adv)
    return tuple(adv)


def index_put_(input, indices, values, accumulate=False):
    """`input[indices] = values` (or `+=` with accumulate=True), in place; `indices` is a tuple of index tensors.
    Index arrays and slices (glassgrad's own advanced indices) are accepted too."""
    if not (indices and all(isinstance(k, (np.ndarray, slice)) for k in indices)):
        indices = _public_indices("index_put_", input, indices, values)
    return _index_put(input, indices, values, accumulate, True)


def index_put(input, indices, values, accumulate=False):
    return _index_put(input, _public_indices("index_put", input, indices, values), values, accumulate, False)


# ---- nonzero, unique, one_hot ------------------------------------------------------------------
def _nonzero_fwd(xp, x, *, as_tuple):
    nz = xp.nonzero(x.reshape(1) if x.ndim == 0 else x)
    if as_tuple:
        return tuple(a.astype(xp.int64) for a in nz)
    out = xp.stack(nz, axis=1).astype(xp.int64)
    return out[:, :0] if x.ndim == 0 else out


# NOTE: indices have no gradient; as_tuple=True returns one index tensor per dimension (nout varies with ndim)
NONZERO = primitive("nonzero", _nonzero_fwd)


def _unique_fwd(xp, x, *, dim):
    if dim is None:
        values, inverse, counts = xp.unique(x.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
    else:
        values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=dim)
        inverse = inverse.reshape(-1)
    return values, inverse.astype(xp.int64), counts.astype(xp.int64)


def _not_implemented(name):
    def vjp(grad):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")
    return vjp


# NOTE: PyTorch records unique's values output, but its backward raises.
UNIQUE = primitive("unique", _unique_fwd, nout=3, nondiff_outputs=(1, 2), node="Unique2Backward0")
defvjp(UNIQUE, x=_not_implemented("_unique2"))
UNIQUE_DIM = primitive("unique_dim", _unique_fwd, nout=3, nondiff_outputs=(1, 2))
defvjp(UNIQUE_DIM, x=_not_implemented("unique_dim"))

ONE_HOT = primitive("one_hot", lambda xp, x, *, n: (x[..., None] == xp.arange(n)).astype(xp.int64))


def nonzero(input, *, out=None, as_tuple=False):
    if out is not None:
        raise NotImplementedError("nonzero(): glassgrad does not support out=; use the returned tensor")
    if as_tuple:
        arrays = NONZERO.fwd(get_array_module(input._data), input._data, as_tuple=True)
        return tuple(_new(a, D.int64) for a in arrays)
    return apply(NONZERO, (input,), {"as_tuple": False})


def argwhere(input):
    return apply(NONZERO, (input,), {"as_tuple": False})


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    # NOTE: PyTorch's CPU kernel returns sorted values whether or not `sorted` is set; so does this.
    if dim is None:
        values, inverse, counts = apply(UNIQUE, (input,), {"dim": None})
    else:
        if input._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        values, inverse, counts = apply(UNIQUE_DIM, (input,), {"dim": _wrap_dim(dim, input._data.ndim)})
    out = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return out if len(out) > 1 else values


def one_hot(tensor, num_classes=-1):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
    if tensor._dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._data
    if num_classes == -1:
        if not a.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if int(a.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(a.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return apply(ONE_HOT, (tensor,), {"n": num_classes})
