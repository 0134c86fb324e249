"""parameters_to_vector and vector_to_parameters: all parameters as one flat vector and back.

    >>> import glassgrad as torch
    >>> m = torch.nn.Linear(2, 1)
    >>> torch.nn.utils.parameters_to_vector(m.parameters()).shape
    torch.Size([3])
"""
from ...tensor import Tensor
from ...ops.shape import cat
from ..modules.module import _typename

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """One vector of all parameters, flattened and concatenated (differentiable: a view per parameter)."""
    return cat([param.view(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Sets the parameters' data from consecutive slices of `vec` (the parameters then share vec's memory)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
