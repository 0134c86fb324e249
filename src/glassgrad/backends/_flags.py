"""What the torch.backends flag modules share: flags that are module attributes checked on assignment.

PyTorch lets a script write `torch.backends.cudnn.benchmark = True` and checks the value in C++. Here each such
module gets a class of its own (a ModuleType subclass with one property per flag), so that assignment runs the
same check; the values live in a plain dict next to it.
"""
import contextlib
import sys
import types

from .._settings import check_bool, tp_name

__all__ = ["FlagModule", "bool_flag", "install", "set_in_order"]


class FlagModule(types.ModuleType):
    """Base class of the backends' flag modules."""


def bool_flag(state, key, setter):
    """A property reading state[key]; assignment requires a bool (PyTorch's message names its C++ `setter`)."""
    def get(module):
        return state[key]

    def put(module, value):
        state[key] = check_bool(value, setter)

    return property(get, put)


def str_flag(state, key, setter, choices, unknown):
    """A property for a string flag: `unknown` formats the error for a string outside `choices`."""
    def get(module):
        return state[key]

    def put(module, value):
        if not isinstance(value, str):
            raise RuntimeError(f"{setter} expects a string, but got {tp_name(value)}")
        if value not in choices:
            raise RuntimeError(unknown.format(value))
        state[key] = value

    return property(get, put)


def install(name, cls):
    """Gives the module `name` the flag module class `cls` (so that its properties see assignments)."""
    sys.modules[name].__class__ = cls


@contextlib.contextmanager
def set_in_order(module, values):
    """Assigns `values` ({flag: value}, in PyTorch's order; None leaves a flag alone) for the `with` block, then
    restores what was there (a flag that reads None is left as it is). A failing check stops at that flag, leaving
    the earlier ones set (as PyTorch)."""
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        if value is not None:
            setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is not None:
                setattr(module, name, value)
