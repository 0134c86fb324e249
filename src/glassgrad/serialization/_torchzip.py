"""PyTorch's checkpoint format: a zip archive holding a pickle and one record per storage.

An archive `<name>/` holds `data.pkl` (the object, pickled with protocol 2), `.format_version`, `.storage_alignment`,
`byteorder`, `data/<key>` (each storage's raw bytes, starting at a 64-byte aligned offset), `version` and
`.data/serialization_id`. In the pickle a tensor is the call `torch._utils._rebuild_tensor_v2(storage, offset,
size, stride, requires_grad, OrderedDict())` and a storage is the persistent id `('storage', torch.FloatStorage,
key, location, numel)`; a Parameter wraps its data in `_rebuild_parameter`, a tensor with Python attributes goes
through `torch._tensor._rebuild_from_type_v2`.

Saving finds each tensor's storage by following its NumPy array's `.base` to the array that owns the memory:
tensors that are views of one another share a storage record, with their own offset and strides, and load as views
of one array again. Glassgrad's classes and functions are pickled under PyTorch's names (`_names.py`), which needs
a Pickler written in Python (`pickle._Pickler` or a subclass of it, as dill's is).
"""
import io
import os
import pickle
import struct
import sys
import types
import warnings
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from ..device import cpu as _cpu
from ..tensor import Tensor, _extra, _new
from . import _names, _rebuild as R

__all__ = ["save_archive", "load_archive", "DEFAULT_PROTOCOL", "STORAGE_ALIGNMENT"]

DEFAULT_PROTOCOL = 2
STORAGE_ALIGNMENT = 64
_FORMAT_VERSION = b"1"
_ARCHIVE_VERSION = b"3\n"
DEFAULT_LOAD_ENDIANNESS = [None]  # a serialization.LoadEndianness, set by set_default_load_endianness
_PAD_FIELD = 0x4246  # the zip "extra field" id PyTorch pads local headers with (b"FB")
_GLOBALS = (type, types.FunctionType, types.BuiltinFunctionType)
MSG_SHARED_TYPES = "Cannot save multiple tensors or storages that view the same data as different types"


# ---- saving ----------------------------------------------------------------------------------------------------
class _StorageRef:
    """A storage in the pickle being written: `persistent_id` turns it into PyTorch's storage tuple."""
    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


class _Storages:
    """The storages of the tensors pickled so far, keyed "0", "1", ... in the order they were met."""

    def __init__(self):
        self.by_root = {}   # id(owning array) -> (key, dtype, location, ref); the array is kept in `records`
        self.records = []   # (key, 1-D uint8 array of the storage's bytes)

    def place(self, t, location):
        """(storage ref, offset, size, stride) of tensor `t`, in elements."""
        arr, dtype = t._data, t._dtype
        size = tuple(arr.shape)
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        item = dtype.itemsize
        if arr.size and (root.flags.c_contiguous or root.flags.f_contiguous) and root.nbytes % item == 0:
            offset = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
            if offset >= 0 and offset % item == 0 and all(s >= 0 and s % item == 0 for s in arr.strides):
                entry = self.by_root.get(id(root))
                if entry is None:
                    raw = root if root.flags.c_contiguous else root.T  # the same memory, in memory order
                    entry = self._add(raw.reshape(-1).view(np.uint8), dtype, location, root.nbytes // item)
                    self.by_root[id(root)] = entry
                elif entry[1] is not dtype:
                    raise RuntimeError(MSG_SHARED_TYPES)
                return entry[3], offset // item, size, tuple(s // item for s in arr.strides)
        # NOTE: memory that is not one block of whole elements with non-negative strides (a negative-stride view,
        # an empty tensor) is laid out afresh: that tensor gets a storage of its own
        copy = np.ascontiguousarray(arr)
        entry = self._add(copy.reshape(-1).view(np.uint8), dtype, location, copy.size)
        return entry[3], 0, size, _contiguous_strides(size)

    def _add(self, raw, dtype, location, numel):
        key = str(len(self.records))
        self.records.append((key, raw))
        ref = _StorageRef(("storage", R.STORAGE_TYPES[R.STORAGE_NAME[dtype]], key, location, numel))
        return key, dtype, location, ref


def _contiguous_strides(size):
    strides, step = [], 1
    for n in reversed(size):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class _PyTorchNames:
    """Pickler behaviour: tensors as PyTorch's rebuild calls over storages, glassgrad's globals under PyTorch's
    names. Mixed into a pure-Python Pickler class."""

    def persistent_id(self, obj):
        # NOTE: a new tuple each time (its parts are memoized), as PyTorch writes it
        return ("storage",) + obj.pid[1:] if type(obj) is _StorageRef else None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _reduce_tensor(obj, self._storages)
        cls = type(obj)
        if cls in _names.size_classes():
            return cls, (tuple(obj),)
        if cls is _device_class():
            return cls, ((obj.type,) if obj.index is None else (obj.type, obj.index))
        if isinstance(obj, _GLOBALS):
            # NOTE: the Pickler's dispatch table sends functions and classes to pickle._Pickler.save_global itself,
            # past any override; a str from here routes them through self.save_global, which renames them
            named = _names.torch_name(obj)
            if named is not None:
                return named[1]
        return NotImplemented

    def save_global(self, obj, name=None):
        named = _names.torch_name(obj)
        if named is None:
            return super().save_global(obj, name)
        module, qualname = named
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            encoding = "utf-8" if self.proto >= 3 else "ascii"
            self.write(pickle.GLOBAL + module.encode(encoding) + b"\n" + qualname.encode(encoding) + b"\n")
        self.memoize(obj)


class _Pickler(_PyTorchNames, pickle._Pickler):
    pass


def _device_class():
    global _device_cls
    if _device_cls is None:
        import glassgrad
        _device_cls = glassgrad.device
    return _device_cls


_device_cls = None


def _reduce_tensor(t, storages):
    from ..ops.device_copy import device_of
    _warn_hooks(t)
    device = device_of(t)
    location = sys.intern(str(device))
    ref, offset, size, stride = storages.place(t, location)
    state = t.__dict__ or None
    cls = type(t)
    if cls is not Tensor and _is_parameter(t):
        data = _new(t._data, t._dtype)  # the Parameter's data as a plain tensor, on the Parameter's device
        if device.type != "cpu":
            _extra(data).device = device
        if state:
            return R.rebuild_parameter_with_state, (data, t.requires_grad, OrderedDict(), dict(state))
        return R.rebuild_parameter, (data, t.requires_grad, OrderedDict())
    args = (ref, offset, size, stride, t.requires_grad, OrderedDict())
    if cls is Tensor and not state:
        return R.rebuild_tensor_v2, args
    return R.rebuild_from_type_v2, (R.rebuild_tensor_v2, cls, args, dict(state) if state else state)


def _is_parameter(t):
    from ..nn.parameter import Parameter
    return isinstance(t, Parameter)


def _warn_hooks(t):
    extra = t._extra
    for hook in (extra.hooks or {}).values() if extra is not None else ():
        if not hasattr(hook, "__torch_unserializable__"):
            warnings.warn(f"backward hook {hook!r} on tensor will not be serialized.  If this is expected, you can "
                          f"decorate the function with @torch.utils.hooks.unserializable_hook to suppress this "
                          f"warning", stacklevel=6)


def _pickler_class(pickle_module):
    base = getattr(pickle_module, "Pickler", None)
    if pickle_module is pickle or base is pickle._Pickler:
        return _Pickler
    if isinstance(base, type) and issubclass(base, pickle._Pickler):
        return type("_PyTorchPickler", (_PyTorchNames, base), {})
    raise TypeError(f"glassgrad.save: pickle_module {getattr(pickle_module, '__name__', pickle_module)!r} has a "
                    f"Pickler written in C; glassgrad writes PyTorch's names for its objects through a Pickler "
                    f"written in Python (pickle._Pickler or a subclass of it, such as dill's)")


def save_archive(obj, f, pickle_module, protocol, write_byteorder=True):
    """Writes `obj` to `f` (a path or a binary file object) as PyTorch's zip checkpoint."""
    storages = _Storages()
    buf = io.BytesIO()
    pickler = _pickler_class(pickle_module)(buf, protocol)
    pickler._storages = storages
    pickler.dump(obj)
    records = [("data.pkl", buf.getvalue()), (".format_version", _FORMAT_VERSION),
               (".storage_alignment", str(STORAGE_ALIGNMENT).encode())]
    if write_byteorder:
        records.append(("byteorder", sys.byteorder.encode()))
    records += [(f"data/{key}", raw) for key, raw in storages.records]
    records += [("version", _ARCHIVE_VERSION), (".data/serialization_id", _serialization_id())]
    if isinstance(f, (str, os.PathLike)):
        prefix = os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
        with open(f, "wb") as fh:
            _write_zip(fh, prefix, records)
    else:
        _write_zip(f, "archive", records)
        if hasattr(f, "flush"):
            f.flush()


def _serialization_id():
    return str(int.from_bytes(os.urandom(17), "little")).zfill(40)[-40:].encode()


def _write_zip(fh, prefix, records):
    """Writes `records` ((name, bytes-like) pairs) as a stored zip archive under folder `prefix`, laid out as
    PyTorch's writer (miniz) lays it out: each record's bytes start at a 64-byte aligned offset (the local header is
    padded with an "FB" extra field), a non-empty record is followed by a data descriptor holding its CRC and sizes,
    and zip64 end records close the archive. PyTorch may compute record offsets from that layout instead of reading
    them (torch.utils.serialization.config.load.calculate_storage_offsets), so it is kept exactly."""
    pos = _tell(fh)
    central = []
    for name, data in records:
        raw = memoryview(data).cast("B")
        encoded = f"{prefix}/{name}".encode("utf-8")
        size = raw.nbytes
        crc = zlib.crc32(raw) if size else 0
        zip64 = _zip64_fields(size, pos)
        header = 30 + len(encoded) + 4 + len(zip64)
        pad = -(pos + header) % STORAGE_ALIGNMENT
        extra = zip64 + struct.pack("<HH", _PAD_FIELD, pad) + b"Z" * pad
        flags = _UTF8 | (_DESCRIPTOR if size else 0)
        fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, flags, 0, 0, 0, 0, 0, 0,
                             len(encoded), len(extra)) + encoded + extra)
        fh.write(raw)
        descriptor = b""
        if size:
            big = size >= _U32 or pos >= _U32
            descriptor = struct.pack("<IIQQ" if big else "<IIII", 0x08074B50, crc, size, size)
            fh.write(descriptor)
        central.append((encoded, flags, crc, size, pos))
        pos += header + pad + size + len(descriptor)
    cd_start = pos
    for encoded, flags, crc, size, offset in central:
        big = [v for v in (size, size, offset) if v >= _U32]
        extra = struct.pack("<HH" + "Q" * len(big), 1, 8 * len(big), *big) if big else b""
        entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, flags, 0, 0, 0, crc,
                            min(size, _U32), min(size, _U32), len(encoded), len(extra), 0, 0, 0, 0,
                            min(offset, _U32)) + encoded + extra
        fh.write(entry)
        pos += len(entry)
    count, cd_size = len(central), pos - cd_start
    fh.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0, count, count, cd_size, cd_start))
    fh.write(struct.pack("<IIQI", 0x07064B50, 0, pos, 1))
    fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                         min(cd_size, _U32), min(cd_start, _U32), 0))


_U32 = 0xFFFFFFFF
_UTF8, _DESCRIPTOR = 0x800, 0x8


def _zip64_fields(size, offset):
    """The zip64 extra field a local header needs: the sizes when they overflow 32 bits, the offset when it does."""
    values = ([size, size] if size >= _U32 else []) + ([offset] if offset >= _U32 else [])
    return struct.pack("<HH" + "Q" * len(values), 1, 8 * len(values), *values) if values else b""


def _tell(fh):
    try:
        return fh.tell()
    except (AttributeError, OSError):
        return 0


# ---- loading ---------------------------------------------------------------------------------------------------
def _restorer(map_location):
    """restore(storage, location) for torch.load's `map_location` (None, a str, a device, a dict or a function)."""
    from ..device import device
    if map_location is None:
        return R.restore_location
    if isinstance(map_location, dict):
        return lambda storage, location: R.restore_location(storage, map_location.get(location, location))
    if isinstance(map_location, (str, bytes, device)):
        target = map_location.decode() if isinstance(map_location, bytes) else str(map_location)
        return lambda storage, location: R.restore_location(storage, target)
    if not callable(map_location):
        raise TypeError(f"map_location must be a str, a torch.device, a dict or a function, not "
                        f"{type(map_location).__name__}")

    def restore(storage, location):
        result = map_location(storage, location)
        return R.restore_location(storage, location) if result is None else result
    return restore


class _Archive:
    """An opened checkpoint archive: its records, and its storages as they are loaded."""

    def __init__(self, fh, name, map_location, mmap_path=None):
        try:
            self.zip = zipfile.ZipFile(fh)
        except zipfile.BadZipFile as e:
            raise RuntimeError(f"PytorchStreamReader failed reading zip archive: {name} is not a valid checkpoint "
                               f"archive ({e})") from None
        names = self.zip.namelist()
        pkl = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        if any(n.endswith("/constants.pkl") for n in names):
            raise NotImplementedError(f"{name} is a TorchScript archive (torch.jit.save); glassgrad cannot load "
                                      f"TorchScript")
        if not pkl:
            raise RuntimeError(f"PytorchStreamReader failed locating file data.pkl: {name} holds no data.pkl record")
        self.prefix = pkl[0][:-len("data.pkl")]
        self.name = name
        if self.prefix + "byteorder" in names:
            order = self._record("byteorder")
            if order not in (b"little", b"big"):
                raise ValueError("Unknown endianness type: " + order.decode(errors="replace"))
        else:  # NOTE: as PyTorch: little-endian unless set_default_load_endianness says otherwise
            order = {"NATIVE": sys.byteorder.encode(), "BIG": b"big"}.get(getattr(DEFAULT_LOAD_ENDIANNESS[0], "name",
                                                                                 None), b"little")
        self.swap = order.decode() != sys.byteorder
        self.restore = _restorer(map_location)
        self.mmap_path = mmap_path
        self.loaded = {}

    def _record(self, name):
        return self.zip.read(self.prefix + name)

    def pickle_bytes(self):
        return self._record("data.pkl")

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or _ascii(pid[0]) != "storage":
            raise RuntimeError(f"Unknown persistent id in checkpoint {self.name}: {pid!r}")
        _, storage_type, key, location, numel = pid
        key = _ascii(key)
        if key in self.loaded:
            return self.loaded[key]
        if not isinstance(storage_type, R.StorageType):
            raise RuntimeError(f"checkpoint {self.name}: storage {key} has type {storage_type!r}, not a storage type")
        arr = self._storage_array(key, storage_type.dtype, int(numel))
        storage = self.restore(R.Storage(arr, _cpu), _ascii(location))
        self.loaded[key] = storage
        return storage

    def _storage_array(self, key, dtype, numel):
        name = f"{self.prefix}data/{key}"
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise RuntimeError(f"PytorchStreamReader failed locating file data/{key}: file not found in "
                               f"{self.name}") from None
        nbytes = numel * dtype.itemsize
        if info.file_size < nbytes:
            raise RuntimeError(f"{self.name}: record data/{key} holds {info.file_size} bytes, but its storage of "
                               f"{numel} {dtype} elements needs {nbytes}")
        if self.mmap_path is not None and info.compress_type == zipfile.ZIP_STORED:
            # NOTE: copy-on-write, as PyTorch's default mmap (MAP_PRIVATE): writes to a loaded tensor stay in memory
            arr = np.memmap(self.mmap_path, dtype=dtype.np, mode="c", offset=self._data_offset(info),
                            shape=(numel,)) if numel else np.empty(0, dtype.np)
        else:
            arr = np.empty(numel, dtype.np)
            with self.zip.open(info) as src:
                view = memoryview(arr.view(np.uint8))
                got = 0
                while got < nbytes:
                    n = src.readinto(view[got:])
                    if not n:
                        raise RuntimeError(f"{self.name}: record data/{key} is truncated")
                    got += n
                src.read()  # NOTE: reading to the end makes zipfile check the record's CRC
        if self.swap and dtype.itemsize > 1:
            arr = arr.byteswap()
        return arr

    def _data_offset(self, info):
        with open(self.mmap_path, "rb") as fh:
            fh.seek(info.header_offset)
            head = fh.read(30)
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + name_len + extra_len


def _ascii(s):
    return s.decode("ascii") if isinstance(s, bytes) else s


def _full_unpickler_class(pickle_module):
    class _Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            found = _names.find_torch_global(module, name) if isinstance(module, str) else None
            return found if found is not None else super().find_class(module, name)
    return _Unpickler


def load_archive(fh, name, map_location, pickle_module, weights_only, mmap_path, load_args):
    """The object of the PyTorch checkpoint archive `fh`. With weights_only the pickle is read by the restricted
    unpickler (errors come out as pickle.UnpicklingError from it); otherwise by `pickle_module`."""
    archive = _Archive(fh, name, map_location, mmap_path)
    data = io.BytesIO(archive.pickle_bytes())
    if weights_only:
        from ._weights_only import WeightsUnpickler
        return WeightsUnpickler(data, archive.persistent_load, load_args.get("encoding", "utf-8")).load()
    unpickler = _full_unpickler_class(pickle_module)(data, **load_args)
    unpickler.persistent_load = archive.persistent_load
    return unpickler.load()
