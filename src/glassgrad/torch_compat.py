"""Run unchanged PyTorch scripts on glassgrad: while installed, `import torch` gives glassgrad.

An import hook (a `sys.meta_path` finder and loader) answers for `torch` and every `torch.A.B`: it hands
back the module `glassgrad.A.B` itself, not a copy, so `torch.nn is glassgrad.nn` and a class defined in one
is the class seen through the other. A name glassgrad lacks (`torch.onnx`, `torch.distributed`) raises
ModuleNotFoundError saying so.

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
    return ModuleNotFoundError(f"No module named '{fullname}': glassgrad does not implement {fullname}",
                               name=fullname)


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
        raise _not_implemented(fullname)
    return importlib.import_module(target)


class _TorchAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `torch...` names and loads each as the glassgrad module of the same path."""

    def find_spec(self, fullname, path=None, target=None):
        name = _target_name(fullname)
        if name is None:
            return None
        module = _resolve(fullname, name)
        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=hasattr(module, "__path__"))
        # NOTE: the import system stamps our spec onto the module it loads; exec_module puts the original back,
        # so glassgrad's modules keep their own identity (reload, pickle and pkgutil read __spec__).
        spec.loader_state = (module, module.__spec__)
        return spec

    def create_module(self, spec):
        return spec.loader_state[0]

    def exec_module(self, module):
        spec = module.__spec__
        if spec is not None and spec.loader is self:
            module.__spec__ = spec.loader_state[1]
            _aliases.add(spec.name)


_finder = None
_aliases = set()  # the sys.modules names this hook made
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
    sys.modules.update(_saved)
    _saved.clear()


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
