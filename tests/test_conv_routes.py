"""Every convolution route against PyTorch: the batch-first small columns, and the flat shifts / im2col they fall
back to. The route is chosen by size (glassgrad.ops.conv._SMALL_*), so each case runs twice, once with the small
route forced on and once with it off, and checks that the route it meant to test is the one that ran.
Values, input/weight/bias gradients and second-order gradients (which run conv_w and conv_t through the same
routes) are compared in float64, where the routes must agree with PyTorch to rounding.
"""
import numpy as np
import pytest

from difftools import glassgrad, assert_same
from glassgrad.ops import conv as C

# (_SMALL_MAX, _SMALL_RATIO, _SMALL_ROWS)
ROUTES = {"small": (1 << 40, 1 << 40, 1 << 40), "other": (-1, 1, 0)}


@pytest.fixture(params=sorted(ROUTES))
def route(request, monkeypatch):
    """Forces a route; returns its name and the list of calls to the small route's column builder."""
    for name, value in zip(("_SMALL_MAX", "_SMALL_RATIO", "_SMALL_ROWS"), ROUTES[request.param]):
        monkeypatch.setattr(C, name, value)
    calls = []
    build = C._small_columns

    def spy(*args, **kwargs):
        calls.append(args[1].shape)
        return build(*args, **kwargs)
    monkeypatch.setattr(C, "_small_columns", spy)
    return request.param, calls


def _check_route(route):
    name, calls = route
    assert bool(calls) == (name == "small"), f"route {name!r} expected, small columns built for {calls}"


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [None if s is None else rng.standard_normal(s) for s in shapes]


def _program(fn, x, w, b, second_order, **kw):
    """fn(x, w, b, **kw) with a random upstream gradient: the output, the three gradients, and, if second_order,
    the gradients of a function of those gradients."""
    def program(t):
        xt, wt = t.tensor(x, requires_grad=True), t.tensor(w, requires_grad=True)
        bt = None if b is None else t.tensor(b, requires_grad=True)
        y = fn(t)(xt, wt, bt, **kw)
        g = t.tensor(np.random.default_rng(7).standard_normal(tuple(y.shape)))
        leaves = [v for v in (xt, wt, bt) if v is not None]
        grads = t.autograd.grad((y * g).sum(), leaves, create_graph=second_order)
        out = [y.detach()] + [v.detach() for v in grads]
        if second_order:
            again = t.autograd.grad(sum((v * v).sum() for v in grads[:2]), leaves[:2], allow_unused=True)
            out += [None if v is None else v.detach() for v in again]
        return out
    return program


def _conv(nsp):
    return lambda t: getattr(t.nn.functional, f"conv{nsp}d")


def _conv_t(nsp):
    return lambda t: getattr(t.nn.functional, f"conv_transpose{nsp}d")


# (x shape, weight shape, bias?, keyword arguments): the paddings, strides and dilations that move the windows past
# the ends of a row (the small route zeroes those), groups, 'same' with an even kernel, empty batches
CONVS = [
    ((2, 3, 9), (4, 3, 3), True, {"padding": 1}),
    ((3, 2, 10), (2, 1, 4), False, {"padding": 3, "stride": 3, "groups": 2}),
    ((2, 2, 8), (3, 2, 2), True, {"padding": "same", "dilation": 3}),
    ((4, 1, 8, 8), (16, 1, 3, 3), True, {"padding": 1}),
    ((2, 3, 7, 6), (4, 3, 3, 2), True, {"padding": (2, 3), "stride": (1, 2)}),
    ((2, 4, 6, 7), (6, 2, 3, 3), True, {"padding": 2, "stride": (2, 3), "dilation": (2, 1), "groups": 2}),
    ((1, 2, 5, 6), (3, 2, 2, 4), False, {"padding": "same", "dilation": (1, 2)}),
    ((2, 2, 5, 5), (3, 2, 5, 5), True, {"padding": 0}),
    ((2, 2, 4, 4), (2, 2, 1, 1), True, {"padding": (0, 2)}),
    ((0, 2, 5, 5), (3, 2, 3, 3), True, {"padding": 1}),
    ((2, 4, 4), (3, 2, 3, 3), True, {"padding": 1, "groups": 1}),
    ((2, 2, 3, 4, 5), (3, 2, 2, 3, 2), True, {"padding": (1, 0, 2), "stride": (1, 2, 1)}),
    ((1, 2, 4, 3, 4), (2, 1, 3, 2, 3), False, {"padding": "same", "groups": 2}),
]


@pytest.mark.parametrize("x_shape, w_shape, bias, kw", CONVS, ids=range(len(CONVS)))
def test_conv_routes(route, x_shape, w_shape, bias, kw):
    x, w, b = _arrays(len(x_shape), x_shape, w_shape, w_shape[:1] if bias else None)
    nsp = len(w_shape) - 2
    second = x_shape[0] > 0
    assert_same(_program(_conv(nsp), x, w, b, second, **kw), rtol=1e-9, atol=1e-10)
    _check_route(route)


# transposed convolutions: stride 1 runs as a convolution with the flipped kernel; every stride runs conv_w for its
# weight gradient (and conv for its input gradient)
CONV_TS = [
    ((2, 4, 5), (4, 2, 3), True, {}),
    ((2, 3, 4, 5), (3, 2, 3, 3), True, {"padding": 1}),
    ((2, 4, 4, 4), (4, 1, 3, 2), False, {"padding": (1, 0), "dilation": 2, "groups": 2}),
    ((2, 3, 3, 4), (3, 2, 3, 3), True, {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 2, 2, 3, 3), (2, 2, 2, 2, 2), True, {"stride": (1, 2, 1)}),
]


@pytest.mark.parametrize("x_shape, w_shape, bias, kw", CONV_TS, ids=range(len(CONV_TS)))
def test_conv_transpose_routes(route, x_shape, w_shape, bias, kw):
    groups = kw.get("groups", 1)
    x, w, b = _arrays(len(x_shape), x_shape, w_shape, (w_shape[1] * groups,) if bias else None)
    assert_same(_program(_conv_t(len(w_shape) - 2), x, w, b, True, **kw), rtol=1e-9, atol=1e-10)
    _check_route(route)


def test_conv_float32_bias(route):
    """float32 through a module, as a training step runs it: the bias in the GEMM and the bias gradient's sum."""
    x, w, b = _arrays(1, (8, 3, 6, 6), (8, 3, 3, 3), (8,))

    def program(t):
        conv = t.nn.Conv2d(3, 8, 3, padding=1)
        with t.no_grad():
            conv.weight.copy_(t.tensor(w))
            conv.bias.copy_(t.tensor(b))
        y = conv(t.tensor(x, dtype=t.float32))
        (y * y).sum().backward()
        return [y.detach(), conv.weight.grad, conv.bias.grad]
    assert_same(program, rtol=1e-5, atol=1e-5)
    _check_route(route)


def test_first_layer_takes_small_route(monkeypatch):
    """The default sizes send a small CNN's first layer (issue 6: 64 x 1 x 8 x 8 images, 16 channels) through the
    small route, forward and weight gradient, and its input gradient (16 -> 1 channels) through the flat shifts."""
    calls = []
    build = C._small_columns
    monkeypatch.setattr(C, "_small_columns", lambda *a, **k: calls.append(a[1].shape) or build(*a, **k))
    x = glassgrad.randn(64, 1, 8, 8, requires_grad=True)
    conv = glassgrad.nn.Conv2d(1, 16, 3, padding=1)
    conv(x).sum().backward()
    assert calls == [(64, 1, 8, 8), (64, 1, 8, 8)], calls
