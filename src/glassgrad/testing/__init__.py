"""Helpers shared by glassgrad's tests and by users extending glassgrad: the OpInfo table.

    from glassgrad.testing import op_db
    [op.name for op in op_db][:3]     # ['add', 'sub', 'mul']

Importing this package does not import torch or hypothesis.
"""
from .opinfo import (OpInfo, SampleInput, ErrorInput, make_samples, make_error_inputs, make_maker, build_args, flatten_arrays, as_list,
                     FLOAT_DTYPES)
from .op_db import op_db, op_by_name

__all__ = ["OpInfo", "SampleInput", "ErrorInput", "make_error_inputs", "op_db", "op_by_name", "make_samples", "make_maker", "build_args",
           "flatten_arrays", "as_list", "FLOAT_DTYPES"]
