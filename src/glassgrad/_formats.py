"""PyTorch's module-level constants and its layout and memory-format objects.

`torch.pi`, `torch.e`, `torch.inf`, `torch.nan`, `torch.newaxis` are plain Python values. `torch.strided` (a
`torch.layout`) and `torch.contiguous_format`, `channels_last`, `channels_last_3d`, `preserve_format` (each a
`torch.memory_format`) are singletons that print as PyTorch prints them and compare by identity.

glassgrad lays a channels-last tensor out as PyTorch does: the array holds the channels innermost, so
`stride()`, `is_contiguous()` and `is_contiguous(memory_format=...)` answer as PyTorch's, and NumPy's
elementwise ufuncs keep the layout as PyTorch's elementwise kernels do.

    >>> import glassgrad as torch
    >>> x = torch.ones(2, 3, 4, 5).contiguous(memory_format=torch.channels_last)
    >>> x.stride(), x.is_contiguous(), x.is_contiguous(memory_format=torch.channels_last)
    ((60, 1, 15, 3), False, True)
"""
import math

__all__ = ["pi", "e", "inf", "nan", "newaxis", "layout", "memory_format", "strided", "sparse_coo", "sparse_csr",
           "contiguous_format", "channels_last", "channels_last_3d", "preserve_format", "check_memory_format",
           "format_axes", "relayout", "is_contiguous_as"]

pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
newaxis = None


class _Singleton:
    """A named, uninstantiable marker (PyTorch's layout and memory_format are C++ enums)."""
    __slots__ = ("_name", "_tag")

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create 'torch.{cls.__name__}' instances")

    @classmethod
    def _make(cls, name, tag):
        obj = object.__new__(cls)
        obj._name = name
        obj._tag = tag
        return obj

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        # NOTE: unpickles to the same singleton (by its name in glassgrad's namespace)
        return (_by_name, (self._name,))


class layout(_Singleton):
    """torch.layout: how a tensor's elements are stored. glassgrad's tensors are all strided."""
    __slots__ = ()


class memory_format(_Singleton):
    """torch.memory_format: the order of a tensor's dimensions in memory."""
    __slots__ = ()


layout.__module__ = memory_format.__module__ = "torch"
strided = layout._make("strided", "Strided")
sparse_coo = layout._make("sparse_coo", "Sparse")
sparse_csr = layout._make("sparse_csr", "SparseCsr")
contiguous_format = memory_format._make("contiguous_format", "Contiguous")
channels_last = memory_format._make("channels_last", "ChannelsLast")
channels_last_3d = memory_format._make("channels_last_3d", "ChannelsLast3d")
preserve_format = memory_format._make("preserve_format", "Preserve")

_ALL = {o._name: o for o in (strided, sparse_coo, sparse_csr, contiguous_format, channels_last, channels_last_3d,
                             preserve_format)}


def _by_name(name):
    return _ALL[name]


def check_memory_format(fn, fmt):
    """`fmt` itself when it is a memory_format (None reads as `default`), else PyTorch's TypeError for `fn`."""
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{fn}(): argument 'memory_format' must be torch.memory_format, not {type(fmt).__name__}")
    return fmt


_RANK = {channels_last: 4, channels_last_3d: 5}


def format_axes(fmt, ndim, kind=None):
    """The order of the axes in memory, outermost first, for a channels-last format (None for the others).
    Raises PyTorch's error for a tensor of the wrong rank."""
    rank = _RANK.get(fmt)
    if rank is None:
        return None
    if ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")
    return (0,) + tuple(range(2, ndim)) + (1,)


def relayout(xp, a, fmt):
    """A copy of array `a` laid out in `fmt` (channels-last: channels innermost; otherwise row-major)."""
    axes = format_axes(fmt, a.ndim)
    if axes is None:
        return xp.array(a, order="C", copy=True)
    inverse = tuple(sorted(range(a.ndim), key=axes.__getitem__))
    return xp.ascontiguousarray(xp.transpose(a, axes)).transpose(inverse)


def _dense_in(a, order):
    """Whether `a` is dense with its axes laid out in `order` (outermost first); size-1 axes do not matter."""
    expected = a.itemsize
    for ax in reversed(order):
        n = a.shape[ax]
        if n != 1 and a.strides[ax] != expected:
            return False
        expected *= n
    return True


def is_contiguous_as(a, fmt):
    """PyTorch's is_contiguous(memory_format=fmt) of array `a`."""
    if fmt is channels_last or fmt is channels_last_3d:
        if a.ndim != _RANK[fmt]:
            return False
        return _dense_in(a, format_axes(fmt, a.ndim))
    return a.flags.c_contiguous
