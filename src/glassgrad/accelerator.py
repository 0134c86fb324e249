"""glassgrad.accelerator: PyTorch's device-agnostic accelerator API (`torch.accelerator`), answered as PyTorch's
CPU build answers it on a machine without an accelerator: nothing is available, and every call that needs a
device raises PyTorch's RuntimeError.

    >>> import glassgrad as torch
    >>> torch.accelerator.is_available(), torch.accelerator.current_accelerator(), torch.accelerator.device_count()
    (False, None, 0)
"""
import contextlib
import warnings

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "current_device_idx",
           "set_device_index", "set_device_idx", "device_index", "current_stream", "set_stream", "synchronize",
           "empty_cache", "empty_host_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "memory_stats", "reset_peak_memory_stats", "reset_accumulated_memory_stats",
           "get_memory_info", "get_device_capability"]

_NONE = "Cannot access accelerator device when none is available."


def _unavailable(*args):
    raise RuntimeError(_NONE)


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0


def _check_index(device):
    if device is None:
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
    _unavailable()


def set_device_index(device, /):
    _check_index(device)


def current_device_idx():
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_idx(device, /):
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    set_device_index(device)


@contextlib.contextmanager
def device_index(device, /):
    """Switches the current accelerator device inside the block; None leaves it (there is none) as it is."""
    if device is not None:
        _unavailable()
    yield


def set_stream(stream):
    raise TypeError("set_stream() expects a torch.Stream; glassgrad has no accelerator streams")


current_device_index = synchronize = empty_cache = empty_host_cache = current_stream = _unavailable
memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = memory_stats = _unavailable
reset_peak_memory_stats = reset_accumulated_memory_stats = get_memory_info = get_device_capability = _unavailable
