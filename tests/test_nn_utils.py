"""nn.utils against PyTorch: gradient clipping (the returned norm, the clipped gradients, parameters without a
gradient, non-finite norms), parameters as a vector and back, and rnn.pad_sequence / unpad_sequence."""
import math
import warnings

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad, torch

LIBS = [torch, glassgrad]
G = [np.array([[3.0, -4.0], [1.0, 2.0]], np.float32), np.array([0.5, -12.0, 7.0], np.float32)]


def _params(lib, grads=G, missing=True):
    ps = []
    for g in grads:
        p = lib.nn.Parameter(lib.zeros(g.shape))
        p.grad = lib.tensor(g.copy())
        ps.append(p)
    if missing:
        ps.insert(1, lib.nn.Parameter(lib.ones(2)))  # no .grad: skipped
    return ps


@pytest.mark.parametrize("max_norm", [1.0, 100.0, 5])
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, 0.5, math.inf, "inf"])
def test_clip_grad_norm(max_norm, norm_type):
    def program(lib):
        ps = _params(lib)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        return [total] + [p.grad for p in ps if p.grad is not None] + [ps[1].grad is None]

    assert_same(program)


def test_clip_grad_norm_single_tensor_generator_and_empty():
    def program(lib):
        p = _params(lib, missing=False)[1]
        total = lib.nn.utils.clip_grad_norm_(p, 2.0)
        module = lib.nn.Linear(2, 2)
        module(lib.ones(1, 2)).sum().backward()
        total2 = lib.nn.utils.clip_grad_norm_(module.parameters(), 0.1)
        return total, p.grad, total2, module.weight.grad, lib.nn.utils.clip_grad_norm_([], 1.0)

    assert_same(program, rtol=1e-5, atol=1e-6)
    for lib in LIBS:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            assert float(lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)) == 0.0
        assert [str(x.message) for x in w] == ["`parameters` is an empty generator, no gradient clipping will occur."]
        with pytest.warns(FutureWarning, match="`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                                               "`torch.nn.utils.clip_grad_norm_`."):
            lib.nn.utils.clip_grad_norm(_params(lib), 1.0)


def test_clip_grad_norm_non_finite():
    def program(lib):
        ps = _params(lib, grads=[np.array([1.0, np.inf, 2.0], np.float32), np.array([3.0], np.float32)])
        return lib.nn.utils.clip_grad_norm_(ps, 1.0), ps[0].grad, ps[2].grad

    assert_same(program)  # scaled by 1 / inf anyway: 0 and nan, as in PyTorch

    def strict(lib):
        ps = _params(lib, grads=[np.array([1.0, np.nan], np.float32)])
        return lib.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)

    assert_same(strict)


def test_clip_grad_norm_records_no_graph():
    for lib in LIBS:
        p = lib.nn.Parameter(lib.zeros(2))
        p.grad = lib.tensor([3.0, 4.0], requires_grad=True) * 1  # even a gradient that has a graph
        total = lib.nn.utils.clip_grad_norm_([p], 1.0)
        assert total.requires_grad is False and total.grad_fn is None


@pytest.mark.parametrize("clip", [0.5, 3, 100.0])
def test_clip_grad_value(clip):
    def program(lib):
        ps = _params(lib)
        assert lib.nn.utils.clip_grad_value_(ps, clip) is None
        single = _params(lib, missing=False)[0]
        lib.nn.utils.clip_grad_value_(single, clip)
        return [p.grad for p in ps if p.grad is not None] + [single.grad]

    assert_same(program)


def test_parameters_to_vector_and_back():
    def program(lib):
        m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Linear(3, 1, bias=False))
        with lib.no_grad():
            for i, p in enumerate(m.parameters()):
                p.copy_(lib.arange(p.numel(), dtype=lib.float32).reshape(p.shape) + i)
        vec = lib.nn.utils.parameters_to_vector(m.parameters())
        (vec * lib.arange(vec.numel(), dtype=lib.float32)).sum().backward()
        new = lib.arange(vec.numel(), dtype=lib.float32) * -1
        lib.nn.utils.vector_to_parameters(new, m.parameters())
        return vec, [p.grad for p in m.parameters()], [p.detach().clone() for p in m.parameters()], \
            [p.requires_grad for p in m.parameters()]

    assert_same(program)
    for lib in LIBS:
        with pytest.raises(TypeError, match="^expected torch.Tensor, but got: list$"):
            lib.nn.utils.vector_to_parameters([1.0], [lib.nn.Parameter(lib.zeros(1))])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2,)])
def test_pad_sequence(batch_first, padding_side, trailing):
    from_np = [np.arange(n * int(np.prod(trailing)), dtype=np.float32).reshape((n,) + trailing) + 1
               for n in (2, 4, 1, 3)]

    def program(lib):
        from importlib import import_module
        rnn = import_module(lib.__name__ + ".nn.utils.rnn")
        seqs = [lib.tensor(a, requires_grad=True) for a in from_np]
        out = rnn.pad_sequence(seqs, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
        (out * lib.arange(out.numel(), dtype=lib.float32).reshape(out.shape)).sum().backward()
        return fresh(out), [s.grad for s in seqs]  # fresh: PyTorch's output version counts its copies

    assert_same(program)


def test_pad_sequence_inputs_and_errors():
    for lib in LIBS:
        from importlib import import_module
        rnn = import_module(lib.__name__ + ".nn.utils.rnn")
        # the first sequence's dtype; a tensor is a sequence of its rows
        assert rnn.pad_sequence([lib.ones(1), lib.ones(2, dtype=lib.long)]).dtype == lib.float32
        assert rnn.pad_sequence(lib.ones(2, 3)).tolist() == [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
        padded = rnn.pad_sequence([lib.ones(1), lib.ones(3) * 2], batch_first=True)
        assert [s.tolist() for s in rnn.unpad_sequence(padded, lib.tensor([1, 3]), batch_first=True)] == \
            [[1.0], [2.0, 2.0, 2.0]]
        with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got middle."):
            rnn.pad_sequence([lib.ones(2)], padding_side="middle")
        with pytest.raises(RuntimeError, match="pad_sequence: Expected iterable for input sequences, but got arg of "
                                               "type: <class 'int'>"):
            rnn.pad_sequence(5)
        with pytest.raises(RuntimeError, match="received an empty list of sequences"):
            rnn.pad_sequence([])
