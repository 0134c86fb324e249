"""OpInfo rows: shape and view ops."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

# ---- shape and view ops ----------------------------------------------------------------------------
def _squeeze_ref(x, dim=None):
    if dim is None:
        return x.reshape(tuple(n for n in x.shape if n != 1))
    dims = {d % max(x.ndim, 1) for d in (dim if isinstance(dim, tuple) else (dim,))}
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def _flatten_ref(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:])


def _expand_ref(x, *sizes):
    lead = len(sizes) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)))


def _narrow_ref(x, dim, start, length):
    start = start % x.shape[dim]
    return x[(slice(None),) * (dim % x.ndim) + (slice(start, start + length),)]


def _split_sizes(n, size_or_sections):
    if isinstance(size_or_sections, int):
        return [size_or_sections] * (n // size_or_sections) + ([n % size_or_sections] if n % size_or_sections else [])
    return list(size_or_sections)


def _split_ref(x, size_or_sections, dim=0):
    return np.split(x, np.cumsum(_split_sizes(x.shape[dim], size_or_sections))[:-1], axis=dim)


def _chunk_ref(x, chunks, dim=0):
    return _split_ref(x, -(-x.shape[dim] // chunks), dim)


def _unfold_ref(x, dimension, size, step):
    d = dimension % x.ndim
    w = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
    return w[(slice(None),) * d + (slice(None, None, step),)]


def _t_ref(x):
    return x.T


def _reshape_op(m, x, shape, transposed=False):
    return (x.transpose(0, 1) if transposed else x).reshape(shape)


def _reshape_ref(x, shape, transposed=False):
    return (np.swapaxes(x, 0, 1) if transposed else x).reshape(shape)




ROWS = [
    row("reshape", _reshape_op, _reshape_ref,
         lambda make: [S("2d", make(2, 3, 4), (6, 4)), S("infer", make(2, 3, 4), (-1,)),
                       S("0d", make(), (1, 1)), S("to_0d", make(1), ()),
                       S("noncontig", make(3, 4), (2, 6), transposed=True)], dtypes=FI),
    row("view", lambda m, x, *shape: x.view(*shape), lambda x, *shape: x.reshape(shape[0] if isinstance(shape[0], tuple) else shape),
         lambda make: [S("2d", make(2, 3, 4), 4, 6), S("infer", make(2, 3, 4), -1),
                       S("tuple", make(6), (2, 3)), S("0d", make(), 1)]),
    row("flatten", lambda m, x, *a: m.flatten(x, *a), _flatten_ref,
         lambda make: [S("all", make(2, 3, 4)), S("from1", make(2, 3, 4), 1), S("mid", make(2, 3, 4, 2), 1, 2),
                       S("0d", make()), S("same_dim", make(2, 3), 1, 1)]),
    row("squeeze", lambda m, x, *a: m.squeeze(x, *a), _squeeze_ref,
         lambda make: [S("all", make(1, 3, 1, 2)), S("dim0", make(1, 3, 1, 2), 0),
                       S("dim_not1", make(1, 3, 1, 2), 1), S("dims", make(1, 3, 1, 2), (0, 2)),
                       S("neg", make(2, 1), -1), S("0d", make())]),
    row("unsqueeze", lambda m, x, d: m.unsqueeze(x, d), np.expand_dims,
         lambda make: [S("0", make(2, 3), 0), S("-1", make(2, 3), -1), S("mid", make(2, 3), 1), S("0d", make(), 0)]),
    row("transpose", lambda m, x, a, b: m.transpose(x, a, b), np.swapaxes,
         lambda make: [S("02", make(2, 3, 4), 0, 2), S("neg", make(2, 3, 4), -1, -2), S("same", make(2, 3), 1, 1)],
         dtypes=FI),
    row("t", lambda m, x: m.t(x), _t_ref, lambda make: [S("2d", make(2, 3)), S("1d", make(3)), S("0d", make())]),
    row("permute", lambda m, x, *d: x.permute(*d), lambda x, *d: np.transpose(x, d[0] if len(d) == 1 else d),
         lambda make: [S("201", make(2, 3, 4), 2, 0, 1), S("tuple", make(2, 3, 4), (1, 2, 0)),
                       S("neg", make(2, 3), -1, 0)]),
    row("expand", lambda m, x, *sizes: x.expand(*sizes), _expand_ref,
         lambda make: [S("new_dims", make(3, 1), 2, 3, 4), S("minus1", make(3, 1), -1, 5), S("1d", make(1), 3),
                       S("0d", make(), 2, 3)]),
    row("narrow", lambda m, x, d, s, n: m.narrow(x, d, s, n), _narrow_ref,
         lambda make: [S("d0", make(4, 3), 0, 1, 2), S("neg_start", make(3, 5), -1, -3, 2), S("empty", make(4), 0, 2, 0)]),
    row("select", lambda m, x, d, i: m.select(x, d, i), lambda x, d, i: np.take(x, i, axis=d),
         lambda make: [S("d1", make(2, 3, 4), 1, -1), S("d0", make(3), 0, 2)]),
    row("unbind", lambda m, x, *a, **kw: m.unbind(x, *a, **kw), lambda x, dim=0: [np.take(x, i, dim) for i in range(x.shape[dim])],
         lambda make: [S("d0", make(3, 2)), S("d1", make(2, 3, 2), dim=1)]),
    row("split", lambda m, x, s, *a: m.split(x, s, *a), _split_ref,
         lambda make: [S("even", make(4, 3), 2), S("uneven", make(5, 3), 2), S("sizes", make(2, 6), [1, 2, 3], 1),
                       S("whole", make(3), 5)]),
    row("chunk", lambda m, x, c, *a: m.chunk(x, c, *a), _chunk_ref,
         lambda make: [S("even", make(4, 3), 2), S("uneven", make(2, 7), 3, 1), S("more_than_size", make(2), 4)]),
    row("diagonal", lambda m, x, *a: m.diagonal(x, *a), lambda x, *a: np.diagonal(x, *a),
         lambda make: [S("main", make(3, 4)), S("off1", make(3, 4), 1), S("off-1", make(3, 4), -1),
                       S("3d", make(2, 3, 4), 0, 1, 2), S("3d_neg", make(2, 3, 3), 1, -1, 0)]),
    row("unfold", lambda m, x, d, size, step: x.unfold(d, size, step), _unfold_ref,
         lambda make: [S("overlap", make(7), 0, 3, 2), S("disjoint", make(2, 6), 1, 2, 2),
                       S("step1", make(5, 2), 0, 2, 1)]),
    row("cat", lambda m, ts, *a: m.cat(ts, *a), lambda ts, dim=0: np.concatenate(ts, dim),
         lambda make: [S("d0", [make(2, 3), make(1, 3)]), S("d1", [make(2, 3), make(2, 2)], 1),
                       S("three_neg", [make(2, 1), make(2, 3), make(2, 2)], -1), S("single", [make(3)])],
         dtypes=FI),
    row("stack", lambda m, ts, *a: m.stack(ts, *a), lambda ts, dim=0: np.stack(ts, dim),
         lambda make: [S("d0", [make(2, 3), make(2, 3)]), S("last", [make(2, 3), make(2, 3), make(2, 3)], -1),
                       S("0d", [make(), make()])], dtypes=FI),
    row("clone", lambda m, x: m.clone(x), np.copy, lambda make: [S("2d", make(2, 3)), S("0d", make())]),
]
