"""torch.backends.openmp: PyTorch's CPU build uses OpenMP and says so; glassgrad reports the same."""
__all__ = ["is_available"]


def is_available():
    return True


from .._missing import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
