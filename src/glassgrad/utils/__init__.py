"""glassgrad.utils: PyTorch's torch.utils names that a training loop touches (data loading)."""
from . import checkpoint, data

__all__ = ["checkpoint", "data"]
