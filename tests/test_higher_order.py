"""Second order through ops whose PyTorch backward is an op of its own (threshold_backward for relu,
leaky_relu_backward, hardtanh_backward): under create_graph the gradient is recorded as a function of the input,
so it requires grad, names PyTorch's node, and differentiates again to PyTorch's values (zero through the mask)."""
import pytest

from difftools import glassgrad, torch

CASES = {
    "relu": lambda m, x: m.relu(x),
    "leaky_relu": lambda m, x: m.nn.functional.leaky_relu(x, 0.1),
    "leaky_relu_": lambda m, x: m.nn.functional.leaky_relu(x * 1, 0.1, inplace=True),
    "hardtanh": lambda m, x: m.nn.functional.hardtanh(x),
    "relu6": lambda m, x: m.nn.functional.relu6(x),
}


def _second_order(m, f):
    x = m.tensor([-1.0, -0.25, 0.5, 2.0, 7.0], dtype=m.float64, requires_grad=True)
    g, = m.autograd.grad((f(m, x) * x).sum(), x, create_graph=True)
    gg, = m.autograd.grad((g * g).sum(), x, allow_unused=True)
    nodes = [n[0].name() if n[0] is not None else None for n in g.grad_fn.next_functions] if g.grad_fn else None
    return g.requires_grad, nodes, g.detach().tolist(), None if gg is None else [v + 0.0 for v in gg.tolist()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_masking_backward_is_recorded_like_torch(name):
    assert _second_order(glassgrad, CASES[name]) == _second_order(torch, CASES[name])


SMOOTH = {
    "tanh": lambda m, x: m.tanh(x),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "tanh_method": lambda m, x: x.tanh(),
    "sigmoid_functional": lambda m, x: m.nn.functional.sigmoid(x),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_smooth_backward_nodes_and_values_like_torch(name):
    g_obs = _second_order(glassgrad, SMOOTH[name])
    t_obs = _second_order(torch, SMOOTH[name])
    assert g_obs[:2] == t_obs[:2]
    assert g_obs[2] == pytest.approx(t_obs[2], rel=1e-12) and g_obs[3] == pytest.approx(t_obs[3], rel=1e-12)
