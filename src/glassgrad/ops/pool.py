"""Pooling (max, average, adaptive) and interpolation."""
from .registry import primitive, defvjp, apply, call, NON_DIFFERENTIABLE, ZERO_GRAD  # noqa: F401

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}
