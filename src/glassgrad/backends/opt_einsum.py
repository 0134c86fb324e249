"""torch.backends.opt_einsum: whether the opt_einsum package is installed, and the flags PyTorch derives from it.
glassgrad's einsum lets NumPy choose the contraction order; the flags are kept for scripts that read them."""
import importlib.util

__all__ = ["is_available", "get_opt_einsum"]


def is_available():
    return importlib.util.find_spec("opt_einsum") is not None


def get_opt_einsum():
    """The opt_einsum package if it is installed, else None."""
    if not is_available():
        return None
    import opt_einsum
    return opt_einsum


enabled = is_available()
strategy = "auto" if enabled else None


from .._missing import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
