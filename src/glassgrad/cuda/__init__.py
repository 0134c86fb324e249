"""glassgrad.cuda: what a script asks of torch.cuda on a machine without CUDA, answered as PyTorch's CPU build
answers it: no device, no memory in use, and `AssertionError: Torch not compiled with CUDA enabled` (or PyTorch's
other error) for what needs a GPU. No GPU backend exists yet; `glassgrad.device.emulate_cuda` copies tensors "to
cuda" on the CPU, and these answers stay those of a machine without CUDA.

    >>> import glassgrad as torch
    >>> torch.cuda.is_available(), torch.cuda.device_count(), torch.cuda.memory_allocated()
    (False, 0, 0)
    >>> torch.cuda.get_device_name(0)
    Traceback (most recent call last):
    ...
    AssertionError: Torch not compiled with CUDA enabled
"""
import collections
import warnings

from .._lazy import lazy_attributes as _lazy_attributes

__all__ = ["is_available", "is_initialized", "init", "device_count", "current_device", "set_device", "device",
           "device_of", "synchronize", "empty_cache", "ipc_collect", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "initial_seed", "get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all",
           "get_device_name", "get_device_properties", "get_device_capability", "get_arch_list", "get_gencode_flags",
           "is_bf16_supported", "is_tf32_supported", "can_device_access_peer", "mem_get_info", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "memory_cached", "max_memory_cached",
           "memory_stats", "memory_stats_as_nested_dict", "memory_summary", "reset_peak_memory_stats",
           "reset_max_memory_allocated", "reset_max_memory_cached", "reset_accumulated_memory_stats",
           "set_per_process_memory_fraction", "get_per_process_memory_fraction", "list_gpu_processes",
           "utilization", "temperature", "power_draw", "clock_rate", "memory_usage", "device_memory_used",
           "Stream", "Event", "StreamContext", "stream", "current_stream", "default_stream", "set_stream",
           "is_current_stream_capturing", "OutOfMemoryError", "amp", "nvtx", "has_half", "has_magma",
           "default_generators", "BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor",
           "FloatTensor", "HalfTensor", "IntTensor", "LongTensor", "ShortTensor"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"
_NO_NVML = "nvidia-ml-py does not seem to be installed or it can't be imported."
has_half = True
has_magma = False
default_generators = ()


def _not_compiled(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED)


def _no_c_binding(name):
    # NOTE: PyTorch's CPU build reaches for a CUDA binding its torch._C lacks; scripts see this AttributeError
    raise AttributeError(f"module 'torch._C' has no attribute '{name}'")


def _no_nvml(*args, **kwargs):
    raise ModuleNotFoundError(_NO_NVML)


# ---- availability and devices --------------------------------------------------------------------------------
def is_available():
    return False


def is_initialized():
    return False


def device_count():
    return 0


init = synchronize = current_device = ipc_collect = initial_seed = get_rng_state = _not_compiled
get_device_name = get_device_properties = get_device_capability = can_device_access_peer = _not_compiled
mem_get_info = set_per_process_memory_fraction = get_per_process_memory_fraction = _not_compiled
current_stream = default_stream = _not_compiled
utilization = temperature = power_draw = clock_rate = memory_usage = device_memory_used = _no_nvml


def is_bf16_supported(including_emulation=True):
    return False


def is_tf32_supported():
    return False


def get_arch_list():
    return []


def get_gencode_flags():
    return ""


def _device_index(value, optional=False):
    """A CUDA device index from an int, 'cuda:1' or device('cuda', 1) (PyTorch's rules and messages)."""
    from ..device import device as _device
    if isinstance(value, str):
        value = _device(value)
    if isinstance(value, _device):
        if value.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {value}")
        if value.index is None and not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{value}")
        return value.index
    if isinstance(value, int):
        return value
    if optional:
        return None  # NOTE: PyTorch's lookup gives up quietly on anything else (None, 1.5)
    raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{value}")


def set_device(device):
    if _device_index(device) >= 0:
        _no_c_binding("_cuda_setDevice")


class device:
    """`with torch.cuda.device(i):` selects GPU `i` for the block; without CUDA only index -1 (none) enters."""

    def __init__(self, device):
        self.idx = _device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx < 0:
            self.prev_idx = -1
            return
        raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *exc):
        self.idx = self.prev_idx
        return False


class device_of(device):
    """The CUDA device of a tensor, as a context manager (index -1 for a CPU tensor)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


# ---- random number generators: there are none ---------------------------------------------------------------
def manual_seed(seed):
    """Seeds the CUDA generators: there are none, so this does nothing (as in PyTorch's CPU build)."""


def manual_seed_all(seed):
    """Seeds every CUDA generator: there are none, so this does nothing (as in PyTorch's CPU build)."""


def seed():
    """Does nothing, as in PyTorch's CPU build."""


def seed_all():
    """Does nothing, as in PyTorch's CPU build."""


def get_rng_state_all():
    return []


def set_rng_state(new_state, device="cuda"):
    """Does nothing, as in PyTorch's CPU build (the state is not even checked)."""


def set_rng_state_all(new_states):
    """Does nothing, as in PyTorch's CPU build."""


# ---- memory: none in use -------------------------------------------------------------------------------------
def empty_cache():
    """Frees cached GPU memory: there is none."""


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def memory_cached(device=None):
    warnings.warn("`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`", FutureWarning,
                  stacklevel=2)
    return 0


def max_memory_cached(device=None):
    warnings.warn("`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`",
                  FutureWarning, stacklevel=2)
    return 0


def memory_stats(device=None):
    return collections.OrderedDict()


def memory_stats_as_nested_dict(device=None):
    return {}


def memory_summary(device=None, abbreviated=False):
    raise KeyError("allocated_bytes.all.current")  # NOTE: PyTorch's CPU build fails reading the empty stats


def reset_peak_memory_stats(device=None):
    _no_c_binding("_cuda_resetPeakMemoryStats")


def reset_max_memory_allocated(device=None):
    warnings.warn("torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, which resets "
                  "/all/ peak memory stats.", FutureWarning, stacklevel=2)
    reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None):
    warnings.warn("torch.cuda.reset_max_memory_cached now calls torch.cuda.reset_peak_memory_stats, which resets "
                  "/all/ peak memory stats.", FutureWarning, stacklevel=2)
    reset_peak_memory_stats(device)


def reset_accumulated_memory_stats(device=None):
    _no_c_binding("_cuda_resetAccumulatedMemoryStats")


def list_gpu_processes(device=None):
    return "pynvml module not found, please install nvidia-ml-py"


class OutOfMemoryError(RuntimeError):
    """Raised when a GPU runs out of memory (never, here); torch.OutOfMemoryError."""


OutOfMemoryError.__module__ = "torch"  # NOTE: PyTorch defines it at the top level; scripts catch it from either


# ---- streams and events ----------------------------------------------------------------------------------------
class Stream:
    def __new__(cls, *args, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    def __new__(cls, *args, **kwargs):
        raise RuntimeError("Tried to instantiate dummy base class Event")


class StreamContext:
    """`with torch.cuda.stream(s):`: only the None stream can be entered without CUDA (a no-op)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            _not_compiled()

    def __exit__(self, *exc):
        return False


def stream(stream):
    return StreamContext(stream)


def set_stream(stream):
    """Does nothing for None, as in PyTorch's CPU build."""
    if stream is not None:
        _not_compiled()


def is_current_stream_capturing():
    raise RuntimeError("Tried to instantiate dummy base class _cuda_isCurrentStreamCapturing")


# ---- torch.cuda.FloatTensor & co: types whose construction fails without CUDA ----------------------------------
def _cuda_tensor_type(name):
    def __new__(cls, *args, **kwargs):
        raise TypeError(f"type torch.cuda.{name} not available. Torch not compiled with CUDA enabled.")
    return type(name, (), {"__new__": __new__, "__module__": "torch.cuda",
                           "__doc__": f"torch.cuda.{name}: not available without CUDA."})


for _name in ("BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
              "HalfTensor", "IntTensor", "LongTensor", "ShortTensor"):
    globals()[_name] = _cuda_tensor_type(_name)
del _name

__getattr__, __dir__ = _lazy_attributes(__name__, {"amp": (".amp", None), "nvtx": (".nvtx", None)})
