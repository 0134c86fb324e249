"""OpInfo rows: convolution, fold and unfold.

The NumPy references compute each op from its definition, one kernel offset at a time (a loop over the few
kernel offsets, not over pixels), independently of the strided-window code in glassgrad.ops.conv.
"""
import itertools

import numpy as np

from ..opinfo import S, E, FI, row


def _tup(v, n):
    return tuple(v) * (n if len(tuple(v)) == 1 else 1) if isinstance(v, (tuple, list)) else (v,) * n


def _same_pads(k, dilation):
    return [(d * (kk - 1) // 2, d * (kk - 1) - d * (kk - 1) // 2) for kk, d in zip(k, dilation)]


def _spatial_slices(offsets, stride, dilation, out):
    return (slice(None), slice(None)) + tuple(slice(o * d, o * d + s * (m - 1) + 1, s)
                                              for o, d, s, m in zip(offsets, dilation, stride, out))


def _conv_ref(nsp):
    def ref(x, w, bias=None, stride=1, padding=0, dilation=1, groups=1):
        unbatched = x.ndim == nsp + 1
        x = x[None] if unbatched else x
        k = w.shape[2:]
        stride, dilation = _tup(stride, nsp), _tup(dilation, nsp)
        if padding == "valid":
            pads = [(0, 0)] * nsp
        elif padding == "same":
            pads = _same_pads(k, dilation)
        else:
            pads = [(p, p) for p in _tup(padding, nsp)]
        xpad = np.pad(x, [(0, 0), (0, 0)] + pads)
        out = [(n - d * (kk - 1) - 1) // s + 1 for n, kk, s, d in zip(xpad.shape[2:], k, stride, dilation)]
        n, o = x.shape[0], w.shape[0]
        cg, og = x.shape[1] // groups, o // groups
        acc = np.float64 if x.dtype.kind == "f" else np.int64
        y = np.zeros((n, o, *out), acc)
        for g in range(groups):
            xs, ws = xpad[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og]
            for offs in itertools.product(*map(range, k)):
                patch = xs[_spatial_slices(offs, stride, dilation, out)].astype(acc)
                y[:, g * og:(g + 1) * og] += np.tensordot(ws[(Ellipsis,) + offs].astype(acc), patch,
                                                          axes=([1], [1])).swapaxes(0, 1)
        if bias is not None:
            y += bias.reshape((-1,) + (1,) * nsp)
        y = y.astype(x.dtype)
        return y[0] if unbatched else y
    return ref


def _conv_t_ref(nsp):
    def ref(x, w, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        unbatched = x.ndim == nsp + 1
        x = x[None] if unbatched else x
        k = w.shape[2:]
        stride, dilation = _tup(stride, nsp), _tup(dilation, nsp)
        padding, output_padding = _tup(padding, nsp), _tup(output_padding, nsp)
        n, cin = x.shape[:2]
        cg, og = cin // groups, w.shape[1]
        inp = x.shape[2:]
        full = [s * (m - 1) + d * (kk - 1) + 1 + op
                for m, kk, s, d, op in zip(inp, k, stride, dilation, output_padding)]
        y = np.zeros((n, og * groups, *full), np.float64)
        for g in range(groups):
            xs, ws = x[:, g * cg:(g + 1) * cg].astype(np.float64), w[g * cg:(g + 1) * cg].astype(np.float64)
            for offs in itertools.product(*map(range, k)):
                contrib = np.tensordot(xs, ws[(Ellipsis,) + offs], axes=([1], [0]))  # (n, *inp, og)
                y[:, g * og:(g + 1) * og][_spatial_slices(offs, stride, dilation, inp)] += np.moveaxis(contrib, -1, 1)
        y = y[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(padding, full))]
        if bias is not None:
            y += bias.reshape((-1,) + (1,) * nsp)
        y = y.astype(x.dtype)
        return y[0] if unbatched else y
    return ref


def _blocks(sp, k, dilation, padding, stride):
    return [(n + 2 * p - d * (kk - 1) - 1) // s + 1 for n, kk, d, p, s in zip(sp, k, dilation, padding, stride)]


def _unfold_ref(x, kernel_size, dilation=1, padding=0, stride=1):
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    k, d, p, s = (_tup(v, 2) for v in (kernel_size, dilation, padding, stride))
    xpad = np.pad(x, [(0, 0), (0, 0)] + [(q, q) for q in p])
    out = _blocks(x.shape[2:], k, d, p, s)
    cols = np.stack([xpad[_spatial_slices(offs, s, d, out)] for offs in itertools.product(*map(range, k))], 2)
    cols = cols.reshape(x.shape[0], -1, out[0] * out[1])
    return cols[0] if unbatched else cols


def _fold_ref(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    unbatched = x.ndim == 2
    x = x[None] if unbatched else x
    size, k, d, p, s = (_tup(v, 2) for v in (output_size, kernel_size, dilation, padding, stride))
    out = _blocks(size, k, d, p, s)
    n, c = x.shape[0], x.shape[1] // (k[0] * k[1])
    cols = x.reshape(n, c, k[0] * k[1], *out)
    y = np.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), np.float64)
    for i, offs in enumerate(itertools.product(*map(range, k))):
        y[_spatial_slices(offs, s, d, out)] += cols[:, :, i]
    y = y[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]].astype(x.dtype)
    return y[0] if unbatched else y


def _f(name):
    def op(m, *args, **kwargs):
        return getattr(m.nn.functional, name)(*args, **kwargs)
    op.__name__ = name
    return op


def _conv1d_samples(make):
    return [S("bias", make(2, 3, 7), make(4, 3, 3), make(4)),
            S("stride_pad", make(2, 3, 7), make(4, 3, 3), None, stride=2, padding=1),
            S("dilation", make(1, 2, 7), make(3, 2, 2), make(3), dilation=2),
            S("groups", make(2, 4, 5), make(6, 2, 3), make(6), groups=2),
            S("depthwise", make(1, 3, 5), make(3, 1, 2), None, groups=3, padding=(1,)),
            S("same_even", make(2, 2, 6), make(3, 2, 4), make(3), padding="same"),
            S("same_dilated", make(1, 2, 6), make(2, 2, 2), None, padding="same", dilation=3),
            S("valid", make(1, 2, 5), make(2, 2, 3), None, padding="valid"),
            S("unbatched", make(3, 6), make(2, 3, 3), make(2), padding=1),
            S("empty_batch", make(0, 2, 5), make(3, 2, 2), make(3))]


def _conv2d_samples(make):
    return [S("bias", make(2, 3, 5, 5), make(4, 3, 3, 3), make(4)),
            S("stride_pad", make(1, 2, 6, 5), make(3, 2, 3, 2), make(3), stride=(2, 1), padding=(1, 0)),
            S("dilation", make(1, 2, 6, 6), make(2, 2, 2, 2), None, dilation=2, stride=2),
            S("groups", make(1, 4, 4, 4), make(4, 2, 2, 2), make(4), groups=2, padding=1),
            S("same_odd", make(1, 2, 4, 5), make(2, 2, 3, 3), make(2), padding="same"),
            S("same_even", make(1, 2, 4, 4), make(2, 2, 2, 3), None, padding="same"),
            S("1x1", make(2, 3, 3, 3), make(2, 3, 1, 1), None),
            S("unbatched", make(2, 4, 4), make(3, 2, 3, 3), make(3), padding=1),
            S("empty_batch", make(0, 2, 4, 4), make(3, 2, 2, 2), None)]


def _conv3d_samples(make):
    return [S("bias", make(1, 2, 3, 4, 4), make(2, 2, 2, 2, 2), make(2)),
            S("stride_pad", make(1, 2, 3, 3, 4), make(2, 2, 2, 3, 2), None, stride=(1, 2, 2), padding=(1, 0, 1)),
            S("groups_same", make(1, 2, 3, 3, 3), make(2, 1, 2, 2, 2), make(2), groups=2, padding="same"),
            S("unbatched", make(2, 3, 3, 3), make(2, 2, 2, 2, 2), make(2), dilation=(2, 1, 1))]


def _conv_t1d_samples(make):
    return [S("bias", make(2, 3, 4), make(3, 2, 3), make(2)),
            S("stride_pad_outpad", make(2, 3, 4), make(3, 2, 3), make(2), stride=2, padding=1, output_padding=1),
            S("groups", make(1, 4, 3), make(4, 1, 2), make(2), groups=2, stride=3),
            S("dilation", make(1, 2, 4), make(2, 3, 2), None, dilation=2, padding=2),
            S("unbatched", make(3, 4), make(3, 2, 2), None, stride=2)]


def _conv_t2d_samples(make):
    return [S("bias", make(2, 3, 3, 3), make(3, 2, 3, 3), make(2)),
            S("stride_pad_outpad", make(1, 2, 3, 4), make(2, 3, 3, 2), make(3), stride=(2, 3), padding=(1, 0),
              output_padding=(1, 2)),
            S("groups_dilation", make(1, 4, 3, 3), make(4, 1, 2, 2), make(2), groups=2, dilation=2),
            S("unbatched", make(2, 3, 3), make(2, 2, 2, 2), None, stride=2, padding=1)]


def _conv_t3d_samples(make):
    return [S("bias", make(1, 2, 2, 3, 2), make(2, 2, 2, 2, 2), make(2), stride=(1, 2, 1), padding=(0, 1, 0)),
            S("groups_outpad", make(1, 2, 2, 2, 2), make(2, 1, 2, 1, 2), None, groups=2, stride=2, output_padding=1)]


def _unfold_samples(make):
    return [S("k2", make(2, 3, 4, 4), 2),
            S("all_options", make(1, 2, 5, 4), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
            S("unbatched", make(2, 3, 3), kernel_size=2, stride=1)]


def _fold_samples(make):
    return [S("k2", make(2, 12, 9), (4, 4), 2),
            S("all_options", make(1, 12, 6), (4, 3), (2, 3), dilation=(1, 1), padding=1, stride=2),
            S("overlap_dilated", make(1, 8, 8), output_size=(4, 5), kernel_size=2, dilation=(2, 1)),
            S("unbatched", make(4, 4), 3, 2)]


def _conv2d_errors(make):
    return [E("rank", RuntimeError, r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of "
              r"size: \[8\]", make(8), make(16, 3, 3, 3)),
            E("channels", RuntimeError, r"Given groups=1, weight of size \[16, 3, 3, 3\], expected input\[1, 4, 8, 8\] "
              r"to have 3 channels, but got 4 channels instead", make(1, 4, 8, 8), make(16, 3, 3, 3)),
            E("kernel_too_big", RuntimeError, r"Calculated padded input size per channel: \(2 x 3\)\. Kernel size: "
              r"\(3 x 3\)\. Kernel size can't be greater than actual input size", make(1, 3, 2, 3), make(2, 3, 3, 3)),
            E("same_strided", RuntimeError, r"padding='same' is not supported for strided convolutions",
              make(1, 3, 5, 5), make(2, 3, 3, 3), stride=2, padding="same"),
            E("groups", RuntimeError, r"Given groups=2, expected weight to be divisible by 2 at dimension 0, but got "
              r"weight of size \[\[3, 2, 3, 3\]\] instead", make(1, 4, 5, 5), make(3, 2, 3, 3), groups=2),
            E("bias", RuntimeError, r"expected bias to be 1-dimensional with 2 elements, but got bias of size \[3\]",
              make(1, 3, 5, 5), make(2, 3, 3, 3), make(3)),
            E("dtype", RuntimeError, r"expected scalar type Float but found Double", make(1, 3, 5, 5),
              make(2, 3, 3, 3, dtype="float64")),
            E("negative_padding", RuntimeError, r"negative padding is not supported", make(1, 3, 5, 5),
              make(2, 3, 3, 3), padding=-1),
            E("bad_padding_string", RuntimeError, r"Invalid padding string: 'full'", make(1, 3, 5, 5),
              make(2, 3, 3, 3), padding="full")]


def _conv_t2d_errors(make):
    return [E("channels", RuntimeError, r"Given transposed=1, weight of size \[3, 2, 3, 3\], expected "
              r"input\[1, 4, 3, 3\] to have 3 channels, but got 4 channels instead",
              make(1, 4, 3, 3), make(3, 2, 3, 3)),
            E("output_padding", RuntimeError, r"output padding must be smaller than either stride or dilation",
              make(1, 3, 3, 3), make(3, 2, 3, 3), stride=2, output_padding=2)]


def _fold_errors(make):
    return [E("blocks", RuntimeError, r"expected size of input's dimension 2 to match the calculated number of sliding "
              r"blocks 3 \* 3 = 9, but got input.size\(2\)=5", make(1, 12, 5), (4, 4), 2)]


_TOL = {"float32": (1e-4, 1e-5)}

ROWS = [
    row("conv1d", _f("conv1d"), _conv_ref(1), _conv1d_samples, api=("conv1d", "nn.functional.conv1d"), tol=_TOL),
    row("conv2d", _f("conv2d"), _conv_ref(2), _conv2d_samples, api=("conv2d", "nn.functional.conv2d"), dtypes=FI,
        tol=_TOL, error_inputs=_conv2d_errors),
    row("conv3d", _f("conv3d"), _conv_ref(3), _conv3d_samples, api=("conv3d", "nn.functional.conv3d"), tol=_TOL),
    row("conv_transpose1d", _f("conv_transpose1d"), _conv_t_ref(1), _conv_t1d_samples,
        api=("conv_transpose1d", "nn.functional.conv_transpose1d"), tol=_TOL),
    row("conv_transpose2d", _f("conv_transpose2d"), _conv_t_ref(2), _conv_t2d_samples,
        api=("conv_transpose2d", "nn.functional.conv_transpose2d"), tol=_TOL, error_inputs=_conv_t2d_errors),
    row("conv_transpose3d", _f("conv_transpose3d"), _conv_t_ref(3), _conv_t3d_samples,
        api=("conv_transpose3d", "nn.functional.conv_transpose3d"), tol=_TOL),
    row("nn.functional.unfold", _f("unfold"), _unfold_ref, _unfold_samples, api=("nn.functional.unfold",)),
    row("nn.functional.fold", _f("fold"), _fold_ref, _fold_samples, api=("nn.functional.fold",), tol=_TOL,
        error_inputs=_fold_errors),
]
