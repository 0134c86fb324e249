"""glassgrad.nn: PyTorch's torch.nn names. The functional interface lives in nn.functional."""
from . import functional

__all__ = ["functional"]
