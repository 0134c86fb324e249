"""Elementwise ops: arithmetic with broadcasting and PyTorch's promotion, and unary maths."""
import numpy as np

from ..backends import quiet
from .. import _dtype as from_dtype
from .registry import primitive, defvjp, apply, NON_DIFFERENTIABLE, ZERO_GRAD
from ..tensor import Tensor

__all__ = ["add", "sub", "mul", "div", "true_divide", "neg", "pow", "exp", "log", "sqrt", "abs", "sin", "cos",
           "tanh", "sigmoid", "relu", "sign", "floor", "eq", "ne", "lt", "le", "gt", "ge", "rsub",
           "reciprocal", "square", "clamp", "where"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


# NOTE: PyTorch computes 1/0, log(0), sqrt(-1), exp(1000) silently; NumPy would warn.
_quiet = quiet


# ---- arithmetic ---------------------------------------------------------------------------------
def _add(xp, x, y, *, alpha=1):
    return xp.add(x, y) if alpha == 1 else xp.add(x, xp.multiply(y, alpha))


ADD = primitive("add", _add, promote=True)
defvjp(ADD, x=lambda grad: grad, y=lambda grad, alpha: grad if alpha == 1 else grad * alpha)


def _sub(xp, x, y, *, alpha=1):
    return xp.subtract(x, y) if alpha == 1 else xp.subtract(x, xp.multiply(y, alpha))


SUB = primitive("sub", _sub, promote=True)
defvjp(SUB, x=lambda grad: grad, y=lambda grad, alpha: -grad if alpha == 1 else grad * -alpha)

# NOTE: `2 - x` is its own node in PyTorch (RsubBackward1), with the tensor as its first input.
RSUB = primitive("rsub", lambda xp, x, y, *, alpha=1: _sub(xp, y, x, alpha=alpha), promote=True,
                 node="RsubBackward1")
defvjp(RSUB, x=lambda grad, alpha: -grad if alpha == 1 else grad * -alpha)

MUL = primitive("mul", lambda xp, x, y: xp.multiply(x, y), promote=True)
defvjp(MUL, x=lambda grad, y: grad * y, y=lambda grad, x: grad * x)

DIV = primitive("div", lambda xp, x, y: _quiet(xp.true_divide, x, y), promote=True, float_result=True)
defvjp(DIV, x=lambda grad, y: grad / y, y=lambda grad, x, y: -grad * x / (y * y))

def _div_mode(xp, x, y, *, rounding_mode):
    if x.dtype.kind in "iub" and xp.asarray(y).dtype.kind in "iub":
        if (xp.asarray(y) == 0).any():
            raise RuntimeError("ZeroDivisionError")
        q = xp.floor_divide(x, y)
        if rounding_mode == "trunc":
            q = q + ((xp.remainder(x, y) != 0) & ((x < 0) != (xp.asarray(y) < 0)))
        return q
    q = _quiet(xp.true_divide, x, y)
    return xp.floor(q) if rounding_mode == "floor" else xp.trunc(q)


# NOTE: a rounded quotient is piecewise constant: PyTorch gives it zero gradient, not None.
DIV_MODE = primitive("div_mode", _div_mode, promote=True, node="DivBackward2")
defvjp(DIV_MODE, x=ZERO_GRAD, y=ZERO_GRAD)

NEG = primitive("neg", lambda xp, x: xp.negative(x))
defvjp(NEG, x=lambda grad: -grad)


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
defvjp(RPOW, y=lambda grad, result, x, xp: grad * result * xp.log(x) if x != 0 else grad * 0)


# ---- unary --------------------------------------------------------------------------------------
EXP = primitive("exp", lambda xp, x: _quiet(xp.exp, x), float_result=True)
defvjp(EXP, x=lambda grad, result: grad * result)
LOG = primitive("log", lambda xp, x: _quiet(xp.log, x), float_result=True)
defvjp(LOG, x=lambda grad, x: grad / x)
SQRT = primitive("sqrt", lambda xp, x: _quiet(xp.sqrt, x), float_result=True)
defvjp(SQRT, x=lambda grad, result: grad / (2 * result))
ABS = primitive("abs", lambda xp, x: xp.abs(x))
defvjp(ABS, x=lambda grad, x, xp: grad * xp.sign(x))
SIN = primitive("sin", lambda xp, x: xp.sin(x), float_result=True)
defvjp(SIN, x=lambda grad, x, xp: grad * xp.cos(x))
COS = primitive("cos", lambda xp, x: xp.cos(x), float_result=True)
defvjp(COS, x=lambda grad, x, xp: -grad * xp.sin(x))
TANH = primitive("tanh", lambda xp, x: xp.tanh(x), float_result=True)
defvjp(TANH, x=lambda grad, result: grad * (1 - result * result))


def _sigmoid(xp, x):
    # NOTE: split by sign so that exp never overflows (numerical stability).
    e = _quiet(xp.exp, -xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


SIGMOID = primitive("sigmoid", _sigmoid, float_result=True)
defvjp(SIGMOID, x=lambda grad, result: grad * result * (1 - result))
RELU = primitive("relu", lambda xp, x: xp.maximum(x, 0).astype(x.dtype, copy=False))
defvjp(RELU, x=lambda grad, result: grad * (result > 0))
RECIPROCAL = primitive("reciprocal", lambda xp, x: _quiet(xp.reciprocal, x), float_result=True)
defvjp(RECIPROCAL, x=lambda grad, result: -grad * result * result)
SIGN = primitive("sign", lambda xp, x: xp.sign(x))
defvjp(SIGN, x=ZERO_GRAD)
FLOOR = primitive("floor", lambda xp, x: xp.floor(x) if x.dtype.kind == "f" else x.copy())
defvjp(FLOOR, x=ZERO_GRAD)


def _clamp_fwd(xp, x, *, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return xp.clip(x, min, max).astype(x.dtype, copy=False)


def _clamp_vjp(grad, x, min, max):
    mask = 1
    if min is not None:
        mask = mask * (x >= min)
    if max is not None:
        mask = mask * (x <= max)
    return grad * mask


CLAMP = primitive("clamp", _clamp_fwd, node="ClampBackward1")
defvjp(CLAMP, x=_clamp_vjp)


# ---- comparisons: boolean results, no gradient ---------------------------------------------------
def _cmp(name, f):
    op = primitive(name, f, promote=True)
    return op


EQ = _cmp("eq", lambda xp, x, y: xp.equal(x, y))
NE = _cmp("ne", lambda xp, x, y: xp.not_equal(x, y))
LT = _cmp("lt", lambda xp, x, y: xp.less(x, y))
LE = _cmp("le", lambda xp, x, y: xp.less_equal(x, y))
GT = _cmp("gt", lambda xp, x, y: xp.greater(x, y))
GE = _cmp("ge", lambda xp, x, y: xp.greater_equal(x, y))


# ---- public functions ----------------------------------------------------------------------------
def _check_operand(y):
    if not isinstance(y, (Tensor, int, float, bool)):
        import numpy as np
        if isinstance(y, np.generic):
            return y.item()
        return NotImplemented
    return y


def add(input, other, *, alpha=1, out=None):
    return apply(ADD, (input, other), {"alpha": alpha} if alpha != 1 else None)


def sub(input, other, *, alpha=1, out=None):
    if isinstance(input, Tensor) and input._dtype.name == "bool" and isinstance(other, Tensor) \
            and other._dtype.name == "bool":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    return apply(SUB, (input, other), {"alpha": alpha} if alpha != 1 else None)


def rsub(input, other, *, alpha=1):
    return apply(RSUB, (input, other), {"alpha": alpha} if alpha != 1 else None)


def mul(input, other, *, out=None):
    return apply(MUL, (input, other))


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return apply(DIV, (input, other))
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    return apply(DIV_MODE, (input, other), {"rounding_mode": rounding_mode})


true_divide = div


def neg(input):
    if input._dtype._cat == 0:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return apply(NEG, (input,))


LOGICAL_NOT = primitive("logical_not", lambda xp, x: xp.logical_not(x))


BITWISE_NOT = primitive("bitwise_not", lambda xp, x: xp.invert(x))


def logical_not(input):
    return apply(LOGICAL_NOT, (input,))


def bitwise_not(input):
    if input._dtype.is_floating_point:
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{input._dtype.scalar_name}'")
    return apply(BITWISE_NOT, (input,))


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


def pow(input, exponent):
    if isinstance(input, Tensor) and input._dtype._cat < 2:
        if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(exponent, Tensor) and exponent._dtype._cat == 1:
            return apply(INT_POW, (input, exponent))
    if not isinstance(input, Tensor):
        return apply(RPOW, (exponent, input))
    if isinstance(exponent, Tensor):
        return apply(POW_T, (input, exponent))
    return apply(POW, (input, exponent))


def exp(input):
    return apply(EXP, (input,))


def log(input):
    return apply(LOG, (input,))


def sqrt(input):
    return apply(SQRT, (input,))


def abs(input):
    return apply(ABS, (input,))


def sin(input):
    return apply(SIN, (input,))


def cos(input):
    return apply(COS, (input,))


def tanh(input):
    return apply(TANH, (input,))


def sigmoid(input):
    return apply(SIGMOID, (input,))


def relu(input):
    return apply(RELU, (input,))


def reciprocal(input):
    return apply(RECIPROCAL, (input,))


def square(input):
    return apply(POW, (input, 2))


def sign(input):
    return apply(SIGN, (input,))


def floor(input):
    return apply(FLOOR, (input,))


def clamp_(input, min=None, max=None):
    if input._dtype._cat < 2 and any(isinstance(b, float) for b in (min, max)):
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input._dtype.cpp_name}")
    from .inplace import apply_inplace
    return apply_inplace(CLAMP, input, (), {"min": min, "max": max})


def clamp(input, min=None, max=None):
    if input._dtype._cat < 2 and any(isinstance(b, float) for b in (min, max)):
        input = input.to(from_dtype.get_default_dtype())  # a float bound makes the result float, as in PyTorch
    return apply(CLAMP, (input,), {"min": min, "max": max})


def eq(input, other):
    return apply(EQ, (input, other))


def ne(input, other):
    return apply(NE, (input, other))


def lt(input, other):
    return apply(LT, (input, other))


def le(input, other):
    return apply(LE, (input, other))


def gt(input, other):
    return apply(GT, (input, other))


def ge(input, other):
    return apply(GE, (input, other))


def _where_fwd(xp, condition, x, y):
    return xp.where(condition, x, y)


WHERE = primitive("where", _where_fwd, promote=False)
defvjp(WHERE, condition=NON_DIFFERENTIABLE,
       x=lambda grad, condition, xp: xp.where(condition, grad, 0),
       y=lambda grad, condition, xp: xp.where(condition, 0, grad))


def where(condition, input=None, other=None):
    if input is None and other is None:
        from .. import nonzero
        return nonzero(condition, as_tuple=True)
    from .. import _dtype as D
    dt = D.result_type(*[a for a in (input, other)])
    if isinstance(input, Tensor) and input._dtype is not dt:
        input = input.to(dt)
    if isinstance(other, Tensor) and other._dtype is not dt:
        other = other.to(dt)
    if not isinstance(input, Tensor):
        input = _scalar_tensor(input, dt)
    if not isinstance(other, Tensor):
        other = _scalar_tensor(other, dt)
    return apply(WHERE, (condition, input, other))


def _scalar_tensor(v, dt):
    import numpy as np
    from ..tensor import _new
    return _new(np.asarray(v, dtype=dt.np), dt)


ALLCLOSE = primitive("allclose", lambda xp, x, y, *, rtol, atol, equal_nan: xp.allclose(x, y, rtol=rtol, atol=atol,
                                                                                        equal_nan=equal_nan))
EQUAL = primitive("equal", lambda xp, x, y: x.shape == y.shape and bool(xp.array_equal(x, y)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(ALLCLOSE.fwd(_xp(input), input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    return bool(EQUAL.fwd(_xp(input), input._data, other._data))


def _xp(t):
    from ..backends import get_array_module
    return get_array_module(t._data)


API["torch"] += ("allclose", "equal")
API["Tensor"] += ("allclose", "equal")
