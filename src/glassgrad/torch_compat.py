"""Run unchanged PyTorch scripts on glassgrad: while installed, `import torch` gives glassgrad.

An import hook (a `sys.meta_path` finder and loader) answers for `torch` and every `torch.A.B`: it hands
back the module `glassgrad.A.B` itself, not a copy, so `torch.nn is glassgrad.nn` and a class defined in one
is the class seen through the other. A module PyTorch has and glassgrad lacks (`torch.fft`) imports as a
stand-in whose every name raises NotImplementedError naming it (glassgrad._missing), so a script stops where
it uses the module, not where it imports it; a name PyTorch lacks too raises ModuleNotFoundError.

    >>> import glassgrad
    >>> from glassgrad import torch_compat
    >>> with torch_compat.enabled():
    ...     import torch
    ...     import torch.nn.functional as F
    >>> torch is glassgrad, F is glassgrad.nn.functional
    (True, True)

Modules that were imported as `torch...` before (the real PyTorch, say) are put aside while the hook is
installed and put back by `uninstall()`; code that already holds them keeps working. Real PyTorch is never
imported by the hook. While installed, code that imports torch lazily (inside a function of real PyTorch,
for instance) gets glassgrad too.

`run_script(path, argv)` runs a script as `__main__` with the hook installed (the `glassgrad run` and
`glassgrad explain --torch-compat` commands use it).
"""
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import types

import glassgrad
from glassgrad import _missing

__all__ = ["install", "uninstall", "is_installed", "enabled", "run_script"]

ALIAS = "torch"
TARGET = "glassgrad"


def _target_name(fullname):
    """`torch.A.B` -> `glassgrad.A.B`; None for names outside `torch`."""
    if fullname == ALIAS:
        return TARGET
    if fullname.startswith(ALIAS + "."):
        return TARGET + fullname[len(ALIAS):]
    return None


def _not_implemented(fullname):
    msg = f"No module named '{fullname}'"
    if any(part.startswith("_") for part in fullname.split(".")):
        msg += f": glassgrad does not implement PyTorch's internal module {fullname}"
    return ModuleNotFoundError(msg, name=fullname)


def _resolve(fullname, target):
    """The glassgrad module standing for `fullname`, imported if need be, or raises ModuleNotFoundError."""
    if target == TARGET:
        return glassgrad
    parent_name, _, child = target.rpartition(".")
    attr = getattr(sys.modules.get(parent_name), child, None)
    if attr is not None:
        if isinstance(attr, types.ModuleType) and attr.__name__ == target:
            return attr
        # NOTE: a name that is something else there (glassgrad.device is the class, as torch.device is) is not
        # a module of the torch API; importing it would also let the import system overwrite the attribute.
        raise _not_implemented(fullname)
    mod = sys.modules.get(target)
    if mod is not None:
        return mod
    try:
        found = importlib.util.find_spec(target)
    except ModuleNotFoundError:
        found = None
    if found is None:
        return _placeholder(fullname)
    return importlib.import_module(target)


def _placeholder(fullname):
    """A stand-in module for a PyTorch module glassgrad lacks (`torch.fft`): importing it works, using any of its
    names raises NotImplementedError naming that name. Names PyTorch does not have either are not found."""
    if not _missing.is_torch_submodule(fullname):
        raise _not_implemented(fullname)
    return _missing.Unimplemented(fullname)


class _TorchAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `torch...` names and loads each as the glassgrad module of the same path."""

    def find_spec(self, fullname, path=None, target=None):
        name = _target_name(fullname)
        if name is None:
            return self._find_missing(fullname, path)
        module = _resolve(fullname, name)
        return self._spec(fullname, module)

    def _spec(self, fullname, module):
        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=hasattr(module, "__path__"))
        # NOTE: the import system stamps our spec onto the module it loads; exec_module puts the original back,
        # so glassgrad's modules keep their own identity (reload, pickle and pkgutil read __spec__).
        spec.loader_state = (module, module.__spec__ if module.__spec__ is not None else spec)
        if isinstance(module, _missing.Unimplemented):
            _placeholders.append(fullname)
        return spec

    def _find_missing(self, fullname, path):
        """`from torch.nn import X` imports `glassgrad.nn.X` when glassgrad.nn has no X: where PyTorch has X,
        say so there (a stand-in for a module, NotImplementedError for anything else) rather than let Python
        report a bare "cannot import name"."""
        if not fullname.startswith(TARGET + ".") or importlib.machinery.PathFinder.find_spec(fullname, path):
            return None
        parent, _, child = fullname.rpartition(".")
        torch_name = _missing.torch_name(fullname)
        if _missing.is_torch_submodule(torch_name):
            return self._spec(fullname, _missing.Unimplemented(torch_name))
        err = _missing.attribute_error(parent, child)
        if isinstance(err, _missing.NotImplementedByGlassgrad):
            raise err
        return None

    def create_module(self, spec):
        return spec.loader_state[0]

    def exec_module(self, module):
        spec = module.__spec__
        if spec is not None and spec.loader is self:
            module.__spec__ = spec.loader_state[1]
            _aliases.add(spec.name)


_finder = None
_aliases = set()  # the sys.modules names this hook made
_placeholders = []  # the stand-in modules it made, by import name (their parents hold them as attributes)
_saved = {}  # the `torch...` modules that were in sys.modules when the hook was installed


def _is_alias_name(name):
    return name == ALIAS or name.startswith(ALIAS + ".")


def is_installed():
    return _finder is not None


def install():
    """Makes `import torch` (and `torch.X`) give glassgrad until `uninstall()`. Installing twice is a no-op."""
    global _finder
    if _finder is not None:
        return
    for name in [n for n in sys.modules if _is_alias_name(n)]:
        _saved[name] = sys.modules.pop(name)
    _finder = _TorchAliasFinder()
    sys.meta_path.insert(0, _finder)
    sys.modules[ALIAS] = glassgrad
    _aliases.add(ALIAS)


def uninstall():
    """Removes the hook and the `torch...` names it made, and puts back the modules it put aside."""
    global _finder
    if _finder is None:
        return
    try:
        sys.meta_path.remove(_finder)
    except ValueError:
        pass
    _finder = None
    for name in [n for n in sys.modules if _is_alias_name(n)]:
        # NOTE: besides the names recorded, any `torch...` entry that is a glassgrad module is ours (one set by
        # hand while installed, or loaded by a loader that never ran exec_module)
        mod = sys.modules[name]
        if name in _aliases or getattr(mod, "__name__", "").split(".")[0] == TARGET:
            del sys.modules[name]
    _aliases.clear()
    _drop_placeholders()
    sys.modules.update(_saved)
    _saved.clear()


def _drop_placeholders():
    """The import system set each stand-in as an attribute of its parent (`glassgrad.fft`): remove them, so
    that glassgrad outside the hook is as it was."""
    for name in _placeholders:
        mod = sys.modules.pop(name, None)
        parent, _, child = name.rpartition(".")
        holder = sys.modules.get(_target_name(parent) or parent)
        if isinstance(mod, _missing.Unimplemented) and holder is not None and holder.__dict__.get(child) is mod:
            delattr(holder, child)
    _placeholders.clear()


@contextlib.contextmanager
def enabled():
    """The hook installed for the duration of a `with` block (left as it was if it was already installed)."""
    was = is_installed()
    install()
    try:
        yield glassgrad
    finally:
        if not was:
            uninstall()


def run_script(path, argv=(), compat=True):
    """Runs the Python file `path` as `__main__`, as `python path *argv` would: `sys.argv` is
    `[path, *argv]` and `sys.path[0]` the script's directory, both restored afterwards, as is the hook's state.
    With `compat` (the default) the torch hook is installed for the run. Returns the script's globals;
    `SystemExit` from the script (sys.exit, argparse) propagates with its code."""
    path = os.fspath(path)
    saved_argv = sys.argv
    saved_path = list(sys.path)
    sys.argv = [path, *argv]
    script_dir = os.path.dirname(os.path.abspath(path))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.append(script_dir)
    hook = enabled() if compat else contextlib.nullcontext()
    try:
        with hook:
            return runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
