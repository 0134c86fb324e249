"""Normal(loc, scale): the Gaussian, reparameterised as loc + eps * scale.

    >>> import glassgrad as torch
    >>> from glassgrad.distributions import Normal
    >>> Normal(0.0, 2.0).log_prob(torch.tensor([0.0, 2.0]))
    tensor([-1.6121, -2.1121])
"""
import math

import glassgrad as torch
from . import constraints
from .exp_family import ExponentialFamily
from .utils import NUMBER, _standard_normal, broadcast_all

__all__ = ["Normal"]

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


class _LocScale:
    """What the location-scale families share (Normal, Cauchy, Laplace): a real `loc` and a positive `scale`
    broadcast together, the batch shape theirs, real support, reparameterised samples, the mode at `loc`."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mode(self):
        return self.loc

    def _set_loc_scale(self, loc, scale):
        """Stores loc and scale; returns the batch shape they imply (() when both are plain numbers)."""
        self.loc, self.scale = broadcast_all(loc, scale)
        scalars = isinstance(loc, NUMBER) and isinstance(scale, NUMBER)
        return torch.Size() if scalars else self.loc.size()

    def _expand_loc_scale(self, cls, batch_shape, _instance):
        """expand() for the class `cls`: loc and scale expanded, no new validation."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = torch.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        super(cls, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new


class Normal(_LocScale, ExponentialFamily):
    _mean_carrier_measure = 0

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(self._set_loc_scale(loc, scale), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_loc_scale(Normal, batch_shape, _instance)

    @property
    def mean(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def sample(self, sample_shape=torch.Size()):
        # NOTE: torch.normal(mean, std), not rsample's normal_: the draws PyTorch makes for sample()
        shape = self._extended_shape(sample_shape)
        with torch.no_grad():
            return torch.normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + torch.erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        return self.loc + self.scale * torch.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + torch.log(self.scale)

    @property
    def _natural_params(self):
        return (self.loc / self.scale.pow(2), -0.5 * self.scale.pow(2).reciprocal())

    def _log_normalizer(self, x, y):
        return -0.25 * x.pow(2) / y + 0.5 * torch.log(-math.pi / y)
