"""Special functions and elementwise odds and ends (ops/special_math.py) against PyTorch: values at ordinary
points, poles and non-finite inputs, dtypes (integers compute in the default dtype), grad_fn names, gradients,
the in-place and method spellings, torch.special names, and the errors; float64 gradcheck and gradgradcheck of
glassgrad's own derivatives."""
import math

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad, torch
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck

MIX = [-2.5, -0.7, 0.3, 1.7, 4.2, 12.5]
POS = [0.3, 1.7, 2.5, 4.2, 11.0, 25.5]
EDGE = [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, math.inf, -math.inf, math.nan, 1e-30, 1e300]
INTS = [-3, 0, 1, 2, 7]


def _leaf(lib, values, dtype="float32", grad=True):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=grad and dtype.startswith("float"))


def _weights(lib, y):
    """Exact (small integer) output weights for backward, the same in both libraries."""
    return (lib.arange(y.numel()) % 5 - 2).reshape(y.shape).to(y.dtype)


def _run(lib, fn, values, dtype, grad=True):
    x = _leaf(lib, values, dtype, grad)
    y = fn(lib, x)
    first = y[0] if isinstance(y, tuple) else y
    if first.requires_grad:
        first.backward(_weights(lib, first))
    return x, y


UNARY = {
    "lgamma": lambda lib, x: lib.lgamma(x),
    "digamma": lambda lib, x: lib.digamma(x),
    "polygamma1": lambda lib, x: lib.polygamma(1, x),
    "polygamma2": lambda lib, x: lib.polygamma(2, x),
    "polygamma3_method": lambda lib, x: x.polygamma(3),
    "mvlgamma3": lambda lib, x: lib.mvlgamma(x + 2, 3),
    "i0": lambda lib, x: lib.i0(x),
    "sinc": lambda lib, x: lib.sinc(x),
    "deg2rad": lambda lib, x: lib.deg2rad(x),
    "rad2deg": lambda lib, x: x.rad2deg(),
    "special.gammaln": lambda lib, x: lib.special.gammaln(x),
    "special.psi": lambda lib, x: lib.special.psi(x),
    "special.i1": lambda lib, x: lib.special.i1(x),
    "special.multigammaln": lambda lib, x: lib.special.multigammaln(x + 3, 2),
    "special.polygamma": lambda lib, x: lib.special.polygamma(2, x),
    "special.sinc": lambda lib, x: lib.special.sinc(x),
    "signbit": lambda lib, x: lib.signbit(x),
    "frexp": lambda lib, x: lib.frexp(x * 3),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("values", [MIX, POS], ids=["mixed", "positive"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_values_and_gradients(name, values, dtype):
    assert_same(lambda lib: _run(lib, UNARY[name], values, dtype), rtol=2e-5 if dtype == "float32" else 1e-9,
                atol=1e-5 if dtype == "float32" else 1e-9)


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"frexp", "special.multigammaln", "mvlgamma3"}))
def test_unary_at_poles_and_non_finite(name):
    assert_same(lambda lib: _run(lib, UNARY[name], EDGE, "float64", grad=False), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"frexp"}))
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_unary_integer_inputs(name, dtype):
    values = [v % 2 == 0 for v in INTS] if dtype == "bool" else INTS
    assert_same(lambda lib: _run(lib, UNARY[name], values, dtype), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc", "deg2rad", "rad2deg"])
def test_unary_inplace(name):
    args = {"polygamma": (2,), "mvlgamma": (2,)}.get(name, ())

    def program(lib):
        x = _leaf(lib, POS, "float64")
        y = x * 1
        out = getattr(y, name + "_")(*args)
        out.sum().backward()
        int_error = None
        try:
            getattr(lib.tensor([1, 2]), name + "_")(*args)
        except RuntimeError as e:
            int_error = str(e)
        return out is y, y, x, y._version, int_error

    assert_same(program, rtol=1e-9, atol=1e-9)


def test_unary_torch_level_inplace_names():
    for name in ("deg2rad_", "rad2deg_", "i0_", "sinc_", "gcd_", "lcm_", "ldexp_"):
        assert hasattr(glassgrad, name) and hasattr(torch, name)
    for name in ("lgamma_", "digamma_", "polygamma_", "mvlgamma_", "heaviside_", "copysign_", "nextafter_"):
        assert hasattr(glassgrad.Tensor, name) and not hasattr(torch, name)


BINARY = {
    "logaddexp": lambda lib, x, y: lib.logaddexp(x, y),
    "logaddexp2": lambda lib, x, y: x.logaddexp2(y),
    "copysign": lambda lib, x, y: lib.copysign(x, y),
    "copysign_scalar": lambda lib, x, y: lib.copysign(x, -2.0),
    "ldexp": lambda lib, x, y: lib.ldexp(x, y),
    "nextafter_x": lambda lib, x, y: lib.nextafter(x, y.detach()),
    "heaviside": lambda lib, x, y: lib.heaviside(x.detach(), y.detach()),
}


def _run2(lib, fn, dtype, bcast=False):
    x = _leaf(lib, [[-1.5, 0.0, 2.0], [0.5, -0.0, 3.0]], dtype)
    y = _leaf(lib, [0.5, -2.0, 0.0] if bcast else [[1.0, -2.0, 0.0], [0.5, 1.0, 3.0]], dtype)
    z = fn(lib, x, y)
    if z.requires_grad:
        z.backward(_weights(lib, z))
    # NOTE: the gradients detached: PyTorch's zero gradient of copysign's `other` comes at version 1
    return z, fresh(x.grad), fresh(y.grad)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bcast", [False, True])
def test_binary_values_and_gradients(name, dtype, bcast):
    assert_same(lambda lib: _run2(lib, BINARY[name], dtype, bcast), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("call", [
    lambda lib: lib.logaddexp(lib.tensor([1, 2]), lib.tensor([3, 4])),
    lambda lib: lib.logaddexp(lib.tensor([True]), lib.tensor([1.0])),
    lambda lib: lib.logaddexp(lib.tensor([1.0]), 1.0),
    lambda lib: lib.logaddexp(lib.tensor([1.0], dtype=lib.float64), lib.tensor([1.0])),
    lambda lib: lib.logaddexp2(lib.tensor([1, 2]), lib.tensor([3, 4])),
    lambda lib: lib.heaviside(lib.tensor([1.0, 0.0]), lib.tensor([1], dtype=lib.int64)),
    lambda lib: lib.heaviside(lib.tensor([1.0, 0.0]), 0.5),
    lambda lib: lib.heaviside(lib.tensor([-1, 0, 2]), lib.tensor([5])),
    lambda lib: lib.heaviside(lib.tensor([True, False]), lib.tensor([True])),
    lambda lib: lib.heaviside(lib.tensor([1.0, 0.0], requires_grad=True), lib.tensor([0.5])).sum().backward(),
    lambda lib: lib.heaviside(lib.tensor([1.0, 0.0], requires_grad=True), lib.tensor([0.5])),
    lambda lib: lib.copysign(lib.tensor([1, -2]), lib.tensor([-1, 1])),
    lambda lib: lib.copysign(1.0, lib.tensor([1.0])),
    lambda lib: lib.copysign(lib.tensor([1, 2]), -1),
    lambda lib: lib.gcd(lib.tensor([4, 6, -9, 0]), lib.tensor([6, 4, 12, 0])),
    lambda lib: lib.lcm(lib.tensor([4, 6, -9, 0]), lib.tensor([6, 4, 12, 5])),
    lambda lib: lib.gcd(lib.tensor([4], dtype=lib.int32), lib.tensor([6])),
    lambda lib: lib.gcd(lib.tensor([4.0]), lib.tensor([6.0])),
    lambda lib: lib.gcd(lib.tensor([True]), lib.tensor([False])),
    lambda lib: lib.gcd(lib.tensor([4]), 2),
    lambda lib: lib.lcm(lib.tensor([4.0]), lib.tensor([6])),
    lambda lib: lib.tensor([4, 6]).gcd_(lib.tensor([6, 4])),
    lambda lib: lib.tensor([4, 6]).lcm_(lib.tensor([6, 4])),
    lambda lib: lib.ldexp(lib.tensor([1, 2]), lib.tensor([3, 4])),
    lambda lib: lib.ldexp(lib.tensor([1.0, 2.0], dtype=lib.float16), lib.tensor([3, 4])),
    lambda lib: lib.ldexp(lib.tensor([1, 2]), lib.tensor([3.0, 4.0], dtype=lib.float64)),
    lambda lib: lib.ldexp(lib.tensor([1.0]), 2),
    lambda lib: lib.tensor([1.0, 3.0]).ldexp_(lib.tensor([2, 3])),
    lambda lib: lib.tensor([1, 3]).ldexp_(lib.tensor([2, 3])),
    lambda lib: lib.nextafter(lib.tensor([1, 2]), lib.tensor([3, 4])),
    lambda lib: lib.nextafter(lib.tensor([1.0]), 2.0),
    lambda lib: lib.nextafter(lib.tensor([1.0, 2.0]), lib.tensor([3.0, 0.0], dtype=lib.float64)),
    lambda lib: lib.tensor([1.0, 2.0]).nextafter_(lib.tensor([3.0, 0.0])),
    lambda lib: lib.tensor([1.0, -2.0]).copysign_(lib.tensor([-3.0, 0.0])),
    lambda lib: lib.tensor([1, -2]).copysign_(lib.tensor([-3, 0])),
    lambda lib: lib.tensor([1.0, 0.0]).heaviside_(lib.tensor([0.5])),
    lambda lib: lib.signbit(lib.tensor([-1, 2])),
    lambda lib: lib.signbit(lib.tensor([1, 2], dtype=lib.uint8)),
    lambda lib: lib.signbit(lib.tensor([True])),
    lambda lib: lib.frexp(lib.tensor([1, 2])),
    lambda lib: lib.frexp(lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: lib.frexp(lib.tensor([0.0, -0.0, 1e-310, math.inf, math.nan], dtype=lib.float64)),
    lambda lib: lib.polygamma(-1, lib.tensor([1.0])),
    lambda lib: lib.mvlgamma(lib.tensor([3.0]), 0),
    lambda lib: lib.mvlgamma(lib.tensor([0.5, 1.0]), 3),
    lambda lib: lib.positive(lib.tensor([True])),
    lambda lib: lib.positive(lib.tensor([1, -2])),
], ids=lambda f: None)
def test_dtype_rules_and_errors(call):
    assert_same(call, rtol=1e-6, atol=1e-7)


def test_frexp_is_a_named_tuple_and_positive_is_the_input():
    m, e = glassgrad.frexp(glassgrad.tensor([8.0, 0.5]))
    assert type(glassgrad.frexp(glassgrad.tensor([1.0]))).__name__ == "frexp"
    assert glassgrad.frexp(glassgrad.tensor([8.0])).mantissa.tolist() == [0.5]
    assert e.tolist() == [4, 0] and m.tolist() == [0.5, 0.5]
    x = glassgrad.tensor([1.0])
    assert glassgrad.positive(x) is x and x.positive() is x


def test_dtype_questions():
    def program(lib):
        x, i, u, b = lib.ones(2), lib.tensor([1, 2]), lib.tensor([1], dtype=lib.uint8), lib.tensor([True])
        return (lib.is_complex(x), x.is_complex(), lib.is_signed(x), u.is_signed(), b.is_signed(), i.is_signed(),
                lib.is_same_size(x, i), x.is_same_size(lib.ones(3)), lib.is_nonzero(lib.tensor([0.5])),
                lib.tensor(0).is_nonzero(), lib.result_type(x, 1.0), lib.result_type(i, 1.0),
                lib.result_type(2, 3.0), lib.result_type(i, lib.tensor(1.0)), lib.result_type(u, 300),
                lib.result_type(u, lib.tensor([1], dtype=lib.int8)), lib.result_type(b, True),
                [lib.can_cast(a, c) for a in (lib.float64, lib.int32, lib.uint8, lib.bool) for c in
                 (lib.float16, lib.int8, lib.bool)])

    assert_same(program)


@pytest.mark.parametrize("call", [
    lambda lib: lib.tensor([1, 2]).is_nonzero(),
    lambda lib: lib.tensor([]).is_nonzero(),
    lambda lib: lib.can_cast(lib.float32, "int"),
    lambda lib: lib.imag(lib.ones(2)),
    lambda lib: lib.ones(2).imag,
    lambda lib: (lambda x: (lib.real(x) is x, x.real is x, lib.real(lib.tensor([1, 2]))))(lib.ones(2)),
])
def test_predicate_errors_and_real(call):
    assert_same(call)


@pytest.mark.parametrize("name,fn,values,second", [
    ("lgamma", lambda g, x: g.lgamma(x), MIX, True),
    ("digamma", lambda g, x: g.digamma(x), MIX, True),
    ("polygamma1", lambda g, x: g.polygamma(1, x), MIX, True),
    ("polygamma2", lambda g, x: g.polygamma(2, x), POS, True),
    ("mvlgamma", lambda g, x: g.mvlgamma(x, 3), [v + 2 for v in POS], True),
    ("i0", lambda g, x: g.i0(x), MIX, True),
    ("i1", lambda g, x: g.special.i1(x), MIX + [0.0, 25.0, -30.0], False),
    ("sinc", lambda g, x: g.sinc(x), MIX + [0.0], False),
    ("logaddexp", lambda g, x: g.logaddexp(x, x.flip(0) * 2), MIX, True),
    ("logaddexp2", lambda g, x: g.logaddexp2(x, x.flip(0) * 2), MIX, True),
    ("copysign", lambda g, x: g.copysign(x, x.flip(0)), MIX, True),
    # NOTE: non-negative integer exponents: PyTorch's gradient is 0 for a negative one (2 ** e in integers)
    ("ldexp", lambda g, x: g.ldexp(x, g.tensor([1, 2, 0, 3, 1, 2])), MIX, True),
    ("ldexp_exponent", lambda g, x: g.ldexp(g.tensor([1.5, -2.0, 3.0, 1.0, 0.5, 2.0], dtype=g.float64), x), MIX, True),
])
def test_gradcheck_float64(name, fn, values, second):
    # NOTE: sinc and i1 pin their derivative's value at 0 (as PyTorch does), so their second order is checked
    # away from 0 only
    x = glassgrad.tensor(values, dtype=glassgrad.float64, requires_grad=True)
    assert gradcheck(lambda t: fn(glassgrad, t), (x,), eps=1e-6, atol=1e-5, rtol=1e-3)
    if not second:
        x = glassgrad.tensor([v for v in values if v != 0], dtype=glassgrad.float64, requires_grad=True)
    assert gradgradcheck(lambda t: fn(glassgrad, t), (x,), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_ldexp_gradient_takes_integer_powers():
    def program(lib):
        x = lib.tensor([1.5, 2.0, 3.0, 1.0, 1.0], requires_grad=True)
        lib.ldexp(x, lib.tensor([-2, 0, 1, 63, 70])).sum().backward()
        g64 = x.grad.clone()
        x.grad = None
        lib.ldexp(x, lib.tensor([-2, 0, 1, 31, 40], dtype=lib.int32)).sum().backward()
        return g64, x.grad.clone()

    assert_same(program)


def test_second_order_node_names_match():
    def program(lib):
        x = lib.tensor(POS, dtype=lib.float64, requires_grad=True)
        outs = []
        for f in (lib.lgamma, lib.digamma, lib.i0, lambda t: lib.polygamma(2, t)):
            (g,) = lib.autograd.grad(f(x).sum(), x, create_graph=True)
            (gg,) = lib.autograd.grad(g.sum(), x)
            outs += [g.grad_fn.name(), g, gg]
        return outs

    assert_same(program, rtol=1e-9, atol=1e-9)


def test_large_arrays_match_at_many_points():
    xs = np.concatenate([np.linspace(-40, 40, 1601), np.geomspace(1e-8, 1e4, 200)])
    for name in ("lgamma", "digamma", "i0", "sinc"):
        a = getattr(torch, name)(torch.tensor(xs)).numpy()
        b = getattr(glassgrad, name)(glassgrad.tensor(xs)).numpy()
        scale = np.where(np.isfinite(a), np.maximum(np.abs(a), 1.0), 1.0)
        ok = np.isclose(a / scale, b / scale, rtol=0, atol=1e-12, equal_nan=True)
        assert ok.all(), f"{name}: torch {a[~ok][:5]} vs glassgrad {b[~ok][:5]} at {xs[~ok][:5]}"
    for n in range(5):
        a = torch.polygamma(n, torch.tensor(xs)).numpy()
        b = glassgrad.polygamma(n, glassgrad.tensor(xs)).numpy()
        ok = np.isclose(a, b, rtol=1e-9, atol=0, equal_nan=True)
        assert ok.all(), f"polygamma {n}: torch {a[~ok][:5]} vs glassgrad {b[~ok][:5]} at {xs[~ok][:5]}"
