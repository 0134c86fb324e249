"""OpInfo rows: glassgrad.linalg: inverses, decompositions and solvers."""
import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

ROWS = [
]
