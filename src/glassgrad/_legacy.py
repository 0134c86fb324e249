"""PyTorch's older tensor API, still common in scripts: the typed tensor classes (torch.FloatTensor ...), the legacy
constructor behind `torch.Tensor(...)` and those classes, `Tensor.type()`, the `new_*` factories, `apply_`/`map_`,
and torch.finfo / torch.iinfo.

The typed classes are not tensor classes: calling one builds a plain Tensor of its dtype, and `isinstance` asks
the dtype, as in PyTorch:

    >>> import glassgrad as torch
    >>> t = torch.LongTensor([1, 2])
    >>> type(t).__name__, t.dtype, isinstance(t, torch.LongTensor), isinstance(t, torch.FloatTensor)
    ('Tensor', torch.int64, True, False)
    >>> t.type(torch.DoubleTensor)
    tensor([1., 2.], dtype=torch.float64)
"""
import operator
import warnings

import numpy as np

from . import _dtype as D
from .ops.counting import _invalid_combination, _type_name
from .tensor import Tensor, Size, _new

__all__ = ["construct", "tensor_type", "new_tensor", "new_filled", "map_elements", "finfo", "iinfo", "LEGACY_TYPES",
           "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor"]

_CTOR_SIGNATURES = ("\n * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n"
                    " * (tuple of ints size, *, torch.device device = None)\n"
                    " * (object data, *, torch.device device = None)\n")
NO_CUDA_LIBRARY = (
    "Cannot initialize CUDA without ATen_cuda library. PyTorch splits its backend into two shared libraries: a CPU "
    "library and a CUDA library; this error has occurred because you are trying to use some CUDA functionality, but "
    "the CUDA library has not been loaded by the dynamic linker for some reason.  The CUDA library MUST be loaded, "
    "EVEN IF you don't directly use any symbols from the CUDA library! One common culprit is a lack of "
    "-Wl,--no-as-needed in your link arguments; many dynamic linkers will delete dynamic library dependencies if you "
    "don't depend on any of their symbols.  You can check if this has occurred by using ldd on your binary to see if "
    "there is a dependency on *_cuda.so library.")
# typed classes PyTorch has for dtypes glassgrad does not implement
_UNSUPPORTED_TYPES = ("BFloat16Tensor", "ComplexFloatTensor", "ComplexDoubleTensor")


# ---- the typed tensor classes ------------------------------------------------------------------------------
class _TypedTensorClass(type):
    """The metaclass of torch.FloatTensor ...: a call makes a Tensor of the class's dtype; a CPU tensor of that
    dtype is an instance."""

    def __call__(cls, *args, **kwargs):
        return construct(cls.dtype, args, kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._dtype is cls.dtype and not obj.is_cuda


def _typed_class(dt):
    name = dt.legacy_type[len("torch."):]
    return _TypedTensorClass(name, (), {"dtype": dt, "is_cuda": False, "is_sparse": False, "__module__": "torch",
                                        "__qualname__": name, "__doc__": f"torch.{name}: tensors of {dt!r}."})


LEGACY_TYPES = {dt.legacy_type: _typed_class(dt) for dt in D.ALL}
FloatTensor, DoubleTensor, HalfTensor = (LEGACY_TYPES[f"torch.{n}Tensor"] for n in ("Float", "Double", "Half"))
LongTensor, IntTensor, ShortTensor = (LEGACY_TYPES[f"torch.{n}Tensor"] for n in ("Long", "Int", "Short"))
CharTensor, ByteTensor, BoolTensor = (LEGACY_TYPES[f"torch.{n}Tensor"] for n in ("Char", "Byte", "Bool"))


# ---- the legacy constructor ------------------------------------------------------------------------------------
def _invalid(args, kwargs):
    # NOTE: PyTorch adds a "didn't match because ..." line under some overloads; which ones follows rules of its
    # argument parser this does not reproduce
    return _invalid_combination("new", _CTOR_SIGNATURES, args, kwargs)


def _size_item(v):
    """An int for a size, or None: ints, NumPy ints and one-element integer tensors are sizes (bools are not)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, Tensor):
        return int(v._data.reshape(-1)[0]) if v._data.size == 1 and v._dtype._cat == 1 else None
    try:
        return operator.index(v)
    except TypeError:
        return None


def _options(dt):
    return (f"TensorOptions(dtype={dt.cpp_name}, device=cpu, layout=Strided, requires_grad=false (default), "
            f"pinned_memory=false (default), memory_format=(nullopt))")


def _empty(sizes, dt):
    bad = [n for n in sizes if n < 0]
    if bad:
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad[0]}: {list(sizes)}")
    return _new(np.empty(tuple(sizes), dt.np), dt)


def construct(dtype, args, kwargs):
    """`torch.Tensor(*args, **kwargs)` (dtype None: the default dtype) or `torch.<Type>Tensor(...)`: no arguments
    give an empty tensor, ints or a torch.Size uninitialised memory of that shape, a sequence its data, a tensor an
    alias of it (a view, AliasBackward0 when it requires grad)."""
    dt = dtype or D.get_default_dtype()
    kwargs = dict(kwargs)
    device = kwargs.pop("device", None)
    named = [k for k in ("size", "other", "data") if k in kwargs]
    if set(kwargs) - set(named) or len(named) > 1 or (named and args):
        raise _invalid(args, dict(kwargs, **({"device": device} if device is not None else {})))
    if device is not None:
        from .device import device as _device
        d = device if isinstance(device, _device) else _device(device)
        if d.type != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {d.type} was passed")
    if named == ["size"]:
        args = tuple(Size(kwargs["size"]))
        if not args:
            return _empty((), dt)
    elif named:
        args = (kwargs[named[0]],)
    if not args:
        return _new(np.empty((0,), dt.np), dt)
    first = args[0]
    if len(args) == 1 and not isinstance(first, (Size, int)) or isinstance(first, bool):
        if len(args) > 1:
            raise _invalid(args, kwargs)
        return _from_data(first, dtype, dt)
    if isinstance(first, Size):
        if len(args) > 1:
            raise _invalid(args, kwargs)
        return _empty(tuple(first), dt)
    sizes = []
    for i, a in enumerate(args):
        n = _size_item(a)
        if n is None:
            if i == 0:
                raise _invalid(args, kwargs)
            raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {i + 1} with error \"type "
                            f"must be tuple of ints,but got {type(a).__name__}\"")
        sizes.append(n)
    return _empty(sizes, dt)


def _from_data(data, dtype, dt):
    if isinstance(data, Tensor):
        if dtype is not None and data._dtype is not dtype:
            raise TypeError(f"expected {_options(dtype)} (got {_options(data._dtype)})")
        from .ops.registry import apply
        from .ops.shape import ALIAS
        return apply(ALIAS, (data,))
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(data, (list, tuple, np.ndarray)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    from .ops.creation import tensor
    return tensor(data, dtype=dt)


# ---- Tensor.type -------------------------------------------------------------------------------------------------
def _type_string(t):
    return t._dtype.legacy_type.replace("torch.", "torch.cuda.", 1) if t.is_cuda else t._dtype.legacy_type


def _target_dtype(spec):
    """(dtype, on CUDA) that a Tensor.type() argument names."""
    if isinstance(spec, str):
        if spec == "torch.Tensor":
            return D.get_default_dtype(), False
        cuda = spec.startswith("torch.cuda.")
        cls = LEGACY_TYPES.get(spec.replace("torch.cuda.", "torch.", 1))
        if cuda:
            from .device import is_cuda_emulated
            if not is_cuda_emulated() or cls is None:
                raise RuntimeError(NO_CUDA_LIBRARY)
            return cls.dtype, True
        if cls is None:
            if spec[len("torch."):] in _UNSUPPORTED_TYPES and spec.startswith("torch."):
                from ._missing import not_implemented
                raise not_implemented(spec)
            raise ValueError(f"invalid type: '{spec}'")
        return cls.dtype, False
    if isinstance(spec, _TypedTensorClass):
        return spec.dtype, False
    if isinstance(spec, type) and issubclass(spec, Tensor):
        return D.get_default_dtype(), False
    if isinstance(spec, D.dtype):
        return spec, None
    if isinstance(spec, type):
        from ._typename import typename
        raise ValueError(f"invalid type: '{typename(spec)}'")
    raise TypeError("dtype must be a type, str, or dtype object")


def tensor_type(t, dtype=None, non_blocking=False, **kwargs):
    """`t.type()`: its type name ('torch.FloatTensor'); `t.type(spec)`: `t` converted to the dtype `spec` names (a
    dtype, a typed class such as torch.DoubleTensor, or its name), or `t` itself when it already is of it."""
    unknown = [k for k in kwargs if k != "async"]
    if unknown:
        raise TypeError(f"type() got an unexpected keyword argument '{unknown[0]}'")
    if dtype is None:
        return _type_string(t)
    dt, cuda = _target_dtype(dtype)
    if cuda and not t.is_cuda:
        from .ops.device_copy import to_device
        return to_device(t, "cuda", dt, op="type")
    return t if dt is t._dtype else t.to(dt)


# ---- new_tensor / new_zeros / new_ones / new_empty / new_full ----------------------------------------------------
MSG_COPY_CONSTRUCT = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).")


def new_tensor(self, data, dtype, device, requires_grad):
    from .tensor import _MISSING
    from .ops import creation as C
    if data is _MISSING:
        raise TypeError('new_tensor() missing 1 required positional arguments: "data"')
    dt = D.to_dtype(dtype) if dtype is not None else self._dtype
    device = self.device if device is None else device
    if isinstance(data, Tensor):
        warnings.warn(MSG_COPY_CONSTRUCT, UserWarning, stacklevel=3)
        from .ops.device_copy import place
        out = place(_new(data._data.astype(dt.np, copy=True), dt), device)
        return out.requires_grad_(requires_grad) if requires_grad else out
    return C.tensor(data, dtype=dt, device=device, requires_grad=requires_grad)


def _sizes(name, args, kwargs):
    if "size" in kwargs:
        if args:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        args = (kwargs.pop("size"),)
    if not args:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    seq = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    sizes = [_size_item(n) for n in seq]
    if None in sizes:
        bad = seq if seq is not args else args[sizes.index(None)]
        raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not {_type_name(bad)}")
    return tuple(sizes)


_FACTORY_OPTIONS = ("dtype", "device", "requires_grad", "layout", "pin_memory")


def new_filled(self, name, args, kwargs, value):
    """new_zeros / new_ones / new_empty (value 0, 1, None) and new_full (value given) with this tensor's dtype and
    device unless given."""
    kwargs = dict(kwargs)
    sizes = _sizes(name, args, kwargs)
    unknown = [k for k in kwargs if k not in _FACTORY_OPTIONS]
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument '{unknown[0]}'")
    dtype, device = kwargs.get("dtype"), kwargs.get("device")
    dt = D.to_dtype(dtype) if dtype is not None else self._dtype
    from .ops import creation as C
    opts = {"dtype": dt, "device": self.device if device is None else device,
            "requires_grad": kwargs.get("requires_grad", False)}
    if value is None:
        return C.empty(sizes, **opts)
    if isinstance(value, Tensor):
        value = value.item()
    return C.full(sizes, value, **opts)


# ---- apply_ / map_ ---------------------------------------------------------------------------------------------
def _element_converter(dt):
    """How a callable's result is stored into a tensor of `dt` by apply_/map_, with PyTorch's TypeErrors and
    overflow checks (uint8 wraps negative values, as C++'s conversion does)."""
    if dt is D.bool_:
        return bool
    if dt.is_floating_point:
        def to_float(r):
            if not (hasattr(type(r), "__float__") or hasattr(type(r), "__index__")):
                raise TypeError(f"must be real number, not {type(r).__name__}")
            with np.errstate(over="ignore"):
                return dt.np.type(float(r))  # NOTE: too large for the dtype gives inf, as in PyTorch
        return to_float
    info = np.iinfo(dt.np)

    def to_int(r):
        if isinstance(r, (float, np.floating)):
            if not np.isfinite(r):
                raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
            r = int(r)
        else:
            r = operator.index(r)
        low = -info.max if info.min == 0 else info.min
        if not low <= r <= info.max:
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
        return r % (info.max + 1) if info.min == 0 else r
    return to_int


def map_elements(t, fn, others):
    """t[i] = fn(t[i], *(o[i] for o in others)) for every element, in order; Python numbers in and out."""
    a = t._data
    convert = _element_converter(t._dtype)
    for idx in np.ndindex(a.shape):
        a[idx] = convert(fn(a[idx].item(), *(o[idx].item() for o in others)))


# ---- finfo / iinfo ---------------------------------------------------------------------------------------------
_PYTHON_TYPES = {float: D.float64, int: D.int64, bool: D.bool_}


def _arg_desc(v):
    return "torch.dtype" if isinstance(v, D.dtype) else type(v).__name__


def _info_dtype(name, args, kwargs, default):
    """The dtype finfo(...) / iinfo(...) were given, with the TypeErrors of PyTorch's two parsers: finfo has the
    overloads (type) and (), iinfo the one (type)."""
    unknown = [k for k in kwargs if k != "type"]
    if name == "finfo" and (len(args) + len(kwargs) > 1 or unknown and args):
        got = ", ".join([_arg_desc(a) for a in args] + [f"{k}={_arg_desc(v)}" for k, v in kwargs.items()])
        raise TypeError(f"finfo() received an invalid combination of arguments - got ({got}), but expected one of:"
                        f"\n * (torch.dtype type)\n * ()\n")
    if name == "iinfo":
        if len(args) > 1:
            raise TypeError(f"iinfo() takes 1 positional argument but {len(args)} were given")
        if args and "type" in kwargs:
            raise TypeError("iinfo() got multiple values for argument 'type'")
        if args and unknown:
            raise TypeError(f"iinfo() got an unexpected keyword argument '{unknown[0]}'")
    if unknown:
        raise TypeError(f'{name}() missing 1 required positional arguments: "type"')
    if args:
        spec, where = args[0], " (position 1)"
    elif "type" in kwargs:
        spec, where = kwargs["type"], ""
    elif default is _NO_DEFAULT:
        raise TypeError(f'{name}() missing 1 required positional arguments: "type"')
    else:
        return default
    if isinstance(spec, type) and spec in _PYTHON_TYPES:
        return _PYTHON_TYPES[spec]
    if not isinstance(spec, D.dtype):
        raise TypeError(f"{name}(): argument 'type'{where} must be torch.dtype, not {type(spec).__name__}")
    return spec


_NO_DEFAULT = object()


class _Info:
    """What finfo and iinfo share: read-only attributes, equality by value, PyTorch's type name in errors."""
    __slots__ = ()

    def __getattr__(self, name):
        raise AttributeError(f"'torch.{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.{type(self).__name__}' objects is not writable")

    def __eq__(self, other):
        return type(other) is type(self) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self):
        raise TypeError(f"unhashable type: 'torch.{type(self).__name__}'")

    def _set(self, **values):
        for k, v in values.items():
            object.__setattr__(self, k, v)


def _order(op):
    def method(self, other):
        raise TypeError(f"'{op}' not supported between instances of 'torch.{type(self).__name__}' and "
                        f"'{'torch.' + type(other).__name__ if isinstance(other, _Info) else type(other).__name__}'")
    return method


for _op, _name in (("<", "__lt__"), ("<=", "__le__"), (">", "__gt__"), (">=", "__ge__")):
    setattr(_Info, _name, _order(_op))


class finfo(_Info):
    """The limits of a floating dtype (the default dtype when none is given).

    >>> import glassgrad as torch
    >>> torch.finfo(torch.float32)  # doctest: +NORMALIZE_WHITESPACE
    finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07,
          smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)
    """
    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, *args, **kwargs):
        dt = _info_dtype("finfo", args, kwargs, D.get_default_dtype())
        if not dt.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(dt.np)
        self._set(bits=info.bits, eps=float(info.eps), max=float(info.max), min=float(info.min),
                  tiny=float(info.tiny), smallest_normal=float(info.smallest_normal),
                  resolution=10.0 ** -info.precision, dtype=dt.name)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo(_Info):
    """The limits of an integer dtype.

    >>> import glassgrad as torch
    >>> torch.iinfo(torch.int8)
    iinfo(min=-128, max=127, dtype=int8)
    """
    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, *args, **kwargs):
        dt = _info_dtype("iinfo", args, kwargs, _NO_DEFAULT)
        if dt is D.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if dt.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(dt.np)
        self._set(bits=info.bits, max=int(info.max), min=int(info.min), dtype=dt.name)

    def __repr__(self):
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"
