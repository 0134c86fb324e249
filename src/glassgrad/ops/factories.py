"""Factories PyTorch programs use beyond zeros/ones/arange: logspace, scalar_tensor, empty_strided, frombuffer,
the deprecated range, and the window functions (hann, hamming, blackman, bartlett, kaiser).

Values are computed as PyTorch's CPU kernels compute them, in the result's dtype (a float32 window is float32
arithmetic, not float64 rounded), so that they agree to the last bit or nearly.
"""
import math
import operator
import warnings

from .creation import _leaf, _size, _dt
from .statistics import linspace_like_torch
from .special_math import _i0_64
from ..backends import get_array_module, quiet
from ..tensor import Tensor
from .. import _dtype as D

__all__ = ["logspace", "scalar_tensor", "empty_strided", "frombuffer", "range", "hann_window", "hamming_window",
           "blackman_window", "bartlett_window", "kaiser_window"]

_np = get_array_module()  # host memory: these build new tensors from Python values and buffers


def _number(v):
    return v.item() if isinstance(v, Tensor) else v


def logspace(start, end, steps, base=10.0, *, dtype=None, layout=None, device=None, requires_grad=False, out=None):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dt(dtype)
    exps = linspace_like_torch(_np, float(_number(start)), float(_number(end)), int(steps), _np.float64)
    values = quiet(lambda: _np.power(float(base), exps))
    return _leaf(values.astype(dt.np), dt, requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=None, requires_grad=False):
    dt = _dt(dtype)
    return _leaf(_np.asarray(_number(s), dtype=dt.np), dt, requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """An uninitialised tensor with the given strides (zeros here), over memory just large enough."""
    size = _size((tuple(size),))
    stride = tuple(operator.index(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    dt = _dt(dtype)
    extent = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    memory = _np.zeros(max(extent, 0), dt.np)
    item = dt.itemsize
    data = _np.lib.stride_tricks.as_strided(memory, shape=size, strides=tuple(s * item for s in stride),
                                            writeable=True)
    return _leaf(data, dt, requires_grad)


_NOT_WRITABLE = ("The given buffer is not writable, and PyTorch does not support non-writable tensors. This means "
                 "you can write to the underlying (supposedly non-writable) buffer using the tensor. You may want to "
                 "copy the buffer to protect its data or make it writable before converting it to a tensor. This "
                 "type of warning will be suppressed for the rest of this program.")
_warned_not_writable = [False]


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A tensor over the memory of a Python buffer (bytearray, array.array, memoryview ...): shared, not copied."""
    dt = D.to_dtype(dtype)
    view = memoryview(buffer)
    length = view.nbytes
    item = dt.itemsize
    if offset < 0 or offset > length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count <= 0 and count != -1:
        raise ValueError(f"count must be either -1 or a positive number, but got {count}")
    if count == -1:
        if (length - offset) % item:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({item})")
        count = (length - offset) // item
    elif offset + count * item > length:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must not "
                         f"be greater than actual buffer length ({length} bytes)")
    if view.readonly and not _warned_not_writable[0]:
        _warned_not_writable[0] = True
        warnings.warn(_NOT_WRITABLE, UserWarning, stacklevel=2)
    data = _np.frombuffer(buffer, dtype=dt.np, count=count, offset=offset)
    return _leaf(data, dt, requires_grad)


_RANGE_DEPRECATED = ("torch.range is deprecated and will be removed in a future release because its behavior is "
                     "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                     "[start, end).")


def range(start=0, end=None, step=1, *, dtype=None, layout=None, device=None, requires_grad=False, out=None):
    """Deprecated: values from start to end inclusive (the default dtype, whatever the arguments' types)."""
    warnings.warn(_RANGE_DEPRECATED, UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    dt = _dt(dtype)
    n = int(math.floor((end - start) / step)) + 1
    values = start + step * _np.arange(n, dtype=_np.float64)
    return _leaf(values.astype(dt.np), dt, requires_grad)


# ---- windows -------------------------------------------------------------------------------------------------
def _window_args(name, window_length, dtype):
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dt = _dt(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype={dt.cpp_name}, "
                           f"device=cpu, layout=Strided (default), requires_grad=false (default), "
                           f"pinned_memory=false, memory_format=(nullopt))")
    return dt


def _window(name, window_length, periodic, dtype, requires_grad, kernel):
    """kernel(k, n) over k = 0..n-1 in the dtype, n one longer for a periodic window (the last value dropped)."""
    dt = _window_args(name, window_length, dtype)
    if window_length == 0:
        return _leaf(_np.zeros(0, dt.np), dt, requires_grad)
    if window_length == 1:
        return _leaf(_np.ones(1, dt.np), dt, requires_grad)
    n = window_length + 1 if periodic else window_length
    k = _np.arange(n).astype(dt.np)
    values = kernel(k, n, dt.np)
    return _leaf(values[:window_length].astype(dt.np, copy=False), dt, requires_grad)


def _cos(v):
    return _np.cos(v).astype(v.dtype, copy=False)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   pin_memory=False, requires_grad=False):
    def kernel(k, n, t):
        return _cos(k * t.type(2 * math.pi / (n - 1))) * t.type(-beta) + t.type(alpha)
    return _window("hamming_window", window_length, periodic, dtype, requires_grad, kernel)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                requires_grad=False):
    _window_args("hann_window", window_length, dtype)
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype, requires_grad=requires_grad)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    def kernel(k, n, t):
        w = k * t.type(math.pi / (n - 1))
        return _cos(w * t.type(4)) * t.type(0.08) - _cos(w * t.type(2)) * t.type(0.5) + t.type(0.42)
    return _window("blackman_window", window_length, periodic, dtype, requires_grad, kernel)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    def kernel(k, n, t):
        w = k * t.type(2.0 / (n - 1))
        half = ((n - 1) >> 1) + 1
        w[half:] = t.type(2) - w[half:]
        return w
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad, kernel)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  pin_memory=False, requires_grad=False):
    def kernel(k, n, t):
        x = k.astype(_np.float64) * (2 * beta / (n - 1)) - beta
        inner = beta * _np.sqrt(_np.maximum(1 - (x / beta) ** 2, 0)) if beta else _np.zeros_like(x)
        return (_i0_64(_np, inner) / _i0_64(_np, _np.asarray([float(beta)]))).astype(t)
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad, kernel)


API = {"torch": __all__, "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}
