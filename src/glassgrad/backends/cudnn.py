"""torch.backends.cudnn as PyTorch's CPU-only build has it: settable flags with PyTorch's defaults and checks,
no cuDNN.

    >>> import glassgrad as torch
    >>> torch.backends.cudnn.benchmark = True
    >>> torch.backends.cudnn.benchmark, torch.backends.cudnn.is_available(), torch.backends.cudnn.version()
    (True, False, None)
    >>> torch.backends.cudnn.benchmark = False
"""
import sys
import warnings

from ._flags import FlagModule, bool_flag, install, set_in_order, str_flag

__all__ = ["is_available", "version", "is_acceptable", "flags"]

_state = {"enabled": True, "benchmark": False, "deterministic": False, "allow_tf32": True,
          "depthwise_kernel": "auto"}
benchmark_limit = None  # a plain attribute in a build without cuDNN


def is_available():
    return False


def version():
    return None


def is_acceptable(tensor):
    """False: there is no cuDNN. Warns, as PyTorch does, for a tensor cuDNN would have taken (CUDA, floating)."""
    if not _state["enabled"]:
        return False
    if tensor.device.type != "cuda" or str(tensor.dtype) not in ("torch.float16", "torch.float32", "torch.float64"):
        return False
    warnings.warn("PyTorch was compiled without cuDNN/MIOpen support. To use cuDNN/MIOpen, rebuild PyTorch making "
                  "sure the library is visible to the build system.", UserWarning, stacklevel=2)
    return False


def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    """The flags set for a `with` block and restored after (benchmark_limit and fp32_precision are not modelled:
    the first does nothing without cuDNN, see the module docstring of glassgrad.backends for the second)."""
    return set_in_order(sys.modules[__name__], {"enabled": enabled, "benchmark": benchmark,
                                                "deterministic": deterministic, "allow_tf32": allow_tf32,
                                                "depthwise_kernel": depthwise_kernel})


class _CudnnModule(FlagModule):
    enabled = bool_flag(_state, "enabled", "set_enabled_cudnn")
    benchmark = bool_flag(_state, "benchmark", "set_benchmark_cudnn")
    deterministic = bool_flag(_state, "deterministic", "set_deterministic_cudnn")
    allow_tf32 = bool_flag(_state, "allow_tf32", "set_allow_tf32_cublas")  # NOTE: PyTorch's name, sic
    depthwise_kernel = str_flag(_state, "depthwise_kernel", "set_cudnn_depthwise_kernel", ("auto", "cudnn", "native"),
                                "Unknown cuDNN depthwise kernel mode: {}. Expected one of: auto, cudnn, native")


install(__name__, _CudnnModule)


from .._missing import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
