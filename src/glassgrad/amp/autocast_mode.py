"""torch.autocast and the autocast state functions (torch.is_autocast_enabled, get_autocast_dtype ...), with
PyTorch's defaults, checks, warnings and per-thread state.

What differs, by design: glassgrad never casts. On a machine without CUDA, PyTorch's CUDA autocast switches
itself off (with its UserWarning) and glassgrad does the same, so GPU scripts train as they do on PyTorch's CPU
build. CPU autocast really runs matmuls and convolutions in bfloat16 (or float16) in PyTorch; glassgrad has no
bfloat16 and no per-op casting, so an enabled CPU autocast region runs in full precision: the state reads as
PyTorch's (is_autocast_enabled('cpu') is True inside), results keep their float32 dtype, and the first such
region warns once (FullPrecisionAutocastWarning, a UserWarning).

    >>> import glassgrad as torch
    >>> with torch.autocast("cuda", enabled=False):
    ...     torch.is_autocast_enabled("cuda")
    False
"""
import collections.abc
import functools
import threading
import warnings

from .. import _dtype
from ..device import device as _device

__all__ = ["autocast", "is_autocast_available", "custom_fwd", "custom_bwd", "FullPrecisionAutocastWarning"]

# the default autocast dtype of each device type that has autocast (by dtype name: glassgrad may lack bfloat16)
_DEFAULT_DTYPES = {"cpu": "bfloat16", "cuda": "float16", "ipu": "float16", "xpu": "float16", "mps": "float16",
                   "mtia": "float16", "privateuseone": "float16", "hpu": "bfloat16", "xla": "bfloat16",
                   "maia": "bfloat16"}
MSG_UNKNOWN_AUTOCAST_DEVICE = "unknown device type for autocast in get_autocast_dispatch_key_from_device_type"
MSG_CUDA_OFF = "CUDA is not available or torch_xla is imported. Disabling autocast."


class FullPrecisionAutocastWarning(UserWarning):
    """An enabled CPU autocast region runs in full precision in glassgrad (see the module docstring)."""


def _named_dtype(name):
    # NOTE: None where glassgrad has no such dtype (bfloat16): nothing can be cast to it, and None compares
    # equal to itself, so the default still counts as a supported autocast dtype
    return getattr(_dtype, name, None)


class _State(threading.local):
    """Autocast state is per thread in PyTorch: a new thread starts with the defaults."""

    def __init__(self):
        self.enabled = {}
        self.dtypes = {name: _named_dtype(d) for name, d in _DEFAULT_DTYPES.items()}
        self.cache_enabled = True
        self.nesting = 0


_state = _State()
_warned_full_precision = False


def _typename(value):
    return type(value).__name__


def _device_type(device_type, fn, position=1):
    """The device type named by `device_type` ('cuda:0' -> 'cuda'), checked as PyTorch's bindings check it."""
    if not isinstance(device_type, str):
        raise TypeError(f"{fn}(): argument 'device_type' (position {position}) must be str, not "
                        f"{_typename(device_type)}")
    return _device(device_type).type


def is_autocast_available(device_type):
    """Whether `device_type` has autocast (it may still be off there: CUDA autocast without CUDA)."""
    return _device_type(device_type, "_is_autocast_available") in _DEFAULT_DTYPES


def is_autocast_enabled(device_type=None):
    """Whether autocast is on for `device_type` (CUDA when not given, as in PyTorch)."""
    kind = "cuda" if device_type is None else _device_type(device_type, "is_autocast_enabled")
    if kind not in _DEFAULT_DTYPES:
        raise RuntimeError(MSG_UNKNOWN_AUTOCAST_DEVICE)
    return _state.enabled.get(kind, False)


def set_autocast_enabled(*args):
    """set_autocast_enabled(device_type, enabled), or set_autocast_enabled(enabled) for CUDA."""
    if len(args) == 1 and not isinstance(args[0], str):
        kind, enabled, position = "cuda", args[0], 1
    elif len(args) == 2:
        kind, enabled, position = _device_type(args[0], "set_autocast_enabled"), args[1], 2
    else:
        raise TypeError("set_autocast_enabled() received an invalid combination of arguments - got "
                        f"({', '.join(_typename(a) for a in args)}), but expected one of:\n"
                        " * (str device_type, bool enabled)\n * (bool enabled)\n")
    if type(enabled) is not bool:
        raise TypeError(f"set_autocast_enabled(): argument 'enabled' (position {position}) must be bool, not "
                        f"{_typename(enabled)}")
    if kind not in _DEFAULT_DTYPES:
        raise RuntimeError(MSG_UNKNOWN_AUTOCAST_DEVICE)
    _state.enabled[kind] = enabled


def _arity(fn, args, names):
    """PyTorch's binding messages for a missing or an extra positional argument."""
    if len(args) < len(names):
        raise TypeError(f'{fn}() missing {len(names) - len(args)} required positional arguments: '
                        f'"{names[len(args)]}"')
    if len(args) > len(names):
        plural = "" if len(names) == 1 else "s"
        raise TypeError(f"{fn}() takes {len(names)} positional argument{plural} but {len(args)} were given")


def get_autocast_dtype(*args, **kwargs):
    if "device_type" in kwargs:
        args = args + (kwargs.pop("device_type"),)
    if kwargs:
        raise TypeError(f"get_autocast_dtype() got an unexpected keyword argument '{next(iter(kwargs))}'")
    _arity("get_autocast_dtype", args, ("device_type",))
    kind = _device_type(args[0], "get_autocast_dtype")
    if kind not in _state.dtypes:
        raise RuntimeError("unsupported scalarType")
    return _state.dtypes[kind]


def set_autocast_dtype(*args):
    _arity("set_autocast_dtype", args, ("device_type", "dtype"))
    device_type, dtype = args
    kind = _device_type(device_type, "set_autocast_dtype")
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"set_autocast_dtype(): argument 'dtype' (position 2) must be torch.dtype, not "
                        f"{_typename(dtype)}")
    _state.dtypes[kind] = dtype


def is_autocast_cache_enabled(*args):
    if args:
        raise TypeError(f"torch.is_autocast_cache_enabled() takes no arguments ({len(args)} given)")
    return _state.cache_enabled


def set_autocast_cache_enabled(*args):
    if len(args) != 1:
        raise TypeError(f"torch.set_autocast_cache_enabled() takes exactly one argument ({len(args)} given)")
    enabled = args[0]
    if type(enabled) is not bool:
        raise TypeError(f"enabled must be a bool (got {_typename(enabled)})")
    _state.cache_enabled = enabled


def clear_autocast_cache():
    """Nothing to clear: glassgrad keeps no casted copies of weights."""


def autocast_increment_nesting():
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting():
    _state.nesting -= 1
    return _state.nesting


def _deprecated(old, new, f, check=None):
    """PyTorch's deprecated per-device spellings (torch.get_autocast_gpu_dtype() ...): the argument's check, a
    DeprecationWarning, then the current function."""
    @functools.wraps(f)
    def call(*args):
        if check is not None:
            check(*args)
        warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.", DeprecationWarning,
                      stacklevel=2)
        return f(*args)
    return call


def _check_enabled(enabled):
    if type(enabled) is not bool:
        raise TypeError(f"enabled must be a bool (got {_typename(enabled)})")


def _check_dtype(dtype):
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"dtype must be a torch.dtype (got {_typename(dtype)})")


def _legacy_functions():
    table = {}
    for short, kind in (("cpu", "cpu"), ("gpu", "cuda"), ("xla", "xla"), ("ipu", "ipu")):
        table[f"get_autocast_{short}_dtype"] = _deprecated(
            f"get_autocast_{short}_dtype()", f"get_autocast_dtype('{kind}')", lambda k=kind: get_autocast_dtype(k))
        table[f"set_autocast_{short}_dtype"] = _deprecated(
            f"set_autocast_{short}_dtype(dtype)", f"set_autocast_dtype('{kind}', dtype)",
            lambda dtype, k=kind: set_autocast_dtype(k, dtype), _check_dtype)
        if short != "gpu":
            table[f"is_autocast_{short}_enabled"] = _deprecated(
                f"is_autocast_{short}_enabled()", f"is_autocast_enabled('{kind}')",
                lambda k=kind: is_autocast_enabled(k))
            table[f"set_autocast_{short}_enabled"] = _deprecated(
                f"set_autocast_{short}_enabled(enabled)", f"set_autocast_enabled('{kind}', enabled)",
                lambda enabled, k=kind: _state.enabled.__setitem__(k, enabled), _check_enabled)
    return table


LEGACY = _legacy_functions()  # the torch-level names, wired by glassgrad/__init__.py
globals().update(LEGACY)


def _warn_full_precision(dtype):
    global _warned_full_precision
    if _warned_full_precision:
        return
    _warned_full_precision = True
    name = "bfloat16" if dtype is None else str(dtype).replace("torch.", "")
    warnings.warn(f"glassgrad: CPU autocast runs in full precision: PyTorch would compute matmuls, convolutions and "
                  f"linear layers in this region in {name}; glassgrad has no per-op casting, so they keep their "
                  f"float32 dtype and values (this warning is shown once)", FullPrecisionAutocastWarning,
                  stacklevel=3)


class autocast:
    """A region (context manager or decorator) where ops would run in a lower precision on `device_type`.
    See the module docstring for what glassgrad does instead."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        if device_type == "privateuseone":
            raise AssertionError(
                "Tried to use AMP with the `privateuseone` backend, but the backend has not registered a module or  "
                "the module miss some necessary funcs. The backend should register a module by "
                "`torch._register_device_module`, and the module must have these funcs: \n"
                "`get_amp_supported_dtype() -> List[torch.dtype]`. \n")
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        supported = (_named_dtype("bfloat16"), _dtype.float16)
        if enabled:
            # NOTE: as in PyTorch, only the exact string "cuda" is switched off ("cuda:0" is not)
            if device_type == "cuda":
                from .. import cuda
                if not cuda.is_available():
                    # NOTE: at the caller's line, also through the torch.cuda.amp / torch.cpu.amp subclasses
                    warnings.warn(MSG_CUDA_OFF, UserWarning, stacklevel=2 if type(self) is autocast else 3)
                    enabled = False
            elif self.fast_dtype not in supported:
                name = device_type.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                              f"{name} Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                              UserWarning, stacklevel=2 if type(self) is autocast else 3)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        kind = _device(self.device).type
        if self.fast_dtype is None:
            _state.dtypes[kind] = None  # the bfloat16 glassgrad lacks (see _named_dtype)
        else:
            set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        if self._enabled and kind == "cpu":
            _warn_full_precision(self.fast_dtype)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        _state.dtypes[_device(self.device).type] = self.prev_fastdtype
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to "
                            f"use autocast as a context manager? For example:\n"
                            f"    with torch.autocast(device_type=...):\n        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


# ---- custom autograd Functions under autocast ----------------------------------------------------------------
def _cast(value, device_type, dtype):
    """`value` with its floating tensors (not float64) on `device_type` cast to `dtype`, through containers."""
    from ..tensor import Tensor
    if isinstance(value, Tensor):
        eligible = value.is_floating_point() and value.device.type == device_type and value.dtype is not \
            _dtype.float64
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)) or type(value).__module__ == "numpy":
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, collections.abc.Iterable):
        items = (_cast(v, device_type, dtype) for v in value)
        return type(value)(items) if isinstance(value, (list, tuple)) else items
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorates a custom Function's forward: records the autocast state for backward; with `cast_inputs`, runs
    forward with autocast off and floating inputs cast to `cast_inputs` when called inside an autocast region."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        inside = is_autocast_enabled(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = inside
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if not inside:
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorates a custom Function's backward: runs it with the autocast state its forward ran with."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
