"""torch.jit without TorchScript: glassgrad runs everything eagerly, so `script` and `trace` hand back what they
were given (with PyTorch's DeprecationWarning and a warning saying so), the annotations and decorators TorchScript
reads are no-ops, and saving or loading a TorchScript program raises NotImplementedError.

    >>> import warnings
    >>> import glassgrad as torch
    >>> def f(x):
    ...     return x * 2
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     torch.jit.script(f) is f
    True
    >>> torch.jit.is_scripting()
    False
"""
import collections
import typing
import warnings

from .._missing import module_getattr as _module_getattr

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "annotate", "Final", "Attribute", "interface", "script_if_tracing", "fork", "wait", "save", "load",
           "ScriptModule", "ScriptFunction", "RecursiveScriptModule", "EagerWarning"]

Final = typing.Final


class EagerWarning(UserWarning):
    """torch.jit.script or trace returned its argument: glassgrad has no TorchScript and runs it eagerly."""


def _deprecated(name, instead):
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please switch to {instead}.", DeprecationWarning, stacklevel=3)


def _eager(name, obj):
    what = getattr(obj, "__qualname__", None) or type(obj).__name__
    warnings.warn(f"glassgrad: torch.jit.{name} returns {what} unchanged: glassgrad has no TorchScript and runs it "
                  f"eagerly (same results, no compilation)", EagerWarning, stacklevel=3)
    return obj


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Returns `obj` itself (a function, Module or class): glassgrad runs it eagerly."""
    _deprecated("script", "`torch.compile` or `torch.export`")
    return _eager("script", obj)


def trace(func, example_inputs=None, *args, **kwargs):
    """Returns `func` itself (without running it): glassgrad runs it eagerly, with every input."""
    _deprecated("trace", "`torch.compile` or `torch.export`")
    return _eager("trace", func)


def trace_module(mod, inputs, *args, **kwargs):
    _deprecated("trace_module", "`torch.compile` or `torch.export`")
    return _eager("trace_module", mod)


def ignore(drop=False, **kwargs):
    """@torch.jit.ignore and @torch.jit.ignore(drop=...): the function, unchanged."""
    if callable(drop):
        return drop
    if drop:
        warnings.warn("ignore(True) has been deprecated. TorchScript will now drop the function call on compilation. "
                      "Use torch.jit.unused now. {}", FutureWarning, stacklevel=2)
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def script_if_tracing(fn):
    return fn


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    """The value itself: the type only informs TorchScript."""
    return the_value


Attribute = collections.namedtuple("Attribute", ["value", "type"])


class _Future:
    """What fork returns: the call already ran (eagerly); wait() gives its result."""
    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def done(self):
        return True


def fork(func, *args, **kwargs):
    return _Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


def save(m, f, _extra_files=None):
    _deprecated("save", "`torch.export`")
    raise NotImplementedError("torch.jit.save is part of PyTorch's API, but glassgrad does not implement it: there "
                              "is no TorchScript program to save; save the weights with "
                              "torch.save(model.state_dict(), f) instead")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False, **kwargs):
    _deprecated("load", "`torch.export`")
    raise NotImplementedError("torch.jit.load is part of PyTorch's API, but glassgrad does not implement it: glassgrad "
                              "cannot run TorchScript programs; rebuild the model in Python and load its state_dict "
                              "with torch.load")


class ScriptModule:
    """Nothing is ever a ScriptModule in glassgrad (script returns the module itself); for isinstance checks."""


class RecursiveScriptModule(ScriptModule):
    pass


class ScriptFunction:
    """Nothing is ever a ScriptFunction in glassgrad; for isinstance checks."""


__getattr__ = _module_getattr(__name__)
