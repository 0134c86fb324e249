"""glassgrad.utils: PyTorch's torch.utils names that a training loop touches (data loading)."""
from . import data

__all__ = ["data"]
