"""torch.backends.mps: no Metal backend (as in PyTorch's Linux CPU build)."""
__all__ = ["is_available", "is_built"]


def is_available():
    return False


def is_built():
    return False


from .._missing import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
