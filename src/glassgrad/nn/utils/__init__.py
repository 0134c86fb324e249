"""glassgrad.nn.utils: gradient clipping, parameters as one vector, variable-length sequences (nn.utils.rnn), and
weight / spectral normalization (the hook-based API here, the parametrizations in nn.utils.parametrizations)."""
from . import clip_grad, convert_parameters, rnn  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, get_total_norm,  # noqa: F401
                        clip_grads_with_norm_)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
# NOTE: imported here, not on first use: as in PyTorch the functions shadow their submodules' names, and a lazy
# load would let `import glassgrad.nn.utils.weight_norm` put the module where the function belongs
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters", "rnn", "parametrize", "parametrizations",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]

from ..._lazy import lazy_attributes as _lazy_attributes  # noqa: E402

# NOTE: imported on first use: parametrizations (orthogonal, spectral_norm, weight_norm) are seldom used
__getattr__, __dir__ = _lazy_attributes(__name__, {"parametrize": (".parametrize", None),
                                                   "parametrizations": (".parametrizations", None)})
