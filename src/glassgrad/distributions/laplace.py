"""Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale), reparameterised through the inverse cdf of a
uniform draw on (eps - 1, 1).

    >>> import glassgrad as torch
    >>> from glassgrad.distributions import Laplace
    >>> Laplace(0.0, 1.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-0.6931, -1.6931])
"""
import glassgrad as torch
from .distribution import Distribution
from .normal import _LocScale

__all__ = ["Laplace"]


class Laplace(_LocScale, Distribution):

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(self._set_loc_scale(loc, scale), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_loc_scale(Laplace, batch_shape, _instance)

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return 2 ** 0.5 * self.scale

    def rsample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        eps = torch.finfo(self.loc.dtype).eps
        # the lower bound eps - 1 keeps log1p(-|u|) finite
        u = torch.empty(shape, dtype=self.loc.dtype, device=self.loc.device).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * torch.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -torch.log(2 * self.scale) - torch.abs(value - self.loc) / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        return 0.5 - 0.5 * diff.sign() * torch.expm1(-diff.abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * torch.log1p(-2 * term.abs())

    def entropy(self):
        return 1 + torch.log(2 * self.scale)
