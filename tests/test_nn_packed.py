"""nn.utils.rnn (PackedSequence, pack_padded_sequence, pad_packed_sequence, pack_sequence, unpack_sequence,
invert_permutation) and RNN / LSTM / GRU on packed input, against PyTorch: packed data and batch_sizes,
sorted/unsorted indices, padded results and lengths, final states of every sequence, gradients of the input,
the initial states and the parameters, grad_fn names and version counters, reprs, errors."""
from importlib import import_module

import numpy as np
import pytest

from difftools import assert_same, fresh, glassgrad

RTOL, ATOL = 1e-4, 1e-5


def _rnn_utils(lib):
    return import_module(lib.__name__ + ".nn.utils.rnn")


def _randn(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# ---- packing and padding ---------------------------------------------------------------------------------
# (lengths, batch_first, enforce_sorted, trailing feature shape)
PACK_CASES = {
    "sorted": ([4, 2, 1], False, True, (2,)),
    "sorted-tensor-lengths": ("tensor", False, True, (2,)),
    "unsorted": ([2, 4, 1], False, False, (2,)),
    "unsorted-ties": ([2, 4, 2, 4, 1], False, False, (3,)),
    "batch-first-unsorted": ([1, 3, 4], True, False, (2,)),
    "batch-first-sorted-2d-features": ([3, 3, 2], True, True, (2, 3)),
    "no-features": ([3, 1], False, True, ()),
    "equal-lengths": ([3, 3, 3], False, True, (2,)),
    "shorter-than-padding": ([2, 1], False, True, (2,)),  # T = 4 > the longest length
}


def _padded(lib, lengths, batch_first, feat, rng, steps=None):
    steps = steps or max(lengths)
    shape = ((len(lengths), steps) if batch_first else (steps, len(lengths))) + feat
    return lib.tensor(_randn(rng, *shape), requires_grad=True)


@pytest.mark.parametrize("case", list(PACK_CASES))
def test_pack_then_pad_matches_torch(case):
    lengths, batch_first, enforce_sorted, feat = PACK_CASES[case]

    def program(lib):
        R = _rnn_utils(lib)
        rng = np.random.default_rng(0)
        lens = [4, 2, 1] if lengths == "tensor" else lengths
        steps = 4 if case == "shorter-than-padding" else None
        x = _padded(lib, lens, batch_first, feat, rng, steps)
        arg = lib.tensor(lens) if lengths == "tensor" else lens
        p = R.pack_padded_sequence(x, arg, batch_first=batch_first, enforce_sorted=enforce_sorted)
        padded, out_lens = R.pad_packed_sequence(p, batch_first=batch_first)
        (padded * lib.tensor(_randn(rng, *padded.shape))).sum().backward()
        return [p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices, padded, out_lens, fresh(x.grad),
                type(p).__name__, len(p), p._fields]
    assert_same(program)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("unsorted", [False, True])
def test_pad_packed_total_length_padding_value_and_graph_match_torch(batch_first, unsorted):
    # NOTE: the result's grad_fn (CopySlices, TransposeBackward0 or IndexSelectBackward0) and _version are
    # PyTorch's: a fill and one block copy per run of equal batch sizes
    def program(lib):
        R = _rnn_utils(lib)
        rng = np.random.default_rng(1)
        lens = [2, 5, 3, 3] if unsorted else [5, 3, 3, 2]
        x = _padded(lib, lens, batch_first, (2,), rng)
        p = R.pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=not unsorted)
        padded, out_lens = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=-7.5, total_length=7)
        (padded * lib.tensor(_randn(rng, *padded.shape))).sum().backward()
        return padded, out_lens, fresh(x.grad), padded.grad_fn.name(), padded._version
    assert_same(program)


@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_data_gradient_of_gradient_matches_torch(batch_first):
    def program(lib):
        R = _rnn_utils(lib)
        rng = np.random.default_rng(2)
        x = _padded(lib, [3, 2], batch_first, (2,), rng)
        p = R.pack_padded_sequence(x, [3, 2], batch_first=batch_first)
        (g,) = lib.autograd.grad((p.data ** 3).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        # g is built as a graph (its grad_fn and _version are PyTorch's); gg's _version is an engine artifact
        return g, fresh(gg), p.data.grad_fn.name()
    assert_same(program)


def test_integer_data_and_no_grad_pack_and_pad_match_torch():
    def program(lib):
        R = _rnn_utils(lib)
        seq = lib.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
        packed = R.pack_padded_sequence(seq, [2, 1, 3], batch_first=True, enforce_sorted=False)
        padded, lens = R.pad_packed_sequence(packed, batch_first=True)
        return packed.data, packed.batch_sizes, packed.sorted_indices, padded, lens, padded._version, repr(packed)
    assert_same(program)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence_match_torch(enforce_sorted):
    def program(lib):
        R = _rnn_utils(lib)
        rng = np.random.default_rng(3)
        lens = [4, 3, 1] if enforce_sorted else [1, 4, 3]
        seqs = [lib.tensor(_randn(rng, n, 2), requires_grad=True) for n in lens]
        packed = R.pack_sequence(seqs, enforce_sorted=enforce_sorted)
        back = R.unpack_sequence(packed)
        sum((b * (i + 1)).sum() for i, b in enumerate(back)).backward()
        return packed.data, packed.batch_sizes, packed.sorted_indices, back, [fresh(s.grad) for s in seqs]
    assert_same(program)


def test_unpad_sequence_matches_torch():
    def program(lib):
        R = _rnn_utils(lib)
        seqs = [lib.ones(3, 2), 2 * lib.ones(1, 2), 3 * lib.ones(2, 2)]
        padded = R.pad_sequence(seqs, batch_first=True)
        return R.unpad_sequence(padded, lib.tensor([3, 1, 2]), batch_first=True)
    assert_same(program)


def test_invert_permutation_and_packed_sequence_constructor_match_torch():
    def program(lib):
        R = _rnn_utils(lib)
        data, sizes = lib.arange(6.0).reshape(3, 2), lib.tensor([2, 1])
        from_pair = R.PackedSequence((data, sizes))
        with_sorted = R.PackedSequence(data, sizes, lib.tensor([1, 2, 0]))
        return (R.invert_permutation(lib.tensor([2, 0, 3, 1])), R.invert_permutation(None), from_pair.batch_sizes,
                from_pair.sorted_indices, with_sorted.unsorted_indices, repr(from_pair), tuple(from_pair)[1],
                isinstance(from_pair, tuple))
    assert_same(program)


def test_packed_sequence_conversions_match_torch():
    def program(lib):
        R = _rnn_utils(lib)
        p = R.pack_padded_sequence(lib.arange(12.0).reshape(3, 2, 2), [3, 2], enforce_sorted=False)
        d = p.double()
        same = p.to(lib.float32) is p and p.float() is p and p.cpu() is p
        return (d.data, d.sorted_indices, d.unsorted_indices, p.long().data, p.int().data.dtype,
                p.short().data.dtype, p.char().data.dtype, p.byte().data.dtype, p.half().data.dtype, p.is_cuda,
                type(d).__name__, same, p.to("cpu", dtype=lib.float64).data.dtype)
    assert_same(program)


PACK_ERRORS = [
    lambda lib, R: R.pack_padded_sequence(lib.zeros(4, 3, 2), [2, 4, 1]),
    lambda lib, R: R.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 2, 0]),
    lambda lib, R: R.pack_padded_sequence(lib.zeros(4, 3, 2), [4, -2, 1]),
    lambda lib, R: R.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 2]),
    lambda lib, R: R.pack_padded_sequence(lib.zeros(4, 3, 2), lib.tensor([[4, 2, 1]])),
    lambda lib, R: R.pack_padded_sequence(lib.zeros(0, 3, 2), [1, 1, 1]),
    lambda lib, R: R.pack_padded_sequence(lib.zeros(4), [1]),
    lambda lib, R: R.pack_padded_sequence(lib.zeros(4, 3, 2), lib.tensor([2.5, 4.0, 1.0])),
    lambda lib, R: R.pad_packed_sequence(R.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 2, 1]), total_length=3),
    lambda lib, R: R.pack_sequence([lib.ones(1), lib.ones(2)]),
    lambda lib, R: R.PackedSequence(lib.zeros(3)),
]


@pytest.mark.parametrize("program", PACK_ERRORS)
def test_pack_errors_match_torch(program):
    t_out, _ = assert_same(lambda lib: program(lib, _rnn_utils(lib)))
    assert t_out[0] == "raise"


def test_pack_error_message_names_the_fix():
    R = _rnn_utils(glassgrad)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        R.pack_padded_sequence(glassgrad.zeros(4, 3, 2), [2, 4, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 4"):
        R.pad_packed_sequence(R.pack_padded_sequence(glassgrad.zeros(4, 3, 2), [4, 2, 1]), total_length=2)


# ---- recurrent layers on packed input -----------------------------------------------------------------
def _module(lib, cls, args, kwargs):
    """The layer with the same (seeded) weights in both libraries."""
    mod = getattr(lib.nn, cls)(*args, **kwargs)
    rng = np.random.default_rng(10)
    with lib.no_grad():
        for _, p in mod.named_parameters():
            p.copy_(lib.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
    return mod


def _packed_program(cls, args, kwargs, lengths, batch_first=False, enforce_sorted=True, hx_shapes=None,
                    train=False):
    def program(lib):
        R = _rnn_utils(lib)
        mod = _module(lib, cls, args, kwargs).train(train)
        rng = np.random.default_rng(11)
        x = _padded(lib, lengths, batch_first, (args[0],), rng)
        packed = R.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
        states_in = [lib.tensor(_randn(rng, *s), requires_grad=True) for s in hx_shapes or []]
        if not states_in:
            out, states = mod(packed)
        else:
            out, states = mod(packed, tuple(states_in) if cls == "LSTM" else states_in[0])
        states = list(states) if isinstance(states, tuple) else [states]
        loss = (out.data * lib.tensor(_randn(rng, *out.data.shape))).sum()
        for s in states:
            loss = loss + (s * lib.tensor(_randn(rng, *s.shape))).sum()
        loss.backward()
        padded, lens = R.pad_packed_sequence(out, batch_first=batch_first)
        return [type(out).__name__, out.data, out.batch_sizes, out.sorted_indices, out.unsorted_indices, states,
                padded.detach(), lens, fresh(x.grad), [fresh(s.grad) for s in states_in],
                {n: fresh(p.grad) for n, p in mod.named_parameters()}]
    return program


LAYER_CASES = [
    ("RNN", (3, 4), {}, [4, 2, 1]),
    ("RNN", (3, 4), {"nonlinearity": "relu", "bias": False, "bidirectional": True}, [3, 1]),
    ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True}, [5, 3, 3, 1]),
    ("GRU", (3, 4), {"batch_first": True}, [2, 2]),
    ("LSTM", (3, 4), {}, [3, 3, 2, 1]),
    ("LSTM", (3, 4), {"num_layers": 2, "bidirectional": True}, [4, 4, 2]),
    ("LSTM", (3, 5), {"proj_size": 2, "bidirectional": True, "num_layers": 2}, [3, 2, 1]),
]
_IDS = [f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}-{len(lens)}" for c, _, kw, lens in LAYER_CASES]


@pytest.mark.parametrize("cls,args,kwargs,lengths", LAYER_CASES, ids=_IDS)
def test_layers_on_sorted_packed_input_match_torch(cls, args, kwargs, lengths):
    assert_same(_packed_program(cls, args, kwargs, lengths, batch_first=kwargs.get("batch_first", False)),
                rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls,args,kwargs,lengths", LAYER_CASES, ids=_IDS)
def test_layers_on_unsorted_batch_first_packed_input_match_torch(cls, args, kwargs, lengths):
    unsorted = lengths[1:] + lengths[:1]
    assert_same(_packed_program(cls, args, kwargs, unsorted, batch_first=True, enforce_sorted=False),
                rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls,hx_shapes", [("RNN", [(2, 3, 4)]), ("GRU", [(4, 3, 4)]),
                                           ("LSTM", [(4, 3, 4), (4, 3, 4)])])
def test_given_initial_states_follow_the_sort_like_torch(cls, hx_shapes):
    # the states come in the caller's batch order: they are permuted into the packed order and back
    kwargs = {"num_layers": 2, "bidirectional": hx_shapes[0][0] == 4}
    if cls == "RNN":
        kwargs = {"num_layers": 2}
    assert_same(_packed_program(cls, (3, 4), kwargs, [2, 4, 3], enforce_sorted=False, hx_shapes=hx_shapes),
                rtol=RTOL, atol=ATOL)


def test_lstm_takes_its_packed_states_as_a_list_like_torch():
    def program(lib):
        R = _rnn_utils(lib)
        mod = _module(lib, "LSTM", (2, 3), {})
        seqs = [lib.ones(1, 2), lib.full((3, 2), 0.5)]
        h0, c0 = lib.full((1, 2, 3), 0.1), lib.full((1, 2, 3), -0.2)
        out, (h, c) = mod(R.pack_sequence(seqs, enforce_sorted=False), [h0, c0])
        return out.data, h, c
    assert_same(program, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_train_mode_without_dropout_matches_torch(cls):
    assert_same(_packed_program(cls, (3, 4), {"num_layers": 2, "bidirectional": True}, [3, 1, 2],
                                enforce_sorted=False, train=True), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls", ["GRU", "LSTM"])
def test_final_states_are_each_sequence_run_alone(cls):
    # an independent check: h_n (and c_n) of sequence b is what the layer gives for b alone, unpadded; and the
    # packed output, padded, is each sequence's own output followed by zeros
    mod = _module(glassgrad, cls, (3, 4), {"bidirectional": True, "num_layers": 2})
    R = _rnn_utils(glassgrad)
    rng = np.random.default_rng(5)
    lengths = [2, 5, 3]
    seqs = [glassgrad.tensor(_randn(rng, n, 3)) for n in lengths]
    out, states = mod(R.pack_sequence(seqs, enforce_sorted=False))
    padded, lens = R.pad_packed_sequence(out)
    assert lens.tolist() == lengths
    for b, seq in enumerate(seqs):
        alone_out, alone_states = mod(seq.unsqueeze(1))
        np.testing.assert_allclose(padded[:lengths[b], b].detach().numpy(), alone_out[:, 0].detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
        assert not padded[lengths[b]:, b].detach().numpy().any()
        pairs = zip(states, alone_states) if cls == "LSTM" else [(states, alone_states)]
        for s, a in pairs:
            np.testing.assert_allclose(s[:, b].detach().numpy(), a[:, 0].detach().numpy(), rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_runs_on_packed_data():
    glassgrad.manual_seed(0)
    mod = glassgrad.nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    R = _rnn_utils(glassgrad)
    packed = R.pack_sequence([glassgrad.randn(4, 3), glassgrad.randn(2, 3)])
    mod.eval()
    a, b = mod(packed)[0].data, mod(packed)[0].data
    assert glassgrad.equal(a, b)
    mod.train()
    c = mod(packed)[0].data
    assert not glassgrad.allclose(a, c)
    c.sum().backward()
    assert all(p.grad is not None for p in mod.parameters())


def _packed_input(lib, dtype=None):
    R = _rnn_utils(lib)
    x = lib.zeros(4, 3, 2) if dtype is None else lib.zeros(4, 3, 2, dtype=dtype)
    return R.pack_padded_sequence(x, [4, 2, 1]), R.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)


LAYER_ERRORS = [
    # RNN and GRU check their arguments (check_forward_args, the batch is batch_sizes[0]) ...
    lambda lib: lib.nn.GRU(2, 4)(_packed_input(lib)[0], lib.zeros(1, 2, 4)),
    lambda lib: lib.nn.GRU(2, 4)(_packed_input(lib)[0], lib.zeros(3, 4)),
    lambda lib: lib.nn.RNN(3, 4)(_packed_input(lib)[0]),
    lambda lib: lib.nn.RNN(2, 4)(_packed_input(lib, lib.float64)[0]),
    lambda lib: lib.nn.GRU(2, 4, num_layers=2)(_packed_input(lib)[0], lib.zeros(1, 3, 4)),
    # ... LSTM leaves it to its kernel
    lambda lib: lib.nn.LSTM(2, 4)(_packed_input(lib)[0], (lib.zeros(1, 2, 4), lib.zeros(1, 2, 4))),
    lambda lib: lib.nn.LSTM(2, 4)(_packed_input(lib)[0], (lib.zeros(1, 3, 4), lib.zeros(1, 3, 5))),
    lambda lib: lib.nn.LSTM(2, 4)(_packed_input(lib)[0], (lib.zeros(2, 3, 4), lib.zeros(2, 3, 4))),
    lambda lib: lib.nn.LSTM(2, 4, bidirectional=True)(_packed_input(lib)[0], (lib.zeros(3, 3, 4),
                                                                               lib.zeros(3, 3, 4))),
    lambda lib: lib.nn.LSTM(2, 4, num_layers=2)(_packed_input(lib)[0], (lib.zeros(1, 3, 4), lib.zeros(1, 3, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(_packed_input(lib)[0]),
    lambda lib: lib.nn.LSTM(2, 4)(_packed_input(lib, lib.float64)[0]),
    lambda lib: lib.nn.LSTM(2, 4)(_packed_input(lib)[0], (lib.zeros(3, 4), lib.zeros(3, 4))),
    lambda lib: lib.nn.LSTM(2, 4)([1, 2]),
    lambda lib: lib.nn.GRU(2, 4)([1, 2]),
]


@pytest.mark.parametrize("program", LAYER_ERRORS)
def test_packed_layer_errors_match_torch(program):
    t_out, _ = assert_same(program)
    assert t_out[0] == "raise"


# ---- RNNBase ---------------------------------------------------------------------------------------------
RNNBASE_PROGRAMS = [
    lambda lib: (repr(lib.nn.RNNBase("LSTM", 3, 4, num_layers=2)),
                 [(k, tuple(v.shape)) for k, v in lib.nn.RNNBase("LSTM", 3, 4, num_layers=2).state_dict().items()]),
    lambda lib: list(lib.nn.RNNBase("GRU", 3, 4, bias=False, bidirectional=True).state_dict()),
    lambda lib: repr(lib.nn.RNNBase("RNN_TANH", 3, 4, proj_size=2)),
    lambda lib: lib.nn.RNNBase("LSTM", 3, 4)(lib.zeros(2, 1, 3)),
    lambda lib: lib.nn.RNNBase("FOO", 3, 4),
    lambda lib: (lib.nn.RNNBase("LSTM", 3, 4).flatten_parameters(), lib.nn.LSTM(3, 4).double().flatten_parameters()),
    lambda lib: [isinstance(getattr(lib.nn, c)(3, 4), lib.nn.RNNBase) for c in ("RNN", "LSTM", "GRU")],
    lambda lib: (lib.nn.RNNBase("GRU", 3, 4).mode, [tuple(w.shape) for w in lib.nn.LSTM(3, 4)._flat_weights]),
    lambda lib: lib.nn.modules.rnn.RNNBase is lib.nn.RNNBase,
]


@pytest.mark.parametrize("program", RNNBASE_PROGRAMS)
def test_rnnbase_is_public_and_matches_torch(program):
    assert_same(program)


def test_flatten_parameters_keeps_packed_results():
    mod = _module(glassgrad, "GRU", (3, 4), {"bidirectional": True})
    R = _rnn_utils(glassgrad)
    packed = R.pack_sequence([glassgrad.ones(3, 3), glassgrad.ones(2, 3)])
    before = mod(packed)[0].data
    assert mod.flatten_parameters() is None
    assert glassgrad.equal(before, mod(packed)[0].data)
