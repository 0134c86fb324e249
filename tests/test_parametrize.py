"""nn.utils.parametrize and nn.utils.parametrizations against PyTorch: the Parametrized<Name> class, the weight
property, originals and right_inverse, state_dict keys, named_parameters, repr, removal, caching, errors; and
weight_norm, spectral_norm and orthogonal: values, gradients, buffers, train/eval, and training steps."""
import copy
import pickle

import numpy as np
import pytest

from difftools import assert_same, bug, fresh, torch

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [0.2, 0.9, 1.1], [-0.4, 0.8, 0.6]], np.float32)
B = np.array([0.1, -0.2, 0.3, 0.0], np.float32)
X = np.array([[1.0, 2.0, 3.0], [-0.5, 0.25, 1.5]], np.float32)


def _linear(lib, w=W, b=B):
    m = lib.nn.Linear(w.shape[1], w.shape[0])
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w))
        m.bias.copy_(lib.tensor(b))
    return m


def _P(lib):
    return lib.nn.utils.parametrize


def _PS(lib):
    return lib.nn.utils.parametrizations


def _symmetric(lib, with_inverse=True):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

    if with_inverse:
        Symmetric.right_inverse = lambda self, A: A.triu()
    return Symmetric()


def _scale(lib, k):
    class Scale(lib.nn.Module):
        def forward(self, X):
            return X * k

        def right_inverse(self, A):
            return A / k

    return Scale()


def _layout(m):
    """What a user sees of a module's structure."""
    return {"class": type(m).__name__, "repr": repr(m), "state_dict": list(m.state_dict().keys()),
            "named_parameters": [n for n, _ in m.named_parameters()],
            "named_buffers": [n for n, _ in m.named_buffers()]}


# ---- parametrize ----------------------------------------------------------------------------------

@pytest.mark.parametrize("with_inverse", [True, False])
def test_register_parametrization(with_inverse):
    def program(lib):
        P = _P(lib)
        m = _linear(lib, W[:3], B[:3])
        out = P.register_parametrization(m, "weight", _symmetric(lib, with_inverse))
        original = m.parametrizations.weight.original
        m.weight.sum().backward()
        # NOTE: fresh() for gradients reached by two paths: PyTorch's accumulation bumps their _version
        return (out is m, _layout(m), m.weight, fresh(original), original.requires_grad, original.is_leaf,
                original._version, fresh(original.grad), type(original).__name__, P.is_parametrized(m),
                P.is_parametrized(m, "weight"), P.is_parametrized(m, "bias"),
                P.type_before_parametrizations(m).__name__, isinstance(m, lib.nn.Linear),
                type(m.parametrizations.weight).__name__, m(lib.tensor(X)))

    assert_same(program)


def test_assigning_runs_right_inverse():
    def program(lib):
        m = _linear(lib, W[:3], B[:3])
        _P(lib).register_parametrization(m, "weight", _symmetric(lib))
        _P(lib).register_parametrization(m, "weight", _scale(lib, 2.0))
        A = lib.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
        m.weight = A
        out = [m.weight, m.parametrizations.weight.original, len(m.parametrizations.weight), _layout(m)]
        m2 = _linear(lib, W[:3], B[:3])
        _P(lib).register_parametrization(m2, "weight", _symmetric(lib, with_inverse=False))
        try:
            m2.weight = A
        except RuntimeError as e:
            out.append(str(e))
        return out

    assert_same(program)


def test_parametrized_buffer_and_multiple_tensors():
    def program(lib):
        m = _linear(lib)
        m.register_buffer("scale", lib.tensor([1.0, -2.0, 3.0]))
        _P(lib).register_parametrization(m, "scale", _scale(lib, 3.0))
        _P(lib).register_parametrization(m, "bias", _scale(lib, 0.5))
        return _layout(m), m.scale, m.parametrizations.scale.original, m.bias, m.parametrizations.bias.original

    assert_same(program)


def test_right_inverse_returning_several_tensors():
    def program(lib):
        class RankOne(lib.nn.Module):
            def forward(self, x, y):
                return x.unsqueeze(-1) @ y.unsqueeze(-2)

            def right_inverse(self, Z):
                return Z[:, 0].clone(), Z[0].clone()

        m = _linear(lib)
        _P(lib).register_parametrization(m, "weight", RankOne())
        pl = m.parametrizations.weight
        m.weight.pow(2).sum().backward()
        out = [_layout(m), m.weight, pl.original0, pl.original1, hasattr(pl, "original"), pl.ntensors]
        try:
            _P(lib).remove_parametrizations(m, "weight", leave_parametrized=False)
        except ValueError as e:
            out.append(str(e))
        _P(lib).remove_parametrizations(m, "weight")
        out += [_layout(m), m.weight]
        return out

    assert_same(program)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    def program(lib):
        P = _P(lib)
        m = _linear(lib, W[:3], B[:3])
        P.register_parametrization(m, "weight", _symmetric(lib))
        P.register_parametrization(m, "bias", _scale(lib, 2.0))
        original = m.parametrizations.weight.original
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        mid = _layout(m)
        same = m.weight is original
        P.remove_parametrizations(m, "bias", leave_parametrized=leave)
        return mid, same, _layout(m), m.weight, m.bias, P.is_parametrized(m), hasattr(m, "parametrizations")

    assert_same(program)


def test_errors():
    def program(lib):
        P = _P(lib)
        out = []

        class Shrink(lib.nn.Module):
            def forward(self, X):
                return X[:2]

        class ToDouble(lib.nn.Module):
            def forward(self, X):
                return X.double()

        attempts = [lambda m: P.register_parametrization(m, "nothing", _scale(lib, 2.0)),
                    lambda m: P.register_parametrization(m, "weight", Shrink()),
                    lambda m: P.register_parametrization(m, "weight", ToDouble()),
                    lambda m: P.remove_parametrizations(m, "weight"),
                    lambda m: (P.register_parametrization(m, "weight", _scale(lib, 2.0)),
                               P.register_parametrization(m, "weight", Shrink())),
                    lambda m: lib.nn.utils.parametrize.ParametrizationList([], m.weight)]
        for attempt in attempts:
            m = _linear(lib)
            try:
                attempt(m)
                out.append(None)
            except (ValueError, RuntimeError) as e:
                out.append((type(e).__name__, str(e)))
        m = _linear(lib)
        P.register_parametrization(m, "weight", Shrink(), unsafe=True)
        out.append(tuple(m.weight.shape))
        return out

    assert_same(program)


def test_cached_computes_once():
    def program(lib):
        calls = []

        class Count(lib.nn.Module):
            def forward(self, X):
                calls.append(1)
                return X * 2

        m = _linear(lib)
        _P(lib).register_parametrization(m, "weight", Count())
        n0 = len(calls)
        with _P(lib).cached():
            a = m.weight
            b = m.weight
            same = a is b
            m(lib.tensor(X))
        n1 = len(calls)
        m.weight
        return n0, n1, same, len(calls)

    assert_same(program)


def test_transfer_parametrizations_and_params():
    def program(lib):
        P = _P(lib)
        a = _linear(lib)
        P.register_parametrization(a, "weight", _scale(lib, 2.0))
        b = lib.nn.Linear(3, 4)
        P.transfer_parametrizations_and_params(a, b)
        return (_layout(b), b.weight, b.parametrizations.weight.original is a.parametrizations.weight.original)

    assert_same(program)


def test_deepcopy_and_pickle():
    def program(lib):
        m = _linear(lib)
        _P(lib).register_parametrization(m, "weight", _scale(lib, 2.0))
        c = copy.deepcopy(m)
        out = [_layout(c), c.weight, c.parametrizations.weight.original is m.parametrizations.weight.original]
        try:
            pickle.dumps(m)
        except RuntimeError as e:
            out.append(str(e))
        return out

    assert_same(program)


def test_load_state_dict_into_parametrized_module():
    def program(lib):
        src = _linear(lib)
        _P(lib).register_parametrization(src, "weight", _scale(lib, 2.0))
        dst = lib.nn.Linear(3, 4)
        _P(lib).register_parametrization(dst, "weight", _scale(lib, 2.0))
        r = dst.load_state_dict(src.state_dict())
        return repr(r), dst.weight

    assert_same(program)


# ---- weight_norm ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
def test_weight_norm(dim):
    def program(lib):
        m = _linear(lib)
        kwargs = {} if dim == 0 else {"dim": dim}
        _PS(lib).weight_norm(m, **kwargs)
        pl = m.parametrizations.weight
        y = m(lib.tensor(X))
        y.pow(2).sum().backward()
        return _layout(m), m.weight.detach(), fresh(pl.original0), fresh(pl.original1), fresh(pl.original0.grad), \
            fresh(pl.original1.grad), pl.original1.is_leaf, pl.original0.requires_grad, y

    assert_same(program, rtol=1e-5)


def test_weight_norm_grad_fn_name():
    def program(lib):
        m = _PS(lib).weight_norm(_linear(lib))
        return m.weight.grad_fn.name()

    assert_same(program)


def test_weight_norm_conv_and_old_state_dict_keys():
    def program(lib):
        conv = lib.nn.Conv1d(2, 3, 2)
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 2, 2) / 7 - 0.8))
        _PS(lib).weight_norm(conv, dim=1)
        old = {"weight_g": lib.tensor([[[2.0], [3.0]]]), "weight_v": lib.ones(3, 2, 2), "bias": lib.zeros(3)}
        r = conv.load_state_dict(old)
        return _layout(conv), conv.weight, repr(r)

    assert_same(program)


# ---- spectral_norm --------------------------------------------------------------------------------

def _torch_spectral_buffers(make, **kwargs):
    """The _u, _v PyTorch draws at registration (glassgrad's RNG differs: the tests copy them)."""
    torch.manual_seed(0)
    m = make(torch)
    torch.nn.utils.parametrizations.spectral_norm(m, **kwargs)
    sn = m.parametrizations.weight[0]
    return sn._u.numpy().copy(), sn._v.numpy().copy()


def _set_buffers(lib, m, u, v):
    sn = m.parametrizations.weight[0]
    with lib.no_grad():
        sn._u.copy_(lib.tensor(u))
        sn._v.copy_(lib.tensor(v))
    return sn


@pytest.mark.parametrize("n_iter", [1, 3])
def test_spectral_norm_train_and_eval(n_iter):
    u, v = _torch_spectral_buffers(_linear, n_power_iterations=n_iter)

    def program(lib):
        m = _linear(lib)
        _PS(lib).spectral_norm(m, n_power_iterations=n_iter)
        sn = _set_buffers(lib, m, u, v)
        out = [_layout(m)]
        y = m(lib.tensor(X))  # training: one power step, then W / sigma
        y.pow(2).sum().backward()
        out += [y, fresh(sn._u), fresh(sn._v), fresh(m.parametrizations.weight.original.grad)]
        m.eval()
        w1 = m.weight
        w2 = m.weight  # eval: the estimates stay put
        out += [w1, bool(lib.equal(w1, w2)), fresh(sn._u), sn.training]
        return out

    assert_same(program, rtol=1e-5)


@pytest.mark.parametrize("make, dim", [
    (lambda lib: lib.nn.Conv2d(2, 3, 2), None),
    (lambda lib: lib.nn.ConvTranspose2d(2, 3, 2), None),
    (lambda lib: lib.nn.Conv2d(2, 3, 2), 2),
])
def test_spectral_norm_conv(make, dim):
    def make_fixed(lib):
        m = make(lib)
        with lib.no_grad():
            w = np.sin(np.arange(m.weight.numel(), dtype=np.float32)).reshape(tuple(m.weight.shape))
            m.weight.copy_(lib.tensor(w))
        return m

    kwargs = {} if dim is None else {"dim": dim}
    u, v = _torch_spectral_buffers(make_fixed, **kwargs)

    def program(lib):
        m = make_fixed(lib)
        _PS(lib).spectral_norm(m, **kwargs)
        sn = _set_buffers(lib, m, u, v)
        w = m.weight
        w.sum().backward()
        return w, fresh(sn._u), fresh(sn._v), fresh(m.parametrizations.weight.original.grad), sn.dim

    assert_same(program, rtol=1e-5)


def test_spectral_norm_errors_and_vectors():
    def program(lib):
        out = []
        for kwargs in [dict(dim=2), dict(n_power_iterations=0)]:
            try:
                _PS(lib).spectral_norm(_linear(lib), **kwargs)
            except (IndexError, ValueError) as e:
                out.append((type(e).__name__, str(e)))
        try:
            _PS(lib).spectral_norm(lib.nn.ReLU())
        except ValueError as e:
            out.append(str(e))
        m = _linear(lib)
        _PS(lib).spectral_norm(m, "bias")
        out += [m.bias, _layout(m)]
        return out

    assert_same(program)


# ---- orthogonal -----------------------------------------------------------------------------------

@pytest.mark.parametrize("omap", [None, "matrix_exp", "cayley", "householder"])
def test_orthogonal_square(omap):
    def program(lib):
        m = _linear(lib, W[:3], B[:3])
        _PS(lib).orthogonal(m, orthogonal_map=omap)
        w = m.weight
        (w * lib.tensor(W[:3])).sum().backward()
        pl = m.parametrizations.weight
        return (_layout(m), w.detach(), lib.allclose(w @ w.T, lib.eye(3), atol=1e-5), fresh(pl.original),
                fresh(pl[0].base), fresh(pl.original.grad))

    assert_same(program, rtol=1e-4, atol=1e-5, warnings_=False)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
@pytest.mark.parametrize("omap", [None, "matrix_exp", "cayley", "householder"])
def test_orthogonal_rectangular(shape, omap):
    w0 = W if shape == (4, 3) else W.T.copy()
    # a non-square weight is completed to a square basis with a random block: copy PyTorch's
    torch.manual_seed(0)
    ref = torch.nn.Linear(shape[1], shape[0])
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(w0))
    torch.nn.utils.parametrizations.orthogonal(ref, orthogonal_map=omap)
    base = ref.parametrizations.weight[0].base.numpy().copy()

    def program(lib):
        m = _linear(lib, w0, np.zeros(shape[0], np.float32))
        _PS(lib).orthogonal(m, orthogonal_map=omap)
        pl = m.parametrizations.weight
        with lib.no_grad():
            pl[0].base.copy_(lib.tensor(base))
        w = m.weight
        y = m(lib.tensor(np.ones((2, shape[1]), np.float32)))
        y.pow(3).sum().backward()
        return w.detach(), y, fresh(pl.original.grad), pl[0].orthogonal_map.name

    assert_same(program, rtol=1e-4, atol=1e-5, warnings_=False)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
def test_orthogonal_householder_without_trivialization(shape):
    w0 = {(3, 3): W[:3], (4, 3): W, (3, 4): W.T.copy()}[shape]

    def program(lib):
        m = _linear(lib, w0, np.zeros(shape[0], np.float32))
        _PS(lib).orthogonal(m, orthogonal_map="householder", use_trivialization=False)
        pl = m.parametrizations.weight
        w = m.weight
        w.pow(2).sum().backward()
        return _layout(m), w.detach(), fresh(pl.original), fresh(pl.original.grad), hasattr(pl[0], "base")

    assert_same(program, rtol=1e-4, atol=1e-5)


def test_orthogonal_assign_and_errors():
    def program(lib):
        out = []
        m = _linear(lib, W[:3], B[:3])
        _PS(lib).orthogonal(m)
        q = lib.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
        m.weight = q
        out += [m.weight.detach(), m.parametrizations.weight[0].base]
        for attempt in [lambda: _PS(lib).orthogonal(lib.nn.Linear(3, 3), orthogonal_map="qr"),
                        lambda: _PS(lib).orthogonal(lib.nn.Linear(3, 3), "bias"),
                        lambda: _PS(lib).orthogonal(lib.nn.ReLU()),
                        lambda: setattr(m, "weight", lib.eye(4))]:
            try:
                attempt()
            except ValueError as e:
                out.append(str(e))
        m2 = _linear(lib, W[:3], B[:3])
        _PS(lib).orthogonal(m2, orthogonal_map="cayley", use_trivialization=False)
        out += [m2.weight.detach(), m2.parametrizations.weight.original]
        return out

    assert_same(program, rtol=1e-4, atol=1e-5, warnings_=False)


def test_orthogonal_matrix_exp_registration_warns_nothing():
    def program(lib):
        return _PS(lib).orthogonal(_linear(lib, W[:3], B[:3])).weight.detach()

    assert_same(program, rtol=1e-4, atol=1e-5)


# ---- training through parametrized layers -----------------------------------------------------------

def _train(lib, parametrize, opt_name, steps=6):
    m = _linear(lib)
    parametrize(lib, m)
    head = _linear(lib, np.array([[0.3, -0.2, 0.5, 0.1]], np.float32), np.zeros(1, np.float32))
    params = list(m.parameters()) + list(head.parameters())
    opt = (lib.optim.SGD(params, lr=0.05, momentum=0.9) if opt_name == "sgd" else lib.optim.Adam(params, lr=0.01))
    x = lib.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3))
    target = lib.tensor(np.array([[0.5], [-0.2], [0.1], [0.9], [-0.7]], np.float32))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((head(m(x).tanh()) - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, m.weight.detach(), [fresh(p) for p in params]


_SN_BUFFERS = {}


def _spectral(lib, m):
    if not _SN_BUFFERS:
        _SN_BUFFERS["uv"] = _torch_spectral_buffers(_linear)
    lib.nn.utils.parametrizations.spectral_norm(m)
    _set_buffers(lib, m, *_SN_BUFFERS["uv"])


def _orthogonal_fixed_base(omap):
    torch.manual_seed(0)
    ref = torch.nn.utils.parametrizations.orthogonal(_linear(torch), orthogonal_map=omap)
    base = ref.parametrizations.weight[0].base.numpy().copy()

    def apply(lib, m):
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap)
        with lib.no_grad():
            m.parametrizations.weight[0].base.copy_(lib.tensor(base))
    return apply


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["weight_norm", "spectral_norm", "orthogonal_householder", "orthogonal_cayley",
                                  "orthogonal_matrix_exp"])
def test_training_steps_match_torch(kind, opt_name):
    if kind == "weight_norm":
        def parametrize(lib, m):
            lib.nn.utils.parametrizations.weight_norm(m)
    elif kind == "spectral_norm":
        parametrize = _spectral
    else:
        parametrize = _orthogonal_fixed_base(kind.split("_", 1)[1])

    assert_same(lambda lib: _train(lib, parametrize, opt_name), rtol=1e-4, atol=1e-5, warnings_=False)
