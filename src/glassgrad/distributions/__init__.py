"""glassgrad.distributions: torch.distributions, the parts training scripts use (policy gradients, VAEs,
probabilistic models): the distributions, their constraints and transforms, and kl_divergence.

    >>> import glassgrad as torch
    >>> from glassgrad.distributions import Categorical, Normal, kl_divergence
    >>> _ = torch.manual_seed(0)
    >>> pi = Categorical(logits=torch.tensor([0.0, 1.0, 2.0]))
    >>> a = pi.sample()
    >>> a, pi.log_prob(a)
    (tensor(2), tensor(-0.4076))
    >>> kl_divergence(Normal(0.0, 1.0), Normal(0.0, 2.0))
    tensor(0.3181)

The code is written against glassgrad's torch-shaped namespace (`import glassgrad as torch`), and samples with the
same calls to the random functions that PyTorch's distributions make (torch.normal, normal_, rand, multinomial,
bernoulli, exponential_ ...), so that a seeded script draws the same samples under glassgrad as under PyTorch.
Gamma, Beta and Dirichlet sample through _gamma (PyTorch's gamma sampler on the same stream).

A PyTorch distribution that glassgrad does not implement raises NotImplementedError naming it.
"""
from . import constraints, transforms  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .constraint_registry import biject_to, transform_to
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .mixture_same_family import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F401,F403
from .uniform import Uniform
from .._missing import is_torch_submodule as _is_torch_submodule, not_implemented as _not_implemented

__all__ = ["Bernoulli", "Beta", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution", "Exponential",
           "ExponentialFamily", "Gamma", "Geometric", "Gumbel", "HalfNormal", "Independent", "Laplace", "LogNormal",
           "MixtureSameFamily", "MultivariateNormal", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough",
           "Poisson", "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution",
           "Uniform", "biject_to", "kl_divergence", "register_kl", "transform_to"]
__all__.extend(transforms.__all__)

# torch.distributions names glassgrad does not have (yet): using one says so
_TORCH_ONLY = frozenset(
    "Binomial ContinuousBernoulli FisherSnedecor GeneralizedPareto HalfCauchy InverseGamma Kumaraswamy "
    "LKJCholesky LogisticNormal LowRankMultivariateNormal Multinomial NegativeBinomial Pareto VonMises Weibull "
    "Wishart CatTransform CorrCholeskyTransform StackTransform".split())


def __getattr__(name):
    if name in _TORCH_ONLY or _is_torch_submodule(f"torch.distributions.{name}"):
        raise _not_implemented(f"torch.distributions.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
