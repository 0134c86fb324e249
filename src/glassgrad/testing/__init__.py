"""Helpers shared by glassgrad's tests and by users extending glassgrad: the OpInfo table.

    from glassgrad.testing import op_db
    [op.name for op in op_db][:3]     # ['add', 'sub', 'mul']

Importing this package does not import torch or hypothesis.
"""
from .opinfo import OpInfo, SampleInput, op_db, op_by_name, build_args, tensor_leaves, make_sample_arrays

__all__ = ["OpInfo", "SampleInput", "op_db", "op_by_name", "build_args", "tensor_leaves", "make_sample_arrays"]
