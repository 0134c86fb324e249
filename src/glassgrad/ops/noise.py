"""The noisy nn.functional ops: alpha_dropout, feature_alpha_dropout (SELU-preserving dropout) and gumbel_softmax.

Masks and noise come from glassgrad's generator through bernoulli_ and exponential_, in the order and shapes
PyTorch draws them, so that a seeded program gets PyTorch's values.
"""
import warnings

from . import elementwise as E, unary as U, activation as A, reduction as R
from .creation import empty, zeros_like, empty_like

__all__ = ["alpha_dropout", "feature_alpha_dropout", "gumbel_softmax"]

_ALPHA = 1.7580993408473766  # -SELU's negative saturation value (scale * alpha)


def _check_p(p, error):
    if p < 0.0 or p > 1.0:
        raise error(f"dropout probability has to be between 0 and 1, but got {p}")


def _alpha_dropout(input, p, train, inplace, feature):
    """PyTorch's alpha dropout: kept elements scaled by a and dropped ones set to a point b off, so that a SELU
    network keeps mean 0 and variance 1."""
    if p == 0 or not train or input._data.size == 0:
        return input
    if p == 1:
        zero = empty((), dtype=input._dtype).fill_(0)
        return input.mul_(zero) if inplace else E.mul(input, zero)
    if feature:
        if input._data.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input._data.shape[:2]) + (1,) * (input._data.ndim - 2)
        noise = empty(*shape, dtype=input._dtype)
    else:
        noise = empty_like(input)
    noise.bernoulli_(1 - p)
    a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5
    b = E.add(E.mul(E.add(noise, -1), _ALPHA * a), _ALPHA * a * p)
    noise = E.mul(noise, a)
    out = input.mul_(noise) if inplace else E.mul(input, noise)
    return out.add_(b)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p, ValueError)
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p, ValueError)
    return _alpha_dropout(input, p, training, inplace, True)


def _torch_alpha_dropout(input, p, train):
    _check_p(p, RuntimeError)
    return _alpha_dropout(input, p, train, False, False)


def _torch_alpha_dropout_(input, p, train):
    _check_p(p, RuntimeError)
    return _alpha_dropout(input, p, train, True, False)


def _torch_feature_alpha_dropout(input, p, train):
    _check_p(p, RuntimeError)
    return _alpha_dropout(input, p, train, False, True)


def _torch_feature_alpha_dropout_(input, p, train):
    _check_p(p, RuntimeError)
    return _alpha_dropout(input, p, train, True, True)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax distribution; hard=True gives one-hot values with the soft gradient."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning, stacklevel=2)
    gumbels = U.neg(U.log(empty_like(logits).exponential_()))
    y_soft = A.softmax(E.div(E.add(logits, gumbels), tau), dim)
    if not hard:
        return y_soft
    index = R.max(y_soft, dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return E.add(E.sub(y_hard, y_soft.detach()), y_soft)


API = {"torch": {"alpha_dropout": _torch_alpha_dropout, "alpha_dropout_": _torch_alpha_dropout_,
                 "feature_alpha_dropout": _torch_feature_alpha_dropout,
                 "feature_alpha_dropout_": _torch_feature_alpha_dropout_},
       "Tensor": (), "nn.functional": __all__, "linalg": (), "special": ()}
