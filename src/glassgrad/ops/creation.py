"""Making tensors: from data, from NumPy, filled, ranges, random; and dtype conversion."""
import warnings

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..explain.events import tracking_event
from ..tensor import Tensor, _new
from .registry import primitive, defvjp, apply

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "arange", "linspace", "eye",
           "zeros_like", "ones_like", "empty_like", "full_like", "rand", "randn", "randint", "randperm",
           "rand_like", "randn_like", "randint_like", "manual_seed", "seed", "initial_seed", "Generator",
           "default_generator", "to"]

MSG_COPY_CONSTRUCT = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")
MSG_INT_REQUIRES_GRAD = "Only Tensors of floating point and complex dtype can require gradients"


def _leaf(data, dtype, requires_grad):
    t = _new(data, dtype)
    if requires_grad:
        if not dtype.is_floating_point:
            raise RuntimeError(MSG_INT_REQUIRES_GRAD)
        t._requires_grad = True
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
        elif isinstance(v, (bool, np.bool_)):
            kinds.add(D.bool_)
        elif isinstance(v, (int, np.integer)):
            kinds.add(D.int64)
        elif isinstance(v, (float, np.floating)):
            kinds.add(D.get_default_dtype() if not isinstance(v, np.floating) else D.from_numpy_dtype(v.dtype))
        else:
            raise TypeError(f"Could not infer dtype of {type(v).__name__}")
    out = None
    for k in kinds:
        out = k if out is None else D.promote_types(out, k)
    return out or D.get_default_dtype()


def _to_nested(data):
    if isinstance(data, Tensor):
        if data._data.size != 1 and data._data.ndim != 0:
            raise ValueError("only one element tensors can be converted to Python scalars")
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
        dt = D.to_dtype(dtype) if dtype is not None else D.from_numpy_dtype(data.dtype)
        out = _leaf(np.array(data, dtype=dt.np, copy=True), dt, requires_grad)
        tracking_event("new_leaf", "tensor", None, out)
        return out
    has_tensors = _contains_tensor(data)
    dt = D.to_dtype(dtype) if dtype is not None else _infer_np_dtype(data)
    arr = np.array(_to_nested(data) if has_tensors else data, dtype=dt.np)
    out = _leaf(arr, dt, requires_grad)
    tracking_event("copy_construct" if has_tensors else "new_leaf", "tensor", data if has_tensors else None, out)
    return out


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
        tracking_event("new_leaf", "as_tensor", None, out)
        return out
    return tensor(data, dtype=dtype)


asarray = as_tensor


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    out = _new(ndarray, D.from_numpy_dtype(ndarray.dtype))
    tracking_event("new_leaf", "from_numpy", None, out)
    return out


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _dt(dtype, default=None):
    if dtype is None:
        return default or D.get_default_dtype()
    return D.to_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    dt = _dt(dtype)
    return _leaf(np.zeros(_size(size), dt.np), dt, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    dt = _dt(dtype)
    return _leaf(np.ones(_size(size), dt.np), dt, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, memory_format=None,
          pin_memory=False):
    dt = _dt(dtype)
    return _leaf(np.empty(_size(size), dt.np), dt, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    if dtype is None:
        dt = D._scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    else:
        dt = D.to_dtype(dtype)
    return _leaf(np.full(_size((size,)), fill_value, dt.np), dt, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dt = D.get_default_dtype() if any(isinstance(v, float) for v in vals) else D.int64
    else:
        dt = D.to_dtype(dtype)
    return _leaf(np.arange(*vals, dtype=np.float64 if dt.is_floating_point else np.int64).astype(dt.np), dt,
                 requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
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
        self._rng = np.random.default_rng(self._seed)
        self.device = device

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


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    dt = _dt(dtype)
    arr = _rng(generator).random(_size(size), dtype=np.float64).astype(dt.np)
    return _leaf(arr, dt, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    dt = _dt(dtype)
    arr = _rng(generator).standard_normal(_size(size)).astype(dt.np)
    return _leaf(arr, dt, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
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
    for a in args:
        if isinstance(a, Tensor):
            dtype = a._dtype
        elif isinstance(a, (D.dtype, type)) or (isinstance(a, str) and a.replace("torch.", "") in D._BY_NAME):
            dtype = a
        else:
            from ..device import device as _device
            _device(a)  # validates; only the CPU exists here
    dt = D.to_dtype(dtype) if dtype is not None else input._dtype
    if dt is input._dtype and not copy:
        return input
    out = apply(TO_COPY, (input,), {"dtype": dt.np})
    if not dt.is_floating_point and input.requires_grad:
        tracking_event("integer_cast", "to", input, out)
    return out


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
