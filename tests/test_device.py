"""torch.device and device moves against PyTorch (a CPU-only build): constructing any device, its repr, str,
equality and hash; `.cpu()` / `.to("cpu")` returning the tensor itself; moves to CUDA failing with PyTorch's
error. Then CUDA emulation (glassgrad.device.emulate_cuda), which PyTorch cannot run here: an emulated
`.cuda()` must be observably the same graph as PyTorch's device copy on the CPU (`_to_copy`, which
`.to("cpu", copy=True)` also makes), and report `device(type='cuda', index=0)`."""
import copy
import pickle

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad, torch

from glassgrad.device import emulate_cuda, is_cuda_emulated
from glassgrad.ops import device_copy

LIBS = [torch, glassgrad]


def _outcome(f):
    try:
        d = f()
    except Exception as e:  # noqa: BLE001 - the exception is the observation
        return ("raise", type(e).__name__, str(e))
    return ("ok", repr(d), str(d), d.type, d.index)


# ---- torch.device ---------------------------------------------------------------------------------------------
DEVICE_ARGS = [
    ("cpu",), ("cpu:0",), ("cpu", 0), ("cpu:1",), ("cuda",), ("cuda:0",), ("cuda", 1), ("cuda:7",), ("mps",),
    ("meta",), ("xla",), ("xpu:3",), ("hip",), ("privateuseone",), ("cuda", None), ("cuda:127",),
    ("cuda:2147483648",), ("cuda:-1",), ("cuda:x",), ("cuda:0:1",), ("cuda: 0",), ("cuda:01",), ("cpu:00",),
    ("cuda:",), (" cuda",), ("cuda:1\n",), ("cuda1",), (":1",), ("cu-da",), ("",), ("gpu",), ("CUDA",), ("_cuda",),
    ("cuda", -1), ("cpu", -2), ("cuda:0", 1), ("cuda:1", None), ("cuda", 1.0), ("cuda", "1"), ("cpu", True),
    (0,), (3,), (-1,), (True,), (None,), (1.5,), (), (b"cuda",),
]


@pytest.mark.parametrize("args", DEVICE_ARGS, ids=repr)
def test_device_construction(args):
    expected = _outcome(lambda: torch.device(*args))
    assert _outcome(lambda: glassgrad.device(*args)) == expected


@pytest.mark.parametrize("kw", [dict(type="cuda", index=2), dict(type="cuda:1", index=0), dict(type="cpu"),
                                dict(type="cuda", index=np.int64(1))], ids=str)
def test_device_keywords_and_index_types(kw):
    assert _outcome(lambda: glassgrad.device(**kw)) == _outcome(lambda: torch.device(**kw))


def test_device_from_device_and_tensor_index():
    for lib in LIBS:
        d = lib.device("cuda:1")
        assert repr(lib.device(d)) == "device(type='cuda', index=1)"
        with pytest.raises(TypeError, match=r"^device\(\): argument 'type' \(position 1\) must be str, not "
                                            r"torch\.device$"):
            lib.device(d, 2)
        assert repr(lib.device("cpu", lib.tensor(1))) == "device(type='cpu', index=1)"


SPELLINGS = [("cpu",), ("cpu", 0), ("cpu:1",), ("cuda",), ("cuda:0",), ("cuda", 1), ("mps",), ("meta", 0)]


def test_device_equality_and_hash():
    for a in SPELLINGS:
        for b in SPELLINGS:
            want = torch.device(*a) == torch.device(*b)
            assert (glassgrad.device(*a) == glassgrad.device(*b)) is want, (a, b)
            assert (glassgrad.device(*a) != glassgrad.device(*b)) is (not want), (a, b)
        # NOTE: the hash is PyTorch's (type number and index), not just consistent with ==
        assert hash(glassgrad.device(*a)) == hash(torch.device(*a)), a
    for lib in LIBS:
        assert (lib.device("cpu") == "cpu") is False  # devices equal devices only
        assert ("cuda:0" == lib.device("cuda:0")) is False
        assert {lib.device("cuda", 0): 1}[lib.device("cuda:0")] == 1
        with pytest.raises(TypeError, match="^comparison not implemented$"):
            lib.device("cpu") < lib.device("cpu")


def test_device_is_immutable_and_pickles():
    for lib in LIBS:
        d = lib.device("cuda", 1)
        with pytest.raises(AttributeError, match="^attribute 'type' of 'torch.device' objects is not writable$"):
            d.type = "cpu"
        with pytest.raises(AttributeError, match="^attribute 'index' of 'torch.device' objects is not writable$"):
            d.index = 0
        for back in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d), copy.copy(d)):
            assert back == d and type(back) is lib.device
        assert pickle.loads(pickle.dumps(lib.device("mps"))) == lib.device("mps")
    assert glassgrad.device("cuda", 1).__reduce__()[1] == torch.device("cuda", 1).__reduce__()[1]


def test_mkldnn_device_warns_like_pytorch():
    assert_same(lambda lib: repr(lib.device("mkldnn")))


# ---- moves on a CPU-only build -------------------------------------------------------------------------------
def _leaf(lib):
    return lib.tensor([1.5, -2.0], requires_grad=True)


CPU_MOVES = {
    "cpu_is_self": lambda lib: (lambda x: (x.cpu() is x, x.cpu(memory_format=lib.preserve_format) is x
                                           if hasattr(lib, "preserve_format") else True))(_leaf(lib)),
    "to_cpu_is_self": lambda lib: (lambda x: (x.to("cpu") is x, x.to(lib.device("cpu")) is x,
                                              x.to(device="cpu") is x, x.to("cpu", lib.float32) is x))(_leaf(lib)),
    "to_other_cpu_tensor_is_self": lambda lib: (lambda x: x.to(lib.zeros(1)) is x)(_leaf(lib)),
    # NOTE: device('cpu:0') is not the tensor's device('cpu'), so PyTorch copies
    "to_cpu0_copies": lambda lib: (lambda x: (x, x.to("cpu:0"), x.to("cpu:0") is x))(_leaf(lib)),
    "to_cpu1_device": lambda lib: repr(lib.ones(2).to("cpu:1").device),
    "to_cpu_copy_true": lambda lib: (lambda x: (x, x.to("cpu", copy=True)))(_leaf(lib)),
    "to_cpu_and_dtype": lambda lib: (lambda x: (x, x.to("cpu", lib.float64)))(_leaf(lib)),
    "device_of_cpu_tensor": lambda lib: (repr(lib.ones(1).device), lib.ones(1).is_cuda, lib.ones(1).get_device()),
    "cpu_copy_grad_flows": lambda lib: _grad_through(lib, lambda x: x.to("cpu:0")),
}


def _grad_through(lib, move):
    x = _leaf(lib)
    y = move(x)
    (y * y).sum().backward()
    return x.is_leaf, y, fresh(x.grad)


@pytest.mark.parametrize("name", CPU_MOVES)
def test_cpu_moves(name):
    assert_same(CPU_MOVES[name])


CUDA_REFUSED = {
    "cuda": lambda lib: _leaf(lib).cuda(),
    "cuda_non_blocking": lambda lib: _leaf(lib).cuda(non_blocking=True),
    "cuda_index": lambda lib: _leaf(lib).cuda(1),
    "cuda_to_cpu": lambda lib: _leaf(lib).cuda("cpu"),
    "cuda_bad_name": lambda lib: _leaf(lib).cuda("gpu"),
    "to_cuda": lambda lib: _leaf(lib).to("cuda"),
    "to_cuda1": lambda lib: _leaf(lib).to("cuda:1"),
    "to_device_kw": lambda lib: _leaf(lib).to(device="cuda:0"),
    "to_device_obj_dtype": lambda lib: _leaf(lib).to(lib.device("cuda"), lib.float64),
    "to_index": lambda lib: _leaf(lib).to(0),
    "to_mps": lambda lib: _leaf(lib).to("mps"),
    "to_xla": lambda lib: _leaf(lib).to("xla"),
    "to_xpu": lambda lib: _leaf(lib).to("xpu"),
    "to_gpu": lambda lib: _leaf(lib).to("gpu"),
    "module_cuda": lambda lib: lib.nn.Linear(2, 2).cuda(),
    "module_cuda_cpu": lambda lib: lib.nn.Linear(2, 2).cuda("cpu"),
    "module_to_cuda": lambda lib: lib.nn.Linear(2, 2).to("cuda"),
    "module_to_index": lambda lib: lib.nn.Linear(2, 2).to(0),
    "module_to_gpu": lambda lib: lib.nn.Linear(2, 2).to("gpu"),
}


@pytest.mark.parametrize("name", CUDA_REFUSED)
def test_cuda_refused_without_emulation(name):
    t_out, _ = assert_same(CUDA_REFUSED[name])
    assert t_out[0] == "raise"


def test_cuda_error_text():
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        glassgrad.ones(1).cuda()
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        glassgrad.ones(1).to("cuda")


def test_module_to_cpu_keeps_parameters():
    def program(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 2)
        w = m.weight
        r = m.to("cpu")
        r2 = m.cpu()
        return r is m, r2 is m, m.weight is w, repr(m.weight.device), m.weight.is_leaf

    assert_same(program)


def test_meta_is_not_emulated():
    with pytest.raises(NotImplementedError, match="^glassgrad does not implement meta tensors$"):
        glassgrad.ones(1).to("meta")


# ---- emulated CUDA --------------------------------------------------------------------------------------------
@pytest.fixture
def emulated():
    with emulate_cuda(True):
        yield


def _moves(lib):
    """glassgrad's emulated moves, and what PyTorch does on the CPU for a device copy (one `_to_copy`)."""
    if lib is glassgrad:
        return [lambda t: t.cuda(), lambda t: t.to("cuda"), lambda t: t.to(device="cuda:0"), lambda t: t.cuda(0),
                lambda t: t.to(lib.device("cuda", 0))]
    return [lambda t: t.to("cpu", copy=True)] * 5


def _emulated_same(program):
    """Runs program(lib, move) for each move; glassgrad under emulation, PyTorch with its CPU device copy."""
    for i in range(5):
        def run(lib, i=i):
            with emulate_cuda(lib is glassgrad):
                return program(lib, _moves(lib)[i])
        assert_same(run)


def test_emulated_copy_of_a_leaf():
    def program(lib, move):
        x = _leaf(lib)
        y = move(x)
        return x, y, y is x, y.data_ptr() == x.data_ptr()

    _emulated_same(program)


def test_emulated_copy_gradient_reaches_the_leaf():
    def program(lib, move):
        x = _leaf(lib)
        y = move(x)
        z = (y * y).sum() + (move(x) * 3).sum()
        z.backward()
        return x.is_leaf, y, z, fresh(x.grad)

    _emulated_same(program)


def test_emulated_copy_of_non_leaf_and_plain_tensors():
    def program(lib, move):
        x = _leaf(lib)
        h = x * 2
        y = move(h)
        i = move(lib.tensor([1, 2]))
        y.sum().backward()
        return h, y, i, x.is_leaf, fresh(x.grad)

    _emulated_same(program)


def test_emulated_copy_under_no_grad():
    def program(lib, move):
        x = _leaf(lib)
        with lib.no_grad():
            y = move(x)
        return y, y.is_leaf

    _emulated_same(program)


def test_emulated_copy_does_not_share_data(emulated):
    x = glassgrad.tensor([1., 2.])
    y = x.cuda()
    x.add_(10)
    np.testing.assert_array_equal(y.numpy(), [1., 2.])
    assert y._version == 0


def test_emulated_device_reports_cuda(emulated):
    x = _leaf(glassgrad)
    y = x.cuda()
    assert repr(y.device) == "device(type='cuda', index=0)"
    assert y.device == glassgrad.device("cuda:0") and y.device.type == "cuda" and y.device.index == 0
    assert y.is_cuda and y.get_device() == 0
    assert repr(y) == "tensor([ 1.5000, -2.0000], device='cuda:0', grad_fn=<ToCopyBackward0>)"
    assert repr(x.to("cuda:2").device) == "device(type='cuda', index=2)"
    assert not x.is_cuda and x.device == glassgrad.device("cpu")  # the source stays where it was


def test_emulated_moves_that_return_self_and_copies_back(emulated):
    x = _leaf(glassgrad)
    y = x.cuda()
    assert y.cuda() is y and y.to("cuda") is y and y.to("cuda:0") is y and y.to(y) is y
    assert y.to("cuda:1") is not y
    back = y.cpu()
    assert back is not y and back.device == glassgrad.device("cpu") and not back.is_cuda
    assert back.grad_fn.name() == "ToCopyBackward0" and back.grad_fn.next_functions[0][0] is y.grad_fn
    assert y.to("cpu").grad_fn.name() == "ToCopyBackward0"
    assert x.to(y).is_cuda  # .to(other) follows other's device
    back.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1., 1.])


def test_emulated_cast_on_gpu_copy(emulated):
    y = _leaf(glassgrad).cuda()
    d = y.to(glassgrad.float64)
    assert d.dtype is glassgrad.float64 and d.is_cuda and d.grad_fn.name() == "ToCopyBackward0"
    assert y.double().is_cuda
    z = _leaf(glassgrad).to("cuda", glassgrad.float64)  # one copy does both
    assert z.dtype is glassgrad.float64 and z.is_cuda
    assert type(z.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"


def test_emulated_errors_still_checked(emulated):
    x = glassgrad.ones(1)
    with pytest.raises(RuntimeError, match="^Invalid device, must be cuda device$"):
        x.cuda("cpu")
    with pytest.raises(RuntimeError, match="^PyTorch is not linked with support for mps devices$"):
        x.to("mps")
    with pytest.raises(RuntimeError, match="^Device index must not be negative$"):
        x.cuda(-1)
    assert repr(glassgrad.device(0)) == "device(type='cuda', index=0)"  # a bare index is the GPU
    assert x.cuda(1).device == glassgrad.device("cuda:1")


def test_emulated_module_cuda_and_back(emulated):
    glassgrad.manual_seed(0)
    m = glassgrad.nn.Linear(3, 2)
    w = m.weight
    w0 = w.detach().clone()
    assert m.cuda() is m
    # parameters move in place: the same Parameter objects, leaves that require grad, now on the GPU
    assert m.weight is w and type(w) is glassgrad.nn.Parameter and w.is_leaf and w.requires_grad
    assert w.device == glassgrad.device("cuda:0") and m.bias.is_cuda
    np.testing.assert_array_equal(w.detach().numpy(), w0.numpy())
    x = glassgrad.ones(4, 3).cuda()
    m(x).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.full((2, 3), 4.0))
    m.to("cpu")
    assert not w.is_cuda and w.device == glassgrad.device("cpu") and m.weight is w
    m.to(glassgrad.device("cuda"), glassgrad.float64)
    assert w.is_cuda and w.dtype is glassgrad.float64


def test_emulated_module_buffers_move(emulated):
    bn = glassgrad.nn.BatchNorm1d(3).cuda()
    assert bn.running_mean.is_cuda and bn.num_batches_tracked.is_cuda
    assert bn.num_batches_tracked.dtype is glassgrad.int64


def test_emulation_switch():
    assert not is_cuda_emulated()
    with emulate_cuda(True):
        assert is_cuda_emulated()
        with emulate_cuda(False):
            assert not is_cuda_emulated()
            with pytest.raises(AssertionError):
                glassgrad.ones(1).cuda()
        assert is_cuda_emulated()
    assert not is_cuda_emulated()
    emulate_cuda(True)
    try:
        assert glassgrad.ones(1).cuda().is_cuda
    finally:
        emulate_cuda(False)
    assert not is_cuda_emulated()
    with pytest.raises(RuntimeError, match="^Cannot access accelerator device when none is available.$"):
        glassgrad.device(0)


def test_factory_placement():
    t = glassgrad.zeros(2)
    assert device_copy.place(t, None) is t and device_copy.place(t, "cpu") is t and not t.is_cuda
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        device_copy.place(glassgrad.zeros(2), "cuda")
    with emulate_cuda(True):
        u = device_copy.place(glassgrad.zeros(2, requires_grad=True), "cuda")
    assert u.is_cuda and u.is_leaf and u.requires_grad and u.device == glassgrad.device("cuda", 0)


def test_ops_on_emulated_tensors_report_cpu(emulated):
    """The documented limitation: only copies carry the mark."""
    y = glassgrad.ones(2, requires_grad=True).cuda()
    assert not (y * 2).is_cuda and not y.detach().is_cuda and not y[0].is_cuda
