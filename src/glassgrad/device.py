"""torch.device, and the switch that lets glassgrad pretend a CUDA device exists.

Like a CPU-only PyTorch build, glassgrad constructs any device PyTorch knows (`device("cuda:1")` is just a
name); only moving data there fails (ops/device_copy.py says how). With `emulate_cuda(True)`, moves to
"cuda" succeed instead and make copies marked as living on the GPU, so that scripts written for a GPU run
unchanged (and `explain` can say that `.cuda()` made a non-leaf). Nothing computes on a GPU.

    >>> import glassgrad as torch
    >>> torch.device("cuda", 1)
    device(type='cuda', index=1)
    >>> str(torch.device("cuda:0")), torch.device("cpu") == torch.device("cpu", 0)
    ('cuda:0', False)
"""
import re
import warnings

__all__ = ["device", "cpu", "emulate_cuda", "is_cuda_emulated"]

# NOTE: PyTorch's device types in the order its error message lists them; the ids are its DeviceType
# numbers, which its hash of a device is made of (kept so that hashes agree).
_TYPE_IDS = {"cpu": 0, "cuda": 1, "ipu": 18, "xpu": 12, "mkldnn": 2, "opengl": 3, "opencl": 4, "ideep": 5,
             "hip": 6, "ve": 16, "fpga": 7, "maia": 8, "xla": 9, "lazy": 17, "vulkan": 10, "mps": 13, "meta": 14,
             "hpu": 15, "mtia": 19, "privateuseone": 20}
MSG_BAD_TYPE = f"Expected one of {', '.join(_TYPE_IDS)} device type at start of device string: "
MSG_NO_ACCELERATOR = "Cannot access accelerator device when none is available."
# a device string: letters/underscores, then optionally ':' and an index without leading zeros
_DEVICE_STRING = re.compile(r"([A-Za-z_]+)(?::(0|[1-9][0-9]*))?", re.ASCII)
_INT32_MAX = 2 ** 31 - 1
_UNSET = object()

_emulating = False


class emulate_cuda:
    """`emulate_cuda(True)` turns CUDA emulation on (`False` off) at once; as a context manager it restores the
    previous setting on exit.

        >>> from glassgrad.device import emulate_cuda, is_cuda_emulated
        >>> with emulate_cuda(True):
        ...     is_cuda_emulated()
        True
        >>> is_cuda_emulated()
        False
    """
    __slots__ = ("prev",)

    def __init__(self, mode=True):
        global _emulating
        self.prev = _emulating
        _emulating = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _emulating
        _emulating = self.prev


def is_cuda_emulated():
    return _emulating


class device:
    """A device name: `type` ('cpu', 'cuda', ...) and an optional `index`. Immutable and hashable."""
    __slots__ = ("_type", "_index")

    def __init__(self, type=_UNSET, index=_UNSET):
        if isinstance(type, device):
            if index is not _UNSET:
                raise TypeError("device(): argument 'type' (position 1) must be str, not torch.device")
            t, i = type._type, type._index
        elif type is _UNSET:
            raise TypeError("device() received an invalid combination of arguments - got (), but expected one "
                            "of:\n * (torch.device device)\n * (str type, int index = -1)\n")
        elif isinstance(type, (str, bytes)):
            t, i = _parse(type.decode() if isinstance(type, bytes) else type, index)
        elif _is_int(type) and index is _UNSET:
            # NOTE: a bare index names the current accelerator, which a CPU-only build does not have
            i = _check_index(type)
            if not _emulating:
                raise RuntimeError(MSG_NO_ACCELERATOR)
            t = "cuda"
        else:
            name = _typename(type)
            if index is not _UNSET:
                raise TypeError(f"device(): argument 'type' (position 1) must be str, not {name}")
            raise TypeError(f"device() received an invalid combination of arguments - got ({name}), but expected "
                            f"one of:\n * (torch.device device)\n      didn't match because some of the arguments "
                            f"have invalid types: (!{name}!)\n * (str type, int index = -1)\n")
        object.__setattr__(self, "_type", t)
        object.__setattr__(self, "_index", i)

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __setattr__(self, name, value):
        if name in ("type", "index"):
            raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")
        raise AttributeError(f"'torch.device' object has no attribute '{name}'")

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other):
        # NOTE: PyTorch compares devices with devices only: device("cpu") == "cpu" is False
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self):
        index = -1 if self._index is None else self._index
        return (_TYPE_IDS[self._type] << 16) | (index & 0xFF)

    def _refuse(self, other):
        raise TypeError("comparison not implemented")

    __lt__ = __le__ = __gt__ = __ge__ = _refuse

    def __reduce__(self):
        return (device, (self._type,) if self._index is None else (self._type, self._index))


def _parse(s, index):
    if not s:
        raise RuntimeError("Device string must not be empty")
    m = _DEVICE_STRING.fullmatch(s)
    if m is None:
        raise RuntimeError(f"Invalid device string: '{s}'")
    t, digits = m.groups()
    if t not in _TYPE_IDS:
        raise RuntimeError(MSG_BAD_TYPE + s)
    if t == "mkldnn":
        warnings.warn("'mkldnn' is no longer used as device type. So torch.device('mkldnn') will be deprecated and "
                      "removed in the future. Please use other valid device types instead.", UserWarning,
                      stacklevel=3)
    i = None
    if digits is not None:
        if int(digits) > _INT32_MAX:
            raise RuntimeError(f"Could not parse device index '{digits}' in device string '{s}'")
        i = int(digits)
    if index is not _UNSET:
        if digits is not None:
            raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {s}")
        if index is not None:
            if not _is_int(index):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not {_typename(index)}")
            i = _check_index(index)
    return t, i


def _is_int(x):
    # NOTE: anything with __index__ (NumPy integers, 1-element integer tensors) except bool, as PyTorch accepts
    if isinstance(x, bool):
        return False
    try:
        x.__index__()
    except (AttributeError, TypeError, RuntimeError, ValueError):
        return False
    return True


def _check_index(x):
    i = x.__index__()
    if i < 0:
        raise RuntimeError("Device index must not be negative")
    return i


def _typename(x):
    return type(x).__name__


cpu = device("cpu")
