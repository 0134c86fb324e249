"""The op table's machinery: OpInfo rows, sample inputs and the row builders the family tables share.
The rows themselves live in glassgrad.testing.op_db, one module per op family.

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

This module imports neither torch nor hypothesis: users adding an op to glassgrad add a row to its family
module in glassgrad.testing.op_db.
"""
import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

__all__ = ["OpInfo", "SampleInput", "ErrorInput", "make_samples", "make_maker", "build_args", "flatten_arrays", "as_list",
           "FLOAT_DTYPES", "FI", "S", "E", "make_error_inputs", "unary_row", "binary_row", "reduction_row", "row", "unary_samples",
           "binary_samples", "NONZERO", "POS"]

FLOAT_DTYPES = ("float32", "float64")
FI = ("float32", "float64", "int64")  # ops that also take integer tensors


@dataclass
class SampleInput:
    """One call: `args`/`kwargs` with NumPy arrays where tensors go (lists of arrays for cat/stack).
    `gradcheck=False` marks a sample on a kink or a non-smooth point: forward and PyTorch checks only."""
    desc: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    gradcheck: bool = True


@dataclass
class ErrorInput:
    """A call that must fail: PyTorch raises `error` (a class), and glassgrad raises the same class with a message
    matching the regex `match` (naming the op, the shapes or dtypes involved, and what was expected)."""
    sample: SampleInput
    error: type
    match: str


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
    xfail: dict = field(default_factory=dict)   # {(suite, sample desc or "*", dtype or "*"): "BUG: ..."}
    error_inputs: Optional[Callable] = None     # error_inputs(make) -> [ErrorInput] (float32 samples)

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


def make_error_inputs(op, seed=0):
    """The row's ErrorInputs (float32 samples), deterministic per row."""
    if op.error_inputs is None:
        return []
    rng = np.random.default_rng([zlib.crc32(op.name.encode()), seed])
    return op.error_inputs(make_maker("float32", rng, op.domain, op.away))


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


def E(desc, error, match, *args, **kwargs):
    """An ErrorInput: E("mismatch", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied", a, b)."""
    return ErrorInput(SampleInput(desc, args, kwargs, False), error, match)


# ---- row builders shared by the family tables in glassgrad.testing.op_db ----------------------
_UNARY_SHAPES = (("2x3", (2, 3)), ("0d", ()), ("5", (5,)), ("empty", (0, 3)))
_BINARY_SHAPES = (("same", (2, 3), (2, 3)), ("bcast", (3, 1), (1, 4)), ("bcast_rank", (2, 3, 4), (4,)),
                  ("0d_rhs", (2, 3), ()), ("0d_lhs", (), (3,)), ("0d_both", (), ()), ("empty", (0, 3), (3,)))


def unary_samples(extra=()):
    def gen(make):
        out = [S(d, make(*shape)) for d, shape in _UNARY_SHAPES]
        return out + [f(make) for f in extra]
    return gen


def binary_samples(lhs=None, rhs=None, scalars=(2.5,)):
    """Binary elementwise samples; lhs/rhs are make() keyword overrides for each operand."""
    lhs, rhs = lhs or {}, rhs or {}

    def from_shapes(make, a, b):
        return S(f"{a}&{b}", make(*a, **lhs), make(*b, **rhs))

    def gen(make):
        out = [S(d, make(*a, **lhs), make(*b, **rhs)) for d, a, b in _BINARY_SHAPES]
        out += [S(f"scalar{s}", make(2, 3, **lhs), s) for s in scalars]
        return out
    return gen, from_shapes


def binary_row(name, ref, api, lhs=None, rhs=None, scalars=(2.5,), fn=None, **kw):
    gen, fs = binary_samples(lhs, rhs, scalars)
    fn = fn or name
    return OpInfo(name, lambda m, x, y: getattr(m, fn)(x, y), ref, gen, api=api, kind="binary",
                  from_shapes=fs, **kw)


def unary_row(name, ref, away=(), domain=(-2.0, 2.0), extra=(), **kw):
    def fs(make, a):
        return S(f"{a}", make(*a))
    return OpInfo(name, lambda m, x: getattr(m, name)(x), ref, unary_samples(extra), api=(name,),
                  kind="unary", away=away, domain=domain, from_shapes=fs, **kw)


NONZERO = {"away": (0.0,)}  # make() keyword overrides: keep away from zero; positive only
POS = {"low": 0.3, "high": 2.0}


def reduction_row(name, ref):
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
                  dtypes=FI if name == "sum" else FLOAT_DTYPES)


def row(name, op, ref, gen, api=None, **kw):
    return OpInfo(name, op, ref, gen, api=(name,) if api is None else api, **kw)
