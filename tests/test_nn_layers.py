"""The layer modules of glassgrad.nn against real PyTorch.

Each case builds a layer in both libraries from one factory (`make(lib)`), checks that the state_dict keys and the
repr agree, copies PyTorch's state_dict into the glassgrad layer, then runs the same inputs through both and
compares the outputs, the gradients of the inputs and of every parameter (for the same random output gradient),
and the buffers afterwards (running statistics in train mode). Shapes are tiny."""
import inspect
import math
import warnings

import numpy as np
import pytest

from difftools import glassgrad, torch

RNG = np.random.default_rng(1234)


def rand(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


class Const:
    """An input that does not require grad (targets, indices given as floats...)."""

    def __init__(self, a):
        self.a = a


def _to(lib, x):
    if isinstance(x, Const):
        return _to(lib, x.a) if not isinstance(x.a, np.ndarray) else lib.tensor(x.a.copy())
    if isinstance(x, np.ndarray):
        return lib.tensor(x.copy(), requires_grad=x.dtype.kind == "f")
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], np.ndarray):
        return type(x)(_to(lib, v) for v in x)
    return x


def _np(t):
    return t.detach().numpy()


def _close(t, g, what, rtol, atol):
    assert g is not None and t is not None, f"{what}: torch {t is not None} vs glassgrad {g is not None}"
    assert tuple(g.shape) == tuple(t.shape), f"{what}: shapes torch {tuple(t.shape)} vs glassgrad {tuple(g.shape)}"
    assert str(g.dtype) == str(t.dtype), f"{what}: dtypes torch {t.dtype} vs glassgrad {g.dtype}"
    np.testing.assert_allclose(_np(g), _np(t), rtol=rtol, atol=atol, err_msg=what)


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def check(make, *inputs, kwargs=None, train=True, steps=1, rtol=1e-5, atol=1e-6, pre=None):
    """Builds make(torch) and make(glassgrad), copies the weights across and compares everything observable."""
    kwargs = kwargs or {}
    t_mod, g_mod = make(torch), make(glassgrad)
    t_state = t_mod.state_dict()
    assert list(g_mod.state_dict()) == list(t_state)
    for k, v in g_mod.state_dict().items():
        assert tuple(v.shape) == tuple(t_state[k].shape), k
    g_mod.load_state_dict({k: glassgrad.tensor(v.detach().numpy().copy()) for k, v in t_state.items()})
    assert repr(g_mod) == repr(t_mod)
    t_mod.train(train)
    g_mod.train(train)
    for step in range(steps):
        t_in, g_in = [_to(torch, x) for x in inputs], [_to(glassgrad, x) for x in inputs]
        t_args, g_args = (t_in, g_in) if pre is None else ([pre(x) for x in t_in], [pre(x) for x in g_in])
        t_out, g_out = _outputs(t_mod(*t_args, **kwargs)), _outputs(g_mod(*g_args, **kwargs))
        assert len(t_out) == len(g_out)
        for i, (t, g) in enumerate(zip(t_out, g_out)):
            _close(t, g, f"step {step} output {i}", rtol, atol)
            assert g.requires_grad == t.requires_grad, f"output {i} requires_grad"
        if t_out[0].requires_grad:
            w = RNG.standard_normal(tuple(t_out[0].shape)).astype(np.float32)
            (t_out[0] * torch.tensor(w)).sum().backward()
            (g_out[0] * glassgrad.tensor(w)).sum().backward()
            for i, (t, g) in enumerate(zip(t_in, g_in)):
                if isinstance(t, torch.Tensor) and t.requires_grad:
                    _close(t.grad, g.grad, f"step {step} grad of input {i}", rtol, atol)
            g_params = dict(g_mod.named_parameters())
            for name, t_p in t_mod.named_parameters():
                if t_p.grad is None:
                    assert g_params[name].grad is None, f"grad of {name}"
                else:
                    _close(t_p.grad, g_params[name].grad, f"step {step} grad of {name}", rtol, atol)
    g_bufs = dict(g_mod.named_buffers())
    assert list(g_bufs) == [n for n, _ in t_mod.named_buffers()]
    for name, t_b in t_mod.named_buffers():
        _close(t_b, g_bufs[name], f"buffer {name}", rtol, atol)
    g_params = dict(g_mod.named_parameters())
    for name, t_p in t_mod.named_parameters():
        _close(t_p, g_params[name], f"parameter {name} after forward", rtol, atol)
    return t_mod, g_mod


# ---- linear, shape ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, shape", [
    (lambda t: t.nn.Linear(3, 2), (4, 3)),
    (lambda t: t.nn.Linear(3, 2, bias=False), (2, 4, 3)),
    (lambda t: t.nn.Linear(3, 1), (3,)),
    (lambda t: t.nn.Identity(54, unused=1), (2, 3)),
    (lambda t: t.nn.Flatten(), (2, 3, 2, 2)),
    (lambda t: t.nn.Flatten(0, 1), (2, 3, 2)),
    (lambda t: t.nn.Unflatten(1, (2, 3)), (4, 6)),
    (lambda t: t.nn.Unflatten(-1, [3, -1]), (2, 6)),
])
def test_linear_and_shape_layers(make, shape):
    check(make, rand(*shape))


def test_bilinear():
    check(lambda t: t.nn.Bilinear(3, 2, 4), rand(5, 3), rand(5, 2))
    check(lambda t: t.nn.Bilinear(3, 2, 4, bias=False), rand(2, 5, 3), rand(2, 5, 2))


def test_lazy_linear_infers_in_features_and_becomes_linear():
    for lib in (torch, glassgrad):
        m = lib.nn.LazyLinear(3)
        assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)"
        assert m.has_uninitialized_params()
        y = m(lib.ones(2, 5))
        assert type(m) is lib.nn.Linear and m.in_features == 5
        assert tuple(m.weight.shape) == (3, 5) and tuple(m.bias.shape) == (3,) and tuple(y.shape) == (2, 3)
        bound = 1 / math.sqrt(5)
        assert float(m.weight.detach().abs().max()) <= bound and float(m.bias.detach().abs().max()) <= bound
        # loading a state dict materialises the parameters with the checkpoint's shapes
        lazy = lib.nn.LazyLinear(2, bias=False)
        lazy.load_state_dict({"weight": lib.ones(2, 7)})
        assert tuple(lazy.weight.shape) == (2, 7) and float(lazy.weight.detach().sum()) == 14.0
        lazy(lib.ones(1, 7))
        assert type(lazy) is lib.nn.Linear and lazy.in_features == 7


# ---- convolutions ----------------------------------------------------------------------------------------
CONVS = [
    (lambda t: t.nn.Conv1d(2, 4, 3), (2, 2, 7)),
    (lambda t: t.nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, bias=False), (1, 2, 9)),
    (lambda t: t.nn.Conv1d(2, 2, 3, padding=2, padding_mode="circular", groups=2), (2, 2, 5)),
    (lambda t: t.nn.Conv2d(2, 4, 3, padding=1), (2, 2, 5, 5)),
    (lambda t: t.nn.Conv2d(4, 6, (2, 3), stride=(2, 1), padding=(1, 2), groups=2, padding_mode="reflect"),
     (1, 4, 5, 6)),
    (lambda t: t.nn.Conv2d(2, 3, 4, padding="same", dilation=2, padding_mode="replicate"), (1, 2, 7, 6)),
    (lambda t: t.nn.Conv2d(2, 3, 3, padding="valid"), (2, 5, 5)),
    (lambda t: t.nn.Conv3d(2, 3, 2, padding=1, padding_mode="circular"), (1, 2, 3, 3, 3)),
    (lambda t: t.nn.Conv3d(2, 2, (1, 2, 2), stride=(1, 2, 1), bias=False), (1, 2, 2, 4, 3)),
    (lambda t: t.nn.ConvTranspose1d(2, 3, 3, stride=2), (2, 2, 4)),
    (lambda t: t.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2), (1, 4, 3, 3)),
    (lambda t: t.nn.ConvTranspose2d(2, 3, (2, 3), dilation=2, bias=False), (2, 3, 3)),
]


@pytest.mark.parametrize("make, shape", CONVS)
def test_convolutions(make, shape):
    check(make, rand(*shape), rtol=1e-4, atol=1e-5)


def test_conv_transpose_output_size():
    for size in ([5, 5], [6, 6], [1, 2, 6, 5]):
        check(lambda t: t.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), rand(1, 2, 3, 3),
              kwargs={"output_size": size}, rtol=1e-4, atol=1e-5)
    check(lambda t: t.nn.ConvTranspose1d(2, 1, 2, stride=3), rand(1, 2, 3), kwargs={"output_size": [9]})
    for lib in (torch, glassgrad):
        m = lib.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
        with pytest.raises(ValueError, match=r"requested an output size of \[7, 7\], but valid sizes range from "
                                             r"\[5, 5\] to \[6, 6\] \(for an input of torch.Size\(\[3, 3\]\)\)"):
            m(lib.ones(1, 2, 3, 3), output_size=[7, 7])
        with pytest.raises(ValueError, match=r"ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements "
                                             r"\(got 3\)"):
            m(lib.ones(1, 2, 3, 3), output_size=[1, 6, 6])


@pytest.mark.parametrize("build, cls, msg", [
    (lambda nn: nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda nn: nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels must be divisible by groups"),
    (lambda nn: nn.Conv1d(4, 4, 3, groups=0), ValueError, "groups must be a positive integer"),
    (lambda nn: nn.Conv2d(1, 1, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda nn: nn.Conv2d(1, 1, 3, padding="full"), ValueError, "Invalid padding string 'full'"),
    (lambda nn: nn.Conv2d(1, 1, 3, padding_mode="mirror"), ValueError,
     "padding_mode must be one of .*, but got padding_mode='mirror'"),
    (lambda nn: nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
])
def test_conv_errors(build, cls, msg):
    for lib in (torch, glassgrad):
        with pytest.raises(cls, match=msg):
            build(lib.nn)


# ---- pooling, upsampling, pixel shuffle ------------------------------------------------------------------
POOLS = [
    (lambda t: t.nn.MaxPool1d(2), (2, 3, 6)),
    (lambda t: t.nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 8)),
    (lambda t: t.nn.MaxPool2d(2, return_indices=True), (2, 2, 4, 4)),
    (lambda t: t.nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=(1, 2)), (1, 2, 5, 6)),
    (lambda t: t.nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), (2, 2, 7)),
    (lambda t: t.nn.AvgPool2d(2), (1, 3, 4, 4)),
    (lambda t: t.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, divisor_override=2), (1, 2, 6, 5)),
    (lambda t: t.nn.AdaptiveAvgPool1d(3), (2, 2, 7)),
    (lambda t: t.nn.AdaptiveAvgPool2d((2, None)), (1, 2, 5, 3)),
    (lambda t: t.nn.AdaptiveAvgPool2d(1), (2, 3, 4, 4)),
    (lambda t: t.nn.AdaptiveAvgPool3d((1, 2, 2)), (1, 2, 3, 4, 4)),
    (lambda t: t.nn.AdaptiveMaxPool2d((2, 3), return_indices=True), (1, 2, 5, 6)),
    (lambda t: t.nn.AdaptiveMaxPool1d(2), (2, 3, 5)),
    (lambda t: t.nn.Upsample(scale_factor=2, mode="nearest"), (1, 2, 3, 3)),
    (lambda t: t.nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    (lambda t: t.nn.Upsample(scale_factor=(2, 3)), (1, 1, 2, 2)),
    (lambda t: t.nn.Upsample(scale_factor=1.5, mode="linear"), (1, 2, 4)),
    (lambda t: t.nn.UpsamplingBilinear2d(scale_factor=2), (1, 1, 3, 2)),
    (lambda t: t.nn.UpsamplingNearest2d(size=4), (1, 1, 2, 2)),
    (lambda t: t.nn.PixelShuffle(2), (1, 8, 3, 2)),
    (lambda t: t.nn.PixelShuffle(3), (2, 1, 9, 2, 2)),
    (lambda t: t.nn.PixelUnshuffle(2), (1, 2, 4, 6)),
    (lambda t: t.nn.PixelUnshuffle(3), (2, 6, 3)),
]


@pytest.mark.parametrize("make, shape", POOLS)
def test_pooling_upsampling_pixel_shuffle(make, shape):
    check(make, rand(*shape), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f, shape", [
    (lambda F: F.pixel_shuffle, (2, 5, 3, 3)), (lambda F: F.pixel_shuffle, (5, 3)),
    (lambda F: F.pixel_unshuffle, (2, 2, 5, 4)), (lambda F: F.pixel_unshuffle, (2, 2, 4, 5)),
])
def test_pixel_shuffle_errors(f, shape):
    from glassgrad.nn.modules import _functional
    with pytest.raises(RuntimeError) as t_err:
        f(torch.nn.functional)(torch.ones(shape), 2)
    with pytest.raises(RuntimeError, match=str(t_err.value).replace("(", r"\(").replace(")", r"\)")):
        f(_functional)(glassgrad.ones(shape), 2)


# ---- normalization ---------------------------------------------------------------------------------------
NORMS = [
    (lambda t: t.nn.BatchNorm1d(3), (4, 3), 3),
    (lambda t: t.nn.BatchNorm1d(3, momentum=0.3, eps=1e-3), (4, 3, 5), 2),
    (lambda t: t.nn.BatchNorm2d(3, momentum=None), (2, 3, 2, 2), 3),
    (lambda t: t.nn.BatchNorm2d(3, affine=False, track_running_stats=False), (2, 3, 2, 2), 1),
    (lambda t: t.nn.BatchNorm2d(2, bias=False), (3, 2, 2, 1), 2),
    (lambda t: t.nn.BatchNorm3d(2), (2, 2, 2, 1, 2), 1),
    (lambda t: t.nn.LayerNorm(4), (2, 3, 4), 1),
    (lambda t: t.nn.LayerNorm((3, 4), elementwise_affine=False, eps=1e-3), (2, 3, 4), 1),
    (lambda t: t.nn.LayerNorm([4], bias=False), (3, 4), 1),
    (lambda t: t.nn.GroupNorm(2, 4), (2, 4, 3), 1),
    (lambda t: t.nn.GroupNorm(1, 4, affine=False), (2, 4, 2, 2), 1),
    (lambda t: t.nn.InstanceNorm2d(3), (2, 3, 3, 3), 1),
    (lambda t: t.nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 3, 3), 2),
    (lambda t: t.nn.InstanceNorm2d(2, affine=True), (2, 3, 3), 1),
    (lambda t: t.nn.InstanceNorm1d(2, momentum=0.5, track_running_stats=True), (2, 2, 5), 2),
]


@pytest.mark.parametrize("make, shape, steps", NORMS)
def test_normalization_train(make, shape, steps):
    # each step is a new batch: the running statistics (buffers) must follow PyTorch's updates
    check(make, rand(*shape) * 3 + 1, steps=steps, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make, shape, steps", NORMS)
def test_normalization_eval(make, shape, steps):
    # eval mode uses the running statistics where they are tracked; set them away from their initial values
    def made(lib):
        m = make(lib)
        if getattr(m, "running_mean", None) is not None:
            n = m.running_mean.shape[0]
            with lib.no_grad():
                m.running_mean.copy_(lib.arange(n, dtype=lib.float32) * 0.5)
                m.running_var.copy_(lib.arange(n, dtype=lib.float32) + 0.5)
        return m
    check(made, rand(*shape), train=False, rtol=1e-4, atol=1e-5)


def test_batchnorm_cumulative_average_and_old_checkpoints():
    for lib in (torch, glassgrad):
        bn = lib.nn.BatchNorm1d(2, momentum=None)
        xs = [lib.tensor([[1.0, 2.0], [3.0, 6.0]]), lib.tensor([[5.0, 0.0], [7.0, 2.0]])]
        for x in xs:
            bn(x)
        # momentum=None: running_mean is the plain mean of the batch means, running_var of the unbiased variances
        assert bn.running_mean.tolist() == pytest.approx([0.5 * (2 + 6), 0.5 * (4 + 1)])
        assert bn.running_var.tolist() == pytest.approx([0.5 * (2 + 2), 0.5 * (8 + 2)])
        assert int(bn.num_batches_tracked) == 2
        # a checkpoint from before num_batches_tracked loads strictly
        bn2 = lib.nn.BatchNorm1d(2)
        keys = bn2.load_state_dict({k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"})
        assert list(keys.missing_keys) == [] and int(bn2.num_batches_tracked) == 0
        with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
            bn(lib.ones(1, 2, 1, 1))
        with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
            lib.nn.BatchNorm2d(2)(lib.ones(2, 2))


def test_instance_norm_checks():
    for lib in (torch, glassgrad):
        with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 2"):
            lib.nn.InstanceNorm2d(3, affine=True)(lib.ones(1, 2, 2, 2))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.InstanceNorm2d(3)(lib.ones(1, 2, 2, 2))
        assert "input's size at dim=1 does not match num_features" in str(w[0].message)
        with pytest.raises(ValueError, match="num_channels \\(5\\) must be divisible by num_groups \\(2\\)"):
            lib.nn.GroupNorm(2, 5)
        with pytest.raises(RuntimeError, match='Unexpected running stats buffer\\(s\\) "running_mean" and '
                                               '"running_var" for InstanceNorm1d with track_running_stats=False'):
            lib.nn.InstanceNorm1d(2).load_state_dict({"running_mean": lib.zeros(2), "running_var": lib.ones(2)})


# ---- dropout ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, shape", [
    (lambda t: t.nn.Dropout(0.3), (3, 4)),
    (lambda t: t.nn.Dropout2d(p=0.7, inplace=True), (2, 3, 2, 2)),
    (lambda t: t.nn.Dropout1d(), (2, 3, 4)),
    (lambda t: t.nn.Dropout3d(0.1), (1, 2, 2, 2, 2)),
])
def test_dropout_is_the_identity_in_eval(make, shape):
    check(make, rand(*shape), train=False)


@pytest.mark.parametrize("cls, shape, channels, node", [
    ("Dropout2d", (40, 30, 2, 3), 1200, "MulBackward0"), ("Dropout1d", (40, 30, 5), 1200, "MulBackward0"),
    ("Dropout1d", (50, 6), 50, "SqueezeBackward1"), ("Dropout3d", (20, 2, 2, 2), 20, "SqueezeBackward1")])
def test_channel_dropout_drops_whole_channels(cls, shape, channels, node):
    glassgrad.manual_seed(0)
    x = glassgrad.ones(shape, requires_grad=True)
    y = getattr(glassgrad.nn, cls)(p=0.25)(x)
    y.sum().backward()
    flat = y.detach().numpy().reshape(channels, -1)
    assert np.unique(flat, axis=1).shape[1] == 1, "every channel is dropped or kept as a whole"
    assert set(np.unique(flat)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((flat[:, 0] == 0).mean() - 0.25) < 0.1
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # d(x * mask)/dx = mask
    assert y.grad_fn.name() == node  # PyTorch's nodes: the mask product, squeezed back when unbatched


def test_dropout_modules_repr_and_errors():
    for lib in (torch, glassgrad):
        assert repr(lib.nn.Dropout2d(0.2, inplace=True)) == "Dropout2d(p=0.2, inplace=True)"
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            lib.nn.Dropout(1.5)
        with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
            lib.nn.Dropout1d()(lib.ones(1, 1, 1, 1))
        x = lib.ones(2, 3, 2, 2)
        assert float(lib.nn.Dropout2d(p=1.0)(x).abs().sum()) == 0.0
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.Dropout2d()(lib.ones(2, 3, 4))
        assert "dropout2d: Received a 3D input to dropout2d" in str(w[0].message)


# ---- embeddings ------------------------------------------------------------------------------------------
IDX = np.array([[0, 2, 4, 2], [1, 1, 3, 0]])


@pytest.mark.parametrize("make", [
    lambda t: t.nn.Embedding(5, 3),
    lambda t: t.nn.Embedding(5, 3, padding_idx=1),
    lambda t: t.nn.Embedding(5, 3, padding_idx=-1, scale_grad_by_freq=True),
    lambda t: t.nn.Embedding(5, 3, max_norm=1.0, norm_type=1.0),
])
def test_embedding(make):
    check(make, IDX)


BAGS = [
    (lambda t: t.nn.EmbeddingBag(6, 3, mode="sum"), np.array([0, 2, 4, 5, 4, 1]), np.array([0, 2, 2, 5]), None),
    (lambda t: t.nn.EmbeddingBag(6, 3), np.array([0, 2, 4, 5, 4, 1]), np.array([0, 3]), None),
    (lambda t: t.nn.EmbeddingBag(6, 3, mode="max"), np.array([0, 2, 4, 5, 4, 1]), np.array([0, 1, 1, 4]), None),
    (lambda t: t.nn.EmbeddingBag(6, 3, mode="sum"), np.array([0, 2, 4, 5, 3, 1]), np.array([0, 2, 3]),
     rand(6)),
    (lambda t: t.nn.EmbeddingBag(6, 2, padding_idx=2), np.array([2, 2, 4, 5, 2, 1]), np.array([0, 2, 3]), None),
    (lambda t: t.nn.EmbeddingBag(6, 2, mode="max", padding_idx=0), np.array([1, 0, 4, 5, 2, 0]),
     np.array([0, 1, 3]), None),
    (lambda t: t.nn.EmbeddingBag(6, 2, mode="sum", include_last_offset=True), np.array([0, 2, 4, 5, 4, 1]),
     np.array([0, 2, 5, 6]), None),
    (lambda t: t.nn.EmbeddingBag(6, 2, mode="mean", include_last_offset=True), np.array([0, 2, 4, 5, 4, 1]),
     np.array([0, 1, 6]), None),
    (lambda t: t.nn.EmbeddingBag(6, 3, mode="sum"), IDX, None, rand(2, 4)),
    (lambda t: t.nn.EmbeddingBag(6, 3, mode="max"), IDX, None, None),
    # NOTE: not scale_grad_by_freq: PyTorch's CPU embedding_bag scales by the wrong counts (input [1, 2, 3, 4] in
    # one bag gives row 1 a zero gradient), so there is nothing sound to compare against
    (lambda t: t.nn.EmbeddingBag(6, 3, max_norm=1.5), IDX, None, None),
]


@pytest.mark.parametrize("make, idx, offsets, psw", BAGS)
def test_embedding_bag(make, idx, offsets, psw):
    args = (idx, offsets) if psw is None else (idx, offsets, psw)
    check(make, *args)


def test_embedding_init_padding_and_from_pretrained():
    for lib in (torch, glassgrad):
        emb = lib.nn.Embedding(6, 4, padding_idx=-2)
        assert emb.padding_idx == 4 and emb.weight[4].abs().sum().item() == 0.0
        assert repr(emb) == "Embedding(6, 4, padding_idx=4)"
        w = lib.arange(6.0).reshape(3, 2)
        pre = lib.nn.Embedding.from_pretrained(w)
        assert pre.weight.requires_grad is False and pre.weight.data_ptr() == w.data_ptr()
        assert lib.nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad is True
        bag = lib.nn.EmbeddingBag.from_pretrained(w, mode="sum")
        assert bag.weight.requires_grad is False and bag(lib.tensor([[0, 2]])).tolist() == [[4.0, 6.0]]
        assert repr(bag) == "EmbeddingBag(3, 2, mode='sum')"
        assert repr(lib.nn.EmbeddingBag(3, 2, max_norm=1.0, norm_type=1, scale_grad_by_freq=True, padding_idx=0)) == \
            "EmbeddingBag(3, 2, max_norm=1.0, norm_type=1, scale_grad_by_freq=True, mode='mean', padding_idx=0)"
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            lib.nn.Embedding(3, 2, padding_idx=3)
        with pytest.raises(AssertionError, match="Shape of weight does not match num_embeddings and embedding_dim"):
            lib.nn.Embedding(3, 2, _weight=lib.ones(2, 2))
        bag = lib.nn.EmbeddingBag(3, 2)
        with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
            bag(lib.tensor([[0, 1]]), lib.tensor([0]))
        with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
            bag(lib.tensor([0, 1]))
        with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum' "
                                                      "\\(got mode='mean'\\)"):
            bag(lib.tensor([0, 1]), lib.tensor([0]), lib.ones(2))
        with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
            bag(lib.tensor([0, 1]), lib.tensor([1]))


# ---- activations -----------------------------------------------------------------------------------------
ACTIVATIONS = [
    ("ReLU", {}), ("ReLU", {"inplace": True}), ("ReLU6", {}), ("ReLU6", {"inplace": True}),
    ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2, "inplace": True}), ("ELU", {"alpha": 0.5}),
    ("ELU", {"inplace": True}), ("SELU", {}), ("SELU", {"inplace": True}), ("CELU", {"alpha": 2.0}),
    ("CELU", {"inplace": True}), ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}),
    ("SiLU", {"inplace": True}), ("Mish", {}), ("Softplus", {"beta": 2.0, "threshold": 1.0}), ("Softsign", {}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 0.7}), ("Hardtanh", {"inplace": True}), ("Hardsigmoid", {}),
    ("Hardsigmoid", {"inplace": True}), ("Hardswish", {}), ("Hardswish", {"inplace": True}), ("LogSigmoid", {}),
    ("Tanhshrink", {}), ("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": 0}), ("Softmin", {"dim": -1}),
    ("GLU", {}), ("GLU", {"dim": 0}), ("Sigmoid", {}), ("Tanh", {}),
]


@pytest.mark.parametrize("name, kw", ACTIVATIONS, ids=[f"{n}-{k}" for n, k in ACTIVATIONS])
def test_activations(name, kw):
    x = rand(4, 6, lo=-4, hi=4)
    # in-place activations need a non-leaf input
    check(lambda t: getattr(t.nn, name)(**kw), x, pre=(lambda v: v * 1) if kw.get("inplace") else None)


def test_softmax2d_and_inplace_returns_its_input():
    check(lambda t: t.nn.Softmax2d(), rand(2, 3, 2, 2))
    check(lambda t: t.nn.Softmax2d(), rand(3, 2, 2))
    for lib in (torch, glassgrad):
        x = lib.tensor([-1.0, 2.0])
        assert lib.nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 2.0]
        with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
            lib.nn.Softmax2d()(lib.ones(2, 2))
        with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than min_val \(2.0\)"):
            lib.nn.Hardtanh(2.0, 1.0)


# ---- losses ----------------------------------------------------------------------------------------------
P = RNG.uniform(0.05, 0.95, size=(3, 4)).astype(np.float32)
Y01 = (RNG.uniform(size=(3, 4)) > 0.5).astype(np.float32)
PM1 = np.where(RNG.uniform(size=3) > 0.5, 1.0, -1.0).astype(np.float32)
LOSSES = [
    (lambda t: t.nn.MSELoss(), (rand(3, 4), rand(3, 4))),
    (lambda t: t.nn.MSELoss(reduction="sum"), (rand(3, 4), Const(rand(3, 4)))),
    (lambda t: t.nn.L1Loss(reduction="none"), (rand(3, 4), rand(3, 4))),
    (lambda t: t.nn.SmoothL1Loss(beta=0.5), (rand(3, 4) * 2, rand(3, 4))),
    (lambda t: t.nn.HuberLoss(delta=0.5, reduction="sum"), (rand(3, 4) * 2, rand(3, 4))),
    (lambda t: t.nn.CrossEntropyLoss(), (rand(3, 4), np.array([0, 3, 1]))),
    (lambda t: t.nn.CrossEntropyLoss(weight=t.tensor([1.0, 2.0, 0.5, 1.0]), ignore_index=1, label_smoothing=0.1),
     (rand(4, 4, 2), np.array([[0, 1], [3, 1], [2, 2], [1, 0]]))),
    (lambda t: t.nn.CrossEntropyLoss(reduction="none"), (rand(3, 4), Const(P / P.sum(1, keepdims=True)))),
    (lambda t: t.nn.NLLLoss(weight=t.tensor([0.5, 1.0, 2.0, 1.0]), reduction="sum"), (rand(3, 4),
                                                                                       np.array([2, 0, 3]))),
    (lambda t: t.nn.NLLLoss(ignore_index=0), (rand(3, 4), np.array([2, 0, 3]))),
    (lambda t: t.nn.BCELoss(), (P, Const(Y01))),
    (lambda t: t.nn.BCELoss(weight=t.tensor([1.0, 2.0, 0.5, 1.0]), reduction="none"), (P, Const(Y01))),
    (lambda t: t.nn.BCEWithLogitsLoss(pos_weight=t.tensor([1.0, 3.0, 0.5, 2.0])), (rand(3, 4) * 3, Const(Y01))),
    (lambda t: t.nn.BCEWithLogitsLoss(weight=t.tensor([2.0, 1.0, 1.0, 1.0]), reduction="sum"), (rand(3, 4),
                                                                                                 rand(3, 4))),
    (lambda t: t.nn.KLDivLoss(reduction="batchmean"), (np.log(P), Const(P))),
    (lambda t: t.nn.KLDivLoss(reduction="sum", log_target=True), (np.log(P), np.log(P[::-1].copy()))),
    (lambda t: t.nn.PoissonNLLLoss(), (rand(3, 4), Const(Y01 * 3))),
    (lambda t: t.nn.PoissonNLLLoss(log_input=False, full=True, reduction="none"), (P * 2, Const(Y01 * 3 + 2))),
    (lambda t: t.nn.GaussianNLLLoss(), (rand(3, 4), rand(3, 4), P)),
    (lambda t: t.nn.GaussianNLLLoss(full=True, eps=0.1, reduction="sum"), (rand(3, 4), rand(3, 4), P[:, :1].copy())),
    (lambda t: t.nn.MarginRankingLoss(margin=0.5), (rand(3), rand(3), Const(PM1))),
    (lambda t: t.nn.HingeEmbeddingLoss(margin=2.0, reduction="sum"), (rand(3, 4), Const(np.sign(rand(3, 4))))),
    (lambda t: t.nn.CosineEmbeddingLoss(margin=0.2), (rand(3, 4), rand(3, 4), Const(PM1))),
    (lambda t: t.nn.TripletMarginLoss(), (rand(3, 4), rand(3, 4), rand(3, 4))),
    (lambda t: t.nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True, reduction="none"), (rand(3, 4), rand(3, 4),
                                                                                        rand(3, 4))),
    (lambda t: t.nn.SoftMarginLoss(), (rand(3, 4), Const(np.sign(rand(3, 4))))),
    (lambda t: t.nn.MultiLabelSoftMarginLoss(weight=t.tensor([1.0, 2.0, 0.5, 1.0])), (rand(3, 4), Const(Y01))),
    (lambda t: t.nn.PairwiseDistance(p=1.0, keepdim=True), (rand(3, 4), rand(3, 4))),
    (lambda t: t.nn.CosineSimilarity(dim=0), (rand(3, 4), rand(3, 4))),
]


@pytest.mark.parametrize("make, inputs", LOSSES)
def test_losses(make, inputs):
    check(make, *inputs, rtol=1e-5, atol=1e-5)


def test_loss_buffers_and_legacy_arguments():
    for lib in (torch, glassgrad):
        loss = lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(2))
        assert list(loss.state_dict()) == ["pos_weight"] and loss.weight is None
        assert list(dict(loss.named_buffers())) == ["pos_weight"]
        assert list(lib.nn.CrossEntropyLoss().state_dict()) == []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            legacy = lib.nn.MSELoss(size_average=False)
        assert legacy.reduction == "sum"
        assert [str(m.message) for m in w] == [
            "size_average and reduce args will be deprecated, please use reduction='sum' instead."]
        with pytest.warns(UserWarning, match="please use reduction='none' instead"):
            assert lib.nn.L1Loss(reduce=False).reduction == "none"
        with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0, got 0"):
            lib.nn.TripletMarginLoss(margin=0)
        with pytest.raises(TypeError, match="delta must be a float or int, got: <class 'str'>"):
            lib.nn.HuberLoss(delta="1")


# ---- what every layer shares -----------------------------------------------------------------------------
def test_every_layer_has_torchs_signature():
    from glassgrad.nn.modules import layers
    assert len(layers.__all__) > 75
    for name in layers.__all__:
        ours, theirs = getattr(glassgrad.nn, name), getattr(torch.nn, name)
        for method in ("__init__", "forward"):
            sig = inspect.signature(getattr(ours, method))
            tsig = inspect.signature(getattr(theirs, method))
            assert [(p.name, p.kind, repr(p.default)) for p in sig.parameters.values()] == \
                [(p.name, p.kind, repr(p.default)) for p in tsig.parameters.values()], f"{name}.{method}"


@pytest.mark.parametrize("make", [
    lambda nn: nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                             nn.MaxPool2d(2), nn.Dropout2d(0.1), nn.Flatten(), nn.Linear(8 * 4 * 4, 10),
                             nn.LogSoftmax(dim=1)),
    lambda nn: nn.ModuleDict({"emb": nn.Embedding(10, 4, padding_idx=0), "norm": nn.LayerNorm(4),
                              "loss": nn.CrossEntropyLoss(label_smoothing=0.1), "up": nn.Upsample(scale_factor=2),
                              "pool": nn.AdaptiveAvgPool2d((1, 1)), "gelu": nn.GELU(), "ln": nn.GroupNorm(2, 4),
                              "soft": nn.Softmax(dim=-1), "ct": nn.ConvTranspose2d(4, 2, 2, stride=2)}),
])
def test_model_reprs_and_state_dict_keys(make):
    t_model, g_model = make(torch.nn), make(glassgrad.nn)
    assert repr(g_model) == repr(t_model)
    assert list(g_model.state_dict()) == list(t_model.state_dict())


def _uniform_stats(t, bound):
    a = t.detach().numpy().astype(np.float64).ravel()
    assert a.min() >= -bound and a.max() <= bound
    assert a.max() > 0.95 * bound and a.min() < -0.95 * bound
    assert abs(a.mean()) < 0.05 * bound and abs(a.var() / (bound ** 2 / 3) - 1) < 0.05


@pytest.mark.parametrize("make, fan_in", [
    (lambda nn: nn.Linear(200, 150), 200),
    (lambda nn: nn.Conv2d(8, 200, 3), 72),
    (lambda nn: nn.Conv1d(6, 300, 5, groups=3), 10),
    (lambda nn: nn.ConvTranspose2d(200, 8, 3), 72),  # NOTE: PyTorch's fan_in of a transposed conv is size(1) * k
    (lambda nn: nn.Bilinear(20, 30, 40), 20),
])
def test_default_initialisation_bounds(make, fan_in):
    glassgrad.manual_seed(0)
    m = make(glassgrad.nn)
    bound = 1 / math.sqrt(fan_in)
    _uniform_stats(m.weight, bound)
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.5 * bound
    glassgrad.manual_seed(0)
    np.testing.assert_array_equal(make(glassgrad.nn).weight.detach().numpy(), m.weight.detach().numpy())
    assert m.weight.is_leaf and m.weight.grad_fn is None and m.weight.requires_grad


def test_default_initialisation_embedding_and_norms():
    glassgrad.manual_seed(0)
    w = glassgrad.nn.Embedding(1000, 50, padding_idx=3).weight.detach().numpy().astype(np.float64)
    assert np.all(w[3] == 0)
    rest = np.delete(w, 3, axis=0)
    assert abs(rest.mean()) < 0.02 and abs(rest.std() - 1) < 0.02
    bn = glassgrad.nn.BatchNorm1d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert bn.running_var.tolist() == [1.0] * 3 and bn.num_batches_tracked.dtype == glassgrad.int64
    assert glassgrad.nn.Linear(2, 3, dtype=glassgrad.float64).weight.dtype == glassgrad.float64
