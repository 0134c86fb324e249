"""OpInfo rows: activations and the softmax family (glassgrad.nn.functional)."""
import math
import warnings

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

_erf = np.vectorize(math.erf, otypes=[np.float64])
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _F(m):
    return m.nn.functional


def _out(y, x):
    """The reference's result in the op's dtype (an integer input gives the default float dtype)."""
    return np.asarray(y, dtype=x.dtype if x.dtype.kind == "f" else np.float32)


def _ref(f, keep_int=False):
    def ref(x, *args, inplace=False, **kw):
        if keep_int and x.dtype.kind in "iu":
            return np.asarray(f(x, *args, **kw), dtype=x.dtype)
        return _out(f(x.astype(np.float64), *args, **kw), x)
    return ref


def _act_op(name):
    def op(m, x, *args, inplace=False, **kw):
        f = getattr(_F(m), name)
        if inplace:
            return f(x.clone(), *args, inplace=True, **kw)
        return f(x, *args, **kw)
    return op


def act_row(name, f, options=({},), inplace=True, kinks=(), api=None, fn=None, keep_int=False, **kw):
    """An nn.functional activation: samples of several shapes for each option set, an in-place sample, and
    (forward and torch checks only) the kinks where the derivative jumps."""
    def gen(make):
        out = []
        for opts in options:
            tag = "".join(f"/{k}={v}" for k, v in opts.items())
            out += [S("2x3" + tag, make(2, 3), **opts), S("0d" + tag, make(), **opts)]
        out += [S("empty", make(0, 3)), S("2x2x3", make(2, 2, 3))]
        if inplace:
            out.append(S("inplace", make(3, 4), inplace=True, **options[-1]))
        if kinks:
            k = np.array(kinks).astype(make().dtype)
            out.append(S("kinks", k, gradcheck=False, **options[-1]))
            if inplace:
                out.append(S("kinks_inplace", k, gradcheck=False, inplace=True, **options[-1]))
        return out
    fn = fn or name
    return OpInfo(name, _act_op(fn), _ref(f, keep_int), gen, api=api or ("nn.functional." + fn,), **kw)


def _glu(x, dim=-1):
    a, b = np.split(x, 2, axis=dim)
    return a / (1 + np.exp(-b))


def _softmax(x, dim):
    if x.size == 0:
        return x.copy()
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax(x, dim):
    if x.size == 0:
        return x.copy()
    if x.ndim == 0:
        return np.zeros_like(x)
    z = x - x.max(axis=dim, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=dim, keepdims=True))


def _softmax_op(name):
    """torch.softmax / Tensor.softmax / F.softmax / special.softmax by the sample's `via`; F's implicit dim when
    dim is None; `dtype64` passes dtype=float64."""
    def op(m, x, dim=None, via="F", dtype64=False):
        kw = {"dtype": m.float64} if dtype64 else {}
        if via == "F":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # the implicit dim's warning: tests/test_dropout.py
                return getattr(_F(m), name)(x, dim, **kw)
        if via == "method":
            return getattr(x, name)(dim, **kw)
        if via == "special":
            return getattr(m.special, name)(x, dim, **kw)
        return getattr(m, name)(x, dim, **kw)
    return op


def _softmax_ref(f, neg=False):
    def ref(x, dim=None, via="F", dtype64=False):
        if dim is None:
            dim = 0 if x.ndim in (0, 1, 3) else 1
        y = f(-x.astype(np.float64) if neg else x.astype(np.float64), dim)
        return y.astype(np.float64 if dtype64 else x.dtype)
    return ref


def _softmax_samples(vias):
    def gen(make):
        x = make(2, 3, 4)
        out = [S(f"dim1/{v}", x, 1, via=v) for v in vias]
        out += [S("dim-1", x, -1), S("dim0", make(3, 2), 0), S("0d", make(), 0), S("empty", make(0, 3), 1),
                S("empty_dim", make(2, 0), 1), S("wide", make(2, 5, low=-60.0, high=60.0), 1),
                S("dtype", x, 2, dtype64=True), S("implicit_2d", make(2, 3)), S("implicit_3d", x)]
        return out
    return gen


def _softmax_errors(name):
    def errs(make):
        return [E("dim_out_of_range", IndexError, r"Dimension out of range", make(2, 3), 2),
                E("int_input", NotImplementedError, r"not implemented for 'Long'",
                  np.array([1, 2, 3]), 0)]
    return errs


_softmax_tol = {"float32": (1e-5, 1e-6)}


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


def _hardtanh(x, min_val=-1.0, max_val=1.0):
    if x.dtype.kind in "iu":
        min_val, max_val = math.trunc(min_val), math.trunc(max_val)  # PyTorch casts the bounds to the int type
    return np.clip(x, min_val, max_val)


def _glu_samples(make):
    return [S("dim-1", make(2, 4)), S("dim0", make(4, 3), 0), S("3d_dim1", make(2, 2, 3), dim=1),
            S("1d", make(6)), S("empty", make(0, 4))]


def _glu_errors(make):
    return [E("odd", RuntimeError, r"Halving dimension must be even, but dimension 1 is size 5", make(3, 5)),
            E("scalar", RuntimeError, r"glu does not support scalars", make())]


def _gelu_errors(make):
    return [E("bad_approximate", RuntimeError, r"approximate argument must be either none or tanh",
              make(3), approximate="foo")]


def _int_errors(name, kernel):
    def errs(make):
        return [E("int_input", NotImplementedError, rf"\"{kernel}\" not implemented for 'Long'",
                  np.array([1, -2]))]
    return errs


# ---- prelu, threshold, shrinkage, rrelu ------------------------------------------------------------
def _prelu(x, w):
    if x.ndim != w.ndim:
        w = w.reshape([w.size if i == 1 else 1 for i in range(x.ndim)])
    return np.where(x > 0, x, w * x)


def _prelu_samples(make):
    return [S("scalar_w", make(2, 3, 4), make(1)), S("channel_w", make(2, 3, 4), make(3)),
            S("channel_2d", make(4, 3), make(3)), S("1d", make(4), make(1)), S("0d", make(), make(1)),
            S("0d_w", make(2, 3), make()), S("1d_0d_w", make(3), make()), S("empty", make(0, 3), make(3)),
            S("kinks", np.array([-1.0, 0.0, 1.0], dtype=make().dtype), make(1), gradcheck=False)]


def _prelu_errors(make):
    return [E("channels", RuntimeError, r"Mismatch of parameter numbers and input channel size. Found parameter "
              r"numbers = 2 and channel size = 3\.", make(2, 3), make(2)),
            E("0d_input", RuntimeError, r"Not allow zero-dim input tensor", make(), make(3)),
            E("weight_2d", RuntimeError, r"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2",
              make(3), make(1, 1)),
            E("promote", RuntimeError, r"prelu: Type promoting not supported. Got Float and Double", make(2, 3),
              make(3).astype(np.float64)),
            E("int_input", NotImplementedError, r"\"prelu_cpu\" not implemented for 'Long'", np.array([1, -2]),
              np.array([1]))]


def _prelu_op(m, x, w, via="F"):
    return m.prelu(x, w) if via == "torch" else x.prelu(w) if via == "method" else _F(m).prelu(x, w)


def _threshold_samples(make):
    x = make(2, 3)
    out = [S("2x3", x, 0.5, 2.0), S("kw", x, threshold=-0.5, value=-3.0), S("0d", make(), 0.5, 2.0),
           S("empty", make(0, 3), 0.5, 2.0), S("value_above", make(3, 4), 1.0, 5.0, inplace=True),
           S("torch", x, 0.5, 2.0, via="torch"), S("torch_", make(3, 4), 0.5, 2.0, via="torch_"),
           S("F_", make(3, 4), 0.5, 2.0, via="F_")]
    k = np.array([-1.0, 0.0, 0.5, 1.0]).astype(make().dtype)
    return out + [S("kinks", k, 0.5, 2.0, gradcheck=False), S("kinks_inplace", k, 0.5, 2.0, inplace=True,
                                                                 gradcheck=False)]


def _threshold_op(m, x, threshold, value, inplace=False, via="F"):
    if via == "torch":
        return m.threshold(x, threshold, value)
    if via == "torch_":
        return m.threshold_(x.clone(), threshold, value)
    if via == "F_":
        return _F(m).threshold_(x.clone(), threshold, value)
    return _F(m).threshold(x.clone() if inplace else x, threshold, value, inplace=inplace)


def _threshold(x, threshold, value, inplace=False, via="F"):
    if x.dtype.kind in "iu":
        threshold, value = math.trunc(threshold), math.trunc(value)  # PyTorch casts both to the int type
    return np.where(x > threshold, x, value).astype(x.dtype)


def _shrink_errors(name, kernel):
    def errs(make):
        out = [E("int_input", NotImplementedError, rf"\"{kernel}\" not implemented for 'Long'", np.array([1, -2]))]
        if name == "softshrink":
            out.append(E("negative_lambd", RuntimeError, r"lambda must be in range \[0, 3.40282e\+38\] for input "
                         r"dtype Float, but found -1", make(3), -1.0))
        return out
    return errs


def _shrink_op(name):
    def op(m, x, *args, via="F", **kw):
        if via == "torch":
            return getattr(m, name)(x, *args, **kw)
        if via == "method":
            return getattr(x, name)(*args, **kw)
        return getattr(_F(m), name)(x, *args, **kw)
    return op


def _shrink_samples(make):
    k = np.array([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]).astype(make().dtype)
    return [S("2x3", make(2, 3)), S("lambd", make(2, 3), 1.0), S("lambd_kw", make(4), lambd=1.0),
            S("0d", make()), S("empty", make(0, 3)), S("2x2x3", make(2, 2, 3)),
            S("kinks", k, gradcheck=False), S("kinks_lambd", k, 1.0, gradcheck=False)]


def _hardshrink_samples(make):
    x = make(2, 3)
    return _shrink_samples(make) + [S("torch", x, via="torch"), S("method", x, 1.0, via="method")]


def _rrelu(x, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return np.where(x > 0, x, x * (lower + upper) / 2)


def _rrelu_op(m, x, *args, inplace=False, via="F", **kw):
    if via == "torch":
        return m.rrelu(x, *args, **kw)
    if via == "torch_":
        return m.rrelu_(x.clone(), *args, **kw)
    if via == "F_":
        return _F(m).rrelu_(x.clone(), *args, **kw)
    return _F(m).rrelu(x.clone() if inplace else x, *args, inplace=inplace, **kw)


def _rrelu_samples(make):
    k = np.array([-1.0, 0.0, 1.0]).astype(make().dtype)
    return [S("2x3", make(2, 3)), S("bounds", make(2, 3), 0.1, 0.3), S("kw", make(4), lower=0.2, upper=0.5),
            S("training_false", make(3), 0.1, 0.3, False), S("0d", make()), S("empty", make(0, 3)),
            S("inplace", make(3, 4), 0.1, 0.3, inplace=True), S("torch", make(2, 3), 0.1, 0.3, via="torch"),
            S("torch_", make(2, 3), via="torch_"), S("F_", make(2, 3), 0.1, 0.3, via="F_"),
            S("kinks", k, gradcheck=False), S("kinks_inplace", k, inplace=True, gradcheck=False)]


def _rrelu_errors(make):
    return [E("bounds", RuntimeError, r"Lower bound should be less than or equal to the upper bound", make(3), 0.5,
              0.2),
            E("int_input", NotImplementedError, r"\"leaky_relu_cpu\" not implemented for 'Long'", np.array([1, -2]))]


def _no_via(f):
    def ref(x, *args, via="F", inplace=False, **kw):
        return f(x, *args, **kw).astype(x.dtype)
    return ref


ROWS = [
    act_row("relu_functional", lambda x: np.maximum(x, 0), kinks=(-1.0, 0.0, 1.0), dtypes=FI, away=(0.0,),
            api=("nn.functional.relu", "nn.functional.relu_", "relu"), fn="relu", keep_int=True),
    act_row("relu6", lambda x: np.clip(x, 0, 6), kinks=(-1.0, 0.0, 6.0, 7.0), dtypes=FI, away=(0.0, 6.0),
            domain=(-2.0, 8.0), keep_int=True),
    act_row("leaky_relu", lambda x, negative_slope=0.01: np.where(x > 0, x, x * negative_slope),
            options=({}, {"negative_slope": 0.2}), kinks=(-1.0, 0.0, 1.0), away=(0.0,),
            api=("nn.functional.leaky_relu", "nn.functional.leaky_relu_"),
            error_inputs=_int_errors("leaky_relu", "leaky_relu_cpu")),
    act_row("elu", lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x)),
            options=({}, {"alpha": 0.5}), kinks=(-1.0, 0.0, 1.0), away=(0.0,),
            api=("nn.functional.elu", "nn.functional.elu_"), error_inputs=_int_errors("elu", "elu_cpu")),
    act_row("selu", lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(x)), kinks=(-1.0, 0.0, 1.0),
            away=(0.0,), api=("nn.functional.selu", "selu", "selu_")),
    act_row("celu", lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x / alpha)),
            options=({}, {"alpha": 0.5}), kinks=(-1.0, 0.0, 1.0), away=(0.0,),
            api=("nn.functional.celu", "celu", "celu_")),
    act_row("gelu", _gelu, options=({}, {"approximate": "tanh"}, {"approximate": "none"}), inplace=False,
            kinks=(-40.0, -6.0, 0.0, 6.0, 40.0), error_inputs=_gelu_errors),
    act_row("silu", lambda x: x / (1 + np.exp(-x)), kinks=(-40.0, 0.0, 40.0)),
    act_row("mish", lambda x: x * np.tanh(np.log1p(np.exp(x))), kinks=(-40.0, 0.0, 40.0)),
    act_row("softplus", _softplus, options=({}, {"beta": 2.0, "threshold": 1.5}), inplace=False,
            kinks=(-30.0, 0.75, 10.0, 21.0), away=(0.75,), error_inputs=_int_errors("softplus", "softplus_cpu")),
    act_row("softsign", lambda x: x / (1 + np.abs(x)), inplace=False, dtypes=FI, away=(0.0,)),
    act_row("hardtanh", _hardtanh, keep_int=True,
            options=({}, {"min_val": -0.5, "max_val": 1.5}), kinks=(-2.0, -1.0, -0.5, 0.0, 1.0, 1.5, 2.0),
            away=(-1.0, 1.0, -0.5, 1.5), dtypes=FI, api=("nn.functional.hardtanh", "nn.functional.hardtanh_")),
    act_row("hardsigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1), kinks=(-4.0, -3.0, 0.0, 3.0, 4.0),
            away=(-3.0, 3.0), domain=(-4.0, 4.0)),
    act_row("hardswish", lambda x: x * np.clip(x + 3, 0, 6) / 6, kinks=(-4.0, -3.0, 0.0, 3.0, 4.0),
            away=(-3.0, 3.0), domain=(-4.0, 4.0)),
    act_row("logsigmoid", lambda x: -np.logaddexp(0, -x), inplace=False, kinks=(-40.0, 0.0, 40.0),
            error_inputs=_int_errors("logsigmoid", "log_sigmoid_cpu")),
    act_row("tanhshrink", lambda x: x - np.tanh(x), inplace=False, dtypes=FI),
    act_row("sigmoid_functional", lambda x: 1 / (1 + np.exp(-x)), inplace=False, fn="sigmoid"),
    act_row("tanh_functional", np.tanh, inplace=False, fn="tanh"),
    OpInfo("glu", lambda m, x, *a, **k: _F(m).glu(x, *a, **k), lambda x, *a, **k: _glu(x, *a, **k), _glu_samples,
           api=("nn.functional.glu",), error_inputs=_glu_errors),
    OpInfo("softmax", _softmax_op("softmax"), _softmax_ref(_softmax),
           _softmax_samples(("torch", "F", "method", "special")),
           api=("softmax", "nn.functional.softmax", "special.softmax"), tol=_softmax_tol,
           error_inputs=_softmax_errors("softmax")),
    OpInfo("log_softmax", _softmax_op("log_softmax"), _softmax_ref(_log_softmax),
           _softmax_samples(("torch", "F", "method", "special")),
           api=("log_softmax", "nn.functional.log_softmax", "special.log_softmax"), tol=_softmax_tol,
           error_inputs=_softmax_errors("log_softmax")),
    OpInfo("softmin", _softmax_op("softmin"), _softmax_ref(_softmax, neg=True), _softmax_samples(("F",)),
           api=("nn.functional.softmin",), tol=_softmax_tol),
    OpInfo("prelu", _prelu_op, lambda x, w, via="F": _prelu(x, w), _prelu_samples, away=(0.0,),
           api=("prelu", "nn.functional.prelu"), error_inputs=_prelu_errors),
    OpInfo("threshold", _threshold_op, _threshold, _threshold_samples, dtypes=FI, away=(0.5, -0.5, 1.0),
           api=("threshold", "threshold_", "nn.functional.threshold", "nn.functional.threshold_")),
    OpInfo("hardshrink", _shrink_op("hardshrink"), _no_via(lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x, 0)),
           _hardshrink_samples, away=(-1.0, -0.5, 0.5, 1.0), api=("hardshrink", "nn.functional.hardshrink"),
           error_inputs=_shrink_errors("hardshrink", "hardshrink_cpu")),
    OpInfo("softshrink", _shrink_op("softshrink"),
           _no_via(lambda x, lambd=0.5: np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0))),
           _shrink_samples, away=(-1.0, -0.5, 0.5, 1.0), api=("nn.functional.softshrink",),
           error_inputs=_shrink_errors("softshrink", "softshrink_check")),
    OpInfo("rrelu", _rrelu_op, _no_via(_rrelu), _rrelu_samples, away=(0.0,),
           api=("rrelu", "rrelu_", "nn.functional.rrelu", "nn.functional.rrelu_"), error_inputs=_rrelu_errors),
]
