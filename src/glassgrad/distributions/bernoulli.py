"""Bernoulli(probs=... | logits=...): 1 with probability p, else 0. One parameter is given; the other is derived
on first use (lazy_property).

    >>> import glassgrad as torch
    >>> from glassgrad.distributions import Bernoulli
    >>> Bernoulli(logits=torch.tensor([0.0, 2.0])).probs
    tensor([0.5000, 0.8808])
"""
import glassgrad as torch
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _new_like, NUMBER, broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]

MSG_ONE_OF = "Either `probs` or `logits` must be specified, but not both."


def _bce_with_logits(logits, target):
    from ..nn.functional import binary_cross_entropy_with_logits
    return binary_cross_entropy_with_logits(logits, target, reduction="none")


def _lazy_probs_and_logits():
    """New lazy `logits` and `probs` properties for a binary distribution's class, each derived from the other."""
    # NOTE: each class gets its own pair, in its own __dict__, as PyTorch defines them (a mixin would hide them)
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)
    return lazy_property(logits), lazy_property(probs)


class _ProbsOrLogits:
    """The parameterisation the binary distributions share (Bernoulli, Geometric, LogitRelaxedBernoulli): exactly
    one of `probs` and `logits` is given; the other is derived from it on first read (see _lazy_probs_and_logits)."""

    def _set_probs_or_logits(self, probs, logits):
        """Stores the given parameter (as `_param` too) and returns the batch shape it implies."""
        if (probs is None) == (logits is None):
            raise ValueError(MSG_ONE_OF)
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        (self._param,) = broadcast_all(given)
        setattr(self, name, self._param)
        return torch.Size() if isinstance(given, NUMBER) else self._param.size()

    def _expand_probs_or_logits(self, new, batch_shape):
        """Expands into `new` the parameters computed so far; the other stays lazy."""
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new._param = getattr(self, name).expand(batch_shape)
                setattr(new, name, new._param)


class _BinaryParam(_ProbsOrLogits):
    """_ProbsOrLogits with the `param_shape` and `_new` that Bernoulli and LogitRelaxedBernoulli expose."""

    def _new(self, *args, **kwargs):
        return _new_like(self._param, *args, **kwargs)

    @property
    def param_shape(self):
        return self._param.size()


class Bernoulli(_BinaryParam, ExponentialFamily):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0
    logits, probs = _lazy_probs_and_logits()

    def __init__(self, probs=None, logits=None, validate_args=None):
        batch_shape = self._set_probs_or_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = torch.Size(batch_shape)
        self._expand_probs_or_logits(new, batch_shape)
        super(Bernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs)
        mode[self.probs == 0.5] = torch.nan  # a tie has no mode
        return mode

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        with torch.no_grad():
            return torch.bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_with_logits(logits, value)

    def entropy(self):
        return _bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand=True):
        values = torch.arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values

    @property
    def _natural_params(self):
        return (torch.logit(self.probs),)

    def _log_normalizer(self, x):
        return torch.log1p(torch.exp(x))
