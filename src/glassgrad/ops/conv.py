"""Convolutions (1d/2d/3d, transposed) and unfold/fold, through strided windows and BLAS."""
from .registry import primitive, defvjp, apply, call, NON_DIFFERENTIABLE, ZERO_GRAD  # noqa: F401

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}
