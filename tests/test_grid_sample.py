"""nn.functional.grid_sample and affine_grid against PyTorch: values and gradients (input and grid) over every mode,
padding mode and align_corners, 2-d and 3-d, in and far out of range; second-order gradients; float64 gradcheck;
the errors and warnings PyTorch gives; affine_grid's exact base grid and its gradient."""
import itertools

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad, torch

MODES = ["bilinear", "nearest", "bicubic"]
PADS = ["zeros", "border", "reflection"]


def _grid(rng, shape, far=False):
    """Positions mostly around [-1, 1], some far out (several reflections), and a few exact landmarks (the edges,
    the centre) that every padding mode treats specially."""
    g = rng.uniform(-1.3, 1.3, shape)
    flat = g.reshape(-1)
    if far:
        flat[::3] = rng.uniform(-7.5, 7.5, flat[::3].shape)
    flat[1:24:5] = [-1.0, 1.0, 0.0, 0.5, -0.5][:len(flat[1:24:5])]
    return g


def _weights(y_shape, dtype):
    return np.cos(np.arange(int(np.prod(y_shape)))).reshape(y_shape).astype(dtype)


def _program(x, g, **kw):
    def program(lib):
        X = lib.tensor(x, requires_grad=True)
        G = lib.tensor(g, requires_grad=True)
        y = lib.nn.functional.grid_sample(X, G, **kw)
        (y * lib.tensor(_weights(tuple(y.shape), x.dtype))).sum().backward()
        return y, X, G
    return program


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 2e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_2d(mode, pad, align, dtype):
    rng = np.random.default_rng([MODES.index(mode), PADS.index(pad), align])
    x = rng.standard_normal((2, 3, 5, 6)).astype(dtype)
    g = _grid(rng, (2, 4, 7, 2), far=True).astype(dtype)
    assert_same(_program(x, g, mode=mode, padding_mode=pad, align_corners=align), **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_3d(mode, pad, align, dtype):
    rng = np.random.default_rng([MODES.index(mode), PADS.index(pad), align, 3])
    x = rng.standard_normal((2, 2, 3, 4, 5)).astype(dtype)
    g = _grid(rng, (2, 2, 3, 4, 3), far=True).astype(dtype)
    assert_same(_program(x, g, mode=mode, padding_mode=pad, align_corners=align), **_tol(dtype))


@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("mode", MODES)
def test_exact_landmarks(mode, pad):
    """Positions on pixel centres, edges, half-pixels (nearest's ties round half to even) and one pixel size."""
    pos = [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, -1.25, 1.5]
    g = np.array(list(itertools.product(pos, pos[::2])), np.float32).reshape(1, len(pos), -1, 2)
    x = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4) ** 1.5
    for align in (False, True):
        assert_same(_program(x, g, mode=mode, padding_mode=pad, align_corners=align), rtol=1e-5, atol=1e-5)


def test_unit_sized_axes():
    """A size-1 axis: align_corners=True maps the whole axis to its one pixel, and reflection has no span."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 1, 4))
    g = rng.uniform(-2, 2, (1, 3, 3, 2))
    for mode, pad, align in itertools.product(MODES, PADS, (False, True)):
        assert_same(_program(x, g, mode=mode, padding_mode=pad, align_corners=align), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_grid_forward(value):
    """Non-finite positions: border and reflection read them as the first pixel, zeros padding gives 0 (nearest)
    or NaN (the interpolating modes weight zero by NaN). Forward only: PyTorch's own backward crashes there."""
    x = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)
    g = np.array([[[[value, 0.3], [0.2, value], [value, value]]]], np.float32)
    for mode, pad, align in itertools.product(MODES, PADS, (False, True)):
        def program(lib):
            return lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(g), mode=mode, padding_mode=pad,
                                                 align_corners=align)
        assert_same(program)


def test_grad_of_one_side_and_grad_fn():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    g = rng.uniform(-1, 1, (1, 2, 2, 2)).astype(np.float32)

    def program(lib):
        X, G = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        F = lib.nn.functional
        a = F.grid_sample(X, lib.tensor(g), align_corners=True)
        b = F.grid_sample(lib.tensor(x), G, align_corners=True)
        c = F.grid_sample(lib.tensor(x), lib.tensor(g), align_corners=True)
        (a.sum() + b.sum()).backward()
        return a, b, c, X, G
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
def test_nearest_grid_gradient_is_zero_not_none(mode):
    def program(lib):
        G = lib.tensor([[[[0.3, -0.2]]]], requires_grad=True)
        lib.nn.functional.grid_sample(lib.ones(1, 1, 2, 2), G, mode=mode, align_corners=False).sum().backward()
        return G.grad
    assert_same(program)


@pytest.mark.parametrize("shapes", [((0, 3, 4, 5), (0, 2, 2, 2)), ((2, 0, 4, 5), (2, 2, 2, 2)),
                                    ((2, 3, 4, 5), (2, 0, 2, 2)), ((1, 1, 2, 2, 2), (1, 0, 1, 1, 3))])
def test_empty(shapes):
    xs, gs = shapes

    def program(lib):
        X = lib.zeros(*xs, requires_grad=True)
        G = lib.zeros(*gs, requires_grad=True)
        y = lib.nn.functional.grid_sample(X, G, align_corners=True)
        y.sum().backward()
        return y, X, G
    assert_same(program)


@pytest.mark.parametrize("nd, mode", [(2, m) for m in MODES] + [(3, "bilinear"), (3, "nearest")])
def test_second_order(nd, mode):
    """Gradients of gradients: PyTorch's double backward is exact (grid_sample's weights are polynomials)."""
    rng = np.random.default_rng(nd * 10 + MODES.index(mode))
    x = rng.standard_normal((2, 2) + (3, 4, 5)[3 - nd:])
    g = rng.uniform(-1.4, 1.4, (2,) + (2, 3, 2)[3 - nd:] + (nd,))
    for pad, align in itertools.product(PADS, (False, True)):
        def program(lib):
            X, G = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
            y = lib.nn.functional.grid_sample(X, G, mode=mode, padding_mode=pad, align_corners=align)
            gx, gg = lib.autograd.grad((y * y * lib.tensor(_weights(tuple(y.shape), x.dtype))).sum(), (X, G),
                                       create_graph=True)
            names = [gx.grad_fn.name(), gg.grad_fn.name()]
            hx, hg = lib.autograd.grad((gx * gx).sum() + (gg * gg.sin()).sum(), (X, G))
            return gx, gg, fresh(hx), fresh(hg), names
        assert_same(program, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("case", [("bilinear", "zeros", False), ("bilinear", "reflection", True),
                                  ("bicubic", "border", False), ("bicubic", "zeros", True),
                                  ("nearest", "reflection", False)])
def test_gradcheck(case):
    mode, pad, align = case
    rng = np.random.default_rng(7)
    x = glassgrad.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    # away from whole pixels, where the interpolation has kinks
    g = glassgrad.tensor(rng.uniform(-1.6, 1.6, (1, 2, 3, 2)), requires_grad=True)
    F = glassgrad.nn.functional

    def fn(a, b):
        return F.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=align)
    assert glassgrad.autograd.gradcheck(fn, (x, g))
    if mode != "nearest":
        assert glassgrad.autograd.gradgradcheck(fn, (x, g))


def test_gradcheck_3d():
    rng = np.random.default_rng(8)
    x = glassgrad.tensor(rng.standard_normal((1, 2, 2, 3, 3)), requires_grad=True)
    g = glassgrad.tensor(rng.uniform(-1.3, 1.3, (1, 2, 1, 2, 3)), requires_grad=True)
    F = glassgrad.nn.functional
    for pad in PADS:
        def fn(a, b):
            return F.grid_sample(a, b, padding_mode=pad, align_corners=False)
        assert glassgrad.autograd.gradcheck(fn, (x, g))
        assert glassgrad.autograd.gradgradcheck(fn, (x, g))


def test_saved_input_modified_in_place():
    def program(lib):
        X = lib.ones(1, 1, 2, 2, requires_grad=True).clone()
        y = lib.nn.functional.grid_sample(X, lib.zeros(1, 1, 1, 2), align_corners=True)
        X.mul_(2)
        y.sum().backward()
    assert_same(program)


def test_torch_grid_sampler():
    rng = np.random.default_rng(9)
    x, g = rng.standard_normal((1, 2, 3, 4)), rng.uniform(-1.2, 1.2, (1, 2, 2, 2))
    for m, p, align in itertools.product(range(3), range(3), (False, True)):
        assert_same(lambda lib: lib.grid_sampler(lib.tensor(x), lib.tensor(g), m, p, align))


# ---- errors and warnings ---------------------------------------------------------------------------
def _call(xs, gs, xdt="float32", gdt="float32", **kw):
    def program(lib):
        x = lib.zeros(*xs, dtype=getattr(lib, xdt))
        g = lib.zeros(*gs, dtype=getattr(lib, gdt))
        return lib.nn.functional.grid_sample(x, g, **{"align_corners": False, **kw})
    return program


ERRORS = [
    (_call((2, 3, 4, 5), (1, 6, 7, 2)), RuntimeError, "expected grid and input to have same batch size"),
    (_call((2, 3, 4, 5), (2, 6, 7, 3)), RuntimeError, "expected grid to have size 2 in last dimension"),
    (_call((2, 3, 4, 5), (2, 6, 2)), RuntimeError, "expected 4D input and grid with same number of dimensions"),
    (_call((2, 3, 4, 5), (2,)), RuntimeError, "expected 4D input and grid"),
    (_call((3, 4, 5), (2, 6, 2)), RuntimeError, "same batch size"),
    (_call((2, 3, 4), (2, 6, 1)), RuntimeError, "expected 5D input and grid with same number of dimensions"),
    (_call((2, 3, 4, 1, 1, 1), (2, 6, 1, 1, 1, 4)), RuntimeError, "expected 5D input"),
    (_call((2, 3, 4, 5, 6), (2, 6, 7, 3)), RuntimeError, "expected 5D input"),
    (_call((2, 3, 0, 5), (2, 6, 7, 2)), RuntimeError, "with dimension 2 being empty"),
    (_call((2, 3, 4, 5, 6), (2, 1, 6, 7, 3), mode="bicubic"), RuntimeError, "bicubic interpolation only supports 4D"),
    (_call((2, 3, 4, 5, 6), (2, 1, 6, 7, 3), "int64", mode="bicubic"), RuntimeError, "bicubic interpolation"),
    (_call((2, 3, 4, 5), (3, 6, 7, 2), "int64"), RuntimeError, "same batch size"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), "float32", "float64"), RuntimeError,
     "expected scalar type Float but found Double"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), "float64", "float32"), RuntimeError,
     "expected scalar type Double but found Float"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), "float32", "int64"), RuntimeError, "expected scalar type Float but found Long"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), "int64"), NotImplementedError,
     "\"grid_sampler_2d_cpu_kernel_impl\" not implemented for 'Long'"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), "bool", "bool"), NotImplementedError, "not implemented for 'Bool'"),
    (_call((1, 1, 2, 2, 2), (1, 1, 1, 1, 3), "int64", "int64"), NotImplementedError,
     "\"grid_sampler3d_cpu\" not implemented for 'Long'"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), mode="linear"), ValueError,
     "expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'linear'"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), padding_mode="constant"), ValueError,
     "expected padding_mode to be 'zeros', 'border', or 'reflection', but got: 'constant'"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), align_corners=1), TypeError,
     r"argument 'align_corners' \(position 5\) must be bool, not int"),
    (_call((2, 3, 4, 5), (2, 6, 7, 2), align_corners=np.bool_(True)), TypeError, "must be bool, not numpy.bool"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    program, cls, text = ERRORS[i]
    assert_same(program)  # the class and the whole message, as PyTorch's
    with pytest.raises(cls, match=text):
        program(glassgrad)


def test_align_corners_default_warns():
    def program(lib):
        F = lib.nn.functional
        theta = lib.tensor([[[1.0, 0.2, 0.1], [-0.3, 0.9, 0.0]]])
        grid = F.affine_grid(theta, (1, 1, 3, 4))
        return F.grid_sample(lib.ones(1, 1, 3, 4), grid)
    assert_same(program)  # two warnings, in order, with PyTorch's text
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed to "
                                         "align_corners=False since 1.3.0"):
        program(glassgrad)


# ---- affine_grid ---------------------------------------------------------------------------------------
SIZES = [(2, 3, 7, 9), (2, 1, 1, 5), (3, 2, 4, 1), (2, 1, 5, 6, 7), (1, 1, 1, 1, 1), (2, 3, 13, 16)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES)
def test_affine_grid(size, dtype):
    nd = len(size) - 2
    theta = np.random.default_rng(len(size) * 100 + size[2]).standard_normal((size[0], nd, nd + 1)).astype(dtype)
    for align in (False, True):
        def program(lib):
            T = lib.tensor(theta, requires_grad=True)
            a = lib.nn.functional.affine_grid(T, size, align_corners=align)
            gt, = lib.autograd.grad((a * a * lib.tensor(_weights(tuple(a.shape), dtype))).sum(), T, create_graph=True)
            h, = lib.autograd.grad((gt * gt).sum(), T)
            return a, gt, fresh(h), [a.grad_fn.name(), gt.grad_fn.name()]
        assert_same(program, **({"rtol": 2e-5, "atol": 5e-5} if dtype == np.float32 else {}))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.filterwarnings("ignore:Since version 1.3.0")
def test_affine_base_grid_exact(size, dtype):
    """The identity transform returns PyTorch's base grid bit for bit (its linspace steps from both ends)."""
    nd = len(size) - 2
    for align in (False, True):
        grids = []
        for lib in (torch, glassgrad):
            eye = lib.eye(nd, nd + 1, dtype=getattr(lib, dtype)).unsqueeze(0).expand(size[0], nd, nd + 1)
            grids.append(lib.nn.functional.affine_grid(eye, size, align_corners=align).numpy())
        np.testing.assert_array_equal(grids[1], grids[0])


def _affine(theta_shape, size, dtype="float32", align=False):
    def program(lib):
        return lib.nn.functional.affine_grid(lib.zeros(*theta_shape, dtype=getattr(lib, dtype)), size,
                                             align_corners=align)
    return program


AFFINE_ERRORS = [
    (_affine((2, 2, 3), (2, 3, 4, 5), "int64"), ValueError, "Expected theta to have floating point type, but got "
                                                           "torch.int64"),
    (_affine((2, 2, 3), (2, 3, 4, 5, 6)), ValueError, r"Expected a batch of 3D affine matrices of shape Nx3x4 for "
                                                      r"size \(2, 3, 4, 5, 6\). Got torch.Size\(\[2, 2, 3\]\)."),
    (_affine((2, 3), (2, 3, 4, 5)), ValueError, "Expected a batch of 2D affine matrices of shape Nx2x3"),
    (_affine((2, 3, 4), [2, 3, 4, 5]), ValueError, r"for size \[2, 3, 4, 5\]"),
    (_affine((2, 2, 3), (2, 3, 4)), NotImplementedError, "affine_grid only supports 4D and 5D sizes"),
    (_affine((2, 2, 3), (3, 3, 4, 5)), RuntimeError, r"Expected size for first two dimensions of batch2 tensor to be: "
                                                     r"\[3, 3\] but got: \[2, 3\]."),
    (_affine((1, 2, 3), (2, 3, 4, 5)), RuntimeError, "batch2 tensor"),
    (_affine((2, 2, 3), (2, 3, 0, 5)), ValueError, r"Expected non-zero, positive output size. Got \(2, 3, 0, 5\)"),
    (_affine((2, 2, 3), (2, 0, 4, 5), align=True), ValueError, "positive output size"),
    (_affine((2, 2, 3), (2, 3, -1, 5)), ValueError, "positive output size"),
    (_affine((2, 2, 3), (2, 3, 1, 0), align=True), ValueError, "positive output size"),
]


@pytest.mark.parametrize("i", range(len(AFFINE_ERRORS)))
def test_affine_errors(i):
    program, cls, text = AFFINE_ERRORS[i]
    assert_same(program)
    with pytest.raises(cls, match=text):
        program(glassgrad)


def test_affine_unit_size_warning_and_size_types():
    assert_same(_affine((2, 2, 3), (2, 3, 1, 5), align=True))  # warns, and samples the unit axis at 0
    assert_same(_affine((2, 2, 3), (2, 0, 1, 5), align=True))  # the warning takes the place of the size check
    with pytest.warns(UserWarning, match="affine_grid behavior has changed for unit-size grids"):
        _affine((2, 2, 3), (2, 3, 1, 5), align=True)(glassgrad)
    assert_same(lambda lib: lib.nn.functional.affine_grid(lib.zeros(2, 2, 3), lib.Size([2, 3, 4, 5]),
                                                          align_corners=False))
    assert_same(_affine((2, 2, 3), [2, 3, 4, 5]))


def test_spatial_transformer():
    """affine_grid then grid_sample, trained through theta: the pattern of spatial transformer networks (in float64,
    where three steps do not amplify float32 rounding)."""
    rng = np.random.default_rng(11)
    img = rng.standard_normal((2, 3, 6, 6))
    theta0 = np.array([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]], [[1.0, 0.0, 0.2], [0.0, 0.8, -0.1]]])

    def program(lib):
        theta = lib.tensor(theta0, requires_grad=True)
        x = lib.tensor(img, requires_grad=True)
        losses = []
        for _ in range(3):
            grid = lib.nn.functional.affine_grid(theta, (2, 3, 4, 5), align_corners=False)
            out = lib.nn.functional.grid_sample(x, grid, padding_mode="border", align_corners=False)
            loss = (out ** 2).mean()
            loss.backward()
            with lib.no_grad():
                theta -= 0.5 * theta.grad
                theta.grad.zero_()
            losses.append(loss.detach())
        return losses, theta.detach(), x.grad
    assert_same(program, rtol=1e-10, atol=1e-12)
