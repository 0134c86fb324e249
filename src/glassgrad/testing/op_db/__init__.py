"""The op table: one OpInfo row per public op, one module per op family. The generic suites in tests/test_ops.py
derive every check from these rows; an op is added by adding its row to its family's module.
"""
from . import elementwise, unary, activation, reduction, sorting, linalg, decomposition, shape, indexing, scatter, conv, pool, layers, loss
from . import special_math

FAMILIES = (elementwise, unary, activation, reduction, sorting, linalg, decomposition, shape, indexing, scatter, conv, pool, layers, loss,
            special_math)

op_db = [r for family in FAMILIES for r in family.ROWS]

_BY_NAME = {op.name: op for op in op_db}
if len(_BY_NAME) != len(op_db):
    _dups = sorted({op.name for op in op_db if sum(o.name == op.name for o in op_db) > 1})
    raise ValueError(f"duplicate OpInfo names: {_dups}")


def op_by_name(name):
    return _BY_NAME[name]
