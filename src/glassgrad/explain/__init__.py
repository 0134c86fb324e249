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
from importlib import import_module as _import_module

from .events import tracking_event, set_listener, get_listener, KINDS
from . import record, events as _events
from .errors import error_why
from .why import Finding, Explanation, why_none
from .why import explain as _explain
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


class _OnFirstUse:
    """A function (or submodule, `name` None) of this package whose module is imported when it is first read:
    draw.py and report.py (with html) cost a tenth of `import glassgrad` and are only needed when asked for.
    NOTE: a data descriptor of the package's class rather than a module __getattr__, because importing the
    submodule `glassgrad.explain.draw` makes the import system set the package's `draw` to that module; the
    setter keeps the function, and takes any other value (a test's monkeypatch)."""
    __slots__ = ("module", "name", "value")

    def __init__(self, module, name=None):
        self.module, self.name, self.value = module, name, None

    def __get__(self, package, owner=None):
        if package is None:
            return self
        if self.value is None:
            module = _import_module(self.module, __name__)
            self.value = module if self.name is None else getattr(module, self.name)
        return self.value

    def __set__(self, package, value):
        if not isinstance(value, types.ModuleType):
            self.value = value


class _CallableModule(types.ModuleType):
    """`glassgrad.explain` is both this package and the function `explain(t)`."""
    draw = _OnFirstUse(".draw", "draw")
    html_report = _OnFirstUse(".draw", "html_report")
    grad_report = _OnFirstUse(".report", "grad_report")
    report = _OnFirstUse(".report")

    def __call__(self, t, name=None):
        from . import names
        return _explain(t, name or names.local_name(t, 2))

    def __dir__(self):
        return sorted(set(vars(self)) | {"draw", "html_report", "grad_report", "report"})


sys.modules[__name__].__class__ = _CallableModule
record.enable()
_events.set_explainer(error_why)
