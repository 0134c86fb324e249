"""nn.init against PyTorch: the gains and fans exactly, the errors and warnings word for word, and the random
initialisers by their distributions (bounds and moments), since glassgrad's generator does not reproduce
PyTorch's numbers. Every initialiser must return its tensor, record no graph and move its version."""
import math
import warnings

import numpy as np
import pytest

from difftools import glassgrad, torch

LIBS = [torch, glassgrad]


def _np(t):
    return t.detach().numpy().astype(np.float64).ravel()


# ---- gains and fans ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
    ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 3), ("leaky_relu", math.sqrt(5)),
    ("selu", None), ("tanh", 7),
])
def test_calculate_gain(nonlinearity, param):
    ours = glassgrad.nn.init.calculate_gain(nonlinearity, param)
    theirs = torch.nn.init.calculate_gain(nonlinearity, param)
    assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize("nonlinearity, param, msg", [
    ("leaky_relu", True, "negative_slope True not a valid number"),
    ("leaky_relu", "0.1", "negative_slope 0.1 not a valid number"),
    ("softmax", None, "Unsupported nonlinearity softmax"),
])
def test_calculate_gain_errors(nonlinearity, param, msg):
    for lib in LIBS:
        with pytest.raises(ValueError, match=f"^{msg}$"):
            lib.nn.init.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (6, 2, 3, 5), (2, 0), (1, 1, 1, 1, 7)])
def test_fan_in_and_fan_out(shape):
    assert glassgrad.nn.init._calculate_fan_in_and_fan_out(glassgrad.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


# ---- errors and warnings -------------------------------------------------------------------------------------
ERRORS = [
    (lambda lib, i: i._calculate_fan_in_and_fan_out(lib.zeros(3)), ValueError),
    (lambda lib, i: i.xavier_uniform_(lib.zeros(3)), ValueError),
    (lambda lib, i: i.kaiming_normal_(lib.zeros(2, 3), mode="fan_avg"), ValueError),
    (lambda lib, i: i.kaiming_uniform_(lib.zeros(2, 3), nonlinearity="swish"), ValueError),
    (lambda lib, i: i.eye_(lib.zeros(3)), ValueError),
    (lambda lib, i: i.dirac_(lib.zeros(3, 3)), ValueError),
    (lambda lib, i: i.dirac_(lib.zeros(3, 3, 3), groups=2), ValueError),
    (lambda lib, i: i.orthogonal_(lib.zeros(3)), ValueError),
    (lambda lib, i: i.sparse_(lib.zeros(3), 0.5), ValueError),
    (lambda lib, i: i.uniform_(lib.zeros(3), 1.0, 0.0), RuntimeError),
    (lambda lib, i: i.normal_(lib.zeros(3), 0.0, -1.0), RuntimeError),
    (lambda lib, i: i.uniform_(lib.zeros(3, dtype=lib.long)), NotImplementedError),
    (lambda lib, i: i.normal_(lib.zeros(3, dtype=lib.long)), NotImplementedError),
]


@pytest.mark.parametrize("call, cls", ERRORS)
def test_errors(call, cls):
    with pytest.raises(cls) as t_err:
        call(torch, torch.nn.init)
    with pytest.raises(cls) as g_err:
        call(glassgrad, glassgrad.nn.init)
    assert str(g_err.value) == str(t_err.value)


@pytest.mark.parametrize("call, category, msg", [
    (lambda lib: lib.nn.init.kaiming_uniform_(lib.zeros(0, 3)), UserWarning,
     "Initializing zero-element tensors is a no-op"),
    (lambda lib: lib.nn.init.kaiming_normal_(lib.zeros(2, 0)), UserWarning,
     "Initializing zero-element tensors is a no-op"),
    (lambda lib: lib.nn.init.trunc_normal_(lib.zeros(3), mean=10.0), UserWarning,
     "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect."),
    (lambda lib: lib.nn.init.uniform(lib.zeros(3)), FutureWarning,
     "`nn.init.uniform` is now deprecated in favor of `nn.init.uniform_`."),
    (lambda lib: lib.nn.init.kaiming_normal(lib.zeros(3, 2)), FutureWarning,
     "`nn.init.kaiming_normal` is now deprecated in favor of `nn.init.kaiming_normal_`."),
])
def test_warnings(call, category, msg):
    for lib in LIBS:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            call(lib)
        assert [(x.category, str(x.message)) for x in w] == [(category, msg)]


# ---- no graph, the same tensor, a new version ------------------------------------------------------------
INITS = [
    lambda i, t: i.uniform_(t, -2.0, 3.0), lambda i, t: i.normal_(t, 1.0, 0.5), lambda i, t: i.constant_(t, 0.3),
    lambda i, t: i.ones_(t), lambda i, t: i.zeros_(t), lambda i, t: i.eye_(t), lambda i, t: i.xavier_uniform_(t),
    lambda i, t: i.xavier_normal_(t, gain=2.0), lambda i, t: i.kaiming_uniform_(t, a=1.0),
    lambda i, t: i.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), lambda i, t: i.trunc_normal_(t),
    lambda i, t: i.orthogonal_(t), lambda i, t: i.sparse_(t, 0.5),
]


@pytest.mark.parametrize("fill", INITS)
def test_initialisers_record_no_graph(fill):
    for lib in LIBS:
        p = lib.nn.Parameter(lib.empty(4, 3))
        v = p._version
        assert fill(lib.nn.init, p) is p
        assert p.is_leaf and p.grad_fn is None and p.requires_grad and p.dtype == lib.float32
        assert p._version > v
        d = lib.empty(4, 3, dtype=lib.float64)
        assert fill(lib.nn.init, d).dtype == lib.float64


def test_deterministic_values():
    for fill in (lambda i, t: i.eye_(t), lambda i, t: i.constant_(t, -1.5), lambda i, t: i.ones_(t),
                 lambda i, t: i.zeros_(t)):
        for shape in ((3, 5), (4, 2)):
            np.testing.assert_array_equal(fill(glassgrad.nn.init, glassgrad.empty(shape)).numpy(),
                                          fill(torch.nn.init, torch.empty(shape)).numpy())
    for shape, groups in (((4, 2, 3), 1), ((6, 2, 3, 4), 2), ((2, 3, 3, 3, 2), 1), ((4, 4, 5), 4)):
        np.testing.assert_array_equal(glassgrad.nn.init.dirac_(glassgrad.empty(shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    t = torch.nn.init.constant_(torch.zeros(3, dtype=torch.long), 2.5)
    assert glassgrad.nn.init.constant_(glassgrad.zeros(3, dtype=glassgrad.long), 2.5).tolist() == t.tolist()


def test_generator_and_seed_reproduce():
    init = glassgrad.nn.init
    g1, g2 = glassgrad.Generator().manual_seed(7), glassgrad.Generator().manual_seed(7)
    a = init.normal_(glassgrad.empty(5), generator=g1)
    b = init.normal_(glassgrad.empty(5), generator=g2)
    assert a.tolist() == b.tolist()
    glassgrad.manual_seed(3)
    c = init.kaiming_uniform_(glassgrad.empty(4, 4)).tolist()
    glassgrad.manual_seed(3)
    assert init.kaiming_uniform_(glassgrad.empty(4, 4)).tolist() == c
    assert init.kaiming_uniform_(glassgrad.empty(4, 4)).tolist() != c


# ---- distributions ---------------------------------------------------------------------------------------
def _assert_uniform(a, lo, hi):
    assert a.min() >= lo and a.max() <= hi
    width = hi - lo
    assert a.min() < lo + 0.01 * width and a.max() > hi - 0.01 * width
    assert abs(a.mean() - (lo + hi) / 2) < 0.02 * width
    assert abs(a.var() / (width ** 2 / 12) - 1) < 0.03


def _assert_normal(a, mean, std):
    assert abs(a.mean() - mean) < 0.02 * std
    assert abs(a.std() / std - 1) < 0.02
    assert abs(np.mean(((a - mean) / std) ** 4) - 3) < 0.15  # the kurtosis of a normal


SHAPE = (300, 40, 5)  # fan_in 200, fan_out 1500
FAN_IN, FAN_OUT = 200, 1500


def test_uniform_and_normal():
    init = glassgrad.nn.init
    _assert_uniform(_np(init.uniform_(glassgrad.empty(SHAPE))), 0.0, 1.0)
    _assert_uniform(_np(init.uniform_(glassgrad.empty(SHAPE), -3.0, -1.0)), -3.0, -1.0)
    _assert_normal(_np(init.normal_(glassgrad.empty(SHAPE))), 0.0, 1.0)
    _assert_normal(_np(init.normal_(glassgrad.empty(SHAPE), mean=2.0, std=0.1)), 2.0, 0.1)


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier(gain):
    init = glassgrad.nn.init
    bound = gain * math.sqrt(6.0 / (FAN_IN + FAN_OUT))
    _assert_uniform(_np(init.xavier_uniform_(glassgrad.empty(SHAPE), gain=gain)), -bound, bound)
    _assert_normal(_np(init.xavier_normal_(glassgrad.empty(SHAPE), gain=gain)), 0.0,
                   gain * math.sqrt(2.0 / (FAN_IN + FAN_OUT)))


@pytest.mark.parametrize("a, mode, nonlinearity", [
    (0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"), (0, "fan_out", "relu"),
    (0.3, "FAN_OUT", "tanh"), (0, "fan_in", "selu"), (0, "fan_in", "linear"),
])
def test_kaiming(a, mode, nonlinearity):
    init = glassgrad.nn.init
    fan = FAN_IN if mode.lower() == "fan_in" else FAN_OUT
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    _assert_uniform(_np(init.kaiming_uniform_(glassgrad.empty(SHAPE), a=a, mode=mode, nonlinearity=nonlinearity)),
                    -math.sqrt(3.0) * std, math.sqrt(3.0) * std)
    _assert_normal(_np(init.kaiming_normal_(glassgrad.empty(SHAPE), a=a, mode=mode, nonlinearity=nonlinearity)),
                   0.0, std)


def _truncated_moments(mean, std, a, b):
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    al, be = (a - mean) / std, (b - mean) / std
    z = cdf(be) - cdf(al)
    m = (phi(al) - phi(be)) / z
    var = 1 + (al * phi(al) - be * phi(be)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.2, 0.0, 0.6), (0.0, 0.02, -0.04, 0.04),
                                             (1.0, 2.0, 0.0, 10.0), (0.0, 1.0, 1.5, 3.0)])
def test_trunc_normal(mean, std, a, b):
    x = _np(glassgrad.nn.init.trunc_normal_(glassgrad.empty(SHAPE), mean=mean, std=std, a=a, b=b))
    assert x.min() >= a and x.max() <= b
    m, s = _truncated_moments(mean, std, a, b)
    assert abs(x.mean() - m) < 0.02 * s and abs(x.std() / s - 1) < 0.02
    # the same bounds and moments as PyTorch's own sampler (slow where [a, b] holds little of the mass: fewer draws)
    torch.manual_seed(0)
    t = _np(torch.nn.init.trunc_normal_(torch.empty(60, 100), mean=mean, std=std, a=a, b=b))
    assert t.min() >= a and t.max() <= b
    assert abs(t.mean() - m) < 0.05 * s and abs(t.std() / s - 1) < 0.05


@pytest.mark.parametrize("shape, gain", [((5, 5), 1.0), ((3, 8), 2.0), ((8, 3), 1.0), ((4, 2, 3), 0.5),
                                         ((6, 2, 1, 1), 1.0)])
def test_orthogonal(shape, gain):
    w = glassgrad.nn.init.orthogonal_(glassgrad.empty(shape), gain=gain).numpy().astype(np.float64)
    q = w.reshape(shape[0], -1)
    small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
    np.testing.assert_allclose(small, gain ** 2 * np.eye(small.shape[0]), atol=1e-5)
    # not a fixed matrix: two draws differ
    assert not np.allclose(glassgrad.nn.init.orthogonal_(glassgrad.empty(shape)).numpy(), w / gain)


def test_sparse():
    w = glassgrad.nn.init.sparse_(glassgrad.empty(10, 400), sparsity=0.25, std=0.5).numpy()
    zeros_per_column = (w == 0).sum(axis=0)
    assert np.all(zeros_per_column == 3)  # ceil(0.25 * 10), at random rows
    assert len({tuple(np.flatnonzero(w[:, j] == 0)) for j in range(w.shape[1])}) > 50
    assert abs(w[w != 0].std() / 0.5 - 1) < 0.05


def test_tensor_random_fillers_behave_like_torch():
    """Tensor.uniform_/normal_/bernoulli_/exponential_: in place (version bump), refused on a leaf that requires
    grad outside no_grad, bounds and errors as PyTorch's; the values come from glassgrad's own generator."""
    import difftools
    for m in (glassgrad, difftools.torch):
        x = m.zeros(200, 50)
        x.uniform_(-1, 2)
        assert x._version == 1 and float(x.min()) >= -1 and float(x.max()) < 2
        x.normal_(3, 0.5)
        assert abs(float(x.mean()) - 3) < 0.02 and abs(float(x.std()) - 0.5) < 0.02
        x.bernoulli_(0.25)
        assert set(x.unique().tolist()) == {0.0, 1.0} and abs(float(x.mean()) - 0.25) < 0.02
        x.exponential_(2.0)
        assert float(x.min()) >= 0 and abs(float(x.mean()) - 0.5) < 0.02
        w = m.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            w.normal_()
        with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"):
            m.zeros(2).uniform_(2, 1)
