"""Statistics: nansum, nanmean, nanmedian, quantile/nanquantile, mode, aminmax, msort, cov, corrcoef, histogram.

nansum, nanmedian, mode and aminmax are primitives (PyTorch has a backward formula for each). nanmean, quantile,
cov and corrcoef are PyTorch composites, built here from the same ops, so their graphs, node names and
gradients are PyTorch's (quantile's sort, gather and lerp, ending in an in-place squeeze).
"""
import math
import warnings

from .registry import primitive, defvjp, apply
from .reduction import (_data, _dims, _evenly_vjp, _amax_vjp, _keep, _check_nonempty, select_vjp, wrap_dim,
                        _sum_dtype, sum as _sum)
from .sorting import sort, _stable_order
from .scatter import gather
from .elementwise import lerp, _no_derivative, _not_implemented_node
from . import shape as S, unary as U, elementwise as E, linalg as L
from ..backends import quiet, get_array_module
from ..tensor import Tensor, _new
from .. import _dtype as D
from .. import return_types as RT

__all__ = ["nansum", "nanmean", "nanmedian", "quantile", "nanquantile", "mode", "aminmax", "msort", "cov",
           "corrcoef", "histogram"]


_NANMEDIAN, _MODE, _AMINMAX, _HISTOGRAM = RT.nanmedian, RT.mode, RT.aminmax, RT.histogram


# ---- nansum / nanmean ------------------------------------------------------------------------------------
def _nansum_fwd(xp, x, *, dim, keepdim, dtype):
    if x.dtype.kind != "f":
        return xp.sum(x, axis=dim, keepdims=keepdim, dtype=dtype)
    return quiet(lambda: xp.nansum(x, axis=dim, keepdims=keepdim, dtype=dtype))


def _nansum_vjp(grad, x, x_shape, dim, keepdim, xp):
    keep = ~(_data(x) != _data(x))
    return xp.broadcast_to(_keep(grad, x_shape, dim, keepdim, xp), x_shape) * keep.astype(_data(grad).dtype)


NANSUM = primitive("nansum", _nansum_fwd)
defvjp(NANSUM, x=_nansum_vjp)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    dims = _dims(dim, input._data.ndim, "nansum")
    return apply(NANSUM, (input,), {"dim": dims, "keepdim": keepdim, "dtype": _sum_dtype(input, dtype)})


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """nansum / the number of non-nan elements (PyTorch's composite: DivBackward0)."""
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input._dtype.scalar_name}")
    count = _sum(U.logical_not(U.isnan(input)), dim if dim is not None else (), keepdim)
    return E.div(nansum(input, dim, keepdim, dtype=dtype), count)


# ---- nanmedian -------------------------------------------------------------------------------------------
def _nanmedian_all_fwd(xp, x):
    flat = xp.reshape(x, (-1,))
    if x.dtype.kind == "f":
        flat = flat[flat == flat]
    if flat.size == 0:
        return xp.asarray(xp.nan if x.dtype.kind == "f" else 0, dtype=x.dtype)
    return xp.sort(flat)[(flat.size - 1) // 2]


def _nanmedian_dim_fwd(xp, x, *, dim, keepdim):
    """The lower median of the non-nan values along dim (nan where there are none) and its index; equal values
    are taken in their order in the input, as PyTorch's sort keeps them."""
    if x.ndim == 0:
        return x.copy(), xp.zeros((), xp.int64)
    order = _stable_order(xp, x, dim, False)  # nan sorts last
    valid = (x == x).sum(axis=dim, keepdims=True)
    k = xp.maximum((valid - 1) // 2, 0)
    idx = xp.take_along_axis(order, k, axis=dim)
    values = xp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        values, idx = xp.squeeze(values, dim), xp.squeeze(idx, dim)
    return values, idx.astype(xp.int64)


NANMEDIAN_ALL = primitive("nanmedian", _nanmedian_all_fwd)
defvjp(NANMEDIAN_ALL, x=_evenly_vjp)
NANMEDIAN_DIM = primitive("nanmedian_dim", _nanmedian_dim_fwd, nout=2, nondiff_outputs=(1,),
                          saved_outputs=(1,), node="NanmedianBackward1")
defvjp(NANMEDIAN_DIM, x=select_vjp)


def nanmedian(input, dim=None, keepdim=False):
    if dim is None:
        return apply(NANMEDIAN_ALL, (input,))  # NOTE: nan for an empty input, where median() raises
    d = wrap_dim("nanmedian", dim, input._data.ndim)
    _check_nonempty("median", input, d)  # PyTorch's message names median
    return _NANMEDIAN(*apply(NANMEDIAN_DIM, (input,), {"dim": d, "keepdim": keepdim}))


# ---- mode ------------------------------------------------------------------------------------------------------
def _mode_fwd(xp, x, *, dim, keepdim):
    """The most frequent value along dim (the smallest of equally frequent ones) and the index of its last
    occurrence, from one stable sort: a running count of each run of equal values."""
    if x.ndim == 0:
        return x.copy(), xp.zeros((), xp.int64)
    xm = xp.moveaxis(x, dim, -1)
    n = xm.shape[-1]
    if xm.size == 0:
        shape = xm.shape[:-1]
        values, idx = xp.empty(shape, x.dtype), xp.empty(shape, xp.int64)
    else:
        order = xp.argsort(xm, axis=-1, kind="stable")
        s = xp.take_along_axis(xm, order, axis=-1)
        pos = xp.arange(n)
        starts = xp.concatenate([xp.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], axis=-1)
        count = pos - xp.maximum.accumulate(xp.where(starts, pos, 0), axis=-1) + 1
        best = xp.argmax(count == count.max(axis=-1, keepdims=True), axis=-1)[..., None]
        values = xp.take_along_axis(s, best, axis=-1)[..., 0]
        idx = xp.take_along_axis(order, best, axis=-1)[..., 0]
    if keepdim:
        values, idx = xp.expand_dims(values, dim), xp.expand_dims(idx, dim)
    return values, idx.astype(xp.int64)


MODE = primitive("mode", _mode_fwd, nout=2, nondiff_outputs=(1,), saved_outputs=(1,))
defvjp(MODE, x=select_vjp)


def mode(input, dim=-1, keepdim=False):
    d = wrap_dim("mode", dim, input._data.ndim)
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    return _MODE(*apply(MODE, (input,), {"dim": d, "keepdim": keepdim}))


# ---- aminmax -----------------------------------------------------------------------------------------------------
def _aminmax_fwd(xp, x, *, dim, keepdim):
    return xp.amin(x, axis=dim, keepdims=keepdim), xp.amax(x, axis=dim, keepdims=keepdim)


def _aminmax_vjp(grad, x, result, x_shape, dim, keepdim, xp):
    # each output's gradient shared evenly by the elements equal to it, as amin's and amax's
    return (_amax_vjp(grad[0], x, result[0], x_shape, dim, keepdim, xp)
            + _amax_vjp(grad[1], x, result[1], x_shape, dim, keepdim, xp))


AMINMAX = primitive("aminmax", _aminmax_fwd, nout=2)
defvjp(AMINMAX, x=_aminmax_vjp)


def aminmax(input, *, dim=None, keepdim=False):
    nd = input._data.ndim
    d = None if dim is None else (wrap_dim("aminmax", dim, nd),) if nd else ()
    if dim is None and input._data.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    if d and input._data.shape[d[0]] == 0:
        raise IndexError(f"aminmax(): Expected reduction dim {d[0]} to have non-zero size.")
    if d == ():
        d = None
    return _AMINMAX(*apply(AMINMAX, (input,), {"dim": d, "keepdim": keepdim and nd > 0}))


def msort(input):
    return sort(input, 0).values


# ---- quantile ---------------------------------------------------------------------------------------------------
_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(name, input, q):
    """q as an array of the input's dtype, and whether it was a scalar; PyTorch's checks."""
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._dtype is not input._dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        values = q._data
        if values.size and ((values < 0).any() or (values > 1).any()):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        return values.reshape(-1), q._data.ndim == 0
    if not isinstance(q, (int, float)) or isinstance(q, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(q).__name__}), but expected one of:\n * (Tensor input, Tensor q, int dim = None, "
                        f"bool keepdim = False, *, str interpolation = \"linear\", Tensor out = None)\n * (Tensor "
                        f"input, float q, int dim = None, bool keepdim = False, *, str interpolation = \"linear\", "
                        f"Tensor out = None)\n")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q:g}")
    xp = get_array_module(input._data)
    return xp.asarray([q], dtype=input._dtype.np), True


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    qs, scalar = _quantile_q(name, input, q)
    if interpolation not in _MODES:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    nd = input._data.ndim
    shape = input._data.shape
    if dim is None:
        x = S.reshape(input, (-1,))
        out_shape = (1,) * nd if keepdim else ()
    else:
        d = wrap_dim(name, dim, nd)
        x = S.movedim(input, d, -1) if nd else S.reshape(input, (1,))
        out_shape = tuple(1 if i == d else n for i, n in enumerate(shape)) if keepdim else \
            tuple(n for i, n in enumerate(shape) if i != d)
    k = qs.shape[0]
    sorted_ = sort(x, -1).values
    xp = get_array_module(sorted_._data)
    data = sorted_._data
    n = data.shape[-1]
    batch = data.shape[:-1]
    qk = qs.reshape((k,) + (1,) * len(batch) + (1,))
    # NOTE: quiet, not warnings.catch_warnings (which resets Python's record of the warnings already shown)
    ranks = quiet(_quantile_ranks, xp, data, qk, n, ignore_nan)
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.rint(ranks)
    below = ranks.astype(xp.int64)
    expanded = S.expand(S.unsqueeze(sorted_, 0), (k,) + data.shape)
    result = gather(expanded, -1, _new(below, D.int64))
    if interpolation in ("linear", "midpoint"):
        weights = xp.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        above = gather(expanded, -1, _new(xp.ceil(ranks).astype(xp.int64), D.int64))
        result = lerp(result, above, _new(weights.astype(data.dtype, copy=False), input._dtype))
    if dim is not None and nd:
        result = S.movedim(result, -1, d + 1)
    final = out_shape if scalar else (k,) + out_shape
    # NOTE: PyTorch's quantile ends with an in-place squeeze of its result (SqueezeBackward4), after in-place
    # ops that leave the result at this version
    out = _reshape_as_squeeze(result, final)
    out._vc.v = (1 if scalar else 3) + (interpolation in ("linear", "midpoint"))
    return out


def _quantile_ranks(xp, data, qk, n, ignore_nan):
    if ignore_nan:
        # ranks among the non-nan values; a row of nans reads its first (nan) value
        valid = (data == data).sum(axis=-1, keepdims=True)
        ranks = qk * (valid - 1).astype(data.dtype)
        return xp.where(ranks < 0, 0, ranks).astype(data.dtype)
    # a row with a nan reads its last value: nan, which sorts last
    nan_rows = (data != data).any(axis=-1, keepdims=True)
    return xp.where(nan_rows, n - 1, qk * (n - 1)).astype(data.dtype)


_RESHAPE_SQUEEZE = primitive("squeeze_dim_reshape", lambda xp, x, *, shape: xp.reshape(x, shape),
                             node="SqueezeBackward4")
defvjp(_RESHAPE_SQUEEZE, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))


def _reshape_as_squeeze(t, shape):
    return apply(_RESHAPE_SQUEEZE, (t,), {"shape": tuple(shape)})


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


# ---- cov / corrcoef ---------------------------------------------------------------------------------------------
def _check_weights(name, w, kind, n):
    if w is None:
        return
    if w._data.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{w._data.ndim} dimensions")
    if kind == "int" and w._dtype._cat != 1:
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                           f"{w._dtype.scalar_name} dtype")
    if kind == "float" and w._dtype._cat != 2:
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got {name} with "
                           f"{w._dtype.scalar_name} dtype")
    if w._data.size != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {w._data.size} != {n}")
    if (w._data < 0).any():
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """numpy.cov's estimate, as PyTorch composes it: weighted mean, centred input, one matrix product."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with {nd} "
                           f"dimensions")
    obs_dim = 1 if nd == 2 else 0
    n = input._data.shape[obs_dim] if nd else 1
    _check_weights("fweights", fweights, "int", n)
    _check_weights("aweights", aweights, "float", n)
    w = fweights
    if aweights is not None:
        w = aweights if w is None else E.mul(w, aweights)
    w_sum = _sum(w) if w is not None else n
    x2 = input if nd == 2 else S.reshape(input, (1, -1))
    avg = E.div(_sum(x2 if w is None else E.mul(x2, w), 1), w_sum)
    if w is None:
        norm = n - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = E.sub(w_sum, correction)
    else:
        norm = E.sub(w_sum, E.div(E.mul(_sum(E.mul(w, aweights)), correction), w_sum))
    if float(_data(norm) if isinstance(norm, Tensor) else norm) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = E.mul(norm, 0) if isinstance(norm, Tensor) else 0
    centred = E.sub(x2, S.unsqueeze(avg, 1))
    c = L.mm(centred, S.t(centred if w is None else E.mul(centred, w)))
    return S.squeeze(E.div(c, norm))


def corrcoef(input):
    c = cov(input)
    if c._data.ndim == 0:
        return E.div(c, c)
    std = U.sqrt(S.diagonal(c))
    c = E.div(c, S.view(std, (-1, 1)))
    c = E.div(c, S.view(std, (1, -1)))
    return E.clamp(c, -1, 1)


# ---- histogram ---------------------------------------------------------------------------------------------
def linspace_like_torch(xp, start, end, steps, dtype):
    """PyTorch's CPU linspace in `dtype`: from `start` up to the middle, from `end` down after it."""
    start, end = xp.asarray(start, dtype=dtype), xp.asarray(end, dtype=dtype)
    if steps == 1:
        return start.reshape(1)
    step = (end - start) / xp.asarray(steps - 1, dtype=dtype)
    i = xp.arange(steps)
    half = steps // 2
    lo = start + step * i[:half].astype(dtype)
    hi = end - step * (steps - 1 - i[half:]).astype(dtype)
    return xp.concatenate([lo, hi]).astype(dtype, copy=False)


def _histogram_fwd(xp, x, bins, weight, *, nbins, lo, hi, density):
    flat = x.reshape(-1)
    edges = linspace_like_torch(xp, lo, hi, nbins + 1, x.dtype) if bins is None else bins.astype(x.dtype)
    nb = edges.shape[0] - 1
    if nb < 1:
        return xp.zeros(0, x.dtype), edges.copy()
    idx = xp.searchsorted(edges, flat, side="right") - 1
    idx = xp.where(flat == edges[-1], nb - 1, idx)
    inside = (flat >= edges[0]) & (flat <= edges[-1])
    w = None if weight is None else weight.reshape(-1)[inside]
    hist = xp.bincount(idx[inside], weights=w, minlength=nb)[:nb].astype(x.dtype)
    if density:
        hist = quiet(lambda: hist / (hist.sum() * (edges[1:] - edges[:-1])))
    return hist, edges.copy()


HISTOGRAM = _not_implemented_node(primitive("histogram", _histogram_fwd, nout=2))
defvjp(HISTOGRAM, x=_no_derivative("histogram"), bins=_no_derivative("histogram"),
       weight=_no_derivative("histogram"))


def _fmt(v):
    return f"{v:g}"


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    if input._dtype._cat != 2:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{input._dtype.scalar_name}'")
    if weight is not None and weight._dtype is not input._dtype:
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should "
                           f"have the same dtype, but got input({input._dtype.cpp_name}), and "
                           f"weight({weight._dtype.cpp_name})")
    kw = {"nbins": 0, "lo": 0.0, "hi": 0.0, "density": bool(density)}
    if isinstance(bins, Tensor):
        if bins._dtype is not input._dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                               f"got input with dtype {input._dtype.cpp_name} and bins for dimension 0 with dtype "
                               f"{bins._dtype.cpp_name}")
        return _HISTOGRAM(*apply(HISTOGRAM, (input, bins, weight), kw))
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    data = input._data
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
    elif data.size:
        lo, hi = float(data.min()), float(data.max())
    else:
        lo, hi = 0.0, 1.0
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {_fmt(lo)} max {_fmt(hi)} "
                           f"for dimension 0")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_fmt(lo)}, {_fmt(hi)}] is not finite")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    kw.update(nbins=int(bins), lo=lo, hi=hi)
    return _HISTOGRAM(*apply(HISTOGRAM, (input, None, weight), kw))


_PUBLIC = ("nansum", "nanmean", "nanmedian", "quantile", "nanquantile", "mode", "aminmax", "msort", "cov",
           "corrcoef", "histogram")
API = {"torch": _PUBLIC, "Tensor": _PUBLIC, "nn.functional": (), "linalg": (), "special": ()}
