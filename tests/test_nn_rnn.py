"""RNN, LSTM, GRU and their cells against PyTorch: the same weights (copied through state_dict) must give the
same outputs, final states, input/state gradients and parameter gradients; reprs, state_dict keys, errors
and warnings are PyTorch's."""
import math

import numpy as np
import pytest

from difftools import assert_same, glassgrad, torch

RTOL, ATOL = 1e-5, 1e-5


def copy_state(t_mod, g_mod):
    """Copies torch's parameters into glassgrad's module; the state_dict keys must be identical."""
    t_sd = t_mod.state_dict()
    assert list(t_sd) == list(g_mod.state_dict())
    g_mod.load_state_dict({k: glassgrad.tensor(v.detach().numpy().copy()) for k, v in t_sd.items()})


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def run_both(cls, args, kwargs, x_shape, state_shapes=None, train=False, seed=0):
    """Runs torch.nn.<cls> and glassgrad.nn.<cls> with the same weights and inputs; backpropagates a random
    weighting of every output; returns {lib: observations}. state_shapes: None (no hx), a shape (hx) or a
    list of shapes ((h0, c0))."""
    rng = np.random.default_rng(seed)
    x_np = rng.standard_normal(x_shape).astype(np.float32)
    states_np = None
    if state_shapes is not None:
        shapes = state_shapes if isinstance(state_shapes, list) else [state_shapes]
        states_np = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    t_mod = getattr(torch.nn, cls)(*args, **kwargs)
    g_mod = getattr(glassgrad.nn, cls)(*args, **kwargs)
    copy_state(t_mod, g_mod)
    seen = {}
    weights = None
    for lib, mod in ((torch, t_mod), (glassgrad, g_mod)):
        mod.train(train)
        x = lib.tensor(x_np, requires_grad=True)
        states = None
        if states_np is not None:
            states = [lib.tensor(s, requires_grad=True) for s in states_np]
        hx = None if states is None else (tuple(states) if isinstance(state_shapes, list) else states[0])
        out = mod(x) if hx is None else mod(x, hx)
        outs = _flat(out)
        if weights is None:
            weights = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in outs]
        loss = sum((o * lib.tensor(w)).sum() for o, w in zip(outs, weights))
        loss.backward()
        seen[lib.__name__] = {
            "structure": _structure(out),
            "outs": [o.detach().numpy().copy() for o in outs],
            "x.grad": x.grad.numpy().copy(),
            "state grads": [s.grad.numpy().copy() for s in states or []],
            "param grads": {n: p.grad.numpy().copy() for n, p in mod.named_parameters()},
        }
    return seen


def _structure(out):
    if isinstance(out, tuple):
        return tuple(_structure(o) for o in out)
    return tuple(out.shape)


def assert_close(seen, rtol=RTOL, atol=ATOL):
    t, g = seen["torch"], seen["glassgrad"]
    assert t["structure"] == g["structure"]
    for name in ("outs", "state grads"):
        for i, (a, b) in enumerate(zip(t[name], g[name])):
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=f"{name}[{i}]")
    np.testing.assert_allclose(g["x.grad"], t["x.grad"], rtol=rtol, atol=atol, err_msg="x.grad")
    assert t["param grads"].keys() == g["param grads"].keys()
    for k in t["param grads"]:
        np.testing.assert_allclose(g["param grads"][k], t["param grads"][k], rtol=rtol, atol=atol,
                                   err_msg=f"{k}.grad")


# (class, args, kwargs, input shape, state shapes)
CASES = [
    ("RNN", (3, 4), {}, (5, 2, 3), None),
    ("RNN", (3, 4), {"nonlinearity": "relu", "num_layers": 2}, (5, 2, 3), (2, 2, 4)),
    ("RNN", (3, 4, 2, "relu"), {"bidirectional": True, "batch_first": True}, (2, 5, 3), (4, 2, 4)),
    ("RNN", (3, 4), {"bias": False, "bidirectional": True}, (4, 3), (2, 4)),
    ("LSTM", (3, 4), {}, (5, 2, 3), None),
    ("LSTM", (3, 4), {"num_layers": 2, "bidirectional": True}, (5, 2, 3), [(4, 2, 4), (4, 2, 4)]),
    ("LSTM", (3, 4), {"num_layers": 2, "batch_first": True}, (2, 5, 3), [(2, 2, 4), (2, 2, 4)]),
    ("LSTM", (3, 4), {"batch_first": True}, (5, 3), [(1, 4), (1, 4)]),
    ("LSTM", (3, 4), {"bias": False, "bidirectional": True}, (4, 3), None),
    ("LSTM", (3, 5), {"proj_size": 2, "num_layers": 2, "bidirectional": True}, (4, 2, 3), [(4, 2, 2), (4, 2, 5)]),
    ("GRU", (3, 4), {}, (5, 2, 3), None),
    ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True}, (5, 2, 3), (4, 2, 4)),
    ("GRU", (3, 4), {"batch_first": True, "num_layers": 2}, (5, 3), (2, 4)),
    ("GRU", (3, 4), {"bias": False, "batch_first": True}, (2, 5, 3), (1, 2, 4)),
]


@pytest.mark.parametrize("cls,args,kwargs,x_shape,state_shapes", CASES)
def test_rnn_layers_match_torch(cls, args, kwargs, x_shape, state_shapes):
    assert_close(run_both(cls, args, kwargs, x_shape, state_shapes))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_zero_dropout_in_train_mode_matches_torch(cls):
    assert_close(run_both(cls, (3, 4), {"num_layers": 2, "dropout": 0.0}, (4, 2, 3), train=True))


CELL_CASES = [
    ("RNNCell", (3, 4), {}, (2, 3), (2, 4)),
    ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}, (2, 3), None),
    ("RNNCell", (3, 4), {}, (3,), (4,)),
    ("LSTMCell", (3, 4), {}, (2, 3), [(2, 4), (2, 4)]),
    ("LSTMCell", (3, 4), {}, (2, 3), None),
    ("LSTMCell", (3, 4), {"bias": False}, (3,), [(4,), (4,)]),
    ("GRUCell", (3, 4), {}, (2, 3), (2, 4)),
    ("GRUCell", (3, 4), {}, (3,), None),
]


@pytest.mark.parametrize("cls,args,kwargs,x_shape,state_shapes", CELL_CASES)
def test_cells_match_torch(cls, args, kwargs, x_shape, state_shapes):
    assert_close(run_both(cls, args, kwargs, x_shape, state_shapes))


def test_float64_lstm_matches_tightly():
    t_mod = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    g_mod = glassgrad.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    copy_state(t_mod, g_mod)
    x = np.random.default_rng(1).standard_normal((6, 2, 3))
    t_out, (t_h, t_c) = t_mod(torch.tensor(x))
    g_out, (g_h, g_c) = g_mod(glassgrad.tensor(x))
    assert g_out.dtype == glassgrad.float64
    for a, b in ((t_out, g_out), (t_h, g_h), (t_c, g_c)):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-12, atol=1e-12)


# ---- reprs, names, init ----------------------------------------------------------------------------
REPR_CASES = [
    ("RNN", (3, 4), {}),
    ("RNN", (3, 4, 2), {"nonlinearity": "relu", "bias": False, "batch_first": True, "dropout": 0.5,
                        "bidirectional": True}),
    ("LSTM", (3, 4), {"num_layers": 3, "proj_size": 2}),
    ("GRU", (3, 4), {"num_layers": 2, "dropout": 0.25}),
    ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", (3, 4), {}),
    ("GRUCell", (3, 4), {"bias": False}),
]


@pytest.mark.parametrize("cls,args,kwargs", REPR_CASES)
def test_repr_state_dict_keys_and_shapes_match_torch(cls, args, kwargs):
    t_mod = getattr(torch.nn, cls)(*args, **kwargs)
    g_mod = getattr(glassgrad.nn, cls)(*args, **kwargs)
    assert repr(g_mod) == repr(t_mod)
    assert [(k, tuple(v.shape)) for k, v in g_mod.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t_mod.state_dict().items()]
    if hasattr(t_mod, "all_weights"):
        assert [[tuple(p.shape) for p in ps] for ps in g_mod.all_weights] == \
            [[tuple(p.shape) for p in ps] for ps in t_mod.all_weights]
        assert g_mod._flat_weights_names == t_mod._flat_weights_names


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU", "LSTMCell"])
def test_init_is_uniform_within_one_over_sqrt_hidden(cls):
    mod = getattr(glassgrad.nn, cls)(3, 16)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.detach().numpy().ravel() for p in mod.parameters()])
    assert np.all(np.abs(values) <= bound)
    assert values.std() > bound / 3  # spread over the interval, not a constant
    assert all(p.requires_grad and p.is_leaf for p in mod.parameters())


def test_flatten_parameters_is_a_noop_and_dtype_kwarg():
    mod = glassgrad.nn.GRU(3, 4, dtype=glassgrad.float64)
    before = {k: v.clone() for k, v in mod.state_dict().items()}
    assert mod.flatten_parameters() is None
    assert all(glassgrad.equal(before[k], v) for k, v in mod.state_dict().items())
    assert all(p.dtype == glassgrad.float64 for p in mod.parameters())


# ---- dropout between layers --------------------------------------------------------------------------
def test_dropout_runs_in_train_mode_and_eval_is_deterministic():
    glassgrad.manual_seed(0)
    mod = glassgrad.nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = glassgrad.randn(4, 2, 3)
    mod.eval()
    out1, _ = mod(x)
    out2, _ = mod(x)
    assert glassgrad.equal(out1, out2)
    mod.train()
    out3, (h, _) = mod(x)
    out3.sum().backward()
    assert not glassgrad.allclose(out3, out1)
    assert all(p.grad is not None for p in mod.parameters())
    # eval output equals PyTorch's, whose eval mode also skips the dropout
    t_mod = torch.nn.LSTM(3, 8, num_layers=2, dropout=0.5).eval()
    g_mod = glassgrad.nn.LSTM(3, 8, num_layers=2, dropout=0.5).eval()
    copy_state(t_mod, g_mod)
    np.testing.assert_allclose(g_mod(x)[0].detach().numpy(), t_mod(torch.tensor(x.numpy()))[0].detach().numpy(),
                               rtol=RTOL, atol=ATOL)


def test_dropout_on_one_layer_warns_like_torch():
    assert_same(lambda lib: lib.nn.GRU(3, 4, dropout=0.5).dropout)


# ---- errors ------------------------------------------------------------------------------------------
ERRORS = [
    lambda lib: lib.nn.GRU(3, 4, proj_size=2),
    lambda lib: lib.nn.RNN(3, 4, proj_size=2),
    lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid"),
    lambda lib: lib.nn.LSTM(3, 4, dropout=1.5),
    lambda lib: lib.nn.LSTM(3, 4, dropout=True),
    lambda lib: lib.nn.LSTM(3, 0),
    lambda lib: lib.nn.LSTM(3, 4, num_layers=0),
    lambda lib: lib.nn.LSTM(3, 4, proj_size=4),
    lambda lib: lib.nn.LSTM(3, 4, bias=1),
    lambda lib: lib.nn.LSTM(3.0, 4),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 2, 5)),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 2, 2, 3)),
    lambda lib: lib.nn.RNN(3, 4)(lib.zeros(2, 2, 2, 3)),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 2, 3), (lib.zeros(1, 3, 4), lib.zeros(1, 2, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 2, 3), (lib.zeros(1, 2, 4), lib.zeros(1, 2, 5))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 2, 3), (lib.zeros(2, 4), lib.zeros(2, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 3), (lib.zeros(1, 1, 4), lib.zeros(1, 1, 4))),
    lambda lib: lib.nn.GRU(3, 4, num_layers=2)(lib.zeros(2, 2, 3), lib.zeros(1, 2, 4)),
    lambda lib: lib.nn.GRU(3, 4)(lib.zeros(2, 2, 3), lib.zeros(2, 4)),
    lambda lib: lib.nn.GRU(3, 4)(lib.zeros(2, 3), lib.zeros(1, 1, 4)),
    lambda lib: lib.nn.GRU(3, 4)(lib.zeros(2, 2, 3, dtype=lib.float64)),
    lambda lib: lib.nn.GRUCell(3, 4)(lib.zeros(1, 2, 3)),
    lambda lib: lib.nn.RNNCell(3, 4)(lib.zeros(2, 3), lib.zeros(1, 2, 4)),
    lambda lib: lib.nn.LSTMCell(3, 4)(lib.zeros(2, 3), (lib.zeros(2, 4), lib.zeros(1, 2, 4))),
    lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="gelu")(lib.zeros(2, 3)),
]


@pytest.mark.parametrize("program", ERRORS)
def test_errors_match_torch(program):
    t_out, _ = assert_same(program)
    assert t_out[0] == "raise"


def test_hidden_state_gradient_flows_through_every_step():
    rnn = glassgrad.nn.GRU(2, 3)
    h0 = glassgrad.zeros(1, 1, 3, requires_grad=True)
    out, h = rnn(glassgrad.randn(6, 1, 2), h0)
    out[0].sum().backward()
    assert h0.grad is not None and float(h0.grad.abs().sum()) > 0
