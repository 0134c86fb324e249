"""glassgrad.nn.utils: gradient clipping, parameters as one vector, and padding of sequences (nn.utils.rnn)."""
from . import clip_grad, convert_parameters, rnn  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, get_total_norm,  # noqa: F401
                        clip_grads_with_norm_)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters", "rnn", "parametrize", "parametrizations"]

from ..._lazy import lazy_attributes as _lazy_attributes  # noqa: E402

# NOTE: imported on first use: parametrizations (orthogonal, spectral_norm, weight_norm) are seldom used
__getattr__, __dir__ = _lazy_attributes(__name__, {"parametrize": (".parametrize", None),
                                                   "parametrizations": (".parametrizations", None)})
