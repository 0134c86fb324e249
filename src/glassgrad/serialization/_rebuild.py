"""What a PyTorch checkpoint's pickle calls to rebuild its tensors, written for glassgrad.

A checkpoint stores each tensor as a call: `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
requires_grad, backward_hooks)`, where `storage` is a persistent id that the loader turns into a storage (a
1-D block of elements read from the archive's `data/<key>` record). The functions here are what those names resolve
to when glassgrad loads (`_names.py` gives them PyTorch's names both ways): a tensor is a NumPy view into its
storage's array, so two tensors saved as views of one storage load as views of one array again, as in PyTorch.

Storages are also what a `map_location` function receives: `storage.cpu()`, `storage.cuda(i)` and returning it
unchanged work as in PyTorch.
"""
import numpy as np

from .. import _dtype as D
from ..device import device as _device, is_cuda_emulated
from ..tensor import Tensor, _new

__all__ = ["Storage", "StorageType", "STORAGE_TYPES", "restore_location", "rebuild_tensor", "rebuild_tensor_v2",
           "rebuild_tensor_v3", "rebuild_parameter", "rebuild_parameter_with_state", "rebuild_from_type_v2",
           "rebuild_device_tensor_from_numpy", "rebuild_device_tensor_from_cpu_tensor", "get_layout", "unsupported"]

MSG_NO_CUDA = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. If you "
               "are running on a CPU-only machine, please use torch.load with map_location=torch.device('cpu') to "
               "map your storages to the CPU.")


class StorageType:
    """What `torch.FloatStorage` (and the other legacy storage classes) name in a pickle: the dtype of a storage.
    `UntypedStorage` is a storage of bytes (the newer dtypes save one and give the dtype to `_rebuild_tensor_v3`)."""
    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name = name
        self.dtype = dtype

    def __repr__(self):
        return f"StorageType(dtype={self.dtype})"

    def __reduce__(self):
        return self.name  # pickled as a global; _names.py gives it PyTorch's module


# the storage classes of glassgrad's dtypes, by PyTorch's class names
STORAGE_TYPES = {name: StorageType(name, dt) for name, dt in (
    ("DoubleStorage", D.float64), ("FloatStorage", D.float32), ("HalfStorage", D.float16),
    ("LongStorage", D.int64), ("IntStorage", D.int32), ("ShortStorage", D.int16), ("CharStorage", D.int8),
    ("ByteStorage", D.uint8), ("BoolStorage", D.bool_), ("UntypedStorage", D.uint8))}
STORAGE_NAME = {st.dtype: name for name, st in STORAGE_TYPES.items() if name != "UntypedStorage"}


class Storage:
    """A loaded storage: `array` (1-D, of the storage's dtype) and the device its tensors are put on. To a
    `map_location` function it looks like PyTorch's UntypedStorage: sizes in bytes, `cpu()`, `cuda()`, `to()`."""
    __slots__ = ("array", "device")

    def __init__(self, array, device):
        self.array = array
        self.device = device

    def nbytes(self):
        return self.array.nbytes

    size = nbytes
    __len__ = nbytes

    def cpu(self):
        return Storage(self.array, _device("cpu"))

    def cuda(self, device=None, non_blocking=False):
        return Storage(self.array, _cuda_device("cuda" if device is None else device))

    def to(self, *, device=None, non_blocking=False):
        return Storage(self.array, _check_device(_device(device)))

    def __repr__(self):
        return f"<glassgrad storage of {self.array.nbytes} bytes on {self.device}>"


def _cuda_device(spec):
    d = _device(spec) if not isinstance(spec, int) else _device("cuda", spec)
    return _check_device(_device("cuda", 0) if d.index is None else d)


def _check_device(d):
    """A device glassgrad can put loaded tensors on: the CPU, or a GPU while CUDA is emulated."""
    if d.type == "cuda":
        if not is_cuda_emulated():
            raise RuntimeError(MSG_NO_CUDA)
        return d
    if d.type != "cpu":
        raise RuntimeError(_no_restore(str(d)))
    return d


def _no_restore(location):
    return f"don't know how to restore data location of torch.storage.UntypedStorage (tagged with {location})"


def restore_location(storage, location):
    """The storage placed at `location` (a tag: 'cpu', 'cuda' or 'cuda:<index>'), as torch.load's default does."""
    if not isinstance(location, str):
        raise TypeError(f"a storage location must be a string, not {type(location).__name__}")
    if location == "cpu":
        return Storage(storage.array, _device("cpu"))
    if location == "cuda" or location.startswith("cuda:"):
        return Storage(storage.array, _cuda_device(location))
    raise RuntimeError(_no_restore(location))


def _typed(storage, dtype):
    """The storage's array as elements of `dtype` (an untyped storage holds bytes)."""
    arr = storage.array
    if arr.dtype != dtype.np:
        if arr.nbytes % dtype.itemsize:
            raise RuntimeError(f"a storage of {arr.nbytes} bytes does not hold whole {dtype} elements")
        arr = arr.view(dtype.np)
    return arr


def _view(storage, dtype, storage_offset, size, stride):
    """A tensor over the storage's memory: writes through it reach every tensor made from the same storage."""
    arr = _typed(storage, dtype)
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    offset = int(storage_offset)
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"invalid tensor geometry in checkpoint: size {list(size)}, stride {list(stride)}, "
                           f"storage offset {offset}")
    if 0 in size:
        data = np.empty(size, dtype.np)
    else:
        needed = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
        if needed > arr.size:
            raise RuntimeError(
                f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize "
                f"{dtype.itemsize} requiring a storage size of {needed * dtype.itemsize} are out of bounds for "
                f"storage of size {arr.nbytes}")
        data = np.ndarray(size, dtype.np, buffer=arr, offset=offset * dtype.itemsize,
                          strides=tuple(s * dtype.itemsize for s in stride))
    t = _new(data, dtype)
    if storage.device.type != "cpu":
        from ..ops.device_copy import place
        place(t, storage.device)
    return t


def _check_metadata(metadata):
    # NOTE: PyTorch records the conjugate and negative bits of complex views here; glassgrad has no complex
    # dtypes, so a set bit cannot be honoured
    if metadata and any(metadata.values()):
        raise NotImplementedError(f"glassgrad cannot load a tensor with metadata {metadata!r} (conjugate or "
                                  f"negative views of complex tensors)")


def _storage_dtype(storage):
    if not isinstance(storage, Storage):
        raise TypeError(f"expected a storage from the checkpoint, got {type(storage).__name__}")
    return D.from_numpy_dtype(storage.array.dtype)


def rebuild_tensor(storage, storage_offset, size, stride):
    return _view(storage, _storage_dtype(storage), storage_offset, size, stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    _check_metadata(metadata)
    t = rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    _check_metadata(metadata)
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"expected a dtype, got {type(dtype).__name__}")
    t = _view(storage, dtype, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_parameter(data, requires_grad, backward_hooks):
    from ..nn.parameter import Parameter
    return Parameter(data, requires_grad)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(rebuild_parameter(data, requires_grad, backward_hooks), state)


def _set_state(obj, state):
    """Python attributes of a tensor (a dict, or a (dict, slots) pair), set as PyTorch's loader sets them."""
    slots = None
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        state, slots = state
    for part in (state, slots):
        for k, v in (part or {}).items():
            setattr(obj, k, v)
    return obj


def rebuild_from_type_v2(func, new_type, args, state):
    """A tensor of a Tensor subclass, or one with Python attributes: `func(*args)`, then its class and state."""
    ret = func(*args)
    if type(ret) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise TypeError(f"cannot rebuild a tensor as {new_type!r}, which is not a Tensor class")
        ret.__class__ = new_type  # NOTE: as Tensor.as_subclass: the same data and history, seen as the subclass
    setstate = getattr(type(ret), "__setstate__", None)
    if setstate is not None and setstate is not getattr(Tensor, "__setstate__", None):  # a subclass's own
        ret.__setstate__(state)
    else:
        _set_state(ret, state)
    return ret


def rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    from ..ops.creation import from_numpy
    t = from_numpy(np.array(data, copy=True)).to(dtype=dtype)
    t = _placed(t, device)
    t.requires_grad = requires_grad
    return t


def rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    t = _placed(data.detach().to(dtype=dtype), device)
    t.requires_grad = requires_grad
    return t


def _placed(t, device):
    d = _check_device(_device(device) if not isinstance(device, _device) else device)
    if d.type != "cpu":
        from ..ops.device_copy import place
        place(t, d)
    return t


def get_layout(name):
    """`torch.serialization._get_layout`: glassgrad has the strided layout only."""
    if name == "torch.strided":
        return name
    raise NotImplementedError(f"glassgrad cannot load tensors with layout {name}: it has strided tensors only")


def unsupported(what):
    """A stand-in for a rebuild function PyTorch allows but glassgrad cannot honour (sparse, quantized, nested or
    meta tensors): loading a checkpoint that calls it raises NotImplementedError naming `what`."""
    def rebuild(*args, **kwargs):
        raise NotImplementedError(f"glassgrad cannot load {what}: it has dense strided CPU tensors only")
    rebuild.__qualname__ = rebuild.__name__ = f"unsupported_{what.replace(' ', '_')}"
    return rebuild

