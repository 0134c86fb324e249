"""utils.checkpoint against PyTorch: both modes (use_reentrant=True / False), values, gradients of inputs and
of parameters used inside, requires_grad and grad_fn of the outputs, warnings and errors, keyword arguments,
autograd.grad, RNG preservation, checkpoint_sequential; and that glassgrad really drops the region's saved
activations and recomputes them."""
import warnings

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], np.float32)
B = np.array([0.1, -0.2], np.float32)
X = np.array([[1.0, 2.0, 3.0], [-0.5, 0.25, 1.5]], np.float32)


def _linear(lib, w=W, b=B):
    m = lib.nn.Linear(w.shape[1], w.shape[0])
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w))
        m.bias.copy_(lib.tensor(b))
    return m


def _ckpt(lib):
    return lib.utils.checkpoint


MODES = [True, False]


@pytest.mark.parametrize("reentrant", MODES)
def test_values_gradients_and_grad_fn(reentrant):
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lambda t: lin(t.sin()).tanh() * 2, x, use_reentrant=reentrant)
        y.pow(2).sum().backward()
        return y, x.grad, lin.weight.grad, lin.bias.grad

    assert_same(program)


@pytest.mark.parametrize("reentrant", MODES)
def test_last_op_names_the_output(reentrant):
    # non-reentrant: the output's grad_fn is the region's last op (AddmmBackward0 for a Linear)
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lin, x, use_reentrant=reentrant)
        return y.grad_fn.name(), y.requires_grad, y.is_leaf

    assert_same(program)


@pytest.mark.parametrize("reentrant", MODES)
def test_several_outputs_and_non_tensor_arguments(reentrant):
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        z = lib.tensor(X[::-1].copy(), requires_grad=True)

        def fn(a, scale, b, name):
            assert name == "tag"
            return a * scale + b.exp(), (a * b).sum(1)

        p, q = _ckpt(lib).checkpoint(fn, x, 3.0, z, "tag", use_reentrant=reentrant)
        (p.sum() + (q * q).sum()).backward()
        return p, q, fresh(x.grad), fresh(z.grad)

    assert_same(program)


@pytest.mark.parametrize("reentrant", MODES)
def test_no_input_requires_grad(reentrant):
    # reentrant: warns, the output does not require grad and the parameters get nothing;
    # non-reentrant: parameters used inside still receive gradients
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X)
        y = _ckpt(lib).checkpoint(lambda t: lin(t).relu(), x, use_reentrant=reentrant)
        if y.requires_grad:
            y.sum().backward()
        return y, fresh(lin.weight.grad), fresh(lin.bias.grad)

    assert_same(program)


def test_reentrant_refuses_autograd_grad():
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lin, x, use_reentrant=True)
        return lib.autograd.grad(y.sum(), x)

    t_out, _ = assert_same(program)
    assert t_out[0] == "raise"
    with pytest.raises(RuntimeError, match=r"When use_reentrant=True, torch.utils.checkpoint is incompatible with "
                                           r"\.grad\(\) or passing an `inputs` parameter to \.backward\(\)"):
        x = glassgrad.tensor(X, requires_grad=True)
        glassgrad.autograd.grad(glassgrad.utils.checkpoint.checkpoint(lambda t: t * 2, x, use_reentrant=True).sum(), x)


def test_reentrant_refuses_backward_inputs():
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lambda t: t.exp(), x, use_reentrant=True)
        y.sum().backward(inputs=[x])
        return x.grad

    t_out, _ = assert_same(program)
    assert t_out[0] == "raise"


def test_non_reentrant_autograd_grad_and_second_order():
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lambda t: lin(t).exp(), x, use_reentrant=False)
        g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        gg, gw = lib.autograd.grad(g.pow(2).sum(), [x, lin.weight])
        return g, gg, gw, fresh(lin.weight.grad)

    assert_same(program, rtol=1e-4)


def test_non_reentrant_backward_with_inputs():
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lambda t: lin(t.cos()).sigmoid(), x, use_reentrant=False)
        y.sum().backward(inputs=[lin.weight])
        return fresh(lin.weight.grad), fresh(lin.bias.grad), fresh(x.grad)

    assert_same(program)


def test_keyword_arguments():
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        out = []
        y = _ckpt(lib).checkpoint(lambda t, *, a, b=1.0: t * a + b, x, a=2.0, b=-1.0, use_reentrant=False)
        y.sum().backward()
        out += [y, x.grad]
        try:
            _ckpt(lib).checkpoint(lambda t, *, a, b=1.0: t * a + b, x, a=2.0, b=-1.0, use_reentrant=True)
        except ValueError as e:
            out.append(str(e))
        return out

    assert_same(program)
    with pytest.raises(ValueError, match="^Unexpected keyword arguments: a,b$"):
        glassgrad.utils.checkpoint.checkpoint(lambda t, a, b: t, glassgrad.ones(1), a=1, b=2, use_reentrant=True)


def test_use_reentrant_not_passed_warns_and_is_reentrant():
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lambda t: t.exp(), x)
        y.sum().backward()
        return y, x.grad

    assert_same(program)
    with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
        y = glassgrad.utils.checkpoint.checkpoint(lambda t: t * 2, glassgrad.ones(1, requires_grad=True))
    assert y.grad_fn.name() == "CheckpointFunctionBackward"


def test_option_errors():
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        ck = _ckpt(lib)
        out = []
        for kwargs in [dict(use_reentrant=True, debug=True), dict(use_reentrant=True, context_fn=lambda: None),
                       dict(use_reentrant=False, determinism_check="strict")]:
            try:
                ck.checkpoint(lambda t: t * 2, x, **kwargs)
            except ValueError as e:
                out.append(str(e))
        return out

    assert_same(program)
    with pytest.raises(ValueError, match=r"determinism_check should be one of \['default', 'none'\]"):
        glassgrad.utils.checkpoint.checkpoint(lambda t: t, glassgrad.ones(1), use_reentrant=False,
                                              determinism_check="x")


@pytest.mark.parametrize("reentrant", MODES)
def test_function_runs_again_in_backward(reentrant):
    def program(lib):
        calls = []
        x = lib.tensor(X, requires_grad=True)

        def fn(t):
            calls.append(1)
            return t.sin().exp()

        y = _ckpt(lib).checkpoint(fn, x, use_reentrant=reentrant)
        n_forward = len(calls)
        y.sum().backward()
        return n_forward, len(calls), x.grad

    assert_same(program)


@pytest.mark.parametrize("reentrant", MODES)
def test_backward_twice(reentrant):
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint(lambda t: t.sin().exp(), x, use_reentrant=reentrant)
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        first = fresh(x.grad)
        y.sum().backward()
        return first

    t_out, _ = assert_same(program)
    assert t_out[0] == "raise"


@pytest.mark.parametrize("reentrant", MODES)
@pytest.mark.parametrize("preserve", [True, False])
def test_dropout_mask_is_replayed(reentrant, preserve):
    # RNG streams differ between the libraries, so the observation is whether the recomputation saw the
    # forward's mask: the gradient equals that of the same program run without checkpoint (same seed)
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(np.tile(X, (8, 4)), requires_grad=True)

        def fn(t):
            return lib.nn.functional.dropout(t, 0.5, training=True) * 3

        lib.manual_seed(7)
        plain = fn(x)
        plain.sum().backward()
        expected = x.grad.clone()
        x.grad = None
        lib.manual_seed(7)
        y = _ckpt(lib).checkpoint(fn, x, use_reentrant=reentrant, preserve_rng_state=preserve)
        y.sum().backward()
        return bool(lib.equal(plain, y)), bool(lib.equal(x.grad, expected)) or not preserve, lin.weight.shape

    assert_same(program)


def test_rng_state_after_checkpoint_is_the_surrounding_one():
    # backward's recomputation must not disturb the RNG state that the code around it sees
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        lib.manual_seed(3)
        y = _ckpt(lib).checkpoint(lambda t: lib.nn.functional.dropout(t, 0.5), x, use_reentrant=False)
        a = lib.rand(5)
        lib.manual_seed(3)
        lib.nn.functional.dropout(x, 0.5)
        b = lib.rand(5)
        y.sum().backward()
        c = lib.rand(5)
        lib.manual_seed(3)
        lib.nn.functional.dropout(x, 0.5)
        lib.rand(5)
        d = lib.rand(5)
        return bool(lib.equal(a, b)), bool(lib.equal(c, d))

    assert_same(program)


def test_nested_checkpoints():
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X, requires_grad=True)
        ck = _ckpt(lib).checkpoint

        def inner(t):
            return lin(t).tanh()

        def outer(t):
            return ck(inner, t.exp() * 0.1, use_reentrant=False).sin() * 2

        y = ck(outer, x, use_reentrant=False)
        (y ** 2).sum().backward()
        return y, x.grad, lin.weight.grad

    assert_same(program)


def test_determinism_check():
    def program(lib):
        x = lib.tensor(X, requires_grad=True)
        calls = []

        def fn(t):
            calls.append(1)
            return (t[:1] if len(calls) == 1 else t).exp().sum()

        y = _ckpt(lib).checkpoint(fn, x, use_reentrant=False)
        y.backward()
        return x.grad

    t_out, g_out = assert_same(program, messages=False)
    assert t_out[:2] == ("raise", "CheckpointError")


@pytest.mark.parametrize("reentrant", MODES)
@pytest.mark.parametrize("as_list", [False, True])
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential(reentrant, as_list, segments):
    def program(lib):
        lib.manual_seed(0)
        a = _linear(lib, np.array([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], np.float32), np.zeros(3, np.float32))
        b = _linear(lib, W, B)
        model = lib.nn.Sequential(a, lib.nn.Tanh(), b, lib.nn.ReLU(), lib.nn.Softplus())
        x = lib.tensor(X[:, :2], requires_grad=True)
        fns = list(model) if as_list else model
        y = _ckpt(lib).checkpoint_sequential(fns, segments, x, use_reentrant=reentrant)
        y.sum().backward()
        return y, x.grad, a.weight.grad, b.weight.grad, b.bias.grad

    assert_same(program)


def test_checkpoint_sequential_warning_and_kwargs():
    def program(lib):
        model = lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Sigmoid())
        x = lib.tensor(X, requires_grad=True)
        y = _ckpt(lib).checkpoint_sequential(model, 2, x)
        y.sum().backward()
        try:
            _ckpt(lib).checkpoint_sequential(model, 2, x, use_reentrant=False, foo=1)
        except ValueError as e:
            return y, x.grad, str(e)

    assert_same(program)


def test_under_no_grad():
    def program(lib):
        lin = _linear(lib)
        x = lib.tensor(X, requires_grad=True)
        with lib.no_grad():
            a = _ckpt(lib).checkpoint(lin, x, use_reentrant=False)
            b = _ckpt(lib).checkpoint(lin, x, use_reentrant=True)
        return a, b

    assert_same(program)


def test_training_loop_matches_torch():
    def program(lib):
        lib.manual_seed(0)
        a = _linear(lib, np.array([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], np.float32), np.zeros(3, np.float32))
        b = _linear(lib, W, B)
        opt = lib.optim.SGD(list(a.parameters()) + list(b.parameters()), lr=0.1, momentum=0.9)
        x = lib.tensor(X[:, :2])
        target = lib.tensor([[0.5, -0.5], [1.0, 0.0]])
        losses = []
        for step in range(5):
            opt.zero_grad()
            h = _ckpt(lib).checkpoint(lambda t: a(t).tanh(), x, use_reentrant=step % 2 == 0)
            loss = ((_ckpt(lib).checkpoint(b, h, use_reentrant=False) - target) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, a.weight, b.weight

    assert_same(program, rtol=1e-5)


# ---- glassgrad's own mechanism --------------------------------------------------------------------

def _saved_slots(node):
    return [e for e in node._saved[1:] if e is not None]


def test_activations_are_dropped_and_recomputed():
    g = glassgrad
    x = g.tensor(X, requires_grad=True)
    calls = []

    def fn(t):
        calls.append(1)
        return t.sin().exp()

    y = g.utils.checkpoint.checkpoint(fn, x, use_reentrant=False)
    exp_node = y.grad_fn
    sin_node = exp_node.next_functions[0][0]
    # exp saved its result and sin its input; the input x is kept, the activation exp(sin x) is not
    assert _saved_slots(exp_node) == []
    assert len(_saved_slots(sin_node)) == 1 and _saved_slots(sin_node)[0][0] is x
    y.sum().backward()
    assert len(calls) == 2
    np.testing.assert_allclose(x.grad.numpy(), np.cos(X) * np.exp(np.sin(X)), rtol=1e-6)


def test_retain_graph_recomputes_once_and_accumulates():
    g = glassgrad
    x = g.tensor(X, requires_grad=True)
    calls = []

    def fn(t):
        calls.append(1)
        return (t * t).tanh()

    y = g.utils.checkpoint.checkpoint(fn, x, use_reentrant=False)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert len(calls) == 2
    expected = 2 * 2 * X * (1 - np.tanh(X * X) ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            y.sum().backward()


def test_region_dies_with_its_graph():
    # no reference cycle keeps the checkpointed graph (and the inputs it keeps) alive once the output is gone
    import gc
    import weakref
    g = glassgrad
    gc.disable()
    try:
        x = g.tensor(X, requires_grad=True)
        y = g.utils.checkpoint.checkpoint(lambda t: (t * 3).sin().exp(), x * 1, use_reentrant=False)
        refs = [weakref.ref(y.grad_fn), weakref.ref(y.grad_fn.next_functions[0][0])]
        del y
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()
