"""`memory_format=` of clone, contiguous, to (and the dtype shortcuts .float() ...), is_contiguous and empty.

The layouts themselves are glassgrad._formats'. Each function here answers the default layout through the op it
wraps (shape.clone, shape.contiguous, creation.to, creation.empty), and a channels-last request through one
more copy into that layout, recorded under PyTorch's node name (CloneBackward0, ToCopyBackward0).
"""
from .registry import primitive, defvjp, apply
from . import shape as S, creation as C
from .. import _dtype as D
from .._formats import (check_memory_format, relayout, is_contiguous_as, format_axes, preserve_format,
                        contiguous_format, channels_last, channels_last_3d)
from ..backends import get_array_module

__all__ = ["clone", "contiguous", "is_contiguous", "to", "empty"]

def _relayout_fwd(xp, x, *, fmt):
    return relayout(xp, x, fmt)


CLONE_FORMAT = primitive("clone_format", _relayout_fwd, node="CloneBackward0")
defvjp(CLONE_FORMAT, x=lambda grad: grad)
TO_FORMAT = primitive("to_format", _relayout_fwd, node="ToCopyBackward0")
defvjp(TO_FORMAT, x=lambda grad: grad)


def _format(fn, memory_format, default):
    return default if memory_format is None else check_memory_format(fn, memory_format)


def clone(input, *, memory_format=None):
    """A copy; preserve_format (the default) keeps the input's strides, as PyTorch does for a dense input."""
    fmt = _format("clone", memory_format, preserve_format)
    if fmt is preserve_format or (fmt is contiguous_format and input._data.flags.c_contiguous):
        return S.clone(input)
    format_axes(fmt, input._data.ndim)
    return apply(CLONE_FORMAT, (input,), {"fmt": fmt})


def contiguous(input, memory_format=contiguous_format):
    """`input` itself when already laid out as asked, else a copy that is (CloneBackward0)."""
    fmt = _format("contiguous", memory_format, contiguous_format)
    if fmt is contiguous_format:
        return S.contiguous(input)
    if is_contiguous_as(input._data, contiguous_format if fmt is preserve_format else fmt):
        return input
    if fmt is preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    format_axes(fmt, input._data.ndim)
    return apply(CLONE_FORMAT, (input,), {"fmt": fmt})


def is_contiguous(self, memory_format=contiguous_format):
    fmt = _format("is_contiguous", memory_format, contiguous_format)
    if fmt is channels_last or fmt is channels_last_3d:
        return is_contiguous_as(self._data, fmt)
    return self._data.flags.c_contiguous  # NOTE: preserve_format reads as the default here, as in PyTorch


def to(input, *args, memory_format=None, **kwargs):
    """Tensor.to(...) with PyTorch's memory_format: a tensor already in that layout (and dtype, device) is
    returned as it is; otherwise the copy is laid out as asked (ToCopyBackward0)."""
    fmt = _format("to", memory_format, preserve_format)
    out = C.to(input, *args, **kwargs)
    if fmt is preserve_format or is_contiguous_as(out._data, fmt):
        return out
    format_axes(fmt, out._data.ndim)
    if out is input:
        return apply(TO_FORMAT, (input,), {"fmt": fmt})
    out._data = relayout(get_array_module(out._data), out._data, fmt)  # a fresh copy: nothing else holds it
    return out


def _as_dtype(dt):
    def method(self, memory_format=preserve_format):
        return to(self, dt, memory_format=memory_format)
    return method


def empty(*size, memory_format=contiguous_format, **kwargs):
    fmt = _format("empty", memory_format, contiguous_format)
    if fmt is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    out = C.empty(*size, **kwargs)
    if fmt is not contiguous_format:
        format_axes(fmt, out._data.ndim)
        out._data = relayout(get_array_module(out._data), out._data, fmt)
    return out


_DTYPE_METHODS = {"float": D.float32, "double": D.float64, "half": D.float16, "long": D.int64, "int": D.int32,
                  "short": D.int16, "char": D.int8, "byte": D.uint8, "bool": D.bool_}
API = {"torch": {"clone": clone, "empty": empty},
       "Tensor": {"clone": clone, "contiguous": contiguous, "is_contiguous": is_contiguous, "to": to,
                  **{name: _as_dtype(dt) for name, dt in _DTYPE_METHODS.items()}},
       "nn.functional": (), "linalg": (), "special": ()}
