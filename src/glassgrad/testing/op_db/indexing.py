"""OpInfo rows: indexing (getitem, setitem)."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

# ---- indexing --------------------------------------------------------------------------------------
def _key(*parts):
    return parts[0] if len(parts) == 1 else tuple(parts)


def _idx(*v):
    return np.array(v, dtype=np.int64)


ROWS = [
    row("getitem_basic", lambda m, x, key: x[key], lambda x, key: x[key],
         lambda make: [S("int", make(3, 4), 1), S("slice", make(3, 4), (slice(None), slice(1, 3))),
                       S("step", make(5, 2), slice(None, None, 2)), S("ellipsis_none", make(2, 3), (Ellipsis, None)),
                       S("to_0d", make(3, 4), (1, -1)), S("none", make(3), None), S("full", make(3), slice(None)),
                       S("neg_slice", make(4, 3), (slice(-3, -1), 0)), S("0d_ellipsis", make(), Ellipsis)],
         api=("__getitem__",), dtypes=FI),
    row("getitem_advanced", lambda m, x, key: x[key], lambda x, key: x[key],
         lambda make: [S("list", make(4, 3), [0, 2]), S("tensor2d", make(4, 3), _idx([0, 1], [3, 0])),
                       S("repeat", make(3, 4), (slice(None), _idx(1, 0, 1))), S("mask", make(3, 4), make(3, 4, dtype="bool")),
                       S("pair", make(3, 4), (_idx(0, 2), _idx(1, 3))),
                       S("split_adv", make(2, 3, 4), (_idx(0, 1), slice(None), _idx(2, 3))),
                       S("neg_idx", make(4), _idx(-1, -4)), S("row_mask", make(3, 2), np.array([True, False, True]))],
         api=("__getitem__",), dtypes=FI),
]
