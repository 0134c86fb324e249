"""Helpers shared by glassgrad's tests and by users extending glassgrad: the OpInfo table, and PyTorch's
torch.testing.assert_close.

    from glassgrad.testing import op_db
    [op.name for op in op_db][:3]     # ['add', 'sub', 'mul']

Importing this package does not import torch or hypothesis, nor the op tables (op_db) until they are asked for.
"""
import importlib
import sys
import types

from .opinfo import (OpInfo, SampleInput, ErrorInput, make_samples, make_error_inputs, make_maker, build_args, flatten_arrays, as_list,
                     FLOAT_DTYPES)
from ._comparison import assert_close, assert_allclose

__all__ = ["OpInfo", "SampleInput", "ErrorInput", "make_error_inputs", "op_db", "op_by_name", "make_samples", "make_maker", "build_args",
           "flatten_arrays", "as_list", "FLOAT_DTYPES", "assert_close", "assert_allclose"]


def _table(name):
    return getattr(importlib.import_module(__name__ + ".op_db"), name)


class _Package(types.ModuleType):
    """This package, whose `op_db` and `op_by_name` load the op tables on first use (`torch.testing.assert_close` in
    a script must not build a few thousand rows). NOTE: properties, not a module __getattr__: importing the
    submodule glassgrad.testing.op_db binds that module as the package's attribute `op_db`, which would hide the
    table; the setter below keeps the name for the table."""

    op_db = property(lambda self: _table("op_db"), lambda self, module: None)
    op_by_name = property(lambda self: _table("op_by_name"))

    def __dir__(self):
        return sorted(set(super().__dir__()) | {"op_db", "op_by_name"})


sys.modules[__name__].__class__ = _Package
