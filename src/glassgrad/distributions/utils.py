"""Helpers the distributions share, with torch.distributions.utils' names: parameter broadcasting, the
probabilities/logits conversions, `lazy_property`, and the packing of lower-triangular matrices into vectors.

    >>> import glassgrad as torch
    >>> from glassgrad.distributions.utils import broadcast_all, probs_to_logits
    >>> loc, scale = broadcast_all(torch.zeros(2), 1.0)
    >>> scale
    tensor([1., 1.])
    >>> probs_to_logits(torch.tensor([0.5, 0.25]), is_binary=True)
    tensor([ 0.0000, -1.0986])
"""
import functools

import glassgrad as torch
from ..tensor import Tensor

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant"]

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant
NUMBER = (int, float, bool)  # what PyTorch's distributions accept as a plain number (NumPy's float64 is a float)


def broadcast_all(*values):
    """The values broadcast to one shape. A number becomes a tensor of the first tensor argument's dtype (the
    default dtype when all are numbers) before broadcasting."""
    if not all(isinstance(v, (Tensor,) + NUMBER) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        like = next((v for v in values if isinstance(v, Tensor)), None)
        dtype = torch.get_default_dtype() if like is None else like.dtype
        values = [v if isinstance(v, Tensor) else torch.tensor(v, dtype=dtype) for v in values]
    return torch.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device):
    """N(0, 1) draws of `shape`, drawn as PyTorch's distributions draw them: normal_ on a new tensor."""
    return torch.empty(shape, dtype=dtype, device=device).normal_()


def broadcast_shape(*shapes):
    """The broadcast of shapes, as a torch.Size, with torch.broadcast_shapes' error (see the NOTE)."""
    # NOTE: glassgrad.broadcast_shapes fails on every call (it tests isinstance(s, int) where `int` is the dtype
    # glassgrad.int); this does its work until it is fixed
    result = []
    for k, given in enumerate(shapes):
        shape = tuple(given)
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for i in range(1, len(shape) + 1):
            d, r = shape[-i], result[-i]
            if d != 1 and r not in (1, d):
                raise RuntimeError(f"Attempting to broadcast a dimension of length {d} at {-i}! Mismatching "
                                   f"argument at index {k} had {given}; but expected shape should be broadcastable "
                                   f"to [{', '.join(map(str, result))}]")
            if d != 1:
                result[-i] = d
    return torch.Size(result)


def _new_like(param, *args, **kwargs):
    """`param.new(*args)`: a new tensor of `param`'s dtype, of a shape (uninitialised) or from data."""
    if hasattr(param, "new"):
        return param.new(*args, **kwargs)
    if not args or all(isinstance(a, int) for a in args) or (len(args) == 1 and isinstance(args[0], torch.Size)):
        return torch.empty(*args, dtype=param.dtype, device=param.device)
    return param.new_tensor(*args, **kwargs)


def _sum_rightmost(value, dim):
    """`value` summed over its `dim` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: the sigmoid of log-odds (binary), else the softmax over the last dimension."""
    if is_binary:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def clamp_probs(probs):
    """`probs` clamped to [eps, 1 - eps], eps the machine epsilon of its dtype, so that logs stay finite."""
    eps = torch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities (clamped first): log-odds for the binary case, log-probabilities otherwise."""
    clamped = clamp_probs(probs)
    if is_binary:
        return torch.log(clamped) - torch.log1p(-clamped)
    return torch.log(clamped)


class lazy_property:
    """A method computed on the first read of the attribute and stored in the instance (gradients enabled, so a
    parameter derived from another keeps its graph even when first read under no_grad). Read on the class, it is
    a property, so that Distribution's argument validation can tell a derived parameter from a given one."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with torch.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property is when read on its class: both a lazy_property and a property."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def _tril_mask(n, diag, device):
    idx = torch.arange(n, device=device)
    return idx < idx.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular entries (on and below diagonal `diag`) of a (batch of) square matrix, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of tril_matrix_to_vec: a (batch of) lower-triangular matrix from its entries, row by row."""
    # the side n solves n (n + 1) / 2 + (n - 1 ... terms of diag) = len(vec): the positive root of the quadratic
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = torch.finfo(vec.dtype).eps
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as the lower "
                         "triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(vec.shape[:-1] + (n, n))
    mat[..., _tril_mask(n, diag, vec.device)] = vec
    return mat
