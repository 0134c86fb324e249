"""Making tensors: from data, from NumPy, filled, ranges, random; and dtype conversion."""
import warnings

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..explain.events import tracking_event
from ..tensor import Tensor, _new, warn_scalar_conversion
from .registry import primitive, defvjp, apply

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "arange", "linspace", "eye",
           "zeros_like", "ones_like", "empty_like", "full_like", "rand", "randn", "randint", "randperm",
           "rand_like", "randn_like", "randint_like", "manual_seed", "seed", "initial_seed", "Generator",
           "default_generator", "to"]

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


# ---- random ------------------------------------------------------------------------------------
class Generator:
    """A random source. NOTE: glassgrad draws from NumPy's PCG64, so seeded sequences differ from
    PyTorch's; reproducing PyTorch's streams is a separate piece of work."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self._numpy_rng = None  # made on the first draw (see _rng)
        self.device = device

    @property
    def _rng(self):
        # NOTE: made on first use, not here: numpy.random (with secrets, hashlib, random) takes ~7 ms to
        # import, which `import glassgrad` would pay for the default generator
        if self._numpy_rng is None:
            self._numpy_rng = np.random.default_rng(self._seed)
        return self._numpy_rng

    @_rng.setter
    def _rng(self, rng):
        self._numpy_rng = rng

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) % (2 ** 63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        raise NotImplementedError("glassgrad does not implement torch.Generator.get_state")


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def _rng(generator):
    return (generator or default_generator)._rng


def _float_only(dt, kernel):
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.scalar_name}'")


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    dt = _dt(dtype)
    _float_only(dt, "check_uniform_bounds")
    # NOTE: drawn in the target precision: a float64 draw rounded to float32 can reach 1.0
    arr = _rng(generator).random(_size(size), dtype=np.float32 if dt.np == np.float32 else np.float64)
    return _leaf(arr.astype(dt.np, copy=False), dt, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    dt = _dt(dtype)
    _float_only(dt, "normal_kernel_cpu")
    arr = _rng(generator).standard_normal(_size(size)).astype(dt.np)
    return _leaf(arr, dt, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high  # the randint(high, size) form
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = _dt(dtype, D.int64)
    arr = _rng(generator).integers(low, high, size=tuple(size)).astype(dt.np)
    return _leaf(arr, dt, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    dt = _dt(dtype, D.int64)
    return _leaf(_rng(generator).permutation(n).astype(dt.np), dt, requires_grad)


def rand_like(input, *, dtype=None, requires_grad=False, **kw):
    return rand(input._data.shape, dtype=dtype or input._dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, requires_grad=False, **kw):
    return randn(input._data.shape, dtype=dtype or input._dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, **kw):
    return randint(low, high, input._data.shape, dtype=dtype or input._dtype)


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


def _tensor_ctor_data(args, dtype):
    """`torch.Tensor(...)`: sizes give an uninitialised float tensor, data is copied as float."""
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    if not args:
        return np.empty((0,), dt.np)
    if len(args) == 1 and not isinstance(args[0], int):
        a = args[0]
        if isinstance(a, Tensor):
            return a._data
        if isinstance(a, (list, tuple, np.ndarray)):
            return np.array(a, dtype=dt.np)
        raise TypeError(f"new(): data must be a sequence (got {type(a).__name__})")
    return np.empty(tuple(int(s) for s in args), dt.np)


# ---- in-place random fillers (Tensor.uniform_, normal_ ...) -------------------------------------------------
def _fill_random(tensor, arr):
    """Writes `arr` into `tensor` in place, as one copy_: a leaf that requires grad refuses it outside no_grad,
    and the version counter moves, as with PyTorch's fillers."""
    from .inplace import copy_
    return copy_(tensor, _new(np.ascontiguousarray(arr, dtype=tensor._dtype.np), tensor._dtype))


def uniform_(self, from_=0, to=1, *, generator=None):
    _float_only(self._dtype, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_:g} > to={to:g}")
    return _fill_random(self, from_ + (to - from_) * _rng(generator).random(tuple(self._data.shape)))


def normal_(self, mean=0, std=1, *, generator=None):
    _float_only(self._dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")  # C++'s number format
    return _fill_random(self, mean + std * _rng(generator).standard_normal(tuple(self._data.shape)))


def bernoulli_(self, p=0.5, *, generator=None):
    return _fill_random(self, _rng(generator).random(tuple(self._data.shape)) < p)


def exponential_(self, lambd=1.0, *, generator=None):
    _float_only(self._dtype, "exponential_cpu")
    return _fill_random(self, _rng(generator).exponential(1.0 / lambd, tuple(self._data.shape)))


API["Tensor"] += ("uniform_", "normal_", "bernoulli_", "exponential_")
