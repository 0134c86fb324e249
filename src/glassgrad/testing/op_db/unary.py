"""OpInfo rows: unary maths (exp, log, trig, erf, rounding ...), also in glassgrad.special.

Each row calls its op through `via` (a sample keyword, default the torch-level function): "Tensor.erf" calls the
method, "Tensor.erf_" the in-place method on a copy, "special.erf" the function in that namespace; so one row
checks every spelling of an op against PyTorch.
"""
import math
import statistics

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, unary_samples
from .elementwise import call_via, ref_via, float_ref, arr, finalize, NO_GRAD_DTYPES

_INTS = (-2.0, -1.0, 0.0, 1.0, 2.0)
_HALVES = (-1.5, -0.5, 0.5, 1.5)


def _variants(name, inplace=True, special=False, inplace_grad=True):
    """Samples that call the op through its other spellings (method, in-place method, special.X).
    `inplace_grad=False`: PyTorch has no derivative for the in-place op (its values are checked detached)."""
    def gen(make):
        out = [S("method", make(2, 3), via=f"Tensor.{name}")]
        if inplace and make().dtype.kind == "f":
            out.append(S("inplace", make(3), via=("" if inplace_grad else "nograd:") + f"Tensor.{name}_",
                         gradcheck=inplace_grad))
        if special and make().dtype.kind == "f":
            out.append(S("special", make(4), via=f"special.{name}"))
        return out
    return gen


def unary(name, ref, *, aliases=(), special=False, inplace=True, inplace_grad=True, extra=(), dtypes=FLOAT_DTYPES,
          **kw):
    """A row for a unary op: the shapes of opinfo.unary_samples, its other spellings, and `extra` samples."""
    shapes = unary_samples(extra)
    more = _variants(name, inplace=inplace, special=special, inplace_grad=inplace_grad)
    if not inplace_grad:
        kw["error_inputs"] = lambda make: [E("inplace_backward", NotImplementedError,
                                             rf"the derivative for 'inplace version of {name}' is not implemented",
                                             make(3), via=f"backward:Tensor.{name}_")]

    def gen(make):
        return shapes(make) + more(make) + [S(f"alias_{a}", make(3), via=a) for a in aliases]

    api = (name,) + ((name + "_",) if inplace else ()) + tuple(aliases) + (tuple(a + "_" for a in aliases
                                                                                 if inplace and "." not in a))
    if special:
        api += (f"special.{name}",)
    return OpInfo(name, call_via(name), ref_via(ref), gen, api=api, kind="unary", dtypes=dtypes,
                  from_shapes=lambda make, a: S(f"{a}", make(*a)), **kw)


def _at(values):
    """A sample at fixed points (kinks, poles, rounding ties): forward and PyTorch checks only."""
    return lambda make: S("at_" + "_".join(f"{v:g}" for v in values), arr(make, *values), gradcheck=False)


def _erfinv_ref(x):
    def one(v):
        if abs(v) >= 1:
            return math.copysign(math.inf, v) if abs(v) == 1 else math.nan
        return statistics.NormalDist().inv_cdf((v + 1) / 2) / math.sqrt(2)
    return np.vectorize(one, otypes=[np.float64])(x)


def _logit_ref(x, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return np.log(x / (1 - x))


def _round_ref(x, decimals=0):
    if x.dtype.kind != "f":
        return x.copy()
    p = x.dtype.type(10.0 ** abs(decimals))
    return (np.rint(x * p) / p if decimals >= 0 else np.rint(x / p) * p).astype(x.dtype)


def _sign_ref(x):
    # NOTE: PyTorch's sign(nan) is 0 (NumPy's is nan)
    return x.copy() if x.dtype == bool else np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype)


def _int_keep(f):
    """Reference of an op that leaves integer tensors unchanged (floor, ceil, trunc ...)."""
    return lambda x, **kw: x.copy() if x.dtype.kind in "iub" else f(x, **kw)


def _nonfinite(make):
    return arr(make, np.nan, np.inf, -np.inf, 1.5, -0.25)


_ROUNDING = dict(away=_INTS, dtypes=FI, supports_gradgrad=True)


def _unary_errors(name, extra=()):
    def errors(make):
        return [E("not_tensor", TypeError, rf"{name}\(\): argument 'input' \(position 1\) must be Tensor, not float",
                  2.0)] + [f(make) for f in extra]
    return errors


def _bool(make, *shape):
    return make(*shape, dtype="bool")


ROWS = finalize([
    unary("abs", np.abs, aliases=("absolute",), away=(0.0,), dtypes=FI,
          extra=(_at([-1.0, 0.0, 1.0]), lambda make: S("out", make(2, 3), out=np.zeros((2, 3), np.int64))
                 if make().dtype.kind == "i" else S("out_resized", make(3).astype(np.int64), out=np.zeros(0, np.int64))),
          error_inputs=_unary_errors("abs", (
              lambda make: E("bool", NotImplementedError, r"\"abs_cpu\" not implemented for 'Bool'", _bool(make, 3)),
              lambda make: E("out_requires_grad", RuntimeError, r"abs\(\): functions with out=\.\.\. arguments don't "
                                                                r"support automatic differentiation", make(3),
                             out=make(3))))),
    unary("neg", np.negative, aliases=("negative",), dtypes=FI,
          error_inputs=lambda make: [E("bool", RuntimeError, r"Negation, the `-` operator, on a bool tensor",
                                       _bool(make, 3))]),
    unary("sign", _sign_ref, away=(0.0,), dtypes=FI,
          extra=(_at([-1.0, 0.0, 1.0]), lambda make: S("bool", _bool(make, 4)),
                 lambda make: S("nan", np.array([np.nan, -np.inf, np.inf] if make().dtype.kind == "f" else [0, -3, 3],
                                                make().dtype), gradcheck=False))),
    unary("sgn", np.sign, away=(0.0,), extra=(_at([-1.0, 0.0, 1.0]),)),
    unary("exp", float_ref(np.exp), dtypes=FI,
          extra=(lambda make: S("bool", _bool(make, 3)),), error_inputs=_unary_errors("exp")),
    unary("exp2", float_ref(np.exp2), special=True),
    unary("expm1", float_ref(np.expm1), special=True, extra=(lambda make: S("tiny", make(3, low=-1e-6, high=1e-6)),)),
    unary("log", float_ref(np.log), domain=(0.3, 3.0), dtypes=FI, extra=(_at([0.0, -1.0]),)),
    unary("log2", float_ref(np.log2), domain=(0.3, 3.0)),
    unary("log10", float_ref(np.log10), domain=(0.3, 3.0)),
    unary("log1p", float_ref(np.log1p), domain=(-0.7, 2.0), special=True),
    unary("sqrt", float_ref(np.sqrt), domain=(0.3, 3.0), dtypes=FI, extra=(_at([0.0, -1.0]),)),
    unary("rsqrt", float_ref(lambda x: 1 / np.sqrt(x)), domain=(0.3, 3.0)),
    unary("square", lambda x: np.square(x.astype(np.int64) if x.dtype == bool else x), dtypes=FI,
          extra=(lambda make: S("bool", _bool(make, 3)),)),
    unary("reciprocal", float_ref(np.reciprocal), away=(0.0,), dtypes=FI, extra=(_at([0.0]),)),
    unary("sin", float_ref(np.sin), domain=(-4.0, 4.0), dtypes=FI),
    unary("cos", float_ref(np.cos), domain=(-4.0, 4.0)),
    unary("tan", float_ref(np.tan), domain=(-1.2, 1.2)),
    unary("asin", float_ref(np.arcsin), domain=(-0.9, 0.9), aliases=("arcsin",)),
    unary("acos", float_ref(np.arccos), domain=(-0.9, 0.9), aliases=("arccos",)),
    unary("atan", float_ref(np.arctan), aliases=("arctan",)),
    unary("sinh", float_ref(np.sinh)),
    unary("cosh", float_ref(np.cosh)),
    unary("tanh", float_ref(np.tanh), aliases=("nn.functional.tanh",)),
    unary("asinh", float_ref(np.arcsinh), aliases=("arcsinh",), inplace_grad=False),
    unary("acosh", float_ref(np.arccosh), domain=(1.2, 3.0), aliases=("arccosh",), extra=(_at([0.5, 1.0]),),
          inplace_grad=False),
    unary("atanh", float_ref(np.arctanh), domain=(-0.9, 0.9), aliases=("arctanh",), extra=(_at([-1.0, 1.0, 2.0]),),
          inplace_grad=False),
    unary("erf", float_ref(np.frompyfunc(math.erf, 1, 1)), domain=(-3.0, 3.0), special=True, dtypes=FI,
          extra=(lambda make: S("wide", arr(make, -6.0, -0.4, 1e-9, 0.49, 0.51, 4.0, 30.0)),),
          tol={"float64": (1e-13, 1e-15)}),
    unary("erfc", float_ref(np.frompyfunc(math.erfc, 1, 1)), domain=(-3.0, 3.0), special=True,
          extra=(lambda make: S("tail", arr(make, -6.0, 0.3, 5.0, 9.0, 26.0, 30.0)),),
          tol={"float64": (1e-13, 0.0)}),
    unary("erfinv", float_ref(_erfinv_ref), domain=(-0.95, 0.95), special=True,
          extra=(_at([-1.0, 1.0, 0.0, 1.5]),
                 lambda make: S("near_one", arr(make, 0.999, -0.99999, 1e-12), gradcheck=False)),
          tol={"float64": (1e-12, 1e-15)}),
    unary("sigmoid", float_ref(lambda x: 1.0 / (1.0 + np.exp(-x))), dtypes=FI,
          aliases=("nn.functional.sigmoid", "special.expit"),
          extra=(lambda make: S("large", make(6, low=-60.0, high=60.0)),)),
    unary("logit", float_ref(_logit_ref), domain=(0.05, 0.95), special=True,
          extra=(lambda make: S("eps", make(6, low=-0.2, high=1.2, away=(0.0, 0.2, 0.8, 1.0)), eps=0.2),
                 lambda make: S("eps_bounds", arr(make, 0.1, 0.9, 0.0, 1.0), eps=0.1,
                                gradcheck=False),
                 lambda make: S("outside", arr(make, -0.5, 0.0, 1.0, 1.5), gradcheck=False))),
    unary("floor", _int_keep(np.floor), **_ROUNDING,
          error_inputs=lambda make: [E("bool", NotImplementedError, r"floor.* not implemented for 'Bool'",
                                       _bool(make, 3))]),
    unary("ceil", _int_keep(np.ceil), **_ROUNDING),
    unary("trunc", _int_keep(np.trunc), aliases=("fix",), **_ROUNDING),
    unary("frac", lambda x: x - np.trunc(x), away=_INTS,
          error_inputs=lambda make: [E("int", NotImplementedError, r"\"frac_cpu\" not implemented for 'Long'",
                                       np.array([1, 2]))]),
    unary("round", _round_ref, special=True, dtypes=FI, away=_HALVES,
          extra=(_at([0.5, 1.5, 2.5, -0.5, -2.5]),
                 lambda make: S("decimals", make(5), decimals=2) if make().dtype.kind == "f" else S("int", make(3)),
                 lambda make: S("decimals_neg", make(4, low=-300.0, high=300.0,
                                                     away=(-250, -150, -50, 50, 150, 250)), decimals=-2)
                 if make().dtype.kind == "f" else S("int0d", make()),
                 lambda make: S("ties_decimals", arr(make, 0.125, 0.375, -0.625), decimals=2,
                                gradcheck=False)),
          error_inputs=lambda make: [
              E("int_decimals", NotImplementedError, r"\"round_cpu\" not implemented for 'Long'", np.array([1, 2]),
                decimals=1),
              E("positional_decimals", TypeError, r"round\(\)", make(3), 2)]),
    OpInfo("nan_to_num", call_via("nan_to_num"), ref_via(np.nan_to_num),
           lambda make: [S("defaults", _nonfinite(make)), S("values", _nonfinite(make), nan=1.0, posinf=2.0, neginf=-3.0),
                         S("posinf_only", _nonfinite(make), posinf=10.0), S("2x3", make(2, 3)), S("0d", make()),
                         S("method", _nonfinite(make), via="Tensor.nan_to_num", nan=0.5),
                         S("inplace", _nonfinite(make), via="Tensor.nan_to_num_", neginf=0.0)]
           + ([S("int", make(3), nan=1.5)] if make().dtype.kind == "i" else []),
           api=("nan_to_num", "nan_to_num_"), dtypes=FI),
    OpInfo("isnan", call_via("isnan"), ref_via(np.isnan),
           lambda make: [S("mixed", _nonfinite(make)), S("2x3", make(2, 3)), S("method", _nonfinite(make), via="Tensor.isnan")],
           api=("isnan",), dtypes=NO_GRAD_DTYPES, supports_grad=False),
    OpInfo("isinf", call_via("isinf"), ref_via(np.isinf, {"isposinf": np.isposinf, "isneginf": np.isneginf}),
           lambda make: [S("mixed", _nonfinite(make)), S("0d", make()), S("method", _nonfinite(make), via="Tensor.isinf"),
                         S("posinf", _nonfinite(make), via="isposinf"), S("neginf", _nonfinite(make), via="isneginf")],
           api=("isinf", "isposinf", "isneginf"), dtypes=NO_GRAD_DTYPES, supports_grad=False),
    OpInfo("isfinite", call_via("isfinite"), ref_via(np.isfinite),
           lambda make: [S("mixed", _nonfinite(make)), S("empty", make(0, 2)), S("bool", _bool(make, 3)),
                         S("method", _nonfinite(make), via="Tensor.isfinite")],
           api=("isfinite",), dtypes=NO_GRAD_DTYPES, supports_grad=False),
    OpInfo("logical_not", call_via("logical_not"), ref_via(np.logical_not),
           lambda make: [S("values", make(2, 3)), S("zeros", arr(make, 0.0, -0.0, 1.0, np.nan)),
                         S("bool", _bool(make, 4)), S("method", make(3), via="Tensor.logical_not"),
                         S("inplace", make(3), via="Tensor.logical_not_")],
           api=("logical_not", "logical_not_"), dtypes=NO_GRAD_DTYPES, supports_grad=False),
    OpInfo("bitwise_not", call_via("bitwise_not"), ref_via(np.invert),
           lambda make: [S("int", make(2, 3)), S("bool", _bool(make, 4)), S("method", make(3), via="Tensor.bitwise_not"),
                         S("inplace", make(3), via="Tensor.bitwise_not_"), S("invert_op", make(3), via="op.invert"),
                         S("invert_bool", _bool(make, 3), via="op.invert")],
           api=("bitwise_not", "bitwise_not_", "__invert__"), dtypes=("int64",), supports_grad=False,
           error_inputs=lambda make: [
               E("float", NotImplementedError, r"\"bitwise_not_cpu\" not implemented for 'Float'", make(3)),
               E("invert_float", TypeError, r"~ \(operator.invert\) is only implemented on integer and Boolean-type "
                                            r"tensors", make(3), via="op.invert")]),
])
