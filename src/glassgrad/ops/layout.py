"""Copies that rearrange elements: repeat, tile, repeat_interleave, flip, roll, rot90, padding, tri*_indices.
Unlike the views in ops/shape.py (which exports these names), each returns new memory, as PyTorch's do.

Most gradients here are the same rearrangement run backwards (flip by flip, roll by the opposite roll, a
constant padding by the opposite padding), declared through `call` so that second order reuses them. The
gathers (reflect / replicate padding, repeat_interleave with a tensor of counts) come with their adjoint, a
scatter-add, each the other's VJP. Circular padding is PyTorch's own composite of slice copies (CopySlices).
"""
from .registry import primitive, defvjp, apply, call
from .shape import CONTIGUOUS, flatten, unsqueeze, expand, view, narrow, _shape_arg, _slice
from .scatter import INDEX_SELECT
from ..backends import get_array_module
from ..tensor import Tensor, _new, _wrap_dim
from .. import _dtype as D

__all__ = ["repeat", "tile", "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90", "pad",
           "tril_indices", "triu_indices"]


# ---- repeat and tile --------------------------------------------------------------------------------
def _repeat_vjp(grad, x_shape, repeats, xp):
    """Each copy of the input adds its gradient back: split every dim into (copies, size) and sum the copies."""
    padded = (1,) * (len(repeats) - len(x_shape)) + tuple(x_shape)
    split = tuple(n for pair in zip(repeats, padded) for n in pair)
    g = xp.sum(xp.reshape(grad, split), axis=tuple(range(0, len(split), 2)))
    return xp.reshape(g, x_shape)


REPEAT = primitive("repeat", lambda xp, x, *, repeats: xp.tile(x, repeats))
defvjp(REPEAT, x=_repeat_vjp)


def repeat(input, *repeats):
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    repeats = _shape_arg(repeats)
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + shape
    target = [r * n for r, n in zip(repeats, padded)]
    bad = next((n for n in target if n < 0), None)
    if bad is not None:
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {target}")
    return apply(REPEAT, (input,), {"repeats": repeats})


def tile(input, *dims):
    dims = _shape_arg(dims)
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


# ---- repeat_interleave ------------------------------------------------------------------------------
def _counts(repeats):
    """The array of a tensor of repeat counts, checked as PyTorch checks it."""
    if repeats._dtype._cat != 1:
        raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{repeats._dtype.scalar_name}\'')
    if repeats._data.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    counts = repeats._data
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    return counts


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated along `dim` (the flattened input when None). Called with one tensor of counts,
    the indices 0..n-1, each repeated as many times as its count says.

        >>> import glassgrad as torch
        >>> torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0)
        tensor([[1, 2],
                [3, 4],
                [3, 4]])
        >>> torch.repeat_interleave(torch.tensor([2, 0, 1]))
        tensor([0, 0, 2])
    """
    if repeats is None:
        counts = _counts(input)
        xp = get_array_module(counts)
        return _new(xp.repeat(xp.arange(counts.size, dtype=counts.dtype), counts), input._dtype)
    if dim is None or input._data.ndim == 0:
        if dim is not None:
            _wrap_dim(dim, 0)
        input, d = flatten(input), 0
    else:
        d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        return _interleave_counts(input, _counts(repeats), d, n, output_size)
    repeats = int(repeats)
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None and output_size != n * repeats:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {n * repeats} but got {output_size}")
    # NOTE: PyTorch's decomposition (unsqueeze, expand, contiguous copy, view): the result is a view of the copy
    shape = input._data.shape
    wide = expand(unsqueeze(input, d + 1), shape[:d + 1] + (repeats,) + shape[d + 1:])
    return view(apply(CONTIGUOUS, (wide,)), shape[:d] + (n * repeats,) + shape[d + 1:])


def _interleave_counts(input, counts, d, n, output_size):
    xp = get_array_module(counts)
    if counts.size == 1:
        counts = xp.broadcast_to(counts.reshape(1), (n,))
    elif counts.size != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{counts.size} and input.size({d}) = {n}")
    index = xp.repeat(xp.arange(n), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError("allocated size does not match required size")
    return apply(INDEX_SELECT, (input, _new(index, D.int64)), {"dim": d})


# ---- flip, roll, rot90 ------------------------------------------------------------------------------
FLIP = primitive("flip", lambda xp, x, *, dims: xp.flip(x, dims).copy(order="K") if dims else x.copy(order="K"))
defvjp(FLIP, x=lambda grad, dims, xp: call(xp, FLIP, grad, dims=dims))


def _dims_arg(dims):
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    return tuple(int(d) for d in dims)


def flip(input, *dims):
    nd = input._data.ndim
    dims = tuple(_wrap_dim(d, nd) for d in _dims_arg(dims))
    dup = next((d for i, d in enumerate(dims) if d in dims[:i]), None)
    if dup is not None:
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    return apply(FLIP, (input,), {"dims": dims if nd else ()})


def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def _negate(shifts):
    return -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)


# dims=None rolls the flattened tensor (one shift), keeping its shape
ROLL = primitive("roll", lambda xp, x, *, shifts, dims: xp.roll(x, shifts, dims))
defvjp(ROLL, x=lambda grad, shifts, dims, xp: call(xp, ROLL, grad, shifts=_negate(shifts), dims=dims))


def roll(input, shifts, dims=None):
    shifts = (int(shifts),) if isinstance(shifts, int) or hasattr(shifts, "__index__") else tuple(shifts)
    dims = () if dims is None else (int(dims),) if isinstance(dims, int) else tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return apply(ROLL, (input,), {"shifts": shifts[0], "dims": None})
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    nd = input._data.ndim
    if nd == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return apply(ROLL, (input,), {"shifts": shifts, "dims": tuple(_wrap_dim(d, nd) for d in dims)})


ROT90 = primitive("rot90", lambda xp, x, *, k, dims: xp.rot90(x, k, dims).copy(order="K"))
defvjp(ROT90, x=lambda grad, k, dims, xp: call(xp, ROT90, grad, k=(4 - k) % 4, dims=dims))


def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    if dims[0] == dims[1] or abs(dims[0] - dims[1]) == nd:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    return apply(ROT90, (input,), {"k": k % 4, "dims": tuple(_wrap_dim(d, nd) for d in dims)})


# ---- padding ----------------------------------------------------------------------------------------
def _padded_dims(ndim, pad):
    """(dim, before, after) for each padded dim: `pad` runs from the last dim backwards."""
    return [(ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _constant_pad_fwd(xp, x, *, pad, value):
    shape, src, dst = list(x.shape), [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for d, lo, hi in _padded_dims(x.ndim, pad):
        n = x.shape[d]
        shape[d] = n + lo + hi
        src[d] = slice(max(-lo, 0), n - max(-hi, 0))  # negative padding crops
        dst[d] = slice(max(lo, 0), shape[d] - max(hi, 0))
    out = xp.full(shape, value, dtype=x.dtype)
    out[tuple(dst)] = x[tuple(src)]
    return out


CONSTANT_PAD = primitive("constant_pad_nd", _constant_pad_fwd)
defvjp(CONSTANT_PAD, x=lambda grad, pad, xp: call(xp, CONSTANT_PAD, grad, pad=_negate(pad), value=0))


def _pad_runs(n, lo, hi, reflect):
    """How reflect / replicate padding builds one dim of length n: runs of (length, first source, step) in output
    order, with step 1 (the kept input), -1 (a reflected border) or 0 (an edge element repeated)."""
    out = n + lo + hi
    left = min(max(lo, 0), out)
    first = max(-lo, 0)  # negative padding crops
    centre = min(max(0, min(n + hi, n) - first), out - left)
    right = out - left - centre
    runs = []
    if left:
        runs.append((left, lo, -1) if reflect else (left, 0, 0))
    if centre:
        runs.append((centre, first, 1))
    if right:  # the first right-border output sits at position max(n, -lo) of the unpadded dim
        runs.append((right, 2 * (n - 1) - max(n, -lo), -1) if reflect else (right, n - 1, 0))
    return tuple(runs)


def _along(dim, index):
    return (slice(None),) * dim + (index,)


def _run_source(d, length, src, step):
    """Where a run reads: `length` source elements for steps 1 and -1 (reversed by the caller), one for step 0."""
    if step == -1:
        return _along(d, slice(src - length + 1, src + 1))
    return _along(d, slice(src, src + (length if step == 1 else 1)))


def _runs_fwd(xp, x, *, runs):
    for d, segments in runs:
        pieces = []
        for length, src, step in segments:
            piece = x[_run_source(d, length, src, step)]
            pieces.append(xp.flip(piece, d) if step == -1 else xp.repeat(piece, length, axis=d) if step == 0 else piece)
        x = xp.concatenate(pieces, axis=d) if pieces else x[_along(d, slice(0, 0))]
    return x


def _runs_bwd(xp, g, *, runs, shape):
    """The adjoint of _runs_fwd: each run adds its gradient back onto its sources (a slice each, no index)."""
    shapes = [tuple(shape)]
    for d, segments in runs[:-1]:
        shapes.append(shapes[-1][:d] + (sum(s[0] for s in segments),) + shapes[-1][d + 1:])
    for (d, segments), s in zip(reversed(runs), reversed(shapes)):
        z = xp.zeros(s, dtype=g.dtype)
        start = 0
        for length, src, step in segments:
            piece = g[_along(d, slice(start, start + length))]
            start += length
            z[_run_source(d, length, src, step)] += (xp.flip(piece, d) if step == -1 else
                                                     piece.sum(axis=d, keepdims=True) if step == 0 else piece)
        g = z
    return g


def _runs_vjp(grad, x_shape, runs, xp):
    return call(xp, PAD_BACKWARD, grad, runs=runs, shape=x_shape)


def _pad_op(mode, k):
    # NOTE: PyTorch's node names spell the dimension with a capital D (ReflectionPad2DBackward0)
    op = primitive(f"{mode}_pad{k}d", _runs_fwd, node=f"{mode.capitalize()}Pad{k}DBackward0")
    defvjp(op, x=_runs_vjp)
    return op


_RUNS_PAD = {(mode, k): _pad_op(mode, k) for mode in ("reflection", "replication") for k in (1, 2, 3)}
PAD_BACKWARD = primitive("pad_backward", _runs_bwd)
PAD_GATHER = primitive("pad_gather", _runs_fwd)  # the same gather, as the gradient of PAD_BACKWARD
defvjp(PAD_GATHER, x=_runs_vjp)
defvjp(PAD_BACKWARD, g=lambda grad, runs, xp: call(xp, PAD_GATHER, grad, runs=runs))

_NONCONSTANT = ("Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: `pad` = (last dim before, after, next-to-last before, after, ...); negative
    values crop. Modes: constant (with `value`), reflect, replicate, circular.

        >>> import glassgrad as torch
        >>> x = torch.tensor([[0., 1., 2., 3.]])
        >>> torch.nn.functional.pad(x, (2, 1), mode="reflect")
        tensor([[2., 1., 0., 1., 2., 3., 2.]])
        >>> torch.nn.functional.pad(x, (1, -2), value=9.)
        tensor([[9., 0., 1.]])
    """
    pad = tuple(int(p) for p in pad)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    shape = input._data.shape
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > len(shape):
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {len(shape)}")
    dims = _padded_dims(len(shape), pad)
    if mode == "constant":
        if any(shape[d] - max(-lo, 0) - max(-hi, 0) < 0 for d, lo, hi in dims):
            raise RuntimeError("narrow(): length must be non-negative.")
        return apply(CONSTANT_PAD, (input,), {"pad": pad, "value": 0 if value is None else value})
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(dims)
    if k not in (1, 2, 3) or len(shape) not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {len(shape)}D input tensor.\n"
                                  + _NONCONSTANT)
    if mode == "circular":
        return _circular_pad(input, dims)
    batch = len(shape) == k + 2
    if 0 in shape[1 if batch else 0:]:
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(shape)}")
    return _runs_pad(input, dims, mode)


def _runs_pad(input, dims, mode):
    """Reflect / replicate: each padded dim rebuilt from runs of its input (see _pad_runs)."""
    shape = input._data.shape
    if mode == "reflect":
        for d, lo, hi in dims:
            if not (lo < shape[d] and hi < shape[d]):
                raise RuntimeError(f"Argument #{2 * len(dims) + 2}: Padding size should be less than the "
                                   f"corresponding input dimension, but got: padding ({lo}, {hi}) at dimension {d} "
                                   f"of input {list(shape)}")
    out = [shape[d] + lo + hi for d, lo, hi in dims]  # W, H, D
    if max(out) < 1:
        order = range(len(dims) - 1, -1, -1)  # D, H, W
        sizes = ", ".join(f"{'WHD'[i]}: {shape[dims[i][0]]}" for i in order)
        raise RuntimeError(f"input ({sizes}) is too small. Calculated output "
                           + ", ".join(f"{'WHD'[i]}: {out[i]}" for i in order))
    if min(out) < 0:
        target = list(shape)
        for (d, _, _), n in zip(dims, out):
            target[d] = n
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {target}")
    runs = tuple((d, _pad_runs(shape[d], lo, hi, mode == "reflect")) for d, lo, hi in dims)
    op = _RUNS_PAD["reflection" if mode == "reflect" else "replication", len(dims)]
    return apply(op, (input,), {"runs": runs})


def _circular_pad(input, dims):
    """PyTorch's algorithm, and so its graph (CopySlices): copy the input into the middle of a new tensor, then
    each wrapped border from the opposite side of that tensor."""
    shape = list(input._data.shape)
    for d, lo, hi in dims:
        if lo > shape[d] or hi > shape[d]:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        shape[d] += lo + hi
        if shape[d] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension.")
    xp = get_array_module(input._data)
    # NOTE: zeros, not PyTorch's uninitialised memory, which shows through when negative and positive padding mix
    out = _new(xp.zeros(shape, dtype=input._data.dtype), input._dtype)
    dst, src = out, input
    for d, lo, hi in dims:
        dst = _slice(dst, d, max(lo, 0), max(shape[d] - max(hi, 0), 0), 1)
        src = _slice(src, d, max(-lo, 0), max(input._data.shape[d] - max(-hi, 0), 0), 1)
    dst.copy_(src)
    if out._data.size == 0:
        return out
    for d, lo, hi in dims:
        n = shape[d]
        if lo > 0:
            narrow(out, d, 0, lo).copy_(narrow(out, d, n - lo - max(hi, 0), lo))
        if hi > 0:
            narrow(out, d, n - hi, hi).copy_(narrow(out, d, max(lo, 0), hi))
    return out


# ---- tril_indices / triu_indices --------------------------------------------------------------------
def _tri_indices(name, row, col, offset, dtype):
    dt = D.int64 if dtype is None else D.to_dtype(dtype)
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    if dt._cat != 1:
        raise NotImplementedError(f'"{name}" not implemented for \'{dt.scalar_name}\'')
    xp = get_array_module()
    r, c = getattr(xp, name)(row, offset, col)
    return _new(xp.stack([r, c]).astype(dt.np).reshape(2, -1), dt)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """The (row, column) indices of the lower triangle of a row x col matrix, row by row: a 2 x N tensor."""
    return _tri_indices("tril_indices", row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """The (row, column) indices of the upper triangle of a row x col matrix, row by row: a 2 x N tensor."""
    return _tri_indices("triu_indices", row, col, offset, dtype)


_COPIES = ("tile", "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90")
# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": _COPIES + ("tril_indices", "triu_indices"), "Tensor": _COPIES + ("repeat",),
       "nn.functional": ("pad",), "linalg": (), "special": ()}
