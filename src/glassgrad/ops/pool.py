"""Pooling (max, average, adaptive) and interpolation.

Max pooling reads strided windows (a view of the padded input, as in ops/conv.py) and takes the argmax of
each; its gradient scatters through the indices it returns (flat positions in each (H, W) plane, PyTorch's
convention). Adaptive max pooling gathers its variable windows through per-axis index maps.

Average pooling, adaptive average pooling and every interpolation mode are separable linear maps: along each
spatial axis, output i is a weighted sum of a few input positions. They share one primitive, RESAMPLE, that
applies such per-axis maps (`idx`, `wts`: (taps, out) arrays, one `take` per axis), and its adjoint
RESAMPLE_T, which scatters back with one `add.reduceat` per tap (the indices of a tap never decrease along
the output, so equal targets are adjacent). Each is the other's VJP, so every order of gradient works; a
pair is declared per PyTorch node name (AvgPool2DBackward0, UpsampleBilinear2DBackward0, ...).
"""
import math

from .registry import primitive, defvjp, apply, call, NON_DIFFERENTIABLE
from . import shape as S
from .conv import pad_spatial, windows
from .. import _dtype as D
from ..backends import get_array_module

__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d",
           "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "interpolate"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": {},  # filled in below, next to the torch-level variants (their signatures differ)
       "Tensor": (),
       "nn.functional": ("max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
                         "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
                         "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d", "interpolate"),
       "linalg": (), "special": ()}


# ---- the gradient of max pooling: a scatter through flat per-plane indices, and its adjoint gather ------------
def _plane_offsets(xp, idx, planes, plane_size):
    """Absolute positions in the flattened input of per-plane indices idx (planes, ...)."""
    off = xp.arange(planes, dtype=idx.dtype).reshape((planes,) + (1,) * (idx.ndim - 1)) * plane_size
    return (idx + off).ravel()


def _scatter_fwd(xp, g, idx, *, shape):
    size = shape[-2] * shape[-1]
    planes = math.prod(shape[:-2])
    g = g.ravel()
    outside = (idx < 0) | (idx >= size)
    if outside.any():
        # NOTE: a window wholly in the padding reports a position past its plane (PyTorch's index); no input
        # element produced its value, so its gradient goes nowhere
        idx, g = xp.where(outside, 0, idx), xp.where(outside.ravel(), 0, g)
    flat = _plane_offsets(xp, idx.reshape((planes,) + idx.shape[len(shape) - 2:]), planes, size)
    out = xp.bincount(flat, weights=g, minlength=planes * size)
    return out.astype(g.dtype, copy=False).reshape(shape)


def _gather_fwd(xp, x, idx):
    size = x.shape[-2] * x.shape[-1]
    planes = math.prod(x.shape[:-2])
    outside = (idx < 0) | (idx >= size)
    flat = _plane_offsets(xp, xp.where(outside, 0, idx).reshape((planes,) + idx.shape[x.ndim - 2:]), planes, size)
    return xp.where(outside, 0, x.ravel()[flat].reshape(idx.shape))


POOL_SCATTER = primitive("max_pool_backward", _scatter_fwd, node="MaxPool2DWithIndicesBackwardBackward0")
POOL_GATHER = primitive("max_pool_gather", _gather_fwd)
defvjp(POOL_SCATTER, g=lambda grad, idx, xp: call(xp, POOL_GATHER, grad, idx), idx=NON_DIFFERENTIABLE)
defvjp(POOL_GATHER, x=lambda grad, idx, x_shape, xp: call(xp, POOL_SCATTER, grad, idx, shape=x_shape),
       idx=NON_DIFFERENTIABLE)


def _max_pool_vjp(grad, result, x_shape, xp):
    return call(xp, POOL_SCATTER, grad[0], result[1], shape=x_shape)


# ---- max pooling --------------------------------------------------------------------------------------
def _require(input, kernel, floating=True):
    """PyTorch's error for a dtype its CPU kernel lacks (`floating`: integers are refused too)."""
    dt = input._dtype
    if dt is D.bool_ or (floating and not dt.is_floating_point):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{dt.scalar_name}\'')


def _lowest(xp, dtype):
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _max_pool_fwd(xp, x, *, kernel, stride, padding, dilation, out):
    (kh, kw), (oh, ow), w = kernel, out, x.shape[-1]
    planes = x.reshape((-1, 1) + x.shape[-2:])
    # the high side is padded as far as ceil_mode's last window reaches
    pads = tuple((p, max(0, (o - 1) * s + d * (k - 1) + 1 - n - p))
                 for n, k, s, p, d, o in zip(x.shape[-2:], kernel, stride, padding, dilation, out))
    win = windows(xp, pad_spatial(xp, planes, pads, _lowest(xp, x.dtype)), kernel, stride, dilation, out)
    values, a = _running_max(xp, (win[:, 0, t // kw, t % kw] for t in range(kh * kw)))
    h = x.shape[-2]
    sh, sw = xp.arange(oh) * stride[0] - padding[0], xp.arange(ow) * stride[1] - padding[1]
    rows = sh[:, None] + (a // kw) * dilation[0]
    cols = sw[None, :] + (a % kw) * dilation[1]
    in_pad = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
    if in_pad.any():
        # a padding tap wins only where no input value beats it (all -inf): PyTorch then reports the window's
        # first position on the input side of the padding
        rows = xp.where(in_pad, _first_inside(xp, sh, dilation[0])[:, None], rows)
        cols = xp.where(in_pad, _first_inside(xp, sw, dilation[1])[None, :], cols)
    lead = x.shape[:-2] + (oh, ow)
    return values.reshape(lead), (rows * w + cols).reshape(lead)


def _running_max(xp, taps):
    """(max, index of the tap) over an iterable of equally shaped arrays, a pass per tap (the few kernel taps,
    never the pixels). As PyTorch's kernels: a later tap wins if greater, or if NaN (so the last NaN wins)."""
    taps = iter(taps)
    best = xp.array(next(taps))
    arg = xp.zeros(best.shape, dtype=xp.int64)
    floating = best.dtype.kind == "f"
    for t, v in enumerate(taps, 1):
        win = v > best
        if floating:
            win |= xp.isnan(v)
        best, arg = xp.where(win, v, best), xp.where(win, t, arg)
    return best, arg


def _first_inside(xp, start, d):
    return xp.where(start < 0, start + (-start + d - 1) // d * d, start)


MAX_POOL2D = primitive("max_pool2d", _max_pool_fwd, nout=2, nondiff_outputs=(1,), saved_outputs=(1,),
                       node="MaxPool2DWithIndicesBackward0")
defvjp(MAX_POOL2D, x=_max_pool_vjp)


def _pair(name, what, v, n=2):
    """`v` (an int, or a tuple of 1 or n ints) as a tuple of n ints."""
    if isinstance(v, (tuple, list)):
        if len(v) not in (1, n):
            raise RuntimeError(f"{name}: {what} must either be a single int, or a tuple of {_WORDS.get(n, n)} ints")
        return tuple(int(i) for i in v) * (n if len(v) == 1 else 1)
    return (int(v),) * n


_WORDS = {2: "two", 3: "three"}


def _pool_out(n, k, p, s, d, ceil):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def _window_params(name, n, kernel_size, stride, padding, dilation):
    """kernel, stride, padding and dilation as n-tuples; no stride (None or ()) means the kernel size."""
    k = _pair(name, "kernel_size", kernel_size, n)
    default_stride = stride is None or (isinstance(stride, (tuple, list)) and not len(stride))
    s = k if default_stride else _pair(name, "stride", stride, n)
    return k, s, _pair(name, "padding", padding, n), _pair(name, "dilation", dilation, n)


def _pool_outs(sizes, k, s, p, d, ceil_mode):
    """The output size along each axis, after PyTorch's check that padding is at most half the window."""
    for pp, kk, dd in zip(p, k, d):
        if pp > (dd * (kk - 1) + 1) // 2 or pp < 0:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    return tuple(_pool_out(n, kk, pp, ss, dd, ceil_mode) for n, kk, pp, ss, dd in zip(sizes, k, p, s, d))


def _pool_args(name, input, kernel_size, stride, padding, dilation, ceil_mode):
    k, s, p, d = _window_params(name, 2, kernel_size, stride, padding, dilation)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got kernel_size={list(k)}")
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{name}: dilation must be greater than zero, but got dilation={list(d)}")
    sizes = input.shape[-2:]
    out = _pool_outs(sizes, k, s, p, d, ceil_mode)
    if any(o < 1 for o in out):
        c = input.shape[-3]
        raise RuntimeError(f"Given input size: ({c}x{sizes[0]}x{sizes[1]}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}). Output size is too small")
    return k, s, p, d, out


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """2-d max pooling; returns (values, indices), the indices flat positions in each input (H, W) plane."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{list(input.shape)}")
    _require(input, "max_pool2d", floating=False)
    k, s, p, d, out = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    return apply(MAX_POOL2D, (input,), {"kernel": k, "stride": s, "padding": p, "dilation": d, "out": out})


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    values, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values


def _one(v):
    return v if v is None or not isinstance(v, (tuple, list)) else (v[0] if len(v) == 1 else v)


def _as_plane(name, input, kernel_size, stride, padding, dilation):
    """PyTorch runs 1-d pooling as 2-d pooling of height 1 (unsqueeze, pool, squeeze)."""
    for what, v in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding), ("dilation", dilation)):
        if isinstance(v, (tuple, list)) and len(v) > 1:
            raise RuntimeError(f"{name}() {what} must be an int or a tuple of one int, but got {tuple(v)}")
    k, p = _one(kernel_size), _one(padding)
    s = None if stride is None or (isinstance(stride, (tuple, list)) and not len(stride)) else _one(stride)
    return S.unsqueeze(input, -2), (1, k), None if s is None else (1, s), (0, p), (1, _one(dilation))


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    if input.ndim not in (2, 3) or input.shape[-1] == 0:
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    x, k, s, p, d = _as_plane("max_pool1d", input, kernel_size, stride, padding, dilation)
    if p[1] > k[1] // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p[1]} and "
                           f"kernel_size={k[1]}")
    values, indices = max_pool2d_with_indices(x, k, s, p, d, ceil_mode)
    return S.squeeze(values, -2), S.squeeze(indices, -2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    values, indices = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values


# ---- separable linear maps: average pooling, adaptive average pooling, interpolation ------------------------
# NOTE: an axis of up to this many input positions is resampled by one GEMM with its dense (out, in) matrix
# (n multiply-adds per output, in BLAS), a longer one tap by tap (a gather or reduceat pass per tap): the GEMM is
# several times faster up to a few hundred positions, as measured on feature-map sizes.
DENSE_MAX = 256


def _dense(xp, idx, wts, n, dtype):
    """The (out, n) matrix of one axis map."""
    o = idx.shape[1]
    m = xp.bincount((xp.arange(o) * n + idx).ravel(), weights=wts.ravel(), minlength=o * n)
    return m.reshape(o, n).astype(dtype, copy=False)


def _along(xp, x, m, ax):
    """Contracts axis `ax` of x with the second axis of m, leaving the result at `ax`: one GEMM for the last axis,
    a GEMM per leading index otherwise (m @ x viewed as (..., n, rest))."""
    lead, n, rest = x.shape[:ax], x.shape[ax], x.shape[ax + 1:]
    if not rest:
        return (x.reshape(-1, n) @ m.T).reshape(lead + (m.shape[0],))
    return xp.matmul(m, x.reshape(lead + (n, math.prod(rest)))).reshape(lead + (m.shape[0],) + rest)


def _resample_fwd(xp, x, *, maps, grad_maps=None):
    """Applies per-axis maps to the trailing len(maps) axes: out[i] = sum_t x[idx[t, i]] * wts[t, i]."""
    nsp = len(maps)
    for i, m in enumerate(maps):
        if m is None:
            continue
        idx, wts = m
        ax = x.ndim - nsp + i
        if x.shape[ax] <= DENSE_MAX:
            x = _along(xp, x, _dense(xp, idx, wts, x.shape[ax], x.dtype), ax)
            continue
        taps = xp.take(x, idx, axis=ax)  # (..., taps, out, ...)
        w = wts.astype(x.dtype, copy=False).reshape(wts.shape + (1,) * (x.ndim - ax - 1))
        x = (taps * w).sum(axis=ax) if idx.shape[0] > 1 else taps[(slice(None),) * ax + (0,)] * w[0]
    return x


def _resample_t_fwd(xp, g, *, maps, sizes):
    """The adjoint of _resample_fwd: the transposed GEMM, or each tap scattered back with add.reduceat over runs
    of equal indices."""
    nsp = len(maps)
    for i, (m, n) in enumerate(zip(maps, sizes)):
        if m is None:
            continue
        idx, wts = m
        ax = g.ndim - nsp + i
        if n <= DENSE_MAX:
            g = _along(xp, g, _dense(xp, idx, wts, n, g.dtype).T, ax)
            continue
        shape = g.shape[:ax] + (n,) + g.shape[ax + 1:]
        out = xp.zeros(shape, dtype=g.dtype)
        if g.shape[ax]:
            for t in range(idx.shape[0]):  # the few taps of a kernel, never the pixels
                runs = xp.flatnonzero(xp.diff(idx[t], prepend=-1))
                w = wts[t].astype(g.dtype, copy=False).reshape((-1,) + (1,) * (g.ndim - ax - 1))
                sums = xp.add.reduceat(g * w, runs, axis=ax)
                out[(slice(None),) * ax + (idx[t][runs],)] += sums
        g = out
    return g


RESAMPLE_T = primitive("resample_backward", _resample_t_fwd)
defvjp(RESAMPLE_T, g=lambda grad, maps, xp: call(xp, _resample_op("ResampleBackwardBackward0"), grad, maps=maps))
_RESAMPLE_OPS = {}


def _resample_vjp(grad, x_shape, maps, grad_maps, xp):
    maps = maps if grad_maps is None else grad_maps
    return call(xp, RESAMPLE_T, grad, maps=maps, sizes=tuple(x_shape[len(x_shape) - len(maps):]))


def _resample_op(node):
    """The RESAMPLE primitive under PyTorch's node name for the op it computes."""
    op = _RESAMPLE_OPS.get(node)
    if op is None:
        op = _RESAMPLE_OPS[node] = primitive("resample", _resample_fwd, node=node)
        defvjp(op, x=_resample_vjp)
    return op


def _window_map(xp, start, stop, taps, weight):
    """idx, wts (taps, out) of windows [start, stop) along one axis; each weight is `weight` inside the window,
    0 on the taps past its end (their index is clipped to the window's last element)."""
    t = xp.arange(taps)[:, None]
    pos = start[None, :] + t
    inside = pos < stop[None, :]
    return xp.where(inside, pos, stop[None, :] - 1), xp.where(inside, weight[None, :], 0.0)


def _avg_pool_windows(xp, sizes, k, s, p, out, count_include_pad):
    """Per axis: idx (taps, out), inside (taps, out) and the divisor count (out,) of PyTorch's windows."""
    axes = []
    for n, kk, ss, pp, o in zip(sizes, k, s, p, out):
        start = xp.arange(o) * ss - pp
        stop_pad = xp.minimum(start + kk, n + pp)
        lo, hi = xp.maximum(start, 0), xp.minimum(stop_pad, n)
        pos = lo[None, :] + xp.arange(kk)[:, None]
        inside = pos < hi[None, :]
        idx = xp.clip(xp.where(inside, pos, hi[None, :] - 1), 0, n - 1)  # never decreasing along the output
        count = (stop_pad - start) if count_include_pad else (hi - lo)
        axes.append((idx, inside, xp.maximum(count, 1)))
    return axes


def _avg_pool_int_fwd(xp, x, *, maps, divisor):
    # NOTE: PyTorch averages integers with C's division, which truncates toward zero
    total = _resample_fwd(xp, x, maps=maps)
    q = xp.abs(total) // divisor
    return xp.where(total < 0, -q, q)


AVG_POOL_INT = primitive("avg_pool2d_integer", _avg_pool_int_fwd)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{list(input.shape)}")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _require(input, "avg_pool2d", floating=False)
    k, s, p, _, out = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    xp = get_array_module(input._data)
    (ih, inh, ch), (iw, inw, cw) = _avg_pool_windows(xp, input.shape[-2:], k, s, p, out, count_include_pad)
    if not input._dtype.is_floating_point:
        divisor = divisor_override or ch[:, None] * cw[None, :]
        return apply(AVG_POOL_INT, (input,), {"maps": ((ih, inh), (iw, inw)), "divisor": divisor})
    if divisor_override:
        maps = ((ih, inh / divisor_override), (iw, inw * 1.0))
    else:
        maps = ((ih, inh / ch), (iw, inw / cw))
    return apply(_resample_op("AvgPool2DBackward0"), (input,), {"maps": maps})


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for avg_pool1d)")
    x, k, s, p, _ = _as_plane("avg_pool1d", input, kernel_size, stride, padding, 1)
    return S.squeeze(avg_pool2d(x, k, s, p, ceil_mode, count_include_pad), -2)


# ---- adaptive pooling -----------------------------------------------------------------------------------
def _adaptive_windows(xp, n, o):
    """PyTorch's windows: [floor(i*n/o), ceil((i+1)*n/o)) for output i."""
    i = xp.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _adaptive_maps(xp, sizes, outs):
    maps = []
    for n, o in zip(sizes, outs):
        if n == o:
            maps.append(None)
            continue
        start, stop = _adaptive_windows(xp, n, o)
        taps = int((stop - start).max()) if o else 1
        maps.append(_window_map(xp, start, stop, taps, 1.0 / (stop - start)))
    return tuple(maps)


def _output_size(name, output_size, input, nsp):
    outs = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * nsp
    if len(outs) != nsp:
        raise RuntimeError(f"{name}: output_size must be {nsp}")
    outs = tuple(n if o is None else int(o) for n, o in zip(input.shape[-nsp:], outs))
    if any(o < 0 for o in outs):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{', '.join(map(str, outs))}}}")
    return outs


def _adaptive_avg(name, nsp, input, output_size):
    if input.ndim not in (nsp + 1, nsp + 2) or any(n == 0 for n in input.shape[-nsp:]):
        raise RuntimeError(f"{name}(): Expected {nsp + 1}D or {nsp + 2}D tensor, but got {list(input.shape)}")
    outs = _output_size(name, output_size, input, nsp)
    _require(input, name)
    if all(o == 1 for o in outs):
        # NOTE: PyTorch computes a 1x1 adaptive average as a mean (MeanBackward1)
        from .reduction import mean
        return mean(input, tuple(range(-nsp, 0)), keepdim=True)
    xp = get_array_module(input._data)
    maps = _adaptive_maps(xp, input.shape[-nsp:], outs)
    return apply(_resample_op(f"AdaptiveAvgPool{nsp}DBackward0"), (input,), {"maps": maps})


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _check_1d(name, input):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {name})")


def adaptive_avg_pool1d(input, output_size):
    _check_1d("adaptive_avg_pool1d", input)
    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    return S.squeeze(adaptive_avg_pool2d(S.unsqueeze(input, -2), (1, o)), -2)


def _pick_max(xp, g, axis):
    """(max, its index) along `axis`, by _running_max's rule: the first max wins, but the last NaN if any."""
    arg = xp.expand_dims(xp.argmax(g, axis), axis)  # NumPy's argmax: the first max, or the first NaN
    best = xp.take_along_axis(g, arg, axis)
    if best.dtype.kind == "f":
        nan = xp.isnan(best)
        if nan.any():
            last = g.shape[axis] - 1 - xp.argmax(xp.flip(xp.isnan(g), axis), axis)
            arg = xp.where(nan, xp.expand_dims(last, axis), arg)
    return xp.squeeze(best, axis), xp.squeeze(arg, axis)


def _window_max(xp, x, n, o, idx, axis):
    """The max over each adaptive window along `axis` (NaN if any is NaN). By one maximum.reduceat over runs
    start0, stop0, start1, stop1, ..., start_last (stop_last is the axis' end), every other one kept; where a
    window before the last also ends at the axis' end (a few positions spread over more outputs), by a gather
    of `idx` (out, taps) instead."""
    if n == o:
        return x
    start, stop = _adaptive_windows(xp, n, o)
    if o > 1 and int(stop[-2]) >= n:
        return xp.take(x, idx, axis=axis).max(axis=axis)
    runs = xp.stack([start, stop], 1).ravel()[:-1]
    keep = (slice(None),) * (x.ndim + axis) + (slice(None, None, 2),)
    return xp.maximum.reduceat(x, runs, axis=axis)[keep]


def _adaptive_max_fwd(xp, x, *, out):
    (n_h, n_w), (oh, ow) = x.shape[-2:], out
    if oh == 0 or ow == 0:
        return xp.empty(x.shape[:-2] + out, x.dtype), xp.empty(x.shape[:-2] + out, xp.int64)
    maps = _adaptive_maps(xp, (n_h, n_w), out)
    # (out, taps) input positions of each window, its last position repeated past its end (a repeat never wins:
    # it only ties its original, or is the same NaN)
    ih, iw = (xp.arange(n)[:, None] if m is None else m[0].T for n, m in zip((n_h, n_w), maps))
    # The tap a row-major running max picks (_running_max: the first max, or the last NaN) lies in the first row
    # of the window whose max over the column window is the window's max (or in the last row holding a NaN), at
    # that row's own pick. So: each row's column-window max, then the row pick over those (th taps), then the
    # column pick along the picked row only (tw taps): no pass over the input per tap.
    cv = _window_max(xp, x, n_w, ow, iw, -1)  # (..., n_h, ow)
    values, ra = _pick_max(xp, cv[..., ih, :], -2)  # (..., oh, ow): the row window's max and its row tap
    rows = ih[xp.arange(oh)[:, None], ra]
    flat = rows[..., None] * n_w + iw[None, :, :]  # (..., oh, ow, tw): the picked row's column window
    lead = x.shape[:-2]
    taps = xp.take_along_axis(x.reshape(lead + (-1,)), flat.reshape(lead + (-1,)), -1).reshape(flat.shape)
    _, ca = _pick_max(xp, taps, -1)
    cols = iw[xp.arange(ow)[None, :], ca]
    return values, rows * n_w + cols


ADAPTIVE_MAX_POOL2D = primitive("adaptive_max_pool2d", _adaptive_max_fwd, nout=2, nondiff_outputs=(1,),
                                saved_outputs=(1,),
                                node="AdaptiveMaxPool2DBackward0")
defvjp(ADAPTIVE_MAX_POOL2D, x=_max_pool_vjp)


def _adaptive_max(op, nsp, kernel, input, output_size, return_indices):
    """Adaptive max pooling over the last `nsp` axes by `op` (`kernel`: PyTorch's kernel name, for dtype errors)."""
    name = f"adaptive_max_pool{nsp}d"
    if input.ndim not in (nsp + 1, nsp + 2) or any(n == 0 for n in input.shape[-nsp:]):
        raise RuntimeError(f"{name}(): Expected {nsp + 1}D or {nsp + 2}D tensor, but got: {list(input.shape)}")
    outs = _output_size(name, output_size, input, nsp)
    _require(input, kernel)
    values, indices = apply(op, (input,), {"out": outs})
    return (values, indices) if return_indices else values


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max(ADAPTIVE_MAX_POOL2D, 2, "adaptive_max_pool2d", input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _check_1d("adaptive_max_pool1d", input)
    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    values, indices = adaptive_max_pool2d(S.unsqueeze(input, -2), (1, o), True)
    values, indices = S.squeeze(values, -2), S.squeeze(indices, -2)
    return (values, indices) if return_indices else values


def _torch_adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d always returns (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def _torch_max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def _torch_max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def _torch_max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def _torch_avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    return avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


API["torch"] = {"max_pool1d": _torch_max_pool1d, "max_pool2d": _torch_max_pool2d,
                "max_pool1d_with_indices": _torch_max_pool1d_with_indices, "avg_pool1d": _torch_avg_pool1d,
                "adaptive_avg_pool1d": adaptive_avg_pool1d, "adaptive_max_pool1d": _torch_adaptive_max_pool1d}


# ---- interpolation --------------------------------------------------------------------------------------
_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_NODES = {"nearest": "UpsampleNearest{n}DBackward0", "nearest-exact": "UpsampleNearestExact{n}DBackward0",
          "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
          "trilinear": "UpsampleTrilinear3DBackward0", "bicubic": "UpsampleBicubic2DBackward0"}


def _nearest_map(xp, n, o, scale, exact, shortcut):
    i = xp.arange(o)
    if shortcut and o in (n, 2 * n):
        src = i * n // o  # NOTE: PyTorch's 2-d nearest kernel maps equal and doubled sizes exactly, whatever the scale
    else:
        sc = xp.float32(1.0 / scale) if scale else xp.float32(n) / xp.float32(o)
        pos = (i.astype(xp.float32) + xp.float32(0.5 if exact else 0.0)) * sc  # in float, as PyTorch computes it
        src = xp.minimum(xp.floor(pos).astype(xp.int64), n - 1)
    return src[None, :], xp.ones((1, o))


def _source_index(xp, n, o, scale, align_corners, dt, cubic):
    i = xp.arange(o).astype(dt)
    if align_corners:
        sc = dt.type((n - 1) / (o - 1)) if o > 1 else dt.type(0)
        return sc * i
    sc = dt.type(1.0 / scale) if scale else dt.type(n) / dt.type(o)
    src = sc * (i + dt.type(0.5)) - dt.type(0.5)
    return src if cubic else xp.maximum(src, dt.type(0))


def _linear_map(xp, n, o, scale, align_corners, dt):
    if n == o:
        return None  # NOTE: PyTorch's linear kernels copy an axis whose size does not change, whatever the scale
    src = _source_index(xp, n, o, scale, align_corners, dt, False)
    i0 = xp.minimum(xp.floor(src).astype(xp.int64), n - 1)
    lam = xp.clip(src - i0, 0, 1)
    i1 = i0 + (i0 < n - 1)
    return xp.stack([i0, i1]), xp.stack([1 - lam, lam])


def _cubic_map(xp, n, o, scale, align_corners, dt):
    src = _source_index(xp, n, o, scale, align_corners, dt, True)
    i0 = xp.minimum(xp.floor(src).astype(xp.int64), n - 1)
    t = xp.clip(src - i0, 0, 1)
    a = -0.75  # PyTorch's cubic convolution coefficient

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    idx = xp.stack([xp.clip(i0 - 1 + k, 0, n - 1) for k in range(4)])
    return idx, xp.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])


def _interp_sizes(input, size, scale_factor, recompute_scale_factor, nsp):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        if isinstance(size, (tuple, list)):
            if len(size) != nsp:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 f"(o1, o2, ...,oK) format.")
            return tuple(int(v) for v in size), (None,) * nsp
        return (int(size),) * nsp, (None,) * nsp
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (tuple, list)):
        if len(scale_factor) != nsp:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                             f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             f"scale_factor in (s1, s2, ...,sK) format.")
        scales = tuple(float(f) for f in scale_factor)
    else:
        scales = (float(scale_factor),) * nsp
    outs = tuple(int(n * f) for n, f in zip(input.shape[2:], scales))
    return outs, ((None,) * nsp if recompute_scale_factor else scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resizes the spatial dimensions of (N, C, *spatial) input: nearest, nearest-exact, (bi/tri)linear,
    bicubic or area, with PyTorch's index formulas (the gradient is the transposed resampling)."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = input.ndim
    nsp = nd - 2
    if mode not in _NODES and mode != "area" or nd not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: "
                                  f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
                                  f"(got {mode})")
    outs, scales = _interp_sizes(input, size, scale_factor, recompute_scale_factor, nsp)
    if mode == "area" and scale_factor is not None:
        scales = (None,) * nsp
    if antialias:
        if not (mode in ("bilinear", "bicubic") and nd == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                             "4-D tensor as input")
        raise NotImplementedError("interpolate(): antialias=True is not supported by glassgrad")
    if mode in _LINEAR and _LINEAR[mode] != nsp:
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nsp - 1](input, outs)
    sizes = input.shape[2:]
    if any(n <= 0 for n in sizes) or any(o <= 0 for o in outs):
        names = ("D", "H", "W")[3 - nsp:]
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(f'{a}: {n}' for a, n in zip(names, sizes))}) output "
                           f"({', '.join(f'{a}: {o}' for a, o in zip(names, outs))})")
    _require(input, f"upsample_{mode.replace('-', '_')}{nsp}d")
    xp = get_array_module(input._data)
    dt = input._dtype.np
    maps, kw = [], {}
    for n, o, sc in zip(sizes, outs, scales):
        if mode in ("nearest", "nearest-exact"):
            maps.append(_nearest_map(xp, n, o, sc, mode == "nearest-exact", mode == "nearest" and nsp == 2))
        elif mode == "bicubic":
            maps.append(_cubic_map(xp, n, o, sc, align_corners, dt))
        else:
            maps.append(_linear_map(xp, n, o, sc, align_corners, dt))
    if mode == "nearest" and nsp != 2 and any(o in (n, 2 * n) and sc for n, o, sc in zip(sizes, outs, scales)):
        # NOTE: PyTorch's 1-d and 3-d nearest backward kernels map equal and doubled sizes exactly, while their
        # forward kernels follow the scale: the gradient it returns is not that of its forward, and glassgrad
        # returns the same one
        kw["grad_maps"] = tuple(_nearest_map(xp, n, o, sc, False, True) for n, o, sc in zip(sizes, outs, scales))
    return apply(_resample_op(_NODES[mode].format(n=nsp)), (input,), {"maps": tuple(maps), **kw})
