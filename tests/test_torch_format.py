"""glassgrad.save / glassgrad.load in PyTorch's checkpoint format (zip archive + pickle), against real PyTorch:
files go both ways (values, dtypes, shapes, strides, requires_grad, Parameters, shared storage, key order, state
dict metadata, optimizer state, whole modules), and weights_only=True (the default) refuses what PyTorch 2.13
refuses, before anything in the file runs."""
import collections
import io
import os
import pathlib
import pickle
import pickletools
import warnings
import zipfile

import numpy as np
import pytest

from difftools import glassgrad, torch

S = glassgrad.serialization
DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


class Config:
    """A plain class a checkpoint can hold; weights_only loads it only once it is allowed."""

    def __init__(self, lr, layers):
        self.lr = lr
        self.layers = layers

    def __eq__(self, other):
        return type(other) is Config and vars(other) == vars(self)


@pytest.fixture(autouse=True)
def _no_leftover_safe_globals():
    yield
    S.clear_safe_globals()
    torch.serialization.clear_safe_globals()


def _bytes(mod, obj, **kw):
    buf = io.BytesIO()
    mod.save(obj, buf, **kw)
    return buf.getvalue()


def _load(mod, data, **kw):
    return mod.load(io.BytesIO(data), **kw)


def _records(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist()}


def _observe(obj, mod):
    """What a user can see of a loaded object, as plain data (tensors: class, dtype, shape, stride, values,
    requires_grad, is_leaf)."""
    if isinstance(obj, mod.Tensor):
        # NOTE: strides of an empty tensor are left out: glassgrad reports NumPy's zeros there (tensor.py)
        return ("Parameter" if isinstance(obj, mod.nn.Parameter) else "Tensor", str(obj.dtype), tuple(obj.shape),
                obj.stride() if obj.numel() else None, obj.detach().numpy().tolist(), obj.requires_grad, obj.is_leaf,
                obj.grad_fn)
    if isinstance(obj, dict):
        out = (type(obj).__name__, [(k, _observe(v, mod)) for k, v in obj.items()])
        meta = getattr(obj, "_metadata", None)
        return out + ((_observe(meta, mod),) if meta is not None else ())
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_observe(v, mod) for v in obj])
    if isinstance(obj, (mod.dtype, mod.device, mod.Size)):
        return (type(obj).__name__, str(obj))
    return obj


def _state(mod):
    """A checkpoint as training scripts write it: a state dict with views, metadata and odd dtypes, optimizer state
    with int keys and tuples, a Parameter, plain values."""
    base = mod.arange(24.).reshape(4, 6)
    sd = collections.OrderedDict()
    sd["layer.10.weight"] = base
    sd["layer.2.row"] = base[1]
    sd["layer.2.t"] = base.t()
    sd["layer.2.cols"] = base[:, 1:5:2]
    sd["half"] = mod.ones(2, 3, dtype=mod.float16)
    sd["mask"] = mod.tensor([True, False])
    sd["bn.num_batches_tracked"] = mod.tensor(7)
    sd["empty"] = mod.zeros(0, 3)
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    optim = {"state": {0: {"step": mod.tensor(3.), "exp_avg": mod.full((2, 2), 0.5)},
                       1: {"step": mod.tensor(3.), "exp_avg": mod.tensor([1., 2.], dtype=mod.float64)}},
             "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-08, "amsgrad": False, "foreach": None,
                               "params": [0, 1]}]}
    return {"model": sd, "optim": optim, "epoch": 3, "loss": 0.25, "name": "run-1", "tags": ("a", None),
            "param": mod.nn.Parameter(mod.tensor([1., -1.])), "frozen": mod.nn.Parameter(mod.ones(1), False),
            "grad": mod.ones(2, requires_grad=True), "nonleaf": mod.ones(2, requires_grad=True) * 2,
            "dtype": mod.float64, "size": mod.Size([2, 3]), "bytes": b"\x00\xff", "set": {1, 2}, "complex": 1 + 2j}


# ---- the files are PyTorch's ---------------------------------------------------------------------------------
def test_glassgrad_writes_the_archive_torch_writes():
    """The same object saved by both: the same records, byte for byte (the random serialization id aside)."""
    def obj(mod):
        state = _state(mod)
        del state["size"]  # NOTE: torch pickles a fresh 'cpu' string per device; only memoization differs
        return state
    t_rec, g_rec = _records(_bytes(torch, obj(torch))), _records(_bytes(glassgrad, obj(glassgrad)))
    assert list(t_rec) == list(g_rec)
    for name in t_rec:
        if not name.endswith("serialization_id"):
            assert t_rec[name] == g_rec[name], f"{name} differs:\n" + (pickletools.dis(g_rec[name]) or "")
    t_raw, g_raw = _bytes(torch, obj(torch)), _bytes(glassgrad, obj(glassgrad))
    assert len(t_raw) == len(g_raw)
    offsets = [i.header_offset for i in zipfile.ZipFile(io.BytesIO(t_raw)).infolist()]
    assert offsets == [i.header_offset for i in zipfile.ZipFile(io.BytesIO(g_raw)).infolist()]


def test_a_path_names_the_archive_folder(tmp_path):
    torch.save(torch.ones(1), tmp_path / "t.my.model.pt")
    glassgrad.save(glassgrad.ones(1), str(tmp_path / "g.my.model.pt"))
    t_names = zipfile.ZipFile(tmp_path / "t.my.model.pt").namelist()
    g_names = zipfile.ZipFile(tmp_path / "g.my.model.pt").namelist()
    assert [n.replace("t.my.model/", "") for n in t_names] == [n.replace("g.my.model/", "") for n in g_names]
    with open(tmp_path / "g.my.model.pt", "rb") as fh:  # a file object, and a pathlib path
        assert torch.load(fh).tolist() == glassgrad.load(pathlib.Path(tmp_path / "g.my.model.pt")).tolist() == [1.]


def test_storage_records_are_aligned_for_mmap(tmp_path):
    path = tmp_path / "m.pt"
    glassgrad.save({"w": glassgrad.arange(10.), "b": glassgrad.ones(3, dtype=glassgrad.float64)}, path)
    raw = path.read_bytes()
    for info in zipfile.ZipFile(path).infolist():
        start = info.header_offset + 30 + int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28],
                                                         "little")
        start += int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
        assert start % 64 == 0, info.filename
    got = torch.load(path, mmap=True)
    assert got["w"].tolist() == list(range(10)) and got["b"].dtype == torch.float64


# ---- both ways -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("src,dst", [(glassgrad, torch), (torch, glassgrad), (glassgrad, glassgrad)],
                         ids=["glassgrad->torch", "torch->glassgrad", "glassgrad->glassgrad"])
def test_checkpoint_loads_the_same_everywhere(src, dst):
    got = _load(dst, _bytes(src, _state(src)))  # weights_only=True, the default
    expected = _load(torch, _bytes(torch, _state(torch)))
    assert _observe(got, dst) == _observe(expected, torch)
    assert list(got["model"]) == list(expected["model"])


@pytest.mark.parametrize("src,dst", [(glassgrad, torch), (torch, glassgrad)], ids=["g->t", "t->g"])
def test_views_load_as_views_of_one_storage(src, dst):
    base = src.arange(12.).reshape(3, 4)
    got = _load(dst, _bytes(src, {"base": base, "row": base[1], "t": base.t(), "same": base}))
    assert got["same"] is got["base"]
    with dst.no_grad():
        got["base"].add_(100)
    assert got["row"].tolist() == [104., 105., 106., 107.]
    assert got["t"].stride() == (1, 4) and got["t"][0].tolist() == [100., 104., 108.]
    assert got["row"].is_leaf and got["row"].grad_fn is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3, 4)])
def test_every_dtype_and_shape(dtype, shape):
    arr = np.asarray(np.random.default_rng(0).standard_normal(shape) * 50).astype(dtype.replace("bool", "bool_"))
    g_out = _load(torch, _bytes(glassgrad, glassgrad.from_numpy(arr)))
    t_out = _load(glassgrad, _bytes(torch, torch.from_numpy(arr)))
    for out, mod in ((g_out, torch), (t_out, glassgrad)):
        assert str(out.dtype) == f"torch.{dtype}" and tuple(out.shape) == shape, mod.__name__
        np.testing.assert_array_equal(out.numpy(), arr)


def test_memory_layouts():
    """Views of a Fortran-ordered array share its storage; an array NumPy built over memory it does not own as one
    block (as_strided) is saved as a copy of its own."""
    arr = np.arange(24.).reshape(4, 6)
    fortran = np.asfortranarray(arr)
    odd = np.lib.stride_tricks.as_strided(arr, shape=(3, 2), strides=(16, 8))
    obj = {"f": glassgrad.from_numpy(fortran), "f_row": glassgrad.from_numpy(fortran[1]),
           "odd": glassgrad.from_numpy(odd), "base": glassgrad.from_numpy(arr)}
    out = _load(torch, _bytes(glassgrad, obj))
    for key, expected in (("f", fortran), ("f_row", fortran[1]), ("odd", odd), ("base", arr)):
        np.testing.assert_array_equal(out[key].numpy(), expected, err_msg=key)
    assert out["f"].stride() == (1, 4) and out["f_row"].stride() == (4,)
    assert out["f"].untyped_storage().data_ptr() == out["f_row"].untyped_storage().data_ptr()
    assert out["odd"].untyped_storage().data_ptr() != out["base"].untyped_storage().data_ptr()
    assert out["odd"].is_contiguous()


def test_views_of_one_memory_as_two_dtypes_are_refused_as_in_torch():
    def program(mod):
        t = mod.arange(4.)
        mod.save([t, t.view(mod.int32)], io.BytesIO())
    with pytest.raises(RuntimeError) as t_err:
        program(torch)
    with pytest.raises(RuntimeError) as g_err:
        program(glassgrad)
    assert str(g_err.value) == str(t_err.value)


def test_tensor_attributes_and_parameter_state_travel():
    for src, dst in ((glassgrad, torch), (torch, glassgrad)):
        t = src.ones(2)
        t.note = "hello"
        p = src.nn.Parameter(src.zeros(1))
        p.tag = 3
        out = _load(dst, _bytes(src, [t, p, src.nn.Buffer(src.ones(1), persistent=False)]))
        assert out[0].note == "hello" and type(out[0]) is dst.Tensor
        assert out[1].tag == 3 and isinstance(out[1], dst.nn.Parameter)
        assert out[2].persistent is False and out[2]._is_buffer


def test_optimizer_state_dict_resumes_training():
    t_p = torch.nn.Parameter(torch.tensor([1., 2., 3.]))
    t_opt = torch.optim.Adam([t_p], lr=0.1)
    for _ in range(2):
        t_opt.zero_grad()
        (t_p ** 2).sum().backward()
        t_opt.step()
    g_p = glassgrad.nn.Parameter(glassgrad.tensor(t_p.detach().numpy()))
    g_opt = glassgrad.optim.Adam([g_p], lr=0.1)
    g_opt.load_state_dict(_load(glassgrad, _bytes(torch, t_opt.state_dict())))
    for opt, p in ((t_opt, t_p), (g_opt, g_p)):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(g_p.detach().numpy(), t_p.detach().numpy(), rtol=1e-6)
    back = _load(torch, _bytes(glassgrad, g_opt.state_dict()))
    assert list(back["state"]) == [0] and back["state"][0]["step"].item() == 3.0
    assert back["param_groups"][0]["params"] == [0] and back["param_groups"][0]["betas"] == (0.9, 0.999)


# ---- whole modules (weights_only=False) ----------------------------------------------------------------------
def _net(mod):
    mod.manual_seed(0)
    return mod.nn.Sequential(mod.nn.Linear(3, 4), mod.nn.BatchNorm1d(4), mod.nn.ReLU(), mod.nn.Linear(4, 2))


def test_whole_modules_both_ways():
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    t_net = _net(torch)
    t_net(torch.tensor(x))  # moves BatchNorm's running statistics
    t_net.eval()
    expected = t_net(torch.tensor(x)).detach().numpy()
    g_net = _load(glassgrad, _bytes(torch, t_net), weights_only=False)
    assert type(g_net) is glassgrad.nn.Sequential and type(g_net[1]) is glassgrad.nn.BatchNorm1d
    assert not g_net.training and g_net[1].num_batches_tracked.item() == 1
    np.testing.assert_allclose(g_net(glassgrad.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    t_back = _load(torch, _bytes(glassgrad, g_net), weights_only=False)
    assert type(t_back[1]) is torch.nn.BatchNorm1d
    np.testing.assert_allclose(t_back(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    # the archive glassgrad writes for a module is the one torch writes
    assert _records(_bytes(glassgrad, _net(glassgrad)))["archive/data.pkl"] == \
        _records(_bytes(torch, _net(torch)))["archive/data.pkl"]


def test_state_dict_files_drive_the_other_library_s_model(tmp_path):
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    t_net = _net(torch)
    t_net(torch.tensor(x))
    t_net.eval()
    torch.save(t_net.state_dict(), tmp_path / "t.pt")
    g_net = _net(glassgrad)
    result = g_net.load_state_dict(glassgrad.load(tmp_path / "t.pt"))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    g_net.eval()
    expected = t_net(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(g_net(glassgrad.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    glassgrad.save(g_net.state_dict(), tmp_path / "g.pt")
    t_back = _net(torch)
    t_back.load_state_dict(torch.load(tmp_path / "g.pt"))
    t_back.eval()
    np.testing.assert_allclose(t_back(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_whole_module_needs_weights_only_false_or_an_allowlist():
    data = _bytes(torch, torch.nn.Linear(2, 2))
    for mod in (torch, glassgrad):
        with pytest.raises(pickle.UnpicklingError, match=r"Weights only load failed(.|\n)*weights_only(.|\n)*"
                           r"GLOBAL torch.nn.modules.linear.Linear was not an allowed global by default"):
            _load(mod, data)
        assert mod.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == \
            ["torch.nn.modules.linear.Linear"]
    with glassgrad.serialization.safe_globals([glassgrad.nn.Linear]):
        lin = _load(glassgrad, data)
    assert type(lin) is glassgrad.nn.Linear and isinstance(lin.weight, glassgrad.nn.Parameter)


# ---- weights_only ----------------------------------------------------------------------------------------------
class _System:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _Exec:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').close()",)


@pytest.mark.parametrize("payload,inner", [
    (_System, r"Unsupported GLOBAL posix.system: its module posix is blocked"),
    (_Exec, r"Unsupported global: GLOBAL exec was not an allowed global by default(.|\n)*"
            r"add_safe_globals\(\[exec\]\)(.|\n)*safe_globals\(\[exec\]\)"),
])
def test_weights_only_refuses_code_and_runs_nothing(tmp_path, payload, inner):
    marker = tmp_path / "ran"
    data = _bytes(torch, {"weights": torch.ones(2), "x": payload(marker)})
    for mod in (torch, glassgrad):
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            _load(mod, data)
    with pytest.raises(pickle.UnpicklingError, match=inner):
        _load(glassgrad, data)
    with pytest.raises(pickle.UnpicklingError, match=inner):
        glassgrad.load(io.BytesIO(data), weights_only=True)
    assert not marker.exists()
    if payload is _Exec:  # the check can fail: the full unpickler does run the file's code
        out = _load(glassgrad, data, weights_only=False)
        assert marker.exists() and out["weights"].tolist() == [1., 1.]


@pytest.mark.parametrize("name", ["builtins.eval", "subprocess.Popen", "torch.nn.modules.linear.Linear",
                                  "numpy._core.multiarray._reconstruct", "__main__.Anything"])
def test_weights_only_refuses_the_globals_torch_refuses(name):
    module, attr = name.rsplit(".", 1)
    data = _bytes(torch, torch.ones(1))
    rec = _records(data)
    pkl = b"\x80\x02c" + f"{module}\n{attr}\n".encode() + b")R."
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, v in rec.items():
            z.writestr(n, pkl if n.endswith("data.pkl") else v)
    for mod in (torch, glassgrad):
        with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {name.removeprefix('builtins.')} was not an "
                                                         f"allowed global by default"):
            _load(mod, buf.getvalue())


def test_pickle_protocol_4_is_refused_by_weights_only_as_in_torch():
    refused = "WeightsUnpickler error:(.|\n)*Unsupported operand 149"  # 149: FRAME, a protocol-4 opcode
    for src in (torch, glassgrad):
        data = _bytes(src, src.ones(2), pickle_protocol=4)
        for dst in (torch, glassgrad):
            with pytest.warns(UserWarning, match="Detected pickle protocol 4 in the checkpoint"), \
                    pytest.raises(pickle.UnpicklingError, match=refused):
                _load(dst, data)
            assert _load(dst, data, weights_only=False).tolist() == [1., 1.]


def test_safe_globals_allow_a_custom_class():
    cfg = Config(0.1, [3, 4])
    for src in (torch, glassgrad):
        data = _bytes(src, {"cfg": cfg, "w": src.ones(1)})
        with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {Config.__module__}.Config was not an allowed"):
            _load(glassgrad, data)
        with S.safe_globals([Config]):
            assert S.get_safe_globals() == [Config]
            assert _load(glassgrad, data)["cfg"] == cfg
        assert S.get_safe_globals() == []
        S.add_safe_globals([(Config, f"{Config.__module__}.Config")])
        assert _load(glassgrad, data)["cfg"] == cfg
        assert S.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == []
        S.clear_safe_globals()
        assert S.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == [f"{Config.__module__}.Config"]


def test_numpy_arrays_need_their_globals_allowed_as_in_torch():
    obj = {"a": np.arange(3), "s": np.float32(2)}
    for src in (torch, glassgrad):
        data = _bytes(src, obj)
        for dst in (torch, glassgrad):
            with pytest.raises(pickle.UnpicklingError, match="GLOBAL numpy._core.multiarray._reconstruct was not"):
                _load(dst, data)
            out = _load(dst, data, weights_only=False)
            np.testing.assert_array_equal(out["a"], obj["a"])
            assert type(out["s"]) is np.float32
            allowed = [np._core.multiarray._reconstruct, np._core.multiarray.scalar, np.ndarray, np.dtype,
                       np.dtypes.Int64DType, np.dtypes.Float32DType]
            with dst.serialization.safe_globals(allowed):
                assert _load(dst, data)["s"] == 2


def test_weights_only_and_pickle_module_arguments():
    data = _bytes(glassgrad, [glassgrad.ones(1), Config(1, 2)])
    for mod in (torch, glassgrad):
        with pytest.raises(RuntimeError, match="^Can not safely load weights when explicit pickle_module is "
                                               "specified$"):
            _load(mod, data, pickle_module=pickle, weights_only=True)
        assert _load(mod, data, pickle_module=pickle)[1] == Config(1, 2)  # a pickle_module means weights_only=False
        with pytest.warns(UserWarning, match="pickle_load_args only works if `weights_only=False`"):
            _load(mod, _bytes(mod, mod.ones(1)), encoding="latin1")


def test_environment_can_force_weights_only(monkeypatch):
    data = _bytes(glassgrad, Config(1, 2))
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    for mod in (torch, glassgrad):
        with pytest.raises(pickle.UnpicklingError, match="Config was not an allowed global"):
            _load(mod, data, weights_only=False)


# ---- map_location, mmap, files -------------------------------------------------------------------------------
@pytest.mark.parametrize("map_location", ["cpu", {"cpu": "cpu"}, {"cuda:0": "cpu"}, lambda s, loc: s,
                                          lambda s, loc: None, lambda s, loc: s.cpu()],
                         ids=["str", "dict", "dict-other", "fn-same", "fn-none", "fn-cpu"])
def test_map_location_forms(map_location):
    data = _bytes(glassgrad, {"w": glassgrad.arange(3.)})
    for mod in (torch, glassgrad):
        assert _load(mod, data, map_location=map_location)["w"].tolist() == [0., 1., 2.]
    assert _load(glassgrad, data, map_location=glassgrad.device("cpu"))["w"].tolist() == [0., 1., 2.]


@pytest.mark.parametrize("location", ["cpu:0", "tpu", {"cpu": "tpu:1"}])
def test_unknown_locations_are_refused_as_in_torch(location):
    data = _bytes(glassgrad, glassgrad.ones(1))
    errors = []
    for mod in (torch, glassgrad):
        with pytest.raises(RuntimeError, match="don't know how to restore data location") as e:
            _load(mod, data, map_location=location)
        errors.append(str(e.value))
    assert errors[0] == errors[1]


def test_map_location_function_sees_each_storage_once():
    seen = {}
    for mod in (torch, glassgrad):
        base = mod.arange(4.)
        out = _load(mod, _bytes(mod, [base, base[1:], mod.ones(3, dtype=mod.int64)]),
                    map_location=lambda storage, loc: seen.setdefault(mod, []).append(
                        (len(storage), storage.size(), storage.nbytes(), str(storage.device), loc,
                         type(storage.to(device="cpu")).__name__ == type(storage).__name__)))
        assert out[1].tolist() == [1., 2., 3.]
    assert seen[torch] == seen[glassgrad] == [(16, 16, 16, "cpu", "cpu", True), (24, 24, 24, "cpu", "cpu", True)]


def _cuda_archive():
    """A checkpoint whose storage was saved from cuda:0 (edited from a CPU one: no GPU here)."""
    rec = _records(_bytes(torch, torch.arange(3.)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, v in rec.items():
            z.writestr(n, v.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0") if n.endswith(".pkl") else v)
    return buf.getvalue()


@pytest.mark.parametrize("kw", [{}, {"map_location": "cuda"}, {"map_location": {"cuda:0": "cuda:1"}}])
def test_cuda_storages_on_a_cpu_machine(kw):
    data = _cuda_archive() if not kw else _bytes(torch, torch.arange(3.))
    errors = []
    for mod in (torch, glassgrad):
        with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device") as e:
            _load(mod, _cuda_archive() if "map_location" not in kw or isinstance(kw["map_location"], dict) else data,
                  **kw)
        errors.append(str(e.value))
    assert errors[0] == errors[1]
    assert _load(glassgrad, _cuda_archive(), map_location="cpu").tolist() == [0., 1., 2.]
    assert _load(torch, _cuda_archive(), map_location="cpu").tolist() == [0., 1., 2.]


def test_cuda_storages_load_on_the_emulated_gpu():
    from glassgrad.device import emulate_cuda
    with emulate_cuda(True):
        t = _load(glassgrad, _cuda_archive())
        assert str(t.device) == "cuda:0" and t.is_leaf
        data = _bytes(glassgrad, glassgrad.ones(2).cuda())
    assert b"cuda:0" in _records(data)["archive/data.pkl"]
    assert _load(torch, data, map_location="cpu").tolist() == [1., 1.]


def test_mmap_maps_the_file_copy_on_write(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"w": torch.arange(6.).reshape(2, 3)}, path)
    out = glassgrad.load(path, mmap=True)
    assert isinstance(out["w"]._data.base, np.memmap)
    out["w"].add_(1)
    assert glassgrad.load(path)["w"].tolist() == [[0., 1., 2.], [3., 4., 5.]]
    for mod in (torch, glassgrad):
        with pytest.raises(ValueError, match="f must be a file path in order to use the mmap argument"):
            mod.load(io.BytesIO(path.read_bytes()), mmap=True)


def test_file_position_is_respected():
    buf = io.BytesIO()
    buf.write(b"prefix")
    glassgrad.save({"a": glassgrad.ones(2)}, buf)
    buf.seek(6)
    assert glassgrad.load(buf)["a"].tolist() == [1., 1.]


@pytest.mark.parametrize("content,weights_only,error,match", [
    (b"", True, EOFError, None), (b"", False, EOFError, "Ran out of input"),
    (b"hello, a text file\n", True, KeyError, "101"),
    (b"hello, a text file\n", False, pickle.UnpicklingError, "Memo value not found at index 101"),
    (b"\x00bad", True, pickle.UnpicklingError, "Weights only load failed(.|\n)*Unsupported operand 0"),
    (b"\x00bad", False, pickle.UnpicklingError, "^invalid load key"),
    (b"\x80\x02K\x07.", True, RuntimeError, "^Invalid magic number; corrupt file\\?$"),
])
def test_files_that_are_not_checkpoints(content, weights_only, error, match):
    for mod in (torch, glassgrad):
        with pytest.raises(error, match=match):
            mod.load(io.BytesIO(content), weights_only=weights_only)


def test_unsupported_formats_and_dtypes_say_so(tmp_path):
    legacy = _bytes(torch, torch.ones(1), _use_new_zipfile_serialization=False)
    with pytest.raises(NotImplementedError, match="legacy checkpoint format"):
        _load(glassgrad, legacy)
    with pytest.raises(NotImplementedError, match="glassgrad cannot load torch.BFloat16Storage"):
        _load(glassgrad, _bytes(torch, torch.ones(2, dtype=torch.bfloat16)))
    with pytest.raises(NotImplementedError, match="glassgrad cannot load torch.complex64"):
        _load(glassgrad, _bytes(torch, torch.complex64))
    with pytest.raises(NotImplementedError, match="writes PyTorch's zip checkpoint format only"):
        glassgrad.save(glassgrad.ones(1), io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(AttributeError, match="expected 'f' to be string, path, or a file-like object"):
        glassgrad.save(glassgrad.ones(1), 3)


def test_pickle_module_must_have_a_python_pickler():
    class Fake:
        Pickler = pickle.Pickler  # the C one
    with pytest.raises(TypeError, match="Pickler written in C"):
        glassgrad.save(glassgrad.ones(1), io.BytesIO(), pickle_module=Fake)
    data = _bytes(glassgrad, glassgrad.ones(1), pickle_module=pickle, pickle_protocol=3)
    assert _load(torch, data, weights_only=False).tolist() == [1.]


def _big_endian(with_record):
    rec = _records(_bytes(torch, {"f": torch.tensor([1.5, -2.]), "i": torch.tensor([1, 256], dtype=torch.int16)}))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # written by Python's zipfile, not by either library
        for n, v in rec.items():
            if n.endswith("byteorder"):
                if not with_record:
                    continue
                v = b"big"
            elif n == "archive/data/0":
                v = np.frombuffer(v, "<f4").astype(">f4").tobytes()
            elif n == "archive/data/1":
                v = np.frombuffer(v, "<i2").astype(">i2").tobytes()
            z.writestr(n, v)
    return buf.getvalue()


def test_big_endian_checkpoints_are_swapped():
    for mod in (torch, glassgrad):
        out = _load(mod, _big_endian(True))
        assert out["f"].tolist() == [1.5, -2.] and out["i"].tolist() == [1, 256]
        assert _load(mod, _big_endian(False))["i"].tolist() == [256, 1]  # no record: little-endian is assumed
        mod.serialization.set_default_load_endianness(mod.serialization.LoadEndianness.BIG)
        try:
            assert _load(mod, _big_endian(False))["i"].tolist() == [1, 256]
        finally:
            mod.serialization.set_default_load_endianness(None)


def test_hooks_are_not_saved_and_warn_as_in_torch():
    messages = []
    for mod in (torch, glassgrad):
        t = mod.ones(2, requires_grad=True)
        t.register_hook(lambda g: g)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = _load(mod, _bytes(mod, t))
        messages.append([str(w.message).split(" on tensor ")[1] for w in caught])
        assert out.requires_grad
    assert messages[0] == messages[1] and len(messages[0]) == 1


def test_module_constants_match_torch():
    for name in ("DEFAULT_PROTOCOL", "LONG_SIZE", "INT_SIZE", "SHORT_SIZE", "MAGIC_NUMBER", "PROTOCOL_VERSION",
                 "STORAGE_KEY_SEPARATOR"):
        assert getattr(S, name) == getattr(torch.serialization, name), name
    with pytest.raises(NotImplementedError, match="^torch.serialization.skip_data is part of PyTorch's API, but "
                                                  "glassgrad does not implement it"):
        S.skip_data


SCRIPT = '''
import sys
import torch

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
        self.register_buffer("steps", torch.tensor(4))

    def forward(self, x):
        return self.fc(x) + self.steps

net = Net()
torch.save(net, sys.argv[1] + "/net.pt")
torch.save({"model": net.state_dict(), "epoch": 2}, sys.argv[1] + "/ckpt.pt")
back = torch.load(sys.argv[1] + "/net.pt", weights_only=False)
with torch.serialization.safe_globals([Net, torch.nn.Linear]):
    allowed = torch.load(sys.argv[1] + "/net.pt")
x = torch.ones(1, 3)
print(type(back).__module__, type(back.fc).__module__, bool((back(x) == net(x)).all()), type(allowed).__name__)
'''


def test_scripts_run_by_glassgrad_run_save_and_load(tmp_path):
    """Under `glassgrad run` (import torch gives glassgrad), a script's own module class pickles as __main__.Net,
    glassgrad's layers as torch.nn...; the state dict file loads in real PyTorch."""
    import subprocess
    import sys
    (tmp_path / "script.py").write_text(SCRIPT)
    out = subprocess.run([sys.executable, "-m", "glassgrad", "run", str(tmp_path / "script.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["__main__", "glassgrad.nn.modules.linear", "True", "Net"]
    assert b"torch.nn.modules.linear" in _records((tmp_path / "net.pt").read_bytes())["net/data.pkl"]
    ckpt = torch.load(tmp_path / "ckpt.pt")
    assert list(ckpt["model"]) == ["steps", "fc.weight", "fc.bias"] and ckpt["epoch"] == 2
    assert ckpt["model"]["steps"].item() == 4 and ckpt["model"]["fc.weight"].shape == (2, 3)
