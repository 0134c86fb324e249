"""OpInfo rows: gather, scatter, index_* and masked_* ops, take, put, take_along_dim."""
import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row


def _idx(*v):
    return np.array(v, dtype=np.int64)


def _i0(v):
    """A 0-dim index."""
    return np.array(v, dtype=np.int64)


# ---- NumPy references ----------------------------------------------------------------------------
def _1d(a):
    return a.reshape(1) if a.ndim == 0 else a


def _coords(index, dim):
    """Index arrays naming, for each element of `index`, its own position with `dim` replaced by its value."""
    nd = index.ndim
    return tuple(index if d == dim else np.arange(n).reshape([-1 if e == d else 1 for e in range(nd)])
                 for d, n in enumerate(index.shape))


def _dim(x, dim):
    return dim % max(x.ndim, 1)


def _gather_ref(x, dim, index, sparse_grad=False):
    return _1d(x)[_coords(_1d(index), _dim(x, dim))].reshape(index.shape)


def _src_part(src, index):
    return _1d(src)[tuple(slice(0, n) for n in _1d(index).shape)]


def _scatter_ref(x, dim, index, src=None, value=None, reduce=None):
    out = _1d(x).copy()
    c = _coords(_1d(index), _dim(x, dim))
    v = _src_part(src, index) if isinstance(src, np.ndarray) else (value if src is None else src)
    if reduce is None:
        out[c] = v
    else:
        (np.add if reduce == "add" else np.multiply).at(out, c, v)
    return out.reshape(x.shape)


def _legacy_ref(x, dim, index, src, reduce):
    return _scatter_ref(x, dim, index, src, reduce=reduce)


def _scatter_add_ref(x, dim, index, src):
    out = _1d(x).copy()
    np.add.at(out, _coords(_1d(index), _dim(x, dim)), _src_part(src, index))
    return out.reshape(x.shape)


_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _scatter_reduce_ref(x, dim, index, src, reduce, include_self=True):
    out = _1d(x).copy()
    c = _coords(_1d(index), _dim(x, dim))
    if not include_self:
        big = np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).max
        out[c] = {"sum": 0, "mean": 0, "prod": 1, "amax": -big, "amin": big}[reduce]
    _UFUNC[reduce].at(out, c, _src_part(src, index))
    if reduce == "mean":
        n = np.ones(out.shape, np.int64) if include_self else np.zeros(out.shape, np.int64)
        np.add.at(n, c, 1)
        n = np.maximum(n, 1)
        out = out / n if x.dtype.kind == "f" else np.floor_divide(out, n)
    return out.reshape(x.shape).astype(x.dtype)


def _along(x, dim, index):
    return (slice(None),) * _dim(x, dim) + (index.reshape(-1),)


def _index_select_ref(x, dim, index):
    return x.copy() if x.ndim == 0 else np.take(x, index.reshape(-1), axis=_dim(x, dim))


def _index_add_ref(x, dim, index, source, alpha=1):
    out = _1d(x).copy()
    np.add.at(out, _along(x, dim, index), _1d(source) * alpha)
    return out.reshape(x.shape)


def _index_copy_ref(x, dim, index, source):
    out = _1d(x).copy()
    out[_along(x, dim, index)] = source
    return out.reshape(x.shape)


def _index_fill_ref(x, dim, index, value):
    out = _1d(x).copy()
    out[_along(x, dim, index)] = value
    return out.reshape(x.shape)


def _masked_fill_ref(x, mask, value):
    return np.asarray(np.where(mask, value, x)).astype(x.dtype)


def _masked_scatter_ref(x, mask, source):
    xb, mb = np.broadcast_arrays(x, mask)
    out = xb.copy()
    out[mb] = source.reshape(-1)[:mb.sum()]
    return out


def _masked_select_ref(x, mask):
    xb, mb = np.broadcast_arrays(x, mask)
    return xb[mb]


def _take_ref(x, index):
    return x.reshape(-1)[index]


def _put_ref(x, index, source, accumulate=False):
    out = x.copy().reshape(-1)
    if accumulate:
        np.add.at(out, index.reshape(-1), source.reshape(-1))
    else:
        out[index.reshape(-1)] = source.reshape(-1)
    return out.reshape(x.shape)


def _take_along_dim_ref(x, indices, dim=None):
    if dim is None:
        return np.take_along_axis(x.reshape(-1), indices.reshape(-1), 0)
    return np.take_along_axis(x, indices, dim)


# ---- ops as the rows call them ---------------------------------------------------------------------
def _legacy_scatter(m, x, dim, index, src, reduce, backward=False):
    """scatter's legacy `reduce`: PyTorch records it with a NotImplemented node, whose backward raises."""
    if backward:
        m.scatter(x, dim, index, src, reduce=reduce).sum().backward()
    src = src.detach() if hasattr(src, "detach") else src
    return m.scatter(x.detach(), dim, index, src, reduce=reduce)


_INPLACE_REF = {"scatter_": _scatter_ref, "scatter_add_": _scatter_add_ref, "scatter_reduce_": _scatter_reduce_ref,
                "index_add_": _index_add_ref, "index_copy_": _index_copy_ref, "index_fill_": _index_fill_ref,
                "masked_fill_": _masked_fill_ref, "masked_scatter_": _masked_scatter_ref, "put_": _put_ref}


def _inplace(m, name, x, *args, **kw):
    return getattr(x.clone(), name)(*args, **kw)


def _inplace_ref(name, x, *args, **kw):
    return _INPLACE_REF[name](x, *args, **kw)


# ---- samples -------------------------------------------------------------------------------------
_I24 = _idx([0, 1, 2, 0], [2, 0, 1, 1])          # distinct positions per column of a 3x4 self, dim 0
_I24_DUP = _idx([0, 1, 2, 0], [0, 1, 0, 0])      # repeats: where reductions meet


def _gather_samples(make):
    return [S("dim0", make(3, 4), 0, _I24), S("dim1_smaller", make(3, 4), 1, _idx([0], [3])),
            S("dim1_longer", make(3, 4), 1, _idx([0, 1, 1, 3, 2, 0], [3, 3, 0, 1, 2, 2], [1, 0, 0, 0, 0, 0])),
            S("neg_dim", make(2, 3, 4), -1, _idx([[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 1], [2, 2]])),
            S("0d", make(), 0, _i0(0)),
            S("empty", make(3, 4), 0, np.zeros((0, 4), np.int64))]


def _gather_errors(make):
    return [E("out_of_bounds", RuntimeError, r"index 3 is out of bounds for dimension 0 with size 3",
              make(3, 4), 0, _I24 + 3),
            E("negative", RuntimeError, r"index -1 is out of bounds for dimension 0 with size 3", make(3, 4), 0, _I24 - 1),
            E("wrong_rank", RuntimeError, r"Index tensor must have the same number of dimensions as input tensor",
              make(3, 4), 0, _idx(0, 1)),
            E("float_index", RuntimeError, r"gather\(\): Expected dtype int32/int64 for index", make(3, 4), 0,
              _I24.astype(np.float32)),
            E("index_too_big", RuntimeError, r"Size does not match at dimension 0 expected index \[4, 1\] to be no "
              r"larger than self \[3, 4\] apart from dimension 1", make(3, 4), 1, np.zeros((4, 1), np.int64)),
            E("bad_dim", IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
              make(3, 4), 2, _I24)]


def _scatter_samples(make):
    return [S("dim0", make(3, 4), 0, _I24, make(2, 4)), S("dim1_smaller", make(3, 4), 1, _idx([3, 0], [1, 2]), make(2, 2)),
            S("neg_dim", make(2, 3), -1, _idx([2, 0], [1, 0]), make(2, 2)),
            S("value", make(3, 4), 0, _I24, 2.5), S("value_int", make(3, 4), 1, _idx([3], [0]), 2),
            S("value_kw", make(3, 4), 0, _I24, value=-1.5), S("src_kw", make(3, 4), 0, _I24, src=make(2, 4)),
            S("0d", make(), 0, _i0(0), make()), S("empty", make(3, 4), 0, np.zeros((0, 4), np.int64), make(0, 4))]


def _scatter_errors(make):
    return [E("wrong_rank", RuntimeError, r"Index tensor must have the same number of dimensions as self tensor",
              make(3, 4), 0, _idx(0, 1), make(2, 4)),
            E("out_of_bounds", RuntimeError, r"index 3 is out of bounds for dimension 0 with size 3", make(3, 4), 0,
              _I24 + 3, make(2, 4)),
            E("float_index", RuntimeError, r"scatter\(\): Expected dtype int32/int64 for index", make(3, 4), 0,
              _I24.astype(np.float64), make(2, 4)),
            E("dtype_mismatch", RuntimeError, r"scatter\(\): Expected self.dtype to be equal to src.dtype",
              make(3, 4), 0, _I24, make(2, 4).astype(np.float64)),
            E("index_too_big", RuntimeError, r"Expected index \[4, 4\] to be no larger than self \[3, 4\] apart from "
              r"dimension 0 and to be no larger size than src \[2, 4\]", make(3, 4), 0, np.zeros((4, 4), np.int64),
              make(2, 4))]


def _legacy_samples(make):
    return [S("add", make(3, 4), 0, _I24_DUP, make(2, 4), "add"),
            S("multiply", make(3, 4), 0, _I24_DUP, make(2, 4), "multiply"),
            S("value_multiply", make(3, 4), 1, _idx([3], [0]), 2.0, "multiply")]


def _legacy_errors(make):
    return [E("bad_reduce", RuntimeError, r"reduce argument must be either add or multiply", make(3, 4), 0, _I24,
              make(2, 4), "max"),
            E("backward", RuntimeError, r"derivative for aten::scatter is not implemented", make(3, 4), 0, _I24,
              make(2, 4), "add", backward=True)]


def _scatter_add_samples(make):
    return [S("dim0_repeats", make(3, 4), 0, _I24_DUP, make(2, 4)),
            S("dim1_smaller", make(3, 4), 1, _idx([3, 3], [1, 2]), make(2, 2)),
            S("neg_dim", make(2, 3), -1, _idx([2, 0, 2], [1, 1, 1]), make(2, 3)),
            S("0d", make(), 0, _i0(0), make()), S("empty", make(3, 4), 0, np.zeros((0, 4), np.int64), make(0, 4))]


def _src_bigger(m, name, x, dim, index, src, *args, backward=False, **kw):
    """src larger than index: PyTorch's backward refuses the index-shaped gradient of src."""
    out = getattr(m, name)(x, dim, index, src, *args, **kw)
    if backward:
        out.sum().backward()
    return out


def _src_bigger_ref(name, x, dim, index, src, *args, **kw):
    return {"scatter": _scatter_ref, "scatter_add": _scatter_add_ref, "scatter_reduce": _scatter_reduce_ref}[name](
        x, dim, index, src, *args, **kw)


def _src_bigger_samples(make):
    index = _idx([3, 0], [1, 2])
    return [S("scatter", "scatter", make(3, 4), 1, index, make(3, 5)),
            S("scatter_add", "scatter_add", make(3, 4), 1, index, make(2, 3)),
            S("scatter_reduce", "scatter_reduce", make(3, 4), 1, index, make(3, 3), "amax", include_self=False)]


def _src_bigger_errors(make):
    index = _idx([3, 0], [1, 2])
    return [E(f"{name}_backward", RuntimeError, rf"Function {node} returned an invalid gradient at index 1 - got "
              rf"\[2, 2\] but expected shape compatible with \[3, 5\]", name, make(3, 4), 1, index, make(3, 5), *a,
              backward=True)
            for name, node, a in (("scatter", "ScatterBackward0", ()), ("scatter_add", "ScatterAddBackward0", ()),
                                  ("scatter_reduce", "ScatterReduceBackward0", ("sum",)))]


def _scatter_reduce_samples(make):
    out = []
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        out.append(S(reduce, make(3, 4), 0, _I24_DUP, make(2, 4), reduce))
        out.append(S(reduce + "_exclude_self", make(3, 4), 1, _idx([3, 3], [1, 2]), make(2, 2), reduce,
                     include_self=False))
    x, src = make(3, 4), make(2, 4)
    src[1] = src[0]
    x[0, 0] = src[0, 0]
    for reduce in ("amax", "amin"):  # ties (src with src, self with src) share the gradient evenly
        out.append(S(reduce + "_ties", x, 0, _idx([0, 1, 2, 0], [0, 1, 2, 0]), src, reduce, gradcheck=False))
    x, src = make(3, 4), make(2, 4)
    x[1, 1] = 0
    src[0, 0] = 0
    out.append(S("prod_zeros", x, 0, _I24_DUP, src, "prod"))
    out.append(S("0d", make(), 0, _i0(0), make(), "mean"))
    return out


def _scatter_reduce_errors(make):
    return [E("bad_reduce", RuntimeError, r"reduce argument must be either sum, prod, mean, amax or amin, got foo",
              make(3, 4), 0, _I24, make(2, 4), "foo"),
            E("float_index", RuntimeError, r"scatter\(\): Expected dtype int32/int64 for index", make(3, 4), 0,
              _I24.astype(np.float64), make(2, 4), "sum")]


def _index_select_samples(make):
    return [S("dim0", make(3, 4), 0, _idx(0, 2, 2)), S("dim-1", make(3, 4), -1, _idx(3, 0)),
            S("0d_index", make(3, 4), 1, _i0(2)), S("empty", make(3, 4), 1, _idx()),
            S("3d", make(2, 3, 4), 1, _idx(2, 0, 1, 1)), S("0d", make(), 0, _i0(0))]


def _index_select_errors(make):
    return [E("out_of_bounds", IndexError, r"index out of range in self", make(3, 4), 0, _idx(0, 5)),
            E("negative", IndexError, r"index out of range in self", make(4), 0, _idx(-1)),
            E("float_index", RuntimeError, r"index_select\(\): Expected dtype int32 or int64 for index", make(3, 4), 0,
              np.array([0.0, 1.0], np.float32)),
            E("index_2d", IndexError, r"index_select\(\): Index is supposed to be a vector", make(3, 4), 0,
              _idx([0, 1])),
            E("bad_dim", IndexError, r"Dimension out of range", make(3, 4), 2, _idx(0))]


def _index_add_samples(make):
    return [S("dim0_repeats", make(3, 4), 0, _idx(0, 2, 0), make(3, 4)),
            S("alpha", make(3, 4), 1, _idx(3, 0), make(3, 2), alpha=2),
            S("neg_dim", make(2, 3, 2), -2, _idx(1), make(2, 1, 2)), S("0d", make(), 0, _idx(0), make()),
            S("empty", make(3, 4), 0, _idx(), make(0, 4))]


def _index_add_errors(make):
    return [E("out_of_bounds", RuntimeError, r"index 5 is out of bounds for dimension 0 with size 3", make(3, 4), 0,
              _idx(0, 5), make(2, 4)),
            E("float_index", RuntimeError, r"index_add_\(\): Expected dtype int32/int64 for index but got: Float",
              make(3, 4), 0, np.array([0.0, 1.0], np.float32), make(2, 4)),
            E("dtype_mismatch", RuntimeError, r"index_add_\(\): self \(Float\) and source \(Double\) must have the same "
              r"scalar type", make(3, 4), 0, _idx(0, 1), make(2, 4).astype(np.float64)),
            E("shape_mismatch", RuntimeError, r"source tensor shape must match self tensor shape, excluding the "
              r"specified dimension. Got self.shape = \[3, 4\] source.shape = \[2, 3\]", make(3, 4), 0, _idx(0, 1),
              make(2, 3)),
            E("count_mismatch", RuntimeError, r"index_add_\(\): Number of indices \(3\) should be equal to "
              r"source.size\(dim\): \(2\), for dim: 0", make(3, 4), 0, _idx(0, 1, 2), make(2, 4))]


def _index_copy_samples(make):
    return [S("dim0", make(3, 4), 0, _idx(2, 0), make(2, 4)), S("dim-1", make(3, 4), -1, _idx(1, 3, 0), make(3, 3)),
            S("0d_source", make(3), 0, _idx(1), make()), S("0d", make(), 0, _idx(0), make()),
            S("empty", make(3, 4), 1, _idx(), make(3, 0))]


def _index_copy_errors(make):
    return [E("out_of_bounds", IndexError, r"index_copy_\(\): index 5 is out of bounds for dimension 0 with size 3",
              make(3, 4), 0, _idx(0, 5), make(2, 4)),
            E("float_index", RuntimeError, r"index_copy_\(\): Expected a long tensor for index, but got Float",
              make(3, 4), 0, np.array([0.0, 1.0], np.float32), make(2, 4)),
            E("count_mismatch", IndexError, r"index_copy_\(\): Number of indices \(2\) should be equal to "
              r"source.size\(dim\) \(1\)", make(3, 4), 0, _idx(0, 1), make(1, 4)),
            E("dtype_mismatch", RuntimeError, r"index_copy_\(\): self and source expected to have the same dtype, but "
              r"got \(self\) Float and \(source\) Double", make(3, 4), 0, _idx(0), make(1, 4).astype(np.float64))]


def _index_fill_samples(make):
    return [S("scalar", make(3, 4), 0, _idx(0, 2), 1.5), S("int_value", make(3, 4), 1, _idx(-1), 2),
            S("tensor_value", make(3, 4), 1, _idx(0, 3, 0), make()), S("0d", make(), 0, _idx(0), -1.0),
            S("empty", make(3, 4), 0, _idx(), make())]


def _index_fill_errors(make):
    return [E("index_2d", RuntimeError, r"Index has to be a vector/scalar", make(3, 4), 0, _idx([0, 1]), 1.0),
            E("vector_value", RuntimeError, r"index_fill_ only supports a 0-dimensional value tensor, but got tensor "
              r"with 1 dimension\(s\)", make(3, 4), 0, _idx(0), make(1)),
            E("float_index", IndexError, r"index_fill_\(\): Expected dtype int64 for index", make(3, 4), 0,
              np.array([0.0], np.float32), 1.0),
            E("out_of_bounds", IndexError, r"index 5 is out of bounds for dimension 0 with size 3", make(3, 4), 0,
              _idx(0, 5), 1.0)]


def _masked_fill_samples(make):
    return [S("scalar", make(3, 4), make(3, 4, dtype="bool"), 1.5),
            S("bcast_mask", make(3, 4), np.array([[True], [False], [True]]), -2),
            S("tensor_value", make(3, 4), make(4, dtype="bool"), make()),
            S("mask_bigger", make(4), make(2, 4, dtype="bool"), make()),
            S("0d", make(), np.array(True), 0.5), S("empty", make(0, 3), make(3, dtype="bool"), 1.0)]


def _masked_fill_errors(make):
    return [E("int_mask", RuntimeError, r"masked_fill_ only supports boolean masks, but got mask with dtype long int",
              make(3, 4), _idx(1, 0, 0, 1), 1.0),
            E("vector_value", RuntimeError, r"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
              r"with 1 dimension\(s\)", make(3, 4), make(4, dtype="bool"), make(2)),
            E("shapes", RuntimeError, r"The size of tensor a \(3\) must match the size of tensor b \(4\) at "
              r"non-singleton dimension 1", make(3, 4), make(3, dtype="bool"), 1.0)]


def _masked_scatter_samples(make):
    return [S("same", make(3, 4), make(3, 4, dtype="bool"), make(3, 4)),
            S("bcast_mask", make(3, 4), np.array([True, False, True, True]), make(13)),
            S("mask_bigger", make(4), make(2, 4, dtype="bool"), make(2, 5)),
            S("0d", make(), np.array(True), make(2)), S("empty", make(0, 3), make(3, dtype="bool"), make(1))]


def _masked_scatter_errors(make):
    return [E("source_small", RuntimeError, r"Number of elements of source < number of ones in mask", make(3, 4),
              np.ones((3, 4), bool), make(2)),
            E("int_mask", RuntimeError, r"masked_scatter_ only supports boolean masks, but got mask with dtype Long",
              make(3, 4), _idx(1, 0, 0, 1), make(12)),
            E("dtype_mismatch", RuntimeError, r"masked_scatter: expected self and source to have same dtypes but "
              r"got ?Float and Double", make(3, 4), make(4, dtype="bool"), make(12).astype(np.float64))]


def _masked_select_samples(make):
    return [S("same", make(3, 4), make(3, 4, dtype="bool")), S("bcast_mask", make(3, 4), np.array([True, False, True, True])),
            S("mask_bigger", make(4), make(2, 4, dtype="bool")), S("0d", make(), np.array(True)),
            S("none", make(2, 3), np.zeros((2, 3), bool)), S("empty", make(0, 3), make(3, dtype="bool"))]


def _masked_from_shapes(value):
    def fs(make, a, b):
        args = (make(*a), make(*b, dtype="bool"))
        if value == "source":
            args += (make(int(np.prod(np.broadcast_shapes(a, b))) + 1),)
        elif value is not None:
            args += (value,)
        return S(f"{a}&{b}", *args)
    return fs


def _take_samples(make):
    return [S("2d_index", make(3, 4), _idx([0, 5], [11, 5])), S("negative", make(3, 4), _idx(-1, -12, 3)),
            S("0d", make(), _idx(0)), S("0d_index", make(2, 3), _i0(4)), S("empty", make(3, 4), _idx())]


def _take_errors(make):
    return [E("out_of_bounds", IndexError, r"out of range: tried to access index 12 on a tensor of 12 elements",
              make(3, 4), _idx(0, 12)),
            E("negative", IndexError, r"out of range: tried to access index -13 on a tensor of 12 elements",
              make(3, 4), _idx(-13)),
            E("float_index", RuntimeError, r"take\(\): Expected a long tensor for index, but got Float", make(3, 4),
              np.array([1.0], np.float32))]


def _put_samples(make):
    return [S("set", make(3, 4), _idx(0, 5, -1), make(3)), S("accumulate", make(3, 4), _idx([0, 5], [0, 0]), make(2, 2),
                                                            accumulate=True),
            S("0d", make(), _idx(0), make(1))]


def _put_errors(make):
    return [E("out_of_bounds", IndexError, r"out of range: tried to access index 12 on a tensor of 12 elements",
              make(3, 4), _idx(12), make(1)),
            E("size_mismatch", IndexError, r"put_\(\): Expected source and index to have the same number of elements, "
              r"but got source.numel\(\) = 1, index.numel\(\) = 2", make(3, 4), _idx(1, 2), make(1))]


def _take_along_dim_samples(make):
    return [S("dim0", make(3, 4), _I24, 0), S("bcast", make(3, 4), _idx([0], [2]), 0),
            S("bcast_both", make(2, 1, 3), np.zeros((1, 4, 1), np.int64), 2), S("neg_dim", make(3, 4), _idx([3, -1, 0]), -1),
            S("flat", make(3, 4), _idx([0, 5], [11, 5])), S("flat_kw", make(2, 3), _idx(4, 0), dim=None)]


def _take_along_dim_errors(make):
    return [E("wrong_rank", RuntimeError, r"torch.take_along_dim\(\): input and indices should have the same number of "
              r"dimensions, but got 2 dimensions for input, and 1 dimensions for indices", make(3, 4), _idx(0), 0),
            E("float_index", RuntimeError, r"torch.take_along_dim\(\): dtype of indices should be Long but got Float",
              make(3, 4), np.zeros((1, 1), np.float32), 0),
            E("flat_out_of_bounds", RuntimeError, r"index 12 is out of bounds for dimension 0 with size 12", make(3, 4),
              _idx(12))]


def _inplace_samples(make):
    return [S("scatter_", "scatter_", make(3, 4), 0, _I24, make(2, 4)),
            S("scatter_value", "scatter_", make(3, 4), 0, _I24, 2.0),
            S("scatter_add_", "scatter_add_", make(3, 4), 0, _I24_DUP, make(2, 4)),
            S("scatter_reduce_", "scatter_reduce_", make(3, 4), 0, _I24_DUP, make(2, 4), "amax", include_self=False),
            S("index_add_", "index_add_", make(3, 4), 0, _idx(0, 2, 0), make(3, 4), alpha=-1),
            S("index_copy_", "index_copy_", make(3, 4), 1, _idx(3, 1), make(3, 2)),
            S("index_fill_", "index_fill_", make(3, 4), 0, _idx(1), 2.0),
            S("index_fill_tensor", "index_fill_", make(3, 4), 0, _idx(1), make()),
            S("masked_fill_", "masked_fill_", make(3, 4), make(4, dtype="bool"), 0.5),
            S("masked_fill_tensor", "masked_fill_", make(3, 4), make(3, 1, dtype="bool"), make()),
            S("masked_scatter_", "masked_scatter_", make(3, 4), make(3, 4, dtype="bool"), make(12)),
            S("put_", "put_", make(3, 4), _idx(1, 7), make(2), accumulate=True)]


def _inplace_errors(make):
    return [E("masked_fill_bigger_mask", RuntimeError, r"output with shape \[3\] doesn't match the broadcast shape "
              r"\[2, 3\]", "masked_fill_", make(3), np.ones((2, 3), bool), 1.0)]


ROWS = [
    row("gather", lambda m, x, dim, index, **kw: m.gather(x, dim, index, **kw), _gather_ref, _gather_samples,
        dtypes=FI, error_inputs=_gather_errors),
    row("take_along_dim", lambda m, x, indices, *a, **kw: m.take_along_dim(x, indices, *a, **kw), _take_along_dim_ref,
        _take_along_dim_samples, dtypes=FI, error_inputs=_take_along_dim_errors),
    row("scatter", lambda m, x, dim, index, *a, **kw: m.scatter(x, dim, index, *a, **kw), _scatter_ref,
        _scatter_samples, dtypes=FI, error_inputs=_scatter_errors),
    row("scatter_legacy_reduce", _legacy_scatter, _legacy_ref, _legacy_samples, api=("scatter",), supports_grad=False,
        dtypes=FI, error_inputs=_legacy_errors),
    row("scatter_src_bigger", _src_bigger, _src_bigger_ref, _src_bigger_samples, api=("scatter", "scatter_add",
        "scatter_reduce"), dtypes=("int64",), error_inputs=_src_bigger_errors),
    row("scatter_add", lambda m, x, dim, index, src: m.scatter_add(x, dim, index, src), _scatter_add_ref,
        _scatter_add_samples, dtypes=FI),
    row("scatter_reduce", lambda m, x, dim, index, src, reduce, **kw: m.scatter_reduce(x, dim, index, src, reduce, **kw),
        _scatter_reduce_ref, _scatter_reduce_samples, dtypes=FI, error_inputs=_scatter_reduce_errors),
    row("index_select", lambda m, x, dim, index: m.index_select(x, dim, index), _index_select_ref,
        _index_select_samples, dtypes=FI, error_inputs=_index_select_errors),
    row("index_add", lambda m, x, dim, index, source, **kw: m.index_add(x, dim, index, source, **kw), _index_add_ref,
        _index_add_samples, dtypes=FI, error_inputs=_index_add_errors),
    row("index_copy", lambda m, x, dim, index, source: m.index_copy(x, dim, index, source), _index_copy_ref,
        _index_copy_samples, dtypes=FI, error_inputs=_index_copy_errors),
    row("index_fill", lambda m, x, dim, index, value: m.index_fill(x, dim, index, value), _index_fill_ref,
        _index_fill_samples, dtypes=FI, error_inputs=_index_fill_errors),
    row("masked_fill", lambda m, x, mask, value: m.masked_fill(x, mask, value), _masked_fill_ref,
        _masked_fill_samples, dtypes=FI, kind="binary", from_shapes=_masked_from_shapes(1.5),
        error_inputs=_masked_fill_errors),
    row("masked_scatter", lambda m, x, mask, source: m.masked_scatter(x, mask, source), _masked_scatter_ref,
        _masked_scatter_samples, dtypes=FI, error_inputs=_masked_scatter_errors),
    row("masked_select", lambda m, x, mask: m.masked_select(x, mask), _masked_select_ref, _masked_select_samples,
        dtypes=FI, kind="binary", from_shapes=_masked_from_shapes(None),
        error_inputs=lambda make: [E("int_mask", RuntimeError, r"masked_select: expected BoolTensor for mask",
                                     make(3, 4), _idx(1, 0, 0, 1))]),
    row("take", lambda m, x, index: m.take(x, index), _take_ref, _take_samples, dtypes=FI, error_inputs=_take_errors),
    row("put", lambda m, x, index, source, **kw: m.put(x, index, source, **kw), _put_ref, _put_samples, dtypes=FI,
        error_inputs=_put_errors),
    row("gather_scatter_inplace", _inplace, _inplace_ref, _inplace_samples, dtypes=FI,
        api=tuple(_INPLACE_REF), error_inputs=_inplace_errors),
]
