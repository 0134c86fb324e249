"""torch.cpu: the CPU seen as a device module, as PyTorch answers for it (one device, always available,
nothing to synchronize), and torch.cpu.amp (deprecated spellings of torch.amp for the CPU).

    >>> import glassgrad as torch
    >>> torch.cpu.is_available(), torch.cpu.device_count(), torch.cpu.current_device()
    (True, 1, 'cpu')
"""
from .._lazy import lazy_attributes as _lazy_attributes

__all__ = ["is_available", "is_initialized", "device_count", "current_device", "set_device", "synchronize",
           "current_stream", "stream", "Stream", "StreamContext", "Event", "amp"]


def is_available():
    return True


def is_initialized():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    """Does nothing: there is one CPU device."""


def synchronize(device=None):
    """Does nothing: CPU work is done when the call returns."""


class Stream:
    """The CPU's only stream: work on it is done when it returns."""

    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def wait_event(self, event):
        pass

    def record_event(self, event=None):
        return Event() if event is None else event


class Event:
    """A CPU event: always complete."""

    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_stream = Stream()


def current_stream(device=None):
    return _default_stream


class StreamContext:
    """`with torch.cpu.stream(s):` selects `s` for the block: there is one stream, so nothing changes."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc):
        return False


def stream(stream):
    return StreamContext(stream)


__getattr__, __dir__ = _lazy_attributes(__name__, {"amp": (".amp", None)})
