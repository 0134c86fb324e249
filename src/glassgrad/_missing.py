"""What glassgrad says about a PyTorch name it does not implement.

A script written for PyTorch may reach for anything in PyTorch's API. Where glassgrad lacks the name, the script
must stop there, at that line, with an error that names the PyTorch API and says plainly that glassgrad does not
implement it, not with an AttributeError from deep inside glassgrad, and not at some later line.

`_torch_names.py` (generated from the PyTorch pinned as the test oracle: tools/torch_names.py) lists the public
names of PyTorch's modules and of `Tensor` and `nn.Module`. A lookup that misses in glassgrad consults it:

    >>> import glassgrad as torch
    >>> torch.nn.functional.ctc_loss
    Traceback (most recent call last):
    ...
    glassgrad._missing.NotImplementedByGlassgrad: torch.nn.functional.ctc_loss is part of PyTorch's API, but glassgrad does not implement it
    >>> torch.nn.functional.no_such_function
    Traceback (most recent call last):
    ...
    AttributeError: module 'glassgrad.nn.functional' has no attribute 'no_such_function'

The error is both a NotImplementedError and an AttributeError: `hasattr(torch, "name")` and
`getattr(torch, "name", default)` stay False and the default, as scripts that test for a feature of a newer
PyTorch expect, while code that uses the name gets the plain statement.
"""
import dis
import importlib
import sys
import types

__all__ = ["NotImplementedByGlassgrad", "not_implemented", "attribute_error", "module_getattr", "torch_name",
           "is_torch_submodule", "Unimplemented"]

_TARGET = "glassgrad"
_ALIAS = "torch"


class NotImplementedByGlassgrad(NotImplementedError, AttributeError):
    """A name of PyTorch's API that glassgrad does not implement."""


def not_implemented(qualname, hint=""):
    """The error for PyTorch's `qualname` (e.g. 'torch.fft.rfft'); `hint` adds what to do instead."""
    msg = f"{qualname} is part of PyTorch's API, but glassgrad does not implement it"
    return NotImplementedByGlassgrad(msg + (f"; {hint}" if hint else ""))


def torch_name(module_name):
    """'glassgrad.nn.functional' -> 'torch.nn.functional' (other names unchanged)."""
    if module_name == _TARGET or module_name.startswith(_TARGET + "."):
        return _ALIAS + module_name[len(_TARGET):]
    return module_name


_tables = None


def _names(owner):
    """The set of public names PyTorch's `owner` (a module or 'torch.Tensor') has."""
    global _tables
    if _tables is None:
        # NOTE: import_module, not `from . import`: that would ask the package's __getattr__, which asks us
        _torch_names = importlib.import_module(__package__ + "._torch_names")
        # the import bound it as an attribute of the package; it is a table, not part of glassgrad's namespace
        vars(sys.modules[__package__]).pop("_torch_names", None)
        _tables = ({k: frozenset(v.split()) for k, v in _torch_names.NAMES.items()},
                   frozenset(_torch_names.SUBMODULES.split()))
    return _tables[0].get(owner, frozenset())


def is_torch_submodule(qualname):
    """Whether `qualname` ('torch.fft', 'torch.distributions.normal') is a public module of PyTorch."""
    _names(_ALIAS)
    return qualname in _tables[1]


def _in_torch(owner, name):
    return not name.startswith("__") and (name in _names(owner) or is_torch_submodule(f"{owner}.{name}"))


_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


def _for_from_import(err, depth):
    """`from torch.fft import rfft` turns any AttributeError into a bare "cannot import name": when the frame
    `depth` levels up is executing that statement, the error becomes a plain NotImplementedError, which keeps
    its words. (hasattr and getattr with a default never come through here: they do not run IMPORT_FROM.)"""
    if isinstance(err, NotImplementedByGlassgrad):
        frame = sys._getframe(depth + 1)
        code = frame.f_code.co_code
        if 0 <= frame.f_lasti < len(code) and code[frame.f_lasti] == _IMPORT_FROM:
            return NotImplementedError(str(err))
    return err


def attribute_error(module_name, name, depth=None):
    """The exception for `name` missing from glassgrad's module `module_name`. `depth`: how many frames above
    the caller the attribute access happened, when it may be a `from ... import`."""
    owner = torch_name(module_name)
    if _in_torch(owner, name):
        err = not_implemented(f"{owner}.{name}")
        return err if depth is None else _for_from_import(err, depth + 1)
    return AttributeError(f"module {module_name!r} has no attribute {name!r}")


def module_getattr(module_name):
    """A module `__getattr__` (PEP 562) that raises `attribute_error` for every miss."""
    def __getattr__(name):
        raise attribute_error(module_name, name, depth=1)
    return __getattr__


def class_attribute_error(obj, owner, name):
    """The exception for `name` missing from an instance of the class PyTorch calls `owner` ('torch.Tensor')."""
    if _in_torch(owner, name):
        return not_implemented(f"{owner}.{name}")
    return AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")


class _StandIn:
    """A class attribute for a name PyTorch's class has and glassgrad's lacks: reading it raises the
    NotImplementedError naming it (an AttributeError too, so hasattr says False)."""
    __slots__ = ("qualname",)

    def __init__(self, qualname):
        self.qualname = qualname

    def __get__(self, obj, cls=None):
        raise _for_from_import(not_implemented(self.qualname), 1)


def install_stand_ins(cls, owner):
    """Gives `cls` a stand-in for every public name PyTorch's `owner` ('torch.Tensor') has that `cls` lacks."""
    for name in _names(owner):
        if not hasattr(cls, name):
            setattr(cls, name, _StandIn(f"{owner}.{name}"))


class Unimplemented(types.ModuleType):
    """Stands for a PyTorch module glassgrad does not implement (`import torch.fft` under `glassgrad run`): the
    import succeeds, so a script that imports it at the top runs until it uses it, and any use names the API."""

    def __init__(self, name):
        super().__init__(name, f"PyTorch's {name}: glassgrad does not implement this module")
        self.__path__ = []  # a package, so that `import torch.fft.x` reaches the import hook too

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _for_from_import(not_implemented(f"{self.__name__}.{name}"), 1)

    def __repr__(self):
        return f"<module {self.__name__!r} (not implemented by glassgrad)>"
