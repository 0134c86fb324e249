"""Counting and searching ops and as_strided against PyTorch (ops/counting.py): unique_consecutive, searchsorted,
bucketize, histc, bincount (values, dtypes, graph nodes, errors) and as_strided (storage, views, gradients)."""
import subprocess
import sys

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad, torch

NAN = float("nan")
INF = float("inf")


def _t(lib, a, **kw):
    return lib.tensor(np.asarray(a).tolist(), **kw)


# ---- unique_consecutive --------------------------------------------------------------------------------------
UC_INPUTS = {
    "floats": [1., 1., 2., 2., 3., 1., 1., 2.],
    "ints": [[1, 2], [1, 2], [3, 4], [1, 2]],
    "nan": [NAN, NAN, 1., 1., -0., 0.],
    "bool": [True, True, False, True],
    "scalar": 3.5,
    "empty": np.zeros((0,), np.float32),
    "3d": [[[1, 1], [1, 1], [2, 2]], [[1, 1], [1, 1], [2, 3]]],
}


@pytest.mark.parametrize("name", sorted(UC_INPUTS))
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("dim", [None, 0, -1, 1])
def test_unique_consecutive(name, flags, dim):
    def program(lib):
        x = _t(lib, UC_INPUTS[name])
        return lib.unique_consecutive(x, return_inverse=flags[0], return_counts=flags[1], dim=dim)

    assert_same(program)


def test_unique_consecutive_method_positional_and_errors():
    def program(lib):
        x = lib.tensor([[1, 1], [1, 1], [2, 2]])
        return x.unique_consecutive(True, True, 0), lib.unique_consecutive(x, True, True, 1)

    assert_same(program)
    for bad in (lambda lib: lib.unique_consecutive(lib.zeros(0, 3), dim=1),
                lambda lib: lib.unique_consecutive(lib.tensor(1.), dim=0),
                lambda lib: lib.unique_consecutive(lib.ones(2, 2), dim=2),
                lambda lib: lib.unique_consecutive([1, 1]),
                lambda lib: lib.unique_consecutive(lib.ones(2), dim=0.5),
                lambda lib: lib.unique_consecutive(lib.ones(2), return_inverse=1)):
        assert_same(bad)


@pytest.mark.parametrize("dim", [None, 0])
def test_unique_consecutive_records_a_node_whose_backward_raises(dim):
    def program(lib):
        x = lib.tensor([1., 1., 2.], requires_grad=True)
        values, inverse, counts = lib.unique_consecutive(x * 2, return_inverse=True, return_counts=True, dim=dim)
        with lib.no_grad():
            plain = lib.unique_consecutive(x)
        return values, inverse, counts, plain, values.grad_fn.name()

    assert_same(program)
    with pytest.raises(NotImplementedError, match=r"^the derivative for 'unique_consecutive' is not implemented\.$"):
        glassgrad.unique_consecutive(glassgrad.ones(2, requires_grad=True) * 1, dim=dim).sum().backward()


# ---- searchsorted / bucketize ---------------------------------------------------------------------------------
SEQ = [1., 3., 5., 7., 9.]
VALUES = [0., 3., 6., 9., 10., NAN, -INF]


@pytest.mark.parametrize("opts", [{}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True},
                                  {"right": False, "side": "right"}, {"right": True, "side": "right"}])
def test_searchsorted_1d(opts):
    def program(lib):
        s = lib.tensor(SEQ)
        return (lib.searchsorted(s, lib.tensor(VALUES), **opts), lib.searchsorted(s, 4, **opts),
                lib.searchsorted(s, 9.0, **opts), lib.searchsorted(s, lib.tensor([[3., 6.], [1., 10.]]), **opts),
                lib.searchsorted(s, lib.tensor(5.), **opts))

    assert_same(program)


def test_searchsorted_batched_sorter_and_nan_boundaries():
    def program(lib):
        seq = lib.tensor([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]])
        vals = lib.tensor([[3, 6, 9], [3, 6, 9]])
        shuffled = lib.tensor([9., 1., 5., 3., 7.])
        order = lib.tensor([1, 3, 2, 4, 0])
        nan_seq = lib.tensor([1., 2., NAN, NAN])
        return (lib.searchsorted(seq, vals), lib.searchsorted(seq, vals, right=True),
                lib.searchsorted(shuffled, lib.tensor([0., 5., 5.5, 10.]), sorter=order),
                lib.searchsorted(shuffled, 5., side="right", sorter=order),
                lib.searchsorted(lib.zeros(2, 2, 3), lib.zeros(2, 2, 4)),
                lib.searchsorted(nan_seq, lib.tensor([NAN, 1.5, 3.])),
                lib.searchsorted(nan_seq, lib.tensor([NAN, 1.5, 3.]), right=True),
                lib.searchsorted(lib.tensor([3., 1., 2.]), lib.tensor([2.])),  # unsorted: PyTorch's answer
                lib.searchsorted(lib.tensor([]), lib.tensor([1., 2.])),
                lib.searchsorted(lib.zeros(2, 0), lib.zeros(2, 3)),
                lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([])),
                lib.searchsorted(lib.zeros(0, 5), lib.zeros(0, 3)),
                lib.searchsorted(lib.zeros(2, 0, 5), lib.zeros(2, 0, 1)))

    assert_same(program)


def test_searchsorted_promotes_boundaries_and_values():
    def program(lib):
        f32 = lib.tensor([0.1], dtype=lib.float32)
        return (lib.searchsorted(f32, lib.tensor(0.100000001, dtype=lib.float64), right=True),  # 0-d: float32
                lib.searchsorted(f32, lib.tensor([0.100000001], dtype=lib.float64), right=True),  # float64
                lib.searchsorted(lib.tensor([1, 2, 3]), 2.5),
                lib.searchsorted(lib.tensor([1, 3, 5]), lib.tensor([2.5])),
                lib.searchsorted(lib.tensor([1, 2, 3], dtype=lib.int8), 300),
                lib.searchsorted(lib.tensor([1, 2, 3], dtype=lib.uint8), -1),
                lib.searchsorted(lib.tensor([2 ** 62, 2 ** 62 + 1]), 2.0 ** 62),
                lib.searchsorted(lib.tensor([0., 1.]), lib.tensor([True])),
                lib.searchsorted(lib.tensor([False, True]), lib.tensor([1])),
                lib.searchsorted(lib.tensor([1., 2.]).half(), lib.tensor([1.5]).half()),
                lib.searchsorted(lib.tensor([1., 2., 3.]), True))

    assert_same(program)


def test_searchsorted_random_against_pytorch():
    rng = np.random.default_rng(0)
    for trial in range(40):
        rows = int(rng.integers(1, 4))
        n = int(rng.integers(0, 12))
        seq = np.sort(rng.integers(-5, 5, (rows, n)).astype(np.float64), axis=-1)
        if trial % 3 == 0:
            seq = rng.integers(-5, 5, (rows, n)).astype(np.float64)  # unsorted: the search path decides
        if trial % 5 == 0 and n:
            seq[..., -1] = np.nan
        vals = rng.integers(-6, 6, (rows, int(rng.integers(0, 7)))).astype(np.float64)
        vals[vals == 5] = np.nan
        dtype = ["float32", "float64", "int64", "int16"][trial % 4]
        if "int" in dtype:
            seq, vals = np.nan_to_num(seq, nan=4), np.nan_to_num(vals, nan=4)

        def program(lib, seq=seq, vals=vals, dtype=dtype, right=bool(trial % 2)):
            s = lib.tensor(seq.tolist(), dtype=getattr(lib, dtype))
            v = lib.tensor(vals.tolist(), dtype=getattr(lib, dtype))
            return lib.searchsorted(s, v, right=right), lib.searchsorted(s[0] if rows else s, v, right=right)

        assert_same(program)


@pytest.mark.parametrize("case", [
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), side="middle"),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), right=True, side="left"),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), right=True, side="middle"),
    lambda lib: lib.searchsorted(lib.tensor(1.), lib.tensor([1.])),
    lambda lib: lib.searchsorted(lib.tensor([[1., 2.]]), 1.),
    lambda lib: lib.searchsorted(lib.tensor([[1., 2.]]), lib.tensor(1.)),
    lambda lib: lib.searchsorted(lib.tensor([[1., 2.], [3, 4]]), lib.tensor([1.])),
    lambda lib: lib.searchsorted(lib.zeros(2, 2, 3), lib.zeros(2, 3, 4)),
    lambda lib: lib.searchsorted(lib.tensor([2., 1.]), lib.tensor([1.]), sorter=lib.tensor([1, 0]).int()),
    lambda lib: lib.searchsorted(lib.tensor([2., 1.]), lib.tensor([1.]), sorter=lib.tensor([1, 0, 2])),
    lambda lib: lib.searchsorted(lib.tensor([2., 1.]), lib.tensor([1.]), sorter=lib.tensor([1, 2])),
    lambda lib: lib.searchsorted(lib.tensor([2., 1.]), lib.tensor([1.]), sorter=lib.tensor([-1, 0])),
    lambda lib: lib.searchsorted(lib.tensor([False, True]), lib.tensor([True])),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), True),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), [1.]),
    lambda lib: lib.searchsorted([1., 2.], lib.tensor([1.])),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), sorter=[1, 0]),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), side=3),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), out_int32=1),
    lambda lib: lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([1.]), out=lib.empty(1)),
])
def test_searchsorted_errors(case):
    assert_same(case)


def test_bucketize():
    def program(lib):
        b = lib.tensor([1., 3., 5., 7.])
        x = lib.tensor([[0., 3.], [6., 9.]])
        return (lib.bucketize(x, b), lib.bucketize(x, b, right=True), lib.bucketize(x, b, out_int32=True),
                lib.bucketize(3, b), lib.bucketize(3.5, b, right=True, out_int32=True),
                lib.bucketize(lib.tensor(4.), b),
                lib.bucketize(lib.tensor([2, 4]), b), lib.bucketize(lib.tensor([True]), lib.tensor([0., 1.])),
                lib.bucketize(lib.tensor([1.]), lib.tensor([])), lib.bucketize(input=x, boundaries=b),
                lib.bucketize(lib.tensor([2., 4.], requires_grad=True), b))

    assert_same(program)


@pytest.mark.parametrize("case", [
    lambda lib: lib.bucketize(lib.tensor([1.]), lib.tensor([[1., 2.]])),
    lambda lib: lib.bucketize(lib.tensor([1.]), lib.tensor(1.)),
    lambda lib: lib.bucketize(lib.tensor([1.]), lib.tensor([1.]), True),
    lambda lib: lib.bucketize([1.], lib.tensor([1.])),
    lambda lib: lib.bucketize(lib.tensor([1.]), [1.]),
    lambda lib: lib.bucketize(lib.tensor([1.]), lib.tensor([1.]), side="right"),
    lambda lib: lib.tensor([1.]).bucketize(lib.tensor([1.])),
    lambda lib: lib.tensor([1.]).searchsorted(lib.tensor([1.])),
])
def test_bucketize_errors(case):
    assert_same(case)


_WARN_SCRIPT = """
import warnings, {lib} as torch
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as w:
    seq = torch.tensor([[1., 3., 5.], [2, 4, 6]]).t().contiguous().t()
    vals = torch.tensor([[2., 3.], [4, 5]]).t()
    for _ in range(2):
        torch.searchsorted(seq, vals.contiguous())
        torch.searchsorted(seq.contiguous(), vals)
        torch.bucketize(vals, seq[0].contiguous())
        order = torch.tensor([[0, 1, 2]] * 2).t().contiguous().t()
        torch.searchsorted(seq.contiguous(), vals.contiguous(), sorter=order)
print([str(x.message).split(" (Triggered")[0] for x in w])
"""


def test_searchsorted_warns_once_per_program_of_non_contiguous_inputs():
    out = [subprocess.run([sys.executable, "-c", _WARN_SCRIPT.format(lib=lib)], capture_output=True, text=True)
           for lib in ("torch", "glassgrad")]
    assert [o.returncode for o in out] == [0, 0], out[1].stderr
    assert out[1].stdout == out[0].stdout
    assert "boundary tensor is non-contiguous" in out[0].stdout and out[0].stdout.count("this message") == 0
    assert out[0].stdout.count("This message will only appear once per program.") == 3


# ---- histc -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("args", [(), (4, 0, 3), (5,), (10, 0, 1), (3, 2, 2), (7, -1.5, 2.25), (100, 0, 0),
                                  (3, 0, 10), (13, 0.1, 0.7)])
def test_histc(dtype, args):
    def program(lib):
        x = lib.tensor([1., 2, 1, 4, 2.5, 0, 5, 0.1, 0.2, 0.3, 0.7, 0.9, 0.6, -1.5, 2.25, NAN, INF, -INF][
                       :13 if not args or args[1:] == (0, 0) or args[1:2] == (2,) else None],
                       dtype=getattr(lib, dtype))
        return lib.histc(x, *args), x.histc(*args)

    assert_same(program)


def test_histc_counts_values_on_the_bin_edges_as_pytorch():
    # values exactly on (and next to) the edges PyTorch's linspace makes, in each dtype
    rng = np.random.default_rng(1)
    for dtype, bins, lo, hi in [("float32", 10, 0., 1.), ("float64", 7, -3., 11.), ("float32", 33, -0.7, 0.9),
                                ("float16", 9, 0., 1.), ("float64", 100, 0.1, 0.3)]:
        edges = torch.linspace(lo, hi, bins + 1, dtype=getattr(torch, dtype)).numpy().astype(np.float64)
        near = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf),
                               rng.uniform(lo - 1, hi + 1, 50)])

        def program(lib, near=near, dtype=dtype, bins=bins, lo=lo, hi=hi):
            return lib.histc(lib.tensor(near.tolist(), dtype=getattr(lib, dtype)), bins, lo, hi)

        assert_same(program)


@pytest.mark.parametrize("case", [
    lambda lib: lib.histc(lib.tensor([1.]), 0),
    lambda lib: lib.histc(lib.tensor([1.]), -1, 5, 1),
    lambda lib: lib.histc(lib.tensor([1.]), 3, 5, 1),
    lambda lib: lib.histc(lib.tensor([1, 2])),
    lambda lib: lib.histc(lib.tensor([1]), 3, 5, 1),
    lambda lib: lib.histc(lib.tensor([True]), 3),
    lambda lib: lib.histc(lib.tensor([1., NAN]), 4),
    lambda lib: lib.histc(lib.tensor([NAN]), 4),
    lambda lib: lib.histc(lib.tensor([1.]), 3, NAN, 1),
    lambda lib: lib.histc(lib.tensor([1.]), 3, 1, INF),
    lambda lib: lib.histc(lib.tensor([INF]), 3),
    lambda lib: lib.histc(lib.tensor([-INF]).double(), 3),
    lambda lib: lib.histc(lib.tensor([INF]).half(), 3),
    lambda lib: lib.histc(lib.tensor([1., 2.]).half(), 3, 0, 70000),
    lambda lib: lib.histc(lib.tensor([1., 2.]), 3, 0, 1e39),
    lambda lib: lib.histc(lib.tensor([1e30, 1e30]), 3),
    lambda lib: lib.histc(lib.tensor([0.123456789, INF]), 3),
    lambda lib: lib.histc(lib.tensor([1.]), 3.0),
    lambda lib: lib.histc(lib.tensor([1.]), bins=True),
    lambda lib: lib.histc(lib.tensor([1.]), 3, "a"),
    lambda lib: lib.histc(lib.tensor([1.]), 3, min=None),
    lambda lib: lib.tensor([1.]).histc(3.5),
    lambda lib: lib.tensor([1.]).histc(3, 0, 1, 2),
    lambda lib: lib.histc([1.], 3),
    lambda lib: lib.histc(lib.tensor([1., 2.]), bins=3, min=0, max=True),
    lambda lib: lib.histc(lib.tensor([]), 4),
    lambda lib: lib.histc(lib.tensor([2., 2.]).half(), 3),
    lambda lib: lib.histc(lib.tensor([[1., 2.]]).t(), 2),
])
def test_histc_edge_cases_and_errors(case):
    assert_same(case)


def test_histc_has_no_gradient_and_writes_out():
    def program(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        out = lib.empty(3)
        r = lib.histc(x.detach(), 3, 0, 4, out=out)
        return lib.histc(x, 3), r is out, out

    assert_same(program)


# ---- bincount ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("weights", [None, "float32", "float64", "float16", "int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("minlength", [0, 2, 6])
def test_bincount(weights, minlength):
    def program(lib):
        x = lib.tensor([0, 1, 1, 3, 1])
        w = None if weights is None else lib.tensor([0.1, 0.2, 0.3, 2., 1.]).to(getattr(lib, weights))
        return lib.bincount(x, w, minlength), x.bincount(weights=w, minlength=minlength)

    assert_same(program, rtol=0, atol=0)


def test_bincount_input_dtypes_and_empty():
    def program(lib):
        empty = lib.tensor([], dtype=lib.long)
        return ([lib.bincount(lib.tensor([1, 2], dtype=d)) for d in (lib.int32, lib.int8, lib.uint8, lib.int16)],
                lib.bincount(empty), lib.bincount(empty, minlength=3), lib.bincount(empty, lib.tensor([])),
                lib.bincount(empty, lib.tensor([]).double(), minlength=2),
                lib.bincount(input=lib.tensor([1])), lib.bincount(lib.tensor([1, 1, 1]), lib.tensor([0.1, 0.2, 0.3])))

    assert_same(program, rtol=0, atol=0)


@pytest.mark.parametrize("case", [
    lambda lib: lib.bincount(lib.tensor([0, 1]), minlength=-1),
    lambda lib: lib.bincount(lib.tensor([-1, 2])),
    lambda lib: lib.bincount(lib.tensor([[1, 2]])),
    lambda lib: lib.bincount(lib.tensor(2)),
    lambda lib: lib.bincount(lib.tensor([1., 2.])),
    lambda lib: lib.bincount(lib.tensor([True, False])),
    lambda lib: lib.bincount(lib.tensor([])),
    lambda lib: lib.bincount(lib.tensor([0, 1]), lib.tensor([1.])),
    lambda lib: lib.bincount(lib.tensor([0, 1]), lib.ones(2, 2)),
    lambda lib: lib.bincount(lib.tensor([-1]), lib.tensor([1., 2.])),
    lambda lib: lib.bincount(lib.tensor([1.]), lib.tensor([1., 2.])),
    lambda lib: lib.bincount(lib.tensor([0, 1]), minlength=2.0),
    lambda lib: lib.bincount(lib.tensor([0, 1]), None, 2.0),
    lambda lib: lib.tensor([0, 1]).bincount(None, 2.0),
    lambda lib: lib.tensor([0, 1]).bincount([1., 2.]),
    lambda lib: lib.bincount(lib.tensor([0, 1]), weights=[1., 2.]),
    lambda lib: lib.bincount([1, 2]),
    lambda lib: lib.bincount(lib.tensor([1]), None, 0, 1),
])
def test_bincount_errors(case):
    assert_same(case)


def test_bincount_weights_that_require_grad_record_a_not_implemented_node():
    def program(lib):
        w = lib.tensor([.5, 1., 1., 2.], requires_grad=True)
        x = lib.tensor([0, 1, 1, 3])
        r, r16 = lib.bincount(x, w), lib.bincount(x, w.half())
        with lib.no_grad():
            plain = lib.bincount(x, w)
        return r, r16, plain, r.grad_fn.name(), type(r.grad_fn).__name__, len(r.grad_fn.next_functions)

    assert_same(program)
    w = glassgrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^derivative for aten::bincount is not implemented$"):
        glassgrad.bincount(glassgrad.tensor([0, 1]), w).sum().backward()


# ---- as_strided -----------------------------------------------------------------------------------------------------
def test_as_strided_views_the_storage():
    def program(lib):
        x = lib.arange(12.).reshape(3, 4)
        v = x[1:, 1:]
        y = v.as_strided((2,), (1,))
        y[0] = 100.  # writes through to x
        return (x.as_strided((2, 2), (1, 2)), x.as_strided((2, 2), (1, 2), 3), lib.as_strided(x, (2, 2), (1, 2), 1),
                x.as_strided([2, 2], [1, 1]), x.as_strided((), ()), x.as_strided((0, 5), (100, 1), 13),
                x.as_strided((3, 2), (0, 1)), v.as_strided((2,), (1,), 0), v.storage_offset(), y.storage_offset(),
                y._base is x._base, x, x._version, lib.arange(6).as_strided((2,), (3,)),
                lib.as_strided(x, size=(2,), stride=(1,), storage_offset=2),
                x.t().as_strided((3,), (1,)), x.t().storage_offset(), x[2].storage_offset())

    assert_same(program)


@pytest.mark.parametrize("case", [
    lambda lib: lib.arange(12.).as_strided((3, 5), (4, 1)),
    lambda lib: lib.arange(12.).as_strided((2, 2), (4, 1), 10),
    lambda lib: lib.arange(12.).as_strided((2, 2), (-1, 1)),
    lambda lib: lib.arange(12.).as_strided((2, 2), (1, 1), -1),
    lambda lib: lib.arange(12.).as_strided((2, 2), (1,)),
    lambda lib: lib.arange(12.).as_strided((-2, 2), (1, 1)),
    lambda lib: lib.arange(12.).as_strided((2, -2), (1,)),
    lambda lib: lib.arange(12.).as_strided((20,), (1,), -1),
    lambda lib: lib.arange(12.).as_strided((0,), (-1,)),
    lambda lib: lib.arange(12.).as_strided(2, 1),
    lambda lib: lib.as_strided(lib.arange(12.), 2, (1,)),
    lambda lib: lib.as_strided(lib.arange(12.), size=2, stride=(1,)),
    lambda lib: lib.arange(12.).as_strided((2.,), (1,)),
    lambda lib: lib.arange(12.).as_strided((2,), None),
    lambda lib: lib.arange(12.).as_strided((2,), (1,), 1.5),
    lambda lib: lib.arange(12.).as_strided((2,), (1,), storage_offset=1.5),
    lambda lib: lib.as_strided([1, 2], (2,), (1,)),
    lambda lib: lib.zeros(3, 4)[:, 1:].as_strided((12,), (1,)),
])
def test_as_strided_errors(case):
    assert_same(case)


def test_as_strided_gradients():
    def program(lib):
        b = lib.arange(1., 13., requires_grad=True)
        y = (b * 1).as_strided((3, 3), (1, 1))  # overlapping output: gradients add up
        y.backward(lib.arange(9.).reshape(3, 3))
        b2 = lib.arange(1., 13., requires_grad=True)
        z = (b2 * 1)[2:8].as_strided((2, 3), (1, 2), 0)  # reads storage before its input: that part gets nothing
        z.backward(lib.ones(2, 3) * lib.tensor([1., 10, 100]))
        b3 = lib.tensor([1., 2.], requires_grad=True)
        e = b3.expand(3, 2).as_strided((2,), (1,))  # overlapping input: gradient shared between its copies
        e.backward(lib.tensor([5., 7.]))
        a = lib.arange(6., requires_grad=True)
        leaf_view = a.as_strided((2, 2), (2, 1), 1)
        leaf_view.sum().backward()
        with lib.no_grad():
            quiet = a.as_strided((2,), (1,))
        return (fresh(b.grad), y.grad_fn.name(), z.grad_fn.next_functions[0][0].name(), fresh(b2.grad),
                fresh(b3.grad), fresh(a.grad),
                leaf_view.is_leaf, quiet.requires_grad, quiet.grad_fn)

    assert_same(program)


def test_as_strided_double_backward_and_inplace_through_the_view():
    def program(lib):
        a = lib.arange(6., requires_grad=True)
        z = a.as_strided((2, 2), (1, 1))
        g, = lib.autograd.grad((z ** 2).sum(), a, create_graph=True)
        g.sum().backward()
        w = lib.zeros(4, requires_grad=True)
        q = w.clone()
        view = q.as_strided((2,), (1,), 1)
        view.mul_(2)
        names = (q.grad_fn.name(), view.grad_fn.name())
        (q * lib.arange(1., 5.)).sum().backward()
        c = lib.arange(6.)
        c.as_strided((2,), (2,), 1).add_(100)
        return fresh(g), g.grad_fn.name(), fresh(a.grad), names, fresh(w.grad), c, c._version

    assert_same(program)


def test_as_strided_of_a_non_contiguous_root():
    # NumPy keeps the memory order of a transposed operand, as PyTorch's TensorIterator does
    def program(lib):
        base = lib.arange(6.).reshape(2, 3).t() * 1  # a fresh tensor laid out column-major
        y = base.as_strided((2, 2), (1, 3))
        y.add_(10)
        return base.stride(), base.is_contiguous(), y, base

    assert_same(program)


def test_counting_module_imports_no_numpy():
    # op family modules compute on `xp` (NumPy or CuPy), as tests/test_op_coverage.py checks of the others
    with open(glassgrad.ops.counting.__file__) as f:
        assert "import numpy" not in f.read()


def test_docstring_examples_run():
    import doctest
    import glassgrad.ops.counting as counting
    result = doctest.testmod(counting, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 6


def test_numpy_numbers_are_numbers():
    def program(lib):
        x = lib.arange(12.)
        return (lib.histc(lib.tensor([1., 2.]), 3, np.float32(0), np.float64(3)),
                lib.searchsorted(lib.tensor([1., 2., 3.]), np.float64(2.5)),
                lib.bucketize(np.int64(2), lib.tensor([1, 3])),
                x.as_strided((np.int64(2), 2), (np.int32(1), 2)), lib.bincount(lib.tensor([1, 1]), minlength=3))

    assert_same(program)


def test_as_strided_of_a_flipped_tensor_and_of_a_shared_input_in_double_backward():
    def program(lib):
        f = lib.flip(lib.arange(6.).reshape(2, 3), (1,)) * 1
        a = lib.tensor([1., 2.], requires_grad=True)
        e = a.expand(3, 2)
        z = e.as_strided((2,), (1,))
        g, = lib.autograd.grad((z ** 2).sum(), a, create_graph=True)
        g.sum().backward()
        return f.as_strided((4,), (1,)), f.stride(), fresh(g), fresh(a.grad)

    assert_same(program)
