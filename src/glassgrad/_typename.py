"""torch.typename: how PyTorch names an object's type in its error messages."""
from .tensor import Tensor

__all__ = ["typename"]


def typename(obj):
    """'torch.FloatTensor' for a tensor, the qualified class name otherwise.

    >>> import glassgrad
    >>> glassgrad.typename(glassgrad.ones(2)), glassgrad.typename(3)
    ('torch.FloatTensor', 'int')
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"
