"""torch.backends.cuda as PyTorch's CPU-only build has it: the cuBLAS flags (`matmul`) and the
scaled-dot-product-attention switches, settable and checked as there, for a CUDA that is not built.

`matmul.allow_tf32` is the float32 matmul precision seen from here: setting it sets
torch.set_float32_matmul_precision("high"/"highest"), and the reverse, as in PyTorch; `matmul.fp32_precision` is
the newer spelling, with PyTorch's error when the two were set inconsistently (glassgrad._settings).

    >>> import glassgrad as torch
    >>> torch.backends.cuda.matmul.allow_tf32 = True
    >>> torch.get_float32_matmul_precision()
    'high'
    >>> torch.backends.cuda.matmul.allow_tf32 = False
"""
import contextlib
import warnings

from .. import _settings
from .._settings import check_bool, tp_name

__all__ = ["is_built", "matmul", "enable_flash_sdp", "flash_sdp_enabled", "enable_mem_efficient_sdp",
           "mem_efficient_sdp_enabled", "enable_math_sdp", "math_sdp_enabled", "enable_cudnn_sdp",
           "cudnn_sdp_enabled", "allow_fp16_bf16_reduction_math_sdp", "fp16_bf16_reduction_math_sdp_allowed",
           "is_flash_attention_available", "sdp_kernel"]


def is_built():
    return False


class _CuBLASFlags:
    """`torch.backends.cuda.matmul`: the cuBLAS switches, by attribute (unknown names raise, as in PyTorch)."""
    __slots__ = ()
    _reductions = {"fp16": [True, True], "bf16": [True, True]}  # [allow reduced precision, allow split-k]
    _fp16_accumulation = [False]

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _settings.allow_tf32_matmul()
        if name == "allow_fp16_accumulation":
            return self._fp16_accumulation[0]
        if name == "fp32_precision":
            return _settings.fp32_precision("cuda", "matmul")
        for kind, pair in self._reductions.items():
            if name == f"allow_{kind}_reduced_precision_reduction":
                return pair[0]
            if name == f"allow_{kind}_reduced_precision_reduction_split_k":
                return pair[1]
        raise AttributeError("Unknown attribute " + name)

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            _settings.set_allow_tf32_matmul(value)
            return
        if name == "allow_fp16_accumulation":
            self._fp16_accumulation[0] = check_bool(value, "set_allow_fp16_accumulation_cublas")
            return
        if name == "fp32_precision":
            _settings.set_fp32_precision("cuda", "matmul", value)
            return
        for kind, pair in self._reductions.items():
            if name == f"allow_{kind}_reduced_precision_reduction":
                pair[:] = _reduction_setting(value, name)
                return
        raise AttributeError("Unknown attribute " + name)


def _reduction_setting(value, name):
    """(allow reduced precision, allow split-k) from a bool or a list/tuple of one or two bools."""
    if isinstance(value, bool):
        value = (value,)
    elif not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} expects a bool or a tuple/list of bools, but got {type(value)!r}")
    if not value:
        raise TypeError(f"{name} expects at least one boolean argument")
    if len(value) > 2:
        raise TypeError(f"{name} expects at most two boolean arguments")
    for item, which in zip(value, ("allow_reduced_precision", "allow_splitk")):
        if not isinstance(item, bool):
            raise TypeError(f"{name} expects a bool for {which}, but got {type(item)!r}")
    allow, split_k = value[0], value[1] if len(value) == 2 else True
    if allow and not split_k:
        raise RuntimeError("allow_splitk=False is not supported when reduced precision reductions are enabled")
    return allow, split_k


matmul = _CuBLASFlags()

# ---- scaled dot product attention switches ------------------------------------------------------------------
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True, "fp16_bf16_reduction_math": False}


def _set_sdp(key, enabled, setter="set_sdp_use_math"):
    # NOTE: PyTorch names set_sdp_use_math in the error of the flash, memory-efficient and fp16/bf16 switches too
    _sdp[key] = check_bool(enabled, setter)


def flash_sdp_enabled():
    return _sdp["flash"]


def enable_flash_sdp(enabled):
    _set_sdp("flash", enabled)


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _set_sdp("mem_efficient", enabled)


def math_sdp_enabled():
    return _sdp["math"]


def enable_math_sdp(enabled):
    _set_sdp("math", enabled)


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled):
    if type(enabled) is not bool:
        # NOTE: PyTorch's message, stray format directive included
        raise RuntimeError(f"set_sdp_use_cudnn expects a bool, but got %s{tp_name(enabled)}")
    _sdp["cudnn"] = enabled


def fp16_bf16_reduction_math_sdp_allowed():
    return _sdp["fp16_bf16_reduction_math"]


def allow_fp16_bf16_reduction_math_sdp(enabled):
    _set_sdp("fp16_bf16_reduction_math", enabled)


def is_flash_attention_available():
    return False


def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """Deprecated in PyTorch (FutureWarning): the attention switches set for a `with` block, restored after."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be "
                  "removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with updated "
                  "signature.", FutureWarning, stacklevel=2)
    return _sdp_switched({"flash": bool(enable_flash), "math": bool(enable_math),
                          "mem_efficient": bool(enable_mem_efficient), "cudnn": bool(enable_cudnn)})


@contextlib.contextmanager
def _sdp_switched(values):
    saved = dict(_sdp)
    _sdp.update(values)
    try:
        yield
    finally:
        _sdp.update(saved)


from .._missing import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
