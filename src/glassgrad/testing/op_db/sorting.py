"""OpInfo rows: scans and sorting (cumsum, cumprod, cummax, cummin, median, sort, argsort, topk, kthvalue).

Index outputs are compared with PyTorch's where PyTorch defines them: sort is stable (also with stable=False on
the CPU), cummax/cummin take the last of equal values. Where PyTorch's index among equal values is an
implementation detail (topk, kthvalue, median with ties), those samples compare the values only
(`values_only=True`); topk(sorted=False) returns its k elements in an unspecified order, so that row compares
them sorted.
"""
import numpy as np

from ..opinfo import OpInfo, S, E, FI
from .reduction import _distinct, _ties, _out, _int_to_long

NAN = float("nan")


def _dim_fs(make, shape, dim=None, keepdim=False):
    dim = dim[0] if isinstance(dim, tuple) else (-1 if dim is None else dim)
    return S(f"{shape}/dim={dim}", _distinct(make, *shape), dim)


# ---- cumsum / cumprod ----------------------------------------------------------------------------------
def _scan_ref(fn):
    def ref(x, dim, dtype=None):
        dt = np.dtype(dtype) if dtype else _int_to_long(x)
        if x.ndim == 0:
            return _out(x, x, dt)
        return _out(fn(x.astype(dt), axis=dim), x, dt)
    return ref


def _scan_op(name):
    def op(m, x, dim, dtype=None):
        if dtype is not None:
            return getattr(m, name)(x, dim, dtype=getattr(m, dtype))
        return getattr(x, name)(dim)
    return op


def _cumsum_samples(make):
    x = make(3, 4)
    return [S("dim0", x, 0), S("dim-1", x, -1), S("3d", make(2, 3, 2), 1), S("0d", make(), 0), S("0d_neg", make(), -1),
            S("empty", make(0, 3), 0), S("empty_dim1", make(0, 3), 1), S("dtype", x, 1, dtype="float64"),
            S("uint8", np.array([200, 100, 7], np.uint8), 0, gradcheck=False)]


def _cumprod_samples(make):
    dt = make().dtype
    zeros = np.array([[1.5, 0.0, -2.0, 0.5], [0.0, 1.25, 0.0, -0.75], [0.5, -1.5, 0.75, 0.0]], dt)
    return _cumsum_samples(make)[:6] + [
        S("zeros_dim1", zeros, 1), S("zeros_dim0", zeros, 0), S("all_zero", np.zeros((2, 3), dt), 1),
        S("dtype", make(2, 3), 0, dtype="float64")]


# ---- cummax / cummin ------------------------------------------------------------------------------------
def _cum_extreme_ref(acc):
    def ref(x, dim):
        if x.ndim == 0:
            return _out(x, x), np.asarray(0, np.int64)
        values = acc(x, axis=dim)
        pos = np.arange(x.shape[dim]).reshape((-1,) + (1,) * (x.ndim - 1 - dim % x.ndim))
        hit = (x == values) | np.isnan(x)
        idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=dim)
        return _out(values, x), _out(idx, x, np.int64)
    return ref


def _cum_extreme_samples(make):
    x = _distinct(make, 3, 4)
    t = _ties(make, [1.0, 3.0, 3.0, 2.0, 3.0, 0.0], [0.0, -1.0, -1.0, 2.0, -1.0, 5.0])
    samples = [S("dim0", x, 0), S("dim-1", x, -1), S("3d", _distinct(make, 2, 3, 2), 1), S("0d", make(), 0),
               S("empty", make(0, 3), 0), S("ties", t, 1, gradcheck=False)]
    if make().dtype.kind == "f":
        samples.append(S("nan", np.array([1.0, NAN, 2.0, NAN, 0.0], make().dtype), 0, gradcheck=False))
    return samples


# ---- median ----------------------------------------------------------------------------------------------
def _lower_median(x, axis):
    n = x.shape[axis]
    s = np.sort(x, axis=axis)
    return np.take(s, [(n - 1) // 2], axis=axis)


def _median_ref(x, dim=None, keepdim=False, values_only=False):
    if dim is None:
        return _out(np.nan if np.isnan(x).any() else _lower_median(x.reshape(-1), 0)[0], x) if x.size else _out(np.nan, x)
    if x.ndim == 0:
        return _out(x, x) if values_only else (_out(x, x), np.asarray(0, np.int64))
    v = _lower_median(x, dim)
    order = np.argsort(x, axis=dim, kind="stable")
    idx = np.take(order, [(x.shape[dim] - 1) // 2], axis=dim)
    if not keepdim:
        v, idx = np.squeeze(v, dim), np.squeeze(idx, dim)
    return _out(v, x) if values_only else (_out(v, x), _out(idx, x, np.int64))


def _median_samples(make):
    x = _distinct(make, 3, 4)
    samples = [S("all", x), S("all_even", _distinct(make, 4)), S("dim0", x, 0), S("dim-1_keep", x, -1, True),
               S("0d", make()), S("0d_dim0", make(), 0), S("empty_dim1", make(0, 3), 1),
               S("ties_all", _ties(make, 1.0, 2.0, 2.0, 3.0), gradcheck=False),
               S("ties_dim", _ties(make, [1.0, 2.0, 2.0, 3.0], [0.0, 0.0, 0.0, 1.0]), 1, values_only=True,
                 gradcheck=False)]
    if make().dtype.kind == "f":
        samples += [S("nan", np.array([1.0, NAN, 2.0], make().dtype), gradcheck=False), S("empty", make(0, 3))]
    return samples


def _values_op(name, method=False):
    def op(m, x, *a, values_only=False, **k):
        out = getattr(x, name)(*a, **k) if method else getattr(m, name)(x, *a, **k)
        if not isinstance(out, tuple):
            return out
        # NOTE: among ties PyTorch's index (and so where the gradient goes) is unspecified: values only
        return out[0].detach() if values_only else tuple(out)
    return op


# ---- sort / argsort ----------------------------------------------------------------------------------------
def _sort_ref(x, dim=-1, descending=False, stable=False):
    if x.ndim == 0:
        return _out(x, x), np.asarray(0, np.int64)
    if descending:
        flipped = np.flip(x, dim)
        order = np.flip(np.argsort(flipped, axis=dim, kind="stable"), dim)
        order = x.shape[dim] - 1 - order
    else:
        order = np.argsort(x, axis=dim, kind="stable")
    return _out(np.take_along_axis(x, order, axis=dim), x), _out(order, x, np.int64)


def _sort_samples(make):
    x = _distinct(make, 3, 4)
    t = _ties(make, [1.0, 3.0, 3.0, 2.0, 3.0, 0.0, 3.0], [0.0, 0.0, -1.0, 0.0, 2.0, 2.0, -1.0])
    samples = [S("default", x), S("dim0", x, 0), S("desc", x, 1, True), S("desc_kw", x, dim=0, descending=True),
               S("stable_kw", x, stable=True, dim=-1), S("3d", _distinct(make, 2, 3, 2), 1), S("0d", make()),
               S("empty", make(0, 3), 0), S("ties", t, gradcheck=False), S("ties_desc", t, descending=True, gradcheck=False),
               S("ties_stable_desc", t, dim=1, descending=True, stable=True, gradcheck=False)]
    if make().dtype.kind == "f":
        samples.append(S("nan_desc", np.array([1.0, NAN, 2.0], make().dtype), descending=True, gradcheck=False))
    return samples


def _argsort_ref(x, dim=-1, descending=False, stable=False):
    return _sort_ref(x, dim, descending)[1]


# ---- topk / kthvalue ----------------------------------------------------------------------------------------
def _topk_ref(x, k, dim=-1, largest=True, sorted=True, values_only=False):
    if x.ndim == 0:
        return _out(x, x) if values_only else (_out(x, x), np.asarray(0, np.int64))
    v, i = _sort_ref(x, dim, largest)
    key = (slice(None),) * (dim % x.ndim) + (slice(0, k),)
    v, i = v[key], i[key]
    if not sorted:
        i = np.sort(i, axis=dim)
    return v if values_only else (v, i)


def _topk_op(m, x, k, dim=-1, largest=True, sorted=True, values_only=False):
    out = m.topk(x, k, dim, largest, sorted)
    if not sorted:
        return m.sort(out[0], dim, descending=largest)[0], m.sort(out[1], dim)[0]
    return out[0].detach() if values_only else tuple(out)


def _topk_samples(make):
    x = _distinct(make, 3, 5)
    t = _ties(make, [1.0, 3.0, 3.0, 2.0, 3.0, 0.0, 3.0])
    return [S("k2", x, 2), S("k1_dim0", x, 1, 0), S("smallest", x, 3, -1, False), S("kw", x, k=2, dim=0, largest=True),
            S("all", x, 5), S("k0", x, 0), S("3d", _distinct(make, 2, 4, 2), 2, 1), S("0d", make(), 1),
            S("empty", make(0, 3), 0), S("unsorted", x, 3, sorted=False), S("unsorted_small", x, 2, 0, False, False),
            S("ties", t, 3, values_only=True, gradcheck=False), S("ties_small", t, 2, largest=False, values_only=True,
                                                                  gradcheck=False)]


def _kthvalue_ref(x, k, dim=-1, keepdim=False, values_only=False):
    if x.ndim == 0:
        return _out(x, x) if values_only else (_out(x, x), np.asarray(0, np.int64))
    v, i = _sort_ref(x, dim)
    key = (slice(None),) * (dim % x.ndim) + (slice(k - 1, k),)
    v, i = v[key], i[key]
    if not keepdim:
        v, i = np.squeeze(v, dim), np.squeeze(i, dim)
    return v if values_only else (v, i)


def _kthvalue_samples(make):
    x = _distinct(make, 3, 5)
    return [S("k2", x, 2), S("k1_dim0", x, 1, 0), S("k5_keep", x, 5, -1, True), S("kw", x, k=3, dim=0, keepdim=True),
            S("3d", _distinct(make, 2, 4, 2), 2, 1), S("0d", make(), 1), S("empty", make(0, 3), 1, 1),
            S("ties", _ties(make, [1.0, 3.0, 3.0, 2.0, 3.0, 0.0, 3.0]), 4, values_only=True, gradcheck=False)]


# ---- error inputs -------------------------------------------------------------------------------------------------
def _errors_scan(name):
    def errors(make):
        return [E("dim_out_of_range", IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but "
                  r"got 2\)", make(2, 3), 2)]
    return errors


def _errors_sort(make):
    return [E("dim_out_of_range", IndexError, r"Dimension out of range", make(2, 3), 2)]


def _errors_topk(make):
    return [E("k_too_large", RuntimeError, r"selected index k out of range", make(2, 3), 4),
            E("k_negative", RuntimeError, r"selected index k out of range", make(2, 3), -1)]


def _errors_kthvalue(make):
    return [E("k_too_large", RuntimeError, r"kthvalue\(\): selected number k out of range for dimension 1", make(2, 3), 4),
            E("k_zero", RuntimeError, r"kthvalue\(\): selected number k out of range for dimension 0", make(2, 3), 0, 0)]


def _errors_median(make):
    return [E("dim_out_of_range", IndexError, r"Dimension out of range", make(2, 3), 2),
            E("empty_dim", IndexError, r"median\(\): Expected reduction dim 1 to have non-zero size", make(3, 0), 1)]


ROWS = [
    OpInfo("cumsum", _scan_op("cumsum"), _scan_ref(np.cumsum), _cumsum_samples, api=("cumsum",), dtypes=FI,
           kind="reduction", from_shapes=lambda make, shape, dim=None, keepdim=False: S(
               f"{shape}/dim={dim}", make(*shape), dim[0] if isinstance(dim, tuple) else (0 if dim is None else dim)),
           error_inputs=_errors_scan("cumsum")),
    OpInfo("cumprod", _scan_op("cumprod"), _scan_ref(np.cumprod), _cumprod_samples, api=("cumprod",), dtypes=FI,
           error_inputs=_errors_scan("cumprod")),
    OpInfo("cummax", lambda m, x, dim: m.cummax(x, dim), _cum_extreme_ref(np.maximum.accumulate),
           _cum_extreme_samples, api=("cummax",), dtypes=FI),
    OpInfo("cummin", lambda m, x, dim: x.cummin(dim), _cum_extreme_ref(np.minimum.accumulate),
           _cum_extreme_samples, api=("cummin",), dtypes=FI),
    OpInfo("median", _values_op("median"), _median_ref, _median_samples, api=("median",), dtypes=FI,
           error_inputs=_errors_median),
    OpInfo("sort", _values_op("sort"), _sort_ref, _sort_samples, api=("sort",), dtypes=FI, kind="reduction",
           from_shapes=_dim_fs, error_inputs=_errors_sort),
    OpInfo("argsort", lambda m, x, *a, **k: x.argsort(*a, **k), _argsort_ref, _sort_samples, api=("argsort",),
           dtypes=FI, supports_grad=False),
    OpInfo("topk", _topk_op, _topk_ref, _topk_samples, api=("topk",), dtypes=FI, error_inputs=_errors_topk),
    OpInfo("kthvalue", _values_op("kthvalue", method=True), _kthvalue_ref, _kthvalue_samples, api=("kthvalue",),
           dtypes=FI, error_inputs=_errors_kthvalue),
]
