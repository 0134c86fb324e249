"""The safetensors checkpoint: `save_safetensors` / `load_safetensors` (and what `glassgrad.load` reads when a
file is not a PyTorch archive).

A file holds the tensors as safetensors entries and, in the safetensors metadata (a string -> string map), the
structure around them as JSON: dicts (plain or OrderedDict, with their key types and order), lists, tuples,
None, bool, int, float and str. Loading parses JSON and raw arrays only; nothing is unpickled or evaluated.

A dict of tensors with string keys (a `state_dict`) is stored under its own keys, so that
`safetensors.torch.load_file` in PyTorch reads the same mapping; a file written by `safetensors.torch.save_file`
loads here as a dict of tensors.

    >>> import io, collections
    >>> import glassgrad as torch
    >>> from glassgrad.serialization import save_safetensors, load_safetensors
    >>> buf = io.BytesIO()
    >>> save_safetensors({"step": 3, "weights": collections.OrderedDict(w=torch.ones(2, dtype=torch.float64))}, buf)
    >>> _ = buf.seek(0)
    >>> out = load_safetensors(buf)
    >>> out["step"], type(out["weights"]).__name__, out["weights"]["w"]
    (3, 'OrderedDict', tensor([1., 1.], dtype=torch.float64))
"""
import collections
import hashlib
import json
import math
import os
import struct

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor

__all__ = ["save_safetensors", "load_safetensors", "CheckpointError"]

_STRUCTURE_KEY = "glassgrad"   # the metadata entry holding the structure
_CHECKSUM_KEY = "glassgrad_sha256"  # a digest of the structure and every tensor's bytes
_VERSION = 1
_MAX_HEADER = 100_000_000      # safetensors' own limit on the JSON header
# the safetensors dtypes glassgrad has (bfloat16, unsigned 16/32/64 and complex have no glassgrad dtype)
_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
_SCALARS = (type(None), bool, int, float, str)
_WHAT_FITS = ("tensors, NumPy arrays and scalars, and dicts, OrderedDicts, lists and tuples of them with None, "
              "bool, int, float and str")


class CheckpointError(RuntimeError):
    """A safetensors file that glassgrad cannot turn into an object: not safetensors, truncated, corrupt, or holding
    a structure that does not match its tensors. Nothing is returned from such a file."""


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("glassgrad's safetensors checkpoints need the safetensors package: "
                          "pip install safetensors") from None
    return safetensors


# ---- save ---------------------------------------------------------------------------------------
def save_safetensors(obj, f):
    """Saves `obj` to `f` (a path or a binary file object) as a safetensors file.

    `obj` may be a tensor, a NumPy array or scalar, or (nested) dicts, OrderedDicts, lists and tuples of those and
    of None, bool, int, float and str; dict keys may be str, int, float, bool, None or tuples of them. Tensors keep
    their dtype, shape, `requires_grad` and being a Parameter.

    NOTE: tensors that share memory (views of one another, or one tensor reachable twice) are saved as
    independent copies and load as independent tensors: safetensors has no notion of shared storage.
    """
    sf = _safetensors()
    writer = _Writer()
    flat = _flat_state_dict(obj)
    root = writer.encode(obj, [], flat)
    structure = json.dumps({"version": _VERSION, "root": root}, allow_nan=False, separators=(",", ":"))
    data = sf.numpy.save(writer.arrays, metadata={"format": "pt", _STRUCTURE_KEY: structure,
                                                  _CHECKSUM_KEY: _checksum(structure, writer.arrays)})
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"save_safetensors: f must be a path or a binary file object, not {type(f).__name__}")


def _flat_state_dict(obj):
    """Whether obj is a dict of tensors with string keys: then the keys are the safetensors names."""
    return (type(obj) in (dict, collections.OrderedDict) and "__metadata__" not in obj
            and all(type(k) is str and isinstance(v, Tensor) for k, v in obj.items()))


def _path_str(path):
    return "obj" + "".join(f"[{k!r}]" for k in path)


class _Writer:
    def __init__(self):
        self.arrays = {}
        self._active = set()   # ids of the containers being encoded (to refuse cycles)

    def _name(self, path, flat):
        if flat:
            return path[0]
        base = ".".join(str(k) for k in path) or "tensor"
        name, n = base, 1
        while name in self.arrays or name == "__metadata__":
            n += 1
            name = f"{base}#{n}"
        return name

    def _array(self, arr, path, flat):
        arr = np.asarray(arr)
        if arr.dtype not in D._BY_NP:
            raise TypeError(f"save_safetensors: {_path_str(path)} has dtype {arr.dtype}, which glassgrad cannot store")
        if not arr.flags.c_contiguous:
            # NOTE: safetensors reads the raw buffer; a strided view must be laid out first
            arr = np.array(arr, order="C")
        name = self._name(path, flat)
        self.arrays[name] = arr
        return name

    def encode(self, obj, path, flat=False):
        t = type(obj)
        if t in _SCALARS:
            if t is float and not math.isfinite(obj):
                return {"float": repr(obj)}
            return obj
        if isinstance(obj, Tensor):
            out = {"tensor": self._array(obj._data, path, flat)}
            if obj.requires_grad:
                out["requires_grad"] = True
            if _is_parameter(obj):
                out["parameter"] = True
            return out
        if t is np.ndarray:
            return {"ndarray": self._array(obj, path, flat)}
        if isinstance(obj, np.generic):
            return {"npscalar": self._array(obj, path, flat)}
        if t in (list, tuple, dict, collections.OrderedDict):
            if id(obj) in self._active:
                raise ValueError(f"save_safetensors: {_path_str(path)} contains itself")
            self._active.add(id(obj))
            try:
                return self._container(obj, path, flat)
            finally:
                self._active.discard(id(obj))
        raise TypeError(f"save_safetensors cannot store {t.__module__}.{t.__qualname__} (at {_path_str(path)}); "
                        f"it stores {_WHAT_FITS}")

    def _container(self, obj, path, flat):
        t = type(obj)
        if t is list:
            return [self.encode(v, path + [i]) for i, v in enumerate(obj)]
        if t is tuple:
            return {"tuple": [self.encode(v, path + [i]) for i, v in enumerate(obj)]}
        items = [[self._key(k, path), self.encode(v, path + [k], flat)] for k, v in obj.items()]
        if t is dict:
            return {"dict": items}
        out = {"odict": items}
        meta = getattr(obj, "_metadata", None)  # a state_dict's per-module versions (load_state_dict reads them)
        if meta is not None:
            out["_metadata"] = self.encode(meta, path + ["_metadata"])
        return out

    def _key(self, key, path):
        t = type(key)
        if t in _SCALARS:
            return self.encode(key, path)
        if t is tuple:
            return {"tuple": [self._key(k, path) for k in key]}
        raise TypeError(f"save_safetensors cannot store a dict key of type {t.__name__} (at {_path_str(path)}); "
                        f"keys may be str, int, float, bool, None or tuples of them")


def _is_parameter(t):
    from ..nn.parameter import Parameter
    return isinstance(t, Parameter)


# ---- load ---------------------------------------------------------------------------------------
def load_safetensors(f, map_location=None):
    """Loads an object saved by `save_safetensors`, or the tensors of any safetensors file (as a dict), from `f`
    (a path or a binary file object, read from its current position).

    Raises CheckpointError (a RuntimeError) naming the file and the problem when it is not a safetensors file, is
    truncated or corrupt, or its structure does not match its tensors; it never returns part of an object.
    `map_location` may name the CPU (the only device); a dict or a function is accepted and has nothing to do.
    """
    if isinstance(map_location, str) or type(map_location).__name__ == "device":
        from ..device import device
        if device(map_location).type == "cuda":
            raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                               "False. If you are running on a CPU-only machine, please use torch.load with "
                               "map_location=torch.device('cpu') to map your storages to the CPU.")
    sf = _safetensors()
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        with open(f, "rb") as fh:
            data = fh.read()
    elif hasattr(f, "read"):
        name = getattr(f, "name", None) or f"<{type(f).__name__}>"
        data = f.read()
    else:
        raise TypeError(f"load_safetensors: f must be a path or a binary file object, not {type(f).__name__}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load_safetensors: {name} must be opened in binary mode")
    data = bytes(data)
    header = _read_header(data, name)
    try:
        arrays = sf.numpy.load(data)
    except Exception as e:  # noqa: BLE001 - safetensors raises its own SafetensorError
        raise CheckpointError(f"{name}: not a valid safetensors file: {e}") from None
    tensor_names = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
    metadata = header.get("__metadata__") or {}
    if _STRUCTURE_KEY not in metadata:  # written by another tool: the tensors by name, in file order
        return {k: _tensor(arrays[k]) for k in tensor_names}
    if _CHECKSUM_KEY in metadata and metadata[_CHECKSUM_KEY] != _checksum(metadata[_STRUCTURE_KEY], arrays):
        raise CheckpointError(f"{name}: checksum mismatch: the file is corrupt (its tensors or structure changed "
                              f"after it was written)")
    try:
        structure = json.loads(metadata[_STRUCTURE_KEY])
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"{name}: corrupt header: its structure is not valid JSON ({e})") from None
    if not isinstance(structure, dict) or "root" not in structure:
        raise CheckpointError(f"{name}: corrupt header: the structure has no root")
    if structure.get("version") != _VERSION:
        raise CheckpointError(f"{name}: written by a newer glassgrad (checkpoint format version "
                              f"{structure.get('version')!r}; this glassgrad reads version {_VERSION})")
    reader = _Reader(arrays, name)
    try:
        obj = reader.decode(structure["root"])
    except RecursionError:
        raise CheckpointError(f"{name}: corrupt header: the structure is nested too deeply") from None
    unused = sorted(set(arrays) - reader.used)
    if unused:
        raise CheckpointError(f"{name}: the structure does not match the tensors: the file holds tensors the "
                              f"structure never mentions: {unused[:5]}")
    return obj


# the entries each kind of structure node may hold (anything else is a corrupt or foreign structure)
_NODE_KEYS = {"tensor": {"tensor", "requires_grad", "parameter"}, "odict": {"odict", "_metadata"}}


def _checksum(structure, arrays):
    """SHA-256 over the structure text and each tensor's name, dtype, shape and bytes, in name order: a flipped
    bit anywhere in a glassgrad checkpoint is caught at load (files from other tools carry no checksum)."""
    h = hashlib.sha256(structure.encode())
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(f"\0{k}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _read_header(data, name):
    """The parsed safetensors header, after the checks that give each kind of bad file its own message."""
    if data[:4] == b"PK\x03\x04":
        raise CheckpointError(f"{name} is a zip archive, as torch.save writes, not a safetensors file: load it with "
                              f"glassgrad.load")
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        raise CheckpointError(f"{name} is a pickle (a legacy torch.save file?), not a safetensors file")
    if len(data) < 8:
        raise CheckpointError(f"{name} is empty" if not data else
                              f"{name} is truncated: {len(data)} bytes, shorter than a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER:
        raise CheckpointError(f"{name} is not a safetensors file (its first 8 bytes give a header length of {n})")
    if 8 + n > len(data):
        raise CheckpointError(f"{name} is truncated: its header needs {n} bytes but only {len(data) - 8} follow")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"{name}: corrupt header: not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{name}: corrupt header: not a JSON object")
    end = 0
    for key, info in header.items():
        if key == "__metadata__":
            if info is not None and not isinstance(info, dict):
                raise CheckpointError(f"{name}: corrupt header: __metadata__ is not an object")
            continue
        if not isinstance(info, dict) or not isinstance(info.get("data_offsets"), list) \
                or len(info["data_offsets"]) != 2 or not all(type(o) is int for o in info["data_offsets"]):
            raise CheckpointError(f"{name}: corrupt header: entry {key!r} has no valid data_offsets")
        if info.get("dtype") not in _DTYPES:
            raise CheckpointError(f"{name}: tensor {key!r} has dtype {info.get('dtype')!r}, which glassgrad cannot "
                                  f"load (it has {', '.join(_DTYPES)})")
        end = max(end, info["data_offsets"][1])
    if 8 + n + end > len(data):
        raise CheckpointError(f"{name} is truncated: its tensors need {8 + n + end} bytes but the file has "
                              f"{len(data)}")
    return header


def _tensor(arr):
    from ..ops.creation import from_numpy
    return from_numpy(np.array(arr, copy=True))  # own, writable memory (not a view of the file's bytes)


class _Reader:
    def __init__(self, arrays, name):
        self.arrays = arrays
        self.name = name
        self.used = set()

    def _fail(self, what):
        raise CheckpointError(f"{self.name}: the structure does not match the tensors: {what}")

    def _array(self, ref):
        if not isinstance(ref, str):
            self._fail(f"a tensor reference is {ref!r}, not a name")
        if ref not in self.arrays:
            self._fail(f"it refers to tensor {ref!r}, which the file does not hold")
        self.used.add(ref)
        return self.arrays[ref]

    def decode(self, node):
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [self.decode(v) for v in node]
        if type(node) is not dict or not node:
            self._fail(f"unknown node {node!r}")
        tag = next(iter(node))
        extra = set(node) - _NODE_KEYS.get(tag, {tag})
        if extra:
            self._fail(f"a {tag!r} node has unknown entries {sorted(extra)}")
        if tag == "tensor":
            t = _tensor(self._array(node["tensor"]))
            if node.get("requires_grad"):
                t.requires_grad_(True)
            if node.get("parameter"):
                from ..nn.parameter import Parameter
                t = Parameter(t, requires_grad=bool(node.get("requires_grad")))
            return t
        if tag == "ndarray":
            return np.array(self._array(node["ndarray"]), copy=True)
        if tag == "npscalar":
            arr = self._array(node["npscalar"])
            if arr.ndim != 0:
                self._fail(f"a NumPy scalar refers to tensor {node['npscalar']!r} of shape {arr.shape}")
            return arr[()]
        if tag == "float" and node["float"] in ("nan", "inf", "-inf"):
            return float(node["float"])
        if tag == "tuple" and type(node["tuple"]) is list:
            return tuple(self.decode(v) for v in node["tuple"])
        if tag in ("dict", "odict") and type(node[tag]) is list:
            out = {} if tag == "dict" else collections.OrderedDict()
            for item in node[tag]:
                if type(item) is not list or len(item) != 2:
                    self._fail(f"a {tag} item is {item!r}, not a [key, value] pair")
                out[self._key(item[0])] = self.decode(item[1])
            if tag == "odict" and "_metadata" in node:
                meta = self.decode(node["_metadata"])
                if type(meta) not in (dict, collections.OrderedDict) or not all(type(v) is dict for v in meta.values()):
                    self._fail("a state dict's _metadata is not a dict of dicts")
                out._metadata = meta
            return out
        self._fail(f"unknown node {node!r}")

    def _key(self, node):
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is dict and len(node) == 1:
            if type(node.get("tuple")) is list:
                return tuple(self._key(k) for k in node["tuple"])
            if node.get("float") in ("nan", "inf", "-inf"):
                return float(node["float"])
        self._fail(f"a dict key is {node!r}")
