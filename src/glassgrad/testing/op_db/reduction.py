"""OpInfo rows: reductions."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

ROWS = [reduction_row("sum", np.sum), reduction_row("mean", np.mean)]
