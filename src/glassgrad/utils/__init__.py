"""glassgrad.utils: PyTorch's torch.utils names that a training loop touches (data loading)."""
from .._lazy import lazy_attributes as _lazy_attributes

# NOTE: imported on first use, so that `import glassgrad.utils.data` does not load checkpoint, nor the reverse
__getattr__, __dir__ = _lazy_attributes(__name__, {"checkpoint": (".checkpoint", None), "data": (".data", None)})

__all__ = ["checkpoint", "data"]
