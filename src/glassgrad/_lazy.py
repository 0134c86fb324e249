"""Package attributes that import their module on first use, so that `import glassgrad` loads only what every
program needs (the ops and the Tensor) and pays for nn, optim, data loading or serialization when they are used.

A package lists such names once, each with the module that defines it, and installs the hooks Python calls for
a name missing from a module's namespace (PEP 562):

    __getattr__, __dir__ = lazy_attributes(__name__, {"nn": (".nn", None), "save": (".serialization", "save")})

The first read imports the module and binds the name in the package, so later reads are plain lookups; `dir()`
lists the names before they are loaded, so the namespace reads the same as with eager imports.
"""
import importlib
import sys

from ._missing import attribute_error

__all__ = ["lazy_attributes"]


def lazy_attributes(package, table):
    """(__getattr__, __dir__) for the package named `package`. `table`: {name: (module, attribute)}, `module`
    relative to the package; attribute None when the name is the module itself."""

    def __getattr__(name):
        entry = table.get(name)
        if entry is None:
            # a name PyTorch has here says so (NotImplementedError); others are plain AttributeErrors
            raise attribute_error(package, name, depth=1)
        module, attr = entry
        value = importlib.import_module(module, package)
        if attr is not None:
            value = getattr(value, attr)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
