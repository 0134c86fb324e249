"""Process-wide switches PyTorch keeps in its C++ context, with its names, defaults and argument checks: thread
counts, the float32 matmul precision, deterministic algorithms.

glassgrad computes with NumPy, so only the thread count changes how it computes: `set_num_threads(n)` limits the
BLAS library NumPy calls (through threadpoolctl). The other switches are read back as set, so that scripts which
set and check them run unchanged; NumPy's kernels are deterministic and compute float32 matmuls in float32
whatever the precision setting says (on the CPU, PyTorch's "medium" may route matmuls to another float32 kernel,
whose rounding differs in the last bits).

    >>> import glassgrad as torch
    >>> torch.set_float32_matmul_precision("high")
    >>> torch.get_float32_matmul_precision()
    'high'
    >>> torch.set_float32_matmul_precision("highest")
"""
import os
import warnings

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads", "get_num_interop_threads",
           "set_float32_matmul_precision", "get_float32_matmul_precision", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode"]

_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1


def tp_name(value):
    """The type name PyTorch's C++ argument checks print: builtins bare, others with their module (numpy.bool)."""
    cls = type(value)
    if cls.__name__ == "Tensor" or cls.__module__ == "builtins":
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


def check_bool(value, setter):
    """PyTorch's check on a C++ bool flag setter: a Python bool (not numpy.bool_, not 0/1)."""
    if type(value) is not bool:
        raise RuntimeError(f"{setter} expects a bool, but got {tp_name(value)}")
    return value


def _check_int(value, setter):
    if isinstance(value, bool) or not hasattr(type(value), "__index__") or tp_name(value) == "Tensor":
        raise RuntimeError(f"{setter} expects an int, but got {tp_name(value)}")
    n = value.__index__()
    if not _INT32_MIN <= n <= _INT32_MAX:
        raise ValueError("Overflow when unpacking long")
    if n <= 0:
        raise RuntimeError(f"{setter} expects a positive integer")
    return n


# ---- threads --------------------------------------------------------------------------------------------------
def _env_threads(name):
    try:
        n = int(os.environ.get(name, ""))
    except ValueError:
        return None
    return n if n > 0 else None


def _default_num_threads():
    """What PyTorch's OpenMP build reports before set_num_threads: MKL_NUM_THREADS, else OMP_NUM_THREADS, capped
    at the machine's CPU count, else the CPUs this process may run on.
    NOTE: measured against PyTorch 2.13 on Linux (taskset, the two variables); not its C++ code path."""
    cpus = os.cpu_count() or 1
    n = _env_threads("MKL_NUM_THREADS") or _env_threads("OMP_NUM_THREADS")
    if n is not None:
        return min(n, cpus)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return cpus


_num_threads = None  # None until set: the default is read from the environment on first use
_num_interop_threads = None
_limiter = None  # the threadpoolctl limiter last applied (its restore_original_limits() would undo it)


def set_num_threads(n, /):
    """Sets the number of threads NumPy's BLAS library uses (matmul, conv, linalg), as torch.set_num_threads
    sets PyTorch's intra-op threads."""
    global _num_threads, _limiter
    n = _check_int(n, "set_num_threads")
    # NOTE: imported here: threadpoolctl inspects the loaded native libraries, which `import glassgrad` avoids
    from threadpoolctl import threadpool_limits
    _limiter = threadpool_limits(limits=n, user_api="blas")
    _num_threads = n


def get_num_threads():
    return _default_num_threads() if _num_threads is None else _num_threads


def set_num_interop_threads(n, /):
    """Recorded only: glassgrad runs no inter-op thread pool. Like PyTorch, allowed once per process."""
    global _num_interop_threads
    n = _check_int(n, "set_num_interop_threads")
    if _num_interop_threads is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _num_interop_threads = n


def get_num_interop_threads():
    return (os.cpu_count() or 1) if _num_interop_threads is None else _num_interop_threads


# ---- float32 matmul precision (shared with torch.backends.cuda.matmul) -------------------------------------------
# NOTE: PyTorch keeps two records that must agree: the legacy level (set_float32_matmul_precision,
# backends.cuda.matmul.allow_tf32) and per-backend precisions (the "fp32_precision" API: ieee, tf32, bf16 or none,
# where none defers to the backend's "all" entry, then to the generic one). Reading either record after they were
# set inconsistently raises PyTorch's error; both are modelled so that scripts see the same values and errors.
_matmul_precision = "highest"
_fp32_precision = {(backend, op): "none" for backend in ("cuda", "mkldnn") for op in ("all", "matmul", "conv", "rnn")}
_fp32_precision["generic", "all"] = "none"
_PRECISION_LEVELS = {"highest": ("ieee", "ieee"), "high": ("tf32", "tf32"), "medium": ("tf32", "bf16")}
_MIXED = ("Current status indicate that you have used mix of the legacy and new APIs to set the {}. We suggest only "
          "using the new API {}. See also: "
          "https://pytorch.org/docs/main/notes/cuda.html#tensorfloat-32-tf32-on-ampere-and-later-devices")


def fp32_precision(backend, op):
    """The precision a backend's op uses: its own entry, else the backend's "all", else the generic one."""
    p = _fp32_precision[backend, op]
    if p == "none":
        p = _fp32_precision[backend, "all"]
    if p == "none":
        p = _fp32_precision["generic", "all"]
    return "none" if backend == "cuda" and p == "bf16" else p


def set_fp32_precision(backend, op, precision):
    if not isinstance(precision, str):
        raise TypeError("_set_fp32_precision_setter(): incompatible function arguments. The following argument types "
                        "are supported:\n    1. (arg0: str, arg1: str, arg2: str) -> str\n\nInvoked with: "
                        f"{backend!r}, {op!r}, {precision!r}")
    if precision not in ("ieee", "tf32", "bf16", "none"):
        raise RuntimeError(f"Unknown precision: {precision}")
    if backend == "cuda" and precision == "bf16":
        raise RuntimeError("backend 'cuda' does not support precision 'bf16'")
    _fp32_precision[backend, op] = precision


def set_float32_matmul_precision(precision):
    global _matmul_precision
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {tp_name(precision)}")
    if precision not in _PRECISION_LEVELS:
        # NOTE: PyTorch's text, missing space included; it matches the names exactly ("HIGH" is refused too)
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul_precision = precision
    _fp32_precision["cuda", "matmul"], _fp32_precision["mkldnn", "matmul"] = _PRECISION_LEVELS[precision]


def get_float32_matmul_precision():
    mkldnn = fp32_precision("mkldnn", "matmul")
    if (fp32_precision("cuda", "matmul") == "tf32" and _matmul_precision == "highest"
            or mkldnn == "bf16" and _matmul_precision != "medium" or mkldnn == "tf32" and _matmul_precision != "high"):
        raise RuntimeError("PyTorch is checking the matmul precision without a specific backend name,"
                           + _MIXED.format("matmul precision", "for matmul precision"))
    return _matmul_precision


def allow_tf32_matmul():
    new = fp32_precision("cuda", "matmul") == "tf32"
    if new != (_matmul_precision != "highest"):
        raise RuntimeError("PyTorch is checking whether allow_tf32_new is enabled for cuBlas matmul,"
                           + _MIXED.format("TF32 status for cublas matmul", "to set the TF32 flag"))
    return new


def set_allow_tf32_matmul(flag):
    global _matmul_precision
    check_bool(flag, "set_allow_tf32_cublas")
    _matmul_precision = "high" if flag else "highest"
    _fp32_precision["cuda", "matmul"] = "tf32" if flag else "ieee"


# ---- deterministic algorithms ---------------------------------------------------------------------------------
_deterministic = False
_warn_only = False


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded only: every glassgrad op is deterministic (NumPy on one device)."""
    global _deterministic, _warn_only
    if type(mode) is not bool:
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{tp_name(mode)}")
    if type(warn_only) is not bool:
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{tp_name(warn_only)}")
    _deterministic, _warn_only = mode, warn_only


def are_deterministic_algorithms_enabled():
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled():
    return _warn_only


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _deterministic:
        return 0
    return 1 if _warn_only else 2
