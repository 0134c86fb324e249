"""The backward engine: backward/grad options, accumulation, freeing, hooks, broadcasting and matmul."""
import time

import numpy as np
import pytest

from difftools import assert_same, glassgrad
from difftools import bug, capture_exc as _exc, fresh as _fresh




def _leaf(torch, shape=(3,), start=1.0, dtype=None):
    dtype = dtype or torch.float32
    n = int(np.prod(shape))
    return (torch.arange(n, dtype=dtype).reshape(shape) / 4 + start).requires_grad_()


def _w(torch, t):
    return torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape) + 1






# ---- backward options -----------------------------------------------------------------------------
def test_backward_with_gradient_argument():
    def program(torch):
        x = _leaf(torch, (2, 3))
        y = x ** 2
        y.backward(gradient=_w(torch, y))
        return _fresh(x.grad)
    assert_same(program)


def test_retain_graph_allows_second_backward_and_accumulates():
    def program(torch):
        x = _leaf(torch)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        first = _fresh(x.grad)
        y.backward()
        return first, _fresh(x.grad), _exc(lambda: y.backward())
    assert_same(program)


def test_create_graph_gives_differentiable_grad():
    def program(torch):
        x = _leaf(torch)
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        flags = (g.requires_grad, g.is_leaf, g.grad_fn is not None)
        (gg,) = torch.autograd.grad(g.sum(), x)
        return flags, _fresh(g), _fresh(gg)
    assert_same(program)


def test_backward_inputs_restricts_accumulation():
    def program(torch):
        x = _leaf(torch)
        w = _leaf(torch, start=2.0)
        (x * w).sum().backward(inputs=[x])
        return x.grad, w.grad
    assert_same(program)


def test_backward_inputs_nonleaf_populates_its_grad():
    def program(torch):
        x = _leaf(torch)
        y = x * 2
        z = (y ** 2).sum()
        z.backward(inputs=[y])
        return _fresh(y.grad), x.grad
    assert_same(program)


def test_backward_inputs_single_tensor():
    def program(torch):
        x = _leaf(torch)
        (x * 3).sum().backward(inputs=x)
        return _fresh(x.grad)
    assert_same(program)


def test_backward_inputs_not_requiring_grad():
    def program(torch):
        x = _leaf(torch)
        return _exc(lambda: (x * 3).sum().backward(inputs=[torch.ones(3)]))
    assert_same(program)


def test_backward_empty_inputs():
    def program(torch):
        x = _leaf(torch)
        return _exc(lambda: (x * 3).sum().backward(inputs=[]))
    assert_same(program)


def test_autograd_backward_multiple_roots():
    def program(torch):
        x = _leaf(torch)
        a = x * 2
        b = x ** 2
        torch.autograd.backward([a, b], [torch.ones(3), _w(torch, b)])
        return _fresh(x.grad)
    assert_same(program)


def test_autograd_backward_mismatched_counts():
    def program(torch):
        x = _leaf(torch)
        return _exc(lambda: torch.autograd.backward([x * 2, x * 3], [torch.ones(3)]))
    assert_same(program)


# ---- autograd.grad ----------------------------------------------------------------------------------
def test_grad_with_grad_outputs_does_not_touch_dot_grad():
    def program(torch):
        x = _leaf(torch, (2, 2))
        y = x.exp()
        (g,) = torch.autograd.grad(y, x, grad_outputs=_w(torch, y))
        return _fresh(g), x.grad
    assert_same(program)


def test_grad_multiple_inputs_and_outputs():
    def program(torch):
        x = _leaf(torch)
        w = _leaf(torch, start=2.0)
        a = (x * w).sum()
        b = (x ** 2 * w).sum()
        return [_fresh(g) for g in torch.autograd.grad([a, b], [x, w])]
    assert_same(program)


def test_grad_unused_input_error():
    def program(torch):
        x = _leaf(torch)
        z = _leaf(torch)
        return _exc(lambda: torch.autograd.grad((x * 2).sum(), [x, z]))
    assert_same(program)


def test_grad_allow_unused_and_materialize():
    def program(torch):
        x = _leaf(torch)
        z = _leaf(torch)
        y = (x * 2).sum()
        a = torch.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
        b = torch.autograd.grad(y, [x, z], materialize_grads=True, retain_graph=True)
        c = _exc(lambda: torch.autograd.grad(y, [x, z], materialize_grads=True, allow_unused=False))
        return [_fresh(g) for g in a], [_fresh(g) for g in b], c
    assert_same(program)


def test_grad_input_not_requiring_grad():
    def program(torch):
        x = _leaf(torch)
        c = torch.ones(3)
        return _exc(lambda: torch.autograd.grad((x * c).sum(), [c]))
    assert_same(program)


def test_grad_output_not_requiring_grad():
    def program(torch):
        x = _leaf(torch)
        return _exc(lambda: torch.autograd.grad(x.detach().sum(), [x]))
    assert_same(program)


def test_grad_of_nonleaf_input():
    def program(torch):
        x = _leaf(torch)
        y = x * 2
        z = (y.exp()).sum()
        return [_fresh(g) for g in torch.autograd.grad(z, y)]
    assert_same(program)


def test_higher_order_gradients_to_third_order():
    def program(torch):
        x = _leaf(torch, dtype=torch.float64)
        y = (x ** 4 + x.sin() * x).sum()
        (g1,) = torch.autograd.grad(y, x, create_graph=True)
        (g2,) = torch.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = torch.autograd.grad(g2.sum(), x)
        return [g.requires_grad for g in (g1, g2, g3)], [_fresh(g) for g in (g1, g2, g3)]
    assert_same(program, rtol=1e-10, atol=1e-12)


def test_higher_order_mixed_partials():
    def program(torch):
        x = _leaf(torch, dtype=torch.float64)
        w = _leaf(torch, start=2.0, dtype=torch.float64)
        y = (x.exp() * w ** 2).sum()
        (gx,) = torch.autograd.grad(y, x, create_graph=True)
        (gxw,) = torch.autograd.grad(gx.sum(), w)
        return gx.requires_grad, _fresh(gx), _fresh(gxw)
    assert_same(program, rtol=1e-10, atol=1e-12)


# ---- accumulation ------------------------------------------------------------------------------------
def test_grad_accumulates_over_backwards_in_place():
    def program(torch):
        x = _leaf(torch)
        (x * 2).sum().backward()
        g = x.grad
        (x ** 2).sum().backward()
        same_object = x.grad is g
        (x * 5).sum().backward()
        return same_object, x.grad is g, g.detach().clone()
    assert_same(program)


def test_grad_zeroed_then_accumulates():
    def program(torch):
        x = _leaf(torch)
        (x * 2).sum().backward()
        x.grad.zero_()
        (x * 3).sum().backward()
        x.grad = None
        (x * 4).sum().backward()
        return _fresh(x.grad)
    assert_same(program)


def test_grad_accumulated_with_create_graph_is_new_tensor():
    def program(torch):
        x = _leaf(torch)
        (x ** 2).sum().backward(create_graph=True)
        g = x.grad
        (x ** 3).sum().backward(create_graph=True)
        return x.grad is g, x.grad.requires_grad, x.grad.detach().clone()
    assert_same(program)


GRAD_ASSIGN = {
    "wrong_size": lambda torch: torch.ones(2),
    "wrong_dtype": lambda torch: torch.ones(3, dtype=torch.float64),
    "not_a_tensor": lambda torch: 3,
    "ok": lambda torch: torch.ones(3),
}


@pytest.mark.parametrize("case", ["wrong_size", "wrong_dtype", "not_a_tensor", "ok"])
def test_grad_assignment_checks(case):
    def program(torch):
        x = _leaf(torch)
        return _exc(lambda: setattr(x, "grad", GRAD_ASSIGN[case](torch))), x
    assert_same(program)


# ---- second backward after freeing ------------------------------------------------------------------
SECOND_BACKWARD = {
    "mul_scalar": lambda torch, x: (x * 2).sum(),
    "exp": lambda torch, x: x.exp().sum(),
    "mul_tensor": lambda torch, x: (x * x).sum(),
    "pow": lambda torch, x: (x ** 2).sum(),
    "add_scalar": lambda torch, x: (x + 2).sum(),
    "sum": lambda torch, x: x.sum(),
    "neg": lambda torch, x: (-x).sum(),
    "view_sum": lambda torch, x: x.view(3, 1).sum(),
    "sigmoid": lambda torch, x: x.sigmoid().sum(),
    "div_scalar": lambda torch, x: (x / 2).sum(),
}


@pytest.mark.parametrize("case", list(SECOND_BACKWARD))
def test_second_backward_after_freeing(case):
    def program(torch):
        x = _leaf(torch)
        y = SECOND_BACKWARD[case](torch, x)
        y.backward()
        return _exc(lambda: y.backward()), _fresh(x.grad)
    assert_same(program)


# ---- backward errors ---------------------------------------------------------------------------------
def test_non_scalar_backward_error():
    def program(torch):
        x = _leaf(torch)
        return _exc(lambda: (x * 2).backward())
    assert_same(program)


def test_gradient_shape_mismatch():
    def program(torch):
        x = _leaf(torch, (2, 3))
        return _exc(lambda: (x * 2).backward(torch.ones(3, 2)))
    assert_same(program)


def test_backward_on_tensor_without_grad():
    def program(torch):
        return _exc(lambda: torch.ones(3).sum().backward())
    assert_same(program)


def test_grad_with_empty_inputs():
    def program(torch):
        x = _leaf(torch)
        return _exc(lambda: torch.autograd.grad((x * 2).sum(), []))
    assert_same(program)


# ---- hooks -------------------------------------------------------------------------------------------
def test_hooks_on_leaf_order_and_modification():
    def program(torch):
        x = _leaf(torch)
        seen = []
        x.register_hook(lambda g: seen.append(("a", g.clone())))
        x.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: seen.append(("c", g.clone())))
        (x * 2).sum().backward()
        return [s[0] for s in seen], [s[1] for s in seen], _fresh(x.grad)
    assert_same(program)


def test_hooks_on_nonleaf_change_upstream_gradient():
    def program(torch):
        x = _leaf(torch)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()))
        y.register_hook(lambda g: g + 1)
        (y ** 2).sum().backward()
        return seen, _fresh(x.grad)
    assert_same(program)


def test_hook_removal():
    def program(torch):
        x = _leaf(torch)
        y = x * 2
        h1 = x.register_hook(lambda g: g * 100)
        h2 = y.register_hook(lambda g: g * 7)
        h1.remove()
        h2.remove()
        (y * 3).sum().backward()
        return _fresh(x.grad)
    assert_same(program)


def test_retain_grad_runs_after_hooks():
    def program(torch):
        x = _leaf(torch)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 3)
        (y * _w(torch, y)).sum().backward()
        return _fresh(y.grad), _fresh(x.grad)
    assert_same(program)


def test_retain_grad_accumulates_over_backwards():
    def program(torch):
        x = _leaf(torch)
        y = x * 2
        y.retain_grad()
        z = (y ** 2).sum()
        z.backward(retain_graph=True)
        z.backward()
        return _fresh(y.grad), y.is_leaf, y.retains_grad, x.retains_grad
    assert_same(program)


def test_hook_sees_grad_of_each_use():
    def program(torch):
        x = _leaf(torch)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        ((x * 2).sum() + (x * 3).sum()).backward()
        return seen
    assert_same(program)


def test_post_accumulate_grad_hook():
    def program(torch):
        x = _leaf(torch)
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        y = x * 1
        return seen, _exc(lambda: y.register_post_accumulate_grad_hook(lambda t: None))
    assert_same(program)


# ---- determinism and deep graphs -----------------------------------------------------------------
def test_results_are_deterministic():
    def run(torch):
        x = _leaf(torch, (4, 5), dtype=torch.float64)
        a = x.sin() * x.cos()
        b = a @ x.t()
        loss = (b.exp() / (1 + b.exp())).sum() + (a ** 3).mean()
        loss.backward()
        return loss.detach(), _fresh(x.grad)

    def program(torch):
        r1, r2 = run(torch), run(torch)
        return r1, r2, [bool(torch.equal(a, b)) for a, b in zip(r1, r2)]
    assert_same(program, rtol=1e-12, atol=1e-12)


def test_long_chain_backpropagates_without_recursion_error():
    n = 100_000
    start = time.perf_counter()
    x = glassgrad.tensor(1.0, dtype=glassgrad.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.00001
    y.backward()
    expected = 1.00001 ** n
    assert abs(x.grad.item() - expected) <= 1e-9 * expected, (x.grad.item(), expected)
    del y  # freeing a 100,000-deep graph must not overflow the stack either
    assert time.perf_counter() - start < 10


# ---- broadcasting ------------------------------------------------------------------------------------
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "rsub": lambda a, b: 2 - b * a,
}
SHAPES = [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((3,), ()), ((), (2, 3)), ((2, 1, 3), (4, 1)), ((2, 3), (2, 3))]


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPES, ids=[f"{a}x{b}" for a, b in SHAPES])
def test_broadcasting_binary_gradients(op, shapes):
    def program(torch):
        a = _leaf(torch, shapes[0], start=0.5, dtype=torch.float64)
        b = _leaf(torch, shapes[1], start=1.5, dtype=torch.float64)
        out = BINARY[op](a, b)
        (out * _w(torch, out)).sum().backward()
        return out, _fresh(a.grad), _fresh(b.grad)
    assert_same(program, rtol=1e-10, atol=1e-12)


# ---- matmul ------------------------------------------------------------------------------------------
MATMUL = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
          ((2, 3), (5, 3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
          ((2, 1, 2, 3), (5, 3, 4))]


@pytest.mark.parametrize("shapes", MATMUL, ids=[f"{a}@{b}" for a, b in MATMUL])
def test_matmul_gradients(shapes):
    def program(torch):
        a = _leaf(torch, shapes[0], start=-1.0, dtype=torch.float64)
        b = _leaf(torch, shapes[1], start=0.5, dtype=torch.float64)
        out = a @ b
        (out * _w(torch, out)).sum().backward()
        return out, _fresh(a.grad), _fresh(b.grad)
    assert_same(program, rtol=1e-10, atol=1e-12)


def test_matmul_shape_error():
    def program(torch):
        a = _leaf(torch, (2, 3))
        return _exc(lambda: a @ torch.ones(2, 3))
    assert_same(program)
