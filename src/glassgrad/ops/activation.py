"""Activations and the softmax family (glassgrad.nn.functional, some also at glassgrad.X).

Each activation is one primitive with PyTorch's node name; those whose in-place form PyTorch records
under another node (elu_ -> EluBackward1, which reads the result) get a second primitive for it.
"""
import math
import warnings

from .registry import primitive, defvjp, apply, call, records, NON_DIFFERENTIABLE, ZERO_GRAD  # noqa: F401
from ..backends import quiet
from ..tensor import _wrap_dim
from . import creation as C, elementwise as E, inplace as IP, unary as U

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}

_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT1_2 = math.sqrt(0.5)


def _float_only(input, kernel):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input._dtype.scalar_name}'")


def _run(op, input, kw=None, inplace=False):
    return IP.apply_inplace(op, input, (), kw) if inplace else apply(op, (input,), kw)


def _sigmoid(xp, x):
    return call(xp, E.SIGMOID, x)


# ---- piecewise linear ------------------------------------------------------------------------------
def _hardtanh_fwd(xp, x, *, min_val, max_val):
    return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)


# NOTE: the mask reads the result (inside (min, max) exactly when the input is), so hardtanh_ needs no copy.
# The masking VJPs of hardtanh and leaky_relu are ops of their own (as in PyTorch), so that under create_graph
# the gradient is recorded as a function of the input (HardtanhBackwardBackward0 ...) with zero derivative there.
def _hardtanh_backward(xp, g, y, *, min_val, max_val):
    return g * ((y > min_val) & (y < max_val))


HARDTANH_BACKWARD = primitive("hardtanh_backward", _hardtanh_backward, node="HardtanhBackwardBackward0")
defvjp(HARDTANH_BACKWARD, g=lambda grad, y, min_val, max_val, xp: call(
    xp, HARDTANH_BACKWARD, grad, y, min_val=min_val, max_val=max_val), y=ZERO_GRAD)

HARDTANH = primitive("hardtanh", _hardtanh_fwd)
defvjp(HARDTANH, x=lambda grad, result, min_val, max_val, xp: call(
    xp, HARDTANH_BACKWARD, grad, result, min_val=min_val, max_val=max_val))

LEAKY_RELU = primitive("leaky_relu", lambda xp, x, *, slope: xp.where(x > 0, x, x * slope))


def _leaky_relu_backward(xp, g, x, *, slope):
    return xp.where(x > 0, g, g * slope)


LEAKY_RELU_BACKWARD = primitive("leaky_relu_backward", _leaky_relu_backward, node="LeakyReluBackwardBackward0")
defvjp(LEAKY_RELU_BACKWARD, g=lambda grad, x, slope, xp: call(xp, LEAKY_RELU_BACKWARD, grad, x, slope=slope),
       x=ZERO_GRAD)


def _leaky_relu_vjp(grad, x, slope, xp):
    return call(xp, LEAKY_RELU_BACKWARD, grad, x, slope=slope)


def _leaky_relu_result_vjp(grad, result, slope, xp):
    # NOTE: the result is positive exactly where the input is, so the same mask serves the in-place form
    return call(xp, LEAKY_RELU_BACKWARD, grad, result, slope=slope)


defvjp(LEAKY_RELU, x=_leaky_relu_vjp)
LEAKY_RELU_ = primitive("leaky_relu_", LEAKY_RELU.fwd, node="LeakyReluBackward1")
defvjp(LEAKY_RELU_, x=_leaky_relu_result_vjp)


def _hardsigmoid_fwd(xp, x):
    return xp.clip(x + 3, 0, 6) / 6


HARDSIGMOID = primitive("hardsigmoid", _hardsigmoid_fwd)
defvjp(HARDSIGMOID, x=lambda grad, x: grad * (x > -3) * (x < 3) / 6)


def _hardswish_vjp(grad, x, xp):
    return xp.where(x <= -3, 0.0, xp.where(x < 3, grad * (x / 3 + 0.5), grad))


HARDSWISH = primitive("hardswish", lambda xp, x: x * xp.clip(x + 3, 0, 6) / 6)
defvjp(HARDSWISH, x=_hardswish_vjp)


# ---- exponential linear units ----------------------------------------------------------------------
def _elu_fwd(xp, x, *, alpha, scale, input_scale):
    neg = quiet(xp.expm1, xp.where(x > 0, 0.0, x) * input_scale) * (alpha * scale)
    return xp.where(x > 0, x * scale, neg)


def _elu_vjp(grad, x, alpha, scale, input_scale, xp):
    # NOTE: the negative branch includes 0, as in PyTorch: the derivative at 0 is alpha * scale * input_scale
    neg = grad * (alpha * scale * input_scale) * xp.exp(xp.where(x > 0, 0.0, x) * input_scale)
    return xp.where(x > 0, grad * scale, neg)


def _elu_result_vjp(grad, result, alpha, scale, input_scale, xp):
    return xp.where(result > 0, grad * scale, grad * input_scale * (result + alpha * scale))


def _elu_family(name, node):
    op = primitive(name, _elu_fwd, node=node + "Backward0")
    defvjp(op, x=_elu_vjp)
    op_ = primitive(name + "_", _elu_fwd, node=node + "Backward1")
    defvjp(op_, x=_elu_result_vjp)
    return op, op_


ELU, ELU_ = _elu_family("elu", "Elu")
CELU, CELU_ = _elu_family("celu", "Celu")
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


# ---- smooth ----------------------------------------------------------------------------------------
def _gelu_fwd(xp, x, *, approximate):
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + xp.tanh(inner))
    return 0.5 * x * (1 + U.ERF.fwd(xp, x * _SQRT1_2))


def _gelu_vjp(grad, x, approximate, xp):
    if approximate == "tanh":
        beta = math.sqrt(2 / math.pi)
        t = xp.tanh(beta * (x + 0.044715 * x * x * x))
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * beta * (1 + 3 * 0.044715 * x * x))
    cdf = 0.5 * (1 + call(xp, U.ERF, x * _SQRT1_2))
    return grad * (cdf + x * xp.exp(-0.5 * x * x) / _SQRT_2PI)


GELU = primitive("gelu", _gelu_fwd)
defvjp(GELU, x=_gelu_vjp)


def _silu_vjp(grad, x, xp):
    s = _sigmoid(xp, x)
    return grad * s * (1 + x * (1 - s))


SILU = primitive("silu", lambda xp, x: x * E.SIGMOID.fwd(xp, x))
defvjp(SILU, x=_silu_vjp)


def _softplus_fwd(xp, x, *, beta, threshold):
    z = x * beta
    soft = xp.log1p(quiet(xp.exp, xp.where(z > threshold, 0.0, z))) / beta
    return xp.where(z > threshold, x, soft)


def _softplus_vjp(grad, x, beta, threshold, xp):
    return xp.where(x * beta > threshold, grad, grad * _sigmoid(xp, x * beta))


SOFTPLUS = primitive("softplus", _softplus_fwd)
defvjp(SOFTPLUS, x=_softplus_vjp)


def _mish_vjp(grad, x, xp):
    t = xp.tanh(call(xp, SOFTPLUS, x, beta=1.0, threshold=20.0))
    return grad * (t + x * _sigmoid(xp, x) * (1 - t * t))


MISH = primitive("mish", lambda xp, x: x * xp.tanh(_softplus_fwd(xp, x, beta=1.0, threshold=20.0)))
defvjp(MISH, x=_mish_vjp)


def _logsigmoid_fwd(xp, x):
    return xp.where(x < 0, x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))


LOGSIGMOID = primitive("log_sigmoid", _logsigmoid_fwd, node="LogSigmoidBackward0")
defvjp(LOGSIGMOID, x=lambda grad, x, xp: grad * _sigmoid(xp, -x))


def _halves(x, dim):
    h = x.shape[dim] // 2
    lead = (slice(None),) * dim
    return x[lead + (slice(0, h),)], x[lead + (slice(h, None),)]


def _glu_vjp(grad, x, dim, xp):
    a, b = _halves(x, dim)
    s = _sigmoid(xp, b)
    return xp.concatenate((grad * s, grad * a * s * (1 - s)), dim)


GLU = primitive("glu", lambda xp, x, *, dim: (lambda a, b: a * E.SIGMOID.fwd(xp, b))(*_halves(x, dim)))
defvjp(GLU, x=_glu_vjp)


# ---- public functions ------------------------------------------------------------------------------
def relu(input, inplace=False):
    return IP.apply_inplace(E.RELU, input) if inplace else E.relu(input)


def relu_(input):
    return IP.apply_inplace(E.RELU, input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if not input._dtype.is_floating_point:
        min_val, max_val = math.trunc(min_val), math.trunc(max_val)  # PyTorch casts the bounds to the int type
    return _run(HARDTANH, input, {"min_val": min_val, "max_val": max_val}, inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _float_only(input, "leaky_relu_cpu")
    return _run(LEAKY_RELU_ if inplace else LEAKY_RELU, input, {"slope": negative_slope}, inplace)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def _elu(ops, input, alpha, scale, input_scale, inplace):
    _float_only(input, "elu_cpu")
    kw = {"alpha": alpha, "scale": scale, "input_scale": input_scale}
    return _run(ops[1] if inplace else ops[0], input, kw, inplace)


def elu(input, alpha=1.0, inplace=False):
    return _elu((ELU, ELU_), input, alpha, 1.0, 1.0, inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):
    return _elu((ELU, ELU_), input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu((CELU, CELU_), input, alpha, 1.0, 1.0 / alpha, inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def gelu(input, *, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _float_only(input, "GeluKernelImpl")
    return apply(GELU, (input,), {"approximate": approximate})


def silu(input, inplace=False):
    _float_only(input, "silu_cpu")
    return _run(SILU, input, None, inplace)


def mish(input, inplace=False):
    _float_only(input, "mish_cpu")
    return _run(MISH, input, None, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    _float_only(input, "softplus_cpu")
    return apply(SOFTPLUS, (input,), {"beta": beta, "threshold": threshold})


def softsign(input):
    return E.div(input, E.add(E.abs(input), 1))


def hardsigmoid(input, inplace=False):
    _float_only(input, "hardsigmoid_cpu")
    return _run(HARDSIGMOID, input, None, inplace)


def hardswish(input, inplace=False):
    _float_only(input, "hardswish_cpu")
    return _run(HARDSWISH, input, None, inplace)


def logsigmoid(input):
    _float_only(input, "log_sigmoid_cpu")
    return apply(LOGSIGMOID, (input,))


def tanhshrink(input):
    return E.sub(input, E.tanh(input))


def glu(input, dim=-1):
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    _float_only(input, "glu_cpu")
    return apply(GLU, (input,), {"dim": d})


# ---- softmax family ------------------------------------------------------------------------------
def _axis(x, dim):
    """NumPy's axis for a reduction over `dim` (a 0-d tensor has one implicit dimension: none in NumPy)."""
    return dim if x.ndim else None


def _softmax_fwd(xp, x, *, dim):
    if x.size == 0:
        return x.copy()
    # NOTE: a row of -inf gives nan, silently, as in PyTorch (fully masked attention rows)
    return quiet(_softmax_raw, xp, x, _axis(x, dim))


# NOTE: the array methods, not xp.max / xp.sum: the same reductions without NumPy's Python wrappers (~1 us each)
def _softmax_raw(xp, x, ax):
    e = xp.exp(x - x.max(axis=ax, keepdims=True))
    return e / e.sum(axis=ax, keepdims=True)


def _log_softmax_fwd(xp, x, *, dim):
    if x.size == 0:
        return x.copy()
    return quiet(_log_softmax_raw, xp, x, _axis(x, dim))


def _log_softmax_raw(xp, x, ax):
    z = x - x.max(axis=ax, keepdims=True)
    return z - xp.log(xp.exp(z).sum(axis=ax, keepdims=True))


def _keepsum(xp, a, ax):
    """xp.sum(a, axis=ax, keepdims=True); on arrays through the method, without NumPy's wrapper (~1 us)."""
    return xp.sum(a, axis=ax, keepdims=True) if records(xp) else a.sum(axis=ax, keepdims=True)


def _softmax_vjp(grad, result, dim, xp):
    gy = grad * result
    return gy - result * _keepsum(xp, gy, _axis(result, dim))


def _log_softmax_vjp(grad, result, dim, xp):
    return grad - xp.exp(result) * _keepsum(xp, grad, _axis(result, dim))


# NOTE: dedicated VJPs reading the result, as PyTorch's _softmax_backward_data / _log_softmax_backward_data do.
SOFTMAX = primitive("softmax", _softmax_fwd, node="SoftmaxBackward0")
defvjp(SOFTMAX, x=_softmax_vjp)
LOG_SOFTMAX = primitive("log_softmax", _log_softmax_fwd, node="LogSoftmaxBackward0")
defvjp(LOG_SOFTMAX, x=_log_softmax_vjp)


def _implicit_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  f"an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_like(op, kernel, input, dim, dtype):
    if dtype is not None:
        input = C.to(input, dtype)
    d = _wrap_dim(dim, input._data.ndim)
    if not input._dtype.is_floating_point:
        last = d == input._data.ndim - 1 or input._data.ndim == 0
        raise NotImplementedError(f"\"{kernel}_{'lastdim_' if last else ''}kernel_impl\" not implemented for "
                                  f"'{input._dtype.scalar_name}'")
    return apply(op, (input,), {"dim": d})


def softmax(input, dim, *, dtype=None):
    return _softmax_like(SOFTMAX, "softmax", input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    return _softmax_like(LOG_SOFTMAX, "log_softmax", input, dim, dtype)


def _method(fn):
    def method(self, dim, dtype=None):
        return fn(self, dim, dtype=dtype)
    method.__name__ = fn.__name__
    return method


def softmax_f(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmax", input.dim(), _stacklevel)
    return softmax(input, dim, dtype=dtype)


def log_softmax_f(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("log_softmax", input.dim(), _stacklevel)
    return log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmin", input.dim(), _stacklevel)
    return softmax(-input, dim, dtype=dtype)


API["torch"] = ("softmax", "log_softmax", "selu", "selu_", "celu", "celu_")
API["Tensor"] = {"softmax": _method(softmax), "log_softmax": _method(log_softmax)}
API["special"] = ("softmax", "log_softmax")
API["nn.functional"] = {
    "softmax": softmax_f, "log_softmax": log_softmax_f, "softmin": softmin,
    "relu": relu, "relu_": relu_, "sigmoid": E.sigmoid, "tanh": E.tanh, "hardtanh": hardtanh, "hardtanh_": hardtanh_,
    "relu6": relu6, "leaky_relu": leaky_relu, "leaky_relu_": leaky_relu_, "elu": elu, "elu_": elu_, "selu": selu,
    "selu_": selu_, "celu": celu, "celu_": celu_, "gelu": gelu, "silu": silu, "mish": mish, "softplus": softplus,
    "softsign": softsign, "hardsigmoid": hardsigmoid, "hardswish": hardswish, "logsigmoid": logsigmoid,
    "tanhshrink": tanhshrink, "glu": glu}


# ---- prelu, threshold, shrinkage, rrelu -------------------------------------------------------------
PRELU = primitive("_prelu_kernel", lambda xp, x, weight: xp.where(x > 0, x, weight * x), node="PreluKernelBackward0")
defvjp(PRELU, x=lambda grad, x, weight, xp: xp.where(x > 0, grad, weight * grad),
       weight=lambda grad, x, xp: xp.where(x > 0, 0.0, x * grad))


def prelu(input, weight):
    """max(0, x) + weight * min(0, x); `weight` has one element or one per channel (dim 1), as PyTorch's prelu:
    reshaped (a view) to broadcast over the input, then PyTorch's _prelu_kernel."""
    if input._dtype != weight._dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input._dtype.scalar_name} and "
                           f"{weight._dtype.scalar_name}")
    nd, n = input._data.ndim, weight._data.size
    if n != 1:
        if nd == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input._data.shape[1] if nd > 1 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
    if weight._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight._data.ndim}")
    _float_only(input, "prelu_cpu")
    if nd != weight._data.ndim:
        weight = weight.reshape([n if i == 1 else 1 for i in range(nd)])
    return apply(PRELU, (input, weight))


def _threshold_fwd(xp, x, *, threshold, value):
    return xp.where(x > threshold, x, value).astype(x.dtype, copy=False)


def _threshold_vjp(grad, x, threshold, xp):
    return xp.where(x > threshold, grad, 0.0)


# NOTE: threshold_ records ThresholdBackward1 but still masks by the input (the registry keeps a copy of it).
THRESHOLD = primitive("threshold", _threshold_fwd)
defvjp(THRESHOLD, x=_threshold_vjp)
THRESHOLD_ = primitive("threshold_", _threshold_fwd, node="ThresholdBackward1")
defvjp(THRESHOLD_, x=_threshold_vjp)


def _threshold_kw(input, threshold, value):
    if not input._dtype.is_floating_point:
        threshold, value = math.trunc(threshold), math.trunc(value)  # PyTorch casts both to the int type
    return {"threshold": threshold, "value": value}


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return _run(THRESHOLD_ if inplace else THRESHOLD, input, _threshold_kw(input, threshold, value), inplace)


def threshold_torch(input, threshold, value):
    return _run(THRESHOLD, input, _threshold_kw(input, threshold, value))


def threshold_(input, threshold, value):
    return _run(THRESHOLD_, input, _threshold_kw(input, threshold, value), True)


def _shrink_vjp(grad, x, lambd, xp):
    # NOTE: PyTorch's mask is `-lambd <= x <= lambd`, so a nan input passes the gradient through
    return xp.where(x >= -lambd, xp.where(x <= lambd, 0.0, grad), grad)


def _softshrink_fwd(xp, x, *, lambd):
    return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0))


HARDSHRINK = primitive("hardshrink", lambda xp, x, *, lambd: xp.where((x >= -lambd) & (x <= lambd), 0.0, x))
defvjp(HARDSHRINK, x=_shrink_vjp)
SOFTSHRINK = primitive("softshrink", _softshrink_fwd)
defvjp(SOFTSHRINK, x=_shrink_vjp)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    _float_only(input, "hardshrink_cpu")
    return apply(HARDSHRINK, (input,), {"lambd": lambd})


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _float_only(input, "softshrink_check")
    if lambd < 0:
        big = 3.4028234663852886e38 if input._dtype.itemsize <= 4 else 1.7976931348623157e308
        raise RuntimeError(f"lambda must be in range [0, {big:g}] for input dtype {input._dtype.scalar_name}, "
                           f"but found {lambd:g}")
    return apply(SOFTSHRINK, (input,), {"lambd": lambd})


# NOTE: PyTorch records rrelu as rrelu_with_noise even when not training (a leaky_relu with the mean slope).
RRELU = primitive("rrelu", LEAKY_RELU.fwd, node="RreluWithNoiseBackward0")
defvjp(RRELU, x=_leaky_relu_vjp)
RRELU_ = primitive("rrelu_", LEAKY_RELU.fwd, node="RreluWithNoiseBackward1")
defvjp(RRELU_, x=_leaky_relu_result_vjp)
RRELU_NOISE = primitive("rrelu_with_noise", lambda xp, x, noise: x * noise, node="RreluWithNoiseBackward0")
defvjp(RRELU_NOISE, x=lambda grad, noise: grad * noise, noise=NON_DIFFERENTIABLE)
RRELU_NOISE_ = primitive("rrelu_with_noise_", RRELU_NOISE.fwd, node="RreluWithNoiseBackward1")
defvjp(RRELU_NOISE_, x=lambda grad, noise: grad * noise, noise=NON_DIFFERENTIABLE)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """leaky_relu with slope (lower + upper) / 2; when training, each element <= 0 gets its own slope drawn
    uniformly from [lower, upper] with glassgrad's generator (glassgrad.manual_seed)."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    _float_only(input, "leaky_relu_cpu")
    if not training:
        return _run(RRELU_ if inplace else RRELU, input, {"slope": (lower + upper) / 2}, inplace)
    noise = C.tensor(C._rrelu_noise(input._data, lower, upper, input._dtype.np), dtype=input._dtype)
    if inplace:
        return IP.apply_inplace(RRELU_NOISE_, input, (noise,))
    return apply(RRELU_NOISE, (input, noise))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def _rrelu_torch(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return rrelu(input, lower, upper, training)


def _rrelu_torch_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return rrelu(input, lower, upper, training, inplace=True)


def _prelu_method(self, weight):
    return prelu(self, weight)


def _hardshrink_method(self, lambd=0.5):
    return hardshrink(self, lambd)


_prelu_method.__name__, _hardshrink_method.__name__ = "prelu", "hardshrink"
_rrelu_torch.__name__, _rrelu_torch_.__name__ = "rrelu", "rrelu_"
API["torch"] = dict({n: globals()[n] for n in API["torch"]}, prelu=prelu, threshold=threshold_torch,
                    threshold_=threshold_, hardshrink=hardshrink, rrelu=_rrelu_torch, rrelu_=_rrelu_torch_)
API["Tensor"].update(prelu=_prelu_method, hardshrink=_hardshrink_method)
API["nn.functional"].update(prelu=prelu, threshold=threshold, threshold_=threshold_, hardshrink=hardshrink,
                            softshrink=softshrink, rrelu=rrelu, rrelu_=rrelu_)
