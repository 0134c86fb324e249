"""OpInfo rows: pooling (max, average, adaptive) and interpolation.

The NumPy references follow PyTorch's CPU kernels one output position at a time (small shapes only), or
build each interpolation as dense per-axis weight matrices; glassgrad computes them with strided windows and
index maps instead.
"""
import itertools
import math

import numpy as np

from ..opinfo import S, E, FI, row


def _tup(v, n):
    return tuple(v) * (n if len(tuple(v)) == 1 else 1) if isinstance(v, (tuple, list)) else (v,) * n


def _out_size(n, k, p, s, d, ceil):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def _one(v):
    return None if v is None else (1, _tup(v, 1)[0])


def _max_pool1d_ref(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The length becomes a height-1 plane, as in PyTorch."""
    out = _max_pool2d_ref(x[..., None, :], _one(kernel_size), _one(stride), (0, _tup(padding, 1)[0]), _one(dilation),
                          ceil_mode, return_indices)
    return tuple(o[..., 0, :] for o in out) if return_indices else out[..., 0, :]


def _avg_pool1d_ref(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool2d_ref(x[..., None, :], _one(kernel_size), _one(stride), (0, _tup(padding, 1)[0]), ceil_mode,
                           count_include_pad)[..., 0, :]


def _max_pool2d_ref(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    k, p, d = _tup(kernel_size, 2), _tup(padding, 2), _tup(dilation, 2)
    s = k if stride is None else _tup(stride, 2)
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    out = [_out_size(n, *a, ceil_mode) for n, a in zip((h, w), zip(k, p, s, d))]
    y, idx = np.zeros(lead + tuple(out), x.dtype), np.zeros(lead + tuple(out), np.int64)
    for i, j in itertools.product(range(out[0]), range(out[1])):
        hs = [i * s[0] - p[0] + a * d[0] for a in range(k[0]) if 0 <= i * s[0] - p[0] + a * d[0] < h]
        ws = [j * s[1] - p[1] + b * d[1] for b in range(k[1]) if 0 <= j * s[1] - p[1] + b * d[1] < w]
        win = x[..., hs, :][..., ws].reshape(lead + (len(hs) * len(ws),))
        a = np.argmax(win, -1)
        y[..., i, j] = np.take_along_axis(win, a[..., None], -1)[..., 0]
        idx[..., i, j] = np.asarray(hs)[a // len(ws)] * w + np.asarray(ws)[a % len(ws)]
    return (y, idx) if return_indices else y


def _avg_pool2d_ref(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                    divisor_override=None):
    k, p = _tup(kernel_size, 2), _tup(padding, 2)
    s = k if stride is None else _tup(stride, 2)
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    out = [_out_size(n, kk, pp, ss, 1, ceil_mode) for n, kk, pp, ss in zip((h, w), k, p, s)]
    y = np.zeros(lead + tuple(out), x.dtype)
    for i, j in itertools.product(range(out[0]), range(out[1])):
        h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
        h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
        pool = (h1 - h0) * (w1 - w0)
        h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
        if h0 >= h1 or w0 >= w1:
            continue
        div = divisor_override or (pool if count_include_pad else (h1 - h0) * (w1 - w0))
        y[..., i, j] = x[..., h0:h1, w0:w1].sum((-2, -1)) / div
    return y


def _windows(n_in, n_out):
    return [(math.floor(i * n_in / n_out), math.ceil((i + 1) * n_in / n_out)) for i in range(n_out)]


def _adaptive_ref(nsp, kind, return_indices=False):
    def ref(x, output_size, return_indices=return_indices):
        sizes = x.shape[-nsp:]
        outs = [n if o is None else o for n, o in zip(sizes, _tup(output_size, nsp))]
        lead = x.shape[:-nsp]
        y, idx = np.zeros(lead + tuple(outs), x.dtype), np.zeros(lead + tuple(outs), np.int64)
        for pos in itertools.product(*[range(o) for o in outs]):
            wins = [_windows(n, o)[i] for n, o, i in zip(sizes, outs, pos)]
            block = x[(Ellipsis,) + tuple(slice(a, b) for a, b in wins)]
            flat = block.reshape(lead + (math.prod(block.shape[len(lead):]),))
            if kind == "avg":
                y[(Ellipsis,) + pos] = flat.mean(-1)
                continue
            a = np.argmax(flat, -1)
            y[(Ellipsis,) + pos] = np.take_along_axis(flat, a[..., None], -1)[..., 0]
            coords = np.unravel_index(a, block.shape[-nsp:])
            flat_in = 0
            for c, (start, _), n in zip(coords, wins, sizes):
                flat_in = flat_in * n + (c + start)
            idx[(Ellipsis,) + pos] = flat_in
        return (y, idx) if return_indices else y
    return ref


# ---- interpolation: one dense (out, in) matrix per spatial axis, from PyTorch's index formulas --------------
def _cubic(t, a=-0.75):
    c1 = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731
    c2 = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731
    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def _axis_matrix(mode, n_in, n_out, scale, align_corners, dt, nsp):
    m = np.zeros((n_out, n_in))
    if mode == "nearest" and nsp == 2 and n_out in (n_in, 2 * n_in):
        # NOTE: PyTorch's 2-d nearest kernel (only) maps equal and doubled sizes exactly, whatever the scale
        m[np.arange(n_out), np.arange(n_out) * n_in // n_out] = 1
        return m
    if mode in ("nearest", "nearest-exact"):
        sc = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
        for i in range(n_out):
            pos = np.float32(i + (0.5 if mode == "nearest-exact" else 0.0)) * sc
            m[i, min(int(np.floor(pos)), n_in - 1)] = 1
        return m
    if mode == "area":
        for i, (a, b) in enumerate(_windows(n_in, n_out)):
            m[i, a:b] = 1 / (b - a)
        return m
    if mode == "linear" and n_in == n_out:
        return np.eye(n_in)  # PyTorch's linear kernels copy an axis whose size does not change
    if align_corners:
        sc = dt.type((n_in - 1) / (n_out - 1)) if n_out > 1 else dt.type(0)
    else:
        sc = dt.type(1.0 / scale) if scale else dt.type(n_in) / dt.type(n_out)
    for i in range(n_out):
        src = sc * dt.type(i) if align_corners else sc * (dt.type(i) + dt.type(0.5)) - dt.type(0.5)
        if mode == "cubic":
            i0 = int(np.floor(src))
            for tap, wt in enumerate(_cubic(src - i0)):
                m[i, min(max(i0 - 1 + tap, 0), n_in - 1)] += wt
            continue
        src = max(src, 0)
        i0 = min(int(np.floor(src)), n_in - 1)
        lam = min(max(src - i0, 0), 1)
        m[i, i0] += 1 - lam
        m[i, i0 + (1 if i0 < n_in - 1 else 0)] += lam
    return m


def _interpolate_ref(x, size=None, scale_factor=None, mode="nearest", align_corners=None,
                     recompute_scale_factor=None, antialias=False):
    nsp = x.ndim - 2
    if size is not None:
        outs, scales = _tup(size, nsp), (None,) * nsp
    else:
        scales = _tup(scale_factor, nsp)
        outs = tuple(math.floor(n * f) for n, f in zip(x.shape[2:], scales))
        if recompute_scale_factor or mode == "area":
            scales = (None,) * nsp
    kind = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    y = x.astype(np.float64)
    for ax, (n_in, n_out, sc) in enumerate(zip(x.shape[2:], outs, scales)):
        m = _axis_matrix(kind, n_in, n_out, sc, align_corners, x.dtype, nsp)
        y = np.moveaxis(np.tensordot(y, m, axes=([2 + ax], [1])), -1, 2 + ax)
    return y.astype(x.dtype)


def _f(name):
    def op(m, *args, **kwargs):
        return getattr(m.nn.functional, name)(*args, **kwargs)
    op.__name__ = name
    return op


# ---- samples -------------------------------------------------------------------------------------
def _max_pool1d_samples(make):
    return [S("k2", make(2, 3, 6), 2),
            S("stride_pad", make(2, 3, 7), 3, stride=2, padding=1),
            S("dilation_ceil", make(1, 2, 8), 2, 2, 0, 2, True),
            S("indices", make(1, 2, 7), 3, stride=2, return_indices=True),
            S("unbatched", make(3, 7), kernel_size=3, stride=1, padding=1)]


def _max_pool2d_samples(make):
    return [S("k2", make(2, 2, 4, 4), 2),
            S("rect_pad", make(1, 2, 5, 6), (2, 3), stride=(2, 1), padding=1),
            S("dilation", make(1, 1, 6, 6), 2, dilation=2),
            S("ceil", make(1, 2, 5, 5), 2, ceil_mode=True),
            S("indices", make(1, 2, 5, 5), 3, stride=2, padding=1, return_indices=True),
            S("indices_ceil_dilation", make(1, 1, 6, 7), 2, stride=2, padding=1, dilation=(1, 2), ceil_mode=True,
              return_indices=True),
            S("unbatched", make(2, 5, 5), 2),
            S("empty_batch", make(0, 2, 4, 4), 2)]


def _avg_pool1d_samples(make):
    return [S("k2", make(2, 3, 6), 2),
            S("pad_exclude", make(1, 2, 7), 3, stride=2, padding=1, count_include_pad=False),
            S("ceil", make(1, 2, 8), 3, 2, 1, True),
            S("unbatched", make(3, 7), kernel_size=3, stride=1)]


def _avg_pool2d_samples(make):
    return [S("k2", make(2, 2, 4, 4), 2),
            S("pad", make(1, 2, 5, 5), 3, stride=2, padding=1),
            S("exclude_pad_ceil", make(1, 2, 6, 5), (3, 2), stride=2, padding=1, ceil_mode=True,
              count_include_pad=False),
            S("ceil_include_pad", make(1, 1, 6, 6), 3, stride=2, padding=1, ceil_mode=True),
            S("divisor_override", make(1, 2, 4, 5), 2, stride=1, divisor_override=3),
            S("unbatched", make(2, 5, 5), 3, 1, 1)]


def _adaptive1d_samples(make, with_indices=False):
    extra = [S("indices", make(2, 3, 7), 4, return_indices=True)] if with_indices else []
    return [S("uneven", make(2, 3, 7), 3), S("one", make(1, 2, 5), 1), S("grow", make(1, 2, 3), 5),
            S("unbatched", make(2, 6), output_size=4)] + extra


def _adaptive2d_samples(make, with_indices=False):
    extra = [S("indices", make(1, 2, 5, 7), (3, 4), return_indices=True)] if with_indices else []
    return [S("uneven", make(2, 2, 5, 7), (3, 4)), S("none", make(1, 2, 4, 6), (None, 4)),
            S("one", make(1, 3, 4, 4), 1), S("grow", make(1, 1, 3, 2), (4, 3)),
            S("unbatched", make(2, 5, 5), output_size=2)] + extra


def _interpolate_samples(make):
    x4 = make(1, 2, 3, 4)
    return [S("nearest_size", x4, size=(5, 7)),
            S("nearest_scale", make(2, 2, 4), scale_factor=2),
            # PyTorch's 1-d nearest backward ignores the scale where the size is unchanged; its forward does not
            S("nearest_1d_grad_shortcut", make(1, 2, 3), scale_factor=1.3, gradcheck=False),
            S("nearest_fraction", x4, scale_factor=(1.5, 0.75)),
            S("nearest_no_shortcut", make(1, 1, 2, 5), scale_factor=(1.2, 2.1)),
            S("nearest_exact", x4, size=(5, 3), mode="nearest-exact"),
            S("nearest_3d", make(1, 1, 2, 3, 2), scale_factor=2),
            S("bilinear", x4, scale_factor=2, mode="bilinear"),
            S("bilinear_same_size", x4, scale_factor=1.3, mode="bilinear"),
            S("bilinear_align", x4, size=(5, 7), mode="bilinear", align_corners=True),
            S("bilinear_down", make(1, 2, 6, 5), size=(4, 2), mode="bilinear"),
            S("bilinear_recompute", x4, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
            S("linear", make(2, 2, 4), scale_factor=1.5, mode="linear"),
            S("linear_align", make(1, 2, 4), size=7, mode="linear", align_corners=True),
            S("trilinear", make(1, 1, 2, 3, 2), size=(3, 4, 3), mode="trilinear"),
            S("bicubic", x4, scale_factor=2, mode="bicubic"),
            S("bicubic_align", x4, size=(4, 6), mode="bicubic", align_corners=True),
            S("area", make(1, 2, 6, 5), size=(4, 2), mode="area")]


# ---- errors ----------------------------------------------------------------------------------------
def _max_pool2d_errors(make):
    return [E("pad", RuntimeError, r"pad should be at most half of effective kernel size, but got pad=2, "
              r"kernel_size=3 and dilation=1", make(1, 4, 8, 8), 3, padding=2),
            E("too_small", RuntimeError, r"Given input size: \(4x8x8\)\. Calculated output size: \(4x0x0\)\. "
              r"Output size is too small", make(1, 4, 8, 8), 9),
            E("rank", RuntimeError, r"3D or 4D \(batch mode\) tensor", make(1, 1, 4, 8, 8), 3)]


def _max_pool1d_errors(make):
    return [E("pad", RuntimeError, r"max_pool1d\(\) padding should be at most half of kernel size, but got "
              r"padding=2 and kernel_size=3", make(2, 4, 8), 3, padding=2)]


def _avg_pool2d_errors(make):
    return [E("pad", RuntimeError, r"pad should be at most half of effective kernel size, but got pad=2, "
              r"kernel_size=3 and dilation=1", make(1, 4, 8, 8), 3, padding=2),
            E("divisor", RuntimeError, r"divisor must be not zero", make(1, 4, 8, 8), 2, divisor_override=0)]


def _adaptive2d_errors(make):
    return [E("rank", RuntimeError, r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got \[8\]", make(8), 2),
            E("size", RuntimeError, r"adaptive_avg_pool2d: output_size must be 2", make(1, 2, 4, 4), (2, 2, 2)),
            E("integer", NotImplementedError, r'"adaptive_avg_pool2d" not implemented for \'Long\'',
              make(1, 2, 4, 4, dtype="int64"), 2)]


def _interpolate_errors(make):
    return [E("size_and_scale", ValueError, r"only one of size or scale_factor should be defined",
              make(1, 2, 4, 4), size=4, scale_factor=2),
            E("no_size", ValueError, r"either size or scale_factor should be defined", make(1, 2, 4, 4)),
            E("bilinear_3d", NotImplementedError, r"Got 3D input, but bilinear mode needs 4D input",
              make(2, 4, 4), scale_factor=2, mode="bilinear"),
            E("align_nearest", ValueError, r"align_corners option can only be set with the interpolating modes",
              make(1, 2, 4, 4), scale_factor=2, align_corners=True),
            E("bad_mode", NotImplementedError, r"Only 3D, 4D and 5D input Tensors supported \(got 4D\) for the "
              r"modes: nearest \| linear \| bilinear \| bicubic \| trilinear \| lanczos \| area \| nearest-exact "
              r"\(got cubic\)",
              make(1, 2, 4, 4), scale_factor=2, mode="cubic"),
            E("integer", NotImplementedError, r"not implemented for 'Long'", make(1, 2, 4, 4, dtype="int64"),
              scale_factor=2)]


_TOL = {"float32": (1e-4, 1e-5)}

ROWS = [
    row("max_pool1d", _f("max_pool1d"), _max_pool1d_ref, _max_pool1d_samples,
        api=("max_pool1d", "nn.functional.max_pool1d"), error_inputs=_max_pool1d_errors),
    row("max_pool2d", _f("max_pool2d"), _max_pool2d_ref, _max_pool2d_samples,
        api=("max_pool2d", "nn.functional.max_pool2d"), dtypes=FI, error_inputs=_max_pool2d_errors),
    row("avg_pool1d", _f("avg_pool1d"), _avg_pool1d_ref, _avg_pool1d_samples,
        api=("avg_pool1d", "nn.functional.avg_pool1d"), tol=_TOL),
    row("avg_pool2d", _f("avg_pool2d"), _avg_pool2d_ref, _avg_pool2d_samples, api=("nn.functional.avg_pool2d",),
        dtypes=FI, tol=_TOL, error_inputs=_avg_pool2d_errors),
    row("adaptive_avg_pool1d", _f("adaptive_avg_pool1d"), _adaptive_ref(1, "avg"), _adaptive1d_samples,
        api=("adaptive_avg_pool1d", "nn.functional.adaptive_avg_pool1d"), tol=_TOL),
    row("adaptive_avg_pool2d", _f("adaptive_avg_pool2d"), _adaptive_ref(2, "avg"), _adaptive2d_samples,
        api=("nn.functional.adaptive_avg_pool2d",), tol=_TOL, error_inputs=_adaptive2d_errors),
    row("adaptive_max_pool1d", _f("adaptive_max_pool1d"), _adaptive_ref(1, "max"),
        lambda make: _adaptive1d_samples(make, True), api=("nn.functional.adaptive_max_pool1d",)),
    row("adaptive_max_pool2d", _f("adaptive_max_pool2d"), _adaptive_ref(2, "max"),
        lambda make: _adaptive2d_samples(make, True), api=("nn.functional.adaptive_max_pool2d",)),
    row("interpolate", _f("interpolate"), _interpolate_ref, _interpolate_samples, api=("nn.functional.interpolate",),
        tol=_TOL, error_inputs=_interpolate_errors),
]
