"""OpInfo rows: arithmetic, division and remainders, powers, min/max, comparisons and logic, where, clamp,
lerp, addcmul, addcdiv.

Rows call their op through `via` (a sample keyword, default the torch-level function): "Tensor.add" calls the
method, "Tensor.add_" the in-place method on a copy, "op.and_" Python's operator (`x & y`; `2 & x` when the
scalar comes first), "special.xlogy" a namespace, a "nograd:" prefix passes the tensors detached (ops whose
derivative PyTorch does not implement), and "backward:" runs backward through the result (their errors).
"""
import math
import operator

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, binary_samples

_INPLACE_OPERATORS = {"iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "iand", "ior", "ixor", "ipow"}


def _call(m, via, args, kwargs):
    if via.startswith("backward:"):
        return _call(m, via[9:], args, kwargs).sum().backward()
    if via.startswith("nograd:"):
        via = via[7:]
        args = tuple(a.detach() if isinstance(a, m.Tensor) else a for a in args)
    if via.startswith("op."):
        name = via[3:]
        if name in _INPLACE_OPERATORS:
            args = (args[0].clone(),) + args[1:]  # a leaf that requires grad cannot be written in place
        return getattr(operator, name)(*args)
    if via.startswith("Tensor."):
        name = via[7:]
        self = args[0].clone() if name.endswith("_") else args[0]
        return getattr(self, name)(*args[1:], **kwargs)
    fn = m
    for part in via.split("."):
        fn = getattr(fn, part)
    if via.endswith("_"):
        args = (args[0].clone(),) + args[1:]
    return fn(*args, **kwargs)


def call_via(default):
    """A row op that calls `default` (a dotted name under glassgrad / torch), or the sample's `via`."""
    def op(m, *args, via=default, **kwargs):
        return _call(m, via, args, kwargs)
    return op


def _has_float_tensor(sample):
    found = []

    def walk(o):
        if isinstance(o, np.ndarray):
            found.append(o.dtype.kind == "f")
        elif isinstance(o, (list, tuple)):
            for v in o:
                walk(v)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v)
    walk((sample.args, sample.kwargs))
    return any(found)


def finalize(rows):
    """Samples without a floating tensor have nothing to differentiate: forward and PyTorch checks only."""
    def wrap(gen):
        def samples(make):
            out = gen(make)
            for s in out:
                s.gradcheck = s.gradcheck and _has_float_tensor(s)
            return out
        return samples
    for r in rows:
        r.sample_inputs = wrap(r.sample_inputs)
    return rows


def _base_name(via):
    """The op a `via` spelling calls: "Tensor.clamp_max_" -> "clamp_max"."""
    name = via.split(":")[-1].split(".")[-1]
    return name[:-1] if name.endswith("_") and not name.endswith("__") else name


def ref_via(ref, others=None):
    """The reference of a row, ignoring `via` and `out=`; `others` {op name: reference} for spellings of other ops
    (clamp_min in the clamp row)."""
    others = others or {}

    def call(*args, via=None, out=None, **kwargs):
        with np.errstate(all="ignore"):  # references at poles and overflows, as PyTorch computes them: silently
            return others.get(_base_name(via), ref)(*args, **kwargs) if via else ref(*args, **kwargs)
    return call


def float_ref(f):
    """The reference of an op with a floating result: computed in float64, returned in the input's float dtype
    (integer and bool inputs give the default dtype, float32)."""
    def ref(x, **kwargs):
        x = np.asarray(x)
        out = np.asarray(f(x.astype(np.float64), **kwargs), dtype=np.float64)
        return out.astype(x.dtype if x.dtype.kind == "f" else np.float32)
    return ref


def binary(name, ref, api, *, lhs=None, rhs=None, scalars=(2.5,), extra=(), via=None, options=None, **kw):
    """A binary row: opinfo's broadcasting samples, scalar operands, and `extra` samples (other spellings);
    `options` are keyword arguments every sample passes (rounding_mode=)."""
    gen, fs = binary_samples(lhs, rhs, scalars)
    options = options or {}

    def with_options(s):
        for k, v in options.items():
            s.kwargs.setdefault(k, v)
        return s

    def samples(make):
        out = gen(make) + [s for s in (f(make) for f in extra) if s is not None]
        return [with_options(s) for s in out]
    kw.setdefault("from_shapes", lambda make, a, b: with_options(fs(make, a, b)))
    return OpInfo(name, call_via(via or name), ref_via(ref), samples, api=api, kind="binary", **kw)


def spellings(*vias, lhs=None, rhs=None, scalar_first=None, float_inplace=False):
    """Samples calling the op as `via` for each spelling (method, in-place, operator), with tensor operands made
    with the lhs/rhs overrides; `scalar_first` adds a reflected operator call (`2.5 & x`). `float_inplace`: the
    op's result is floating, so integer rows skip the in-place spellings (PyTorch refuses them)."""
    lhs, rhs = lhs or {}, rhs or {}

    def one(v):
        def sample(make):
            if float_inplace and make().dtype.kind != "f" and _inplace_via(v):
                return None
            return S(v, make(2, 3, **lhs), make(3, **rhs), via=v, gradcheck=not v.startswith("nograd:"))
        return sample
    out = [one(v) for v in vias]
    if scalar_first is not None:
        via, value = scalar_first
        out.append(lambda make: S(f"{via}_scalar_first", value, make(2, 3, **rhs), via=via,
                                  gradcheck=not via.startswith("nograd:")))
    return tuple(out)


def _bool(make, *shape):
    return make(*shape, dtype="bool")


def arr(make, *values):
    """Fixed values (nan, ties, kinks) in the sample's float dtype; float32 for an integer row."""
    dt = make().dtype
    return np.array(values).astype(dt if dt.kind == "f" else np.float32)


def _inplace_via(via):
    name = via.split(":")[-1]
    return name[3:] in _INPLACE_OPERATORS if name.startswith("op.") else name.endswith("_")


def _ints(*values):
    return np.array(values, dtype=np.int64)


def _add_ref(x, y, alpha=1):
    return np.add(x, y if alpha == 1 else np.multiply(y, alpha))


def _sub_ref(x, y, alpha=1):
    return np.subtract(x, y if alpha == 1 else np.multiply(y, alpha))


def _xlogy_ref(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y))


def _clamp_ref(x, min=None, max=None):
    out = x if min is None else np.maximum(x, min)
    return out if max is None else np.minimum(out, max)


_CLAMP_ONE = {"clamp_min": np.maximum, "clamp_max": np.minimum}


def _lerp_ref(start, end, weight):
    return start + weight * (end - start)


def _floor_divide_ref(x, y, rounding_mode=None):
    with np.errstate(all="ignore"):
        return np.floor_divide(x, y)


def _trunc_divide_ref(x, y, rounding_mode=None):
    q = np.true_divide(x, y)
    return np.trunc(q).astype(np.result_type(x, y)) if np.asarray(x).dtype.kind in "iu" else np.trunc(q)


_MAXMIN_EXTRA = (
    lambda make: S("ties", arr(make, 1.0, 2.0, -0.5),
                   arr(make, 1.0, 1.0, -0.5), gradcheck=False),
    lambda make: S("nan", arr(make, 1.0, np.nan, np.nan, 0.5),
                   arr(make, np.nan, 2.0, np.nan, 0.25), gradcheck=False),
)


def _maxmin(name, ref, **kw):
    extra = _MAXMIN_EXTRA + spellings(f"Tensor.{name}")
    return binary(name, ref, (name,), scalars=(), extra=extra, dtypes=FI,
                  error_inputs=lambda make: [E("scalar_other", TypeError,
                                               rf"{name}\(\): argument 'other' \(position 2\) must be Tensor, not float",
                                               make(3), 2.5)], **kw)


def _fmax_ref(f):
    return lambda x, y: f(x, y)


# boolean results: float64 would repeat float32's checks
NO_GRAD_DTYPES = ("float32", "int64")


def _cmp(name, ref, aliases=(), dunder=None):
    vias = (f"Tensor.{name}", f"Tensor.{name}_") + tuple(aliases)
    extra = spellings(*vias) + (lambda make: S("ties", arr(make, 1.0, 2.0, 3.0),
                                               arr(make, 1.0, 1.0, 4.0)),)
    if dunder:
        extra += spellings(f"op.{dunder}", scalar_first=(f"op.{dunder}", 0.5))
    api = (name, name + "_") + tuple(aliases) + tuple(a + "_" for a in aliases) + ((f"__{dunder}__",) if dunder else ())
    return binary(name, lambda x, y: ref(x, y), api, scalars=(0.5, 1), extra=extra, dtypes=NO_GRAD_DTYPES,
                  supports_grad=False)


def _logical(name, ref):
    extra = spellings(f"Tensor.{name}", f"Tensor.{name}_") + (
        lambda make: S("bool", _bool(make, 2, 3), _bool(make, 3)),
        lambda make: S("zeros", arr(make, 0.0, 1.0, -0.0, np.nan),
                       arr(make, 1.0, 0.0, 0.0, 0.0)))
    return binary(name, ref, (name, name + "_"), scalars=(), extra=extra, dtypes=NO_GRAD_DTYPES, supports_grad=False)


def _bitwise(name, ref, dunder):
    extra = spellings(f"Tensor.{name}", f"Tensor.{name}_", f"op.{dunder}_" if dunder != "xor" else "op.xor",
                      f"op.i{dunder}", scalar_first=(f"op.{dunder}_" if dunder != "xor" else "op.xor", 6)) + (
        lambda make: S("bool", _bool(make, 2, 3), _bool(make, 3)),
        lambda make: S("bool_scalar", _bool(make, 4), True),
        lambda make: S("bool_int_scalar", _bool(make, 4), 3),
        lambda make: S("int32", make(4).astype(np.int32), make(4)))
    # NOTE: no hypothesis shapes (from_shapes=None): that suite draws float tensors, which bitwise ops refuse
    return binary(name, ref, (name, name + "_", f"__{dunder}__", f"__r{dunder}__", f"__i{dunder}__"), scalars=(5,),
                  extra=extra, dtypes=("int64",), supports_grad=False, domain=(-9.0, 9.0), from_shapes=None,
                  error_inputs=lambda make: [
                      E("float", NotImplementedError, rf"\"{name}_cpu\" not implemented for 'Float'", make(3), make(3)),
                      E("float_scalar", NotImplementedError, rf"\"{name}_cpu\" not implemented for 'Float'",
                        _ints(1, 2), 1.5)])


def _ternary_shapes(make, a, b, c, **kw):
    return S(f"{a}&{b}&{c}", make(*a), make(*b), make(*c), **kw)


_TERNARY = (("same", (2, 3), (2, 3), (2, 3)), ("bcast", (3, 1), (1, 4), (4,)), ("0d", (), (), ()),
            ("0d_mixed", (2, 3), (), (3,)), ("empty", (0, 3), (3,), (1, 3)))


def _ternary_samples(third=None, **kw):
    third = third or {}

    def gen(make):
        return [S(d, make(*a), make(*b), make(*c, **third), **kw) for d, a, b, c in _TERNARY]
    return gen


def _addc_row(name, ref, third, dtypes=FLOAT_DTYPES, **kw):
    base = _ternary_samples(third)

    def gen(make):
        x, t1, t2 = make(2, 3), make(2, 3), make(2, 3, **third)
        f = make().dtype.kind == "f"
        return base(make) + [S("value", x, t1, t2, value=0.5 if f else 3), S("value_neg_int", x, t1, t2, value=-2),
                             S("method", x, t1, t2, via=f"Tensor.{name}", value=2.0 if f else 2),
                             S("inplace", x, make(3), t2, via=f"Tensor.{name}_", value=-0.5 if f else -1)]
    return OpInfo(name, call_via(name), ref_via(ref), gen, api=(name, name + "_"), kind="ternary", dtypes=dtypes,
                  from_shapes=lambda make, a, b, c: S(f"{a}&{b}&{c}", make(*a), make(*b), make(*c, **third)), **kw)


def _clamp_from_shapes(make, a, b, c):
    # NOTE: PyTorch's clamp backward combines masks in place ((x >= min).logical_and_(x <= max)), which fails when x
    # and one bound broadcast to less than the result (x (), min (), max (0,)): x takes the result's shape here.
    a = np.broadcast_shapes(a, b, c)
    return S(f"{a}&{b}&{c}", make(*a), make(*b, low=-2.0, high=0.0), make(*c, low=0.0, high=2.0))


def _where_op(m, c, x, y, via=None):
    return x.where(c, y) if via == "method" else m.where(c, x, y)


_FLOOR_DIV_EXTRA = spellings("nograd:Tensor.floor_divide", "nograd:Tensor.floor_divide_", "nograd:op.floordiv",
                             "nograd:op.ifloordiv", rhs=NONZERO, scalar_first=("nograd:op.floordiv", 5.0)) + (
    lambda make: S("python_floor", arr(make, 1.0, -1.0, 7.5), 0.1, gradcheck=False),
    lambda make: S("ints", _ints(-7, 7, -7, 7, 0), _ints(2, 2, -2, -2, 3)),
    lambda make: S("by_zero_float", arr(make, 1.0, -1.0, 0.0), 0.0))


ROWS = finalize([
    binary("add", _add_ref, ("add", "add_", "__add__", "__radd__", "__iadd__"), dtypes=FI,
           extra=spellings("Tensor.add", "Tensor.add_", "op.add", "op.iadd", scalar_first=("op.add", 2.5)) + (
               lambda make: S("alpha", make(2, 3), make(3), alpha=2), lambda make: S("alpha_float", make(3), make(3), alpha=0.5)
               if make().dtype.kind == "f" else S("alpha_int", make(3), make(3), alpha=-3),
               lambda make: S("bool", _bool(make, 3), _bool(make, 3))),
           error_inputs=lambda make: [E("int_float_alpha", RuntimeError,
                                       r"For integral input tensors, argument alpha must not be a floating point number",
                                       _ints(1, 2), _ints(3, 4), alpha=0.5)]),
    binary("sub", _sub_ref, ("sub", "sub_", "subtract", "subtract_", "rsub", "__sub__", "__rsub__", "__isub__"), dtypes=FI,
           extra=spellings("Tensor.sub", "Tensor.sub_", "subtract", "op.sub", "op.isub", scalar_first=("op.sub", 2.5)) + (
               lambda make: S("alpha", make(2, 3), make(3), alpha=2),),
           error_inputs=lambda make: [
               E("bool_bool", RuntimeError, r"Subtraction, the `-` operator, with two bool tensors is not supported",
                 _bool(make, 3), _bool(make, 3)),
               E("bool_int", RuntimeError, r"Subtraction, the `-` operator, with a bool tensor is not supported",
                 _bool(make, 3), 1),
               E("float_pybool", RuntimeError, r"Subtraction, the `-` operator, with a bool tensor is not supported",
                 make(3), True)]),
    OpInfo("rsub", call_via("rsub"), ref_via(lambda x, y, alpha=1: np.subtract(y, np.multiply(x, alpha))),
           lambda make: [S("tensors", make(2, 3), make(3)), S("scalar", make(2, 3), 2.5), S("alpha", make(3), make(3), alpha=2)],
           api=("rsub",)),
    binary("mul", np.multiply, ("mul", "mul_", "multiply", "multiply_", "__mul__", "__rmul__", "__imul__"), dtypes=FI,
           extra=spellings("Tensor.mul", "Tensor.mul_", "multiply", "op.mul", "op.imul", scalar_first=("op.mul", 2.5)) + (
               lambda make: S("bool", _bool(make, 3), _bool(make, 3)),)),
    binary("div", np.true_divide, ("div", "div_", "divide", "divide_", "true_divide", "true_divide_", "__truediv__",
                                   "__rtruediv__", "__itruediv__"), rhs=NONZERO, dtypes=FI,
           extra=spellings("Tensor.div", "Tensor.div_", "true_divide", "divide", "op.truediv", "op.itruediv", rhs=NONZERO,
                           scalar_first=("op.truediv", 2.5), float_inplace=True) + (
               lambda make: S("int_by_zero", _ints(1, -1, 0), _ints(0, 0, 0)),)),
    binary("div_floor", _floor_divide_ref, ("div",), rhs=NONZERO, dtypes=FI, via="div", options={"rounding_mode": "floor"},
           extra=(lambda make: S("python_floor", arr(make, 1.0, -1.0, 7.5), 0.1, gradcheck=False),
                  lambda make: S("ints", _ints(-7, 7, -7, 7), _ints(2, 2, -2, -2)),
                  lambda make: S("inplace", make(3), make(3, away=(0.0,)), via="Tensor.div_", rounding_mode="floor"),
                  lambda make: S("by_zero_float", arr(make, 1.0, -1.0, 0.0), 0.0,
                                 gradcheck=False)),
           error_inputs=lambda make: [
               E("int_by_zero", RuntimeError, r"ZeroDivisionError", _ints(1, 2), _ints(0, 1), rounding_mode="floor"),
               E("bad_mode", RuntimeError, r"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                                           r"'round'", make(3), make(3), rounding_mode="round")]),
    binary("div_trunc", _trunc_divide_ref, ("div",), rhs=NONZERO, dtypes=FI, via="div", options={"rounding_mode": "trunc"},
           extra=(lambda make: S("ints", _ints(-7, 7, -7, 7), _ints(2, 2, -2, -2)),
                  lambda make: S("method", make(3), make(3, away=(0.0,)), via="Tensor.div", rounding_mode="trunc")),
           error_inputs=lambda make: [E("int_by_zero", RuntimeError, r"ZeroDivisionError", _ints(1, 2), _ints(0, 1),
                                        rounding_mode="trunc")]),
    binary("floor_divide", _floor_divide_ref, ("floor_divide", "floor_divide_", "__floordiv__", "__rfloordiv__",
                                               "__ifloordiv__"),
           rhs=NONZERO, dtypes=FI, via="nograd:floor_divide", extra=_FLOOR_DIV_EXTRA, supports_grad=False,
           error_inputs=lambda make: [
               E("int_by_zero", RuntimeError, r"ZeroDivisionError", _ints(1, 2), _ints(0, 1)),
               E("backward", RuntimeError, r"derivative for aten::floor_divide is not implemented", make(3),
                 make(3, away=(0.0,)), via="backward:floor_divide")]),
    binary("remainder", lambda x, y: np.remainder(x, y), ("remainder", "remainder_", "__mod__", "__rmod__", "__imod__"),
           rhs=NONZERO, dtypes=FI, scalars=(2.5, -1.5),
           extra=spellings("Tensor.remainder", "Tensor.remainder_", "op.mod", "op.imod", rhs=NONZERO,
                           scalar_first=("nograd:op.mod", 5.0)) + (
               lambda make: S("ints", _ints(-7, 7, -7, 7, 0), _ints(2, 2, -2, -2, 3)),
               lambda make: S("by_zero_float", arr(make, 1.0, -1.0), 0.0, gradcheck=False),
               lambda make: S("scalar_self", 5.0, make(3, away=(0.0,)), via="nograd:remainder", gradcheck=False)),
           error_inputs=lambda make: [
               E("int_by_zero", RuntimeError, r"ZeroDivisionError", _ints(1, 2), _ints(0, 1)),
               E("scalar_self_backward", RuntimeError, r"derivative for aten::remainder is not implemented", 5.0,
                 make(3, away=(0.0,)), via="backward:remainder")]),
    binary("fmod", np.fmod, ("fmod", "fmod_"), rhs=NONZERO, dtypes=FI, scalars=(2.5, -1.5),
           extra=spellings("Tensor.fmod", "Tensor.fmod_", rhs=NONZERO) + (
               lambda make: S("ints", _ints(-7, 7, -7, 7, 0), _ints(2, 2, -2, -2, 3)),),
           error_inputs=lambda make: [E("int_by_zero", RuntimeError, r"ZeroDivisionError", _ints(1, 2), _ints(0, 1))]),
    OpInfo("pow", call_via("pow"), ref_via(np.power),
           lambda make: [S("sq", make(2, 3), 2), S("cube", make(4), 3), S("sq_0d", make(), 2),
                         S("half", make(2, 3, **POS), 0.5), S("neg_frac", make(3, **POS), -1.5),
                         S("zero_exp", make(2, 3), 0), S("one_exp", make(3), 1.0),
                         S("sq_at_zero", arr(make, 0.0, 0.0, 0.0), 2, gradcheck=False),
                         S("method", make(3), 2, via="Tensor.pow"), S("inplace", make(3), 3, via="Tensor.pow_"),
                         S("operator", make(3), 2, via="op.pow"), S("ioperator", make(3), 2, via="op.ipow")],
           api=("pow", "pow_", "__pow__", "__ipow__")),
    binary("pow_tensor", np.power, ("pow", "__pow__"), lhs=POS, rhs={"low": -2.0, "high": 2.0}, scalars=(), via="pow"),
    OpInfo("pow_scalar_base", lambda m, e, base: m.pow(base, e), lambda e, base: np.power(base, e),
           lambda make: [S("base2", make(2, 3), 2.0), S("base_half", make(4), 0.5),
                         S("base_int", make(3), 3), S("0d", make(), 2.0)],
           api=("__rpow__",), torch_op=lambda m, e, base: m.pow(base, e)),
    OpInfo("float_power", call_via("float_power"), ref_via(lambda x, y: np.power(np.float64(x), np.float64(y))),
           lambda make: [S("tensors", make(2, 3, **POS), make(3)), S("scalar_exp", make(2, 3), 2),
                         S("frac_exp", make(3, **POS), -0.5), S("scalar_base", 2.0, make(2, 3)),
                         S("0d", make(**POS), make()), S("method", make(3, **POS), make(3), via="Tensor.float_power")]
           + ([S("inplace", make(3, **POS), 1.5, via="Tensor.float_power_")] if make().dtype == np.float64 else [])
           + ([S("int_neg_exp", make(3, low=1, high=4), -1)] if make().dtype.kind == "i" else []),
           api=("float_power", "float_power_"), dtypes=FI,
           error_inputs=lambda make: [E("inplace_float32", RuntimeError, r"the base given to float_power_ has dtype Float "
                                        r"but the operation's result requires dtype Double", make(3), 2.0,
                                        via="Tensor.float_power_")]),
    _maxmin("maximum", np.maximum),
    _maxmin("minimum", np.minimum),
    _maxmin("fmax", np.fmax),
    _maxmin("fmin", np.fmin),
    binary("atan2", lambda x, y: np.arctan2(np.float64(x), np.float64(y)), ("atan2", "atan2_", "arctan2", "arctan2_"),
           scalars=(), dtypes=FI,
           extra=spellings("Tensor.atan2", "Tensor.atan2_", "arctan2", float_inplace=True) + (
               lambda make: S("origin", arr(make, 0.0, 0.0, 1.0),
                              arr(make, 0.0, -1.0, 0.0), gradcheck=False),)),
    binary("hypot", lambda x, y: np.hypot(x, y), ("hypot", "hypot_"), scalars=(),
           extra=spellings("Tensor.hypot", "Tensor.hypot_") + (
               lambda make: S("origin", arr(make, 0.0, 0.0), arr(make, 0.0, 3.0),
                              gradcheck=False),),
           error_inputs=lambda make: [E("int", NotImplementedError, r"\"hypot_cpu\" not implemented for 'Long'",
                                        _ints(3, 4), _ints(4, 3))]),
    binary("xlogy", _xlogy_ref, ("xlogy", "xlogy_", "special.xlogy"), rhs=POS, scalars=(2.5,), dtypes=FI,
           extra=spellings("Tensor.xlogy", "Tensor.xlogy_", "special.xlogy", rhs=POS, float_inplace=True) + (
               lambda make: S("scalar_self", 2.0, make(2, 3, **POS)),
               lambda make: S("special_scalar_self", 3, make(3, **POS), via="special.xlogy"),
               lambda make: S("zeros", arr(make, 0.0, 0.0, 0.0, 1.0),
                              arr(make, 0.0, 1.0, np.nan, np.nan), gradcheck=False))),
    _cmp("eq", np.equal, dunder="eq"),
    _cmp("ne", np.not_equal, aliases=("not_equal",), dunder="ne"),
    _cmp("lt", np.less, aliases=("less",), dunder="lt"),
    _cmp("le", np.less_equal, aliases=("less_equal",), dunder="le"),
    _cmp("gt", np.greater, aliases=("greater",), dunder="gt"),
    _cmp("ge", np.greater_equal, aliases=("greater_equal",), dunder="ge"),
    _logical("logical_and", np.logical_and),
    _logical("logical_or", np.logical_or),
    _logical("logical_xor", np.logical_xor),
    _bitwise("bitwise_and", np.bitwise_and, "and"),
    _bitwise("bitwise_or", np.bitwise_or, "or"),
    _bitwise("bitwise_xor", np.bitwise_xor, "xor"),
    OpInfo("isclose", call_via("isclose"), ref_via(np.isclose),
           lambda make: [S("close", (x := make(2, 3)), x + x.dtype.type(1e-6)), S("far", make(3), make(3)),
                         S("nan", arr(make, np.nan, 1.0, np.inf),
                           arr(make, np.nan, 1.0, np.inf)),
                         S("equal_nan", arr(make, np.nan, 1.0, -np.inf),
                           arr(make, np.nan, 1.0, np.inf), equal_nan=True),
                         S("tols", make(4), make(4), rtol=0.5, atol=0.1), S("bcast", make(3, 1), make(4)),
                         S("method", make(3), make(3), via="Tensor.isclose", atol=1.0)],
           api=("isclose",), dtypes=NO_GRAD_DTYPES, supports_grad=False,
           error_inputs=lambda make: [
               E("dtypes", RuntimeError, r"Float did not match Double", make(3), make(3).astype(np.float64)),
               E("neg_rtol", RuntimeError, r"rtol must be greater than or equal to zero, but got -1", make(3), make(3),
                 rtol=-1)]),
    OpInfo("allclose", lambda m, x, y, via="allclose", **kw: m.tensor(_call(m, via, (x, y), kw)),
           lambda x, y, via=None, **kw: np.array(np.allclose(x, y, **kw)),
           lambda make: [S("close", (x := make(2, 3)), x + x.dtype.type(1e-6)), S("far", make(3), make(3)),
                         S("nan", arr(make, np.nan, 1.0), arr(make, np.nan, 1.0)),
                         S("equal_nan", arr(make, np.nan, 1.0),
                           arr(make, np.nan, 1.0), equal_nan=True),
                         S("bcast", (x := make(1, 3)), np.repeat(x, 2, 0)),
                         S("method", make(3), make(3), via="Tensor.allclose", atol=2.0)],
           api=("allclose",), dtypes=NO_GRAD_DTYPES, supports_grad=False,
           error_inputs=lambda make: [E("dtypes", RuntimeError, r"Float did not match Double", make(3),
                                        make(3).astype(np.float64))]),
    OpInfo("equal", lambda m, x, y, via="equal": m.tensor(_call(m, via, (x, y), {})),
           lambda x, y, via=None: np.array(np.shape(x) == np.shape(y) and bool(np.all(x == y))),
           lambda make: [S("same", (x := make(2, 3)), x.copy()), S("differ", make(3), make(3)),
                         S("shapes", (x := make(3)), x[None]), S("nan", arr(make, np.nan),
                                                                  arr(make, np.nan)),
                         S("dtypes", arr(make, 1.0, 2.0), _ints(1, 2)),
                         S("method", (x := make(3)), x.copy(), via="Tensor.equal")],
           api=("equal",), dtypes=NO_GRAD_DTYPES, supports_grad=False),
    OpInfo("where", _where_op, lambda c, x, y, via=None: np.where(c, x, y),
           lambda make: [S(d, make(*a, dtype="bool"), make(*b), make(*c))
                         for d, a, b, c in (("same", (2, 3), (2, 3), (2, 3)), ("bcast", (3, 1), (1, 4), (3, 4)),
                                            ("bcast_cond", (4,), (3, 4), ()), ("0d", (), (), ()),
                                            ("empty", (0, 3), (3,), (1, 3)))]
           + [S("scalar_other", make(2, 3, dtype="bool"), make(2, 3), 0.0),
              S("scalar_self", make(2, 3, dtype="bool"), 1, make(3)),
              S("scalars", make(4, dtype="bool"), 1.0, 0),
              S("int_scalars", make(4, dtype="bool"), 1, 2),
              S("int_tensor_float_scalar", make(3, dtype="bool"), _ints(1, 2, 3), 2.5),
              S("0d_other_f64", make(2, 3, dtype="bool"), make(2, 3), np.full((), 0.5)),
              S("method", make(2, 3, dtype="bool"), make(2, 3), make(3), via="method")],
           api=("where",), kind="ternary", dtypes=FI,
           from_shapes=lambda make, a, b, c: S(f"{a}&{b}&{c}", make(*a, dtype="bool"), make(*b), make(*c)),
           error_inputs=lambda make: [
               E("float_condition", RuntimeError, r"where expected condition to be a boolean tensor, but got a tensor "
                                                  r"with dtype Float", make(3), make(3), make(3)),
               E("shapes", RuntimeError, r"The size of tensor a \(2\) must match the size of tensor b \(3\)",
                 make(2, dtype="bool"), make(3), 0.0)]),
    OpInfo("clamp", call_via("clamp"), ref_via(_clamp_ref, _CLAMP_ONE),
           lambda make: [S("both", make(3, 4), min=-0.5, max=0.5), S("min", make(5), min=0.25),
                         S("max", make(2, 3), max=-0.25), S("0d", make(), min=-0.5, max=0.5),
                         S("positional", make(2, 3), -0.5, 0.5), S("empty", make(0, 2), min=0.25),
                         S("at_bounds", arr(make, -0.5, 0.0, 0.5), min=-0.5, max=0.5,
                           gradcheck=False),
                         S("min_gt_max", make(4), min=0.5, max=-0.5),
                         S("float_bounds", make(4), min=-0.5, max=1.25),
                         S("method", make(3), -0.5, 0.25, via="Tensor.clamp"), S("clip", make(3), max=0.25, via="clip"),
                         S("clip_method", make(3), min=-0.25, via="Tensor.clip"),
                         S("clamp_min", make(3), 0.25, via="clamp_min"), S("clamp_max", make(3), 0.25, via="clamp_max"),
                         S("clamp_max_method", make(3), -0.25, via="Tensor.clamp_max")]
           + ([S("int_bounds", make(5), min=-1, max=1), S("int_bool", _bool(make, 3), 0, 1),
               S("int_inplace", make(3), min=-1, via="Tensor.clamp_")] if make().dtype.kind == "i" else
              [S("inplace", make(3), min=-0.5, max=0.25, via="Tensor.clamp_"),
               S("clip_inplace", make(3), max=0.25, via="Tensor.clip_"),
               S("torch_inplace", make(3), min=-0.25, via="clamp_"),
               S("clamp_min_method", make(3), -0.25, via="Tensor.clamp_min_")]),
           api=("clamp", "clamp_", "clip", "clip_", "clamp_min", "clamp_min_", "clamp_max", "clamp_max_"),
           away=(-0.5, -0.25, 0.25, 0.5, 1.25), dtypes=FI,
           error_inputs=lambda make: [
               E("no_bounds", RuntimeError, r"torch.clamp: At least one of 'min' or 'max' must not be None", make(3)),
               E("mixed_bounds", TypeError, r"clamp\(\) received an invalid combination of arguments", make(3), 0.5,
                 make(3)),
               E("int_inplace_float", RuntimeError, r"result type Float can't be cast to the desired output type "
                                                    r"long int", _ints(1, 2), 0.5, via="Tensor.clamp_")]),
    OpInfo("clamp_tensor", call_via("clamp"), ref_via(_clamp_ref, _CLAMP_ONE),
           lambda make: [S("both", make(2, 3), make(2, 3, low=-2.0, high=0.0), make(2, 3, low=0.0, high=2.0)),
                         S("bcast", make(3, 1), make(4, low=-2.0, high=0.0), make(1, 4, low=0.0, high=2.0)),
                         S("min_only", make(2, 3), min=make(3)), S("max_only", make(2, 3), max=make(2, 1)),
                         S("min_gt_max", make(2, 3), make(2, 3), make(2, 3)),
                         S("ties", arr(make, 0.0, 1.0, 2.0, 1.0, 1.0, 0.5),
                           arr(make, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0),
                           arr(make, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0), gradcheck=False),
                         S("0d_f64_bound", make(2, 3), np.full((), -0.5), None),
                         S("method", make(3), make(3), make(3), via="Tensor.clamp"),
                         S("clip", make(3), make(3), None, via="clip"),
                         S("inplace", make(2, 3), make(3), make(2, 3), via="Tensor.clamp_"),
                         S("clamp_min", make(3), make(3), via="clamp_min"),
                         S("clamp_max_inplace", make(3), make(3), via="Tensor.clamp_max_")]
           + ([S("int_float_bound", make(3), np.array([0.5, 1.5, -0.5]).astype(np.float32))]
              if make().dtype.kind == "i" else []),
           api=("clamp", "clamp_", "clip", "clamp_min", "clamp_max", "clamp_max_"), kind="ternary", dtypes=FI,
           from_shapes=_clamp_from_shapes,
           error_inputs=lambda make: [E("inplace_bcast", RuntimeError, r"output with shape \[2\] doesn't match the "
                                                                       r"broadcast shape \[1, 2\]",
                                        make(2), make(1, 2), None, via="Tensor.clamp_")]),
    OpInfo("lerp", call_via("lerp"), ref_via(_lerp_ref),
           lambda make: [S("low_weight", make(2, 3), make(2, 3), 0.3), S("high_weight", make(2, 3), make(3), 0.7),
                         S("bcast", make(3, 1), make(4), 0.5), S("0d", make(), make(), 0.25),
                         S("int_weight", make(3), make(3), 1), S("empty", make(0, 3), make(3), 0.5),
                         S("method", make(3), make(3), 0.6, via="Tensor.lerp"),
                         S("inplace", make(2, 3), make(3), 0.4, via="Tensor.lerp_")],
           api=("lerp", "lerp_"),
           error_inputs=lambda make: [
               E("end_dtype", RuntimeError, r"expected dtype float for `end` but got dtype double", make(3),
                 make(3).astype(np.float64), 0.5),
               E("int", NotImplementedError, r"\"lerp_kernel_scalar\" not implemented for 'Long'", _ints(1, 2),
                 _ints(3, 4), 0.5)]),
    OpInfo("lerp_tensor", call_via("lerp"), ref_via(_lerp_ref),
           lambda make: _ternary_samples({"low": 0.0, "high": 1.0})(make)
           + [S("0d_f64_weight", make(2, 3), make(3), np.full((), 0.75)),
              S("method", make(3), make(3), make(3), via="Tensor.lerp"),
              S("inplace", make(2, 3), make(3), make(2, 3), via="Tensor.lerp_")],
           api=("lerp",), kind="ternary",
           from_shapes=lambda make, a, b, c: S(f"{a}&{b}&{c}", make(*a), make(*b), make(*c, low=0.0, high=1.0)),
           error_inputs=lambda make: [E("weight_dtype", RuntimeError, r"expected dtype float for `weight` but got dtype "
                                                                      r"double", make(3), make(3), make(3).astype(np.float64))]),
    _addc_row("addcmul", lambda x, t1, t2, value=1: x + value * t1 * t2, {}, dtypes=FI),
    _addc_row("addcdiv", lambda x, t1, t2, value=1: x + value * t1 / t2, NONZERO,
              error_inputs=lambda make: [E("int", RuntimeError, r"Integer division with addcdiv is no longer supported",
                                           _ints(1, 2), _ints(3, 4), _ints(1, 2))]),
    OpInfo("relu", call_via("relu"), ref_via(lambda x: np.maximum(x, 0).astype(x.dtype)),
           lambda make: [S("2x3", make(2, 3)), S("0d", make()),
                         S("at_zero", arr(make, -1.0, 0.0, 1.0), gradcheck=False)],
           api=("relu",), away=(0.0,)),
])
