"""OpInfo rows: arithmetic, comparisons, unary maths, where, clamp."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row

def _sigmoid_ref(x):
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype)



ROWS = [
    binary_row("add", np.add, ("add", "__add__", "__radd__"), dtypes=FI),
    binary_row("sub", np.subtract, ("sub", "subtract", "__sub__", "__rsub__"), dtypes=FI),
    binary_row("mul", np.multiply, ("mul", "multiply", "__mul__", "__rmul__"), dtypes=FI),
    binary_row("div", np.true_divide, ("div", "divide", "true_divide", "__truediv__", "__rtruediv__"),
                rhs=NONZERO, dtypes=FI),
    unary_row("neg", np.negative, dtypes=FI, extra=()),
    OpInfo("pow", lambda m, x, e: m.pow(x, e), np.power,
           lambda make: [S("sq", make(2, 3), 2), S("cube", make(4), 3), S("sq_0d", make(), 2),
                         S("half", make(2, 3, **POS), 0.5), S("neg_frac", make(3, **POS), -1.5),
                         S("zero_exp", make(2, 3), 0), S("one_exp", make(3), 1.0),
                         S("sq_at_zero", np.zeros(3, make().dtype), 2, gradcheck=False)],
           api=("pow", "__pow__")),
    binary_row("pow_tensor", np.power, ("pow", "__pow__"), lhs=POS, rhs={"low": -2.0, "high": 2.0},
                scalars=(), fn="pow"),
    OpInfo("pow_scalar_base", lambda m, e, base: m.pow(base, e), lambda e, base: np.power(base, e),
           lambda make: [S("base2", make(2, 3), 2.0), S("base_half", make(4), 0.5),
                         S("base_int", make(3), 3), S("0d", make(), 2.0)],
           api=("__rpow__",), torch_op=lambda m, e, base: m.pow(base, e)),
    unary_row("exp", np.exp),
    unary_row("log", np.log, domain=(0.3, 3.0)),
    unary_row("sqrt", np.sqrt, domain=(0.3, 3.0)),
    unary_row("abs", np.abs, away=(0.0,), dtypes=FI,
               extra=(lambda make: S("at_zero", np.array([-1.0, 0.0, 1.0]).astype(make().dtype),
                                     gradcheck=False),)),
    unary_row("sin", np.sin, domain=(-4.0, 4.0)),
    unary_row("cos", np.cos, domain=(-4.0, 4.0)),
    unary_row("tanh", np.tanh),
    unary_row("sigmoid", _sigmoid_ref,
               extra=(lambda make: S("large", make(6, low=-60.0, high=60.0)),)),
    unary_row("relu", lambda x: np.maximum(x, 0).astype(x.dtype), away=(0.0,),
               extra=(lambda make: S("at_zero", np.array([-1.0, 0.0, 1.0]).astype(make().dtype),
                                     gradcheck=False),)),
    OpInfo("clamp", lambda m, x, **kw: m.clamp(x, **kw),
           lambda x, min=None, max=None: np.clip(x, min, max).astype(x.dtype),
           lambda make: [S("both", make(3, 4), min=-0.5, max=0.5), S("min", make(5), min=0.25),
                         S("max", make(2, 3), max=-0.25), S("0d", make(), min=-0.5, max=0.5),
                         S("at_bounds", np.array([-0.5, 0.0, 0.5]).astype(make().dtype), min=-0.5, max=0.5,
                           gradcheck=False)],
           api=("clamp", "clip"), away=(-0.5, -0.25, 0.25, 0.5), dtypes=FLOAT_DTYPES),
    OpInfo("where", lambda m, c, x, y: m.where(c, x, y), np.where,
           lambda make: [S(d, make(*a, dtype="bool"), make(*b), make(*c))
                         for d, a, b, c in (("same", (2, 3), (2, 3), (2, 3)), ("bcast", (3, 1), (1, 4), (3, 4)),
                                            ("bcast_cond", (4,), (3, 4), ()), ("0d", (), (), ()))]
           + [S("scalar_other", make(2, 3, dtype="bool"), make(2, 3), 0.0)],
           api=("where",), kind="ternary", dtypes=FI,
           from_shapes=lambda make, a, b, c: S(f"{a}&{b}&{c}", make(*a, dtype="bool"), make(*b), make(*c))),
]
