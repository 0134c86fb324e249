"""Floating-point helpers that PyTorch's CPU sampling kernels need bit for bit: fused multiply-add, and the
float32 log and sin/cos of its AVX2 Box-Muller.

PyTorch compiles its CPU distribution kernels for AVX2 with FMA and lets the compiler fuse `x * scale + shift`
into one rounding; NumPy has no fused multiply-add, so `fma32` / `fma64` emulate it exactly. `log_ps` and
`sincos_ps` are Cephes' single-precision polynomials as PyTorch's `avx_mathfun.h` evaluates them (range
reduction, coefficients and, after the compiler's contraction, the same fused steps), so `randn` in float32
matches PyTorch's bits instead of libm's.
"""
import numpy as np

__all__ = ["fma32", "fma64", "log_ps", "sincos_ps"]

_f32 = np.float32
_MID_MASK = np.int64((1 << 29) - 1)  # the float64 mantissa bits below float32's
_MID = np.int64(1 << 28)  # ... equal to this: exactly halfway between two float32 values


def _two_sum(a, b):
    """s = a + b rounded, and its exact rounding error."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _add_odd(a, b):
    """a + b rounded to odd (the neighbour whose last bit is 1 when the sum is inexact): a later rounding to a
    narrower or equal precision is then the correct rounding of the exact sum (Boldo and Melquiond)."""
    s, err = _two_sum(a, b)
    fix = (err != 0) & ((s.view(np.int64) & 1) == 0)
    if fix.any():
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def fma32(a, b, c):
    """float32 a * b + c (float32 arrays, or numbers broadcast against them) with one rounding. The product is exact
    in float64, so only the float64 sum's rounding can spoil the result: where it lands exactly halfway between two
    float32 values (often, in the polynomials), that sum is redone rounded to odd."""
    s = np.multiply(a, b, dtype=np.float64)
    s = np.add(s, c, dtype=np.float64)
    mid = (s.view(np.int64) & _MID_MASK) == _MID
    if mid.any():
        idx = np.flatnonzero(mid)
        shape = s.shape
        a64, b64, c64 = (np.broadcast_to(np.asarray(v, np.float64), shape).reshape(-1)[idx] for v in (a, b, c))
        s.reshape(-1)[idx] = _add_odd(a64 * b64, c64)
    return s.astype(np.float32)


def _split(a):
    """Veltkamp's split of float64 `a` into two halves of 26 bits each (hi + lo == a)."""
    t = a * 134217729.0  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def fma64(a, b, c):
    """float64 a * b + c with one rounding (Boldo and Melquiond's emulation: the exact product by Dekker's
    algorithm, an exact sum with c, the two low parts added rounded to odd, then one rounding). Valid away from
    overflow and underflow, which the sampling kernels' values are."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(c, np.float64))
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, p)
    return th + _add_odd(tl, pe)


# ---- avx_mathfun's float32 log and sincos, with the fused steps GCC makes of them --------------------------
_LOG_P = [_f32(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                            1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                            3.3333331174e-1)]


def log_ps(x):
    """Natural log of positive normal float32 values: x = m * 2**e with m in [sqrt(1/2), sqrt(2)), then a degree-9
    polynomial in m - 1 and e * log(2) added in two parts."""
    x = np.asarray(x, np.float32)
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(np.float32) + _f32(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(np.float32)  # the mantissa as a value in [0.5, 1)
    small = m < _f32(0.707106781186547524)
    t = m - _f32(1)
    e = e - small.astype(np.float32)
    t = t + np.where(small, m, _f32(0))  # m < sqrt(1/2): use 2m - 1 and one less in the exponent
    z = t * t
    y = np.full_like(t, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma32(y, t, p)
    y = y * t
    y = fma32(y, z, e * _f32(-2.12194440e-4))
    y = fma32(-z, _f32(0.5), y)
    return fma32(e, _f32(0.693359375), t + y)


def sincos_ps(x):
    """(sin x, cos x) of float32 values: reduced by multiples of pi/4 in three parts (Cody and Waite), then the
    sine or the cosine polynomial, chosen and signed by the octant."""
    x = np.asarray(x, np.float32)
    sign_sin = x.view(np.int32) & np.int32(-0x80000000)
    x = np.abs(x)
    j = (x * _f32(1.27323954473516)).astype(np.int32)  # 4 / pi, truncated like cvttps
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    x = fma32(y, _f32(-0.78515625), x)
    x = fma32(y, _f32(-2.4187564849853515625e-4), x)
    x = fma32(y, _f32(-3.77489497744594108e-8), x)
    sign_sin = sign_sin ^ ((j & 4) << 29)
    sign_cos = (~(j - 2) & 4) << 29
    use_sin_poly = (j & 2) == 0
    z = x * x
    c = fma32(np.full_like(z, _f32(2.443315711809948e-5)), z, _f32(-1.388731625493765e-3))
    c = fma32(c, z, _f32(4.166664568298827e-2))
    c = fma32(c * z, z, -(z * _f32(0.5))) + _f32(1)
    s = fma32(np.full_like(z, _f32(-1.9515295891e-4)), z, _f32(8.3321608736e-3))
    s = fma32(s, z, _f32(-1.6666654611e-1))
    s = fma32(s * z, x, x)
    sin = np.where(use_sin_poly, s, c).view(np.int32) ^ sign_sin
    cos = np.where(use_sin_poly, c, s).view(np.int32) ^ sign_cos
    return sin.view(np.float32), cos.view(np.float32)
