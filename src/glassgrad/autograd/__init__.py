"""glassgrad.autograd: the graph, the engine, grad modes, custom functions, gradcheck, anomaly mode."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled
from .gradcheck import gradcheck, gradgradcheck
from . import graph, function  # noqa: F401

Variable = None  # set by glassgrad/__init__ to Tensor (the old name PyTorch still exports)

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "backward", "grad", "Function", "FunctionCtx", "once_differentiable",
           "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck", "graph", "Variable"]
from .._missing import module_getattr as _module_getattr  # noqa: E402

# a PyTorch name glassgrad lacks raises NotImplementedError naming it (glassgrad._missing)
__getattr__ = _module_getattr(__name__)
