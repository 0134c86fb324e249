"""Dtypes and PyTorch's type promotion.

PyTorch promotes differently from NumPy (int64 with float32 gives float32, a Python float with an
int tensor gives the default dtype, a 0-dim tensor only wins if it is of a higher category), so the
rules live here once and every op asks `result_type`.
"""
import numpy as np

__all__ = ["dtype", "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool_",
           "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "to_dtype"]


class dtype:
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_cat", "_rank", "scalar_name",
                 "cpp_name", "legacy_type")

    def __init__(self, name, np_dtype, cat, rank, scalar_name, cpp_name):
        self.name = name
        # the names PyTorch's messages use: ScalarType ("Float"), C++ type ("float"), legacy tensor type
        self.scalar_name = scalar_name
        self.cpp_name = cpp_name
        self.legacy_type = f"torch.{scalar_name}Tensor"
        self.np = np.dtype(np_dtype)
        self.is_floating_point = cat == 2
        self.is_signed = name not in ("uint8", "bool")
        self.itemsize = self.np.itemsize
        self._cat = cat      # 0 bool, 1 integer, 2 floating
        self._rank = rank    # order inside a category

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, 0, 0, "Bool", "bool")
uint8 = dtype("uint8", np.uint8, 1, 0, "Byte", "unsigned char")
int8 = dtype("int8", np.int8, 1, 0, "Char", "signed char")
int16 = dtype("int16", np.int16, 1, 1, "Short", "short int")
int32 = dtype("int32", np.int32, 1, 2, "Int", "int")
int64 = dtype("int64", np.int64, 1, 3, "Long", "long int")
float16 = dtype("float16", np.float16, 2, 0, "Half", "c10::Half")
float32 = dtype("float32", np.float32, 2, 1, "Float", "float")
float64 = dtype("float64", np.float64, 2, 2, "Double", "double")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(float=float32, double=float64, half=float16, long=int64, int=int32, short=int16,
                bool=bool_)

_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_numpy_dtype(np_dtype):
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. The only "
                        f"supported types are: float64, float32, float16, complex64, complex128, int64, int32, int16, "
                        f"int8, uint64, uint32, uint16, uint8, and bool.") from None


def to_dtype(d):
    """Accepts a glassgrad dtype, a NumPy dtype, a Python type or a name; returns a glassgrad dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        return _BY_NAME[d.replace("torch.", "")]
    return from_numpy_dtype(np.dtype(d))


def promote_types(a, b):
    if a is b:
        return a
    if a._cat != b._cat:
        return a if a._cat > b._cat else b
    if a._cat == 1:
        # NOTE: NumPy's integer table matches PyTorch's (uint8 with int8 gives int16).
        return _BY_NP[np.promote_types(a.np, b.np)]
    return a if a._rank > b._rank else b


def _scalar_dtype(v):
    if isinstance(v, bool):
        return bool_
    if isinstance(v, int):
        return int64
    if isinstance(v, float):
        return _default[0]
    if isinstance(v, (np.bool_,)):
        return bool_
    if isinstance(v, np.integer):
        return int64
    if isinstance(v, np.floating):
        return _default[0]
    raise TypeError(f"unsupported scalar type {type(v).__name__}")


def _combine(higher, lower):
    # Lower-priority operands (0-dim tensors, Python scalars) only change the result when they
    # belong to a higher category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._cat == 2:
        return higher
    if higher is bool_ or lower._cat == 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """PyTorch's result_type over tensors (anything with .dtype and .ndim) and Python scalars."""
    dim = zero = wrapped = None
    for o in operands:
        d = getattr(o, "dtype", None)
        if isinstance(d, dtype):
            if o.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = _scalar_dtype(o)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))
