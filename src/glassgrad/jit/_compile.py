"""torch.compile without a compiler: glassgrad runs every program eagerly, so compiling changes nothing about
what a function or module computes. A function comes back as it is; a Module comes back wrapped as PyTorch wraps
it (OptimizedModule, with the original under `_orig_mod`), because that wrapper is visible: its state_dict keys
start with '_orig_mod.', and checkpoints saved from it carry that prefix.

    >>> import glassgrad as torch
    >>> f = lambda x: x + 1
    >>> torch.compile(f) is f, torch.compile(mode="max-autotune")(f) is f
    (True, True)
    >>> list(torch.compile(torch.nn.Linear(2, 1)).state_dict())
    ['_orig_mod.weight', '_orig_mod.bias']
"""
import functools
import sys

__all__ = ["compile"]  # and OptimizedModule, made on first use (it needs nn)

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """`model` unchanged (a function) or wrapped in OptimizedModule (a Module); a decorator when called without
    it. The arguments are checked as PyTorch checks them, and otherwise change nothing."""
    if model is None:
        def fn(model):
            if model is None:
                raise RuntimeError("Model can't be None")
            return compile(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                           options=options, disable=disable)
        return fn
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if disable:
        return model
    module = sys.modules.get("glassgrad.nn.modules.module")  # NOTE: a Module exists only once nn is imported
    if module is not None and isinstance(model, module.Module):
        return _optimized_module_class()(model)
    return model


@functools.cache
def _optimized_module_class():
    from ..nn.modules.module import Module

    class OptimizedModule(Module):
        """A compiled Module (PyTorch's torch._dynamo.eval_frame.OptimizedModule): calls the original, and reads
        the attributes it lacks from it."""

        def __init__(self, mod, dynamo_ctx=None):
            super().__init__()
            self._orig_mod = mod

        def forward(self, *args, **kwargs):
            return self._orig_mod(*args, **kwargs)

        def __getattr__(self, name):
            original = self.__dict__.get("_modules", {}).get("_orig_mod")
            if original is None:  # during __init__, copy or unpickling: nothing to delegate to yet
                raise AttributeError(f"'OptimizedModule' object has no attribute '{name}'")
            if name == "_orig_mod":
                return original
            return getattr(original, name)

    return OptimizedModule


def __getattr__(name):
    if name == "OptimizedModule":
        return _optimized_module_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
