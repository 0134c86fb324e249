"""OpInfo rows: unary maths (exp, log, trig, erf, rounding ...), also in glassgrad.special."""
import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

ROWS = [
]
