"""PyTorch's CPU sampling kernels over a Generator's stream, as NumPy: each function returns the values PyTorch
writes, in the order its kernel draws them (see `layout` for where they go in a tensor).

The transforms, as PyTorch 2.13's CPU kernels do them (found by comparing bits with it):
- uniform on [0, 1): float32 (and float16, computed in float32) takes one 32-bit draw and keeps 24 bits, float64
  a 64-bit draw and keeps 53; `from + u * (to - from)` is one fused multiply-add.
- normal, float tensors of 16 or more contiguous elements: every uniform is drawn first, then Box-Muller runs
  over blocks of 16 (pairs j, j + 8); when the size is not a multiple of 16 the last 16 values are drawn again
  and recomputed. float32 uses the AVX2 polynomials (fmath), float64 the C library's log/cos/sin; float16 runs
  the float32 kernel one block at a time (16 uniforms per block, then 16 for the tail) and rounds.
- normal otherwise (fewer than 16, or not contiguous): a scalar Box-Muller in float64 that returns the cosine
  value and keeps the sine value in the generator for the next scalar normal draw.
- integers: `random() % range + low`, with 64-bit draws when the range reaches 2**28.
- exponential, geometric, cauchy, log-normal and bernoulli: one float64 uniform per value (log-normal: one
  scalar normal); the C library computes log1p, log, tan and exp, which is why those run through `math` here
  (NumPy's vectorized float64 log/exp differ from it in the last bit).
"""
import math

import numpy as np

from .fmath import fma32, fma64, log_ps, sincos_ps
from .stdsort import topk_indices

__all__ = ["unit_float64", "unit_float32", "uniform", "normal", "normal_scalar", "ints_from_to", "ints_full_range",
           "ints_default", "randperm", "bernoulli_p", "bernoulli_tensor", "exponential", "geometric", "cauchy",
           "log_normal", "poisson", "multinomial_race", "multinomial_cdf", "dtype_range", "round_trip", "broadcast",
           "bernoulli_checked", "layout", "place", "like_layout"]

_M53 = np.uint64((1 << 53) - 1)
_TWO_PI = 2.0 * math.pi
_TWO_PI_F = np.float32(_TWO_PI)


def _libm(fn, x):
    """`fn` (a `math` function: the C library's) of each float64 in `x`."""
    return np.fromiter(map(fn, x.tolist()), np.float64, len(x))


# ---- uniform ---------------------------------------------------------------------------------------------
def unit_float64(gen, n):
    """n uniforms on [0, 1) in float64 (53 bits of one 64-bit draw each)."""
    return (gen._raw64(n) & _M53).astype(np.float64) * 2.0 ** -53


def unit_float32(gen, n):
    """n uniforms on [0, 1) in float32 (24 bits of one 32-bit draw each)."""
    return (gen._raw32(n) & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2.0 ** -24)


def uniform(gen, n, np_dtype, low=0.0, high=1.0):
    """n uniforms on [low, high) in `np_dtype` (float16, float32 or float64). float16 is computed in float32 and
    rounded, as PyTorch computes its reduced-precision types."""
    if np_dtype == np.float64:
        u = unit_float64(gen, n)
        return u if (low, high) == (0, 1) else fma64(u, high - low, low)
    u = unit_float32(gen, n)
    lo, hi = np.float32(low), np.float32(high)
    out = u if (low, high) == (0, 1) else fma32(u, hi - lo, lo)
    return out if np_dtype == np.float32 else out.astype(np_dtype)


# ---- normal ----------------------------------------------------------------------------------------------
def normal(gen, n, np_dtype, mean=0.0, std=1.0, contiguous=True):
    """n normal values in `np_dtype`: the block kernel for 16 or more contiguous values, else the scalar one."""
    if n >= 16 and contiguous:
        return _normal_blocks(gen, n, np_dtype, mean, std)
    return normal_scalar(gen, n, mean, std).astype(np_dtype)


def _normal_blocks(gen, n, np_dtype, mean, std):
    full = n // 16 * 16
    out = np.empty(n, np_dtype)
    if np_dtype == np.float16:
        # float16 is computed in float32 one block at a time: 16 uniforms per block, then 16 for the tail
        u = unit_float32(gen, full + (16 if n % 16 else 0)).reshape(-1, 16)
        z = _box_muller_16(u, np.float32, mean, std).astype(np_dtype)
        out[:full] = z[:full // 16].ravel()
        if n % 16:
            out[n - 16:] = z[-1]
        return out
    u = uniform(gen, n, np_dtype)
    tail = uniform(gen, 16, np_dtype) if n % 16 else None
    out[:full] = _box_muller_16(u[:full].reshape(-1, 16), np_dtype, mean, std).ravel()
    if tail is not None:
        out[n - 16:] = _box_muller_16(tail.reshape(1, 16), np_dtype, mean, std).ravel()
    return out


def _box_muller_16(u, np_dtype, mean, std):
    """Box-Muller on rows of 16 uniforms: u[j] gives the radius and u[j + 8] the angle of outputs j and j + 8."""
    if np_dtype == np.float32:
        radius = np.sqrt(np.float32(-2) * log_ps(np.float32(1) - u[:, :8]))
        sin, cos = sincos_ps(_TWO_PI_F * u[:, 8:])
        z = np.concatenate([radius * cos, radius * sin], axis=1)
        mean, std = np.float32(mean), np.float32(std)
        return z if (mean, std) == (0, 1) else fma32(z, std, mean)
    shape = u[:, :8].shape
    radius = np.sqrt(-2.0 * _libm(math.log, (1.0 - u[:, :8]).ravel())).reshape(shape)
    theta = (_TWO_PI * u[:, 8:]).ravel()
    z = np.concatenate([radius * _libm(math.cos, theta).reshape(shape),
                        radius * _libm(math.sin, theta).reshape(shape)], axis=1)
    return z if (mean, std) == (0, 1) else fma64(z, std, mean)


def normal_scalar(gen, n, mean=0.0, std=1.0):
    """n values of PyTorch's scalar normal sampler, in float64: a cached value first if the generator holds one,
    then pairs (r cos t, r sin t) from two float64 uniforms; an odd one out leaves its sine value cached."""
    z = np.empty(n)
    start = 0
    if n and gen.normal_cache is not None:
        z[0] = gen.normal_cache
        gen.normal_cache = None
        start = 1
    m = n - start
    if m:
        pairs = (m + 1) // 2
        u = unit_float64(gen, 2 * pairs)
        radius = np.sqrt(-2.0 * _libm(math.log1p, -u[1::2]))
        theta = _TWO_PI * u[0::2]
        both = np.empty(2 * pairs)
        both[0::2] = radius * _libm(math.cos, theta)
        both[1::2] = radius * _libm(math.sin, theta)
        z[start:] = both[:m]
        if m % 2:
            gen.normal_cache = float(both[-1])
    return z if (mean, std) == (0, 1) else fma64(z, std, mean)


# ---- integers ----------------------------------------------------------------------------------------------
def ints_from_to(gen, n, span, low):
    """n values of `random() % span + low` (PyTorch's random_(from, to)), as int64 before the cast. Spans of 2**28
    and more take 64-bit draws (whatever the dtype: found by experiment; PyTorch's sources once said 2**32)."""
    raw = gen._raw64(n) if span >= 1 << 28 else gen._raw32(n)
    return (raw % np.uint64(span)).astype(np.int64) + np.int64(low)  # wraps as int64, as in C++


def ints_full_range(gen, n):
    """random_(-2**63, None): 64-bit draws read as int64."""
    return gen._raw64(n).view(np.int64)


def ints_default(gen, n, np_dtype):
    """random_() with no bounds: [0, 2**mantissa] for floats, [0, max] for integers, one bit for bool."""
    dt = np.dtype(np_dtype)
    if dt == np.bool_:
        return gen._raw32(n) & np.uint64(1)
    if dt == np.int64:
        return gen._raw64(n) % np.uint64(1 << 63)
    if dt == np.float64:
        return gen._raw64(n) % np.uint64((1 << 53) + 1)
    if dt == np.float32:
        return gen._raw32(n) % np.uint64((1 << 24) + 1)
    if dt == np.float16:
        return gen._raw32(n) % np.uint64((1 << 11) + 1)
    return gen._raw32(n) % np.uint64(int(np.iinfo(dt).max) + 1)


def randperm(gen, n):
    """PyTorch's Fisher-Yates: position i swaps with i + random() % (n - i). Sequential by nature: the swaps run
    in Python on a list (the draws come at once). Past 2**32 / 20 elements PyTorch switches to the inside-out
    variant with 64-bit draws, done here too."""
    if n < (1 << 32) // 20:
        if n < 2:
            return np.arange(n, dtype=np.int64)
        picks = (gen._raw32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        perm = list(range(n))
        for i, z in enumerate(picks):
            j = i + z
            perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, dtype=np.int64)
    picks = (gen._raw64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
    perm = [0] * n
    for i, z in enumerate(picks):
        perm[i] = perm[z]
        perm[z] = i
    return np.array(perm, dtype=np.int64)


# ---- the other distributions (one float64 uniform per value unless said) ----------------------------------
def bernoulli_p(gen, n, p):
    """n draws of bernoulli(p) for a number p: a float64 uniform below p."""
    return unit_float64(gen, n) < p


def bernoulli_tensor(gen, p):
    """bernoulli of each probability in the flat array `p`: float64 p compares a float64 uniform, other
    dtypes a float32 one (24 bits)."""
    if p.dtype == np.float64:
        return unit_float64(gen, p.size) < p
    return unit_float32(gen, p.size) < p.astype(np.float32)


def exponential(gen, n, lambd):
    """-log(1 - u) / lambda."""
    return (-1.0 / lambd) * _libm(math.log1p, -unit_float64(gen, n))


def geometric(gen, n, p):
    """ceil(log(u) / log(1 - p)): the number of trials to the first success."""
    return np.ceil(_libm(math.log, unit_float64(gen, n)) / math.log1p(-p))


def cauchy(gen, n, median, sigma):
    """median + sigma * tan(pi * (u - 1/2))."""
    t = _libm(math.tan, math.pi * (unit_float64(gen, n) - 0.5))
    return fma64(np.full(n, float(sigma)), t, median)


def log_normal(gen, n, mean, std):
    """exp of the scalar normal sampler's values (it uses, and may leave, the generator's cached value)."""
    return _libm(math.exp, normal_scalar(gen, n, mean, std))


def poisson(gen, rates):
    """PyTorch's sampler for each rate in the flat float64 array `rates`: multiplying uniforms below 10 (Knuth),
    Hoermann's transformed rejection from 10 up. Each value takes a number of draws that depends on the draws,
    so this runs per value in Python, reading ahead from a buffer and then consuming exactly what was used."""
    out = np.empty(len(rates))
    reader = _Reader(gen)
    try:
        for i, lam in enumerate(rates.tolist()):
            out[i] = _poisson_one(lam, reader)
    finally:
        reader.close()  # a bad rate raises after the values before it have drawn
    return out


class _Reader:
    """float64 uniforms read ahead from a generator; `close` leaves the generator as if only the values read
    had been drawn."""
    __slots__ = ("gen", "state", "buf", "pos", "used")

    def __init__(self, gen):
        self.gen = gen
        self.state = gen._engine().state
        self.buf, self.pos, self.used = [], 0, 0

    def __call__(self):
        if self.pos == len(self.buf):
            self.buf = unit_float64(self.gen, 256).tolist()
            self.pos = 0
        self.pos += 1
        self.used += 1
        return self.buf[self.pos - 1]

    def close(self):
        self.gen._engine().state = self.state
        if self.used:
            self.gen._raw64(self.used)


def _poisson_one(lam, uniform):
    if lam >= 10:
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = uniform() - 0.5
            v = uniform()
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                    <= -lam + k * loglam - _lgamma(k + 1.0)):
                return k
    if not lam >= 0:
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    if lam == 0:
        return 0
    enlam = math.exp(-lam)
    x, prod = 0, 1.0
    while True:
        prod *= uniform()
        if prod <= enlam:
            return x
        x += 1


def _lgamma(x):
    # NOTE: Python's math.lgamma is its own approximation, not the C library's that PyTorch calls; the two can
    # differ in the last bit, which changes an accept/reject decision only on an exact tie (never seen).
    return math.lgamma(x)


def multinomial_race(probs, q, n_sample):
    """Without replacement (or one sample): PyTorch's exponential race over the rows of `probs`, with `q` the Exp(1)
    draws in `probs`' dtype: the argmax, or the top `n_sample` (largest first), of probs / q. Ties (every
    zero-probability category has the key 0) are ordered as PyTorch's topk leaves them (stdsort)."""
    keys = probs / q
    if n_sample == 1:
        return np.argmax(keys, axis=1)[:, None]
    order = np.argsort(-keys, axis=1, kind="stable")
    out = order[:, :n_sample]
    top = np.take_along_axis(keys, order[:, :n_sample + 1], axis=1)
    for r in np.flatnonzero((top[:, 1:] == top[:, :-1]).any(axis=1)):
        out[r] = topk_indices(keys[r].tolist(), n_sample)
    return out


def multinomial_cdf(gen, probs, n_sample, check):
    """With replacement: per row, a binary search of float64 uniforms in the row's cumulative sum (accumulated in
    the probabilities' dtype, divided by its total, its last entry set to 1). `check(row, total)` validates a row
    before its draws, as PyTorch does row by row."""
    out = np.empty((probs.shape[0], n_sample), np.int64)
    for r, row in enumerate(probs):
        cum = np.cumsum(row, dtype=row.dtype)
        check(row, cum[-1])
        cum = cum / cum[-1]
        cum[-1] = 1
        out[r] = np.searchsorted(cum, unit_float64(gen, n_sample), side="left")
    return out


# ---- host-side helpers of the sampling ops (ops/distributions.py computes nothing with NumPy itself) ------------
def dtype_range(np_dtype):
    """(lowest, highest) value of a dtype, as Python numbers."""
    dt = np.dtype(np_dtype)
    if dt == np.bool_:
        return 0, 1
    info = np.finfo(dt) if dt.kind == "f" else np.iinfo(dt)
    return (float(info.min), float(info.max)) if dt.kind == "f" else (int(info.min), int(info.max))


def round_trip(v, np_dtype):
    """int64(dtype(v)) for an integer v, saturated as x86's conversion of an out-of-range float is."""
    f = float(np.asarray(v, np.float64).astype(np_dtype))
    return -(1 << 63) if not -2.0 ** 63 <= f < 2.0 ** 63 else int(f)


def broadcast(a, b):
    """The broadcast shape of shapes a and b, or None."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


def bernoulli_checked(gen, p):
    """bernoulli_tensor of the flat probabilities `p`, or None when one is outside [0, 1] (PyTorch checks each as it
    draws: the values before the bad one have drawn)."""
    bad = np.flatnonzero(~((p >= 0) & (p <= 1)))
    if bad.size:
        bernoulli_tensor(gen, p[:bad[0]])
        return None
    return bernoulli_tensor(gen, p)


# ---- where the values go ---------------------------------------------------------------------------------
def layout(arr):
    """The axes of `arr` in the order PyTorch's TensorIterator walks an output with its strides (outermost first:
    memory order for a permuted tensor), or None for plain row-major order (a C-contiguous array, or one NumPy
    holds reversed, which PyTorch holds as a contiguous copy)."""
    if arr.flags.c_contiguous:
        return None
    axes = sorted(range(arr.ndim), key=lambda i: (arr.shape[i] != 1, -abs(arr.strides[i])))
    big = [i for i in axes if arr.shape[i] != 1]
    if big == sorted(big) and _dense(arr, axes):
        return None
    return axes


def _dense(arr, axes):
    """Whether `arr`'s elements fill a block of memory, walked along `axes`."""
    size = arr.itemsize
    for i in reversed(axes):
        if arr.shape[i] != 1:
            if abs(arr.strides[i]) != size:
                return False
            size *= arr.shape[i]
    return True


def place(values, shape, axes):
    """The array of `shape` that holds the flat `values` in the walk `axes` (from `layout`)."""
    if axes is None:
        return values.reshape(shape)
    out = np.empty(shape, values.dtype)
    np.transpose(out, axes)[...] = values.reshape(tuple(shape[i] for i in axes))
    return out


def like_layout(arr):
    """The walk of a new tensor made like `arr` with PyTorch's preserve_format: `arr`'s own order when its elements
    are dense in memory (a transposed tensor), row-major otherwise."""
    axes = layout(arr)
    return axes if axes is not None and _dense(arr, axes) else None
