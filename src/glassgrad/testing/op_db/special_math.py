"""OpInfo rows: the special functions and elementwise odds and ends of ops/special_math.py (lgamma, digamma, i0,
sinc, deg2rad, logaddexp, copysign, ldexp, nextafter ...) and the nan-aware reductions and scans of
ops/statistics.py and ops/scans.py (nansum, nanmean, logcumsumexp).

References are NumPy's (np.i0, np.sinc, np.logaddexp ...) or the standard library's math.lgamma; digamma's is a
central difference of math.lgamma (accurate to about 1e-9, within the float64 tolerance).
"""
import math

import numpy as np

from ..opinfo import OpInfo, S, FI, FLOAT_DTYPES, unary_samples, binary_samples

POSITIVE = (0.2, 3.0)


def _lgamma(x):
    """math.lgamma, with inf at its poles (0, -1, -2 ...) where math raises."""
    def one(v):
        return math.inf if v <= 0 and v == math.floor(v) else math.lgamma(v)
    return np.vectorize(one, otypes=[np.float64])(x)


def _digamma(x):
    h = 1e-5
    d = (np.vectorize(math.lgamma, otypes=[np.float64])(x.astype(np.float64) + h)
         - np.vectorize(math.lgamma, otypes=[np.float64])(x.astype(np.float64) - h)) / (2 * h)
    return d.astype(x.dtype)


def _mvlgamma(x, p=3):
    out = sum(np.vectorize(math.lgamma, otypes=[np.float64])(x.astype(np.float64) - j / 2) for j in range(p))
    return (out + p * (p - 1) / 4 * math.log(math.pi)).astype(x.dtype)


def _float_unary(ref):
    """A reference computing in float64 and returning the input's floating dtype (the default float32 for
    integers, as the ops do)."""
    def wrapped(x):
        out = ref(x.astype(np.float64))
        return np.asarray(out, dtype=x.dtype if x.dtype.kind == "f" else np.float32)
    return wrapped


def _unary(name, ref, domain=(-2.0, 2.0), dtypes=FI, away=(), **kw):
    def from_shapes(make, a):
        return S(f"{a}", make(*a))
    return OpInfo(name, lambda m, x: getattr(m, name)(x), _float_unary(ref), unary_samples(), api=(name,),
                  kind="unary", domain=domain, dtypes=dtypes, away=away, from_shapes=from_shapes, **kw)


def _binary(name, ref, scalars=(), rhs=None, lhs=None, **kw):
    gen, fs = binary_samples(lhs, rhs, scalars)
    return OpInfo(name, lambda m, x, y: getattr(m, name)(x, y), ref, gen, api=(name,), kind="binary",
                  from_shapes=fs, **kw)


def _ldexp_samples(make):
    # NOTE: with an integer exponent PyTorch's gradient is 2 ** e taken in integers (0 for e < 0), which finite
    # differences do not see: those samples are checked against PyTorch only, the others by gradcheck too
    return [S("int_exponent", make(2, 3), make(2, 3, dtype="int64", low=-3, high=3), gradcheck=False),
            S("bcast", make(3, 1), make(1, 4, dtype="int64", low=-2, high=2), gradcheck=False),
            S("int_nonnegative", make(2, 3), make(2, 3, dtype="int64", low=0, high=3)),
            S("float_exponent", make(2, 3), make(2, 3))]


def _nan_input(make):
    x = make(3, 4)
    x[0, 1] = x[2, 0] = x[2, 3] = np.nan
    return x


def _nan_reduction_samples(make):
    x = make(3, 4)
    return [S("all", x), S("dim1", x, dim=1), S("dims_keep", x, dim=(0, 1), keepdim=True),
            S("nan_all", _nan_input(make), gradcheck=False), S("nan_dim0", _nan_input(make), dim=0, gradcheck=False)]


def _nan_ref(fn):
    def ref(x, dim=None, keepdim=False):
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.asarray(fn(x, axis=dim, keepdims=keepdim), dtype=x.dtype)
    return ref


def _logcumsumexp_samples(make):
    return [S("dim1", make(3, 4), 1), S("dim0", make(3, 4), 0), S("0d", make(), 0), S("1d", make(6), -1)]


def _logcumsumexp_ref(x, dim):
    return np.logaddexp.accumulate(x, axis=dim) if x.ndim else x.copy()


ROWS = [
    _unary("lgamma", _lgamma, domain=POSITIVE),
    _unary("digamma", lambda x: _digamma(x), domain=POSITIVE, dtypes=FLOAT_DTYPES),
    OpInfo("polygamma_1", lambda m, x: m.polygamma(1, x),
           lambda x: ((_digamma(x.astype(np.float64) + 1e-4) - _digamma(x.astype(np.float64) - 1e-4)) / 2e-4)
           .astype(x.dtype), unary_samples(), api=("polygamma",), domain=POSITIVE,
           tol={"float32": (1e-4, 1e-4), "float64": (1e-5, 1e-5)}),
    OpInfo("mvlgamma", lambda m, x: m.mvlgamma(x, 3), _mvlgamma, unary_samples(), api=("mvlgamma",),
           domain=(1.2, 4.0)),
    _unary("i0", np.i0),
    _unary("sinc", np.sinc, away=(0.0,)),
    _unary("deg2rad", np.deg2rad),
    _unary("rad2deg", np.rad2deg),
    _binary("logaddexp", np.logaddexp),
    _binary("logaddexp2", np.logaddexp2),
    _binary("copysign", lambda x, y: np.copysign(x, y).astype(np.result_type(x, y) if isinstance(y, np.ndarray)
                                                                else x.dtype), scalars=(-2.5,),
            lhs={"away": (0.0,)}, rhs={"away": (0.0,)}),
    _binary("nextafter", np.nextafter, rhs={"away": (0.0,)}),
    OpInfo("ldexp", lambda m, x, e: m.ldexp(x, e),
           lambda x, e: (x * np.power(2.0, e.astype(np.float64))).astype(np.result_type(x.dtype, np.float32)
                                                                          if e.dtype.kind == "i" else
                                                                          np.result_type(x, e)),
           _ldexp_samples, api=("ldexp",)),
    OpInfo("nansum", lambda m, x, **kw: m.nansum(x, **kw), _nan_ref(np.nansum), _nan_reduction_samples,
           api=("nansum",), kind="other"),
    OpInfo("nanmean", lambda m, x, **kw: m.nanmean(x, **kw), _nan_ref(np.nanmean), _nan_reduction_samples,
           api=("nanmean",), kind="other"),
    OpInfo("logcumsumexp", lambda m, x, dim: m.logcumsumexp(x, dim), _logcumsumexp_ref, _logcumsumexp_samples,
           api=("logcumsumexp",)),
]
