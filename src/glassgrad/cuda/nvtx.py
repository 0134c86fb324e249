"""torch.cuda.nvtx: NVTX ranges need a CUDA build; every call fails as in PyTorch's CPU build."""
import contextlib

__all__ = ["range_push", "range_pop", "range_start", "range_end", "mark", "range"]

_MSG = "NVTX functions not installed. Are you sure you have a CUDA build?"


def _fail(*args, **kwargs):
    raise RuntimeError(_MSG)


range_push = range_pop = range_start = range_end = mark = _fail


@contextlib.contextmanager
def range(msg, *args, **kwargs):
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
