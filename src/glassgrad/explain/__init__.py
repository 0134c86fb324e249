"""Why a tensor is or is not tracked, why a .grad is None, where and how the graph was cut.

`glassgrad.explain(t)` (or `t.explain()`) says why `t` does or does not require grad; `why_none(t)` why
its `.grad` is None or zero after backward; `grad_report(model, optimizer)` the same for every parameter
of a model; `draw(t)` renders the graph with its cuts; `strict()` raises at the silent cuts themselves.
Recording is on by default; `recording(False)` turns it off for a block.

    >>> import glassgrad as torch
    >>> a = torch.tensor([1., 2.], requires_grad=True)
    >>> d = a.detach()
    >>> print(torch.explain(d * 2, name="c"))  # doctest: +ELLIPSIS
    `c` does not require grad: it was computed at line 1 ... `a.detach()` at line 1 ... cut the value from the graph; `a` still requires grad...
"""
import contextlib
import sys
import types

from .events import tracking_event, set_listener, get_listener, KINDS
from . import record, events as _events
from .errors import error_why
from .why import Finding, Explanation, why_none
from .why import explain as _explain
from .report import grad_report
from .draw import draw, html_report
from .strict import strict, StrictModeError

__all__ = ["tracking_event", "set_listener", "get_listener", "KINDS", "record", "explain", "why_none",
           "grad_report", "draw", "html_report", "strict", "StrictModeError", "recording", "Finding", "Explanation"]


def explain(t, name=None):
    """Why `t` does or does not require grad: the chain back to the cut that decided it, with lines and
    the fix (an Explanation; print it, or read `.findings`)."""
    from . import names
    return _explain(t, name or names.local_name(t, 2))


@contextlib.contextmanager
def recording(enabled=True):
    """Turns recording for explanations on or off inside a block."""
    was = record.is_enabled()
    (record.enable if enabled else record.disable)()
    try:
        yield
    finally:
        (record.enable if was else record.disable)()


class _CallableModule(types.ModuleType):
    """`glassgrad.explain` is both this package and the function `explain(t)`."""

    def __call__(self, t, name=None):
        from . import names
        return _explain(t, name or names.local_name(t, 2))


sys.modules[__name__].__class__ = _CallableModule
record.enable()
_events.set_explainer(error_why)
