"""OpInfo rows: indexing (getitem, setitem, index_put) and the ops that make index tensors (nonzero, argwhere,
unique, one_hot)."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

# ---- indexing --------------------------------------------------------------------------------------
def _key(*parts):
    return parts[0] if len(parts) == 1 else tuple(parts)


def _idx(*v):
    return np.array(v, dtype=np.int64)


def _getitem_errors(make):
    return [E("out_of_bounds", IndexError, r"index 5 is out of bounds for dimension 0 with size 3", make(3), 5),
            E("negative_out_of_bounds", IndexError, r"index -4 is out of bounds for dimension 0 with size 3",
              make(3, 2), -4),
            # PyTorch numbers the dimension among the advanced indices only
            E("advanced_out_of_bounds", IndexError, r"index 3 is out of bounds for dimension 0 with size 3",
              make(2, 3), (slice(None), _idx(0, 3))),
            E("second_advanced_out_of_bounds", IndexError, r"index 5 is out of bounds for dimension 1 with size 4",
              make(2, 3, 4), (_idx(0), slice(None), _idx(5))),
            E("negative_step", ValueError, r"step must be greater than zero", make(4), slice(None, None, -1)),
            E("float_tensor", IndexError, r"tensors used as indices must be long, int, byte or bool tensors",
              make(3), np.array([0.0, 1.0], np.float32)),
            E("float_scalar", IndexError, r"only integers, slices \(`:`\), ellipsis \(`...`\), None and long or byte "
              r"Variables are valid indices \(got float\)", make(3), 1.5),
            E("too_many", IndexError, r"too many indices for tensor of dimension 2", make(3, 4), (0, 0, 0)),
            E("0d", IndexError, r"invalid index of a 0-dim tensor", make(), 0),
            E("mask_shape", IndexError, r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed "
              r"tensor \[3, 4\] at index 0", make(3, 4), np.array([True, False]))]


def _setitem(m, x, key, value):
    y = x.clone()
    y[key] = value
    return y


def _setitem_ref(x, key, value):
    y = x.copy()
    y[key] = value
    return y


def _setitem_samples(make):
    return [S("slice_bcast", make(3, 4), (slice(None), 1), make(1)), S("row", make(3, 4), 1, make(4)),
            S("scalar", make(3, 4), (Ellipsis, slice(1, 3)), 2.5), S("0d_value", make(3, 4), 0, make()),
            S("advanced_bcast", make(3, 4), [0, 2], make(4)), S("pair", make(3, 4), (_idx(0, 2), _idx(1, 3)), make(2)),
            S("mask_scalar", make(3, 4), make(3, 4, dtype="bool"), -1.0),
            S("mask_0d", make(3, 4), np.array([True, False, True]), make()),
            S("leading_ones", make(3, 4), slice(0, 2), make(1, 1, 4))]


def _setitem_errors(make):
    return [E("basic_shape", RuntimeError, r"The expanded size of the tensor \(4\) must match the existing size \(3\) at "
              r"non-singleton dimension 1.  Target sizes: \[2, 4\].  Tensor sizes: \[3\]", make(3, 4), slice(0, 2),
              make(3)),
            E("advanced_shape", RuntimeError, r"shape mismatch: value tensor of shape \[3\] cannot be broadcast to "
              r"indexing result of shape \[2, 4\]", make(3, 4), [0, 2], make(3))]


def _index_put(m, x, indices, values, accumulate=False, inplace=False):
    if inplace:
        return x.clone().index_put_(indices, values, accumulate)
    return m.index_put(x, indices, values, accumulate=accumulate)


def _index_put_ref(x, indices, values, accumulate=False, inplace=False):
    y = x.copy()
    if accumulate:
        np.add.at(y, indices, values)
    else:
        y[indices] = values
    return y


def _index_put_samples(make):
    return [S("one", make(3, 4), (_idx(0, 2),), make(4)), S("pair", make(3, 4), (_idx(0, 2), _idx(3, 3)), make(2)),
            S("accumulate", make(3, 4), (_idx(0, 0, 2), _idx(1, 1, 1)), make(3), True),
            S("mask", make(3, 4), (np.array([True, False, True]),), make()),
            S("inplace", make(3, 4), (_idx(1),), make(1, 4), inplace=True),
            S("inplace_accumulate", make(3, 4), (_idx(1, 1),), make(4), accumulate=True, inplace=True)]


def _index_put_errors(make):
    return [E("dtype", RuntimeError, r"Index put requires the source and destination dtypes match, got Float for the "
              r"destination and Double for the source", make(3, 4), (_idx(0),), make(1).astype(np.float64)),
            E("shape", RuntimeError, r"shape mismatch: value tensor of shape \[3\] cannot be broadcast to indexing "
              r"result of shape \[2, 4\]", make(3, 4), (_idx(0, 1),), make(3)),
            E("out_of_bounds", IndexError, r"index 5 is out of bounds for dimension 0 with size 3", make(3, 4),
              (_idx(5),), make(1)),
            E("float_index", IndexError, r"tensors used as indices must be long, int, byte or bool tensors", make(3, 4),
              (np.array([0.0], np.float32),), make(1)),
            E("too_many", IndexError, r"too many indices for tensor of dimension 2 \(got 3\)", make(3, 4),
              (_idx(0),) * 3, make(1))]


# ---- nonzero, unique, one_hot --------------------------------------------------------------------
def _i0(v):
    """A 0-dim index."""
    return np.array(v, dtype=np.int64)


def _unique_ref(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
    else:
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
        inverse = inverse.reshape(-1)
    out = [values] + ([inverse] if return_inverse else []) + ([counts] if return_counts else [])
    return out[0] if len(out) == 1 else tuple(out)


def _one_hot_ref(x, num_classes=-1):
    n = int(x.max()) + 1 if num_classes == -1 else num_classes
    return (x[..., None] == np.arange(n)).astype(np.int64)


def _with_zeros(a):
    """Some exact zeros, for nonzero/argwhere."""
    return np.where(np.abs(a) < 1, 0, a).astype(a.dtype)


def _unique(m, x, backward=False, **kw):
    """unique's values output has a node whose backward raises NotImplementedError (checked as an error input)."""
    if backward:
        out = m.unique(x, **kw)
        (out[0] if isinstance(out, tuple) else out).sum().backward()
    return m.unique(x.detach(), **kw)


def _nonzero_samples(make):
    return [S("2d", _with_zeros(make(3, 4))), S("1d", _with_zeros(make(5))), S("0d", make(low=1, high=2)),
            S("0d_zero", np.zeros_like(make())), S("empty", make(0, 3)), S("bool", make(2, 3, dtype="bool")),
            S("3d", _with_zeros(make(2, 2, 3)))]


def _unique_samples(make):
    x = make(3, 4, low=-2, high=2)
    x = np.round(x).astype(x.dtype)  # repeats
    rows = np.concatenate([x[:2], x[:1]]).astype(x.dtype)
    return [S("flat", x), S("inverse", x, return_inverse=True), S("counts", x, return_counts=True),
            S("all", x, sorted=True, return_inverse=True, return_counts=True),
            S("unsorted", x, sorted=False, return_counts=True), S("0d", make(), return_inverse=True, return_counts=True),
            S("dim0", rows, dim=0, return_inverse=True, return_counts=True),
            S("dim-1", np.concatenate([rows, rows[:, :1]], 1), dim=-1, return_inverse=True),
            S("bool", make(5, dtype="bool"), return_counts=True), S("empty", make(0), return_inverse=True)]


def _unique_errors(make):
    return [E("backward", NotImplementedError, r"the derivative for '_unique2' is not implemented", make(3),
              backward=True),
            E("backward_dim", NotImplementedError, r"the derivative for 'unique_dim' is not implemented", make(2, 3),
              dim=0, backward=True),
            E("bad_dim", IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
              make(2, 3), dim=2)]


def _one_hot_samples(make):
    return [S("infer", _idx(0, 2, 1, 2)), S("num_classes", _idx([0], [3]), 5), S("0d", _i0(2), num_classes=4),
            S("empty", _idx(), 3)]


def _one_hot_errors(make):
    return [E("negative", RuntimeError, r"Class values must be non-negative", _idx(0, -2, 1)),
            E("too_small", RuntimeError, r"Class values must be smaller than num_classes", _idx(0, 3), 2),
            E("float", RuntimeError, r"one_hot is only applicable to index tensor of type LongTensor", make(3)),
            E("empty_infer", RuntimeError, r"Can not infer total number of classes from empty tensor", _idx())]


ROWS = [
    row("getitem_basic", lambda m, x, key: x[key], lambda x, key: x[key],
         lambda make: [S("int", make(3, 4), 1), S("slice", make(3, 4), (slice(None), slice(1, 3))),
                       S("step", make(5, 2), slice(None, None, 2)), S("ellipsis_none", make(2, 3), (Ellipsis, None)),
                       S("to_0d", make(3, 4), (1, -1)), S("none", make(3), None), S("full", make(3), slice(None)),
                       S("neg_slice", make(4, 3), (slice(-3, -1), 0)), S("0d_ellipsis", make(), Ellipsis),
                       S("none_ellipsis_int", make(3, 4), (None, Ellipsis, 1, None)),
                       S("past_end", make(4), slice(2, 10))],
         api=("__getitem__",), dtypes=FI, error_inputs=_getitem_errors),
    row("getitem_advanced", lambda m, x, key: x[key], lambda x, key: x[key],
         lambda make: [S("list", make(4, 3), [0, 2]), S("tensor2d", make(4, 3), _idx([0, 1], [3, 0])),
                       S("repeat", make(3, 4), (slice(None), _idx(1, 0, 1))), S("mask", make(3, 4), make(3, 4, dtype="bool")),
                       S("pair", make(3, 4), (_idx(0, 2), _idx(1, 3))),
                       S("split_adv", make(2, 3, 4), (_idx(0, 1), slice(None), _idx(2, 3))),
                       S("neg_idx", make(4), _idx(-1, -4)), S("row_mask", make(3, 2), np.array([True, False, True])),
                       S("bool_true", make(3, 4), True), S("bool_false", make(3, 4), False),
                       S("bool_0d_tensor", make(3, 4), np.array(True)), S("int_and_list", make(3, 4), (1, [0, 2])),
                       S("slice_and_mask", make(3, 4), (slice(1, None), np.array([True, False, True, False])))],
         api=("__getitem__",), dtypes=FI),
    # NOTE: a Python sequence of floats is truncated to integer indices (a float tensor is an error)
    row("getitem_float_sequence", lambda m, x, key: x[key], lambda x, key: x[np.asarray(key).astype(np.int64)],
        lambda make: [S("floats", make(3, 4), [0.0, 2.7])], api=("__getitem__",)),
    row("setitem", _setitem, _setitem_ref, _setitem_samples, api=("__setitem__",), dtypes=FI,
        error_inputs=_setitem_errors),
    row("index_put", _index_put, _index_put_ref, _index_put_samples, api=("index_put", "index_put_"), dtypes=FI,
        error_inputs=_index_put_errors),
    row("nonzero", lambda m, x: m.nonzero(x), np.argwhere, _nonzero_samples, dtypes=FI, supports_grad=False),
    row("nonzero_as_tuple", lambda m, x: m.nonzero(x, as_tuple=True), lambda x: np.nonzero(np.atleast_1d(x)),
        _nonzero_samples, api=("nonzero",), dtypes=FI, supports_grad=False),
    row("argwhere", lambda m, x: m.argwhere(x), np.argwhere, _nonzero_samples, dtypes=FI, supports_grad=False),
    row("unique", _unique, _unique_ref, _unique_samples, dtypes=FI, supports_grad=False, error_inputs=_unique_errors),
    row("one_hot", lambda m, x, *a, **kw: m.nn.functional.one_hot(x, *a, **kw), _one_hot_ref, _one_hot_samples,
        api=("nn.functional.one_hot",), dtypes=("int64",), supports_grad=False, error_inputs=_one_hot_errors),
]
