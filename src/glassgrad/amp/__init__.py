"""torch.amp: autocast regions and gradient scaling, as PyTorch 2.13 behaves on a machine without CUDA (see
autocast_mode and grad_scaler for what glassgrad does where PyTorch would compute in lower precision)."""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler
from .._missing import module_getattr as _module_getattr

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]

__getattr__ = _module_getattr(__name__)
