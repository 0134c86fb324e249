"""glassgrad's safetensors checkpoints (serialization.save_safetensors / load_safetensors, and glassgrad.load when it
is given one): they round-trip exactly, move weights to and from PyTorch, never unpickle, and refuse bad files with a
clear CheckpointError. PyTorch's own format (what glassgrad.save writes) is tested in test_torch_format.py."""
import builtins
import collections
import io
import json
import pickle
import struct

import numpy as np
import pytest

import glassgrad
from glassgrad.serialization import CheckpointError, load_safetensors as load, save_safetensors as save

safetensors_numpy = pytest.importorskip("safetensors.numpy")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _roundtrip(obj):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf)


def assert_identical(a, b, path="obj"):
    """Same types all the way down (OrderedDict vs dict, tuple vs list, int vs float), same keys in the same
    order, tensors of the same class, dtype, shape, values and requires_grad."""
    assert type(a) is type(b), f"{path}: type {type(a).__name__} became {type(b).__name__}"
    if isinstance(a, glassgrad.Tensor):
        assert (a.dtype, tuple(a.shape), a.requires_grad) == (b.dtype, tuple(b.shape), b.requires_grad), path
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=path)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} became {list(b)}"
        for (ka, va), kb in zip(a.items(), b):
            assert type(ka) is type(kb), f"{path}: key {ka!r} became {kb!r}"
            assert_identical(va, b[kb], f"{path}[{ka!r}]")
        assert getattr(a, "__dict__", {}).keys() == getattr(b, "__dict__", {}).keys(), path
        for k, v in getattr(a, "__dict__", {}).items():
            assert_identical(v, b.__dict__[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and a != a:
        assert b != b, path
    else:
        assert a == b, f"{path}: {a!r} became {b!r}"


# ---- round trips ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3, 4)])
def test_tensor_roundtrip_keeps_dtype_shape_values(dtype, shape):
    rng = np.random.default_rng(0)
    arr = np.asarray(rng.standard_normal(shape) * 50).astype(getattr(np, "bool_" if dtype == "bool" else dtype))
    t = glassgrad.from_numpy(arr)
    out = _roundtrip(t)
    assert_identical(t, out)
    assert out.is_leaf and out.grad_fn is None


def test_requires_grad_parameters_and_views():
    base = glassgrad.arange(12.).reshape(3, 4)
    obj = {"w": glassgrad.ones(2, requires_grad=True), "p": glassgrad.nn.Parameter(glassgrad.zeros(3)),
           "frozen": glassgrad.nn.Parameter(glassgrad.zeros(1), requires_grad=False),
           "t": base.t(), "row": base[1], "nonleaf": glassgrad.ones(2, requires_grad=True) * 2}
    out = _roundtrip(obj)
    assert type(out["p"]) is glassgrad.nn.Parameter and out["p"].requires_grad
    assert type(out["frozen"]) is glassgrad.nn.Parameter and not out["frozen"].requires_grad
    assert out["w"].requires_grad and out["w"].is_leaf
    assert out["nonleaf"].requires_grad and out["nonleaf"].is_leaf  # as torch.load gives it
    np.testing.assert_array_equal(out["t"].numpy(), np.arange(12.).reshape(3, 4).T)
    np.testing.assert_array_equal(out["row"].numpy(), [4., 5., 6., 7.])
    # views come back as independent copies
    out["t"].add_(1)
    np.testing.assert_array_equal(out["row"].numpy(), [4., 5., 6., 7.])


def _state_dict():
    sd = collections.OrderedDict()
    sd["layer.10.weight"] = glassgrad.randn(3, 2)
    sd["layer.2.weight"] = glassgrad.randn(3, 2, dtype=glassgrad.float64)
    sd["bn.num_batches_tracked"] = glassgrad.tensor(7)
    sd["mask"] = glassgrad.tensor([True, False])
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    return sd


def test_state_dict_roundtrip_keeps_ordereddict_order_and_metadata():
    sd = _state_dict()
    out = _roundtrip(sd)
    assert_identical(sd, out)
    assert type(out._metadata) is collections.OrderedDict


def _optimizer_state():
    return {"state": {0: {"step": glassgrad.tensor(3.), "exp_avg": glassgrad.randn(2, 2),
                          "exp_avg_sq": glassgrad.rand(2, 2)},
                      1: {"step": glassgrad.tensor(3.), "exp_avg": glassgrad.randn(4),
                          "exp_avg_sq": glassgrad.rand(4)}},
            "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0, "amsgrad": False,
                              "foreach": None, "maximize": False, "capturable": False, "differentiable": False,
                              "fused": None, "decoupled_weight_decay": False, "params": [0, 1]}]}


def test_optimizer_state_roundtrip_keeps_int_keys_tuples_and_scalars():
    st = _optimizer_state()
    out = _roundtrip(st)
    assert_identical(st, out)
    assert list(out["state"]) == [0, 1] and type(out["param_groups"][0]["betas"]) is tuple


def test_plain_values_roundtrip():
    obj = [None, True, 0, -3, 2 ** 70, 1.0, -0.0, 1e300, float("inf"), float("-inf"), float("nan"), "é\x00\"{",
           (), [], {}, collections.OrderedDict(), ((1, 2), [3, (4,)]),
           {(1, "a"): 1, 2.5: "f", None: 0, True: 1, "nested": {(): [glassgrad.tensor([1, 2])]}, float("nan"): 3},
           np.arange(4, dtype=np.int16).reshape(2, 2), np.float32(1.5), np.int64(-2), np.bool_(True)]
    out = _roundtrip(obj)
    assert_identical(obj[:17], out[:17])
    assert_identical(obj[18:], out[18:])
    keys = list(out[17])
    assert keys[:5] == [(1, "a"), 2.5, None, True, "nested"] and keys[5] != keys[5]
    assert_identical(out[17]["nested"], obj[17]["nested"])
    assert str(out[6]) == "-0.0"


def test_empty_dict_and_file_paths(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({}, path)
    assert load(path) == {}
    save(_state_dict(), str(path))
    assert_identical(_state_dict().keys() and load(str(path))["mask"], glassgrad.tensor([True, False]))


def test_file_object_is_read_from_its_position():
    buf = io.BytesIO()
    buf.write(b"prefix")
    save({"a": glassgrad.ones(2)}, buf)
    buf.seek(6)
    assert_identical(load(buf), {"a": glassgrad.ones(2)})


@pytest.mark.parametrize("obj,match", [
    (lambda x: x, "cannot store builtins.function"),
    ({1, 2}, "cannot store builtins.set"),
    ({"k": object()}, r"cannot store builtins.object \(at obj\['k'\]\)"),
    ({glassgrad.ones(1): 1}, "cannot store a dict key of type Tensor"),
    (collections.namedtuple("P", "x")(1), "cannot store"),
    (np.array(["a"]), "dtype <U1"),
])
def test_unsupported_objects_raise_type_error(obj, match):
    with pytest.raises(TypeError, match=match):
        save(obj, io.BytesIO())


def test_cycles_are_refused():
    cyc = []
    cyc.append(cyc)
    with pytest.raises(ValueError, match="save_safetensors: obj\\[0\\] contains itself"):
        save(cyc, io.BytesIO())


def test_shared_objects_are_saved_as_copies():
    t = glassgrad.ones(2)
    out = _roundtrip({"a": t, "b": t, "c": [t, t]})
    assert out["a"] is not out["b"]
    out["a"].add_(1)
    np.testing.assert_array_equal(out["b"].numpy(), [1., 1.])


def test_map_location_and_weights_only():
    """glassgrad.load reads a safetensors file too (it looks at the first bytes), whatever weights_only says."""
    buf = io.BytesIO()
    save(glassgrad.ones(1), buf)
    for kw in (dict(map_location="cpu"), dict(map_location=glassgrad.device("cpu")), dict(weights_only=False),
               dict(map_location={"cuda:0": "cpu"}), dict(map_location=lambda s, loc: s)):
        buf.seek(0)
        assert_identical(glassgrad.load(buf, **kw), glassgrad.ones(1))
    buf.seek(0)
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        load(buf, map_location="cuda")


def test_glassgrad_load_reads_safetensors_files(tmp_path):
    """A path (with or without the .safetensors suffix) or a file object holding a safetensors file, written by
    save_safetensors or by safetensors.torch.save_file, loads through glassgrad.load."""
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    obj = {"model": _state_dict(), "step": 3}
    save(obj, tmp_path / "a.ckpt")
    assert_identical(glassgrad.load(tmp_path / "a.ckpt"), obj)
    safetensors_torch.save_file({"w": torch.arange(4.).reshape(2, 2)}, str(tmp_path / "t.safetensors"))
    with open(tmp_path / "t.safetensors", "rb") as fh:
        got = glassgrad.load(fh)
    assert list(got) == ["w"]
    np.testing.assert_array_equal(got["w"].numpy(), np.arange(4.).reshape(2, 2))


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.safetensors")


# ---- loading never runs code -------------------------------------------------------------------
def test_load_never_unpickles_or_evaluates(monkeypatch, tmp_path):
    import _pickle
    torch = pytest.importorskip("torch")  # imported before exec and pickle are forbidden

    def forbidden(*args, **kwargs):
        raise AssertionError("glassgrad.load must not unpickle or evaluate anything")
    for mod in (pickle, _pickle):
        for name in ("loads", "load", "Unpickler"):
            monkeypatch.setattr(mod, name, forbidden)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    obj = {"model": _state_dict(), "optim": _optimizer_state(), "epoch": 3}
    path = tmp_path / "all.safetensors"
    save(obj, path)
    assert_identical(load(path), obj)
    monkeypatch.undo()
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    for mod in (pickle, _pickle):
        for name in ("loads", "load", "Unpickler"):
            monkeypatch.setattr(mod, name, forbidden)
    buf.seek(0)
    with pytest.raises(CheckpointError, match="is a zip archive, as torch.save writes, not a safetensors file"):
        load(buf)


# ---- bad files -----------------------------------------------------------------------------------
def _good_bytes():
    buf = io.BytesIO()
    save({"model": _state_dict(), "step": 3}, buf)
    return buf.getvalue()


def _load_bytes(data, tmp_path, name="bad.safetensors"):
    path = tmp_path / name
    path.write_bytes(data)
    return load(path)


def _with_header(header_obj, data_bytes=b""):
    raw = json.dumps(header_obj).encode()
    return struct.pack("<Q", len(raw)) + raw + data_bytes


@pytest.mark.parametrize("cut,match", [(0, "is empty"), (5, "is truncated"), (20, "is truncated"),
                                       (-1, "is truncated"), (-30, "is truncated")])
def test_truncated_files_raise(tmp_path, cut, match):
    data = _good_bytes()
    with pytest.raises(CheckpointError, match=match) as e:
        _load_bytes(data[:cut], tmp_path)
    assert isinstance(e.value, RuntimeError) and "bad.safetensors" in str(e.value)


def test_corrupt_headers_raise(tmp_path):
    data = _good_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    broken = data[:8] + b"X" + data[9:]
    with pytest.raises(CheckpointError, match="bad.safetensors: corrupt header: not valid JSON"):
        _load_bytes(broken, tmp_path)
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        _load_bytes(struct.pack("<Q", 2 ** 62) + data[8:], tmp_path)
    with pytest.raises(CheckpointError, match="corrupt header: not a JSON object"):
        _load_bytes(_with_header([1, 2]), tmp_path)
    with pytest.raises(CheckpointError, match="entry 'x' has no valid data_offsets"):
        _load_bytes(_with_header({"x": {"dtype": "F32", "shape": [1]}}), tmp_path)
    with pytest.raises(CheckpointError, match="not a valid safetensors file"):  # offsets that disagree with the shape
        _load_bytes(_with_header({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 4]}}, b"\0" * 4), tmp_path)
    with pytest.raises(CheckpointError, match="dtype 'BF16', which glassgrad cannot load"):
        _load_bytes(_with_header({"x": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, b"\0" * 2), tmp_path)


def test_text_file_is_not_safetensors(tmp_path):
    with pytest.raises(CheckpointError, match="notes.txt"):
        _load_bytes(b"hello, this is a text file with no checkpoint in it\n", tmp_path, "notes.txt")


def test_torch_checkpoints_are_not_safetensors(tmp_path):
    """load_safetensors refuses PyTorch's formats, naming them (glassgrad.load reads the zip one)."""
    torch = pytest.importorskip("torch")
    for legacy, what in ((False, "a zip archive, as torch.save writes"), (True, "a pickle")):
        path = tmp_path / f"model{int(legacy)}.pt"
        torch.save(torch.nn.Linear(2, 2).state_dict(), path, _use_new_zipfile_serialization=not legacy)
        with pytest.raises(CheckpointError, match=f"model{int(legacy)}.pt is {what}.*not a safetensors file"):
            load(path)


def _structured(structure, arrays):
    meta = {"glassgrad": json.dumps(structure)} if not isinstance(structure, str) else {"glassgrad": structure}
    return safetensors_numpy.save(arrays, metadata=meta)


@pytest.mark.parametrize("structure,arrays,match", [
    ({"version": 1, "root": {"dict": [["a", {"tensor": "a"}], ["b", {"tensor": "gone"}]]}},
     {"a": np.ones(2, np.float32)}, "refers to tensor 'gone', which the file does not hold"),
    ({"version": 1, "root": {"tensor": "a"}}, {"a": np.ones(1), "extra": np.ones(1)},
     r"tensors the structure never mentions: \['extra'\]"),
    ({"version": 1, "root": {"eval": "__import__('os')"}}, {}, "unknown node"),
    ({"version": 1, "root": {"dict": [[["list", "key"], 1]]}}, {}, "a dict key is"),
    ({"version": 1, "root": {"dict": [["only-key"]]}}, {}, "not a \\[key, value\\] pair"),
    ({"version": 1}, {}, "the structure has no root"),
    ({"version": 99, "root": 1}, {}, "format version 99"),
    ("{not json", {}, "its structure is not valid JSON"),
])
def test_structure_mismatches_raise(tmp_path, structure, arrays, match):
    with pytest.raises(CheckpointError, match=match) as e:
        _load_bytes(_structured(structure, arrays), tmp_path)
    assert "bad.safetensors" in str(e.value)


def test_deeply_nested_structure_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="bad.safetensors: corrupt header"):
        _load_bytes(_structured("[" * 100000 + "]" * 100000, {}), tmp_path)


# ---- PyTorch interop -----------------------------------------------------------------------------
def test_glassgrad_state_dict_loads_in_torch(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    sd = _state_dict()
    sd["half"] = glassgrad.ones(2, 2, dtype=glassgrad.float16)
    sd["bytes"] = glassgrad.tensor([1, 255], dtype=glassgrad.uint8)
    sd["transposed"] = glassgrad.arange(6.).reshape(2, 3).t()
    path = tmp_path / "from_glassgrad.safetensors"
    save(sd, path)
    got = safetensors_torch.load_file(str(path))
    assert sorted(got) == sorted(sd)
    for k, v in sd.items():
        assert str(got[k].dtype) == str(v.dtype) and tuple(got[k].shape) == tuple(v.shape), k
        np.testing.assert_array_equal(got[k].numpy(), v.numpy(), err_msg=k)
    assert isinstance(got["layer.10.weight"], torch.Tensor)


def test_torch_safetensors_file_loads_into_glassgrad_model(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    t_model(torch.randn(5, 3))  # running stats move; num_batches_tracked becomes an int64 1
    path = tmp_path / "from_torch.safetensors"
    safetensors_torch.save_file(t_model.state_dict(), str(path))
    sd = load(path)
    assert type(sd) is dict and set(sd) == set(t_model.state_dict())
    for k, v in t_model.state_dict().items():
        assert isinstance(sd[k], glassgrad.Tensor) and str(sd[k].dtype) == str(v.dtype), k
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy(), err_msg=k)
    g_nn = glassgrad.nn
    if not all(hasattr(g_nn, n) for n in ("Sequential", "Linear", "BatchNorm1d")):
        pytest.skip("glassgrad.nn layers not available yet")
    g_model = g_nn.Sequential(g_nn.Linear(3, 4), g_nn.BatchNorm1d(4), g_nn.Linear(4, 2))
    result = g_model.load_state_dict(sd)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    g_model.eval()
    t_model.eval()
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(g_model(glassgrad.tensor(x)).detach().numpy(),
                               t_model(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def _custom_net(mod):
    class Net(mod.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = mod.nn.Parameter(mod.zeros(3, 2))
            self.inner = mod.nn.Module()
            self.inner.bias = mod.nn.Parameter(mod.zeros(2, dtype=mod.float64))
            self.register_buffer("count", mod.tensor(0))

        def forward(self, x):
            return (x @ self.weight).double() + self.inner.bias + self.count
    return Net()


def test_torch_safetensors_file_loads_into_glassgrad_module(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    t_net = _custom_net(torch)
    with torch.no_grad():
        t_net.weight.copy_(torch.randn(3, 2))
        t_net.inner.bias.copy_(torch.randn(2, dtype=torch.float64))
        t_net.count.fill_(5)
    path = tmp_path / "net.safetensors"
    safetensors_torch.save_file(t_net.state_dict(), str(path))
    g_net = _custom_net(glassgrad)
    result = g_net.load_state_dict(load(path))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    expected = t_net(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(g_net(glassgrad.tensor(x)).detach().numpy(), expected, rtol=1e-6)
    # and back: glassgrad's state_dict file loads into the torch module
    save(g_net.state_dict(), path)
    t_back = _custom_net(torch)
    t_back.load_state_dict(safetensors_torch.load_file(str(path)))
    np.testing.assert_allclose(t_back(torch.tensor(x)).detach().numpy(), expected, rtol=1e-6)


def test_glassgrad_nested_checkpoint_is_readable_by_torch(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "nested.safetensors"
    save(_optimizer_state(), path)
    got = safetensors_torch.load_file(str(path))
    assert sorted(got) == ["state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step", "state.1.exp_avg",
                           "state.1.exp_avg_sq", "state.1.step"]


@pytest.mark.parametrize("where", ["tensor_data", "structure_key"])
def test_a_corrupted_but_well_formed_file_is_refused(tmp_path, where):
    """A flipped byte that leaves the file parseable (a weight, a key name) must not load silently."""
    path = tmp_path / "c.safetensors"
    state = collections.OrderedDict(weight=glassgrad.arange(6.0).reshape(2, 3), exp_avg=glassgrad.ones(3))
    save({"model": state, "step": 3}, path)
    data = bytearray(path.read_bytes())
    if where == "tensor_data":
        data[-5] ^= 0x01
    else:
        i = data.index(b"exp_avg", 8)
        data[i + 1] = ord("V")
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        glassgrad.load(path)


@pytest.mark.parametrize("mutate,match", [
    (lambda root: root["odict"][0][1].update(junk=1), "unknown entries"),
    (lambda root: root.update(_metadat_={}), "unknown entries"),
    (lambda root: root.update(_metadata={"tensor": "weight"}), "_metadata is not a dict of dicts"),
])
def test_structure_nodes_with_unexpected_entries_are_refused(tmp_path, mutate, match):
    """A structure (without the checksum, as a foreign tool might write it) whose nodes hold entries glassgrad
    never writes is refused rather than half understood."""
    import safetensors.numpy
    state = collections.OrderedDict(weight=glassgrad.ones(2, 3))
    state._metadata = collections.OrderedDict({"": {"version": 1}})
    path = tmp_path / "s.safetensors"
    save(state, path)
    arrays = safetensors.numpy.load_file(str(path))
    with open(path, "rb") as fh:
        header = json.loads(fh.read(8 + struct.unpack("<Q", open(path, "rb").read(8))[0])[8:])
    structure = json.loads(header["__metadata__"]["glassgrad"])
    mutate(structure["root"])
    safetensors.numpy.save_file(arrays, str(path), metadata={"format": "pt", "glassgrad": json.dumps(structure)})
    with pytest.raises(CheckpointError, match=match):
        glassgrad.load(path)
