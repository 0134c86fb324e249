"""Counting and searching: unique_consecutive, searchsorted, bucketize, histc, bincount; and as_strided, the view
that reads a tensor's storage directly.

None of the counting ops has a gradient. PyTorch still records unique_consecutive (values) and bincount (the
weighted counts) in the graph, with nodes whose backward raises; searchsorted, bucketize and histc return tensors
that never require grad. The searches reproduce PyTorch's CPU binary search step by step (so nan boundaries and
unsorted input give PyTorch's answers, not NumPy's), and histc its arithmetic in the input dtype.

as_strided works on storage: a tensor's storage here is the memory of its root base (a view's `_base`, else the
tensor itself), in elements from its lowest address. `storage_offset` in tensor.py counts the same way.
"""
import math
import numbers
import operator
import warnings

from .. import _dtype as D
from ..backends import get_array_module, scatter_add
from ..tensor import Tensor, _new, _wrap_dim
from .registry import primitive, defvjp, apply, records
from .unary import check_tensor, not_implemented, finish

__all__ = ["unique_consecutive", "searchsorted", "bucketize", "histc", "bincount", "as_strided"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py). The methods take `self` where the
# functions take `input`, which changes the positions PyTorch's TypeErrors name.
API = {"torch": ("unique_consecutive", "searchsorted", "bucketize", "histc", "bincount", "as_strided"),
       "Tensor": {}, "nn.functional": (), "linalg": (), "special": ()}


def _type_name(v):
    """How PyTorch's argument parser names the type of an argument."""
    if isinstance(v, Tensor):
        return "Tensor"
    if isinstance(v, D.dtype):
        return "torch.dtype"
    return type(v).__name__


def _is_number(v):
    """What PyTorch's parser takes as a Number: Python and NumPy numbers."""
    return isinstance(v, numbers.Number) and not isinstance(v, Tensor)


def _bool_arg(name, arg, v):
    if not isinstance(v, bool):
        raise TypeError(f"{name}(): argument '{arg}' must be bool, not {type(v).__name__}")
    return v


def _int_arg(name, arg, v, position=None):
    if isinstance(v, bool) or not isinstance(v, int):
        where = f" (position {position})" if position is not None else ""
        raise TypeError(f"{name}(): argument '{arg}'{where} must be int, not {type(v).__name__}")
    return v


def _number_arg(name, arg, v, position=None):
    if not _is_number(v):
        where = f" (position {position})" if position is not None else ""
        raise TypeError(f"{name}(): argument '{arg}'{where} must be Number, not {type(v).__name__}")
    return v


def _bind(fname, params, kwonly, args, kwargs, required=None):
    """Binds a call the way PyTorch's argument parser does, keeping which arguments came by position: its
    TypeErrors name the position of those (`histc(): argument 'bins' (position 2) must be int`) and no other."""
    if len(args) > len(params):
        low = (1 if params[0] == "input" else 0) if required is None else required
        raise TypeError(f"{fname}() takes from {low} to {len(params)} positional arguments but {len(args)} were given")
    out = dict(zip(params, args))
    for k, v in kwargs.items():
        if k in out:
            raise TypeError(f"{fname}() got multiple values for argument '{k}'")
        if k not in params and k not in kwonly:
            raise TypeError(f"{fname}() got an unexpected keyword argument '{k}'")
        out[k] = v
    out["_pos"] = {p: i + 1 for i, p in enumerate(params[:len(args)])}
    return out


def _raise_derivative(name):
    def vjp(grad):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")
    return vjp


# ---- unique_consecutive -------------------------------------------------------------------------------------
def _starts(xp, keys):
    """Where a new run begins in `keys` (n, k): a row differing from the one before (nan never equals nan)."""
    n = keys.shape[0]
    first = xp.ones((min(n, 1),), dtype=bool)
    if n < 2:
        return first
    return xp.concatenate([first, (keys[1:] != keys[:-1]).any(axis=1)])


def _unique_consecutive_fwd(xp, x, *, dim):
    if dim is None:
        flat = x.reshape(-1)
        start = _starts(xp, flat.reshape(-1, 1))
        values = flat[start]
        inverse = (xp.cumsum(start) - 1).reshape(x.shape)
    else:
        moved = xp.moveaxis(x, dim, 0)
        start = _starts(xp, moved.reshape(moved.shape[0], math.prod(moved.shape[1:])))
        values = xp.compress(start, x, axis=dim)
        inverse = xp.cumsum(start) - 1
    first = xp.nonzero(start)[0]
    counts = xp.diff(xp.concatenate([first, xp.asarray([start.shape[0]])])) if first.size else first
    return values, inverse.astype(xp.int64), counts.astype(xp.int64)


# NOTE: PyTorch records the values output (float input that requires grad); its backward raises
UNIQUE_CONSECUTIVE = primitive("unique_consecutive", _unique_consecutive_fwd, nout=3, nondiff_outputs=(1, 2))
defvjp(UNIQUE_CONSECUTIVE, x=_raise_derivative("unique_consecutive"))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The first element of every run of equal consecutive values (slices along `dim` when given).

    >>> import glassgrad as torch
    >>> torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    check_tensor("unique_consecutive", input)
    _bool_arg("unique_consecutive", "return_inverse", return_inverse)
    _bool_arg("unique_consecutive", "return_counts", return_counts)
    shape = input._data.shape
    if dim is not None:
        dim = _int_arg("unique_consecutive", "dim", dim)
        if not shape:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        dim = _wrap_dim(dim, len(shape))
        if 0 in shape and shape[dim] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    values, inverse, counts = apply(UNIQUE_CONSECUTIVE, (input,), {"dim": dim})
    out = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return out if len(out) > 1 else values


# ---- searchsorted / bucketize --------------------------------------------------------------------------------
_SEARCHSORTED_SIGNATURES = (
    "\n * (Tensor sorted_sequence, Tensor input, *, bool out_int32 = False, bool right = False, str side = None, "
    "Tensor sorter = None, Tensor out = None)\n * (Tensor sorted_sequence, Number self, *, bool out_int32 = False, "
    "bool right = False, str side = None, Tensor sorter = None, Tensor out = None)\n")
_BUCKETIZE_SIGNATURES = (
    "\n * (Tensor input, Tensor boundaries, *, bool out_int32 = False, bool right = False, Tensor out = None)\n"
    " * (Number self, Tensor boundaries, *, bool out_int32 = False, bool right = False)\n")
_MSG_NONCONTIGUOUS = ("torch.searchsorted(): {} tensor is non-contiguous, this will lower the performance due to "
                      "extra data copy when converting non-contiguous tensor to contiguous, please use contiguous {} "
                      "tensor if possible. This message will only appear once per program.")
_warned_noncontiguous = set()  # NOTE: PyTorch warns once per process for each of input value, boundary, sorter


def _invalid_combination(name, signatures, args, kwargs):
    got = [_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    return TypeError(f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), but expected "
                     f"one of:{signatures}")


def _warn_noncontiguous(t, what):
    """`what`: 'input value', 'boundary' or 'sorter'."""
    if t is not None and what not in _warned_noncontiguous and not t._data.flags.c_contiguous:
        _warned_noncontiguous.add(what)
        warnings.warn(_MSG_NONCONTIGUOUS.format(what, what), UserWarning, stacklevel=4)


def _binary_search(xp, seq, vals, sorter, right):
    """PyTorch's CPU search, vectorised over the values: seq (rows, n), vals (rows, m), sorter (rows, n) or None.
    The loop keeps PyTorch's comparisons (`!(mid >= v)` / `!(mid > v)`), which decide where nan goes."""
    rows, n = seq.shape
    start = xp.zeros(vals.shape, dtype=xp.int64)
    end = xp.full(vals.shape, n, dtype=xp.int64)
    if n == 0 or vals.size == 0:
        return start
    row = xp.arange(rows)[:, None]
    while True:
        active = start < end
        if not active.any():
            return start
        mid = start + ((end - start) >> 1)
        at = xp.minimum(mid, n - 1)  # finished searches may sit at n; their comparison is discarded
        if sorter is not None:
            at = sorter[row, at]
        mid_val = seq[row, at]
        go_right = ~(mid_val > vals) if right else ~(mid_val >= vals)
        start = xp.where(active & go_right, mid + 1, start)
        end = xp.where(active & ~go_right, mid, end)


def _searchsorted_fwd(xp, seq, vals, sorter, *, dtype, right, out_int32, out_shape):
    # one row of boundaries per row of values (a 1-D sequence: one row for all of them)
    rows, n = math.prod(seq.shape[:-1]), seq.shape[-1]
    per_row = out_shape[-1] if seq.ndim > 1 else math.prod(out_shape)
    s = seq.astype(dtype, copy=False).reshape(rows, n)
    v = xp.asarray(vals).astype(dtype).reshape(rows, per_row)
    order = None if sorter is None else sorter.reshape(rows, n)
    found = _binary_search(xp, s, v, order, right)
    return found.astype(xp.int32 if out_int32 else xp.int64).reshape(out_shape)


SEARCHSORTED = primitive("searchsorted", _searchsorted_fwd)


def _check_sorter(seq, sorter):
    if sorter._dtype is not D.int64:
        raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                           f"{sorter._dtype.scalar_name}")
    if sorter._data.shape != seq._data.shape:
        raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                           f"tensor {list(seq._data.shape)}and got sorter tensor {list(sorter._data.shape)}")
    s = sorter._data
    if s.size and (s.min() < 0 or s.max() >= seq._data.shape[-1]):
        raise RuntimeError("torch.searchsorted(): sorter index out of range")


def _search(seq, input, out_int32, right, sorter, out):
    """searchsorted once its arguments are known to have the right types."""
    if seq._data.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if sorter is not None:
        _check_sorter(seq, sorter)
    scalar = not isinstance(input, Tensor)
    vshape = () if scalar else input._data.shape
    if seq._data.ndim != 1:
        if not vshape:
            raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                               f"dimension is 1, but we got boundaries tensor dim({seq._data.ndim}) and input value's "
                               f"dim(0) numel(1)")
        if vshape[:-1] != seq._data.shape[:-1]:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               f"dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq._data.shape)} and input value tensor {list(vshape)}")
    dtype = D.result_type(seq, input)
    if dtype is D.bool_:
        raise not_implemented("searchsorted_out_cpu", dtype)
    if out is not None and out._dtype is not (D.int32 if out_int32 else D.int64):
        raise RuntimeError(f"torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
                           f"Long(int64) depending on whether out_int32 flag is True, but we got output tensor's dtype "
                           f"{out._dtype.scalar_name} and out_int32 flag is {'True' if out_int32 else 'False'}")
    if not scalar:
        _warn_noncontiguous(input, "input value")
    _warn_noncontiguous(seq, "boundary")
    _warn_noncontiguous(sorter, "sorter")
    kw = {"dtype": dtype.np, "right": right, "out_int32": out_int32, "out_shape": vshape}
    return finish(apply(SEARCHSORTED, (seq, input, sorter), kw), out, "searchsorted")


def searchsorted(sorted_sequence, input, *args, out_int32=False, right=False, side=None, sorter=None, out=None,
                 **unknown):
    """Indices where `input` would be inserted into the innermost dimension of `sorted_sequence` to keep it sorted.

    >>> import glassgrad as torch
    >>> torch.searchsorted(torch.tensor([1., 3., 5., 7.]), torch.tensor([3., 6.]), right=True)
    tensor([2, 3])
    """
    kwargs = {k: v for k, v in (("out_int32", out_int32), ("right", right), ("side", side), ("sorter", sorter),
                                ("out", out)) if v is not None and v is not False}
    kwargs.update(unknown)
    if (args or unknown or not isinstance(sorted_sequence, Tensor)
            or not (isinstance(input, Tensor) or _is_number(input))
            or not isinstance(out_int32, bool) or not isinstance(right, bool)
            or not (side is None or isinstance(side, str)) or not (sorter is None or isinstance(sorter, Tensor))):
        raise _invalid_combination("searchsorted", _SEARCHSORTED_SIGNATURES, (sorted_sequence, input) + args, kwargs)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left while "
                               "right was True")
        right = side == "right"
    return _search(sorted_sequence, input, out_int32, right, sorter, out)


def bucketize(input, boundaries, *args, out_int32=False, right=False, out=None, **unknown):
    """The bucket of each element of `input` between the 1-D `boundaries` (searchsorted with the arguments swapped).

    >>> import glassgrad as torch
    >>> torch.bucketize(torch.tensor([0., 3., 6., 9.]), torch.tensor([1., 3., 5., 7.]))
    tensor([0, 1, 3, 4])
    """
    kwargs = {k: v for k, v in (("out_int32", out_int32), ("right", right), ("out", out))
              if v is not None and v is not False}
    kwargs.update(unknown)
    if (args or unknown or not isinstance(boundaries, Tensor) or not (isinstance(input, Tensor) or _is_number(input))
            or not isinstance(out_int32, bool) or not isinstance(right, bool)):
        raise _invalid_combination("bucketize", _BUCKETIZE_SIGNATURES, (input, boundaries) + args, kwargs)
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return _search(boundaries, input, out_int32, right, None, out)


# ---- histc --------------------------------------------------------------------------------------------------
def _cpp_number(v):
    """A double as C++'s `ostream <<` prints it (six significant digits), which PyTorch's messages use."""
    if v != v:
        return "-nan" if math.copysign(1.0, v) < 0 else "nan"
    return f"{v:g}"


def _outer_edges(xp, x, dt, lo, hi):
    """histc's range: [min, max] as given, the data's range when they are equal, widened when that is one point
    (by 1, or to the neighbouring float32/float64 values where 1 is lost to rounding, as PyTorch does)."""
    lo, hi = float(lo), float(hi)
    if lo == hi and x.size:
        if x.dtype.kind == "f" and xp.isnan(x).any():
            # NOTE: PyTorch's vectorised min/max makes a negative nan, except from a single element
            nan = float(x.reshape(-1)[0]) if x.size == 1 else -math.nan
            lo = hi = nan
        else:
            lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        if dt in (D.float32, D.float64):
            info = xp.finfo(dt.np)
            lo = min(float(xp.nextafter(dt.np.type(lo), dt.np.type(info.min))), lo - 1)
            hi = max(float(xp.nextafter(dt.np.type(hi), dt.np.type(info.max))), hi + 1)
        else:
            lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_cpp_number(lo)}, {_cpp_number(hi)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    return lo, hi


def _histc_fwd(xp, x, *, bins, lo, hi):
    """PyTorch's kernel: an element's bin is (x - min) * bins / (max - min) in the input dtype, truncated (not a search
    of the bin edges, so a value on an edge lands where that rounding puts it); max itself goes in the last bin."""
    t = x.dtype.type
    lo, hi = t(lo), t(hi)
    flat = x.reshape(-1)
    flat = flat[(flat >= lo) & (flat <= hi)]
    pos = ((flat - lo) * t(bins) / (hi - lo)).astype(xp.int64)
    return xp.bincount(xp.minimum(pos, bins - 1), minlength=bins).astype(x.dtype)


HISTC = primitive("histc", _histc_fwd, quiet=True)  # float16 ranges may overflow, silently


def _histc(input, bins=100, min=0, max=0, *, out=None, _pos=None):
    _pos = _pos or {}
    check_tensor("histc", input)
    _int_arg("histc", "bins", bins, _pos.get("bins"))
    _number_arg("histc", "min", min, _pos.get("min"))
    _number_arg("histc", "max", max, _pos.get("max"))
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    x = input._data
    xp = get_array_module(x)
    dt = input._dtype
    lo, hi = _outer_edges(xp, x, dt, min, max)
    if dt is D.bool_:
        raise not_implemented("linspace_cpu", dt)
    if not dt.is_floating_point:
        raise not_implemented("histogram_cpu", dt)
    top = float(xp.finfo(dt.np).max)
    if abs(lo) > top or abs(hi) > top:
        raise RuntimeError(f"value cannot be converted to type {dt.cpp_name} without overflow")
    return finish(apply(HISTC, (input,), {"bins": bins, "lo": lo, "hi": hi}), out, "histc")


def histc(*args, **kwargs):
    """histc(input, bins=100, min=0, max=0, *, out=None): a histogram of `bins` equal bins between `min` and `max`
    (the data's range when they are equal).

    >>> import glassgrad as torch
    >>> torch.histc(torch.tensor([1., 2, 1]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    return _histc(**_bind("histc", ("input", "bins", "min", "max"), ("out",), args, kwargs))


def histc_method(self, *args, **kwargs):
    return _histc(self, **_bind("histc", ("bins", "min", "max"), (), args, kwargs))


# ---- bincount -----------------------------------------------------------------------------------------------
def _bincount_fwd(xp, weights, *, index, length):
    out = xp.zeros((length,), dtype=weights.dtype)
    # NOTE: sums in the output dtype, element by element, as PyTorch's kernel does (not NumPy's float64 sum)
    scatter_add(xp, out, index, weights)
    return out


def _bincount_vjp(grad):
    raise RuntimeError("derivative for aten::bincount is not implemented")


# PyTorch records the weighted counts with a NotImplemented node (one edge: the weights) whose backward raises
BINCOUNT = primitive("bincount", _bincount_fwd, node="NotImplemented")
defvjp(BINCOUNT, weights=_bincount_vjp)
BINCOUNT.node_cls.name = lambda self: "torch::autograd::NotImplemented"


def _bincount(input, weights=None, minlength=0, *, _pos=None):
    _pos = _pos or {}
    check_tensor("bincount", input)
    if weights is not None and not isinstance(weights, Tensor):
        where = f" (position {_pos['weights']})" if "weights" in _pos else ""
        raise TypeError(f"bincount(): argument 'weights'{where} must be Tensor, not {type(weights).__name__}")
    _int_arg("bincount", "minlength", minlength, _pos.get("minlength"))
    dt = input._dtype
    if dt._cat != 1:
        raise not_implemented("bincount_cpu", dt)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    x = input._data
    xp = get_array_module(x)
    if x.ndim == 1 and x.size == 0:
        return _new(xp.zeros((minlength,), dtype=xp.int64), D.int64)  # int64 even with weights, as in PyTorch
    if x.ndim != 1 or x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights._data.ndim != 1 or weights._data.shape[0] != x.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    length = max(int(x.max()) + 1, minlength)
    if weights is None:
        return _new(xp.bincount(x, minlength=length).astype(xp.int64), D.int64)
    if weights._dtype not in (D.float32, D.float64):
        weights = weights.to(D.float64)  # any other dtype counts in float64
    return apply(BINCOUNT, (weights,), {"index": x, "length": length})


def bincount(*args, **kwargs):
    """bincount(input, weights=None, minlength=0): how often each non-negative integer occurs in the 1-D `input`
    (summing `weights` instead of ones).

    >>> import glassgrad as torch
    >>> torch.bincount(torch.tensor([0, 1, 1, 3]), minlength=5)
    tensor([1, 2, 0, 1, 0])
    """
    return _bincount(**_bind("bincount", ("input", "weights", "minlength"), (), args, kwargs))


def bincount_method(self, *args, **kwargs):
    return _bincount(self, **_bind("bincount", ("weights", "minlength"), (), args, kwargs, required=0))


# ---- as_strided -----------------------------------------------------------------------------------------------
class _Geometry:
    """Where an as_strided view and its input lie in their storage (sizes, strides and offsets in elements): what its
    backward needs, kept as numbers; the positions are computed when a backward runs."""
    __slots__ = ("span", "size", "stride", "offset", "input_size", "input_stride", "input_offset")

    def __init__(self, span, size, stride, offset, input_size, input_stride, input_offset):
        self.span, self.size, self.stride, self.offset = span, size, stride, offset
        self.input_size, self.input_stride, self.input_offset = input_size, input_stride, input_offset

    def positions(self, ap):
        """(the storage index of each element of the view, and of the input; for each input element, how many
        input elements share its storage element, or None when none do), as arrays of the array module `ap`."""
        result = _positions(ap, self.size, self.stride, self.offset)
        inputs = _positions(ap, self.input_size, self.input_stride, self.input_offset)
        shared = None
        if inputs.size:
            counts = ap.bincount(inputs.reshape(-1), minlength=self.span)[inputs]
            shared = counts if counts.max() > 1 else None
        return result, inputs, shared

    def __repr__(self):
        return f"<storage geometry: {self.span} elements>"


def _storage(t):
    """(a 1-D array over the memory of `t`'s root base from its lowest address; `t`'s offset in it, in elements;
    the root's layout in it: None when C-contiguous, else (shape, strides, offset) in elements)."""
    root = t._base if t._base is not None else t
    a = root._data
    xp = get_array_module(a)
    item = a.itemsize
    # flipping the axes with negative strides (NumPy has them, PyTorch does not) puts the lowest address first
    low = a[tuple(slice(None, None, -1) if s < 0 else slice(None) for s in a.strides)]
    start = low.__array_interface__["data"][0]
    span = 0 if a.size == 0 else 1 + sum((n - 1) * abs(s) for n, s in zip(a.shape, a.strides)) // item
    mem = xp.lib.stride_tricks.as_strided(low, shape=(span,), strides=(item,), writeable=True)
    layout = None
    if a.size and not a.flags.c_contiguous:
        layout = (a.shape, [s // item for s in a.strides], (a.__array_interface__["data"][0] - start) // item)
    return mem, (t._data.__array_interface__["data"][0] - start) // item, layout


def _positions(xp, size, stride, offset):
    """The storage index of each element of a tensor laid out by (size, stride, offset)."""
    pos = xp.full(tuple(size), offset, dtype=xp.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        pos = pos + (xp.arange(n, dtype=xp.int64) * s).reshape((n,) + (1,) * (len(size) - d - 1))
    return pos


def _as_strided_fwd(xp, x, *, size, stride, storage_offset, storage, geometry):
    item = storage.itemsize
    return xp.lib.stride_tricks.as_strided(storage[storage_offset:], shape=size,
                                           strides=tuple(s * item for s in stride), writeable=True)


def _as_strided_vjp(grad, geometry, xp):
    """PyTorch's as_strided_backward: the gradient is summed into a buffer shaped like the storage, read back
    where the input lies in it (storage the input does not cover gets nothing), and split evenly between input
    elements that share a storage element."""
    g = geometry
    if records(xp):
        from . import tensor_xp
        result_pos, input_pos, shared = g.positions(get_array_module(grad._data))
        buf = tensor_xp.scatter_flat((g.span,), result_pos, grad)
        if all(s >= 0 for s in g.input_stride):
            out = as_strided(buf, g.input_size, g.input_stride, g.input_offset)  # PyTorch's double backward does too
        else:  # NumPy's negative strides, which as_strided refuses
            out = tensor_xp.reshape(tensor_xp.take_flat(buf, input_pos.reshape(-1)), g.input_size)
        return out if shared is None else out / _new(shared.astype(grad._data.dtype), grad._dtype)
    result_pos, input_pos, shared = g.positions(get_array_module(grad))
    buf = xp.zeros((g.span,), dtype=grad.dtype)
    scatter_add(xp, buf, result_pos.reshape(-1), grad.reshape(-1))
    out = buf[input_pos]
    return out if shared is None else out / shared.astype(out.dtype)


AS_STRIDED = primitive("as_strided", _as_strided_fwd, view=True)
defvjp(AS_STRIDED, x=_as_strided_vjp)


def _int_tuple(name, arg, position, v):
    where = f" (position {position})" if position is not None else ""
    if isinstance(v, Tensor) or not isinstance(v, (tuple, list)):
        raise TypeError(f"{name}(): argument '{arg}'{where} must be tuple of ints, not {_type_name(v)}")
    out = []
    for i, e in enumerate(v):
        try:
            if isinstance(e, bool) or isinstance(e, Tensor) and e._data.ndim:
                raise TypeError
            out.append(operator.index(e))  # ints, NumPy ints, 0-d integer tensors
        except TypeError:
            raise TypeError(f"{name}(): argument '{arg}'{where} must be tuple of ints, but found element of type "
                            f"{_type_name(e)} at pos {i}") from None
    return tuple(out)


def _check_geometry(t, size, stride, offset, storage_elems):
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    item = t._dtype.itemsize
    need = 0 if 0 in size else item * (offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)))
    if need > storage_elems * item:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {need} are out of bounds for storage of size "
                           f"{storage_elems * item}")


def _as_strided(input, size, stride, storage_offset=None, *, _pos=None):
    _pos = _pos or {}
    check_tensor("as_strided", input)
    size = _int_tuple("as_strided", "size", _pos.get("size"), size)
    stride = _int_tuple("as_strided", "stride", _pos.get("stride"), stride)
    if storage_offset is not None:
        _int_arg("as_strided", "storage_offset", storage_offset, _pos.get("storage_offset"))
    mem, own_offset, layout = _storage(input)
    offset = own_offset if storage_offset is None else storage_offset
    _check_geometry(input, size, stride, offset, mem.shape[0])
    a = input._data
    g = _Geometry(mem.shape[0], size, stride, offset, a.shape, tuple(s // a.itemsize for s in a.strides), own_offset)
    kw = {"size": size, "stride": stride, "storage_offset": offset, "storage": mem, "geometry": g}
    out = apply(AS_STRIDED, (input,), kw)
    # NOTE: the registry re-derives a view of a view through its parent; an as_strided view reads the storage, so
    # it is re-derived from the root base instead (where the positions of its elements are needed: in-place ops)
    out._view.fn = _root_view_fn(size, stride, offset, mem.shape[0], layout)
    return out


def as_strided(*args, **kwargs):
    """as_strided(input, size, stride, storage_offset=None): a view of `input`'s storage with the given sizes,
    strides (in elements) and offset (by default `input`'s own).

    >>> import glassgrad as torch
    >>> torch.arange(6.).as_strided((2, 2), (1, 2), 1)
    tensor([[1., 3.],
            [2., 4.]])
    """
    return _as_strided(**_bind("as_strided", ("input", "size", "stride", "storage_offset"), (), args, kwargs,
                               required=3))


def as_strided_method(self, *args, **kwargs):
    return _as_strided(self, **_bind("as_strided", ("size", "stride", "storage_offset"), (), args, kwargs,
                                     required=2))


def _root_view_fn(size, stride, offset, span, layout):
    """The view re-derived from an array shaped like the root base (C-contiguous, as the registry passes it): its
    elements are laid out in storage order first when the root's own memory order is another."""
    def fn(a):
        xp = get_array_module(a)
        flat = a.reshape(-1)
        if layout is not None:
            order = xp.zeros((span,), dtype=xp.int64)  # NOTE: storage the root does not cover reads its first element
            order[_positions(xp, *layout).reshape(-1)] = xp.arange(flat.size)
            flat = flat[order]
        flat = xp.ascontiguousarray(flat)
        return xp.lib.stride_tricks.as_strided(flat[offset:], shape=size,
                                               strides=tuple(s * flat.itemsize for s in stride), writeable=True)
    return fn


API["Tensor"] = {"unique_consecutive": unique_consecutive, "histc": histc_method, "bincount": bincount_method,
                 "as_strided": as_strided_method}
