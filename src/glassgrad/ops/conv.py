"""Convolutions (1d/2d/3d, transposed) and unfold/fold, through strided windows and BLAS.

Three primitives close under differentiation, so every order of gradient comes from the same code:
  CONV    y = conv(x, w) + b        im2col of x (a strided view, copied once) times the weight matrix
  CONV_T  y = conv_t(x, w) + b      the weight matrix times x, scattered back by col2im
  CONV_W  gw = conv_w(x, gy)        the weight gradient: im2col of x times gy
conv's input-VJP is conv_t, conv_t's input-VJP is conv, and both weight-VJPs are conv_w, whose own VJPs are
conv_t and conv again. Padding is carried as (low, high) pairs per spatial dimension, where a negative value
crops: that is how padding='same' with an even kernel, output_padding and the adjoint of a strided convolution
(which may not use the last rows of its input) are all expressed. im2col is a copy of a strided view; col2im
loops over the kernel offsets only (kh*kw iterations), adding strided slices.

With stride 1 (the common case) conv and conv_w take a faster route, "flat shifts" (below), and conv_t becomes
conv with the flipped kernel: the batch is laid out channel-major as one flat, zero-padded row per channel, so that
every kernel offset is a shift along that row and each shift is one GEMM over the whole batch.
"""
import itertools
import math
import warnings

from .registry import primitive, defvjp, apply, call
from . import shape as S

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold", "fold"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"),
       "Tensor": (),
       "nn.functional": ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                         "unfold", "fold"),
       "linalg": (), "special": ()}


# ---- strided windows -------------------------------------------------------------------------------
def _crop_negative(x, pads):
    """Applies the negative entries of (low, high) pads as crops (a view); returns it and the pads left."""
    if all(lo >= 0 and hi >= 0 for lo, hi in pads):
        return x, pads
    lead = x.ndim - len(pads)
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pads, x.shape[lead:]))
    return x[(Ellipsis,) + crop], tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)


def pad_spatial(xp, x, pads, value=0):
    """Pads (or, where a pair entry is negative, crops) the trailing len(pads) dimensions of x."""
    x, pads = _crop_negative(x, pads)
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    shape = x.shape[:lead] + tuple(n + lo + hi for (lo, hi), n in zip(pads, x.shape[lead:]))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, x.shape[lead:]))] = x
    return out


def out_sizes(sizes, kernel, stride, dilation):
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(sizes, kernel, stride, dilation))


def windows(xp, x, kernel, stride, dilation, out=None):
    """The (N, C, *kernel, *out) strided view of x's sliding windows (no copy)."""
    nsp = len(kernel)
    if out is None:
        out = out_sizes(x.shape[2:], kernel, stride, dilation)
    st = x.strides
    shape = x.shape[:2] + tuple(kernel) + tuple(out)
    strides = (st[:2] + tuple(st[2 + i] * dilation[i] for i in range(nsp))
               + tuple(st[2 + i] * stride[i] for i in range(nsp)))
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)


def im2col(xp, x, kernel, stride, dilation, groups, out):
    """The (groups, C/groups * K, N * P) column matrix of x's windows (K kernel offsets, P output positions):
    channel-major, so that a convolution over the whole batch is one GEMM per group."""
    n, c = x.shape[:2]
    nsp = len(kernel)
    win = windows(xp, x, kernel, stride, dilation, out)  # (N, C, *kernel, *out)
    order = tuple(range(1, 2 + nsp)) + (0,) + tuple(range(2 + nsp, 2 + 2 * nsp))
    return win.transpose(order).reshape(groups, c // groups * math.prod(kernel), n * math.prod(out))  # the copy


def col2im(xp, cols, full, stride, dilation):
    """The adjoint of im2col: adds cols (C, *kernel, N, *out) into a zero (C, N, *full) array, one kernel offset
    at a time (each a strided slice add over the whole batch)."""
    nsp = len(full)
    kernel, out = cols.shape[1:1 + nsp], cols.shape[2 + nsp:]
    y = xp.zeros((cols.shape[0], cols.shape[1 + nsp]) + tuple(full), dtype=cols.dtype)
    for offs in itertools.product(*map(range, kernel)):
        sl = tuple(slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in zip(offs, dilation, stride, out))
        y[(slice(None), slice(None)) + sl] += cols[(slice(None),) + offs]
    return y


def _batch_first(xp, y):
    """(C, N, ...) -> a C-contiguous (N, C, ...), the layout PyTorch returns."""
    return xp.ascontiguousarray(xp.swapaxes(y, 0, 1))


def _channel_major(x, groups):
    """(N, C, *sizes) -> (groups, C/groups, N * prod(sizes)), a copy."""
    n, c = x.shape[:2]
    return x.swapaxes(0, 1).reshape(groups, c // groups, n * math.prod(x.shape[2:]))


def _adjoint_pads(in_sizes, out_sizes_, kernel, stride, padding, dilation):
    """The (low, high) crop that makes conv_t of an `out_sizes_` gradient come back at `in_sizes` (the
    high side may be negative: rows a strided convolution never read get zero gradient)."""
    return tuple((lo, s * (m - 1) + d * (k - 1) + 1 - lo - n)
                 for n, m, k, s, (lo, _), d in zip(in_sizes, out_sizes_, kernel, stride, padding, dilation))


# ---- stride 1: flat shifts --------------------------------------------------------------------------
# NOTE: PyTorch-speed convolutions from BLAS need big GEMMs and few single-threaded copies. With stride 1, each
# channel of the whole batch is laid out as one flat row of a (C, length) buffer: image after image, each a block of
# `periods` (per leading dimension its size plus its larger pad, neighbours sharing their zero padding; the last
# dimension unpadded). A kernel offset is then a shift along the rows: the windows of one offset are a plain 2-d
# view of the buffer, and one GEMM serves the whole batch. The taps of the last `stacked` kernel dimensions (at least
# the last one) are stacked into one copy, where the windows that wrapped around a row are zeroed; the other offsets
# are shifted views of that copy, whose GEMMs are summed. Outputs are computed on the whole period grid and the
# positions past an image's output ("waste") dropped; `_flat_plan` falls back to im2col where they would cost more
# than half as much again as the real work. Compared with im2col (a copy kh*kw times the input, with short rows, and
# transposes around the GEMM), this copies the input once with long rows, then k_last times, and the output once.
_FLAT_MAX_WASTE = 1.5


def _flat_strides(periods):
    """The flat element strides of the spatial dimensions inside one image block."""
    strides = [1]
    for r in reversed(periods[1:]):
        strides.insert(0, strides[0] * r)
    return tuple(strides)


def _flat_offsets(kernel, dilation, periods):
    """The flat shift of each offset of the (leading) kernel dimensions given, in C order."""
    strides = _flat_strides(periods)
    return [sum(i * d * st for i, d, st in zip(offs, dilation, strides))
            for offs in itertools.product(*map(range, kernel))]


def _flat_plan(sizes, pads, out, n):
    """The periods of the flat layout of inputs of `sizes` padded by `pads` (non-negative) for `out` output
    positions, or None where the flat layout does not pay. The last dimension needs no zero padding: the windows
    that wrap around a row are zeroed in the stacked copy instead (see `_flat_columns`)."""
    periods = tuple(max(m + max(p), o) for m, p, o in zip(sizes[:-1], pads[:-1], out[:-1]))
    periods += (max(sizes[-1], out[-1]),)
    if n == 0 or min(out) <= 0 or math.prod(periods) > _FLAT_MAX_WASTE * math.prod(out):
        return None
    return periods


def _flat_stacked(c, o, kernel):
    """How many trailing kernel dimensions a convolution from c to o channels stacks: the fewest serial passes over
    memory, between copying the stacked taps (a write and a read each) and summing the GEMM results of the other
    offsets (two reads and a write each). BLAS runs the GEMMs on all threads; the copies and sums run on one."""
    nsp = len(kernel)
    return min(range(1, nsp + 1), key=lambda m: (2 * c * math.prod(kernel[nsp - m:])
                                                 + 3 * o * (math.prod(kernel[:nsp - m]) - 1)))


def _flat_buffer(xp, x, periods, lows, length):
    """The (C, length) buffer holding image n of x at flat offset n * prod(periods), shifted by its low pads, with
    zeros everywhere else (only the zeros are written besides the data)."""
    n, c, sizes = x.shape[0], x.shape[1], x.shape[2:]
    block = n * math.prod(periods)
    origin = sum(lo * st for lo, st in zip(lows, _flat_strides(periods)))
    buf = xp.empty((c, length), dtype=x.dtype)
    buf[:, :origin] = 0
    buf[:, origin + block:] = 0
    grid = buf[:, origin:origin + block].reshape((c, n) + tuple(periods))
    head = (slice(None), slice(None))
    for d in range(len(sizes)):  # what lies past the data along dimension d, the data before it along the others
        grid[head + tuple(slice(0, m) for m in sizes[:d]) + (slice(sizes[d], None),)] = 0
    grid[head + tuple(slice(0, m) for m in sizes)] = x.swapaxes(0, 1)
    return buf


def _flat_columns(xp, x, kernel, pads, dilation, groups, periods, stacked):
    """The (groups, C/groups * K, width) stack of x's flat buffer shifted by each of the K offsets of the last
    `stacked` (at least one) kernel dimensions, the flat shifts of the other offsets, and the number of grid
    positions."""
    n, c, split = x.shape[0], x.shape[1], len(kernel) - stacked
    block = n * math.prod(periods)
    lead = _flat_offsets(kernel[:split], dilation, periods)
    trail = tuple(zip(kernel[split:], dilation[split:], _flat_strides(periods)[split:]))
    width = block + lead[-1]
    origin = sum(lo * st for (lo, _), st in zip(pads, _flat_strides(periods)))
    length = max(width + sum(d * (k - 1) * st for k, d, st in trail), origin + block)
    buf = _flat_buffer(xp, x, periods, [lo for lo, _ in pads], length)
    s0, s1 = buf.strides
    taps = xp.lib.stride_tricks.as_strided(buf, (c,) + tuple(kernel[split:]) + (width,),
                                           (s0,) + tuple(d * st * s1 for _, d, st in trail) + (s1,), writeable=False)
    # the taps of the last dimension that read past a row's ends wrapped around to its neighbours: zero them
    row = periods[-1]
    wrapped = []
    for j in range(kernel[-1]):
        shift = j * dilation[-1] - pads[-1][0]  # output column w reads input column w + shift
        first, stop = min(max(-shift, 0), row), min(max(x.shape[-1] - shift, 0), row)
        wrapped += [(j, slice(0, first))] if first else []
        wrapped += [(j, slice(stop, row))] if stop < row else []
    cols = taps.copy() if wrapped else xp.ascontiguousarray(taps)  # the copy (a view only for unpadded 1x1)
    rows = cols.reshape(cols.shape[:-1] + (width // row, row))
    for j, columns in wrapped:
        rows[..., j, :, columns] = 0
    return cols.reshape(groups, -1, width), lead, block


def _grid_to_batch_first(xp, grid):
    """A (C, N, *out) view of the grid -> the C-contiguous (N, C, *out) result, in one copy."""
    res = xp.empty((grid.shape[1], grid.shape[0]) + grid.shape[2:], dtype=grid.dtype)
    res[...] = grid.swapaxes(0, 1)
    return res


def _conv_flat(xp, x, w, b, pads, dilation, groups, periods, out):
    n, c, o, kernel = x.shape[0], x.shape[1], w.shape[0], w.shape[2:]
    cols, lead, block = _flat_columns(xp, x, kernel, pads, dilation, groups, periods, _flat_stacked(c, o, kernel))
    # (O, C/g, *lead, *stacked) -> (lead offsets, groups, O/g, C/g * stacked), matching the rows of cols
    wt = xp.moveaxis(w.reshape((groups, o // groups, w.shape[1], len(lead), -1)), 3, 0)
    wt = xp.ascontiguousarray(wt).reshape(len(lead), groups, o // groups, -1)
    y = xp.matmul(wt[0], cols[..., :block])
    if len(lead) > 1:
        part = xp.empty_like(y)
        for t in range(1, len(lead)):
            y += xp.matmul(wt[t], cols[..., lead[t]:lead[t] + block], out=part)
    if b is not None:  # NOTE: here, along whole rows: added during the transposed copy, it cost 3x the copy
        y += b.reshape(groups, o // groups, 1)
    grid = y.reshape((o, n) + tuple(periods))[(slice(None), slice(None)) + tuple(slice(0, m) for m in out)]
    return _grid_to_batch_first(xp, grid)


def _conv_w_flat(xp, x, gy, kernel, pads, dilation, groups, periods):
    o, cg = gy.shape[1], x.shape[1] // groups
    # NOTE: stacking the last dimension only measured fastest here (there are no GEMM results to sum)
    cols, lead, block = _flat_columns(xp, x, kernel, pads, dilation, groups, periods, 1)
    g = _flat_buffer(xp, gy, periods, (0,) * len(kernel), block).reshape(groups, o // groups, block)
    # NOTE: (taps, N*P) @ (N*P, O) runs faster in OpenBLAS than the product the other way around
    gw = xp.empty((groups, len(lead), cols.shape[1], o // groups), dtype=cols.dtype)
    for t, off in enumerate(lead):
        xp.matmul(cols[..., off:off + block], g.swapaxes(1, 2), out=gw[:, t])
    # (groups, lead, C/g, stacked, O/g) -> (O, C/g, *kernel)
    gw = gw.reshape((groups, len(lead), cg, -1, o // groups)).transpose(0, 4, 2, 1, 3)
    return xp.ascontiguousarray(gw).reshape((o, cg) + tuple(kernel))


def _conv_t_as_conv(w, groups):
    """The weight of the convolution that equals the stride-1 transposed convolution by w: (C_in, C_out/g, *k) ->
    (C_out, C_in/g, *k), each kernel flipped."""
    cin, og, kernel = w.shape[0], w.shape[1], w.shape[2:]
    w = w.reshape((groups, cin // groups, og) + tuple(kernel)).swapaxes(1, 2)
    w = w[(Ellipsis,) + (slice(None, None, -1),) * len(kernel)]
    return w.reshape((groups * og, cin // groups) + tuple(kernel))


# ---- small convolutions: batch-first columns ---------------------------------------------------------
# NOTE: a small convolution (the first layer of a small CNN: few channels, small images) costs Python-level array
# calls and passes over memory more than GEMM time. There, each image's columns are laid out batch-first,
# (N, groups, C/g * K, P), so that one batched matmul writes the result straight into PyTorch's (N, C_out, *out)
# layout, with no transposed copy of the output, and the bias comes out of the GEMM (a row of ones in the columns)
# instead of another pass. The columns are copied out of one flat row per image and channel, padded along the
# leading spatial dimensions but not along the last one (as in the flat shifts above), so that the copy runs along
# whole images rather than along short rows; the windows that wrapped around a row are zeroed after.
# The route pays while the columns (K times the input) stay in cache, up to _SMALL_MAX elements, and while the
# per-image GEMMs are not too thin: conv needs C_out/g >= C/g * K / _SMALL_RATIO (else, as in the input gradient
# of a layer with few output channels, the flat shifts win); the weight gradient, one batched matmul of each
# image's (C_out/g, P) gradient by its (P, C/g * K) columns and a sum over the batch, needs C/g * K <= _SMALL_ROWS
# (the first layers of a CNN). On one thread the route measured 1.2-5x faster than the flat shifts within these
# bounds, and faster still up to about 2M elements; the bound stays lower because OpenBLAS runs the small per-image
# GEMMs on one thread, where the flat route's single large GEMM gets all of them.
_SMALL_MAX = 1 << 20
_SMALL_RATIO = 16
_SMALL_ROWS = 32


def _small_columns(xp, x, kernel, stride, padding, dilation, groups, out, ones=False):
    """The (N, groups, C/groups * K, P) batch-first column matrix of x's windows (x padded by `padding`), with a
    row of ones after each group's rows if `ones`."""
    n, c = x.shape[:2]
    rows, positions = c // groups * math.prod(kernel), math.prod(out)
    x, pads = _crop_negative(x, padding)
    sizes, nsp = x.shape[2:], len(kernel)
    periods = tuple(m + lo + hi for m, (lo, hi) in zip(sizes[:-1], pads[:-1])) + (sizes[-1],)
    block, low = math.prod(periods), pads[-1][0]
    # how far the last window of the last row reads past the block (the first reads `low` before it)
    high = max((out[-1] - 1) * stride[-1] + (kernel[-1] - 1) * dilation[-1] - low - sizes[-1] + 1, 0)
    buf = xp.zeros((n, c, low + block + high), dtype=x.dtype)
    grid = buf[:, :, low:low + block].reshape((n, c) + periods)
    grid[(slice(None), slice(None)) + tuple(slice(lo, lo + m) for m, (lo, _) in zip(sizes[:-1], pads[:-1]))] = x
    s0, s1, s2 = buf.strides
    flat = _flat_strides(periods)
    win = xp.lib.stride_tricks.as_strided(  # (N, groups, C/g, *kernel, *out), reading buf from its start
        buf, (n, groups, c // groups) + tuple(kernel) + tuple(out),
        (s0, c // groups * s1, s1) + tuple(d * f * s2 for d, f in zip(dilation, flat))
        + tuple(st * f * s2 for st, f in zip(stride, flat)), writeable=False)
    cols = xp.empty((n, groups, rows + ones, positions), dtype=x.dtype)
    taps = cols[:, :, :rows].reshape(win.shape)  # a view: it only splits axes
    taps[...] = win  # the copy
    for j in range(kernel[-1]):  # zero the windows of the last dimension that wrapped around a row
        shift = j * dilation[-1] - low  # output column w reads input column w * stride + shift
        first = min(max(-(shift // stride[-1]), 0), out[-1])
        stop = min(max(-((shift - sizes[-1]) // stride[-1]), 0), out[-1])
        at = (Ellipsis, j) + (slice(None),) * (nsp - 1)
        if first:
            taps[at + (slice(0, first),)] = 0
        if stop < out[-1]:
            taps[at + (slice(stop, None),)] = 0
    if ones:
        cols[:, :, rows] = 1
    return cols


def _conv_small(xp, x, w, b, stride, padding, dilation, groups, out):
    """conv over the small route, or None where it does not pay."""
    o, rows = w.shape[0], math.prod(w.shape[1:])
    if x.shape[0] * groups * rows * math.prod(out) > _SMALL_MAX or o // groups * _SMALL_RATIO < rows:
        return None
    cols = _small_columns(xp, x, w.shape[2:], stride, padding, dilation, groups, out, ones=b is not None)
    wm = w.reshape(groups, o // groups, rows)
    if b is not None:
        wm = xp.concatenate([wm, b.reshape(groups, o // groups, 1)], axis=2)
    return xp.matmul(wm, cols).reshape((x.shape[0], o) + tuple(out))  # (N, groups, O/g, P)


def _conv_w_small(xp, x, gy, kernel, stride, padding, dilation, groups):
    """conv_w over the small route, or None where it does not pay."""
    n, c, o = x.shape[0], x.shape[1], gy.shape[1]
    rows = c // groups * math.prod(kernel)
    if n * groups * rows * math.prod(gy.shape[2:]) > _SMALL_MAX or rows > _SMALL_ROWS:
        return None
    cols = _small_columns(xp, x, kernel, stride, padding, dilation, groups, gy.shape[2:])
    g = gy.reshape(n, groups, o // groups, cols.shape[3])
    gw = xp.sum(xp.matmul(g, cols.swapaxes(2, 3)), axis=0)  # (groups, O/g, C/g * K)
    return gw.reshape((o, c // groups) + tuple(kernel))


# ---- the three primitives ---------------------------------------------------------------------------
def _conv_fwd(xp, x, w, b, *, stride, padding, dilation, groups):
    kernel = w.shape[2:]
    out = out_sizes([m + lo + hi for m, (lo, hi) in zip(x.shape[2:], padding)], kernel, stride, dilation)
    y = _conv_small(xp, x, w, b, stride, padding, dilation, groups, out)
    if y is not None:
        return y
    if all(s == 1 for s in stride):
        xc, pads = _crop_negative(x, padding)
        periods = _flat_plan(xc.shape[2:], pads, out, x.shape[0])
        if periods is not None:
            return _conv_flat(xp, xc, w, b, pads, dilation, groups, periods, out)
    x = pad_spatial(xp, x, padding)
    n, o, kernel = x.shape[0], w.shape[0], w.shape[2:]
    out = out_sizes(x.shape[2:], kernel, stride, dilation)
    cols = im2col(xp, x, kernel, stride, dilation, groups, out)
    y = xp.matmul(w.reshape(groups, o // groups, cols.shape[1]), cols)  # (groups, o/g, N*P)
    y = _batch_first(xp, y.reshape((o, n) + out))
    if b is not None:
        y += b.reshape((o,) + (1,) * len(out))
    return y


def _conv_t_fwd(xp, x, w, b, *, stride, padding, dilation, groups):
    n, cin = x.shape[:2]
    sizes, kernel = x.shape[2:], w.shape[2:]
    if all(s == 1 for s in stride):
        # NOTE: a convolution of x padded by d*(k-1) on both sides (less the crops of `padding`), with the flipped
        # kernel: the flat route, with no scatter and no col2im.
        pads = tuple((d * (k - 1) - lo, d * (k - 1) - hi) for k, d, (lo, hi) in zip(kernel, dilation, padding))
        return _conv_fwd(xp, x, _conv_t_as_conv(w, groups), b, stride=stride, padding=pads, dilation=dilation,
                         groups=groups)
    cg_out = w.shape[1]
    wm = w.reshape(groups, cin // groups, cg_out * math.prod(kernel))
    cols = xp.matmul(wm.transpose(0, 2, 1), _channel_major(x, groups))  # (groups, cg_out*K, N*L)
    cols = cols.reshape((groups * cg_out,) + tuple(kernel) + (n,) + tuple(sizes))
    full = tuple(s * (m - 1) + d * (k - 1) + 1 for m, k, s, d in zip(sizes, kernel, stride, dilation))
    y = pad_spatial(xp, col2im(xp, cols, full, stride, dilation), tuple((-lo, -hi) for lo, hi in padding))
    y = _batch_first(xp, y)
    if b is not None:
        y += b.reshape((-1,) + (1,) * len(sizes))
    return y


def _conv_w_fwd(xp, x, gy, *, kernel, stride, padding, dilation, groups):
    gw = _conv_w_small(xp, x, gy, kernel, stride, padding, dilation, groups)
    if gw is not None:
        return gw
    if all(s == 1 for s in stride):
        xc, pads = _crop_negative(x, padding)
        periods = _flat_plan(xc.shape[2:], pads, gy.shape[2:], x.shape[0])
        if periods is not None:
            return _conv_w_flat(xp, xc, gy, kernel, pads, dilation, groups, periods)
    x = pad_spatial(xp, x, padding)
    c, o = x.shape[1], gy.shape[1]
    cols = im2col(xp, x, kernel, stride, dilation, groups, gy.shape[2:])
    gw = xp.matmul(_channel_major(gy, groups), cols.transpose(0, 2, 1))  # (groups, o/g, c/g*K)
    return gw.reshape((o, c // groups) + tuple(kernel))


def _bias_vjp(grad, xp):
    if getattr(xp, "RECORDS", False):  # building a graph: one recorded sum
        return xp.sum(grad, axis=(0,) + tuple(range(2, grad.ndim)))
    # NOTE: summing over the batch first (whole rows at a time), then along each channel's row, is 2-4x faster in
    # NumPy than one reduction over the non-adjacent axes (0, 2, ...)
    n, o = grad.shape[:2]
    return xp.sum(xp.sum(grad.reshape(n, o, math.prod(grad.shape[2:])), axis=0), axis=1)


def _conv_x_vjp(grad, w, x_shape, stride, padding, dilation, groups, xp):
    pads = _adjoint_pads(x_shape[2:], grad.shape[2:], w.shape[2:], stride, padding, dilation)
    return call(xp, CONV_T, grad, w, None, stride=stride, padding=pads, dilation=dilation, groups=groups)


def _conv_w_vjp(grad, x, w_shape, stride, padding, dilation, groups, xp):
    return call(xp, CONV_W, x, grad, kernel=tuple(w_shape[2:]), stride=stride, padding=padding, dilation=dilation,
                groups=groups)


def _conv_t_x_vjp(grad, w, stride, padding, dilation, groups, xp):
    return call(xp, CONV, grad, w, None, stride=stride, padding=padding, dilation=dilation, groups=groups)


def _conv_t_w_vjp(grad, x, w_shape, stride, padding, dilation, groups, xp):
    return call(xp, CONV_W, grad, x, kernel=tuple(w_shape[2:]), stride=stride, padding=padding, dilation=dilation,
                groups=groups)


def _conv_w_x_vjp(grad, gy, x_shape, kernel, stride, padding, dilation, groups, xp):
    pads = _adjoint_pads(x_shape[2:], gy.shape[2:], kernel, stride, padding, dilation)
    return call(xp, CONV_T, gy, grad, None, stride=stride, padding=pads, dilation=dilation, groups=groups)


def _conv_w_gy_vjp(grad, x, stride, padding, dilation, groups, xp):
    return call(xp, CONV, x, grad, None, stride=stride, padding=padding, dilation=dilation, groups=groups)


CONV = primitive("convolution", _conv_fwd, node="ConvolutionBackward0")
defvjp(CONV, x=_conv_x_vjp, w=_conv_w_vjp, b=_bias_vjp)
CONV_T = primitive("convolution_transposed", _conv_t_fwd, node="ConvolutionBackward0")
defvjp(CONV_T, x=_conv_t_x_vjp, w=_conv_t_w_vjp, b=_bias_vjp)
CONV_W = primitive("convolution_weight", _conv_w_fwd, node="ConvolutionBackwardBackward0")
defvjp(CONV_W, x=_conv_w_x_vjp, gy=_conv_w_gy_vjp)


# ---- argument checks, in PyTorch's order and words -------------------------------------------------
def _ntuple(what, value, n, how="convolution dimensions"):
    if isinstance(value, (tuple, list)):
        value = tuple(value)
        if len(value) == 1:
            value = value * n
        if len(value) != n:
            raise RuntimeError(f"expected {what} to be a single integer value or a list of {n} values to match the "
                               f"{how}, but got {what}={list(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _fmt(sizes):
    return " x ".join(str(v) for v in sizes)


def _check_input(name, input, nsp):
    nd = input.ndim
    if nd not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(input.shape)}")
    return nd == nsp + 2


def _check_dtypes(input, weight, bias):
    if weight._dtype is not input._dtype:
        raise RuntimeError(f"expected scalar type {input._dtype.scalar_name} but found {weight._dtype.scalar_name}")
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"Input type ({input._dtype.cpp_name}) and bias type ({bias._dtype.cpp_name}) should be "
                           f"the same")


def _check_common(stride, dilation, groups, weight, nsp):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    ws = list(weight._data.shape)
    if len(ws) != nsp + 2:
        raise RuntimeError(f"Expected {nsp + 2}-dimensional weight for {nsp + 2}-dimensional input, but got weight of "
                           f"size {ws} instead")
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {ws} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{ws}] instead")
    return ws


def _check_bias(bias, n, ws, transposed):
    if bias is not None and (bias.ndim != 1 or bias._data.shape[0] != n):
        what = "transposed=1, weight" if transposed else "weight"
        raise RuntimeError(f"Given {what} of size {ws}, expected bias to be 1-dimensional with {n} elements, but got "
                           f"bias of size {list(bias.shape)} instead")


_warned_same = []


def _conv_padding(padding, kernel, stride, dilation, nsp):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nsp
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        pads = tuple((t // 2, t - t // 2) for t in totals)
        if any(lo != hi for lo, hi in pads) and not _warned_same:
            _warned_same.append(True)  # NOTE: PyTorch warns once per process (TORCH_WARN_ONCE)
            warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                          "copy of the input be created", UserWarning, stacklevel=4)
        return pads
    p = _ntuple("padding", padding, nsp)
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


def _conv(name, nsp, input, weight, bias, stride, padding, dilation, groups):
    batched = _check_input(name, input, nsp)
    _check_dtypes(input, weight, bias)
    stride, dilation = _ntuple("stride", stride, nsp), _ntuple("dilation", dilation, nsp)
    ws = _check_common(stride, dilation, groups, weight, nsp)
    kernel = ws[2:]
    pads = _conv_padding(padding, kernel, stride, dilation, nsp)
    x = input if batched else S.unsqueeze(input, 0)
    xs = list(x._data.shape)
    if xs[1] != ws[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {ws}, expected input{xs} to have {ws[1] * groups} "
                           f"channels, but got {xs[1]} channels instead")
    _check_bias(bias, ws[0], ws, False)
    padded = [n + lo + hi for n, (lo, hi) in zip(xs[2:], pads)]
    eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < k for p, k in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({_fmt(padded)}). Kernel size: ({_fmt(eff)}). "
                           f"Kernel size can't be greater than actual input size")
    y = apply(CONV, (x, weight, bias), {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups})
    return y if batched else S.squeeze(y, 0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation, as PyTorch's), with PyTorch's signature.

    >>> import glassgrad as torch
    >>> x, w = torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2)
    >>> torch.nn.functional.conv2d(x, w, padding=1)[0, 0]
    tensor([[1., 2., 2., 1.],
            [2., 4., 4., 2.],
            [2., 4., 4., 2.],
            [1., 2., 2., 1.]])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_t(name, nsp, input, weight, bias, stride, padding, output_padding, groups, dilation):
    batched = _check_input(name, input, nsp)
    _check_dtypes(input, weight, bias)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    stride, dilation = _ntuple("stride", stride, nsp), _ntuple("dilation", dilation, nsp)
    pad, opad = _ntuple("padding", padding, nsp), _ntuple("output_padding", output_padding, nsp)
    ws = _check_common(stride, dilation, groups, weight, nsp)
    if any(v < 0 for v in pad):
        raise RuntimeError("negative padding is not supported")
    if any(v < 0 for v in opad):
        raise RuntimeError("negative output_padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(opad, stride, dilation)):
        # NOTE: PyTorch runs 1-d convolutions as 2-d ones of height 1, and its message shows that height
        lead = 2 - nsp if nsp < 2 else 0
        parts = []
        for what, vals, fill in (("output_padding", opad, 0), ("stride", stride, 1), ("dilation", dilation, 1)):
            vals = (fill,) * lead + vals
            names = ("height", "width") if len(vals) == 2 else ("depth", "height", "width")
            parts += [f"{what}_{n}: {v}" for n, v in zip(names, vals)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    x = input if batched else S.unsqueeze(input, 0)
    xs = list(x.shape)
    if xs[1] != ws[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected input{xs} to have {ws[0]} channels, but "
                           f"got {xs[1]} channels instead")
    _check_bias(bias, ws[1] * groups, ws, True)
    kernel = ws[2:]
    outs = [s * (n - 1) - 2 * p + d * (k - 1) + 1 + op
            for n, k, s, p, d, op in zip(xs[2:], kernel, stride, pad, dilation, opad)]
    if any(o <= 0 for o in outs):
        raise RuntimeError(f"Given input size per channel: ({_fmt(xs[2:])}). Calculated output size per channel: "
                           f"({_fmt(outs)}). Output size is too small")
    pads = tuple((p, p - op) for p, op in zip(pad, opad))
    y = apply(CONV_T, (x, weight, bias), {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups})
    return y if batched else S.squeeze(y, 0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_t("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_t("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_t("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups, dilation)


# ---- unfold (im2col) and fold (col2im) --------------------------------------------------------------
def _unfold_fwd(xp, x, *, kernel, dilation, padding, stride):
    if x.ndim == 3:
        return _unfold_fwd(xp, x[None], kernel=kernel, dilation=dilation, padding=padding, stride=stride)[0]
    x = pad_spatial(xp, x, tuple((p, p) for p in padding))
    win = windows(xp, x, kernel, stride, dilation)
    return win.reshape(x.shape[0], x.shape[1] * math.prod(kernel), math.prod(win.shape[4:]))


def _fold_fwd(xp, x, *, output_size, kernel, dilation, padding, stride):
    if x.ndim == 2:
        return _fold_fwd(xp, x[None], output_size=output_size, kernel=kernel, dilation=dilation, padding=padding,
                         stride=stride)[0]
    full = tuple(n + 2 * p for n, p in zip(output_size, padding))
    out = out_sizes(full, kernel, stride, dilation)
    nsp = len(kernel)
    cols = x.reshape((x.shape[0], x.shape[1] // math.prod(kernel)) + tuple(kernel) + out)
    cols = cols.transpose(tuple(range(1, 2 + nsp)) + (0,) + tuple(range(2 + nsp, 2 + 2 * nsp)))
    y = col2im(xp, cols, full, stride, dilation)
    return _batch_first(xp, pad_spatial(xp, y, tuple((-p, -p) for p in padding)))


def _unfold_vjp(grad, x_shape, kernel, dilation, padding, stride, xp):
    return call(xp, FOLD, grad, output_size=tuple(x_shape[-2:]), kernel=kernel, dilation=dilation, padding=padding,
                stride=stride)


def _fold_vjp(grad, kernel, dilation, padding, stride, xp):
    return call(xp, UNFOLD, grad, kernel=kernel, dilation=dilation, padding=padding, stride=stride)


UNFOLD = primitive("im2col", _unfold_fwd, node="Im2ColBackward0")
defvjp(UNFOLD, x=_unfold_vjp)
FOLD = primitive("col2im", _fold_fwd, node="Col2ImBackward0")
defvjp(FOLD, x=_fold_vjp)


def _require_float(input, kernel):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input._dtype.scalar_name}\'')


def _fold_args(what, kernel_size, dilation, padding, stride):
    def two(name, v):
        if isinstance(v, (tuple, list)) and len(v) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
        return _ntuple(name, v, 2)
    k, d = two("kernel_size", kernel_size), two("dilation", dilation)
    p, s = two("padding", padding), two("stride", stride)
    if any(v <= 0 for v in k) or any(v <= 0 for v in d) or any(v <= 0 for v in s) or any(v < 0 for v in p):
        raise RuntimeError(f"{what}: kernel_size, dilation and stride should be greater than zero and padding "
                           f"non-negative, but got kernel_size={k}, dilation={d}, padding={p}, stride={s}")
    return k, d, p, s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts sliding local blocks (im2col): (N, C, H, W) -> (N, C*kh*kw, L)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    _require_float(input, "im2col_out_cpu")
    k, d, p, s = _fold_args("unfold", kernel_size, dilation, padding, stride)
    sizes = input.shape[-2:]
    blocks = [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(sizes, k, d, p, s)]
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {tuple(sizes)}, kernel_size={k}, dilation={d}, padding={p}, "
                           f"calculated shape of the array of sliding blocks as {tuple(blocks)}, but its components "
                           f"must be at least one.")
    return apply(UNFOLD, (input,), {"kernel": k, "dilation": d, "padding": p, "stride": s})


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combines sliding local blocks into a tensor (col2im), summing overlaps: the adjoint of unfold."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    _require_float(input, "col2im_out_cpu")
    size = _ntuple("output_size", output_size, 2)
    k, d, p, s = _fold_args("fold", kernel_size, dilation, padding, stride)
    c, length = input.shape[-2:]
    if c % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension {input.ndim - 2} to be divisible by the product of "
                           f"kernel_size, but got input.size({input.ndim - 2})={c} and kernel_size={k}.")
    blocks = [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(size, k, d, p, s)]
    if blocks[0] * blocks[1] != length:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension {input.ndim - 1} to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size({input.ndim - 1})={length}.")
    return apply(FOLD, (input,), {"output_size": size, "kernel": k, "dilation": d, "padding": p, "stride": s})
