"""The op table: one row (OpInfo) per public op, from which the generic test suites derive.

A row says how to call the op (`op(mod, *args, **kwargs)`, the same lambda for glassgrad and torch unless
`torch_op` is given), what it should compute (`ref`, over NumPy arrays), which inputs to try
(`sample_inputs(make)`), for which dtypes, and how differentiable it is. Sample arguments hold NumPy
arrays where tensors go; `build_args` turns them into tensors of either library.

    import glassgrad
    from glassgrad.testing import op_by_name, make_samples, build_args
    row = op_by_name("exp")
    s = make_samples(row, "float64")[0]
    args, kwargs, tensors = build_args(glassgrad, s)
    out = row.op(glassgrad, *args, **kwargs)

This module imports neither torch nor hypothesis: users adding an op to glassgrad add a row here.
"""
import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

__all__ = ["OpInfo", "SampleInput", "op_db", "op_by_name", "make_samples", "make_maker", "build_args",
           "flatten_arrays", "as_list", "FLOAT_DTYPES"]

FLOAT_DTYPES = ("float32", "float64")
_FI = ("float32", "float64", "int64")  # ops that also take integer tensors


@dataclass
class SampleInput:
    """One call: `args`/`kwargs` with NumPy arrays where tensors go (lists of arrays for cat/stack).
    `gradcheck=False` marks a sample on a kink or a non-smooth point: forward and PyTorch checks only."""
    desc: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    gradcheck: bool = True


@dataclass
class OpInfo:
    name: str                                   # the row id (unique); variants get suffixes (pow_tensor)
    op: Callable                                # op(mod, *args, **kwargs), mod is glassgrad or torch
    ref: Callable                               # NumPy reference of the forward: ref(*arrays, **kwargs)
    sample_inputs: Callable                     # sample_inputs(make) -> [SampleInput]
    api: tuple = ()                             # public names: torch-level functions and Tensor methods
    dtypes: tuple = FLOAT_DTYPES
    domain: tuple = (-2.0, 2.0)                 # default input range of `make`
    away: tuple = ()                            # points float inputs keep a distance from (kinks, poles)
    supports_grad: bool = True
    supports_gradgrad: bool = True              # smooth (or piecewise linear) enough for second order
    kind: str = "other"                         # "unary", "binary", "ternary", "reduction", "matmul"
    from_shapes: Optional[Callable] = None      # from_shapes(make, *shapes, **kw) -> SampleInput (hypothesis)
    torch_op: Optional[Callable] = None         # when torch must be called differently
    tol: dict = field(default_factory=dict)     # {"float32": (rtol, atol), ...} overrides

    def call(self, mod, *args, **kwargs):
        fn = self.torch_op if (self.torch_op is not None and mod.__name__ == "torch") else self.op
        return fn(mod, *args, **kwargs)

    def tolerance(self, dtype):
        default = {"float32": (1e-5, 1e-5), "float64": (1e-7, 1e-7), "int64": (0, 0)}
        return self.tol.get(dtype, default[dtype])


# ---- sample machinery -------------------------------------------------------------------------------
_NP = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "bool": np.bool_}


def make_maker(dtype, rng, domain=(-2.0, 2.0), away=(), gap=0.15):
    """Returns make(*shape, low=, high=, away=, dtype=): a random array of the sample dtype."""
    def make(*shape, low=None, high=None, away=away, dtype=dtype):
        lo = domain[0] if low is None else low
        hi = domain[1] if high is None else high
        if dtype == "bool":
            return np.asarray(rng.random(shape) < 0.5)
        if dtype == "int64":
            x = np.asarray(rng.integers(math.floor(lo), math.floor(hi) + 1, size=shape), dtype=np.int64)
            for p in away:
                x = np.asarray(np.where(x == p, int(p) + 1, x))
            return x
        x = rng.uniform(lo, hi, size=shape)
        for p in away:
            d = x - p
            near = np.abs(d) < gap
            x = np.asarray(np.where(near, p + np.where(d >= 0, gap, -gap) + d, x))
        return np.asarray(x, dtype=_NP[dtype])
    return make


def make_samples(op, dtype, seed=0):
    """The row's samples for a dtype, deterministic per (row, dtype, seed)."""
    rng = np.random.default_rng([zlib.crc32(op.name.encode()), zlib.crc32(dtype.encode()), seed])
    return op.sample_inputs(make_maker(dtype, rng, op.domain, op.away))


def flatten_arrays(obj):
    """(arrays, rebuild): the NumPy arrays inside nested args, and rebuild(values) that puts values back."""
    arrays = []

    def walk(o):
        if isinstance(o, np.ndarray):
            arrays.append(o)
            return _Slot(len(arrays) - 1)
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, tuple):
            return tuple(walk(v) for v in o)
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        return o

    template = walk(obj)

    def rebuild(values):
        def fill(o):
            if isinstance(o, _Slot):
                return values[o.i]
            if isinstance(o, list):
                return [fill(v) for v in o]
            if isinstance(o, tuple):
                return tuple(fill(v) for v in o)
            if isinstance(o, dict):
                return {k: fill(v) for k, v in o.items()}
            return o
        return fill(template)

    return arrays, rebuild


class _Slot:
    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i


def build_args(mod, sample, requires_grad=True):
    """(args, kwargs, tensors): the sample with each array made a tensor of `mod` (glassgrad or torch);
    floating tensors require grad when `requires_grad`. `tensors` lists them in flattening order."""
    arrays, rebuild = flatten_arrays((sample.args, sample.kwargs))
    tensors = []
    for a in arrays:
        t = mod.tensor(a.copy())
        if requires_grad and a.dtype.kind == "f":
            t.requires_grad_()
        tensors.append(t)
    args, kwargs = rebuild(tensors)
    return args, kwargs, tensors


def as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def S(desc, *args, gradcheck=True, **kwargs):
    return SampleInput(desc, args, kwargs, gradcheck)


# ---- elementwise -----------------------------------------------------------------------------------
_UNARY_SHAPES = (("2x3", (2, 3)), ("0d", ()), ("5", (5,)), ("empty", (0, 3)))
_BINARY_SHAPES = (("same", (2, 3), (2, 3)), ("bcast", (3, 1), (1, 4)), ("bcast_rank", (2, 3, 4), (4,)),
                  ("0d_rhs", (2, 3), ()), ("0d_lhs", (), (3,)), ("0d_both", (), ()), ("empty", (0, 3), (3,)))


def _unary_samples(extra=()):
    def gen(make):
        out = [S(d, make(*shape)) for d, shape in _UNARY_SHAPES]
        return out + [f(make) for f in extra]
    return gen


def _binary(lhs=None, rhs=None, scalars=(2.5,)):
    """Binary elementwise samples; lhs/rhs are make() keyword overrides for each operand."""
    lhs, rhs = lhs or {}, rhs or {}

    def from_shapes(make, a, b):
        return S(f"{a}&{b}", make(*a, **lhs), make(*b, **rhs))

    def gen(make):
        out = [S(d, make(*a, **lhs), make(*b, **rhs)) for d, a, b in _BINARY_SHAPES]
        out += [S(f"scalar{s}", make(2, 3, **lhs), s) for s in scalars]
        return out
    return gen, from_shapes


def _binary_row(name, ref, api, lhs=None, rhs=None, scalars=(2.5,), fn=None, **kw):
    gen, fs = _binary(lhs, rhs, scalars)
    fn = fn or name
    return OpInfo(name, lambda m, x, y: getattr(m, fn)(x, y), ref, gen, api=api, kind="binary",
                  from_shapes=fs, **kw)


def _unary_row(name, ref, away=(), domain=(-2.0, 2.0), extra=(), **kw):
    def fs(make, a):
        return S(f"{a}", make(*a))
    return OpInfo(name, lambda m, x: getattr(m, name)(x), ref, _unary_samples(extra), api=(name,),
                  kind="unary", away=away, domain=domain, from_shapes=fs, **kw)


def _sigmoid_ref(x):
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


_NONZERO = {"away": (0.0,)}
_POS = {"low": 0.3, "high": 2.0}

_elementwise = [
    _binary_row("add", np.add, ("add", "__add__", "__radd__"), dtypes=_FI),
    _binary_row("sub", np.subtract, ("sub", "subtract", "__sub__", "__rsub__"), dtypes=_FI),
    _binary_row("mul", np.multiply, ("mul", "multiply", "__mul__", "__rmul__"), dtypes=_FI),
    _binary_row("div", np.true_divide, ("div", "divide", "true_divide", "__truediv__", "__rtruediv__"),
                rhs=_NONZERO, dtypes=_FI),
    _unary_row("neg", np.negative, dtypes=_FI, extra=()),
    OpInfo("pow", lambda m, x, e: m.pow(x, e), np.power,
           lambda make: [S("sq", make(2, 3), 2), S("cube", make(4), 3), S("sq_0d", make(), 2),
                         S("half", make(2, 3, **_POS), 0.5), S("neg_frac", make(3, **_POS), -1.5),
                         S("zero_exp", make(2, 3), 0), S("one_exp", make(3), 1.0),
                         S("sq_at_zero", np.zeros(3, make().dtype), 2, gradcheck=False)],
           api=("pow", "__pow__")),
    _binary_row("pow_tensor", np.power, ("pow", "__pow__"), lhs=_POS, rhs={"low": -2.0, "high": 2.0},
                scalars=(), fn="pow"),
    OpInfo("pow_scalar_base", lambda m, e, base: m.pow(base, e), lambda e, base: np.power(base, e),
           lambda make: [S("base2", make(2, 3), 2.0), S("base_half", make(4), 0.5),
                         S("base_int", make(3), 3), S("0d", make(), 2.0)],
           api=("__rpow__",), torch_op=lambda m, e, base: m.pow(base, e)),
    _unary_row("exp", np.exp),
    _unary_row("log", np.log, domain=(0.3, 3.0)),
    _unary_row("sqrt", np.sqrt, domain=(0.3, 3.0)),
    _unary_row("abs", np.abs, away=(0.0,), dtypes=_FI,
               extra=(lambda make: S("at_zero", np.array([-1.0, 0.0, 1.0]).astype(make().dtype),
                                     gradcheck=False),)),
    _unary_row("sin", np.sin, domain=(-4.0, 4.0)),
    _unary_row("cos", np.cos, domain=(-4.0, 4.0)),
    _unary_row("tanh", np.tanh),
    _unary_row("sigmoid", _sigmoid_ref,
               extra=(lambda make: S("large", make(6, low=-60.0, high=60.0)),)),
    _unary_row("relu", lambda x: np.maximum(x, 0).astype(x.dtype), away=(0.0,),
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
           api=("where",), kind="ternary", dtypes=_FI,
           from_shapes=lambda make, a, b, c: S(f"{a}&{b}&{c}", make(*a, dtype="bool"), make(*b), make(*c))),
]


# ---- reductions ------------------------------------------------------------------------------------
def _reduction_row(name, ref):
    def gen(make):
        x = make(2, 3, 4)
        return [S("all", x), S("dim0", x, dim=0), S("dim-1_keep", x, dim=-1, keepdim=True),
                S("dims02", x, dim=(0, 2)), S("dims_neg_keep", x, dim=(-1, 0), keepdim=True),
                S("keep_all", x, dim=(0, 1, 2), keepdim=True), S("0d", make()), S("0d_dim0", make(), dim=0),
                S("1d_dim0", make(5), dim=0)]

    def fs(make, shape, dim=None, keepdim=False):
        return S(f"{shape}/dim={dim}/keep={keepdim}", make(*shape), dim=dim, keepdim=keepdim)

    def op(m, x, **kw):
        return getattr(m, name)(x, **kw)

    def np_ref(x, dim=None, keepdim=False):
        # NOTE: a 0-dim tensor accepts dim 0 / -1 in PyTorch (one implicit dimension); NumPy does not.
        out = ref(x, axis=None if x.ndim == 0 else dim, keepdims=keepdim)
        return np.asarray(out, dtype=np.int64 if x.dtype.kind in "iub" and name == "sum" else x.dtype)

    return OpInfo(name, op, np_ref, gen, api=(name,), kind="reduction", from_shapes=fs,
                  dtypes=_FI if name == "sum" else FLOAT_DTYPES)


_reductions = [_reduction_row("sum", np.sum), _reduction_row("mean", np.mean)]


# ---- linear algebra --------------------------------------------------------------------------------
_MATMUL_SHAPES = (("1d@1d", (4,), (4,)), ("2d@1d", (3, 4), (4,)), ("1d@2d", (4,), (4, 2)),
                  ("2d@2d", (3, 4), (4, 2)), ("3d@3d", (2, 3, 4), (2, 4, 5)), ("3d@2d", (2, 3, 4), (4, 5)),
                  ("2d@3d", (3, 4), (2, 4, 5)), ("1d@3d", (4,), (2, 4, 3)), ("3d@1d", (2, 3, 4), (4,)),
                  ("bcast4d", (2, 1, 3, 4), (5, 4, 2)))


def _pair_row(name, shapes, **kw):
    return OpInfo(name, lambda m, x, y: getattr(m, name)(x, y), getattr(np, "matmul" if name != "dot" else "dot"),
                  lambda make: [S(d, make(*a), make(*b)) for d, a, b in shapes], api=(name,), **kw)


_linalg = [
    OpInfo("matmul", lambda m, x, y: m.matmul(x, y), np.matmul,
           lambda make: [S(d, make(*a), make(*b)) for d, a, b in _MATMUL_SHAPES]
           + [S("operator", make(2, 3), make(3, 2))],
           api=("matmul", "__matmul__"), kind="matmul",
           from_shapes=lambda make, a, b: S(f"{a}@{b}", make(*a), make(*b))),
    _pair_row("mm", (("2x3@3x4", (2, 3), (3, 4)), ("1x1", (1, 1), (1, 1)))),
    _pair_row("bmm", (("b2", (2, 3, 4), (2, 4, 5)), ("b1", (1, 2, 2), (1, 2, 3)))),
    _pair_row("mv", (("3x4@4", (3, 4), (4,)), ("1x2@2", (1, 2), (2,)))),
    _pair_row("dot", (("5", (5,), (5,)), ("1", (1,), (1,)))),
]


# ---- shape and view ops ----------------------------------------------------------------------------
def _squeeze_ref(x, dim=None):
    if dim is None:
        return x.reshape(tuple(n for n in x.shape if n != 1))
    dims = {d % max(x.ndim, 1) for d in (dim if isinstance(dim, tuple) else (dim,))}
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def _flatten_ref(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:])


def _expand_ref(x, *sizes):
    lead = len(sizes) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)))


def _narrow_ref(x, dim, start, length):
    start = start % x.shape[dim]
    return x[(slice(None),) * (dim % x.ndim) + (slice(start, start + length),)]


def _split_sizes(n, size_or_sections):
    if isinstance(size_or_sections, int):
        return [size_or_sections] * (n // size_or_sections) + ([n % size_or_sections] if n % size_or_sections else [])
    return list(size_or_sections)


def _split_ref(x, size_or_sections, dim=0):
    return np.split(x, np.cumsum(_split_sizes(x.shape[dim], size_or_sections))[:-1], axis=dim)


def _chunk_ref(x, chunks, dim=0):
    return _split_ref(x, -(-x.shape[dim] // chunks), dim)


def _unfold_ref(x, dimension, size, step):
    d = dimension % x.ndim
    w = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
    return w[(slice(None),) * d + (slice(None, None, step),)]


def _t_ref(x):
    return x.T


def _reshape_op(m, x, shape, transposed=False):
    return (x.transpose(0, 1) if transposed else x).reshape(shape)


def _reshape_ref(x, shape, transposed=False):
    return (np.swapaxes(x, 0, 1) if transposed else x).reshape(shape)


def _row(name, op, ref, gen, api=None, **kw):
    return OpInfo(name, op, ref, gen, api=(name,) if api is None else api, **kw)


_shape = [
    _row("reshape", _reshape_op, _reshape_ref,
         lambda make: [S("2d", make(2, 3, 4), (6, 4)), S("infer", make(2, 3, 4), (-1,)),
                       S("0d", make(), (1, 1)), S("to_0d", make(1), ()),
                       S("noncontig", make(3, 4), (2, 6), transposed=True)], dtypes=_FI),
    _row("view", lambda m, x, *shape: x.view(*shape), lambda x, *shape: x.reshape(shape[0] if isinstance(shape[0], tuple) else shape),
         lambda make: [S("2d", make(2, 3, 4), 4, 6), S("infer", make(2, 3, 4), -1),
                       S("tuple", make(6), (2, 3)), S("0d", make(), 1)]),
    _row("flatten", lambda m, x, *a: m.flatten(x, *a), _flatten_ref,
         lambda make: [S("all", make(2, 3, 4)), S("from1", make(2, 3, 4), 1), S("mid", make(2, 3, 4, 2), 1, 2),
                       S("0d", make()), S("same_dim", make(2, 3), 1, 1)]),
    _row("squeeze", lambda m, x, *a: m.squeeze(x, *a), _squeeze_ref,
         lambda make: [S("all", make(1, 3, 1, 2)), S("dim0", make(1, 3, 1, 2), 0),
                       S("dim_not1", make(1, 3, 1, 2), 1), S("dims", make(1, 3, 1, 2), (0, 2)),
                       S("neg", make(2, 1), -1), S("0d", make())]),
    _row("unsqueeze", lambda m, x, d: m.unsqueeze(x, d), np.expand_dims,
         lambda make: [S("0", make(2, 3), 0), S("-1", make(2, 3), -1), S("mid", make(2, 3), 1), S("0d", make(), 0)]),
    _row("transpose", lambda m, x, a, b: m.transpose(x, a, b), np.swapaxes,
         lambda make: [S("02", make(2, 3, 4), 0, 2), S("neg", make(2, 3, 4), -1, -2), S("same", make(2, 3), 1, 1)],
         dtypes=_FI),
    _row("t", lambda m, x: m.t(x), _t_ref, lambda make: [S("2d", make(2, 3)), S("1d", make(3)), S("0d", make())]),
    _row("permute", lambda m, x, *d: x.permute(*d), lambda x, *d: np.transpose(x, d[0] if len(d) == 1 else d),
         lambda make: [S("201", make(2, 3, 4), 2, 0, 1), S("tuple", make(2, 3, 4), (1, 2, 0)),
                       S("neg", make(2, 3), -1, 0)]),
    _row("expand", lambda m, x, *sizes: x.expand(*sizes), _expand_ref,
         lambda make: [S("new_dims", make(3, 1), 2, 3, 4), S("minus1", make(3, 1), -1, 5), S("1d", make(1), 3),
                       S("0d", make(), 2, 3)]),
    _row("narrow", lambda m, x, d, s, n: m.narrow(x, d, s, n), _narrow_ref,
         lambda make: [S("d0", make(4, 3), 0, 1, 2), S("neg_start", make(3, 5), -1, -3, 2), S("empty", make(4), 0, 2, 0)]),
    _row("select", lambda m, x, d, i: m.select(x, d, i), lambda x, d, i: np.take(x, i, axis=d),
         lambda make: [S("d1", make(2, 3, 4), 1, -1), S("d0", make(3), 0, 2)]),
    _row("unbind", lambda m, x, *a, **kw: m.unbind(x, *a, **kw), lambda x, dim=0: [np.take(x, i, dim) for i in range(x.shape[dim])],
         lambda make: [S("d0", make(3, 2)), S("d1", make(2, 3, 2), dim=1)]),
    _row("split", lambda m, x, s, *a: m.split(x, s, *a), _split_ref,
         lambda make: [S("even", make(4, 3), 2), S("uneven", make(5, 3), 2), S("sizes", make(2, 6), [1, 2, 3], 1),
                       S("whole", make(3), 5)]),
    _row("chunk", lambda m, x, c, *a: m.chunk(x, c, *a), _chunk_ref,
         lambda make: [S("even", make(4, 3), 2), S("uneven", make(2, 7), 3, 1), S("more_than_size", make(2), 4)]),
    _row("diagonal", lambda m, x, *a: m.diagonal(x, *a), lambda x, *a: np.diagonal(x, *a),
         lambda make: [S("main", make(3, 4)), S("off1", make(3, 4), 1), S("off-1", make(3, 4), -1),
                       S("3d", make(2, 3, 4), 0, 1, 2), S("3d_neg", make(2, 3, 3), 1, -1, 0)]),
    _row("unfold", lambda m, x, d, size, step: x.unfold(d, size, step), _unfold_ref,
         lambda make: [S("overlap", make(7), 0, 3, 2), S("disjoint", make(2, 6), 1, 2, 2),
                       S("step1", make(5, 2), 0, 2, 1)]),
    _row("cat", lambda m, ts, *a: m.cat(ts, *a), lambda ts, dim=0: np.concatenate(ts, dim),
         lambda make: [S("d0", [make(2, 3), make(1, 3)]), S("d1", [make(2, 3), make(2, 2)], 1),
                       S("three_neg", [make(2, 1), make(2, 3), make(2, 2)], -1), S("single", [make(3)])],
         dtypes=_FI),
    _row("stack", lambda m, ts, *a: m.stack(ts, *a), lambda ts, dim=0: np.stack(ts, dim),
         lambda make: [S("d0", [make(2, 3), make(2, 3)]), S("last", [make(2, 3), make(2, 3), make(2, 3)], -1),
                       S("0d", [make(), make()])], dtypes=_FI),
    _row("clone", lambda m, x: m.clone(x), np.copy, lambda make: [S("2d", make(2, 3)), S("0d", make())]),
]


# ---- indexing --------------------------------------------------------------------------------------
def _key(*parts):
    return parts[0] if len(parts) == 1 else tuple(parts)


def _idx(*v):
    return np.array(v, dtype=np.int64)


_getitem = [
    _row("getitem_basic", lambda m, x, key: x[key], lambda x, key: x[key],
         lambda make: [S("int", make(3, 4), 1), S("slice", make(3, 4), (slice(None), slice(1, 3))),
                       S("step", make(5, 2), slice(None, None, 2)), S("ellipsis_none", make(2, 3), (Ellipsis, None)),
                       S("to_0d", make(3, 4), (1, -1)), S("none", make(3), None), S("full", make(3), slice(None)),
                       S("neg_slice", make(4, 3), (slice(-3, -1), 0)), S("0d_ellipsis", make(), Ellipsis)],
         api=("__getitem__",), dtypes=_FI),
    _row("getitem_advanced", lambda m, x, key: x[key], lambda x, key: x[key],
         lambda make: [S("list", make(4, 3), [0, 2]), S("tensor2d", make(4, 3), _idx([0, 1], [3, 0])),
                       S("repeat", make(3, 4), (slice(None), _idx(1, 0, 1))), S("mask", make(3, 4), make(3, 4, dtype="bool")),
                       S("pair", make(3, 4), (_idx(0, 2), _idx(1, 3))),
                       S("split_adv", make(2, 3, 4), (_idx(0, 1), slice(None), _idx(2, 3))),
                       S("neg_idx", make(4), _idx(-1, -4)), S("row_mask", make(3, 2), np.array([True, False, True]))],
         api=("__getitem__",), dtypes=_FI),
]

op_db = _elementwise + _reductions + _linalg + _shape + _getitem

_BY_NAME = {op.name: op for op in op_db}
assert len(_BY_NAME) == len(op_db), "duplicate OpInfo names"


def op_by_name(name):
    return _BY_NAME[name]
