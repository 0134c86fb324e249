"""Making tensors: from data, from NumPy, filled, ranges, random; and dtype conversion."""
import math
import warnings

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..explain.events import tracking_event
from ..tensor import Tensor, _new, warn_scalar_conversion
from ..random import draws as _draws
from ..random.generator import Generator, default_generator
from .registry import primitive, defvjp
from .shape import Size
from . import distributions as _dist

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "arange", "linspace", "eye",
           "zeros_like", "ones_like", "empty_like", "full_like", "rand", "randn", "randint", "randperm",
           "rand_like", "randn_like", "randint_like", "manual_seed", "seed", "initial_seed", "Generator",
           "default_generator", "to"]  # (the in-place samplers, normal, bernoulli ...: ops/distributions.py)

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}

MSG_COPY_CONSTRUCT = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")
MSG_INT_REQUIRES_GRAD = "Only Tensors of floating point and complex dtype can require gradients"


def _leaf(data, dtype, requires_grad):
    t = _new(data, dtype)
    if requires_grad:
        if not dtype.is_floating_point:
            raise RuntimeError(MSG_INT_REQUIRES_GRAD)
        t._requires_grad = True
        tracking_event("leaf_created", "tensor", None, t)
    if grad_mode.state.inference:
        from ..tensor import _extra
        _extra(t).inference = True
    return t


def _infer_np_dtype(data):
    """The dtype PyTorch infers for nested Python data: bool < int < float, floats at the default."""
    kinds = set()
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, Tensor):
            kinds.add(v._dtype)
        elif isinstance(v, np.ndarray):
            kinds.add(D.from_numpy_dtype(v.dtype))
        elif isinstance(v, np.generic):
            kinds.add(D.from_numpy_dtype(v.dtype))  # NumPy scalars keep their dtype
        elif isinstance(v, bool):
            kinds.add(D.bool_)
        elif isinstance(v, int):
            kinds.add(D.int64)
        elif isinstance(v, float):
            kinds.add(D.get_default_dtype())
        elif isinstance(v, str):
            raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(v).__name__}")
    out = None
    for k in kinds:
        out = k if out is None else D.promote_types(out, k)
    return out or D.get_default_dtype()


def _to_nested(data):
    if isinstance(data, Tensor):
        if data._data.size != 1 and data._data.ndim != 0:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if data.requires_grad:
            warn_scalar_conversion()  # NOTE: PyTorch converts each element as float() does, and warns once
        return data._data.reshape(()).item()
    if isinstance(data, (list, tuple)):
        return [_to_nested(v) for v in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    if isinstance(data, Tensor):
        warnings.warn(MSG_COPY_CONSTRUCT, UserWarning, stacklevel=2)
        dt = D.to_dtype(dtype) if dtype is not None else data._dtype
        out = _leaf(data._data.astype(dt.np, copy=True), dt, requires_grad)
        tracking_event("copy_construct", "tensor", data, out)
        return out
    if isinstance(data, np.ndarray):
        _check_strides(data)
        dt = D.to_dtype(dtype) if dtype is not None else D.from_numpy_dtype(data.dtype)
        out = _leaf(np.array(data, dtype=dt.np, copy=True), dt, requires_grad)
        tracking_event("new_leaf", "tensor", data, out)
        return out
    has_tensors = _contains_tensor(data)
    dt = D.to_dtype(dtype) if dtype is not None else _infer_np_dtype(data)
    _check_nested(data)
    arr = _array_from_data(_to_nested(data) if has_tensors else data, dt)
    out = _leaf(arr, dt, requires_grad)
    tracking_event("copy_construct" if has_tensors else "new_leaf", "tensor", data, out)
    return out


_warned_ndarray_list = [False]


def _check_nested(data, depth=0):
    """PyTorch's checks on nested sequences: rectangular, and a warning for lists of ndarrays."""
    if not isinstance(data, (list, tuple)) or not data:
        return
    if isinstance(data[0], np.ndarray) and not _warned_ndarray_list[0]:
        _warned_ndarray_list[0] = True
        warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider converting "
                      "the list to a single numpy.ndarray with numpy.array() before converting to a tensor.",
                      UserWarning, stacklevel=4)
    first = data[0]
    if isinstance(first, (list, tuple)):
        n = len(first)
        for item in data:
            if not isinstance(item, (list, tuple)) or len(item) != n:
                got = len(item) if isinstance(item, (list, tuple)) else type(item).__name__
                raise ValueError(f"expected sequence of length {n} at dim {depth + 1} (got {got})")
        for item in data:
            _check_nested(item, depth + 1)


def _array_from_data(data, dt):
    try:
        if dt._cat == 1:
            ints = np.array(data, dtype=np.int64) if not isinstance(data, np.ndarray) else data
            if dt is not D.int64 and ints.size:
                info = np.iinfo(dt.np)
                if ints.min() < info.min or ints.max() > info.max:
                    raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
            return ints.astype(dt.np)
        return np.array(data, dtype=dt.np)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def _contains_tensor(data):
    if isinstance(data, Tensor):
        return True
    if isinstance(data, (list, tuple)):
        return any(_contains_tensor(v) for v in data)
    return False


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        if dtype is None or D.to_dtype(dtype) is data._dtype:
            return data
        return to(data, D.to_dtype(dtype))
    if isinstance(data, np.ndarray):
        dt = D.to_dtype(dtype) if dtype is not None else D.from_numpy_dtype(data.dtype)
        arr = data if data.dtype == dt.np else data.astype(dt.np)
        out = _new(arr, dt)
        tracking_event("new_leaf", "as_tensor", data, out)
        return out
    return tensor(data, dtype=dtype)


asarray = as_tensor


def _check_strides(a):
    if any(s < 0 for s in a.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a copy "
                         "of your array  with array.copy().) ")


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _check_strides(ndarray)
    out = _new(ndarray, D.from_numpy_dtype(ndarray.dtype))
    tracking_event("new_leaf", "from_numpy", ndarray, out)
    return out


def _size(size, name=None):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(s) for s in size)
    if any(s < 0 for s in size):
        if name == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        neg = next(s for s in size if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: {list(size)}")
    return size


def _dt(dtype, default=None):
    if dtype is None:
        return default or D.get_default_dtype()
    return D.to_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    dt = _dt(dtype)
    return _leaf(np.zeros(_size(size, "zeros"), dt.np), dt, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    dt = _dt(dtype)
    return _leaf(np.ones(_size(size), dt.np), dt, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, memory_format=None,
          pin_memory=False):
    dt = _dt(dtype)
    return _leaf(np.empty(_size(size), dt.np), dt, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    if dtype is None:
        dt = D._scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    else:
        dt = D.to_dtype(dtype)
    return _leaf(np.full(_size((size,)), fill_value, dt.np), dt, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dt = D.get_default_dtype() if any(isinstance(v, float) for v in vals) else D.int64
    else:
        dt = D.to_dtype(dtype)
    if not dt.is_floating_point and int(vals[2]) == 0:
        raise ValueError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    return _leaf(np.arange(*vals, dtype=np.float64 if dt.is_floating_point else np.int64).astype(dt.np), dt,
                 requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dt(dtype)
    return _leaf(np.linspace(start, end, steps).astype(dt.np), dt, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    dt = _dt(dtype)
    return _leaf(np.eye(n, m, dtype=dt.np), dt, requires_grad)


def _like(input, dtype):
    return D.to_dtype(dtype) if dtype is not None else input._dtype


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    dt = _like(input, dtype)
    return _leaf(np.zeros(input._data.shape, dt.np), dt, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    dt = _like(input, dtype)
    return _leaf(np.ones(input._data.shape, dt.np), dt, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    dt = _like(input, dtype)
    return _leaf(np.empty(input._data.shape, dt.np), dt, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    dt = _like(input, dtype)
    return _leaf(np.full(input._data.shape, fill_value, dt.np), dt, requires_grad)


# ---- random: PyTorch's CPU streams (glassgrad.random), drawn straight into new tensors ------------------------
def manual_seed(seed):
    """Seeds the default generator (glassgrad.random.manual_seed); returns it."""
    return default_generator.manual_seed(int(seed))


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def _float_only(dt, kernel):
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.scalar_name}'")


def _out(t, out):
    if out is None:
        return t
    out.copy_(t)
    return out


def _size_arg(size, kw, fn):
    """The sizes given positionally or as `size=` (not both)."""
    if "size" in kw and not size:
        return (kw.pop("size"),)
    if kw:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kw))}'")
    return size


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    dt = _dt(dtype)
    _float_only(dt, "check_uniform_bounds")
    shape = _size(_size_arg(size, kw, "rand"))
    gen = _dist.draw_generator(generator, "rand")
    return _out(_leaf(_draws.uniform(gen, math.prod(shape), dt.np).reshape(shape), dt, requires_grad), out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    dt = _dt(dtype)
    _float_only(dt, "normal_kernel_cpu")
    shape = _size(_size_arg(size, kw, "randn"))
    gen = _dist.draw_generator(generator, "randn")
    return _out(_leaf(_draws.normal(gen, math.prod(shape), dt.np).reshape(shape), dt, requires_grad), out)


_RANDINT_TAIL = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
                 "bool pin_memory = False, bool requires_grad = False)\n")
MSG_RANDINT = ("randint() received an invalid combination of arguments - got ({}), but expected one of:\n"
               + "".join(f" * ({head}, *, {gen}{_RANDINT_TAIL}" for head in ("int high, tuple of ints size",
                                                                               "int low, int high, tuple of ints size")
                         for gen in ("torch.Generator generator, ", "")))


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
            pin_memory=False, **kw):
    """randint(high, size) or randint(low, high, size): integers in [low, high) (PyTorch's random_(low, high))."""
    args = list(args) + [kw.pop(k) for k in ("low", "high", "size") if k in kw]
    if len(args) == 2:
        args.insert(0, 0)
    if kw or len(args) != 3 or not isinstance(args[2], (tuple, list, Size)) or \
            not all(_dist._is_int(a) for a in args[:2]):
        raise TypeError(MSG_RANDINT.format(", ".join(type(a).__name__ for a in args)))
    low, high, size = int(args[0]), int(args[1]), _size((args[2],))
    dt = _dt(dtype, D.int64)
    t = _new(np.empty(size, dt.np), dt)
    _dist.random_(t, low, high, generator=generator)
    return _out(_leaf(t._data, dt, requires_grad), out)


_RANDPERM_CPP = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int", "int64": "long"}
_RANDPERM_FLOAT_MAX = {"float16": ("Half", "2049"), "float32": ("Float", "2^24+1"), "float64": ("Double", "2^53+1")}


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of 0..n-1 (PyTorch's Fisher-Yates over its stream)."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = _dt(dtype, D.int64)
    if dt is D.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dt.is_floating_point:
        name, limit = _RANDPERM_FLOAT_MAX[dt.name]
        if n > {"float16": 2049, "float32": (1 << 24) + 1, "float64": (1 << 53) + 1}[dt.name]:
            raise RuntimeError(f"n cannot be greater than {limit} for {name} type.")
    elif n - 1 > np.iinfo(dt.np).max:
        raise RuntimeError(f"value cannot be converted to type {_RANDPERM_CPP[dt.name]} without overflow")
    gen = _dist.draw_generator(generator, "randperm")
    return _out(_leaf(_draws.randperm(gen, n).astype(dt.np), dt, requires_grad), out)


def _random_like(input, dtype, memory_format):
    """(dtype, shape, walk) of a new tensor made like `input`: PyTorch's preserve_format keeps a dense input's
    memory order, so the values are drawn in that order."""
    dt = D.to_dtype(dtype) if dtype is not None else input._dtype
    keep = memory_format is None or "preserve" in str(memory_format)
    return dt, input._data.shape, _draws.like_layout(input._data) if keep else None


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dt, shape, axes = _random_like(input, dtype, memory_format)
    _float_only(dt, "check_uniform_bounds")
    gen = _dist.draw_generator(generator, "rand_like")
    values = _draws.uniform(gen, math.prod(shape), dt.np)
    return _leaf(_draws.place(values, shape, axes), dt, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dt, shape, axes = _random_like(input, dtype, memory_format)
    _float_only(dt, "normal_kernel_cpu")
    gen = _dist.draw_generator(generator, "randn_like")
    values = _draws.normal(gen, math.prod(shape), dt.np, contiguous=axes is None)
    return _leaf(_draws.place(values, shape, axes), dt, requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    dt, shape, axes = _random_like(input, dtype, memory_format)
    t = _new(np.empty(shape, dt.np), dt)
    if axes is not None:
        t = _new(np.transpose(np.empty(tuple(shape[i] for i in axes), dt.np), np.argsort(axes)), dt)
    _dist.random_(t, int(low), int(high), generator=generator)
    return _leaf(np.ascontiguousarray(t._data), dt, requires_grad)


def _dropout_keep(like, keep_prob, generator=None):
    """The keep mask of PyTorch's CPU dropout for an array `like`: bernoulli_(keep_prob) drawn into a tensor made
    like it (empty_like: its memory order). Feature dropout passes a contiguous (N, C, 1, ...) array."""
    gen = _dist.draw_generator(generator)
    return _draws.place(_draws.bernoulli_p(gen, like.size, keep_prob), like.shape, _draws.like_layout(like))


def _rrelu_noise(x, lower, upper, np_dtype, generator=None):
    """rrelu's training slopes for the array `x`: PyTorch draws a float64 uniform on [lower, upper] for each element
    <= 0, in row-major order, and uses 1 elsewhere. Returns them in `np_dtype`."""
    gen = _dist.draw_generator(generator)
    neg = x <= 0
    noise = np.ones(x.shape, np_dtype)
    if np.dtype(np_dtype) != np.float64:
        lower, upper = float(np.float32(lower)), float(np.float32(upper))  # the bounds in float32, PyTorch's opmath
    # NOTE: lower + u * (upper - lower) rounded twice: this kernel is not in the AVX2/FMA-compiled part of PyTorch
    noise[neg] = _draws.unit_float64(gen, int(neg.sum())) * (upper - lower) + lower
    return noise


# ---- dtype conversion ------------------------------------------------------------------------------
TO_COPY = primitive("_to_copy", lambda xp, x, *, dtype: x.astype(dtype, copy=True), node="ToCopyBackward0")
defvjp(TO_COPY, x=lambda grad: grad)  # the engine casts the gradient back to the input's dtype


def to(input, *args, dtype=None, copy=False, non_blocking=False, device=None, memory_format=None):
    """`Tensor.to(dtype)`, `.to(device)`, `.to(device, dtype)`, `.to(other)`: same tensor when nothing
    changes, otherwise a copy (ToCopyBackward0: a leaf that requires grad becomes a non-leaf)."""
    from .device_copy import device_of, to_device
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a._dtype, device_of(a)
        elif isinstance(a, (D.dtype, type)) or (isinstance(a, str) and a.replace("torch.", "") in D._BY_NAME):
            dtype = a
        else:
            device = a
    return to_device(input, device, dtype, copy)


def _dtype_view(input, dtype):
    dt = D.to_dtype(dtype)
    return _new(input._data.view(dt.np), dt)
