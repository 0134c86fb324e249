"""OpInfo rows: shape and view ops, joins and splits, copies that rearrange (flip, roll, repeat) and padding."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, row


# ---- NumPy references --------------------------------------------------------------------------------
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


def _unflatten_ref(x, dim, sizes):
    d = dim % x.ndim
    sizes = list(sizes)
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[d] // -math.prod(sizes)
    return x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


def _expand_ref(x, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], tuple):
        sizes = sizes[0]
    lead = len(sizes) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)))


def _narrow_ref(x, dim, start, length):
    start = int(start) % x.shape[dim]
    return x[(slice(None),) * (dim % x.ndim) + (slice(start, start + length),)]


def _split_sizes(n, size_or_sections):
    if isinstance(size_or_sections, int):
        return [size_or_sections] * (n // size_or_sections) + ([n % size_or_sections] if n % size_or_sections else [])
    return list(size_or_sections)


def _split_ref(x, size_or_sections, dim=0):
    return np.split(x, np.cumsum(_split_sizes(x.shape[dim], size_or_sections))[:-1], axis=dim)


def _chunk_ref(x, chunks, dim=0):
    return _split_ref(x, -(-x.shape[dim] // chunks), dim)


def _tensor_split_ref(x, spec=None, dim=0, **kw):
    spec = next(iter(kw.values())) if spec is None else spec
    if isinstance(spec, np.ndarray):
        spec = int(spec) if spec.ndim == 0 else [int(i) for i in spec]
    return np.array_split(x, spec, axis=dim)


def _unfold_ref(x, dimension, size, step):
    d = dimension % x.ndim
    w = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
    return w[(slice(None),) * d + (slice(None, None, step),)]


def _movedim_ref(x, source, destination):
    return np.moveaxis(x, source, destination)


def _reshape_op(m, x, shape, transposed=False):
    return (x.transpose(0, 1) if transposed else x).reshape(shape)


def _reshape_ref(x, shape, transposed=False):
    return (np.swapaxes(x, 0, 1) if transposed else x).reshape(shape)


def _repeat_ref(x, *reps):
    reps = reps[0] if len(reps) == 1 and isinstance(reps[0], tuple) else reps
    return np.tile(x, reps)


def _tile_ref(x, dims):
    return np.tile(x, dims)


def _repeat_interleave_ref(x, repeats, dim=None, output_size=None):
    return np.repeat(x, repeats, axis=dim)


def _flip_ref(x, *dims):
    dims = dims[0] if len(dims) == 1 and isinstance(dims[0], tuple) else dims
    return np.flip(x, dims) if x.ndim else x.copy()


def _roll_ref(x, shifts, dims=None):
    return np.roll(x, shifts, dims)


def _rot90_ref(x, k=1, dims=(0, 1)):
    return np.rot90(x, k, dims)


def _atleast(x, n):
    return (np.atleast_1d, np.atleast_2d, np.atleast_3d)[n - 1](x)


def _hstack_ref(ts):
    return np.hstack([_atleast(t, 1) for t in ts])


def _column_stack_ref(ts):
    return np.column_stack(ts)


def _meshgrid_ref(*ts, indexing="ij"):
    ts = ts[0] if len(ts) == 1 and isinstance(ts[0], list) else ts
    return np.meshgrid(*[t.reshape(-1) for t in ts], indexing=indexing)


def _tri_indices_ref(fn):
    def ref(r, c, offset=0, dtype=None):
        return np.stack(fn(r, offset, c)).astype(np.int32 if dtype == "int32" else np.int64).reshape(2, -1)
    return ref


_NP_PAD = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_ref(x, pad, mode="constant", value=None):
    """np.pad for the positive pads, then a crop for the negative ones (PyTorch pads from the last dim)."""
    if x.ndim == 0:
        return x.copy()
    widths = [(0, 0)] * x.ndim
    crop = [slice(None)] * x.ndim
    for i in range(len(pad) // 2):
        d = x.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        widths[d] = (max(lo, 0), max(hi, 0))
        crop[d] = slice(max(-lo, 0), x.shape[d] + max(lo, 0) + max(hi, 0) - max(-hi, 0))
    kw = {"constant_values": np.asarray(value or 0).astype(x.dtype)} if mode == "constant" else {}
    return np.pad(x, widths, mode=_NP_PAD[mode], **kw)[tuple(crop)]


def _pad_op(m, x, pad, **kw):
    return m.nn.functional.pad(x, pad, **kw)


def _idx(*v):
    return np.array(v, dtype=np.int64)


# ---- error inputs ------------------------------------------------------------------------------------
_RANGE = r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"


def _reshape_errors(make):
    return [E("numel", RuntimeError, r"shape '\[4, 4\]' is invalid for input of size 6", make(2, 3), (4, 4)),
            E("two_infer", RuntimeError, r"only one dimension can be inferred", make(2, 3), (-1, -1))]


def _view_errors(make):
    return [E("noncontig", RuntimeError, r"view size is not compatible with input tensor's size and stride",
              make(3, 2), 6, transposed=True),
            E("numel", RuntimeError, r"shape '\[5, -1\]' is invalid for input of size 6", make(2, 3), 5, -1)]


def _expand_errors(make):
    return [E("incompatible", RuntimeError, r"The expanded size of the tensor \(3\) must match the existing size "
              r"\(2\) at non-singleton dimension 0.  Target sizes: \[3, 3\].  Tensor sizes: \[2, 3\]", make(2, 3), 3, 3),
            E("too_few", RuntimeError, r"the number of sizes provided \(1\) must be greater or equal to the number "
              r"of dimensions in the tensor \(2\)", make(2, 3), 3)]


def _cat_errors(make):
    return [E("sizes", RuntimeError, r"Sizes of tensors must match except in dimension 1. Expected size 2 but got "
              r"size 3 for tensor number 1 in the list.", [make(2, 3), make(3, 2)], 1),
            E("ndim", RuntimeError, r"Tensors must have same number of dimensions: got 2 and 3",
              [make(2, 3), make(2, 3, 1)]),
            E("empty_list", ValueError, r"torch.cat\(\): expected a non-empty list of Tensors", []),
            E("dim", IndexError, _RANGE, [make(2, 3), make(2, 3)], 2),
            E("0d", RuntimeError, r"zero-dimensional tensor \(at position 0\) cannot be concatenated", [make()])]


def _stack_errors(make):
    return [E("shapes", RuntimeError, r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and "
              r"\[3, 3\] at entry 1", [make(2, 3), make(3, 3)]),
            E("empty_list", RuntimeError, r"stack expects a non-empty TensorList", []),
            E("dim", IndexError, r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)",
              [make(2, 3), make(2, 3)], 3)]


def _split_errors(make):
    return [E("zero", RuntimeError, r"split_size can only be 0 if dimension size is 0, but got dimension size of 2",
              make(2, 3), 0),
            E("negative", RuntimeError, r"split expects split_size be non-negative, but got split_size=-1", make(2, 3), -1),
            E("sizes_sum", RuntimeError, r"split_with_sizes expects split_sizes to sum exactly to 2", make(2, 3), [1, 2])]


def _pad_errors(make):
    return [E("odd", RuntimeError, r"Padding length must be divisible by 2", make(2, 3), (1, 2, 3)),
            E("too_long", RuntimeError, r"Padding length should be less than or equal to two times the input "
              r"dimension but got padding length 6 and input of dimension 2", make(2, 3), (1, 1, 1, 1, 1, 1)),
            E("negative_size", RuntimeError, r"narrow\(\): length must be non-negative", make(2, 3), (-3, -1))]


def _pad_nonconstant_errors(mode):
    def gen(make):
        out = [E("dims", NotImplementedError, r"Padding size 2 is not supported for 1D input tensor", make(3), (1, 1),
                 mode=mode),
               E("value", RuntimeError, rf'Padding mode "{mode}" doesn\'t take in value argument', make(1, 2, 3),
                 (1, 1), mode=mode, value=1.0),
               E("mode", NotImplementedError, r"Unrecognised padding mode foo", make(1, 2, 3), (1, 1), mode="foo")]
        if mode == "reflect":
            out.append(E("too_big", RuntimeError, r"Argument #4: Padding size should be less than the corresponding "
                         r"input dimension, but got: padding \(3, 1\) at dimension 2 of input \[1, 2, 3\]",
                         make(1, 2, 3), (3, 1), mode=mode))
        if mode == "circular":
            out.append(E("wrap", RuntimeError, r"Padding value causes wrapping around more than once",
                         make(1, 2, 3), (4, 1), mode=mode))
        if mode in ("reflect", "replicate"):
            out.append(E("empty", RuntimeError, r"Expected 2D or 3D \(batch mode\) tensor with possibly 0 batch size "
                         r"and other non-zero dimensions for input, but got: \[2, 0, 3\]", make(2, 0, 3), (1, 1),
                         mode=mode))
        return out
    return gen


# ---- rows --------------------------------------------------------------------------------------------
_VIEWS = [
    row("reshape", _reshape_op, _reshape_ref,
        lambda make: [S("2d", make(2, 3, 4), (6, 4)), S("infer", make(2, 3, 4), (-1,)),
                      S("0d", make(), (1, 1)), S("to_0d", make(1), ()), S("empty", make(0, 3), (3, 0, 2)),
                      S("noncontig", make(3, 4), (2, 6), transposed=True)], dtypes=FI, error_inputs=_reshape_errors),
    row("view", lambda m, x, *shape, transposed=False: (x.t() if transposed else x).view(*shape),
        lambda x, *shape: x.reshape(shape[0] if isinstance(shape[0], tuple) else shape),
        lambda make: [S("2d", make(2, 3, 4), 4, 6), S("infer", make(2, 3, 4), -1),
                      S("tuple", make(6), (2, 3)), S("0d", make(), 1)], error_inputs=_view_errors),
    row("flatten", lambda m, x, *a: m.flatten(x, *a), _flatten_ref,
        lambda make: [S("all", make(2, 3, 4)), S("from1", make(2, 3, 4), 1), S("mid", make(2, 3, 4, 2), 1, 2),
                      S("0d", make()), S("same_dim", make(2, 3), 1, 1)],
        error_inputs=lambda make: [E("order", RuntimeError, r"start_dim cannot come after end_dim", make(2, 3), 1, 0)]),
    row("unflatten", lambda m, x, d, sizes: m.unflatten(x, d, sizes), _unflatten_ref,
        lambda make: [S("mid", make(2, 6), 1, (2, 3)), S("infer_neg", make(2, 6), -1, (3, -1)),
                      S("ones", make(4), 0, (1, 4, 1)), S("empty", make(0, 4), 1, (2, 2))], dtypes=FI,
        error_inputs=lambda make: [
            E("product", RuntimeError, r"unflatten: Provided sizes \[2, 2\] don't multiply up to the size of dim 1 "
              r"\(3\) in the input tensor", make(2, 3), 1, (2, 2)),
            E("no_sizes", RuntimeError, r"unflatten: sizes must be non-empty", make(2, 3), 1, ()),
            E("dim", IndexError, _RANGE, make(2, 3), 2, (3, 1))]),
    row("squeeze", lambda m, x, *a: m.squeeze(x, *a), _squeeze_ref,
        lambda make: [S("all", make(1, 3, 1, 2)), S("dim0", make(1, 3, 1, 2), 0),
                      S("dim_not1", make(1, 3, 1, 2), 1), S("dims", make(1, 3, 1, 2), (0, 2)),
                      S("neg", make(2, 1), -1), S("0d", make())],
        error_inputs=lambda make: [E("dim", IndexError, _RANGE, make(2, 3), 2)]),
    row("unsqueeze", lambda m, x, d: m.unsqueeze(x, d), np.expand_dims,
        lambda make: [S("0", make(2, 3), 0), S("-1", make(2, 3), -1), S("mid", make(2, 3), 1), S("0d", make(), 0)],
        error_inputs=lambda make: [E("dim", IndexError, r"expected to be in range of \[-3, 2\], but got 3", make(2, 3), 3)]),
    row("transpose", lambda m, x, a, b: m.transpose(x, a, b), np.swapaxes,
        lambda make: [S("02", make(2, 3, 4), 0, 2), S("neg", make(2, 3, 4), -1, -2), S("same", make(2, 3), 1, 1)],
        dtypes=FI, error_inputs=lambda make: [E("dim", IndexError, _RANGE, make(2, 3), 0, 2)]),
    row("swapaxes", lambda m, x, a, b: x.swapaxes(a, b), lambda x, a, b: np.swapaxes(x, a, b) if x.ndim else x,
        lambda make: [S("02", make(2, 3, 4), 0, 2), S("0d", make(), 0, -1)], api=("swapaxes", "swapdims")),
    row("t", lambda m, x: m.t(x), lambda x: x.T, lambda make: [S("2d", make(2, 3)), S("1d", make(3)), S("0d", make())],
        error_inputs=lambda make: [E("3d", RuntimeError, r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D",
                                     make(2, 2, 2))]),
    row("permute", lambda m, x, *d: x.permute(*d), lambda x, *d: np.transpose(x, d[0] if len(d) == 1 else d),
        lambda make: [S("201", make(2, 3, 4), 2, 0, 1), S("tuple", make(2, 3, 4), (1, 2, 0)),
                      S("neg", make(2, 3), -1, 0), S("0d", make(), ())],
        error_inputs=lambda make: [E("dup", RuntimeError, r"permute\(\): duplicate dims are not allowed", make(2, 3), 0, 0),
                                   E("count", RuntimeError, r"number of dimensions in the tensor input does not match "
                                     r"the length of the desired ordering of dimensions", make(2, 3), 0)]),
    row("movedim", lambda m, x, s, d: m.movedim(x, s, d), _movedim_ref,
        lambda make: [S("int", make(2, 3, 4), 0, 2), S("neg", make(2, 3, 4), -1, 0),
                      S("tuples", make(2, 3, 4), (0, 1), (2, 0)), S("same", make(2, 3), 1, 1)],
        error_inputs=lambda make: [
            E("repeated", RuntimeError, r"movedim: repeated dim in `source` \(\[0, 0\]\)", make(2, 3), (0, 0), (0, 1)),
            E("lengths", RuntimeError, r"movedim: Invalid source or destination dims: source \(\[0, 1\] dims\) should "
              r"contain the same number of dims as destination \(\[0\] dims\)", make(2, 3), (0, 1), (0,)),
            E("dim", IndexError, _RANGE, make(2, 3), 2, 0)]),
    row("moveaxis", lambda m, x, s, d: x.moveaxis(s, d), _movedim_ref,
        lambda make: [S("int", make(2, 3, 4), 2, 0), S("tuples", make(2, 3, 4), (0, 2), (1, 0))]),
    row("expand", lambda m, x, *sizes: x.expand(*sizes), _expand_ref,
        lambda make: [S("new_dims", make(3, 1), 2, 3, 4), S("minus1", make(3, 1), -1, 5), S("1d", make(1), 3),
                      S("0d", make(), 2, 3), S("tuple", make(2, 1), (2, 3)), S("empty", make(1, 3), 0, 3)],
        dtypes=FI, error_inputs=_expand_errors),
    row("expand_as", lambda m, x, y: x.expand_as(y), lambda x, y: np.broadcast_to(x, y.shape),
        lambda make: [S("2d", make(3, 1), make(2, 3, 4)), S("0d", make(), make(2))]),
    row("broadcast_to", lambda m, x, shape: m.broadcast_to(x, shape), lambda x, shape: _expand_ref(x, *shape),
        lambda make: [S("2d", make(3, 1), (2, 3, 4)), S("minus1", make(2, 1), (-1, 3)), S("0d", make(), (2, 3)),
                      S("same", make(2, 3), (2, 3))], dtypes=FI,
        error_inputs=lambda make: [E("incompatible", RuntimeError, r"The expanded size of the tensor \(2\) must match "
                                     r"the existing size \(3\) at non-singleton dimension 1", make(2, 3), (3, 2))]),
    row("broadcast_tensors", lambda m, *ts: m.broadcast_tensors(*ts), lambda *ts: np.broadcast_arrays(*ts),
        lambda make: [S("pair", make(3, 1), make(1, 4)), S("three", make(), make(2, 3), make(3)),
                      S("same", make(2, 3), make(2, 3)), S("single", make(2)), S("empty", make(0, 1), make(3))],
        kind="binary", from_shapes=lambda make, a, b: S(f"{a}&{b}", make(*a), make(*b)),
        error_inputs=lambda make: [E("mismatch", RuntimeError, r"The size of tensor a \(2\) must match the size of "
                                     r"tensor b \(3\) at non-singleton dimension 0", make(2, 3), make(3, 3))]),
    row("narrow", lambda m, x, d, s, n: m.narrow(x, d, s, n), _narrow_ref,
        lambda make: [S("d0", make(4, 3), 0, 1, 2), S("neg_start", make(3, 5), -1, -3, 2), S("empty", make(4), 0, 2, 0),
                      S("tensor_start", make(4, 3), 0, np.array(1), 2)],
        error_inputs=lambda make: [E("length", RuntimeError, r"start \(1\) \+ length \(3\) exceeds dimension size \(2\)",
                                     make(2, 3), 0, 1, 3),
                                   E("start", IndexError, r"start out of range \(expected to be in range of \[-4, 4\], "
                                     r"but got -5\)", make(4, 3), 0, -5, 1)]),
    row("select", lambda m, x, d, i: m.select(x, d, i), lambda x, d, i: np.take(x, i, axis=d),
        lambda make: [S("d1", make(2, 3, 4), 1, -1), S("d0", make(3), 0, 2)],
        error_inputs=lambda make: [E("index", IndexError, r"select\(\): index 5 out of range for tensor of size \[2, 3\] "
                                     r"at dimension 0", make(2, 3), 0, 5),
                                   E("dim", IndexError, _RANGE, make(2, 3), 2, 0)]),
    row("unbind", lambda m, x, *a, **kw: m.unbind(x, *a, **kw), lambda x, dim=0: [np.take(x, i, dim) for i in range(x.shape[dim])],
        lambda make: [S("d0", make(3, 2)), S("d1", make(2, 3, 2), dim=1), S("neg", make(2, 3), dim=-1)],
        error_inputs=lambda make: [E("0d", IndexError, r"Dimension specified as 0 but tensor has no dimensions", make())]),
    row("diagonal", lambda m, x, *a: m.diagonal(x, *a), lambda x, *a: np.diagonal(x, *a),
        lambda make: [S("main", make(3, 4)), S("off1", make(3, 4), 1), S("off-1", make(3, 4), -1),
                      S("3d", make(2, 3, 4), 0, 1, 2), S("3d_neg", make(2, 3, 3), 1, -1, 0)]),
    row("unfold", lambda m, x, d, size, step: x.unfold(d, size, step), _unfold_ref,
        lambda make: [S("overlap", make(7), 0, 3, 2), S("disjoint", make(2, 6), 1, 2, 2),
                      S("step1", make(5, 2), 0, 2, 1)]),
    row("meshgrid", lambda m, *ts, **kw: m.meshgrid(*ts, **kw), _meshgrid_ref,
        lambda make: [S("ij", make(2), make(3), indexing="ij"), S("xy", make(2), make(3), make(4), indexing="xy"),
                      S("list", [make(3), make(2)], indexing="ij"), S("0d", make(), make(2), indexing="xy"),
                      S("single", make(3), indexing="xy"), S("default", make(2), make(3))],
        error_inputs=lambda make: [
            E("2d", RuntimeError, r"torch.meshgrid: Expected 0D or 1D tensor in the tensor list", make(2, 3), make(2),
              indexing="ij"),
            E("indexing", RuntimeError, r'torch.meshgrid: indexing must be one of "xy" or "ij", but received: foo',
              make(2), indexing="foo"),
            E("empty", RuntimeError, r"meshgrid expects a non-empty TensorList", [], indexing="ij")]),
]

_SPLITS = [
    row("split", lambda m, x, s, *a: m.split(x, s, *a), _split_ref,
        lambda make: [S("even", make(4, 3), 2), S("uneven", make(5, 3), 2), S("sizes", make(2, 6), [1, 2, 3], 1),
                      S("whole", make(3), 5), S("neg_dim", make(2, 5), 3, -1)], error_inputs=_split_errors),
    row("chunk", lambda m, x, c, *a: m.chunk(x, c, *a), _chunk_ref,
        lambda make: [S("even", make(4, 3), 2), S("uneven", make(2, 7), 3, 1), S("more_than_size", make(2), 4)],
        error_inputs=lambda make: [E("zero", RuntimeError, r"chunk expects `chunks` to be greater than 0, got: 0",
                                     make(2, 3), 0)]),
    row("tensor_split", lambda m, x, *a, **kw: m.tensor_split(x, *a, **kw), _tensor_split_ref,
        lambda make: [S("sections", make(7, 2), 3), S("sections_dim", make(2, 5), 2, 1),
                      S("indices", make(2, 5), [1, 4], -1), S("indices_beyond", make(4), [1, 6]),
                      S("indices_unsorted", make(5), [3, 1]), S("tensor_indices", make(5, 2), _idx(1, 3)),
                      S("tensor_sections", make(5), np.array(2)), S("kw_sections", make(3, 2), sections=2, dim=1),
                      S("kw_indices", make(4), indices=[2])], dtypes=FI,
        error_inputs=lambda make: [
            E("zero", RuntimeError, r"number of sections must be larger than 0, got 0", make(2, 3), 0),
            E("0d", RuntimeError, r"tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims",
              make(), 2),
            E("2d_tensor", RuntimeError, r"tensor_split expected tensor_indices_or_sections to be a zero-dimensional "
              r"or one-dimensional tensor, but got a tensor with 2 dims", make(3), _idx([1])),
            E("float_tensor", RuntimeError, r"tensor_split expected tensor_indices_or_sections to have dtype of long, "
              r"but got Float", make(3), make(1))]),
    row("cat", lambda m, ts, *a: m.cat(ts, *a), lambda ts, dim=0: np.concatenate([t for t in ts if t.shape != (0,)] or ts, dim),
        lambda make: [S("d0", [make(2, 3), make(1, 3)]), S("d1", [make(2, 3), make(2, 2)], 1),
                      S("three_neg", [make(2, 1), make(2, 3), make(2, 2)], -1), S("single", [make(3)]),
                      S("legacy_empty", [make(2, 3), make(0)]), S("empty_part", [make(0, 2), make(3, 2)])],
        api=("cat", "concat", "concatenate"), dtypes=FI, error_inputs=_cat_errors),
    row("stack", lambda m, ts, *a: m.stack(ts, *a), lambda ts, dim=0: np.stack(ts, dim),
        lambda make: [S("d0", [make(2, 3), make(2, 3)]), S("last", [make(2, 3), make(2, 3), make(2, 3)], -1),
                      S("0d", [make(), make()])], dtypes=FI, error_inputs=_stack_errors),
    row("hstack", lambda m, ts: m.hstack(ts), _hstack_ref,
        lambda make: [S("1d", [make(2), make(3)]), S("2d", [make(2, 1), make(2, 3)]), S("0d", [make(), make()])],
        error_inputs=lambda make: [
            E("empty", RuntimeError, r"hstack expects a non-empty TensorList", []),
            E("sizes", RuntimeError, r"Sizes of tensors must match except in dimension 1. Expected size 2 but got "
              r"size 3 for tensor number 1 in the list", [make(2, 3), make(3, 3)])]),
    row("vstack", lambda m, ts: m.vstack(ts), lambda ts: np.vstack(ts),
        lambda make: [S("1d", [make(3), make(3)]), S("2d", [make(2, 3), make(1, 3)]), S("0d", [make(), make()]),
                      S("mixed", [make(3), make(2, 3)])], api=("vstack", "row_stack"),
        error_inputs=lambda make: [E("empty", RuntimeError, r"vstack expects a non-empty TensorList", [])]),
    row("dstack", lambda m, ts: m.dstack(ts), lambda ts: np.dstack(ts),
        lambda make: [S("1d", [make(3), make(3)]), S("2d", [make(2, 3), make(2, 3)]),
                      S("3d", [make(2, 3, 1), make(2, 3, 2)]), S("0d", [make(), make()])],
        error_inputs=lambda make: [E("empty", RuntimeError, r"dstack expects a non-empty TensorList", [])]),
    row("column_stack", lambda m, ts: m.column_stack(ts), _column_stack_ref,
        lambda make: [S("1d", [make(3), make(3)]), S("mixed", [make(3), make(3, 2)]), S("0d", [make(), make()])],
        error_inputs=lambda make: [E("empty", RuntimeError, r"column_stack expects a non-empty TensorList", [])]),
]

_COPIES = [
    row("clone", lambda m, x: m.clone(x), np.copy, lambda make: [S("2d", make(2, 3)), S("0d", make())]),
    row("repeat", lambda m, x, *reps: x.repeat(*reps), _repeat_ref,
        lambda make: [S("2d", make(2, 3), 2, 1), S("new_dims", make(2, 3), 2, 1, 2), S("tuple", make(3), (2, 2)),
                      S("0d", make(), 3), S("zero", make(2, 3), 2, 0), S("ones", make(2, 2), 1, 1)], dtypes=FI,
        error_inputs=lambda make: [
            E("too_few", RuntimeError, r"Number of dimensions of repeat dims can not be smaller than number of "
              r"dimensions of tensor", make(2, 3), 2),
            E("negative", RuntimeError, r"Trying to create tensor with negative dimension -3: \[4, -3\]", make(2, 3),
              2, -1)]),
    row("tile", lambda m, x, dims: m.tile(x, dims), _tile_ref,
        lambda make: [S("2d", make(2, 3), (2, 2)), S("fewer", make(2, 3), (2,)), S("more", make(3), (2, 1, 2)),
                      S("0d", make(), (3,)), S("empty_dims", make(2), ())], dtypes=FI),
    row("repeat_interleave", lambda m, x, r, *a, **kw: m.repeat_interleave(x, r, *a, **kw), _repeat_interleave_ref,
        lambda make: [S("dim1", make(2, 3), 2, dim=1), S("flat", make(2, 3), 2), S("neg_dim", make(2, 3), 3, -2),
                      S("output_size", make(2, 3), 2, dim=1, output_size=6), S("zero", make(2, 3), 0, 1),
                      S("0d", make(), 3)], dtypes=FI,
        error_inputs=lambda make: [
            E("negative", RuntimeError, r"Repeats must be non-negative", make(2, 3), -1),
            E("output_size", RuntimeError, r"repeat_interleave: Invalid output_size, expected 6 but got 5", make(2, 3),
              2, dim=1, output_size=5)]),
    row("repeat_interleave_tensor", lambda m, x, r, *a, **kw: x.repeat_interleave(r, *a, **kw), _repeat_interleave_ref,
        lambda make: [S("dim1", make(2, 3), _idx(1, 0, 2), dim=1), S("flat", make(2, 2), _idx(2, 1, 0, 1)),
                      S("broadcast", make(2, 3), _idx(2), dim=0), S("0d_repeats", make(2, 3), np.array(2), dim=-1),
                      S("output_size", make(3), _idx(1, 2, 3), dim=0, output_size=6)],
        api=("repeat_interleave",), dtypes=FI,
        error_inputs=lambda make: [
            E("size", RuntimeError, r"repeats must have the same size as input along dim, but got repeats.size\(0\) = 2 "
              r"and input.size\(1\) = 3", make(2, 3), _idx(1, 2), dim=1),
            E("negative", RuntimeError, r"repeats can not be negative", make(2, 3), _idx(-1, 2, 1), dim=1),
            E("float", NotImplementedError, r"not implemented for 'Float'", make(2, 3), make(3), dim=1)]),
    row("repeat_interleave_counts", lambda m, r: m.repeat_interleave(r), lambda r: np.repeat(np.arange(len(r)), r),
        lambda make: [S("counts", _idx(1, 0, 3, 2)), S("empty", _idx())], api=("repeat_interleave",),
        dtypes=("int64",), supports_grad=False,
        error_inputs=lambda make: [E("2d", RuntimeError, r"repeat_interleave only accept 1D vector as repeat",
                                     _idx([1, 2]))]),
    row("flip", lambda m, x, *dims: x.flip(*dims), _flip_ref,
        lambda make: [S("d0", make(2, 3), 0), S("both", make(2, 3, 2), (0, 2)), S("neg", make(2, 3), -1),
                      S("none", make(2, 3), ()), S("0d", make(), 0), S("empty", make(0, 2), 0)], dtypes=FI,
        error_inputs=lambda make: [E("dim", IndexError, _RANGE, make(2, 3), 2),
                                   E("repeated", RuntimeError, r"dim 0 appears multiple times in the list of dims",
                                     make(2, 3), 0, 0)]),
    row("fliplr", lambda m, x: m.fliplr(x), np.fliplr, lambda make: [S("2d", make(2, 3)), S("3d", make(2, 3, 2))],
        error_inputs=lambda make: [E("1d", RuntimeError, r"Input must be >= 2-d", make(3))]),
    row("flipud", lambda m, x: m.flipud(x), np.flipud, lambda make: [S("1d", make(3)), S("2d", make(2, 3))],
        error_inputs=lambda make: [E("0d", RuntimeError, r"Input must be >= 1-d", make())]),
    row("roll", lambda m, x, *a, **kw: m.roll(x, *a, **kw), _roll_ref,
        lambda make: [S("dim", make(4, 3), 1, 0), S("flat", make(2, 3), 2), S("neg", make(4, 3), -1, -1),
                      S("tuples", make(2, 3, 2), (1, -2), (0, 2)), S("big_shift", make(3), 7, 0),
                      S("0d", make(), 1), S("empty", make(0, 2), 1), S("kw", make(3, 2), shifts=1, dims=0)], dtypes=FI,
        error_inputs=lambda make: [
            E("align", RuntimeError, r"shifts and dimensions must align. shifts: 1, dims:2", make(2, 3), 1, (0, 1)),
            E("dim", IndexError, _RANGE, make(2, 3), 1, 2),
            E("0d_dim", IndexError, r"Dimension specified as 0 but tensor has no dimensions", make(), 1, 0)]),
    row("rot90", lambda m, x, *a, **kw: m.rot90(x, *a, **kw), _rot90_ref,
        lambda make: [S("default", make(2, 3)), S("k2", make(2, 3), 2), S("k-1", make(2, 3), -1),
                      S("k0", make(2, 3), 0), S("k5_swapped", make(2, 3), 5, (1, 0)), S("3d", make(2, 3, 2), 1, (0, -1)),
                      S("kw", make(2, 3, 2), k=3, dims=(2, 1))], dtypes=FI,
        error_inputs=lambda make: [
            E("same", RuntimeError, r"expected rotation dims to be different, but got dim0 = 0 and dim1 = 0",
              make(2, 3), 1, (0, 0)),
            E("count", RuntimeError, r"expected total rotation dims == 2, but got dims = 1", make(2, 3), 1, (0,)),
            E("1d", RuntimeError, r"expected total dims >= 2, but got total dims = 1", make(3)),
            E("dim", IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)",
              make(2, 3), 1, (0, 3))]),
]


def _tri_row(name, fn):
    def op(m, *a, dtype=None):
        return getattr(m, name)(*a, **({"dtype": getattr(m, dtype)} if dtype else {}))
    return row(name, op, _tri_indices_ref(fn),
               lambda make: [S("square", 3, 3), S("wide_offset", 3, 4, 1), S("tall_neg", 4, 2, -1), S("empty", 0, 3),
                             S("int32", 3, 3, dtype="int32")], dtypes=("int64",), supports_grad=False,
               error_inputs=lambda make: [E("row", RuntimeError, r"row must be non-negative, got-1", -1, 3),
                                          E("col", RuntimeError, r"col must be non-negative, got-1", 3, -1)])


_PADS = [
    row("pad_constant", _pad_op, _pad_ref,
        lambda make: [S("last", make(2, 3), (1, 2)), S("two_dims", make(2, 3, 2), (1, 0, 2, 1), value=1.5),
                      S("negative", make(2, 4), (-1, 2, 0, -1)), S("all_dims", make(2, 2), (1, 1, 1, 1)),
                      S("0d", make(), ()), S("empty", make(0, 2), (1, 1)), S("int_value", make(2, 2), (1, 1), value=2.7)],
        api=("nn.functional.pad",), dtypes=FI, error_inputs=_pad_errors),
    row("pad_reflect", _pad_op, _pad_ref,
        lambda make: [S("1d", make(2, 4), (1, 2), mode="reflect"), S("1d_batch", make(2, 2, 4), (3, 1), mode="reflect"),
                      S("2d", make(1, 3, 3), (1, 2, 2, 1), mode="reflect"),
                      S("2d_batch", make(2, 1, 3, 4), (2, 0, 1, 1), mode="reflect"),
                      S("3d", make(1, 2, 3, 3), (1, 1, 0, 2, 1, 0), mode="reflect"),
                      S("negative", make(1, 5), (-1, 2), mode="reflect")],
        api=("nn.functional.pad",), error_inputs=_pad_nonconstant_errors("reflect")),
    row("pad_replicate", _pad_op, _pad_ref,
        lambda make: [S("1d", make(2, 3), (2, 1), mode="replicate"), S("2d", make(1, 2, 3), (1, 2, 2, 0), mode="replicate"),
                      S("3d", make(1, 1, 2, 2, 3), (1, 1, 1, 0, 0, 2), mode="replicate"),
                      S("negative", make(1, 4), (-1, 2), mode="replicate"),
                      S("value0", make(2, 3), (1, 1), mode="replicate", value=0.0)],
        api=("nn.functional.pad",), dtypes=FI, error_inputs=_pad_nonconstant_errors("replicate")),
    row("pad_circular", _pad_op, _pad_ref,
        lambda make: [S("1d", make(2, 4), (1, 3), mode="circular"), S("2d", make(1, 3, 3), (1, 2, 2, 1), mode="circular"),
                      S("3d", make(1, 2, 2, 3), (1, 1, 1, 0, 0, 2), mode="circular"),
                      S("crop", make(1, 5), (-1, -2), mode="circular")],
        api=("nn.functional.pad",), error_inputs=_pad_nonconstant_errors("circular")),
]

ROWS = _VIEWS + _SPLITS + _COPIES + [_tri_row("tril_indices", np.tril_indices), _tri_row("triu_indices", np.triu_indices)] + _PADS
