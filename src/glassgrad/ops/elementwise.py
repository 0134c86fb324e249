"""Elementwise ops over two or more tensors: arithmetic with broadcasting and PyTorch's promotion, division and
remainders, powers, minimum/maximum, comparisons and logic, where, clamp, lerp, addcmul/addcdiv, and the Python
operators (& | ^ % //) on Tensor. The unary maths lives in ops/unary.py; its ops are re-exported here."""
import math

from .. import _dtype as D
from ..backends import quiet as _quiet, get_array_module
from ..tensor import Tensor, _new
from .registry import primitive, defvjp, apply, call, TENSOR_XP, NON_DIFFERENTIABLE, ZERO_GRAD
from .unary import check_tensor, finish, not_implemented
from .unary import (ABS, NEG, SIGN, EXP, LOG, SQRT, SIN, COS, TANH, SIGMOID, RECIPROCAL, FLOOR,  # noqa: F401
                    abs, neg, sign, exp, log, sqrt, sin, cos, tanh, sigmoid, reciprocal, floor, logical_not,
                    bitwise_not)

__all__ = ["add", "sub", "mul", "div", "true_divide", "neg", "pow", "exp", "log", "sqrt", "abs", "sin", "cos",
           "tanh", "sigmoid", "relu", "sign", "floor", "eq", "ne", "lt", "le", "gt", "ge", "rsub",
           "reciprocal", "square", "clamp", "where", "logical_not", "bitwise_not", "maximum", "minimum"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py). Filled in at the end.
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


def _is_int(a):
    """An integer or bool operand (array or Python scalar) after promotion."""
    return a.dtype.kind in "iub" if hasattr(a, "dtype") else isinstance(a, int)


def _check_int_divisor(xp, x, y):
    if _is_int(x) and _is_int(y) and (xp.asarray(y) == 0).any():
        raise RuntimeError("ZeroDivisionError")


def _no_derivative(op_name):
    """The VJP of an op whose derivative PyTorch does not implement: backward raises PyTorch's error."""
    def vjp(grad):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")
    return vjp


def _not_implemented_node(op):
    op.node_cls.name = lambda self: "torch::autograd::NotImplemented"
    return op


# ---- arithmetic ---------------------------------------------------------------------------------
# NOTE: overflow to inf is silent in PyTorch; NumPy would warn (quiet costs ~0.2 us)
def _add(xp, x, y, *, alpha=1):
    return xp.add(x, y) if alpha == 1 else xp.add(x, xp.multiply(y, alpha))


ADD = primitive("add", _add, promote=True, quiet=True)
defvjp(ADD, x=lambda grad: grad, y=lambda grad, alpha: grad if alpha == 1 else grad * alpha)


def _sub(xp, x, y, *, alpha=1):
    return xp.subtract(x, y) if alpha == 1 else xp.subtract(x, xp.multiply(y, alpha))


SUB = primitive("sub", _sub, promote=True, quiet=True)
defvjp(SUB, x=lambda grad: grad, y=lambda grad, alpha: -grad if alpha == 1 else grad * -alpha)

# NOTE: `2 - x` is its own node in PyTorch (RsubBackward1), with the tensor as its first input.
RSUB = primitive("rsub", lambda xp, x, y, *, alpha=1: _sub(xp, y, x, alpha=alpha), promote=True,
                 node="RsubBackward1", quiet=True)
defvjp(RSUB, x=lambda grad, alpha: -grad if alpha == 1 else grad * -alpha)
RSUB_T = primitive("rsub_tensor", RSUB.fwd, promote=True, node="RsubBackward0", quiet=True)
defvjp(RSUB_T, x=lambda grad, alpha: -grad if alpha == 1 else grad * -alpha, y=lambda grad: grad)

MUL = primitive("mul", lambda xp, x, y: xp.multiply(x, y), promote=True, quiet=True)
defvjp(MUL, x=lambda grad, y: grad * y, y=lambda grad, x: grad * x)

DIV = primitive("div", lambda xp, x, y: xp.true_divide(x, y), promote=True, float_result=True, quiet=True)
defvjp(DIV, x=lambda grad, y: grad / y, y=lambda grad, x, y: -grad * x / (y * y))

# NOTE: PyTorch's C++ code (losses, pairwise_distance) combines tensors with Scalars through the Scalar overloads,
# which record AddBackward1 / SubBackward1 / MulBackward1 / DivBackward1 (Python's `x + 1` records AddBackward0);
# cross_entropy's result is such a node. The tensor is the only input, and keeps its dtype.
ADD_SCALAR = primitive("add_scalar", lambda xp, x, *, other: x + other, node="AddBackward1")
defvjp(ADD_SCALAR, x=lambda grad: grad)
SUB_SCALAR = primitive("sub_scalar", lambda xp, x, *, other: x - other, node="SubBackward1")
defvjp(SUB_SCALAR, x=lambda grad: grad)
MUL_SCALAR = primitive("mul_scalar", lambda xp, x, *, other: x * other, node="MulBackward1")
defvjp(MUL_SCALAR, x=lambda grad, other: grad * other)
DIV_SCALAR = primitive("div_scalar", lambda xp, x, *, other: _quiet(xp.true_divide, x, other).astype(x.dtype),
                       node="DivBackward1")
defvjp(DIV_SCALAR, x=lambda grad, other: grad / other)


def _div_mode(xp, x, y, *, rounding_mode):
    if _is_int(x) and _is_int(y):
        _check_int_divisor(xp, x, y)
        q = xp.floor_divide(x, y)
        if rounding_mode == "trunc":
            q = q + ((xp.remainder(x, y) != 0) & ((x < 0) != (xp.asarray(y) < 0)))
        return q
    # NOTE: floor_divide is Python's float floor division (1 // 0.1 == 9.0), as PyTorch's; floor(1 / 0.1) is 10
    if rounding_mode == "floor":
        return _quiet(xp.floor_divide, x, y)
    return _quiet(lambda: xp.trunc(xp.true_divide(x, y)))


# NOTE: a rounded quotient is piecewise constant: PyTorch gives it zero gradient, not None.
DIV_MODE = primitive("div_mode", _div_mode, promote=True, node="DivBackward2")
defvjp(DIV_MODE, x=ZERO_GRAD, y=ZERO_GRAD)
# floor_divide has no derivative in PyTorch: its output requires grad, and backward raises
FLOOR_DIVIDE = _not_implemented_node(primitive("floor_divide", lambda xp, x, y: _div_mode(xp, x, y,
                                                                                          rounding_mode="floor"),
                                               promote=True, node="NotImplemented"))
defvjp(FLOOR_DIVIDE, x=_no_derivative("floor_divide"), y=_no_derivative("floor_divide"))


def _remainder(xp, x, y):
    _check_int_divisor(xp, x, y)
    if _is_int(x) and _is_int(y):
        return xp.remainder(x, y)
    # PyTorch's formula (NumPy's remainder differs in the sign of a zero result: -2 % 1 is -0.0 in PyTorch)
    m = _quiet(xp.fmod, x, y)
    return xp.where((m != 0) & ((xp.asarray(y) < 0) != (m < 0)), m + y, m)


def _fmod(xp, x, y):
    _check_int_divisor(xp, x, y)
    return _quiet(xp.fmod, x, y)


# remainder is Python's % (the sign of the divisor), fmod C's (the sign of the dividend)
REMAINDER = primitive("remainder", _remainder, promote=True, node="RemainderBackward0")
defvjp(REMAINDER, x=lambda grad: grad)
REMAINDER_T = primitive("remainder_tensor", _remainder, promote=True, node="RemainderBackward1")
defvjp(REMAINDER_T, x=lambda grad: grad,
       y=lambda grad, x, y, xp: -grad * call(xp, DIV_MODE, x, y, rounding_mode="floor"))
RREMAINDER = _not_implemented_node(primitive("rremainder", lambda xp, y, x: _remainder(xp, x, y), promote=True,
                                             node="NotImplemented"))
defvjp(RREMAINDER, y=_no_derivative("remainder"))
FMOD = primitive("fmod", _fmod, promote=True, node="FmodBackward0")
defvjp(FMOD, x=lambda grad: grad)
FMOD_T = primitive("fmod_tensor", _fmod, promote=True, node="FmodBackward1")
defvjp(FMOD_T, x=lambda grad: grad, y=lambda grad, x, y, xp: -grad * call(xp, DIV_MODE, x, y, rounding_mode="trunc"))


# ---- powers -------------------------------------------------------------------------------------
def _pow_scalar_vjp(grad, x, y):
    if y == 0:
        return grad * 0
    return grad * y * x ** (y - 1)


def _pow_tensor_x_vjp(grad, x, y, xp):
    return grad * y * x ** (y - 1)


def _pow_tensor_y_vjp(grad, result, x, xp):
    # NOTE: PyTorch defines d/dy x**y as 0 where x == 0 and y >= 0, not nan.
    return grad * xp.where(x == 0, 0.0, result * xp.log(xp.where(x == 0, 1.0, x)))


POW = primitive("pow", lambda xp, x, y: _quiet(xp.power, x, y), promote=True, node="PowBackward0")
defvjp(POW, x=_pow_scalar_vjp)
POW_T = primitive("pow_tensor", lambda xp, x, y: _quiet(xp.power, x, y), promote=True, node="PowBackward1")
defvjp(POW_T, x=_pow_tensor_x_vjp, y=_pow_tensor_y_vjp)
RPOW = primitive("rpow", lambda xp, y, x: _quiet(xp.power, x, y), promote=True, node="PowBackward2")
defvjp(RPOW, y=lambda grad, result, x, xp: grad * result * math.log(x) if x > 0 else
       grad * (0 if x == 0 else math.nan))


def _int_power(xp, x, y):
    """Integer powers with PyTorch's meaning for negative exponents (1, -1 or 0, no error)."""
    y = xp.asarray(y)
    if not (y < 0).any():
        return xp.power(x, y)
    pos = xp.power(x, xp.maximum(y, 0))
    odd = xp.remainder(y, 2) != 0
    neg = xp.where(x == 1, 1, xp.where(x == -1, xp.where(odd, -1, 1), 0)).astype(pos.dtype)
    return xp.where(y < 0, neg, pos)


INT_POW = primitive("pow_int", _int_power, promote=True, node="PowBackward1")


def _pow_op(input, exponent):
    """The primitive and operands of input ** exponent (input a tensor)."""
    if input._dtype._cat < 2:
        if type(exponent) is int and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(exponent, Tensor) and exponent._dtype._cat == 1:
            return INT_POW
    return POW_T if isinstance(exponent, Tensor) else POW


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        check_tensor("pow", exponent, "exponent", 2)
        return finish(apply(RPOW, (exponent, input)), out, "pow")
    return finish(apply(_pow_op(input, exponent), (input, exponent)), out, "pow")


def pow_(input, exponent):
    return _inplace(_pow_op(input, exponent), input, exponent)


def square(input, *, out=None):
    check_tensor("square", input)
    return finish(apply(POW, (input, 2)), out, "square")


def square_(input):
    return _inplace(POW, input, 2)


def float_power(input, exponent, *, out=None):
    """pow computed in float64 (a float32 input is copied to float64 first, ToCopyBackward0 in the graph)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        check_tensor("float_power", input)
    return pow(_as_double(input), _as_double(exponent), out=out)


def float_power_(input, exponent):
    if input._dtype is not D.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {input._dtype.scalar_name} but the operation's "
                           f"result requires dtype Double")
    return pow_(input, _as_double(exponent))


def _as_double(v):
    if isinstance(v, Tensor):
        return v if v._dtype is D.float64 else v.to(D.float64)
    return float(v)


# ---- minimum and maximum ----------------------------------------------------------------------------
def _maximum_vjp(grad, x, y, xp):
    # NOTE: ties split the gradient evenly; where either is nan both get all of it (PyTorch's formula)
    return xp.where(x < y, 0, xp.where(x == y, grad / 2, grad))


def _minimum_vjp(grad, x, y, xp):
    return xp.where(x > y, 0, xp.where(x == y, grad / 2, grad))


MAXIMUM = primitive("maximum", lambda xp, x, y: xp.maximum(x, y), promote=True)
defvjp(MAXIMUM, x=_maximum_vjp, y=lambda grad, x, y, xp: _maximum_vjp(grad, y, x, xp))
MINIMUM = primitive("minimum", lambda xp, x, y: xp.minimum(x, y), promote=True)
defvjp(MINIMUM, x=_minimum_vjp, y=lambda grad, x, y, xp: _minimum_vjp(grad, y, x, xp))
# fmax/fmin ignore nan; ties go to the first operand
FMAX = primitive("fmax", lambda xp, x, y: xp.fmax(x, y), promote=True)
defvjp(FMAX, x=lambda grad, x, y: grad * ((x >= y) | (y != y)), y=lambda grad, x, y: grad * ~((x >= y) | (y != y)))
FMIN = primitive("fmin", lambda xp, x, y: xp.fmin(x, y), promote=True)
defvjp(FMIN, x=lambda grad, x, y: grad * ((x <= y) | (y != y)), y=lambda grad, x, y: grad * ~((x <= y) | (y != y)))


# ---- atan2, hypot, xlogy ------------------------------------------------------------------------------
def _atan2_vjp(grad, x, y, xp, num):
    # NOTE: PyTorch's gradient at the origin is 0, not nan
    d = x * x + y * y
    return xp.where(d == 0, grad * 0, grad * num / xp.where(d == 0, 1, d))


ATAN2 = primitive("atan2", lambda xp, x, y: xp.arctan2(x, y), promote=True, float_result=True)
defvjp(ATAN2, x=lambda grad, x, y, xp: _atan2_vjp(grad, x, y, xp, y),
       y=lambda grad, x, y, xp: _atan2_vjp(grad, x, y, xp, -x))
HYPOT = primitive("hypot", lambda xp, x, y: xp.hypot(x, y), promote=True)
defvjp(HYPOT, x=lambda grad, result, x: grad * x / result, y=lambda grad, result, y: grad * y / result)


def _xlogy(xp, x, y):
    if not hasattr(y, "dtype"):
        y = xp.asarray(y, dtype=x.dtype)  # a number other: its log in the tensor's dtype, as PyTorch computes
    out = _quiet(lambda: x * xp.log(y))
    return xp.where((x == 0) & ~xp.isnan(y), 0, out).astype(out.dtype, copy=False)


def _xlogy_x_vjp(grad, x, y, xp):
    """grad * xlogy(x != 0, y): log(y) where x != 0 (or y is nan), else 0."""
    if isinstance(y, (int, float)):
        log_y = math.log(y) if y > 0 else (-math.inf if y == 0 else math.nan)
        return xp.where((x != 0) | (y != y), grad * log_y, grad * 0)
    return xp.where((x != 0) | (y != y), grad * xp.log(y), grad * 0)


XLOGY = primitive("xlogy", _xlogy, promote=True, float_result=True)
defvjp(XLOGY, x=_xlogy_x_vjp, y=lambda grad, x, y: grad * x / y)
XLOGY_S = primitive("xlogy_scalar_other", _xlogy, promote=True, float_result=True, node="XlogyBackward2")
defvjp(XLOGY_S, x=_xlogy_x_vjp)
XLOGY_RS = primitive("xlogy_scalar_self", lambda xp, y, x: _xlogy(xp, x, y), promote=True, float_result=True,
                     node="XlogyBackward1")
defvjp(XLOGY_RS, y=lambda grad, x, y: grad * x / y)


# ---- comparisons and logic: boolean results, no gradient ----------------------------------------------
_COMPARE = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal"}
COMPARE = {}  # name -> (out-of-place op, in-place op with a number, in-place op with a tensor)
for _name, _ufunc in _COMPARE.items():
    _fwd = (lambda f: lambda xp, x, y: getattr(xp, f)(x, y))(_ufunc)
    _cap = _name.capitalize()
    # NOTE: written in place the result is a float tensor: PyTorch records it, with zero gradient
    _in_scalar = primitive(_name + "_", _fwd, promote=True, node=_cap + "Backward0")
    defvjp(_in_scalar, x=ZERO_GRAD)
    _in_tensor = primitive(_name + "_tensor_", _fwd, promote=True, node=_cap + "Backward1")
    defvjp(_in_tensor, x=ZERO_GRAD, y=ZERO_GRAD)
    COMPARE[_name] = (primitive(_name, _fwd, promote=True), _in_scalar, _in_tensor)
EQ, NE, LT, LE, GT, GE = (COMPARE[n][0] for n in _COMPARE)

LOGICAL_AND = primitive("logical_and", lambda xp, x, y: xp.logical_and(x, y))
LOGICAL_OR = primitive("logical_or", lambda xp, x, y: xp.logical_or(x, y))
LOGICAL_XOR = primitive("logical_xor", lambda xp, x, y: xp.logical_xor(x, y))
BITWISE_AND = primitive("bitwise_and", lambda xp, x, y: xp.bitwise_and(x, y), promote=True)
BITWISE_OR = primitive("bitwise_or", lambda xp, x, y: xp.bitwise_or(x, y), promote=True)
BITWISE_XOR = primitive("bitwise_xor", lambda xp, x, y: xp.bitwise_xor(x, y), promote=True)


def _isclose(xp, x, y, *, rtol, atol, equal_nan):
    close = x == y
    if x.dtype.kind == "b":
        return close
    if equal_nan:
        close = close | (xp.isnan(x) & xp.isnan(y))
    diff = _quiet(lambda: xp.abs(x - y))
    allowed = _quiet(lambda: atol + rtol * xp.abs(y))
    return close | (xp.isfinite(diff) & (diff <= allowed))


ISCLOSE = primitive("isclose", _isclose)
EQUAL = primitive("equal", lambda xp, x, y: xp.asarray(x.shape == y.shape and bool(xp.array_equal(x, y))))


# ---- where, clamp, lerp, addcmul, addcdiv --------------------------------------------------------------
WHERE = primitive("where", lambda xp, condition, x, y, *, dtype: xp.where(condition, x, y).astype(dtype, copy=False))
defvjp(WHERE, condition=NON_DIFFERENTIABLE,
       x=lambda grad, condition, xp: xp.where(condition, grad, 0),
       y=lambda grad, condition, xp: xp.where(condition, 0, grad))


def _clamp_fwd(xp, x, *, min=None, max=None):
    return xp.clip(x, min, max).astype(x.dtype, copy=False)


def _clamp_vjp(grad, x, min, max):
    if min is None:
        return grad * (x <= max)
    return grad * ((x >= min) if max is None else (x >= min) & (x <= max))


def _clamp_tensor(xp, x, min, max):
    out = x if min is None else xp.maximum(x, min)
    return out if max is None else xp.minimum(out, max)


def _clamp_min_vjp(grad, x, min, max):
    # NOTE: where min > max the result is max: then min gets no gradient (PyTorch's clamp_backward_min_max)
    return grad * ((x < min) if max is None else (x < min) & (min < max))


def _clamp_max_vjp(grad, x, min, max):
    return grad * ((x > max) if min is None else (x > max) | (max < min))


CLAMP = primitive("clamp", _clamp_fwd, node="ClampBackward1")
defvjp(CLAMP, x=_clamp_vjp)
CLAMP_T = primitive("clamp_tensor", _clamp_tensor, promote=True, node="ClampBackward0")
defvjp(CLAMP_T, x=_clamp_vjp, min=_clamp_min_vjp, max=_clamp_max_vjp)
CLAMP_MIN = primitive("clamp_min", lambda xp, x, *, min: _clamp_fwd(xp, x, min=min), node="ClampMinBackward0")
defvjp(CLAMP_MIN, x=lambda grad, x, min: grad * (x >= min))
CLAMP_MIN_T = primitive("clamp_min_tensor", lambda xp, x, min: xp.maximum(x, min), promote=True,
                        node="ClampMinBackward1")
defvjp(CLAMP_MIN_T, x=lambda grad, x, min: grad * (x >= min), min=lambda grad, x, min: grad * (x < min))
CLAMP_MAX = primitive("clamp_max", lambda xp, x, *, max: _clamp_fwd(xp, x, max=max), node="ClampMaxBackward0")
defvjp(CLAMP_MAX, x=lambda grad, x, max: grad * (x <= max))
CLAMP_MAX_T = primitive("clamp_max_tensor", lambda xp, x, max: xp.minimum(x, max), promote=True,
                        node="ClampMaxBackward1")
defvjp(CLAMP_MAX_T, x=lambda grad, x, max: grad * (x <= max), max=lambda grad, x, max: grad * (x > max))


def _lerp(xp, start, end, weight):
    # PyTorch's two-sided formula: exact at weight 0 and at weight 1
    diff = end - start
    out = xp.where(xp.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))
    return out.astype(xp.result_type(start, end), copy=False)


LERP = primitive("lerp", lambda xp, start, end, *, weight: _lerp(xp, start, end, weight), node="LerpBackward0")
defvjp(LERP, start=lambda grad, weight: grad * (1 - weight), end=lambda grad, weight: grad * weight)
LERP_T = primitive("lerp_tensor", _lerp, node="LerpBackward1")
defvjp(LERP_T, start=lambda grad, weight: grad * (1 - weight), end=lambda grad, weight: grad * weight,
       weight=lambda grad, start, end: grad * (end - start))


def _addcmul(xp, x, t1, t2, *, value):
    return x + value * t1 * t2


def _addcdiv(xp, x, t1, t2, *, value):
    return _quiet(lambda: x + value * t1 / t2)


ADDCMUL = primitive("addcmul", _addcmul, promote=True)
defvjp(ADDCMUL, x=lambda grad: grad, t1=lambda grad, t2, value: grad * t2 * value,
       t2=lambda grad, t1, value: grad * t1 * value)
ADDCDIV = primitive("addcdiv", _addcdiv, promote=True)
defvjp(ADDCDIV, x=lambda grad: grad, t1=lambda grad, t2, value: grad * value / t2,
       t2=lambda grad, t1, t2, value: -grad * value * t1 / (t2 * t2))

RELU = primitive("relu", lambda xp, x: xp.maximum(x, 0).astype(x.dtype, copy=False))
# NOTE: relu's VJP is an op of its own, as PyTorch's threshold_backward: under create_graph the gradient is recorded
# as a function of the result (ThresholdBackwardBackward0), with zero derivative there
THRESHOLD_BACKWARD = primitive("threshold_backward", lambda xp, g, y: g * (y > 0), node="ThresholdBackwardBackward0")
defvjp(THRESHOLD_BACKWARD, g=lambda grad, y, xp: call(xp, THRESHOLD_BACKWARD, grad, y), y=ZERO_GRAD)
defvjp(RELU, x=lambda grad, result, xp: call(xp, THRESHOLD_BACKWARD, grad, result))


# ---- public functions --------------------------------------------------------------------------------
def _inplace(op, input, *others, kw=None):
    from .inplace import apply_inplace
    return apply_inplace(op, input, tuple(others), kw)


def _alpha(input, other, alpha):
    if alpha == 1:
        return None
    if isinstance(alpha, float) and D.result_type(input, other)._cat < 2:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return {"alpha": alpha}


def add(input, other, *, alpha=1, out=None):
    return finish(apply(ADD, (input, other), _alpha(input, other, alpha)), out, "add")


def add_(input, other, *, alpha=1):
    return _inplace(ADD, input, other, kw=_alpha(input, other, alpha))


def _check_sub_bool(input, other):
    # NOTE: a Python bool operand counts too: torch.sub(t, True) is refused like a bool tensor
    bools = [isinstance(a, bool) or (isinstance(a, Tensor) and a._dtype is D.bool_) for a in (input, other)]
    if not any(bools):
        return
    if all(isinstance(a, Tensor) and a._dtype is D.bool_ for a in (input, other)):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                       "invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    _check_sub_bool(input, other)
    return finish(apply(SUB, (input, other), _alpha(input, other, alpha)), out, "sub")


def sub_(input, other, *, alpha=1):
    _check_sub_bool(input, other)
    return _inplace(SUB, input, other, kw=_alpha(input, other, alpha))


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    _check_sub_bool(input, other)
    op = RSUB_T if isinstance(other, Tensor) else RSUB
    return apply(op, (input, other), _alpha(input, other, alpha))


def mul(input, other, *, out=None):
    return finish(apply(MUL, (input, other)), out, "mul")


def mul_(input, other):
    return _inplace(MUL, input, other)


def _div_call(rounding_mode):
    if rounding_mode is None:
        return DIV, None
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    return DIV_MODE, {"rounding_mode": rounding_mode}


def div(input, other, *, rounding_mode=None, out=None):
    op, kw = _div_call(rounding_mode)
    return finish(apply(op, (input, other), kw), out, "div")


def div_(input, other, *, rounding_mode=None):
    op, kw = _div_call(rounding_mode)
    return _inplace(op, input, other, kw=kw)


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def true_divide_(input, other):
    return div_(input, other)


def _check_args(name, input, other, need):
    """PyTorch's TypeError for an operand that must be a tensor: need "input", "both", or "either" of them."""
    if need == "either":
        if not isinstance(input, Tensor):
            check_tensor(name, other, "other", 2)
        return
    check_tensor(name, input)
    if need == "both":
        check_tensor(name, other, "other", 2)


def _binary_fns(name, pick, *, need="either", check=None, pick_=None):
    """glassgrad.<name>(input, other, *, out=None) and <name>_(input, other) (the method writing in place), where
    pick(input, other) -> (primitive, inputs) chooses the overload (tensor or number operands)."""
    pick_ = pick_ or pick

    def fn(input, other, *, out=None):
        _check_args(name, input, other, need)
        if check is not None:
            check(input, other)
        op, inputs = pick(input, other)
        return finish(apply(op, inputs), out, name)

    def fn_(input, other):
        _check_args(name + "_", input, other, need)
        if check is not None:
            check(input, other)
        op, inputs = pick_(input, other)
        return _inplace(op, *inputs)
    fn.__name__ = fn.__qualname__ = name
    fn_.__name__ = fn_.__qualname__ = name + "_"
    return fn, fn_


def _one(op):
    return lambda input, other: (op, (input, other))


def _by_other(op, op_tensor):
    """The overload by the type of `other`: a number (SomethingBackward0) or a tensor (SomethingBackward1)."""
    return lambda input, other: (op_tensor if isinstance(other, Tensor) else op, (input, other))


def _refuse_cat(kernel, cats):
    def check(input, other):
        dt = D.result_type(input, other)
        if dt._cat in cats:
            raise not_implemented(kernel, dt)
    return check


def _remainder_pick(input, other):
    if not isinstance(input, Tensor):
        return RREMAINDER, (other, input)
    return _by_other(REMAINDER, REMAINDER_T)(input, other)


def _xlogy_pick(input, other):
    if not isinstance(input, Tensor):
        return XLOGY_RS, (other, input)
    return _by_other(XLOGY_S, XLOGY)(input, other)


floor_divide, floor_divide_ = _binary_fns("floor_divide", _one(FLOOR_DIVIDE))
remainder, remainder_ = _binary_fns("remainder", _remainder_pick)
fmod, fmod_ = _binary_fns("fmod", _by_other(FMOD, FMOD_T), need="input")
maximum, _ = _binary_fns("maximum", _one(MAXIMUM), need="both")
minimum, _ = _binary_fns("minimum", _one(MINIMUM), need="both")
fmax, _ = _binary_fns("fmax", _one(FMAX), need="both")
fmin, _ = _binary_fns("fmin", _one(FMIN), need="both")
atan2, atan2_ = _binary_fns("atan2", _one(ATAN2), need="both")
hypot, hypot_ = _binary_fns("hypot", _one(HYPOT), need="both", check=_refuse_cat("hypot_cpu", (0, 1)))
xlogy, xlogy_ = _binary_fns("xlogy", _xlogy_pick)
logical_and, logical_and_ = _binary_fns("logical_and", _one(LOGICAL_AND), need="both")
logical_or, logical_or_ = _binary_fns("logical_or", _one(LOGICAL_OR), need="both")
logical_xor, logical_xor_ = _binary_fns("logical_xor", _one(LOGICAL_XOR), need="both")
bitwise_and, bitwise_and_ = _binary_fns("bitwise_and", _one(BITWISE_AND), check=_refuse_cat("bitwise_and_cpu", (2,)))
bitwise_or, bitwise_or_ = _binary_fns("bitwise_or", _one(BITWISE_OR), check=_refuse_cat("bitwise_or_cpu", (2,)))
bitwise_xor, bitwise_xor_ = _binary_fns("bitwise_xor", _one(BITWISE_XOR), check=_refuse_cat("bitwise_xor_cpu", (2,)))
# a comparison written in place is recorded (with zero gradient), by the type of `other`
eq, eq_ = _binary_fns("eq", _one(EQ), need="input", pick_=_by_other(*COMPARE["eq"][1:]))
ne, ne_ = _binary_fns("ne", _one(NE), need="input", pick_=_by_other(*COMPARE["ne"][1:]))
lt, lt_ = _binary_fns("lt", _one(LT), need="input", pick_=_by_other(*COMPARE["lt"][1:]))
le, le_ = _binary_fns("le", _one(LE), need="input", pick_=_by_other(*COMPARE["le"][1:]))
gt, gt_ = _binary_fns("gt", _one(GT), need="input", pick_=_by_other(*COMPARE["gt"][1:]))
ge, ge_ = _binary_fns("ge", _one(GE), need="input", pick_=_by_other(*COMPARE["ge"][1:]))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    _check_args("isclose", input, other, "both")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{input._dtype.scalar_name} did not match {other._dtype.scalar_name}")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol:g}")
    return apply(ISCLOSE, (input, other), {"rtol": rtol, "atol": atol, "equal_nan": equal_nan})


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    _check_args("equal", input, other, "both")
    return bool(EQUAL.fwd(get_array_module(input._data), input._data, other._data))


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        from .. import nonzero
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        given = ", ".join(type(a).__name__ for a in (condition, input, other) if a is not None)
        raise TypeError(f"where() received an invalid combination of arguments - got ({given}), but expected one "
                        f"of:\n * (Tensor condition)\n * (Tensor condition, Tensor input, Tensor other, *, Tensor "
                        f"out = None)\n * (Tensor condition, Number self, Tensor other)\n * (Tensor condition, "
                        f"Tensor input, Number other)\n * (Tensor condition, Number self, Number other)")
    if not isinstance(condition, Tensor) and hasattr(condition, "dtype"):
        # NOTE: an array mask, from a VJP building a graph (xp.where in ops/tensor_xp.py); PyTorch takes tensors only
        condition = _new(condition, D.from_numpy_dtype(condition.dtype))
    check_tensor("where", condition, "condition")
    if condition._dtype is D.uint8:
        import warnings
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in a "
                      "future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=2)
        condition = condition.to(D.bool_)
    elif condition._dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition._dtype.scalar_name}")
    dt = D.result_type(input, other)
    return finish(apply(WHERE, (condition, input, other), {"dtype": dt.np}), out, "where")


_CLAMP_SIGNATURES = ("\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n * (Tensor "
                     "input, Number min = None, Number max = None, *, Tensor out = None)\n")


def _clamp_call(name, input, min, max):
    """(op, inputs, kw) of clamp(input, min, max): ClampBackward0 with tensor bounds, ClampBackward1 with numbers."""
    check_tensor(name, input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensors = [isinstance(b, Tensor) for b in (min, max) if b is not None]
    if any(tensors):
        if not all(tensors):
            got = ", ".join(type(a).__name__ if not isinstance(a, Tensor) else "Tensor" for a in (input, min, max))
            raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but expected one "
                            f"of:{_CLAMP_SIGNATURES}")
        return CLAMP_T, (input, min, max), None
    return CLAMP, (input,), {"min": min, "max": max}


def _clamp_input(input, min, max):
    """A number bound of a higher category than an integer tensor makes the result that dtype, as in PyTorch."""
    dt = D.result_type(input, *[b for b in (min, max) if b is not None])
    return input if dt is input._dtype else input.to(dt)


def clamp(input, min=None, max=None, *, out=None):
    op, inputs, kw = _clamp_call("clamp", input, min, max)
    if op is CLAMP:
        inputs = (_clamp_input(input, min, max),)
    return finish(apply(op, inputs, kw), out, "clamp")


def clamp_(input, min=None, max=None):
    op, inputs, kw = _clamp_call("clamp_", input, min, max)
    if op is CLAMP and input._dtype._cat < 2:
        dt = D.result_type(input, *[b for b in (min, max) if b is not None])
        if dt._cat > input._dtype._cat:
            raise RuntimeError(f"result type {dt.scalar_name} can't be cast to the desired output type "
                               f"{input._dtype.cpp_name}")
    return _inplace(op, *inputs, kw=kw)


def _clamp_one(name, input, bound, op, op_t, key):
    check_tensor(name, input)
    if isinstance(bound, Tensor):
        return op_t, (input, bound), None
    if not isinstance(bound, (int, float)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(bound).__name__}), but expected one of:\n * (Tensor input, Tensor {key}, *, Tensor "
                        f"out = None)\n * (Tensor input, Number {key}, *, Tensor out = None)\n")
    return op, (_clamp_input(input, bound, None),), {key: bound}


def clamp_min(input, min, *, out=None):
    op, inputs, kw = _clamp_one("clamp_min", input, min, CLAMP_MIN, CLAMP_MIN_T, "min")
    return finish(apply(op, inputs, kw), out, "clamp_min")


def clamp_min_(input, min):
    op, inputs, kw = _clamp_one("clamp_min_", input, min, CLAMP_MIN, CLAMP_MIN_T, "min")
    return _inplace(op, input, *inputs[1:], kw=kw)


def clamp_max(input, max, *, out=None):
    op, inputs, kw = _clamp_one("clamp_max", input, max, CLAMP_MAX, CLAMP_MAX_T, "max")
    return finish(apply(op, inputs, kw), out, "clamp_max")


def clamp_max_(input, max):
    op, inputs, kw = _clamp_one("clamp_max_", input, max, CLAMP_MAX, CLAMP_MAX_T, "max")
    return _inplace(op, input, *inputs[1:], kw=kw)


def _lerp_call(input, end, weight):
    check_tensor("lerp", input)
    check_tensor("lerp", end, "end", 2)
    if end._dtype is not input._dtype:
        raise RuntimeError(f"expected dtype {input._dtype.cpp_name} for `end` but got dtype {end._dtype.cpp_name}")
    tensor_weight = isinstance(weight, Tensor)
    if tensor_weight and weight._dtype is not input._dtype and weight._data.ndim:
        raise RuntimeError(f"expected dtype {input._dtype.cpp_name} for `weight` but got dtype "
                           f"{weight._dtype.cpp_name}")
    if input._dtype._cat < 2:
        raise not_implemented("lerp_kernel_tensor" if tensor_weight else "lerp_kernel_scalar", input._dtype)
    if tensor_weight:
        return LERP_T, (input, end, weight), None
    return LERP, (input, end), {"weight": weight}


def lerp(input, end, weight, *, out=None):
    op, inputs, kw = _lerp_call(input, end, weight)
    return finish(apply(op, inputs, kw), out, "lerp")


def lerp_(input, end, weight):
    op, inputs, kw = _lerp_call(input, end, weight)
    return _inplace(op, *inputs, kw=kw)


def _addc_value(name, input, tensor1, tensor2, value):
    for i, (a, arg) in enumerate(((input, "input"), (tensor1, "tensor1"), (tensor2, "tensor2"))):
        check_tensor(name, a, arg, i + 1)
    if name.startswith("addcdiv") and tensor1._dtype._cat < 2 and tensor2._dtype._cat < 2:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value "
            "* torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value "
            "* tensor1 / tensor2), for all dtypes.")
    # NOTE: PyTorch casts `value` to the result's dtype (a float value on integer tensors is truncated)
    return {"value": int(value) if D.result_type(input, tensor1, tensor2)._cat < 2 else value}


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    kw = _addc_value("addcmul", input, tensor1, tensor2, value)
    return finish(apply(ADDCMUL, (input, tensor1, tensor2), kw), out, "addcmul")


def addcmul_(input, tensor1, tensor2, *, value=1):
    return _inplace(ADDCMUL, input, tensor1, tensor2, kw=_addc_value("addcmul_", input, tensor1, tensor2, value))


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    kw = _addc_value("addcdiv", input, tensor1, tensor2, value)
    return finish(apply(ADDCDIV, (input, tensor1, tensor2), kw), out, "addcdiv")


def addcdiv_(input, tensor1, tensor2, *, value=1):
    return _inplace(ADDCDIV, input, tensor1, tensor2, kw=_addc_value("addcdiv_", input, tensor1, tensor2, value))


def relu(input):
    return apply(RELU, (input,))


# ---- Python operators: & | ^ % // ---------------------------------------------------------------------
def _operand(other, reflected):
    """A Python operand as the ops take it: tensors and numbers as they are, NumPy scalars as numbers, a NumPy
    array as a tensor (only on the right: `ndarray & tensor` is NumPy's business); None: not ours."""
    if isinstance(other, (Tensor, bool, int, float)):
        return other
    xp = get_array_module(other)
    if isinstance(other, xp.generic):
        return other.item()
    if isinstance(other, xp.ndarray) and not reflected:
        from .creation import from_numpy
        return from_numpy(other)
    return None


def _operator(fn, reflected=False):
    def method(self, other):
        o = _operand(other, reflected)
        if o is None:
            return NotImplemented
        return fn(o, self) if reflected else fn(self, o)
    method.__name__ = fn.__name__
    return method


def _ioperator(fn_):
    def method(self, other):
        o = _operand(other, False)
        if o is None:
            return NotImplemented
        return fn_(self, o)
    method.__name__ = fn_.__name__
    return method


# VJPs of other families may call these as xp.<name> when building a graph (create_graph=True)
TENSOR_XP.update({"maximum": maximum, "minimum": minimum, "logical_and": logical_and, "logical_or": logical_or,
                  "logical_not": logical_not, "clip": clamp, "square": square})

_BINARY = ("add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow", "float_power",
           "atan2", "hypot", "xlogy", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
           "bitwise_and", "bitwise_or", "bitwise_xor", "clamp", "clamp_min", "clamp_max", "lerp", "addcmul",
           "addcdiv", "square")
_ALIASES = {"subtract": sub, "multiply": mul, "divide": div, "arctan2": atan2, "clip": clamp, "not_equal": ne,
            "less": lt, "less_equal": le, "greater": gt, "greater_equal": ge}
_ALIASES_ = {"subtract_": sub_, "multiply_": mul_, "divide_": div_, "arctan2_": atan2_, "clip_": clamp_,
             "not_equal_": ne_, "less_": lt_, "less_equal_": le_, "greater_": gt_, "greater_equal_": ge_}
def _invert(self):
    if self._dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


_OPERATORS = {
    "__invert__": _invert,
    "__and__": _operator(bitwise_and), "__rand__": _operator(bitwise_and, True), "__iand__": _ioperator(bitwise_and_),
    "__or__": _operator(bitwise_or), "__ror__": _operator(bitwise_or, True), "__ior__": _ioperator(bitwise_or_),
    "__xor__": _operator(bitwise_xor), "__rxor__": _operator(bitwise_xor, True), "__ixor__": _ioperator(bitwise_xor_),
    "__mod__": _operator(remainder), "__rmod__": _operator(remainder, True), "__imod__": _ioperator(remainder_),
    "__floordiv__": _operator(floor_divide), "__rfloordiv__": _operator(floor_divide, True),
    "__ifloordiv__": _ioperator(floor_divide_),
}

API["torch"] = {**{n: globals()[n] for n in _BINARY + ("maximum", "minimum", "fmax", "fmin", "isclose", "allclose",
                                                        "equal", "where", "rsub", "relu")},
                **_ALIASES, "xlogy_": xlogy_, "clamp_": clamp_, "clip_": clamp_, "clamp_min_": clamp_min_,
                "clamp_max_": clamp_max_, "square_": square_}
API["Tensor"] = {**{n: globals()[n] for n in _BINARY + ("maximum", "minimum", "fmax", "fmin", "isclose", "allclose",
                                                        "equal", "relu")},
                 **{n + "_": globals()[n + "_"] for n in _BINARY}, **_ALIASES, **_ALIASES_, **_OPERATORS}
API["special"] = {"xlogy": xlogy}
