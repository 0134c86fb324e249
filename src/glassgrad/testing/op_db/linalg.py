"""OpInfo rows: matrix products and linear algebra."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

# ---- linear algebra --------------------------------------------------------------------------------
_MATMUL_SHAPES = (("1d@1d", (4,), (4,)), ("2d@1d", (3, 4), (4,)), ("1d@2d", (4,), (4, 2)),
                  ("2d@2d", (3, 4), (4, 2)), ("3d@3d", (2, 3, 4), (2, 4, 5)), ("3d@2d", (2, 3, 4), (4, 5)),
                  ("2d@3d", (3, 4), (2, 4, 5)), ("1d@3d", (4,), (2, 4, 3)), ("3d@1d", (2, 3, 4), (4,)),
                  ("bcast4d", (2, 1, 3, 4), (5, 4, 2)))


def _pair_row(name, shapes, **kw):
    return OpInfo(name, lambda m, x, y: getattr(m, name)(x, y), getattr(np, "matmul" if name != "dot" else "dot"),
                  lambda make: [S(d, make(*a), make(*b)) for d, a, b in shapes], api=(name,), **kw)


ROWS = [
    OpInfo("matmul", lambda m, x, y: m.matmul(x, y), np.matmul,
           lambda make: [S(d, make(*a), make(*b)) for d, a, b in _MATMUL_SHAPES]
           + [S("operator", make(2, 3), make(3, 2))],
           api=("matmul", "__matmul__"), kind="matmul",
           from_shapes=lambda make, a, b: S(f"{a}@{b}", make(*a), make(*b))),
    _pair_row("mm", (("2x3@3x4", (2, 3), (3, 4)), ("1x1", (1, 1), (1, 1)))),
    _pair_row("bmm", (("b2", (2, 3, 4), (2, 4, 5)), ("b1", (1, 2, 2), (1, 2, 3)))),
    _pair_row("mv", (("3x4@4", (3, 4), (4,)), ("1x2@2", (1, 2), (2,)))),
    _pair_row("dot", (("5", (5,), (5,)), ("1", (1,), (1,)))),
]
