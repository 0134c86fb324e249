"""3-D pooling (max, average, adaptive max), the *_with_indices forms, max unpooling (1-D to 3-D) and power-average
(LP) pooling.

Max pooling gathers each window's taps through per-axis index maps (a tap in the padding reads -inf) and picks
PyTorch's tap: the first maximum, or the last NaN; the index is the flat position in the input's (D, H, W)
volume. The gradient scatters through those indices (and the scatter's gradient gathers back, for second
order). Average pooling reuses ops/pool.py's separable resampling; LP pooling is PyTorch's composite over it.
"""
import math

from .registry import primitive, defvjp, apply, call
from . import shape as S, elementwise as E, unary as U, activation as A
from .pool import (_require, _resample_op, _avg_pool_windows, _adaptive_windows, _adaptive_max, _lowest,
                   _pick_max, _pool_outs, _window_params, adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d,
                   avg_pool2d, AVG_POOL_INT)
from ..backends import get_array_module

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d"]


# ---- scatter and gather through flat per-volume indices ---------------------------------------------------
def _flat(xp, idx, shape, nsp):
    """Absolute positions in the flattened `shape` of indices into its trailing `nsp`-dim volumes."""
    volume = math.prod(shape[-nsp:])
    planes = math.prod(shape[:-nsp])
    off = xp.arange(planes, dtype=xp.int64).reshape((planes,) + (1,) * (idx.ndim - len(shape) + nsp)) * volume
    return (idx.reshape((planes,) + idx.shape[len(shape) - nsp:]) + off).ravel(), volume


def _scatter_fwd(xp, g, idx, *, shape, nsp):
    flat, _ = _flat(xp, idx, shape, nsp)
    out = xp.bincount(flat, weights=g.ravel(), minlength=math.prod(shape))
    return out.astype(g.dtype, copy=False).reshape(shape)


def _gather_fwd(xp, x, idx, *, nsp):
    flat, _ = _flat(xp, idx, x.shape, nsp)
    return x.ravel()[flat].reshape(idx.shape)


SCATTER = primitive("max_pool3d_backward", _scatter_fwd, node="MaxPool3DWithIndicesBackwardBackward0")
GATHER = primitive("max_pool3d_gather", _gather_fwd)
defvjp(SCATTER, g=lambda grad, idx, nsp, xp: call(xp, GATHER, grad, idx, nsp=nsp))
defvjp(GATHER, x=lambda grad, idx, x_shape, nsp, xp: call(xp, SCATTER, grad, idx, shape=x_shape, nsp=nsp))


def _max_vjp(grad, result, x_shape, xp):
    return call(xp, SCATTER, grad[0], result[1]._data if hasattr(result[1], "_data") else result[1],
                shape=x_shape, nsp=3)


# ---- max pooling --------------------------------------------------------------------------------------------
def _window_taps(xp, n, o, k, s, p, d):
    """(out, taps) positions of each window along one axis, and which of them lie inside the input."""
    pos = (xp.arange(o) * s - p)[:, None] + xp.arange(k)[None, :] * d
    inside = (pos >= 0) & (pos < n)
    return xp.clip(pos, 0, max(n - 1, 0)), inside


def _pick(xp, x, maps):
    """Gathers the (…, od, oh, ow, taps) window values of x (…, D, H, W) through per-axis (out, taps) maps
    and picks PyTorch's tap; returns (values, flat volume index)."""
    (i0, m0), (i1, m1), (i2, m2) = maps
    n1, n2 = x.shape[-2], x.shape[-1]
    a = i0[:, None, None, :, None, None]
    b = i1[None, :, None, None, :, None]
    c = i2[None, None, :, None, None, :]
    flat = (a * n1 + b) * n2 + c  # (od, oh, ow, t0, t1, t2)
    inside = m0[:, None, None, :, None, None] & m1[None, :, None, None, :, None] & m2[None, None, :, None, None, :]
    shape = flat.shape[:3] + (-1,)
    flat, inside = flat.reshape(shape), inside.reshape(shape)
    lead = x.shape[:-3]
    taps = x.reshape(lead + (-1,))[..., flat]
    if not inside.all():
        taps = xp.where(inside, taps, _lowest(xp, x.dtype))
    values, arg = _pick_max(xp, taps, -1)
    if not inside.all():
        # a padding tap wins only where every input tap is -inf: PyTorch then reports the first input tap
        chosen_in = xp.take_along_axis(xp.broadcast_to(inside, taps.shape), arg[..., None], -1)[..., 0]
        first_in = xp.argmax(inside, -1)
        arg = xp.where(chosen_in, arg, first_in)
    index = xp.take_along_axis(xp.broadcast_to(flat, taps.shape), arg[..., None], -1)[..., 0]
    return values, index.astype(xp.int64)


def _max_pool3d_fwd(xp, x, *, kernel, stride, padding, dilation, out):
    maps = [_window_taps(xp, n, o, k, s, p, d)
            for n, o, k, s, p, d in zip(x.shape[-3:], out, kernel, stride, padding, dilation)]
    return _pick(xp, x, maps)


MAX_POOL3D = primitive("max_pool3d", _max_pool3d_fwd, nout=2, nondiff_outputs=(1,), saved_outputs=(1,),
                       node="MaxPool3DWithIndicesBackward0")
defvjp(MAX_POOL3D, x=_max_vjp)


def _pool3d_args(name, input, kernel_size, stride, padding, dilation, ceil_mode):
    k, s, p, d = _window_params(name, 3, kernel_size, stride, padding, dilation)
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationT: {d[0]} dilationH: {d[1]} "
                           f"dilationW: {d[2]}")
    out = _pool_outs(input.shape[-3:], k, s, p, d, ceil_mode)
    if input.ndim not in (4, 5) or input.numel() == 0:
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    sizes = input.shape[-3:]
    if any(o < 1 for o in out):
        if name == "avg_pool3d":
            raise RuntimeError(f"input image (T: {sizes[0]} H: {sizes[1]} W: {sizes[2]}) smaller than kernel size "
                               f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})")
        c = input.shape[-4]
        raise RuntimeError(f"Given input size: ({c}x{sizes[0]}x{sizes[1]}x{sizes[2]}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}x{out[2]}). Output size is too small")
    return k, s, p, d, out


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    _require(input, "max_pool3d_with_indices_cpu", floating=False)
    k, s, p, d, out = _pool3d_args("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode)
    return apply(MAX_POOL3D, (input,), {"kernel": k, "stride": s, "padding": p, "dilation": d, "out": out})


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    values, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values


# ---- average pooling ------------------------------------------------------------------------------------
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _require(input, "avg_pool3d_out_frame", floating=False)
    k, s, p, _, out = _pool3d_args("avg_pool3d", input, kernel_size, stride, padding, 1, ceil_mode)
    xp = get_array_module(input._data)
    axes = _avg_pool_windows(xp, input.shape[-3:], k, s, p, out, count_include_pad)
    if not input._dtype.is_floating_point:
        c = axes[0][2][:, None, None] * axes[1][2][None, :, None] * axes[2][2][None, None, :]
        return apply(AVG_POOL_INT, (input,), {"maps": tuple((i, m) for i, m, _ in axes),
                                              "divisor": divisor_override or c})
    if divisor_override:
        maps = ((axes[0][0], axes[0][1] / divisor_override),) + tuple((i, m * 1.0) for i, m, _ in axes[1:])
    else:
        maps = tuple((i, m / c) for i, m, c in axes)
    return apply(_resample_op("AvgPool3DBackward0"), (input,), {"maps": maps})


# ---- adaptive max pooling ------------------------------------------------------------------------------------
def _adaptive_taps(xp, n, o):
    start, stop = _adaptive_windows(xp, n, o)
    taps = int((stop - start).max()) if o else 1
    pos = start[:, None] + xp.arange(taps)[None, :]
    # past a window's end, its last position again: a repeat never wins (it only ties its original)
    return xp.minimum(pos, stop[:, None] - 1), xp.ones(pos.shape, dtype=bool)


def _adaptive_max3d_fwd(xp, x, *, out):
    if 0 in out:
        return xp.empty(x.shape[:-3] + out, x.dtype), xp.empty(x.shape[:-3] + out, xp.int64)
    return _pick(xp, x, [_adaptive_taps(xp, n, o) for n, o in zip(x.shape[-3:], out)])


ADAPTIVE_MAX_POOL3D = primitive("adaptive_max_pool3d", _adaptive_max3d_fwd, nout=2, nondiff_outputs=(1,),
                                saved_outputs=(1,),
                                node="AdaptiveMaxPool3DBackward0")
defvjp(ADAPTIVE_MAX_POOL3D, x=_max_vjp)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max(ADAPTIVE_MAX_POOL3D, 3, "adaptive_max_pool3d_cpu", input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool3d(input, output_size, True)


# ---- max unpooling ---------------------------------------------------------------------------------------
def _unpool_fwd(xp, x, idx, *, shape, nsp):
    flat, volume = _flat(xp, idx, shape, nsp)
    out = xp.zeros(math.prod(shape), dtype=x.dtype)
    out[flat] = x.ravel()
    return out.reshape(shape)


UNPOOL2D = primitive("max_unpool2d", lambda xp, x, idx, *, shape: _unpool_fwd(xp, x, idx, shape=shape, nsp=2),
                     node="MaxUnpool2DBackward0")
defvjp(UNPOOL2D, x=lambda grad, idx, xp: call(xp, GATHER, grad, idx, nsp=2))
UNPOOL3D = primitive("max_unpool3d", lambda xp, x, idx, *, shape: _unpool_fwd(xp, x, idx, shape=shape, nsp=3),
                     node="MaxUnpool3DBackward0")
defvjp(UNPOOL3D, x=lambda grad, idx, xp: call(xp, GATHER, grad, idx, nsp=3))


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _unpool_size(input, kernel_size, stride, padding, output_size, nsp):
    k = _tuple(kernel_size, nsp)
    s = _tuple(stride if stride is not None else kernel_size, nsp)
    p = _tuple(padding, nsp)
    default = [(input.shape[-nsp + i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(nsp)]
    if output_size is None:
        return tuple(default)
    size = list(output_size)
    if len(size) == nsp + 2:
        size = size[2:]
    if len(size) != nsp:
        raise ValueError(f"output_size should be a sequence containing {nsp} or {nsp + 2} elements, but it has a "
                         f"length of '{len(size)}'")
    for d in range(nsp):
        lo, hi = default[d] - s[d], default[d] + s[d]
        if not lo < size[d] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
    return tuple(int(v) for v in size)


def _unpool(op, nsp, input, indices, kernel_size, stride, padding, output_size):
    size = _unpool_size(input, kernel_size, stride, padding, output_size, nsp)
    volume = math.prod(size)
    data = indices._data
    bad = (data < 0) | (data >= volume)
    if bad.any():
        first = int(data.reshape(-1)[bad.reshape(-1).argmax()])  # the first one met, as PyTorch's scan
        raise RuntimeError(f"Found an invalid max index: {first} (output volumes are of size "
                           f"{'x'.join(str(n) for n in size)})")
    shape = input.shape[:-nsp] + size
    return apply(op, (input, indices), {"shape": tuple(shape)})


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool(UNPOOL2D, 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool(UNPOOL3D, 3, input, indices, kernel_size, stride, padding, output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """As PyTorch: 2-d unpooling of height 1 (unsqueeze, unpool, squeeze)."""
    k, s, p = _tuple(kernel_size, 1), _tuple(stride if stride is not None else kernel_size, 1), _tuple(padding, 1)
    size = _unpool_size(input, k, s, p, output_size, 1)
    out = max_unpool2d(S.unsqueeze(input, -2), S.unsqueeze(indices, -2), (1,) + k, (1,) + s, (0,) + p,
                       (1,) + size)
    return S.squeeze(out, -2)


# ---- LP pooling ----------------------------------------------------------------------------------------------
def _lp(out, norm_type, kernel):
    return E.pow(E.mul(E.mul(U.sign(out), A.relu(U.abs(out))), math.prod(kernel)), 1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    k = _tuple(kernel_size, 1)
    out = avg_pool1d(E.pow(input, norm_type), kernel_size, stride if stride is not None else None, 0, ceil_mode)
    return _lp(out, norm_type, k)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    k = _tuple(kernel_size, 2)
    out = avg_pool2d(E.pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, k)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    k = _tuple(kernel_size, 3)
    out = avg_pool3d(E.pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, k)


def _torch_max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)


API = {"torch": {"max_pool3d": _torch_max_pool3d},
       "Tensor": (),
       "nn.functional": __all__,
       "linalg": (), "special": ()}
