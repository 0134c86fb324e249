"""torch.backends.mkldnn (oneDNN) flags as PyTorch's CPU build reports them. glassgrad computes with NumPy; the
flags are kept so that scripts which set them run unchanged."""
import sys
import warnings

from .._settings import check_bool
from ._flags import FlagModule, bool_flag, install, set_in_order

__all__ = ["is_available", "flags"]

_state = {"enabled": True, "deterministic": False}


def is_available():
    return True


def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    return set_in_order(sys.modules[__name__], {"enabled": enabled, "deterministic": deterministic,
                                                "allow_tf32": allow_tf32})


def _get_allow_tf32(module):
    return None  # NOTE: what PyTorch's CPU build reads back, whatever was set


def _set_allow_tf32(module, value):
    check_bool(value, "_set_onednn_allow_tf32")
    warnings.warn("TF32 acceleration on top of oneDNN is available for Intel GPUs. The current Torch version does "
                  "not have Intel GPU Support.", UserWarning, stacklevel=2)


class _MkldnnModule(FlagModule):
    enabled = bool_flag(_state, "enabled", "set_enabled_mkldnn")
    deterministic = bool_flag(_state, "deterministic", "set_deterministic_mkldnn")
    allow_tf32 = property(_get_allow_tf32, _set_allow_tf32)


install(__name__, _MkldnnModule)


from .._missing import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
