"""Special functions and the elementwise odds and ends PyTorch programs reach for: lgamma, digamma, polygamma,
mvlgamma, i0 (and special.i1), sinc, deg2rad/rad2deg, logaddexp(2), heaviside, copysign, signbit, gcd/lcm,
frexp/ldexp, nextafter, positive; and the dtype questions result_type, can_cast, is_signed, is_complex ...

NumPy has none of the gamma family, so the kernels are written here in float64 over `xp` (float32 results are
float64 ones rounded once): lgamma by Stirling's series after shifting the argument up (reflection below 1/2),
digamma likewise, trigamma and polygamma(n >= 2) by the recurrences, series and Euler-Maclaurin sums PyTorch's
CPU kernels use, so that their values (and their values at the poles) are PyTorch's.
"""
import math

from .registry import primitive, defvjp, apply, call, ZERO_GRAD
from .unary import check_tensor, finish, not_implemented
from .elementwise import _not_implemented_node, _no_derivative
from .inplace import apply_inplace
from ..backends import quiet
from ..tensor import Tensor
from .. import _dtype as D
from .. import return_types as RT

__all__ = ["deg2rad", "rad2deg", "logaddexp", "logaddexp2", "lgamma", "digamma", "polygamma", "mvlgamma", "i0",
           "i1", "sinc", "heaviside", "copysign", "signbit", "gcd", "lcm", "frexp", "ldexp", "nextafter", "positive",
           "is_complex", "is_nonzero", "is_same_size", "is_signed", "result_type", "can_cast", "real", "imag"]

_LOG_PI = math.log(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _data(v):
    return v._data if isinstance(v, Tensor) else v


def _run64(xp, x, kernel, **kw):
    """`kernel(xp, x64, **kw)` on x as flat float64, returned in x's (floating) dtype and shape."""
    out = quiet(lambda: kernel(xp, xp.asarray(x, dtype=xp.float64).reshape(-1), **kw))
    return out.reshape(x.shape).astype(x.dtype, copy=False)


def _in_float64(kernel):
    return lambda xp, x: _run64(xp, x, kernel)


# ---- the gamma family: float64 kernels on flat arrays ---------------------------------------------------------
# Stirling's series of lgamma: B_2k / (2k (2k - 1) z^(2k - 1)), k = 1..6 (enough from z = 15 on)
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360)
# the asymptotic series of digamma: B_2k / (2k z^2k), k = 1..7 (enough from z = 10 on)
_PSI_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _lgamma_from_half(xp, z):
    """lgamma(z) for z >= 1/2 (inf and nan pass through): shifted up to z >= 15, then Stirling's series."""
    w = z.copy()
    prod = xp.ones_like(z)
    for _ in range(15):
        low = w < 15
        prod = xp.where(low, prod * w, prod)
        w = xp.where(low, w + 1, w)
    r = 1 / (w * w)
    series = xp.zeros_like(w)
    for c in reversed(_STIRLING):
        series = series * r + c
    out = (w - 0.5) * xp.log(w) - w + _HALF_LOG_2PI + series / w - xp.log(prod)
    return xp.where(xp.isinf(z), xp.inf, xp.where((z == 1) | (z == 2), 0.0, out))


def _lgamma64(xp, x):
    """lgamma: by reflection below 1/2, log(pi / |sin(pi x)|) - lgamma(1 - x); sin(pi x) from x minus its
    nearest integer (exact), so the poles at 0, -1, -2 ... give inf."""
    low = x < 0.5
    out = _lgamma_from_half(xp, xp.where(low, 1 - x, x))
    r = x - xp.round(x)
    reflected = _LOG_PI - xp.log(xp.abs(xp.sin(math.pi * r))) - out
    return xp.where(low, xp.where(xp.isinf(x), xp.inf, reflected), out)


def _digamma_from_zero(xp, z):
    """digamma(z) for z > 0: shifted up to z >= 10, then the asymptotic series."""
    w = z.copy()
    acc = xp.zeros_like(z)
    for _ in range(10):
        low = w < 10
        acc = xp.where(low, acc - 1 / w, acc)
        w = xp.where(low, w + 1, w)
    r = 1 / (w * w)
    series = xp.zeros_like(w)
    for c in reversed(_PSI_SERIES):
        series = series * r + c
    return acc + xp.log(w) - 0.5 / w - series * r


def _digamma64(xp, x):
    """digamma: -inf at +0 and inf at -0, nan at the negative integers and -inf; by reflection below 0,
    digamma(1 - x) - pi / tan(pi x)."""
    neg = x < 0
    out = _digamma_from_zero(xp, xp.where(neg, 1 - x, x))
    r = x - xp.round(x)
    reflected = xp.where(r == 0, xp.nan, out - math.pi / xp.tan(math.pi * r))
    out = xp.where(neg, reflected, out)
    return xp.where(x == 0, xp.where(xp.signbit(x), xp.inf, -xp.inf), out)


def _trigamma64(xp, x, dtype):
    """polygamma(1, x), computed as PyTorch's kernel does (its values at the poles and far out are that
    kernel's): reflection below 1/2 with sin(pi x) as it comes (pi x rounded to the input's `dtype`), six steps
    of the recurrence, then the series."""
    low = x < 0.5
    s = xp.sin((x.astype(dtype) * xp.asarray(math.pi, dtype=dtype)).astype(xp.float64))
    acc = xp.where(low, -(math.pi * math.pi) / (s * s), 0.0)
    w = xp.where(low, 1 - x, x)
    for _ in range(6):
        acc = acc + 1 / (w * w)
        w = w + 1
    r = 1 / (w * w)
    acc = acc + (1 + 1 / (2 * w) + r * (1 / 6 - r * (1 / 30 - r * (1 / 42)))) / w
    return xp.where(low, -acc, acc)


# (2k)! / B_2k, k = 1..12: the Euler-Maclaurin tail of the Hurwitz zeta function
_ZETA_TAIL = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
              -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
              1.8152105401943546773e17, -7.1661652561756670113e18)
_EPS = 1.11022302462515654042e-16


def _zeta64(xp, s, q):
    """The Hurwitz zeta function zeta(s, q) for an integer s >= 2 (PyTorch's special.zeta there): inf at
    q = 0, -1, -2 ... and -inf; else nine or more terms of the sum, then its Euler-Maclaurin tail. Each element
    stops where its next term no longer changes the sum, as PyTorch's kernel does."""
    pole = (q <= 0) & (q == xp.floor(q))
    q = xp.where(pole, 1.0, q)
    total = q ** -s
    a = q.copy()
    b = xp.zeros_like(q)
    done = xp.zeros(q.shape, dtype=bool)
    i = 0
    while True:
        step = ~done & ((i < 9) | (a <= 9))
        if not step.any():
            break
        a = xp.where(step, a + 1, a)
        b = xp.where(step, a ** -s, b)
        total = xp.where(step, total + b, total)
        done |= step & (xp.abs(b / total) < _EPS)
        i += 1
    w = a
    total = xp.where(done, total, total + b * w / (s - 1) - 0.5 * b)
    fac = xp.ones_like(q)
    k = 0.0
    for c in _ZETA_TAIL:
        fac = fac * (s + k)
        b = b / w
        t = fac * b / c
        total = xp.where(done, total, total + t)
        done |= xp.abs(t / total) < _EPS
        k += 1
        fac = fac * (s + k)
        b = b / w
        k += 1
    return xp.where(pole, xp.inf, total)


def _polygamma64(xp, x, *, n, dtype):
    if n == 0:
        return _digamma64(xp, x)
    if n == 1:
        return _trigamma64(xp, x, dtype)
    return (1.0 if n % 2 else -1.0) * float(math.factorial(n)) * _zeta64(xp, float(n + 1), x)


def _mvlgamma64(xp, x, *, p):
    out = xp.zeros_like(x)
    for j in range(p):
        out = out + _lgamma64(xp, x - (p - 1 - j) / 2)
    return out + p * (p - 1) / 4 * _LOG_PI


def _i1_64(xp, x):
    """The modified Bessel function I1: its power series (all terms of one sign) up to |x| = 20, beyond
    that its asymptotic series."""
    a = xp.abs(x)
    small = xp.where(a <= 20, a, 0.0)
    h2 = small * small / 4
    term = small / 2
    total = term.copy()
    for k in range(60):
        term = term * h2 / ((k + 1) * (k + 2))
        total = total + term
    big = xp.where(a > 20, a, 21.0)
    coef, series = 1.0, xp.ones_like(a)
    for k in range(1, 31):
        coef *= (4 - (2 * k - 1) ** 2) / (k * 8)
        series = series + ((-1) ** k) * coef / big ** k
    asym = xp.exp(big) / xp.sqrt(2 * math.pi * big) * series
    out = xp.where(a > 20, asym, total)
    return xp.where(xp.isinf(x), xp.nan, xp.sign(x) * out)


def _i0_64(xp, x):
    # NOTE: NumPy's i0 gives inf at +-inf; PyTorch's kernel gives nan there
    return xp.where(xp.isinf(x), xp.nan, xp.i0(x))


# ---- the gamma family: primitives ------------------------------------------------------------------------------
LGAMMA = primitive("lgamma", _in_float64(_lgamma64), float_result=True)
DIGAMMA = primitive("digamma", _in_float64(_digamma64), float_result=True)
POLYGAMMA = primitive("polygamma", lambda xp, x, *, n: _run64(xp, x, _polygamma64, n=n, dtype=x.dtype),
                      float_result=True)
MVLGAMMA = primitive("mvlgamma", lambda xp, x, *, p: _run64(xp, x, _mvlgamma64, p=p), float_result=True)
I0 = primitive("i0", _in_float64(_i0_64), float_result=True)
I1 = primitive("special_i1", _in_float64(_i1_64), float_result=True)
defvjp(LGAMMA, x=lambda grad, x, xp: grad * call(xp, DIGAMMA, x))
defvjp(DIGAMMA, x=lambda grad, x, xp: grad * call(xp, POLYGAMMA, x, n=1))
defvjp(POLYGAMMA, x=lambda grad, x, n, xp: grad * call(xp, POLYGAMMA, x, n=n + 1))
# NOTE: PyTorch records the in-place polygamma_ under its other overload's name
POLYGAMMA_ = primitive("polygamma_", POLYGAMMA.fwd, float_result=True, node="PolygammaBackward1")
defvjp(POLYGAMMA_, x=lambda grad, x, n, xp: grad * call(xp, POLYGAMMA, x, n=n + 1))
defvjp(I0, x=lambda grad, x, xp: grad * call(xp, I1, x))


def _mvlgamma_vjp(grad, x, p, xp):
    total = call(xp, DIGAMMA, x)
    for j in range(1, p):
        total = total + call(xp, DIGAMMA, x - j / 2)
    return grad * total


def _i1_vjp(grad, x, result, xp):
    # I1' = I0 - I1 / x, which is 1/2 at 0
    zero = _data(x) == 0
    safe = xp.where(zero, 1.0, x)
    return grad * xp.where(zero, 0.5, call(xp, I0, x) - result / safe)


defvjp(MVLGAMMA, x=_mvlgamma_vjp)
defvjp(I1, x=_i1_vjp)


# ---- sinc, angles, log-add-exp --------------------------------------------------------------------------------
def _sinc(xp, x):
    px = x * xp.asarray(math.pi, dtype=x.dtype)
    safe = xp.where(x == 0, xp.asarray(1, dtype=x.dtype), px)
    return xp.where(x == 0, xp.asarray(1, dtype=x.dtype), xp.sin(safe) / safe).astype(x.dtype, copy=False)


def _sinc_vjp(grad, x, xp):
    zero = _data(x) == 0
    px = math.pi * xp.where(zero, 1.0, x)
    return grad * xp.where(zero, 0.0, (px * xp.cos(px) - xp.sin(px)) / (px * xp.where(zero, 1.0, x)))


SINC = primitive("sinc", _sinc, float_result=True, quiet=True)
defvjp(SINC, x=_sinc_vjp)
_D2R = math.pi / 180
DEG2RAD = primitive("deg2rad", lambda xp, x: x * xp.asarray(_D2R, dtype=x.dtype), float_result=True,
                    node="Deg2RadBackward0")
defvjp(DEG2RAD, x=lambda grad: grad * _D2R)
RAD2DEG = primitive("rad2deg", lambda xp, x: x * xp.asarray(1 / _D2R, dtype=x.dtype), float_result=True,
                    node="Rad2DegBackward0")
defvjp(RAD2DEG, x=lambda grad: grad * (1 / _D2R))

LOGADDEXP = primitive("logaddexp", lambda xp, x, y: xp.logaddexp(x, y), promote=True, float_result=True)
defvjp(LOGADDEXP, x=lambda grad, x, y, xp: grad / (1 + xp.exp(y - x)),
       y=lambda grad, x, y, xp: grad / (1 + xp.exp(x - y)))
LOGADDEXP2 = primitive("logaddexp2", lambda xp, x, y: xp.logaddexp2(x, y), promote=True, float_result=True)
defvjp(LOGADDEXP2, x=lambda grad, x, y, xp: grad / (1 + xp.exp((y - x) * math.log(2))),
       y=lambda grad, x, y, xp: grad / (1 + xp.exp((x - y) * math.log(2))))


# ---- sign bits, heaviside, gcd/lcm -------------------------------------------------------------------------
def _heaviside(xp, x, values):
    return xp.where(x == 0, values, (x > 0).astype(x.dtype)).astype(x.dtype, copy=False)


HEAVISIDE = _not_implemented_node(primitive("heaviside", _heaviside))
defvjp(HEAVISIDE, x=_no_derivative("heaviside"), values=_no_derivative("heaviside"))


def _copysign_x_vjp(grad, x, result, xp):
    zero = _data(x) == 0
    return grad * xp.where(zero, 0.0, result / xp.where(zero, 1.0, x))


COPYSIGN = primitive("copysign", lambda xp, x, y: xp.copysign(x, y), promote=True, float_result=True)
defvjp(COPYSIGN, x=_copysign_x_vjp, y=ZERO_GRAD)
COPYSIGN_S = primitive("copysign_scalar", lambda xp, x, y: xp.copysign(x, y), promote=True, float_result=True,
                       node="CopysignBackward1")
defvjp(COPYSIGN_S, x=_copysign_x_vjp)
SIGNBIT = primitive("signbit", lambda xp, x: xp.signbit(x) if x.dtype.kind == "f" else x < 0)
GCD = primitive("gcd", lambda xp, x, y: xp.gcd(x, y), promote=True)
LCM = primitive("lcm", lambda xp, x, y: xp.lcm(x, y), promote=True)


# ---- frexp, ldexp, nextafter -----------------------------------------------------------------------------
def _frexp(xp, x):
    m, e = xp.frexp(x)
    return m.astype(x.dtype, copy=False), e.astype(xp.int32, copy=False)


FREXP = primitive("frexp", _frexp, nout=2, nondiff_outputs=(1,), saved_outputs=(1,))
defvjp(FREXP, x=lambda grad, result, xp: grad[0] / 2.0 ** _data(result[1]).astype(_data(grad[0]).dtype))


def _ldexp(xp, x, e):
    dt = x.dtype
    return (x * xp.power(xp.asarray(2, dtype=dt), e.astype(dt, copy=False))).astype(dt, copy=False)


LDEXP = primitive("ldexp", _ldexp, promote=True, float_result=True, quiet=True)
def _ldexp_x_vjp(grad, e):
    ed = _data(e)
    if ed.dtype.kind in "iub":
        # NOTE: PyTorch's gradient takes 2 ** e in e's integer dtype: 0 for a negative exponent, wrapping around
        # past the dtype's width (2 ** 64 is 0 in int64)
        safe = ed.astype(ed.dtype if ed.dtype.kind != "b" else "int64")
        scale = (safe >= 0) * (safe.dtype.type(2) ** (safe * (safe >= 0)))
        return grad * scale
    return grad * 2.0 ** e


defvjp(LDEXP, x=_ldexp_x_vjp,
       e=lambda grad, x, result: grad * result * math.log(2))
NEXTAFTER = primitive("nextafter", lambda xp, x, y: xp.nextafter(x, y), promote=True)
defvjp(NEXTAFTER, x=lambda grad, x, y, xp: grad * (_data(x) != _data(y)).astype(_data(grad).dtype), y=ZERO_GRAD)


# ---- public functions --------------------------------------------------------------------------------------
def _unary(name, op):
    def fn(input, *, out=None):
        check_tensor(name, input)
        return finish(apply(op, (input,)), out, name)

    def fn_(input):
        return apply_inplace(op, input)
    fn.__name__ = fn.__qualname__ = name
    fn_.__name__ = fn_.__qualname__ = name + "_"
    return fn, fn_


deg2rad, deg2rad_ = _unary("deg2rad", DEG2RAD)
rad2deg, rad2deg_ = _unary("rad2deg", RAD2DEG)
lgamma, lgamma_ = _unary("lgamma", LGAMMA)
digamma, digamma_ = _unary("digamma", DIGAMMA)
i0, i0_ = _unary("i0", I0)
i1, _ = _unary("special_i1", I1)
sinc, sinc_ = _unary("sinc", SINC)


def signbit(input, *, out=None):
    check_tensor("signbit", input)
    return finish(apply(SIGNBIT, (input,)), out, "signbit")


def _polygamma_kw(n):
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return {"n": int(n)}


def polygamma(n, input, *, out=None):
    check_tensor("polygamma", input, "input", 2)
    return finish(apply(POLYGAMMA, (input,), _polygamma_kw(n)), out, "polygamma")


def polygamma_method(input, n):
    return polygamma(n, input)


def polygamma_(input, n):
    return apply_inplace(POLYGAMMA_, input, (), _polygamma_kw(n))


def _mvlgamma_kw(p):
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return {"p": int(p)}


def mvlgamma(input, p, *, out=None):
    check_tensor("mvlgamma", input)
    return finish(apply(MVLGAMMA, (input,), _mvlgamma_kw(p)), out, "mvlgamma")


def mvlgamma_(input, p):
    kw = _mvlgamma_kw(p)
    if not input._dtype.is_floating_point:
        # NOTE: PyTorch's wording for this kernel names the two dtypes the other way round
        raise RuntimeError(f"mvlgamma: result type {input._dtype.scalar_name} can't be cast to the desired output "
                           f"type {D.get_default_dtype().scalar_name}")
    return apply_inplace(MVLGAMMA, input, (), kw)


def _both(name, input, other):
    check_tensor(name, input)
    check_tensor(name, other, "other", 2)


def _refuse_integral(kernel, input, other):
    dt = D.result_type(input, other)
    if dt._cat < 2:
        raise not_implemented(kernel, dt)


def logaddexp(input, other, *, out=None):
    _both("logaddexp", input, other)
    _refuse_integral("logaddexp_cpu", input, other)
    return finish(apply(LOGADDEXP, (input, other)), out, "logaddexp")


def logaddexp2(input, other, *, out=None):
    _both("logaddexp2", input, other)
    _refuse_integral("logaddexp2_cpu", input, other)
    return finish(apply(LOGADDEXP2, (input, other)), out, "logaddexp2")


def _heaviside_check(input, values):
    check_tensor("heaviside", input)
    check_tensor("heaviside", values, "values", 2)
    if input._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")


def heaviside(input, values, *, out=None):
    _heaviside_check(input, values)
    return finish(apply(HEAVISIDE, (input, values)), out, "heaviside")


def heaviside_(input, values):
    _heaviside_check(input, values)
    return apply_inplace(HEAVISIDE, input, (values,))


def _copysign_op(input, other):
    if not isinstance(input, Tensor) or not isinstance(other, (Tensor, int, float)):
        given = ", ".join(type(a).__name__ for a in (input, other))
        raise TypeError(f"copysign() received an invalid combination of arguments - got ({given}), but expected "
                        f"one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n * (Tensor input, Number "
                        f"other, *, Tensor out = None)\n")
    return COPYSIGN if isinstance(other, Tensor) else COPYSIGN_S


def copysign(input, other, *, out=None):
    return finish(apply(_copysign_op(input, other), (input, other)), out, "copysign")


def copysign_(input, other):
    return apply_inplace(_copysign_op(input, other), input, (other,))


def _integral(name, kernel, input, other):
    _both(name, input, other)
    dt = D.result_type(input, other)
    if dt._cat != 1:
        raise not_implemented(kernel, dt)


def gcd(input, other, *, out=None):
    _integral("gcd", "gcd_cpu", input, other)
    return finish(apply(GCD, (input, other)), out, "gcd")


def gcd_(input, other):
    _integral("gcd_", "gcd_cpu", input, other)
    return apply_inplace(GCD, input, (other,))


def lcm(input, other, *, out=None):
    _integral("lcm", "lcm_cpu", input, other)
    return finish(apply(LCM, (input, other)), out, "lcm")


def lcm_(input, other):
    _integral("lcm_", "lcm_cpu", input, other)
    return apply_inplace(LCM, input, (other,))


_FREXP_RT = RT.frexp


def frexp(input, *, out=None):
    check_tensor("frexp", input)
    if not input._dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return _FREXP_RT(*apply(FREXP, (input,)))


def ldexp(input, other, *, out=None):
    _both("ldexp", input, other)
    return finish(apply(LDEXP, (input, other)), out, "ldexp")


def ldexp_(input, other):
    _both("ldexp_", input, other)
    if D.result_type(input, other)._cat > input._dtype._cat or input._dtype._cat < 2:
        raise RuntimeError(f"ldexp can't be cast to the desired output type {input._dtype.scalar_name}")
    return apply_inplace(LDEXP, input, (other,))


def _nextafter_check(name, input, other):
    _both(name, input, other)
    _refuse_integral("nextafter_cpu", input, other)


def nextafter(input, other, *, out=None):
    _nextafter_check("nextafter", input, other)
    return finish(apply(NEXTAFTER, (input, other)), out, "nextafter")


def nextafter_(input, other):
    _nextafter_check("nextafter_", input, other)
    return apply_inplace(NEXTAFTER, input, (other,))


def positive(input):
    check_tensor("positive", input)
    if input._dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# ---- dtype and shape questions ----------------------------------------------------------------------------
def is_complex(input):
    check_tensor("is_complex", input)
    return False


def is_nonzero(input):
    check_tensor("is_nonzero", input)
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0] != 0)


def is_same_size(input, other):
    return input._data.shape == other._data.shape


def is_signed(input):
    check_tensor("is_signed", input)
    return input._dtype.is_signed


def result_type(tensor, other):
    """The dtype PyTorch's type promotion gives an op on `tensor` and `other` (tensors or Python numbers)."""
    return D.result_type(tensor, other)


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow `from_` to `to`: never down a category (float to integer, integer
    to bool)."""
    for arg, v in (("from_", from_), ("to", to)):
        if not isinstance(v, D.dtype):
            pos = 1 if arg == "from_" else 2
            raise TypeError(f"can_cast(): argument '{arg}' (position {pos}) must be torch.dtype, not "
                            f"{type(v).__name__}")
    return from_._cat <= to._cat


def real(input):
    """The real part: the tensor itself (glassgrad has no complex dtypes)."""
    check_tensor("real", input)
    return input


def imag(input):
    check_tensor("imag", input)
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


_TORCH = ("deg2rad", "deg2rad_", "rad2deg", "rad2deg_", "logaddexp", "logaddexp2", "lgamma", "digamma", "polygamma",
          "mvlgamma", "i0", "i0_", "sinc", "sinc_", "heaviside", "copysign", "signbit", "gcd", "gcd_", "lcm", "lcm_",
          "frexp", "ldexp", "ldexp_", "nextafter", "positive", "is_complex", "is_nonzero", "is_same_size",
          "is_signed", "result_type", "can_cast", "real", "imag")
_METHODS = ("deg2rad", "deg2rad_", "rad2deg", "rad2deg_", "logaddexp", "logaddexp2", "lgamma", "lgamma_",
            "digamma", "digamma_", "polygamma_", "mvlgamma", "mvlgamma_", "i0", "i0_", "sinc", "sinc_",
            "heaviside", "heaviside_", "copysign", "copysign_", "signbit", "gcd", "gcd_", "lcm", "lcm_", "frexp",
            "ldexp", "ldexp_", "nextafter", "nextafter_", "positive", "is_nonzero", "is_same_size", "is_signed")


def _real_property(self):
    return self


def _imag_property(self):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def _multigammaln(input, p, *, out=None):
    return mvlgamma(input, p, out=out)


API = {"torch": _TORCH,
       "Tensor": {**{n: globals()[n] for n in _METHODS}, "polygamma": polygamma_method,
                  "real": property(_real_property), "imag": property(_imag_property)},
       "nn.functional": (),
       "linalg": (),
       "special": {"gammaln": lgamma, "digamma": digamma, "psi": digamma, "polygamma": polygamma,
                   "multigammaln": _multigammaln, "i0": i0, "i1": i1, "sinc": sinc}}
