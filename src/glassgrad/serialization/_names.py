"""PyTorch's names for glassgrad's objects, both ways.

A pickle names each class and function it uses by module and name. glassgrad writes the names PyTorch writes
(`torch.nn.modules.linear.Linear`, `torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`, `torch.float32`), so
real PyTorch loads what glassgrad saves, and resolves such names to glassgrad's own objects when it loads, so a
checkpoint written by PyTorch loads here without PyTorch (and never imports it).

`WEIGHTS_ONLY` lists the names PyTorch 2.13's weights_only unpickler allows by default, exactly; those glassgrad
cannot represent (bfloat16, complex, quantized, sparse) resolve to stand-ins that raise NotImplementedError.
"""
import importlib
import sys

from .. import _dtype as D
from . import _rebuild as R

__all__ = ["torch_name", "find_torch_global", "weights_only_global", "WEIGHTS_ONLY", "size_classes"]

_DTYPE_NAMES = ("bfloat16 bits16 bits1x8 bits2x4 bits4x2 bits8 bool complex128 complex32 complex64 float16 float32 "
                "float4_e2m1fn_x2 float64 float8_e4m3fn float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz float8_e8m0fnu "
                "int1 int2 int3 int4 int5 int6 int7 int8 int16 int32 int64 qint32 qint8 quint2x4 quint4x2 quint8 "
                "uint1 uint2 uint3 uint4 uint5 uint6 uint7 uint8 uint16 uint32 uint64").split()
_STORAGE_KINDS = "BFloat16 Bool Byte Char ComplexDouble ComplexFloat Double Float Half Int Long Short".split()
_TENSOR_KINDS = "BFloat16 Bool Byte Char Double Float Half Int Long Short".split()
_REBUILDS = {
    "_rebuild_tensor": R.rebuild_tensor, "_rebuild_tensor_v2": R.rebuild_tensor_v2,
    "_rebuild_tensor_v3": R.rebuild_tensor_v3, "_rebuild_parameter": R.rebuild_parameter,
    "_rebuild_parameter_with_state": R.rebuild_parameter_with_state,
    "_rebuild_device_tensor_from_numpy": R.rebuild_device_tensor_from_numpy,
    "_rebuild_device_tensor_from_cpu_tensor": R.rebuild_device_tensor_from_cpu_tensor,
    "_rebuild_qtensor": R.unsupported("quantized tensors"), "_rebuild_sparse_tensor": R.unsupported("sparse tensors"),
    "_rebuild_nested_tensor": R.unsupported("nested tensors"),
    "_rebuild_meta_tensor_no_storage": R.unsupported("meta tensors"),
    "_rebuild_wrapper_subclass": R.unsupported("wrapper tensor subclasses"),
}

# PyTorch 2.13's default weights_only allowlist (torch._weights_only_unpickler._get_allowed_globals), by name
WEIGHTS_ONLY = frozenset(
    ["collections.OrderedDict", "collections.Counter", "torch.nn.parameter.Parameter",
     "torch.serialization._get_layout", "torch.Size", "torch.Tensor", "torch.device", "_codecs.encode",
     "builtins.bytearray", "builtins.set", "builtins.complex", "torch._tensor._rebuild_from_type_v2",
     "torch.storage.TypedStorage", "torch.storage.UntypedStorage"]
    + [f"torch.{n}" for n in _DTYPE_NAMES]
    + [f"torch.{k}Storage" for k in _STORAGE_KINDS + ["QInt32", "QInt8", "QUInt2x4", "QUInt4x2", "QUInt8"]]
    + [f"torch.cuda.{k}Storage" for k in _STORAGE_KINDS]
    + [f"torch.{k}Tensor" for k in _TENSOR_KINDS] + [f"torch.cuda.{k}Tensor" for k in _TENSOR_KINDS]
    + [f"torch.sparse.{k}Tensor" for k in _TENSOR_KINDS if k != "Bool"]
    + [f"torch.cuda.sparse.{k}Tensor" for k in _TENSOR_KINDS if k != "Bool"]
    + [f"torch.{q}" for q in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
                              "per_channel_symmetric", "per_channel_affine_float_qparams")]
    + [f"torch._utils.{n}" for n in _REBUILDS])

# classes that live in a different module in glassgrad than in PyTorch: (glassgrad module, name) -> torch module
_MOVED = {("glassgrad.nn.modules.normalization", n): "torch.nn.modules.batchnorm"
          for n in ("_NormBase", "_BatchNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d")}
_MOVED.update({("glassgrad.nn.modules.normalization", n): "torch.nn.modules.instancenorm"
               for n in ("_InstanceNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d")})
_MOVED[("glassgrad.nn.modules.transformer", "MultiheadAttention")] = "torch.nn.modules.activation"
_MOVED.update({("glassgrad.optim._cyclic", n): "torch.optim.lr_scheduler" for n in ("CyclicLR", "OneCycleLR")})
_MOVED_BACK = {(torch_mod, name): gg_mod for (gg_mod, name), torch_mod in _MOVED.items()}

# where a name missing from its module is looked for next: public namespaces, torch's and glassgrad's
_PUBLIC = (("torch.nn.functional", "glassgrad.nn.functional"), ("torch._C._nn", "glassgrad.nn.functional"),
           ("torch._C._linalg", "glassgrad.linalg"), ("torch._C._special", "glassgrad.special"),
           ("torch.nn.init", "glassgrad.nn.init"),
           ("torch.nn", "glassgrad.nn"), ("torch.optim.lr_scheduler", "glassgrad.optim.lr_scheduler"),
           ("torch.optim", "glassgrad.optim"), ("torch.utils.data", "glassgrad.utils.data"),
           ("torch.linalg", "glassgrad.linalg"), ("torch.special", "glassgrad.special"), ("torch", "glassgrad"))

_table = None  # {torch full name: glassgrad object}, built on first use
_by_id = None  # {id(glassgrad object): (torch module, name)}


class _Unavailable:
    """A name PyTorch's allowlist has but glassgrad cannot represent (a dtype, storage or tensor class it lacks)."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


def _build():
    global _table, _by_id
    import glassgrad
    table = {"torch.Tensor": glassgrad.Tensor, "torch.Size": glassgrad.Size, "torch.device": glassgrad.device,
             "torch.serialization._get_layout": R.get_layout,
             "torch._tensor._rebuild_from_type_v2": R.rebuild_from_type_v2,
             "torch.storage.UntypedStorage": R.STORAGE_TYPES["UntypedStorage"]}
    table.update({f"torch._utils.{n}": f for n, f in _REBUILDS.items()})
    for dt in D.ALL:
        table[f"torch.{dt.name}"] = dt
    for name, st in R.STORAGE_TYPES.items():
        table[f"torch.{name}"] = st
        table[f"torch.cuda.{name}"] = st
    by_id = {id(obj): tuple(full.rsplit(".", 1)) for full, obj in table.items() if not full.startswith("torch.cuda.")}
    for full in WEIGHTS_ONLY:
        if full.startswith("torch.") and full not in table and full != "torch.nn.parameter.Parameter":
            if full.endswith("Tensor") and full.count(".") == 1 and hasattr(glassgrad, full[6:]):
                table[full] = getattr(glassgrad, full[6:])  # the legacy tensor types, where glassgrad has them
            else:
                table[full] = _Unavailable(full)
    _table, _by_id = table, by_id


def size_classes():
    """The classes glassgrad's tensor shapes are (torch.Size)."""
    global _sizes
    if _sizes is None:
        import glassgrad
        _sizes = frozenset((glassgrad.Size,))
    return _sizes


_sizes = None


def _parameter_class():
    from ..nn.parameter import Parameter
    if "torch.nn.parameter.Parameter" not in _table:
        _table["torch.nn.parameter.Parameter"] = Parameter
        _by_id[id(Parameter)] = ("torch.nn.parameter", "Parameter")
    return Parameter


def _lookup(full):
    if _table is None:
        _build()
    if full == "torch.nn.parameter.Parameter":
        return _parameter_class()
    obj = _table.get(full)
    if isinstance(obj, _Unavailable):
        raise NotImplementedError(f"glassgrad cannot load {full}: it has no such dtype, storage or tensor type "
                                  f"(its dtypes are {', '.join(d.name for d in D.ALL)})")
    return obj


# ---- saving: the name PyTorch would write ---------------------------------------------------------------------
def torch_name(obj):
    """(module, name) under which PyTorch knows glassgrad's `obj`, or None when `obj` is not glassgrad's (a
    user's class, a NumPy function: pickled under its own name)."""
    if _table is None:
        _build()
    if "glassgrad.nn.parameter" in sys.modules:
        _parameter_class()
    fixed = _by_id.get(id(obj))
    if fixed is not None:
        return fixed
    if isinstance(obj, D.dtype):
        return ("torch", obj.name)
    module = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qual, str) or module.split(".")[0] != "glassgrad":
        return None
    moved = _MOVED.get((module, qual))
    if moved is not None:
        return (moved, qual)
    parts = module.split(".")
    if parts[1:2] == ["ops"] or any(p.startswith("_") for p in parts[1:]) or "<locals>" in qual:
        # NOTE: functions defined in glassgrad's op families (and private modules) have no such module in torch;
        # the public name (torch.nn.functional.relu, torch.exp) is one real PyTorch can find
        public = _public_name(obj)
        if public is not None:
            return public
    return ("torch" + module[len("glassgrad"):], qual)


def _public_name(obj):
    for torch_ns, gg_ns in _PUBLIC:
        ns = sys.modules.get(gg_ns)
        for name, value in (vars(ns).items() if ns is not None else ()):
            if value is obj and not name.startswith("_"):
                if gg_ns in ("glassgrad.linalg", "glassgrad.special"):  # where PyTorch's own functions live
                    short = gg_ns[len("glassgrad."):]
                    return (f"torch._C._{short}", f"{short}_{name}")
                return (torch_ns, name)
    return None


# ---- loading: the glassgrad object a name stands for ---------------------------------------------------------
def weights_only_global(full):
    """The object an allowlisted name (`full`, in WEIGHTS_ONLY) stands for in glassgrad."""
    if full in ("collections.OrderedDict", "collections.Counter", "builtins.bytearray", "builtins.set",
                "builtins.complex", "_codecs.encode"):
        module, name = full.rsplit(".", 1)
        return getattr(importlib.import_module(module), name)
    return _lookup(full)


def find_torch_global(module, name):
    """glassgrad's object for the global `module.name` of a PyTorch pickle, or None if `module` is not torch's.
    Raises AttributeError when glassgrad has no such object."""
    if module != "torch" and not module.startswith("torch."):
        return None
    if module == "torch.tensor":  # PyTorch renamed this module to torch._tensor (and loads the old name)
        module = "torch._tensor"
    full = f"{module}.{name}"
    if full == "torch._C._VariableFunctionsClass":
        # NOTE: PyTorch pickles torch.relu & co as getattr(torch._C._VariableFunctionsClass, "relu")
        return importlib.import_module("glassgrad")
    obj = _lookup(full)
    if obj is not None:
        return obj
    if module in ("torch._C._linalg", "torch._C._special"):  # torch.linalg.norm is _C._linalg.linalg_norm
        name = name.removeprefix(module[len("torch._C._"):] + "_")
    target = _MOVED_BACK.get((module, name), "glassgrad" + module[len("torch"):])
    try:
        return _attribute(importlib.import_module(target), name)
    except (ImportError, AttributeError):
        pass
    for torch_ns, gg_ns in _PUBLIC:
        if module == torch_ns or module.startswith(torch_ns + ".") or torch_ns == "torch":
            try:
                return _attribute(importlib.import_module(gg_ns), name)
            except (ImportError, AttributeError):
                continue
    raise AttributeError(f"Can't get attribute '{name}' for {module}: glassgrad has no {full}")


def _attribute(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj
