"""Strict mode: raise at the silent cuts themselves instead of explaining them afterwards.

Inside `with glassgrad.explain.strict():` (or a function decorated with `@strict()`, or under
`glassgrad explain --strict`), these raise `StrictModeError` (a RuntimeError) at the line that does them:
`.data` read or assigned on a tensor that requires grad; a NumPy or scalar export of a tracked value that
then feeds a new tensor; `torch.tensor(t)` copies of tracked tensors; reading `.grad` of a non-leaf.
"""
import contextlib
import functools
import threading

from . import record

__all__ = ["strict", "StrictModeError"]


class StrictModeError(RuntimeError):
    """A silent cut of gradient tracking, refused under strict mode."""


class _State(threading.local):
    depth = 0
    was_recording = True


_state = _State()


def _describe(kind, op, src):
    if kind == "data_get":
        return "`.data` on a tensor that requires grad hides the op from autograd; use the tensor, or .detach()"
    if kind == "data_set":
        return "assigning `.data` on a tensor that requires grad replaces its value behind autograd's back; " \
               "use `with torch.no_grad(): t.copy_(value)`"
    if kind == "copy_construct":
        return "`torch.tensor(t)` of a tracked tensor copies it without history; use t.clone() or t.detach().clone()"
    if kind == "new_leaf":
        return "a new tensor made from values exported from a tracked tensor (numpy(), item(), tolist()) has no " \
               "history; keep the computation in tensor ops"
    if kind == "grad_read":
        return "reading `.grad` of a non-leaf tensor: it is never populated; read the leaf's .grad, or call " \
               "retain_grad() before backward"
    return kind


def _listener(kind, op, src, out):
    if _state.depth == 0:
        return
    tracked = record._tracked
    if kind in ("data_get", "data_set", "copy_construct"):
        srcs = record._tensors(src)
        if not any(tracked(t) for t in srcs):
            return
    elif kind == "new_leaf":
        if src is None or record.exported_cause(src) is None:
            return
    elif kind == "grad_read":
        if src._grad_fn is None or src.retains_grad:
            return
    else:
        return
    site = record.user_site()
    where = f" (line {site.line}: `{site.text}`)" if site is not None else ""
    raise StrictModeError(f"glassgrad strict mode: {_describe(kind, op, src)}{where}")


class strict(contextlib.ContextDecorator):
    """Context manager and decorator: silent cuts raise StrictModeError while it is active."""

    def __init__(self, func=None):
        self._func = func

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if callable(func):
            self.__init__()
            return functools.wraps(func)(self(func))
        return self

    def __enter__(self):
        if _state.depth == 0:
            _state.was_recording = record.is_enabled()
            record.enable()
            record.add_listener(_listener)
        _state.depth += 1
        return self

    def __exit__(self, *exc):
        _state.depth -= 1
        if _state.depth == 0:
            record.remove_listener(_listener)
            if not _state.was_recording:
                record.disable()
        return False
