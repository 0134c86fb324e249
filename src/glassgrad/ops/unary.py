"""Unary maths: exp/log families, trigonometric and hyperbolic functions, erf family, rounding, nan_to_num.

Each op is a registry primitive with its VJP beside it; `float_result=True` ops compute integer and bool inputs
in the default dtype, as PyTorch does. The public functions (`exp`, `Tensor.exp`, `Tensor.exp_`, `special.exp2`
...) are made from the primitives by `_public` / `_inplace` below.
"""
import builtins
import math
import warnings

from ..backends import quiet as _quiet
from ..tensor import Tensor
from .registry import primitive, defvjp, apply, call, TENSOR_XP, ZERO_GRAD

__all__ = ["abs", "neg", "sign", "sgn", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
           "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
           "atanh", "erf", "erfc", "erfinv", "sigmoid", "logit", "floor", "ceil", "round", "trunc", "frac",
           "nan_to_num", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "logical_not", "bitwise_not"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py). Filled in below.
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ---- argument checks and out= ------------------------------------------------------------------------
def check_tensor(name, input, arg="input", position=1):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {type(input).__name__}")


def not_implemented(kernel, dtype):
    """PyTorch's error for a kernel that has no version for a dtype (abs of a bool tensor)."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{dtype.scalar_name}'")


MSG_OUT_GRAD = ("{name}(): functions with out=... arguments don't support automatic differentiation, but one of the "
                "arguments requires grad.")


def finish(result, out, name):
    """Writes `result` into `out` when given (resizing it as PyTorch does), else returns `result`."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if result.requires_grad:
        raise RuntimeError(MSG_OUT_GRAD.format(name=name))
    if result._dtype._cat > out._dtype._cat:
        raise RuntimeError(f"result type {result._dtype.scalar_name} can't be cast to the desired output type "
                           f"{out._dtype.scalar_name}")
    data = result._data
    if out._data.shape != data.shape:
        if out._data.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._data.shape)}, which does not match the required output shape "
                          f"{list(data.shape)}. This behavior is deprecated, and in a future PyTorch release outputs "
                          f"will not be resized unless they have zero elements. You can explicitly reuse an out "
                          f"tensor t by resizing it, inplace, to zero elements with t.resize_(0).", UserWarning,
                          stacklevel=3)
        out._data = data.astype(out._data.dtype, copy=True)
    else:
        out._data[...] = data
    out._vc.v += 1
    return out


# ---- sign and magnitude ----------------------------------------------------------------------------------
ABS = primitive("abs", lambda xp, x: xp.abs(x))
defvjp(ABS, x=lambda grad, x, xp: grad * xp.sign(x))
NEG = primitive("neg", lambda xp, x: xp.negative(x))
defvjp(NEG, x=lambda grad: -grad)
def _sign(xp, x):
    if x.dtype.kind == "b":
        return x.copy()
    s = xp.sign(x)
    # NOTE: PyTorch's sign(nan) is 0 (NumPy's is nan)
    return xp.where(s != s, 0, s).astype(x.dtype, copy=False) if x.dtype.kind == "f" else s


SIGN = primitive("sign", _sign)
defvjp(SIGN, x=ZERO_GRAD)
SGN = primitive("sgn", SIGN.fwd)
defvjp(SGN, x=ZERO_GRAD)


# ---- exponentials and logarithms -------------------------------------------------------------------------
EXP = primitive("exp", lambda xp, x: xp.exp(x), float_result=True, quiet=True)
defvjp(EXP, x=lambda grad, result: grad * result)
EXP2 = primitive("exp2", lambda xp, x: _quiet(xp.exp2, x), float_result=True)
defvjp(EXP2, x=lambda grad, result: grad * result * _LN2)
EXPM1 = primitive("expm1", lambda xp, x: _quiet(xp.expm1, x), float_result=True)
defvjp(EXPM1, x=lambda grad, result: grad * (result + 1))
LOG = primitive("log", lambda xp, x: xp.log(x), float_result=True, quiet=True)
defvjp(LOG, x=lambda grad, x: grad / x)
LOG2 = primitive("log2", lambda xp, x: _quiet(xp.log2, x), float_result=True)
defvjp(LOG2, x=lambda grad, x: grad / (x * _LN2))
LOG10 = primitive("log10", lambda xp, x: _quiet(xp.log10, x), float_result=True)
defvjp(LOG10, x=lambda grad, x: grad / (x * _LN10))
LOG1P = primitive("log1p", lambda xp, x: _quiet(xp.log1p, x), float_result=True, node="Log1PBackward0")
defvjp(LOG1P, x=lambda grad, x: grad / (x + 1))
SQRT = primitive("sqrt", lambda xp, x: _quiet(xp.sqrt, x), float_result=True)
defvjp(SQRT, x=lambda grad, result: grad / (2 * result))
RSQRT = primitive("rsqrt", lambda xp, x: _quiet(lambda v: 1 / xp.sqrt(v), x).astype(x.dtype, copy=False),
                  float_result=True)
defvjp(RSQRT, x=lambda grad, result: -0.5 * grad * result * result * result)
RECIPROCAL = primitive("reciprocal", lambda xp, x: _quiet(xp.reciprocal, x), float_result=True)
defvjp(RECIPROCAL, x=lambda grad, result: -grad * result * result)


# ---- trigonometric and hyperbolic ------------------------------------------------------------------------
SIN = primitive("sin", lambda xp, x: xp.sin(x), float_result=True)
defvjp(SIN, x=lambda grad, x, xp: grad * xp.cos(x))
COS = primitive("cos", lambda xp, x: xp.cos(x), float_result=True)
defvjp(COS, x=lambda grad, x, xp: -grad * xp.sin(x))
TAN = primitive("tan", lambda xp, x: xp.tan(x), float_result=True)
defvjp(TAN, x=lambda grad, result: grad * (1 + result * result))
ASIN = primitive("asin", lambda xp, x: _quiet(xp.arcsin, x), float_result=True)
defvjp(ASIN, x=lambda grad, x, xp: grad / xp.sqrt(1 - x * x))
ACOS = primitive("acos", lambda xp, x: _quiet(xp.arccos, x), float_result=True)
defvjp(ACOS, x=lambda grad, x, xp: -grad / xp.sqrt(1 - x * x))
ATAN = primitive("atan", lambda xp, x: xp.arctan(x), float_result=True)
defvjp(ATAN, x=lambda grad, x: grad / (1 + x * x))
SINH = primitive("sinh", lambda xp, x: _quiet(xp.sinh, x), float_result=True)
defvjp(SINH, x=lambda grad, x, xp: grad * xp.cosh(x))
COSH = primitive("cosh", lambda xp, x: _quiet(xp.cosh, x), float_result=True)
defvjp(COSH, x=lambda grad, x, xp: grad * xp.sinh(x))
TANH = primitive("tanh", lambda xp, x: xp.tanh(x), float_result=True)
# NOTE: tanh's and sigmoid's backwards are ops of their own, as PyTorch's tanh_backward/sigmoid_backward, so that
# a second-order graph names TanhBackwardBackward0 / SigmoidBackwardBackward0 as PyTorch's does
TANH_BACKWARD = primitive("tanh_backward", lambda xp, g, y: g * (1 - y * y), node="TanhBackwardBackward0")
defvjp(TANH_BACKWARD, g=lambda grad, y, xp: call(xp, TANH_BACKWARD, grad, y), y=lambda grad, g, y: -2 * grad * g * y)
defvjp(TANH, x=lambda grad, result, xp: call(xp, TANH_BACKWARD, grad, result))
ASINH = primitive("asinh", lambda xp, x: xp.arcsinh(x), float_result=True)
defvjp(ASINH, x=lambda grad, x, xp: grad / xp.sqrt(x * x + 1))
ACOSH = primitive("acosh", lambda xp, x: _quiet(xp.arccosh, x), float_result=True)
defvjp(ACOSH, x=lambda grad, x, xp: grad / xp.sqrt(x * x - 1))
ATANH = primitive("atanh", lambda xp, x: _quiet(xp.arctanh, x), float_result=True)
defvjp(ATANH, x=lambda grad, x: grad / (1 - x * x))


def _inplace_not_implemented(op):
    """PyTorch records asinh_/acosh_/atanh_ as <Op>Backward1 nodes whose backward raises."""
    def vjp(grad):
        raise NotImplementedError(f"the derivative for 'inplace version of {op.name}' is not implemented.")
    inplace = primitive(op.name + "_", op.fwd, float_result=True, node=op.node_cls.__name__[:-1] + "1")
    defvjp(inplace, x=vjp)
    return inplace


ASINH_, ACOSH_, ATANH_ = (_inplace_not_implemented(op) for op in (ASINH, ACOSH, ATANH))


# ---- the error function ----------------------------------------------------------------------------------
# NOTE: NumPy has no erf. erfc(a), a >= 0, is computed as t * exp(-a^2 + g(u)) with t = 2 / (2 + a), u = 2t - 1,
# where g(u) = log(erfc(a) exp(a^2) / t) is smooth on [-1, 1] (analytic at a = inf too) and given by its Chebyshev
# series. The coefficients were computed for glassgrad with mpmath at 50 digits (Chebyshev interpolation at 50
# nodes); the series, summed by Clenshaw's recurrence, gives erf and erfc within 4 ulp in float64.
_ERFC_CHEB = (
    -0.6513268598908547, 0.6419697923564902, 0.019476473204185836, -0.009561514786808632, -0.0009465953444820369,
    0.00036683949785276145, 4.252332480690777e-05, -2.0278578112534242e-05, -1.6242900046470256e-06,
    1.3036558355805232e-06, 1.5626441722066142e-08, -8.523809591492654e-08, 6.5290544390988515e-09,
    5.059343495551469e-09, -9.91364156493033e-10, -2.273651222931836e-10, 9.646791102015527e-11,
    2.3940380830391146e-12, -6.886027526497553e-12, 8.944879273090725e-13, 3.130921399342958e-13,
    -1.1270822361367252e-13, 3.810905255189232e-16, 7.106097613609237e-15, -1.5230282014571043e-15,
    -9.457494571291233e-17, 1.210237189224279e-16, -2.816663087747177e-17, 5.003005559445902e-20,
    2.3281042579529253e-18)
# erf(x) = x * sum_n c_n x^(2n) near 0, where 1 - erfc would cancel: c_n = 2/sqrt(pi) (-1)^n / (n! (2n + 1))
_ERF_TAYLOR = tuple(_TWO_OVER_SQRT_PI * (-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(14))
_ERFC_UNDERFLOW = 27.3  # erfc(a) is 0 in float64 beyond
_HALLEY_STEPS = 3


def _erfc_nonneg(xp, a):
    """erfc(a) for float64 a >= 0 (nan stays nan)."""
    t = 2.0 / (2.0 + a)
    u2 = 4.0 * t - 2.0
    # Clenshaw's recurrence b_k = u2 b_(k+1) - b_(k+2) + c_k, in place (three passes a term, no allocation)
    b1, b2, tmp = xp.full_like(a, _ERFC_CHEB[-1]), xp.zeros_like(a), xp.empty_like(a)
    for c in _ERFC_CHEB[-2:0:-1]:
        xp.multiply(u2, b1, out=tmp)
        xp.subtract(tmp, b2, out=b2)
        b2 += c
        b1, b2 = b2, b1
    g = 0.5 * u2 * b1 - b2 + _ERFC_CHEB[0]
    # NOTE: a = hi + lo with hi of 24 bits, so that hi*hi is exact: exp(-a^2) keeps its relative accuracy
    a_in = xp.minimum(a, _ERFC_UNDERFLOW)
    hi = a_in.astype(xp.float32).astype(xp.float64)
    e = t * xp.exp(-hi * hi) * xp.exp(g - (a_in - hi) * (a_in + hi))
    return xp.where(a > _ERFC_UNDERFLOW, 0.0, e)


def _erf_small(xp, x):
    """erf(x) for |x| < 0.6 from its Taylor series."""
    z = x * x
    s = xp.full_like(x, _ERF_TAYLOR[-1])
    for c in _ERF_TAYLOR[-2::-1]:
        s *= z
        s += c
    return x * s


def _by_size(xp, x, small_fn, large_fn):
    """small_fn on the elements with |x| < 0.5, large_fn on the others (nan included)."""
    out = xp.empty_like(x)
    small = xp.abs(x) < 0.5
    large = ~small
    out[small] = small_fn(x[small])
    out[large] = large_fn(x[large])
    return out


def _erf64(xp, x):
    return _by_size(xp, x, lambda v: _erf_small(xp, v), lambda v: xp.sign(v) * (1.0 - _erfc_nonneg(xp, xp.abs(v))))


def _erfc64(xp, x):
    def large(v):
        e = _erfc_nonneg(xp, xp.abs(v))
        return xp.where(v < 0, 2.0 - e, e)
    return _by_size(xp, x, lambda v: 1.0 - _erf_small(xp, v), large)


def _erfinv64(xp, y):
    """Winitzki's closed form (3 digits), then Halley steps (each triples the digits) on erf in the middle
    (|erfinv| < 0.48: the Taylor series) and on erfc in the tails, where 1 - |y| is exact and erf would have lost
    the digits."""
    a = xp.abs(y)
    w = -xp.log((1.0 - a) * (1.0 + a))
    k = 2.0 / (math.pi * 0.147) - 0.5 * w
    x = xp.sqrt(xp.sqrt(k * k + w / 0.147) - k)
    tail = a > 0.5
    for part, residual in ((~tail, lambda v, av: _erf_small(xp, v) - av),
                           (tail, lambda v, av: (1.0 - av) - _erfc_nonneg(xp, v))):
        v, av = x[part], a[part]
        for _ in range(_HALLEY_STEPS):
            d = residual(v, av) / (_TWO_OVER_SQRT_PI * xp.exp(-v * v))
            v = v - d / (1.0 + v * d)
        x[part] = v
    x = xp.where(a == 1.0, xp.inf, xp.where(a > 1.0, xp.nan, x))
    return xp.sign(y) * x


def _in_float64(f):
    """Runs a float64 kernel on x, returning x's dtype (float32 results are float64 ones rounded once)."""
    def fwd(xp, x):
        # flat, so that the kernels index and assign into arrays (a 0-d result would be a NumPy scalar)
        out = _quiet(f, xp, x.astype(xp.float64).reshape(-1))
        return out.reshape(x.shape).astype(x.dtype, copy=False)
    return fwd


ERF = primitive("erf", _in_float64(_erf64), float_result=True)
defvjp(ERF, x=lambda grad, x, xp: grad * _TWO_OVER_SQRT_PI * xp.exp(-(x * x)))
ERFC = primitive("erfc", _in_float64(_erfc64), float_result=True)
defvjp(ERFC, x=lambda grad, x, xp: -grad * _TWO_OVER_SQRT_PI * xp.exp(-(x * x)))
ERFINV = primitive("erfinv", _in_float64(_erfinv64), float_result=True)
defvjp(ERFINV, x=lambda grad, result, xp: grad * (math.sqrt(math.pi) / 2) * xp.exp(result * result))


# ---- sigmoid and logit -----------------------------------------------------------------------------------
def _sigmoid(xp, x):
    # NOTE: split by sign so that exp never overflows (numerical stability).
    e = _quiet(xp.exp, -xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


SIGMOID = primitive("sigmoid", _sigmoid, float_result=True)
SIGMOID_BACKWARD = primitive("sigmoid_backward", lambda xp, g, y: g * y * (1 - y), node="SigmoidBackwardBackward0")
defvjp(SIGMOID_BACKWARD, g=lambda grad, y, xp: call(xp, SIGMOID_BACKWARD, grad, y),
       y=lambda grad, g, y: grad * g * (1 - 2 * y))
defvjp(SIGMOID, x=lambda grad, result, xp: call(xp, SIGMOID_BACKWARD, grad, result))


def _logit(xp, x, *, eps):
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps).astype(x.dtype, copy=False)
    return _quiet(lambda v: xp.log(v / (1 - v)), x)


def _logit_vjp(grad, x, eps, xp):
    # NOTE: PyTorch's gradient: nan outside [0, 1] without eps; 0 where eps clamped the input (not at the bounds)
    lo, hi = (0.0, 1.0) if eps is None else (eps, 1.0 - eps)
    return xp.where((x < lo) | (x > hi), math.nan if eps is None else 0.0, grad / (x * (1 - x)))


LOGIT = primitive("logit", _logit, float_result=True)
defvjp(LOGIT, x=_logit_vjp)


# ---- rounding: zero gradient, integers unchanged ---------------------------------------------------------
def _rounding(f):
    return lambda xp, x: f(x) if x.dtype.kind == "f" else x.copy()


FLOOR = primitive("floor", lambda xp, x: _rounding(xp.floor)(xp, x))
defvjp(FLOOR, x=ZERO_GRAD)
CEIL = primitive("ceil", lambda xp, x: _rounding(xp.ceil)(xp, x))
defvjp(CEIL, x=ZERO_GRAD)
TRUNC = primitive("trunc", lambda xp, x: _rounding(xp.trunc)(xp, x))
defvjp(TRUNC, x=ZERO_GRAD)
# NOTE: rint rounds half to even, as PyTorch's round does (2.5 -> 2)
ROUND = primitive("round", lambda xp, x: _rounding(xp.rint)(xp, x))
defvjp(ROUND, x=ZERO_GRAD)


def _round_decimals(xp, x, *, decimals):
    # the scale in the input's dtype, as PyTorch computes it (float32 inputs round in float32)
    p = xp.asarray(10.0 ** builtins.abs(decimals), dtype=x.dtype)
    return _quiet(lambda: xp.rint(x * p) / p if decimals >= 0 else xp.rint(x / p) * p)


ROUND_DECIMALS = primitive("round_decimals", _round_decimals, node="RoundBackward1")
defvjp(ROUND_DECIMALS, x=ZERO_GRAD)
FRAC = primitive("frac", lambda xp, x: x - xp.trunc(x))
defvjp(FRAC, x=lambda grad: grad)


# ---- non-finite values -----------------------------------------------------------------------------------
def _nan_to_num(xp, x, *, nan, posinf, neginf):
    if x.dtype.kind != "f":
        return x.copy()
    return _quiet(lambda: xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf))


NAN_TO_NUM = primitive("nan_to_num", _nan_to_num)
defvjp(NAN_TO_NUM, x=lambda grad, x, xp: grad * xp.isfinite(x))
ISNAN = primitive("isnan", lambda xp, x: xp.isnan(x))
ISINF = primitive("isinf", lambda xp, x: xp.isinf(x))
ISFINITE = primitive("isfinite", lambda xp, x: xp.isfinite(x))
ISPOSINF = primitive("isposinf", lambda xp, x: xp.isposinf(x) if x.dtype.kind == "f" else xp.zeros(x.shape, bool))
ISNEGINF = primitive("isneginf", lambda xp, x: xp.isneginf(x) if x.dtype.kind == "f" else xp.zeros(x.shape, bool))


# ---- logic on one tensor: boolean results, no gradient -------------------------------------------------
LOGICAL_NOT = primitive("logical_not", lambda xp, x: xp.logical_not(x))
BITWISE_NOT = primitive("bitwise_not", lambda xp, x: xp.invert(x))


# ---- public functions -------------------------------------------------------------------------------------
def _public(name, op, check=None):
    """glassgrad.<name>(input, *, out=None), also the method Tensor.<name>."""
    def fn(input, *, out=None):
        if out is None and check is None and type(input) is Tensor:
            return apply(op, (input,))  # the common case, spared two calls
        check_tensor(name, input)
        if check is not None:
            check(input)
        return finish(apply(op, (input,)), out, name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name}(input, *, out=None) -> Tensor: PyTorch's torch.{name}, elementwise."
    return fn


def _inplace(name, op, check=None):
    """Tensor.<name>_(): the op written into the tensor (integer tensors refuse a floating result)."""
    def fn(input):
        from .inplace import apply_inplace
        if check is not None:
            check(input)
        return apply_inplace(op, input)
    fn.__name__ = fn.__qualname__ = name + "_"
    return fn


def _refuse(kernel, *cats):
    """A check raising PyTorch's NotImplementedError for dtypes of the given categories (0 bool, 1 integer)."""
    def check(input):
        if input._dtype._cat in cats:
            raise not_implemented(kernel, input._dtype)
    return check


def _refuse_bool_neg(input):
    if input._dtype._cat == 0:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


def _refuse_float(kernel):
    def check(input):
        if input._dtype.is_floating_point:
            raise not_implemented(kernel, input._dtype)
    return check


_OPS = {  # public name: (primitive, check)
    "abs": (ABS, _refuse("abs_cpu", 0)), "neg": (NEG, _refuse_bool_neg), "sign": (SIGN, None), "sgn": (SGN, None),
    "exp": (EXP, None), "exp2": (EXP2, None), "expm1": (EXPM1, None), "log": (LOG, None), "log2": (LOG2, None),
    "log10": (LOG10, None), "log1p": (LOG1P, None), "sqrt": (SQRT, None), "rsqrt": (RSQRT, None),
    "reciprocal": (RECIPROCAL, None), "sin": (SIN, None), "cos": (COS, None), "tan": (TAN, None),
    "asin": (ASIN, None), "acos": (ACOS, None), "atan": (ATAN, None), "sinh": (SINH, None), "cosh": (COSH, None),
    "tanh": (TANH, None), "asinh": (ASINH, None), "acosh": (ACOSH, None), "atanh": (ATANH, None),
    "erf": (ERF, None), "erfc": (ERFC, None), "erfinv": (ERFINV, None), "sigmoid": (SIGMOID, None),
    "floor": (FLOOR, _refuse("floor_vml_cpu", 0)), "ceil": (CEIL, _refuse("ceil_vml_cpu", 0)),
    "trunc": (TRUNC, _refuse("trunc_vml_cpu", 0)), "frac": (FRAC, _refuse("frac_cpu", 0, 1)),
    "isnan": (ISNAN, None), "isinf": (ISINF, None), "isfinite": (ISFINITE, None), "isposinf": (ISPOSINF, None),
    "isneginf": (ISNEGINF, None), "logical_not": (LOGICAL_NOT, None),
    "bitwise_not": (BITWISE_NOT, _refuse_float("bitwise_not_cpu")),
}
_NO_INPLACE = {"isnan", "isinf", "isfinite", "isposinf", "isneginf"}
_ALIASES = {"absolute": "abs", "negative": "neg", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
            "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "fix": "trunc"}

_OPS_INPLACE = {"asinh": ASINH_, "acosh": ACOSH_, "atanh": ATANH_}  # in place, a different node
for _name, (_op, _check) in _OPS.items():
    globals()[_name] = _public(_name, _op, _check)
    if _name not in _NO_INPLACE:
        globals()[_name + "_"] = _inplace(_name, _OPS_INPLACE.get(_name, _op), _check)
for _alias, _name in _ALIASES.items():
    globals()[_alias] = globals()[_name]
    globals()[_alias + "_"] = globals()[_name + "_"]


def logit(input, eps=None, *, out=None):
    check_tensor("logit", input)
    return finish(apply(LOGIT, (input,), {"eps": None if eps is None else float(eps)}), out, "logit")


def logit_(input, eps=None):
    from .inplace import apply_inplace
    return apply_inplace(LOGIT, input, (), {"eps": None if eps is None else float(eps)})


_NO_DECIMALS = object()


def _round_call(input, decimals):
    if decimals is _NO_DECIMALS:
        _refuse("round_vml_cpu", 0)(input)
        return ROUND, None
    if input._dtype._cat < 2:
        raise not_implemented("round_vml_cpu" if decimals == 0 else "round_cpu", input._dtype)
    return ROUND_DECIMALS, {"decimals": int(decimals)}


def round(input, *, decimals=_NO_DECIMALS, out=None):
    check_tensor("round", input)
    op, kw = _round_call(input, decimals)
    return finish(apply(op, (input,), kw), out, "round")


def round_(input, *, decimals=_NO_DECIMALS):
    from .inplace import apply_inplace
    op, kw = _round_call(input, decimals)
    return apply_inplace(op, input, (), kw)


def special_round(input, *, decimals=0, out=None):
    return round(input, decimals=decimals, out=out)


def _nan_to_num_kw(nan, posinf, neginf):
    return {"nan": 0.0 if nan is None else nan, "posinf": posinf, "neginf": neginf}


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    check_tensor("nan_to_num", input)
    return finish(apply(NAN_TO_NUM, (input,), _nan_to_num_kw(nan, posinf, neginf)), out, "nan_to_num")


def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):
    from .inplace import apply_inplace
    return apply_inplace(NAN_TO_NUM, input, (), _nan_to_num_kw(nan, posinf, neginf))


# NumPy's names, so that VJPs may call them as xp.<name> when building a graph (create_graph=True)
TENSOR_XP.update({"sinh": globals()["sinh"], "cosh": globals()["cosh"], "isfinite": globals()["isfinite"],
                  "isnan": globals()["isnan"], "abs": globals()["abs"], "floor": globals()["floor"],
                  "trunc": globals()["trunc"], "expm1": globals()["expm1"], "log1p": globals()["log1p"]})

_UNARY = tuple(_OPS) + tuple(_ALIASES) + ("logit", "round", "nan_to_num")
_INPLACE = tuple(n + "_" for n in _UNARY if n not in _NO_INPLACE)
# PyTorch has these in place as methods only
_METHOD_ONLY = {"sign_", "sgn_", "logical_not_", "bitwise_not_", "erfinv_", "absolute_"}
API["torch"] = _UNARY + tuple(n for n in _INPLACE if n not in _METHOD_ONLY)
API["Tensor"] = _UNARY + _INPLACE
API["special"] = {"erf": globals()["erf"], "erfc": globals()["erfc"], "erfinv": globals()["erfinv"],
                  "expit": globals()["sigmoid"], "logit": logit, "exp2": globals()["exp2"],
                  "expm1": globals()["expm1"], "log1p": globals()["log1p"], "round": special_round}
API["nn.functional"] = ("sigmoid", "tanh")
