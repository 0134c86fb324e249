"""`torch.save` / `torch.load` as scripts use them, and glassgrad's safetensors checkpoints.

`save(obj, f)` writes PyTorch's own checkpoint format (a zip archive holding a protocol-2 pickle and one record per
storage, see `_torchzip.py`): whole modules, state dicts, optimizer state, tensors, Parameters, NumPy arrays,
anything picklable. Real PyTorch loads these files (with its default `weights_only=True` when they hold only
tensors and containers), and `load(f)` loads what PyTorch writes: tensors come back with their dtype, shape,
strides, `requires_grad` and storage sharing (views of one tensor load as views again).

`load` follows PyTorch 2.6+'s safety rule: `weights_only=True` is the default and reads the pickle with a
restricted unpickler that builds tensors, containers and primitive values and refuses every other global with
pickle.UnpicklingError before anything runs; `add_safe_globals` and the `safe_globals` context manager allow more
classes. Only `weights_only=False`, passed by the caller, unpickles fully (classes named `torch.nn...` resolve to
glassgrad's, and that can run code from the file: only for files you trust).

Which to use: for weights, the safetensors checkpoint (`save_safetensors` / `load_safetensors`) stays the
recommended one: it holds no pickle at all, so no flag or allowlist stands between a file and code execution,
its layout is plain (JSON header, raw arrays) and `safetensors.torch.load_file` reads it in PyTorch. Use `save` /
`load` to exchange files with code that calls `torch.save` / `torch.load`. `load` reads both (it looks at the
file's first bytes).

    >>> import io
    >>> import glassgrad as torch
    >>> buf = io.BytesIO()
    >>> base = torch.arange(6.).reshape(2, 3)
    >>> torch.save({"base": base, "row": base[1]}, buf)
    >>> _ = buf.seek(0)
    >>> out = torch.load(buf)
    >>> _ = out["base"].add_(10)
    >>> out["row"]          # still a view of "base"
    tensor([13., 14., 15.])
"""
import enum
import os
import pickle
import warnings

from .._missing import module_getattr as _module_getattr
from . import _weights_only
from ._rebuild import StorageType, restore_location as default_restore_location
from ._safetensors import CheckpointError, load_safetensors, save_safetensors
from ._torchzip import DEFAULT_LOAD_ENDIANNESS, DEFAULT_PROTOCOL, load_archive, save_archive
from ._weights_only import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint", "save_safetensors", "load_safetensors", "CheckpointError",
           "DEFAULT_PROTOCOL", "SourceChangeWarning", "LoadEndianness", "get_default_load_endianness",
           "set_default_load_endianness", "default_restore_location", "StorageType"]

# the rest of torch.serialization's names say that glassgrad does not implement them
__getattr__ = _module_getattr(__name__)

# constants of PyTorch's serialization module that scripts read
LONG_SIZE, INT_SIZE, SHORT_SIZE = 4, 4, 2  # struct's standard sizes ("=l", "=i", "=h")
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
STORAGE_KEY_SEPARATOR = ","

_ZIP_MAGIC = b"PK\x03\x04"
_TRUE = ("1", "y", "yes", "true")
_DOCS = ("\n\nWhat weights_only=True accepts is listed in the torch.load documentation: "
         "https://pytorch.org/docs/stable/generated/torch.load.html.")


class SourceChangeWarning(Warning):
    pass


class LoadEndianness(enum.Enum):
    NATIVE = 1
    LITTLE = 2
    BIG = 3


def get_default_load_endianness():
    """The byte order assumed for checkpoints without a byteorder record (None: little-endian)."""
    return DEFAULT_LOAD_ENDIANNESS[0]


def set_default_load_endianness(endianness):
    if not isinstance(endianness, LoadEndianness) and endianness is not None:
        raise TypeError("Invalid argument type in function set_default_load_endianness")
    DEFAULT_LOAD_ENDIANNESS[0] = endianness


# ---- save ------------------------------------------------------------------------------------------------------
def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves `obj` to `f` (a path or a binary file object with `write`) in PyTorch's checkpoint format.

    Tensors that share memory are saved once and load sharing it again. `pickle_module` must provide a Pickler
    written in Python (the standard `pickle`, or dill): glassgrad's objects are written under PyTorch's names.
    """
    if not isinstance(f, (str, os.PathLike)) and not hasattr(f, "write"):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a 'write' attribute")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("glassgrad writes PyTorch's zip checkpoint format only "
                                  "(_use_new_zipfile_serialization=False asks for the legacy format)")
    save_archive(obj, f, pickle_module, pickle_protocol, write_byteorder=not _disable_byteorder_record)


# ---- load ------------------------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Loads an object saved with `save` / `torch.save` (or a safetensors file) from `f`, a path or a binary file
    object read from its current position.

    weights_only (default True, as PyTorch 2.6+): unpickle only tensors, containers, primitive values and the
    globals allowed by `add_safe_globals`; False unpickles everything (it can run code from the file).
    map_location: a device or device string for every storage, a dict mapping the saved locations ('cpu',
    'cuda:0') to others, or a function `(storage, location) -> storage or None`. mmap: map a file's storages
    copy-on-write instead of reading them (`f` must be a path). pickle_load_args (such as `encoding`) go to the
    unpickler.
    """
    weights_only = _weights_only_flag(weights_only, pickle_module)
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    elif pickle_module is None:
        pickle_module = pickle
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_from(fh, os.fspath(f), True, map_location, pickle_module, weights_only, mmap,
                              pickle_load_args)
    if not (hasattr(f, "read") and hasattr(f, "seek") and hasattr(f, "tell")):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'seek'. You can only torch.load from a "
                             f"file that is seekable. Please pre-load the data into a buffer like io.BytesIO and try "
                             f"to load from it instead.")
    name = getattr(f, "name", None)
    return _load_from(f, name if isinstance(name, str) else f"<{type(f).__name__}>", False, map_location,
                      pickle_module, weights_only, mmap, pickle_load_args)


def _weights_only_flag(weights_only, pickle_module):
    """weights_only as PyTorch decides it: the caller's value, else True unless a pickle_module was given; the
    environment variables TORCH_FORCE_WEIGHTS_ONLY_LOAD / TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD override it."""
    not_set = weights_only is None
    if not_set:
        weights_only = pickle_module is None
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    force_no = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    if force and force_no:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
                           "should be set, but both were set.")
    if force:
        return True
    if force_no and not_set:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the`weights_only` "
                      "argument was not explicitly passed to `torch.load`, forcing weights_only=False.",
                      UserWarning, stacklevel=3)
        return False
    return bool(weights_only)


def _load_from(fh, name, is_path, map_location, pickle_module, weights_only, mmap, load_args):
    start = fh.tell()
    head = fh.read(16)
    fh.seek(start)
    if head[:4] == _ZIP_MAGIC:
        if mmap and not is_path:
            raise ValueError("f must be a file path in order to use the mmap argument")
        mmap_path = name if mmap else None
        if not weights_only:
            return load_archive(fh, name, map_location, pickle_module, False, mmap_path, load_args)
        try:
            return load_archive(fh, name, map_location, None, True, mmap_path, load_args)
        except pickle.UnpicklingError as e:
            raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
    if mmap:
        shown = f"{name}, " if is_path else ""
        raise RuntimeError(f"mmap can only be used with files saved with `torch.save({shown}"
                           f"_use_new_zipfile_serialization=True), please torch.save your checkpoint with this "
                           f"option in order to use mmap.")
    if len(head) > 8 and head[8:9] == b"{":
        return load_safetensors(fh, map_location)
    # NOTE: PyTorch's legacy format starts with a pickled magic number; reading it as PyTorch does makes any other
    # file fail as it fails there (EOFError, UnpicklingError, KeyError)
    if weights_only:
        from ._weights_only import WeightsUnpickler
        try:
            magic = WeightsUnpickler(fh, _no_storages, load_args.get("encoding", "utf-8")).load()
        except pickle.UnpicklingError as e:
            raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
    else:
        magic = pickle_module.Unpickler(fh, **load_args).load()
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    raise NotImplementedError(f"{name} is in PyTorch's legacy checkpoint format (torch.save before 1.6, or "
                              f"_use_new_zipfile_serialization=False), which glassgrad does not read; save it again "
                              f"with a current torch.save")


def _no_storages(pid):
    raise pickle.UnpicklingError("unsupported persistent id encountered")


def _weights_only_message(error):
    """The message of a refused weights_only load: what happened, the two ways out, and the unpickler's error."""
    if "was not an allowed global by default" in error:
        return ("Weights only load failed: the checkpoint names a global that torch.load does not unpickle with "
                "weights_only=True (its default since PyTorch 2.6). If you trust the source of the checkpoint, "
                "either\n\t(1) load it with `weights_only=False`, which unpickles everything and so can run "
                "arbitrary code from the file, or\n\t(2) keep `weights_only=True` and allow the global, as the "
                f"error below says.\n\tWeightsUnpickler error: {error}{_DOCS}")
    return ("Weights only load failed: the checkpoint holds something that torch.load does not unpickle with "
            "weights_only=True (its default since PyTorch 2.6). Loading it with `weights_only=False` may work, but "
            "that unpickles everything and can run arbitrary code from the file: do it only if you trust its "
            f"source.\n\tWeightsUnpickler error: {error}{_DOCS}")


def get_unsafe_globals_in_checkpoint(f):
    """The globals a checkpoint's pickle names that weights_only loading would refuse now (read, not run)."""
    import zipfile
    fh = open(f, "rb") if isinstance(f, (str, os.PathLike)) else f
    try:
        start = fh.tell()
        is_zip = fh.read(4) == _ZIP_MAGIC
        fh.seek(start)
        if not is_zip:
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        archive = zipfile.ZipFile(fh)
        names = archive.namelist()
        if any(n.endswith("/constants.pkl") for n in names):
            raise ValueError("Expected input to be a checkpoint returned by torch.save but got a torchscript "
                             "checkpoint")
        pkl = next((n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")), None)
        if pkl is None:
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        found = _weights_only.globals_in_pickle(archive.read(pkl))
    finally:
        if fh is not f:
            fh.close()
    return list(found - _weights_only.allowed_names())
