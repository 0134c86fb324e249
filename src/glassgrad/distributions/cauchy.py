"""Cauchy(loc, scale): the Lorentz distribution (no mean, no variance), reparameterised as loc + eps * scale with
eps drawn by cauchy_.

    >>> import glassgrad as torch
    >>> from glassgrad.distributions import Cauchy
    >>> Cauchy(0.0, 1.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-1.1447, -1.8379])
"""
import math

import glassgrad as torch
from .distribution import Distribution
from .normal import _LocScale

__all__ = ["Cauchy"]


class Cauchy(_LocScale, Distribution):

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(self._set_loc_scale(loc, scale), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_loc_scale(Cauchy, batch_shape, _instance)

    @property
    def mean(self):
        return torch.full(self._extended_shape(), torch.nan, dtype=self.loc.dtype, device=self.loc.device)

    @property
    def variance(self):
        return torch.full(self._extended_shape(), torch.inf, dtype=self.loc.dtype, device=self.loc.device)

    def rsample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        eps = torch.empty(shape, dtype=self.loc.dtype, device=self.loc.device).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return torch.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return torch.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
