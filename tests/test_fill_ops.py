"""Constants, memory formats, construction, shape and product ops (glassgrad/_formats.py, ops/memory_formats.py,
ops/reshaping.py, ops/factories.py, ops/assembly.py, ops/products.py) against PyTorch: values, dtypes, strides,
grad_fn names, gradients, versions, warnings and errors; float64 gradcheck of the primitives' derivatives."""
import array
import math
import pickle

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad, torch
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck


def _weights(lib, y):
    return (lib.arange(y.numel()) % 5 - 2).reshape(y.shape).to(y.dtype)


def _backward(lib, outs):
    """Backward through every floating output that requires grad, with fixed weights."""
    total = None
    for o in outs if isinstance(outs, (tuple, list)) else (outs,):
        if isinstance(o, lib.Tensor) and o.requires_grad:
            term = (o * _weights(lib, o)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()


# ---- constants and formats ---------------------------------------------------------------------------------
def test_constants_and_format_objects():
    for name in ("pi", "e", "inf", "newaxis"):
        assert getattr(glassgrad, name) == getattr(torch, name)
    assert math.isnan(glassgrad.nan)
    for name in ("strided", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        g, t = getattr(glassgrad, name), getattr(torch, name)
        assert repr(g) == repr(t) and str(g) == str(t)
        assert pickle.loads(pickle.dumps(g)) is g
    assert isinstance(glassgrad.channels_last, glassgrad.memory_format)
    assert isinstance(glassgrad.strided, glassgrad.layout)
    assert repr(type(glassgrad.channels_last)) == repr(type(torch.channels_last))
    with pytest.raises(TypeError, match=r"cannot create 'torch.layout' instances"):
        glassgrad.layout()


FORMATS = {
    "contiguous_cl": lambda lib, x: x.contiguous(memory_format=lib.channels_last),
    "to_cl": lambda lib, x: x.to(memory_format=lib.channels_last),
    "to_dtype_cl": lambda lib, x: x.to(lib.float64, memory_format=lib.channels_last),
    "double_cl": lambda lib, x: x.double(memory_format=lib.channels_last),
    "float_cl": lambda lib, x: x.float(memory_format=lib.channels_last),
    "clone_cl": lambda lib, x: x.clone(memory_format=lib.channels_last),
    "torch_clone_cl": lambda lib, x: lib.clone(x, memory_format=lib.channels_last),
    "clone_preserve": lambda lib, x: x.clone(memory_format=lib.preserve_format),
    "clone_contiguous": lambda lib, x: x.clone(memory_format=lib.contiguous_format),
    "cl_then_ops": lambda lib, x: (x.contiguous(memory_format=lib.channels_last) * 2 + 1),
    "cl_back_contiguous": lambda lib, x: x.contiguous(memory_format=lib.channels_last).contiguous(),
    "cl_to_contiguous": lambda lib, x: x.to(memory_format=lib.channels_last).to(memory_format=lib.contiguous_format),
    "cl_clone": lambda lib, x: x.to(memory_format=lib.channels_last).clone(),
    "contiguous_default": lambda lib, x: x.contiguous(memory_format=lib.contiguous_format),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_memory_formats(name):
    def program(lib):
        x = lib.arange(120.0).reshape(2, 3, 4, 5).requires_grad_()
        y = FORMATS[name](lib, x)
        _backward(lib, y)
        return (y, y.stride(), y.is_contiguous(), y.is_contiguous(memory_format=lib.channels_last),
                y.is_contiguous(memory_format=lib.preserve_format), fresh(x.grad), y is x)

    assert_same(program)


@pytest.mark.parametrize("call", [
    lambda lib: lib.randn(2, 3, 4).to(memory_format=lib.channels_last),
    lambda lib: lib.randn(2, 3, 4, 5).to(memory_format=lib.channels_last_3d),
    lambda lib: lib.ones(2, 3, 4, 5, 6).to(memory_format=lib.channels_last_3d).stride(),
    lambda lib: lib.ones(2, 3, 4, 5).contiguous(memory_format="x"),
    lambda lib: lib.ones(2, 3, 4, 5).is_contiguous(memory_format="x"),
    lambda lib: lib.ones(2, 3, 4, 5).clone(memory_format=1),
    lambda lib: lib.ones(2, 3, 4, 5).transpose(1, 3).contiguous(memory_format=lib.preserve_format),
    lambda lib: (lambda x: x.contiguous(memory_format=lib.preserve_format) is x)(lib.ones(2, 3)),
    lambda lib: lib.ones(1, 3, 1, 1).is_contiguous(memory_format=lib.channels_last),
    lambda lib: lib.ones(2, 3, 4).is_contiguous(memory_format=lib.channels_last),
    lambda lib: lib.empty(2, 3, 4, 5, memory_format=lib.channels_last).stride(),
    lambda lib: lib.empty(2, 3, 4, 5, 6, memory_format=lib.channels_last_3d).stride(),
    lambda lib: lib.empty(2, 3, memory_format=lib.channels_last),
    lambda lib: lib.empty(2, 3, memory_format=lib.preserve_format),
    lambda lib: (lambda x: x.contiguous(memory_format=lib.channels_last) is x)(
        lib.ones(2, 3, 4, 5).contiguous(memory_format=lib.channels_last)),
    lambda lib: (lambda x: x.to(memory_format=lib.channels_last) is x)(
        lib.ones(2, 3, 4, 5).contiguous(memory_format=lib.channels_last)),
], ids=lambda f: None)
def test_memory_format_edge_cases(call):
    assert_same(call)


# ---- reshaping ---------------------------------------------------------------------------------------------------
SHAPES = {
    "ravel": lambda lib, x: lib.ravel(x),
    "ravel_transposed": lambda lib, x: x.transpose(0, 1).ravel(),
    "atleast_1d": lambda lib, x: lib.atleast_1d(x[0, 0, 0]),
    "atleast_2d": lambda lib, x: lib.atleast_2d(x[0, 0]),
    "atleast_3d_2d": lambda lib, x: lib.atleast_3d(x[0]),
    "atleast_3d_1d": lambda lib, x: lib.atleast_3d(x[0, 0]),
    "atleast_3d_0d": lambda lib, x: lib.atleast_3d(x[0, 0, 0]),
    "atleast_many": lambda lib, x: lib.atleast_2d(x[0, 0], x[0]),
    "atleast_list": lambda lib, x: lib.atleast_1d([x[0, 0, 0], x * 1]),
    "vsplit": lambda lib, x: lib.vsplit(x, 2),
    "vsplit_indices": lambda lib, x: x.vsplit([1, 3]),
    "hsplit": lambda lib, x: lib.hsplit(x, 3),
    "hsplit_1d": lambda lib, x: lib.hsplit(x[0, :, 0], [2]),
    "dsplit": lambda lib, x: x.dsplit(2),
    "split_with_sizes": lambda lib, x: lib.split_with_sizes(x, [1, 3], 0),
    "split_with_sizes_method": lambda lib, x: x.split_with_sizes([2, 4], dim=1),
    "unsafe_chunk": lambda lib, x: lib.unsafe_chunk(x, 3, 1),
    "unsafe_split": lambda lib, x: x.unsafe_split(4, 1),
    "unsafe_split_inplace": lambda lib, x: [p.mul_(2) for p in lib.unsafe_split(x * 1, 2, 0)],
    "sum_to_size_keep": lambda lib, x: x.sum_to_size(1, 6, 1),
    "sum_to_size_lead": lambda lib, x: x.sum_to_size(6, 2),
    "sum_to_size_all": lambda lib, x: x.sum_to_size(lib.Size([2])),
    "squeeze_": lambda lib, x: x.unsqueeze(1).squeeze_(),
    "squeeze_dim": lambda lib, x: (x * 1).unsqueeze(2).squeeze_(2),
    "squeeze_dims": lambda lib, x: (x * 1).unsqueeze(0).squeeze_((0,)),
    "unsqueeze_": lambda lib, x: (x * 1).unsqueeze_(-1),
    "t_": lambda lib, x: (x[0] * 1).t_(),
    "transpose_": lambda lib, x: (x * 1).transpose_(0, 2),
    "swapaxes_": lambda lib, x: (x * 1).swapaxes_(1, 2),
    "swapdims_": lambda lib, x: (x * 1).swapdims_(0, 1),
    "chain_of_inplace_views": lambda lib, x: (x[0] * 1).t_().unsqueeze_(0).squeeze_(0),
    "view_then_t_": lambda lib, x: (lambda c: (c[0:2].t_(), c))((x[0] * 1)),
    "view_t_then_mul_": lambda lib, x: (lambda c: (c[0:2].t_().mul_(2), c))((x[0] * 1)),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_reshaping(name):
    def program(lib):
        x = lib.arange(48.0).reshape(4, 6, 2).requires_grad_()
        out = SHAPES[name](lib, x)
        _backward(lib, out)
        flat = out if isinstance(out, (tuple, list)) else [out]
        return out, [o.shape for o in flat if isinstance(o, lib.Tensor)], fresh(x.grad)

    assert_same(program)


@pytest.mark.parametrize("call", [
    lambda lib: lib.vsplit(lib.ones(4, 2), 3),
    lambda lib: lib.vsplit(lib.ones(3), 3),
    lambda lib: lib.hsplit(lib.ones(6, 4), 3),
    lambda lib: lib.hsplit(lib.tensor(1.0), 1),
    lambda lib: lib.dsplit(lib.ones(2, 2), 2),
    lambda lib: lib.ones(4, 6).split_with_sizes([2, 3], dim=1),
    lambda lib: lib.unsafe_split(lib.ones(4), [1, 3]),
    lambda lib: lib.ones(4, 6, 2).sum_to_size(3, 2),
    lambda lib: (lambda x: x.sum_to_size(4, 6) is x)(lib.ones(4, 6)),
    lambda lib: lib.atleast_1d(1),
    lambda lib: (lambda x: lib.atleast_1d(x) is x)(lib.ones(2)),
    lambda lib: lib.ravel(lib.tensor(1.0)),
    lambda lib: lib.ones(2, 1, requires_grad=True).squeeze_(),
    lambda lib: lib.ones(2, 3, 4).t_(),
    lambda lib: lib.ones(3).t_().shape,
    lambda lib: (lambda y: (y.squeeze_(), y._version, y.grad_fn.name()))(lib.ones(2, 1, requires_grad=True) * 2),
    lambda lib: (lambda sp: sp[0].squeeze_(0))((lib.ones(2, 3, requires_grad=True) * 1).split(1)),
    lambda lib: (lambda q: (q.transpose_(0, 1), q.stride(), q.is_contiguous(), q._version))(lib.ones(2, 3)),
], ids=lambda f: None)
def test_reshaping_edge_cases(call):
    assert_same(call)


def test_inplace_view_under_no_grad_keeps_a_leaf():
    def program(lib):
        a = lib.ones(2, 1, requires_grad=True)
        with lib.no_grad():
            a.squeeze_()
        return a, a.shape, a._version, a.is_leaf

    assert_same(program)


@pytest.mark.parametrize("call", [
    lambda lib: (lambda y: (y.resize_(2, 3), y._version))(lib.arange(12.0).reshape(3, 4) * 1),
    lambda lib: (lambda z: (z.resize_(2, 2).clone(), z.resize_(3, 2).clone(), z._version))(lib.arange(6.0)),
    lambda lib: (lambda z: z.resize_as_(lib.ones(2, 3)))(lib.arange(6.0)),
    lambda lib: lib.resize_as_(lib.arange(6.0), lib.ones(3, 2)),
    lambda lib: lib.ones(2, requires_grad=True).resize_(3),
    lambda lib: (lib.ones(2, requires_grad=True) * 1).resize_(3),
    lambda lib: (lambda z: (z.resize_(4, 2).shape, z[:3].flatten()))(lib.arange(6.0)),
], ids=lambda f: None)
def test_resize(call):
    assert_same(call)


# ---- factories ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda lib: lib.logspace(0, 2, 5),
    lambda lib: lib.logspace(0, 2, 5, base=2.0, dtype=lib.float64),
    lambda lib: lib.logspace(0, 3, 4, dtype=lib.int64),
    lambda lib: lib.logspace(1, 1, 1),
    lambda lib: lib.logspace(0, 1, 0),
    lambda lib: lib.logspace(0, 2, -1),
    lambda lib: lib.logspace(0.1, 2.7, 5, requires_grad=True),
    lambda lib: lib.logspace(lib.tensor(0.0), lib.tensor(2.0), 3),
    lambda lib: lib.scalar_tensor(3),
    lambda lib: lib.scalar_tensor(3.5, dtype=lib.float64),
    lambda lib: lib.scalar_tensor(True),
    lambda lib: lib.scalar_tensor(2, requires_grad=True),
    lambda lib: (lambda t: (t.stride(), t.shape, t.dtype))(lib.empty_strided((2, 3), (1, 2))),
    lambda lib: lib.empty_strided((2, 3), (3, 1), dtype=lib.int32).dtype,
    lambda lib: lib.empty_strided((2, 3), (1,)),
    lambda lib: lib.frombuffer(bytearray(b"\x01\x02\x03\x04"), dtype=lib.uint8),
    lambda lib: lib.frombuffer(array.array("f", [1.0, 2.0, 3.0]), dtype=lib.float32),
    lambda lib: lib.frombuffer(bytearray(8), dtype=lib.int32, count=1, offset=4),
    lambda lib: lib.frombuffer(bytearray(3), dtype=lib.int32),
    lambda lib: (lambda b: (lib.frombuffer(b, dtype=lib.uint8).fill_(9), bytes(b)))(bytearray(b"\x01\x02")),
    lambda lib: lib.range(1, 4),
    lambda lib: lib.range(1, 4, 0.5),
    lambda lib: lib.range(0, 3, dtype=lib.int64),
    lambda lib: lib.range(3, 1, -1),
], ids=lambda f: None)
def test_factories(call):
    assert_same(call)


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
@pytest.mark.parametrize("args,kwargs", [((5,), {}), ((8,), {"periodic": False}), ((1,), {}), ((0,), {}),
                                         ((6,), {"dtype": "float64"}), ((7,), {"requires_grad": True}),
                                         ((3,), {"dtype": "int64"}), ((-1,), {})], ids=str)
def test_windows(name, args, kwargs):
    def program(lib):
        kw = dict(kwargs)
        if "dtype" in kw:
            kw["dtype"] = getattr(lib, kw["dtype"])
        return getattr(lib, name)(*args, **kw)

    assert_same(program, rtol=2e-6, atol=1e-7)


def test_window_parameters():
    def program(lib):
        return (lib.hamming_window(9, False, 0.6, 0.4), lib.hamming_window(6, True, 0.5, 0.5),
                lib.kaiser_window(7, False, 5.0), lib.kaiser_window(6, True, 0.0))

    assert_same(program, rtol=2e-6, atol=1e-7)


# ---- assembly ----------------------------------------------------------------------------------------------------
ASSEMBLY = {
    "block_diag": lambda lib, x, y: lib.block_diag(x[:1], y[:, :1], x[1, 0], y[0]),
    "diagflat": lambda lib, x, y: lib.diagflat(x),
    "diagflat_offset": lambda lib, x, y: y.diagflat(-2),
    "cartesian_prod": lambda lib, x, y: lib.cartesian_prod(x[0], y[0], x[1]),
    "cartesian_prod_one": lambda lib, x, y: lib.cartesian_prod(y[0]),
    "combinations": lambda lib, x, y: lib.combinations(y[0]),
    "combinations_3": lambda lib, x, y: lib.combinations(y[0], 3),
    "combinations_repl": lambda lib, x, y: lib.combinations(x[0], with_replacement=True),
    "combinations_too_many": lambda lib, x, y: lib.combinations(x[0], 5),
    "combinations_0": lambda lib, x, y: lib.combinations(x[0], 0),
    "select_scatter": lambda lib, x, y: lib.select_scatter(y, x[0, :3] * 2, 1, 2),
    "select_scatter_method": lambda lib, x, y: y.select_scatter(x[:, 0], 0, -1),
    "slice_scatter": lambda lib, x, y: lib.slice_scatter(y, x[:, :2], 1, 1, 3),
    "slice_scatter_step": lambda lib, x, y: lib.slice_scatter(y, x[:, :2], dim=1, start=0, end=4, step=2),
    "slice_scatter_default": lambda lib, x, y: y.slice_scatter(y * 3),
    "diagonal_scatter": lambda lib, x, y: lib.diagonal_scatter(y, x[0, :3]),
    "diagonal_scatter_offset": lambda lib, x, y: lib.diagonal_scatter(y, x[1, :3], 1),
    "diagonal_scatter_neg": lambda lib, x, y: y.diagonal_scatter(x[1, :2], -1),
    "fill_diagonal_": lambda lib, x, y: (y * 1).fill_diagonal_(5.0),
    "fill_diagonal_wrap": lambda lib, x, y: (lib.cat([y, y, y]) * 1).fill_diagonal_(-1.0, wrap=True),
    "fill_diagonal_nowrap": lambda lib, x, y: (lib.cat([y, y, y]) * 1).fill_diagonal_(-1.0),
}


@pytest.mark.parametrize("name", sorted(ASSEMBLY))
def test_assembly(name):
    def program(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = (lib.arange(12.0).reshape(3, 4) / 7).requires_grad_()
        out = ASSEMBLY[name](lib, x, y)
        _backward(lib, out)
        return out, fresh(x.grad), fresh(y.grad)

    assert_same(program)


@pytest.mark.parametrize("call", [
    lambda lib: lib.block_diag(),
    lambda lib: lib.block_diag(lib.ones(2, 2, 2)),
    lambda lib: lib.block_diag(lib.tensor([1, 2]), lib.tensor([True])),
    lambda lib: lib.block_diag(lib.tensor([1, 2]), lib.tensor([[0.5]])),
    lambda lib: lib.cartesian_prod(lib.ones(2, 2)),
    lambda lib: lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([1.5])),
    lambda lib: lib.combinations(lib.ones(2, 2)),
    lambda lib: lib.combinations(lib.ones(3), -1),
    lambda lib: lib.diagflat(lib.tensor(3.0)),
    lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(2), 0, 0),
    lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(3, dtype=lib.float64), 0, 0),
    lambda lib: lib.select_scatter(lib.zeros(2, 3), lib.ones(3), 0, 5),
    lambda lib: lib.slice_scatter(lib.zeros(4, 3), lib.ones(2, 3), 0),
    lambda lib: lib.diagonal_scatter(lib.zeros(2, 3, 3), lib.ones(3, 2), 0, 1, 2),
    lambda lib: lib.diagonal_scatter(lib.zeros(2, 3, 3), lib.ones(2, 3), 0, 1, 2),
    lambda lib: lib.diagonal_scatter(lib.zeros(3, 3), lib.ones(2)),
    lambda lib: lib.zeros(3, 3, 3).fill_diagonal_(2),
    lambda lib: lib.zeros(3, 3, 2).fill_diagonal_(2),
    lambda lib: lib.zeros(3).fill_diagonal_(2),
    lambda lib: lib.zeros(3, 3, requires_grad=True).fill_diagonal_(2.0),
    lambda lib: lib.zeros(3, 3, dtype=lib.int64).fill_diagonal_(2.5),
    lambda lib: (lambda m: (m.fill_diagonal_(1, wrap=True), m._version))(lib.zeros(7, 3)),
], ids=lambda f: None)
def test_assembly_edge_cases(call):
    assert_same(call)


# ---- products ---------------------------------------------------------------------------------------------------
def _chol(lib, s):
    """The Cholesky factor of a well-conditioned matrix made from `s` (differentiable in s)."""
    return lib.linalg.cholesky(s @ s.mT + 3 * lib.eye(3))


PRODUCTS = {
    "addbmm": lambda lib, m, b1, b2, v1, v2, s: lib.addbmm(m, b1, b2),
    "addbmm_scaled": lambda lib, m, b1, b2, v1, v2, s: lib.addbmm(m[0], b1, b2, beta=0.5, alpha=2),
    "addbmm_beta0": lambda lib, m, b1, b2, v1, v2, s: m.addbmm(b1, b2, beta=0),
    "addbmm_": lambda lib, m, b1, b2, v1, v2, s: (m * 1).addbmm_(b1, b2, alpha=-1),
    "addr": lambda lib, m, b1, b2, v1, v2, s: lib.addr(m, v1, v2),
    "addr_scaled": lambda lib, m, b1, b2, v1, v2, s: m.addr(v1, v2, beta=2, alpha=0.5),
    "addr_": lambda lib, m, b1, b2, v1, v2, s: (m * 1).addr_(v1, v2, beta=0),
    "ger": lambda lib, m, b1, b2, v1, v2, s: lib.ger(v1, v2),
    "chain_matmul": lambda lib, m, b1, b2, v1, v2, s: lib.chain_matmul(m, m.t(), m),
    "chain_matmul_one": lambda lib, m, b1, b2, v1, v2, s: lib.chain_matmul(m),
    "multi_dot": lambda lib, m, b1, b2, v1, v2, s: lib.linalg.multi_dot([v1, m, m.t(), m, v2]),
    "matrix_power3": lambda lib, m, b1, b2, v1, v2, s: lib.matrix_power(s, 3),
    "matrix_power5": lambda lib, m, b1, b2, v1, v2, s: s.matrix_power(5),
    "matrix_power0": lambda lib, m, b1, b2, v1, v2, s: s.matrix_power(0),
    "matrix_power1": lambda lib, m, b1, b2, v1, v2, s: s.matrix_power(1),
    "matrix_power_neg": lambda lib, m, b1, b2, v1, v2, s: lib.linalg.matrix_power(s, -2),
    "matrix_power_batched": lambda lib, m, b1, b2, v1, v2, s: lib.matrix_power(lib.stack([s, s * 0.5]), 4),
    "cholesky_solve": lambda lib, m, b1, b2, v1, v2, s: lib.cholesky_solve(m, _chol(lib, s)),
    "cholesky_solve_upper": lambda lib, m, b1, b2, v1, v2, s: m.cholesky_solve(_chol(lib, s).mT, upper=True),
    "cholesky_inverse": lambda lib, m, b1, b2, v1, v2, s: lib.cholesky_inverse(_chol(lib, s)),
    "cholesky_inverse_upper": lambda lib, m, b1, b2, v1, v2, s: _chol(lib, s).mT.cholesky_inverse(True),
    "renorm": lambda lib, m, b1, b2, v1, v2, s: lib.renorm(m, 2, 0, 1.0),
    "renorm_dim1_p1": lambda lib, m, b1, b2, v1, v2, s: m.renorm(1, 1, 0.5),
    "renorm_inf": lambda lib, m, b1, b2, v1, v2, s: lib.renorm(m, math.inf, 0, 0.8),
    "renorm_": lambda lib, m, b1, b2, v1, v2, s: (m * 1).renorm_(3, 0, 0.7),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products(name):
    def program(lib):
        rng = np.random.default_rng(7)
        leaves = [lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
                  for shape in ((3, 5), (4, 3, 2), (4, 2, 5), (3,), (5,), (3, 3))]
        out = PRODUCTS[name](lib, *leaves)
        _backward(lib, out)
        return [out] + [fresh(t.grad) for t in leaves]

    assert_same(program, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("call", [
    lambda lib: lib.addbmm(lib.ones(3, 5), lib.ones(4, 3, 2), lib.ones(3, 2, 5)),
    lambda lib: lib.addbmm(lib.ones(3, 5), lib.ones(3, 2), lib.ones(2, 5)),
    lambda lib: lib.addbmm(lib.ones(2, 5), lib.ones(4, 3, 2), lib.ones(4, 2, 5)),
    lambda lib: lib.ones(3, 5).addbmm_(lib.ones(4, 3, 2), lib.ones(4, 2, 5)),
    lambda lib: lib.addr(lib.zeros(3, 5, dtype=lib.int64), lib.tensor([1, 2, 3]), lib.tensor([1, 1, 1, 1, 1]), alpha=2),
    lambda lib: lib.addr(lib.tensor([[True]]), lib.tensor([True]), lib.tensor([False])),
    lambda lib: lib.addr(lib.zeros(3, 5, dtype=lib.int64), lib.tensor([1, 2, 3]), lib.ones(5, dtype=lib.int64),
                         alpha=1.5),
    lambda lib: lib.addr(lib.ones(3, 5), lib.ones(2), lib.ones(5)),
    lambda lib: lib.addr(lib.ones(3, 5), lib.ones(3, 1), lib.ones(5)),
    lambda lib: lib.addr(lib.ones(5), lib.ones(3), lib.ones(5)),
    lambda lib: lib.chain_matmul(),
    lambda lib: lib.chain_matmul(lib.ones(3), lib.ones(3, 2)),
    lambda lib: lib.linalg.multi_dot([lib.ones(3, 3)]),
    lambda lib: lib.matrix_power(lib.ones(3, 5), 2),
    lambda lib: lib.matrix_power(lib.tensor([[1, 2], [3, 4]]), 3),
    lambda lib: lib.matrix_power(lib.tensor([[1, 2], [3, 4]]), -1),
    lambda lib: lib.renorm(lib.ones(3, 4), -1, 0, 1.0),
    lambda lib: lib.renorm(lib.ones(3, 4), 2, 0, -1.0),
    lambda lib: lib.renorm(lib.ones(3, 4, dtype=lib.int64), 2, 0, 1.0),
    lambda lib: lib.renorm(lib.ones(3), 2, 0, 1.0),
], ids=lambda f: None)
def test_product_errors(call):
    assert_same(call)


def test_chain_matmul_warns_once():
    # NOTE: both libraries warn once per process: whichever test called chain_matmul first took the warning
    for lib in (torch, glassgrad):
        lib.chain_matmul(lib.ones(2, 2), lib.ones(2, 2))
    assert glassgrad.ops.products._warned_chain[0]


@pytest.mark.parametrize("fn", [
    lambda g, a: g.addbmm(a[0], a.reshape(3, 3, 1) * 1, a.reshape(3, 1, 3), beta=0.5, alpha=2),
    lambda g, a: g.addr(a, a[0], a[1], beta=2, alpha=0.5),
    lambda g, a: g.cholesky_solve(a, g.linalg.cholesky(a @ a.mT + 3 * g.eye(3, dtype=g.float64))),
    lambda g, a: g.cholesky_inverse(g.linalg.cholesky(a @ a.mT + 3 * g.eye(3, dtype=g.float64))),
    lambda g, a: g.cholesky_inverse(g.linalg.cholesky(a @ a.mT + 3 * g.eye(3, dtype=g.float64)).mT, upper=True),
    lambda g, a: g.renorm(a, 2, 0, 1.0),
    lambda g, a: g.renorm(a, 3, 1, 0.5),
    lambda g, a: g.select_scatter(a, a[0] * 2, 1, 1),
    lambda g, a: g.slice_scatter(a, a[:, 1:] ** 2, 1, 0, 2),
    lambda g, a: g.diagonal_scatter(a, a[0] * a[1], 0),
    lambda g, a: g.block_diag(a, a[0], a[1, 1]),
], ids=["addbmm", "addr", "cholesky_solve", "cholesky_inverse", "cholesky_inverse_upper", "renorm", "renorm_p3",
        "select_scatter", "slice_scatter", "diagonal_scatter", "block_diag"])
def test_gradcheck_float64(fn):
    a = glassgrad.tensor(np.array([[1.5, -0.3, 0.8], [0.2, 2.0, -1.1], [0.7, 0.4, 1.3]]), requires_grad=True)
    assert gradcheck(lambda t: fn(glassgrad, t), (a,), eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gradgradcheck(lambda t: fn(glassgrad, t), (a,), eps=1e-6, atol=1e-5, rtol=1e-3)
