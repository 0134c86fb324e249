"""MultiheadAttention and the Transformer modules against PyTorch: same weights (copied through state_dict),
same outputs, attention weights and gradients, in train mode (dropout 0) and in eval mode, where PyTorch
takes its fused fast paths; reprs, state_dict keys, warnings and errors are PyTorch's."""
import copy
from importlib import import_module

import numpy as np
import pytest

from difftools import assert_same, glassgrad, torch

RTOL, ATOL = 1e-5, 1e-5


def copy_state(t_mod, g_mod):
    t_sd = t_mod.state_dict()
    assert list(t_sd) == list(g_mod.state_dict())
    g_mod.load_state_dict({k: glassgrad.tensor(v.detach().numpy().copy()) for k, v in t_sd.items()})


def pair(build):
    """build(lib) -> module, for torch and glassgrad, with torch's weights copied into glassgrad's."""
    t_mod, g_mod = build(torch), build(glassgrad)
    copy_state(t_mod, g_mod)
    return t_mod, g_mod


def compare(t_mod, g_mod, inputs, call, train, grad=True, rtol=RTOL, atol=ATOL):
    """Runs call(module, lib, *tensors) on both; inputs: numpy arrays (floats get requires_grad when
    grad) or other values passed as is; compares outputs, input gradients and parameter gradients."""
    rng = np.random.default_rng(7)
    seen = []
    weights = None
    for lib, mod in ((torch, t_mod), (glassgrad, g_mod)):
        mod.train(train)
        tensors = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
                   for a in inputs]
        # NOTE: query is key is value selects the packed projection: keep the identities
        tensors = [tensors[a] if isinstance(a, _Same) else a for a in tensors]
        with lib.set_grad_enabled(grad):
            out = call(mod, lib, *tensors)
        outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
        obs = {"n_outs": len(outs), "outs": [o.detach().numpy().copy() for o in outs]}
        if grad:
            if weights is None:
                weights = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in outs]
            sum((o * lib.tensor(w)).sum() for o, w in zip(outs, weights)).backward()
            obs["input grads"] = [None if t.grad is None else t.grad.numpy().copy() for t in tensors
                                  if isinstance(t, lib.Tensor) and t.requires_grad]
            obs["param grads"] = {n: None if p.grad is None else p.grad.numpy().copy()
                                  for n, p in mod.named_parameters()}
        seen.append(obs)
    t, g = seen
    assert t["n_outs"] == g["n_outs"]
    for i, (a, b) in enumerate(zip(t["outs"], g["outs"])):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=f"output {i}")
    if grad:
        for i, (a, b) in enumerate(zip(t["input grads"], g["input grads"])):
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=f"input grad {i}")
        assert t["param grads"].keys() == g["param grads"].keys()
        for k, a in t["param grads"].items():
            b = g["param grads"][k]
            assert (a is None) == (b is None), k
            if a is not None:
                np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=f"{k}.grad")
    return seen


class _Same(int):
    """An input that is the same tensor object as input number int(self)."""


def _randn(*shape, seed=0):
    return np.random.default_rng(seed + len(shape) + sum(shape)).standard_normal(shape).astype(np.float32)


# ---- MultiheadAttention ----------------------------------------------------------------------------------
L, S, N, E, H = 4, 5, 2, 8, 2
KPM = np.array([[False, False, False, True, True], [False, False, False, False, False]])
CAUSAL_BOOL = np.triu(np.ones((L, L), bool), 1)

MHA_CASES = {
    "self": ({}, [_randn(L, N, E), _Same(0), _Same(0)], {}),
    "self-no-weights": ({}, [_randn(L, N, E), _Same(0), _Same(0)], {"need_weights": False}),
    "self-per-head": ({}, [_randn(L, N, E), _Same(0), _Same(0)], {"average_attn_weights": False}),
    "cross-kpm": ({}, [_randn(L, N, E), _randn(S, N, E), _Same(1)], {"key_padding_mask": KPM}),
    "cross-kpm-no-weights": ({}, [_randn(L, N, E), _randn(S, N, E), _Same(1)],
                             {"key_padding_mask": KPM, "need_weights": False}),
    "bool-2d-mask": ({}, [_randn(L, N, E), _Same(0), _Same(0)], {"attn_mask": CAUSAL_BOOL}),
    "float-3d-mask": ({}, [_randn(L, N, E), _randn(S, N, E), _randn(S, N, E)],
                      {"attn_mask": _randn(N * H, L, S)}),
    "float-3d-mask-no-weights": ({}, [_randn(L, N, E), _randn(S, N, E), _randn(S, N, E)],
                                 {"attn_mask": _randn(N * H, L, S), "need_weights": False}),
    "both-masks": ({}, [_randn(L, N, E), _randn(S, N, E), _Same(1)],
                   {"attn_mask": np.triu(np.ones((L, S), bool), 2), "key_padding_mask": KPM}),
    "causal-hint": ({}, [_randn(L, N, E), _Same(0), _Same(0)],
                    {"attn_mask": CAUSAL_BOOL, "is_causal": True, "need_weights": False}),
    "batch-first": ({"batch_first": True}, [_randn(N, L, E), _Same(0), _Same(0)], {"key_padding_mask": KPM[:, :L]}),
    "batch-first-cross": ({"batch_first": True}, [_randn(N, L, E), _randn(N, S, E), _randn(N, S, E)], {}),
    "kdim-vdim": ({"kdim": 3, "vdim": 5}, [_randn(L, N, E), _randn(S, N, 3), _randn(S, N, 5)],
                  {"key_padding_mask": KPM}),
    "no-bias": ({"bias": False}, [_randn(L, N, E), _Same(0), _Same(0)], {}),
    "bias-kv-zero-attn": ({"add_bias_kv": True, "add_zero_attn": True},
                          [_randn(L, N, E), _randn(S, N, E), _Same(1)], {"key_padding_mask": KPM}),
    "unbatched": ({}, [_randn(L, E), _randn(S, E), _Same(1)], {"key_padding_mask": KPM[0]}),
    "unbatched-3d-mask": ({}, [_randn(L, E), _Same(0), _Same(0)], {"attn_mask": _randn(H, L, L)}),
}


def _mha_call(kwargs):
    def call(mod, lib, q, k, v):
        kw = {name: lib.tensor(m) if isinstance(m, np.ndarray) else m for name, m in kwargs.items()}
        return mod(q, k, v, **kw)
    return call


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_torch(case):
    ctor, inputs, kwargs = MHA_CASES[case]
    t_mod, g_mod = pair(lambda lib: lib.nn.MultiheadAttention(E, H, **ctor))
    compare(t_mod, g_mod, inputs, _mha_call(kwargs), train=True)


@pytest.mark.parametrize("case", ["self", "batch-first", "self-per-head", "bool-2d-mask", "cross-kpm"])
def test_multihead_attention_eval_without_grad_matches_torch_fast_path(case):
    ctor, inputs, kwargs = MHA_CASES[case]
    t_mod, g_mod = pair(lambda lib: lib.nn.MultiheadAttention(E, H, dropout=0.3, **ctor))
    compare(t_mod, g_mod, inputs, _mha_call(kwargs), train=False, grad=False)


def test_multihead_attention_dropout_in_train_mode():
    glassgrad.manual_seed(0)
    mha = glassgrad.nn.MultiheadAttention(E, H, dropout=0.5)
    x = glassgrad.randn(L, N, E)
    out, w = mha(x, x, x)
    assert (w == 0).any()  # some attention weights dropped...
    out.sum().backward()
    assert mha.in_proj_weight.grad is not None
    mha.eval()
    a, b = mha(x, x, x)[0], mha(x, x, x)[0]
    assert glassgrad.equal(a, b)  # ...none in eval mode


def test_multihead_attention_repr_keys_and_init():
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"bias": False}, {"add_bias_kv": True}):
        t_mod, g_mod = torch.nn.MultiheadAttention(E, H, **kw), glassgrad.nn.MultiheadAttention(E, H, **kw)
        assert repr(g_mod) == repr(t_mod)
        assert [(k, tuple(v.shape)) for k, v in g_mod.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t_mod.state_dict().items()]
    mha = glassgrad.nn.MultiheadAttention(E, H)
    assert not mha.in_proj_bias.detach().any() and not mha.out_proj.bias.detach().any()
    bound = np.sqrt(6 / (E + 3 * E))  # xavier_uniform_ over the (3E, E) packed weight
    w = mha.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and w.std() > bound / 3
    assert isinstance(mha.out_proj, glassgrad.nn.Linear)


MHA_ERRORS = [
    lambda lib: lib.nn.MultiheadAttention(8, 3),
    lambda lib: lib.nn.MultiheadAttention(0, 2),
    lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.zeros(4, 2, 8), lib.zeros(4, 2, 8), lib.zeros(4, 2, 8),
                                                is_causal=True),
    lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.zeros(4, 2, 8), lib.zeros(5, 2, 8), lib.zeros(5, 2, 8),
                                                attn_mask=lib.zeros(4, 4)),
    lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.zeros(4, 2, 8), lib.zeros(4, 2, 8), lib.zeros(4, 2, 8),
                                                attn_mask=lib.zeros(3, 4, 4)),
    lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.zeros(4, 2, 8), lib.zeros(4, 2, 8), lib.zeros(4, 2, 8),
                                                key_padding_mask=lib.zeros(2, 4, dtype=lib.int64)),
    lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.zeros(4, 2, 8), lib.zeros(4, 8), lib.zeros(4, 8)),
    lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.zeros(4, 2, 8), lib.zeros(4, 2, 8), lib.zeros(4, 2, 8),
                                                key_padding_mask=lib.zeros(2, 3, dtype=lib.bool)),
]


@pytest.mark.parametrize("program", MHA_ERRORS)
def test_multihead_attention_errors_match_torch(program):
    t_out, _ = assert_same(program)
    assert t_out[0] == "raise"


def test_mismatched_mask_types_warn_like_torch():
    def program(lib):
        mha = lib.nn.MultiheadAttention(8, 2)
        x = lib.zeros(4, 2, 8)
        return mha(x, x, x, key_padding_mask=lib.zeros(2, 4, dtype=lib.bool), attn_mask=lib.zeros(4, 4))[0].shape
    assert_same(program)


# ---- TransformerEncoderLayer / DecoderLayer --------------------------------------------------------------
D_MODEL, NHEAD, FF = 8, 2, 16


def _enc_layer(lib, norm_first, activation, batch_first=False, dropout=0.0, **kw):
    act = activation if isinstance(activation, str) else activation(lib)
    return lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=dropout, activation=act,
                                          batch_first=batch_first, norm_first=norm_first, **kw)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", lambda lib: lib.nn.functional.silu])
def test_encoder_layer_train_mode_matches_torch(norm_first, activation):
    t_mod, g_mod = pair(lambda lib: _enc_layer(lib, norm_first, activation))
    kpm = KPM[:, :L]
    compare(t_mod, g_mod, [_randn(L, N, D_MODEL)],
            lambda mod, lib, x: mod(x, src_mask=lib.tensor(CAUSAL_BOOL), src_key_padding_mask=lib.tensor(kpm)),
            train=True)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("grad", [False, True])
def test_encoder_layer_eval_mode_matches_torch_fast_path(norm_first, activation, grad):
    t_mod, g_mod = pair(lambda lib: _enc_layer(lib, norm_first, activation, batch_first=True, dropout=0.1))
    compare(t_mod, g_mod, [_randn(N, L, D_MODEL)],
            lambda mod, lib, x: mod(x, src_key_padding_mask=lib.tensor(KPM[:, :L])), train=False, grad=grad)


def test_encoder_layer_with_module_activation_and_no_bias():
    t_mod, g_mod = pair(lambda lib: _enc_layer(lib, False, lambda lib: lib.nn.GELU(), bias=False,
                                               layer_norm_eps=1e-6))
    assert repr(g_mod) == repr(t_mod)
    assert g_mod.activation_relu_or_gelu == t_mod.activation_relu_or_gelu == 2
    compare(t_mod, g_mod, [_randn(L, D_MODEL)], lambda mod, lib, x: mod(x), train=True)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first):
    t_mod, g_mod = pair(lambda lib: lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, dropout=0.0,
                                                                   norm_first=norm_first, activation="gelu"))
    assert repr(g_mod) == repr(t_mod)

    def call(mod, lib, tgt, memory):
        return mod(tgt, memory, tgt_mask=lib.tensor(CAUSAL_BOOL), memory_key_padding_mask=lib.tensor(KPM),
                   tgt_is_causal=True)
    compare(t_mod, g_mod, [_randn(L, N, D_MODEL), _randn(S, N, D_MODEL)], call, train=True)
    compare(t_mod, g_mod, [_randn(L, N, D_MODEL), _randn(S, N, D_MODEL)], call, train=False, grad=False)


# ---- TransformerEncoder ----------------------------------------------------------------------------------
def _encoder(lib, batch_first=True, norm_first=False):
    layer = _enc_layer(lib, norm_first, "relu", batch_first=batch_first, dropout=0.1)
    return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(D_MODEL))


def test_encoder_train_mode_matches_torch():
    t_mod, g_mod = pair(lambda lib: _encoder(lib))
    for mod in (t_mod, g_mod):  # dropout 0 for a deterministic train-mode comparison
        for m in mod.modules():
            if type(m).__name__ == "Dropout":
                m.p = 0.0
        for layer in mod.layers:
            layer.self_attn.dropout = 0.0
    compare(t_mod, g_mod, [_randn(N, L, D_MODEL)],
            lambda mod, lib, x: mod(x, mask=lib.nn.Transformer.generate_square_subsequent_mask(L)), train=True)


@pytest.mark.parametrize("kpm", [KPM[:, :L], np.array([[False, True, False, True], [False] * 4])],
                         ids=["left-aligned", "not-left-aligned"])
@pytest.mark.parametrize("grad", [False, True])
def test_encoder_eval_with_padding_matches_torch_nested_fast_path(kpm, grad):
    # NOTE: without grad, PyTorch runs a left-aligned padded batch as a nested tensor: padded positions
    # come out as zeros before the final norm
    t_mod, g_mod = pair(lambda lib: _encoder(lib))
    seen = compare(t_mod, g_mod, [_randn(N, L, D_MODEL)],
                   lambda mod, lib, x: mod(x, src_key_padding_mask=lib.tensor(kpm)), train=False, grad=grad)
    if not grad and kpm is KPM[:, :L]:
        bias = t_mod.norm.bias.detach().numpy()
        np.testing.assert_allclose(seen[0]["outs"][0][0, 3], bias, atol=1e-6)  # norm(0) == bias


def test_encoder_layers_are_deep_copies_and_keys_match():
    t_mod, g_mod = _encoder(torch, batch_first=False), _encoder(glassgrad, batch_first=False)
    assert repr(g_mod) == repr(t_mod)
    assert list(g_mod.state_dict()) == list(t_mod.state_dict())
    p0, p1 = g_mod.layers[0].linear1.weight, g_mod.layers[1].linear1.weight
    assert p0 is not p1 and glassgrad.equal(p0, p1)


@pytest.mark.parametrize("build", [
    lambda lib: lib.nn.TransformerEncoder(_enc_layer(lib, False, "relu"), 2),
    lambda lib: lib.nn.TransformerEncoder(_enc_layer(lib, True, "relu", batch_first=True), 1),
    lambda lib: lib.nn.TransformerEncoder(_enc_layer(lib, False, lambda lib: lib.nn.functional.silu,
                                                     batch_first=True), 1),
    lambda lib: lib.nn.TransformerEncoder(_enc_layer(lib, False, "gelu", batch_first=True), 1),
    lambda lib: lib.nn.TransformerEncoder(_enc_layer(lib, False, "relu"), 1, enable_nested_tensor=False),
], ids=["batch_first", "norm_first", "activation", "eligible", "disabled"])
def test_encoder_nested_tensor_warning_matches_torch(build):
    assert_same(lambda lib: build(lib).use_nested_tensor)


def test_transformer_matches_torch():
    t_mod, g_mod = pair(lambda lib: lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF, dropout=0.0))
    assert repr(g_mod) == repr(t_mod)

    def call(mod, lib, src, tgt):
        return mod(src, tgt, tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(L))
    compare(t_mod, g_mod, [_randn(S, N, D_MODEL), _randn(L, N, D_MODEL)], call, train=True)


def test_generate_square_subsequent_mask_matches_torch():
    assert_same(lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(3))


# ---- Transformer, TransformerDecoder: masks, layouts, activations, fast paths ------------------------------
def _no_dropout(*mods):
    """Dropout 0 everywhere, for deterministic train-mode comparisons."""
    for mod in mods:
        for m in mod.modules():
            if type(m).__name__ == "Dropout":
                m.p = 0.0
            if type(m).__name__ == "MultiheadAttention":
                m.dropout = 0.0


def _transformer(lib, activation="relu", **kw):
    act = activation if isinstance(activation, str) else activation(lib)
    return lib.nn.Transformer(D_MODEL, NHEAD, 2, 2, FF, activation=act, **kw)


TGT_KPM = np.array([[False, False, True, True], [False, False, False, False]])
SRC_KPM = np.array([[False, False, False, True, True], [False, False, False, False, False]])

TRANSFORMER_CASES = {
    "float-masks": ({}, lambda lib: {"src_mask": lib.tensor(_randn(S, S) * 0.1),
                                     "tgt_mask": lib.nn.Transformer.generate_square_subsequent_mask(L),
                                     "memory_mask": lib.tensor(_randn(L, S) * 0.1)}),
    "bool-masks-padding": ({}, lambda lib: {"tgt_mask": lib.tensor(CAUSAL_BOOL),
                                            "src_key_padding_mask": lib.tensor(SRC_KPM),
                                            "tgt_key_padding_mask": lib.tensor(TGT_KPM),
                                            "memory_key_padding_mask": lib.tensor(SRC_KPM)}),
    "batch-first-norm-first-gelu": ({"batch_first": True, "norm_first": True, "activation": "gelu"},
                                    lambda lib: {"tgt_mask": lib.nn.Transformer.generate_square_subsequent_mask(L),
                                                 "src_key_padding_mask": lib.tensor(SRC_KPM),
                                                 "tgt_is_causal": True}),
    "batch-first-padding": ({"batch_first": True},
                            lambda lib: {"src_key_padding_mask": lib.tensor(SRC_KPM),
                                         "memory_key_padding_mask": lib.tensor(SRC_KPM),
                                         "tgt_key_padding_mask": lib.tensor(TGT_KPM)}),
    "callable-activation-no-bias": ({"activation": lambda lib: lib.nn.functional.silu, "bias": False,
                                     "layer_norm_eps": 1e-6},
                                    lambda lib: {"memory_key_padding_mask": lib.tensor(SRC_KPM)}),
    "module-activation-causal-hints": ({"activation": lambda lib: lib.nn.GELU(approximate="tanh")},
                                       lambda lib: {"src_mask": lib.nn.Transformer.generate_square_subsequent_mask(S),
                                                    "src_is_causal": True,
                                                    "tgt_mask": lib.nn.Transformer.generate_square_subsequent_mask(L),
                                                    "memory_mask": lib.tensor(np.triu(np.ones((L, S), bool), 2)),
                                                    "memory_is_causal": False}),
}


def _transformer_inputs(batch_first):
    src, tgt = _randn(S, N, D_MODEL), _randn(L, N, D_MODEL)
    if batch_first:
        src, tgt = src.transpose(1, 0, 2).copy(), tgt.transpose(1, 0, 2).copy()
    return [src, tgt]


@pytest.mark.parametrize("case", list(TRANSFORMER_CASES))
def test_transformer_masks_and_options_match_torch_in_train_mode(case):
    ctor, masks = TRANSFORMER_CASES[case]
    t_mod, g_mod = pair(lambda lib: _transformer(lib, **ctor))
    _no_dropout(t_mod, g_mod)
    assert repr(g_mod) == repr(t_mod)
    compare(t_mod, g_mod, _transformer_inputs(ctor.get("batch_first", False)),
            lambda mod, lib, src, tgt: mod(src, tgt, **masks(lib)), train=True, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", list(TRANSFORMER_CASES))
@pytest.mark.parametrize("grad", [False, True])
def test_transformer_eval_mode_matches_torch_fast_paths(case, grad):
    # NOTE: in eval mode without grad, PyTorch's encoder runs its fused layer and, for a batch_first padded
    # batch, the nested-tensor path (padded positions of the memory come out as norm(0))
    ctor, masks = TRANSFORMER_CASES[case]
    t_mod, g_mod = pair(lambda lib: _transformer(lib, **ctor))
    compare(t_mod, g_mod, _transformer_inputs(ctor.get("batch_first", False)),
            lambda mod, lib, src, tgt: mod(src, tgt, **masks(lib)), train=False, grad=grad, rtol=1e-4, atol=1e-5)


def test_transformer_unbatched_input_matches_torch():
    t_mod, g_mod = pair(lambda lib: _transformer(lib, dropout=0.0))
    compare(t_mod, g_mod, [_randn(S, D_MODEL), _randn(L, D_MODEL)],
            lambda mod, lib, src, tgt: mod(src, tgt, tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(L),
                                           src_key_padding_mask=lib.tensor(SRC_KPM[0])), train=True, rtol=1e-4)


def test_transformer_custom_encoder_and_decoder():
    def build(lib):
        enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.0), 1)
        dec = lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, dropout=0.0), 1,
                                        norm=lib.nn.LayerNorm(D_MODEL))
        return lib.nn.Transformer(D_MODEL, NHEAD, custom_encoder=enc, custom_decoder=dec)
    t_mod, g_mod = pair(build)
    assert repr(g_mod) == repr(t_mod)
    assert g_mod.encoder.norm is None and g_mod.decoder.norm is not None
    compare(t_mod, g_mod, _transformer_inputs(False), lambda mod, lib, src, tgt: mod(src, tgt), train=True)


@pytest.mark.parametrize("kw", [{}, {"batch_first": True, "norm_first": True, "bias": False},
                                {"nhead": 1}, {"activation": "gelu", "batch_first": True}],
                         ids=["default", "batch-first-norm-first-no-bias", "odd-heads", "gelu"])
def test_transformer_construction_structure_and_warnings_match_torch(kw):
    def program(lib):
        kw_ = dict(kw)
        nhead = kw_.pop("nhead", NHEAD)
        mod = lib.nn.Transformer(D_MODEL, nhead, 2, 1, FF, **kw_)
        return (repr(mod), [(k, tuple(v.shape)) for k, v in mod.state_dict().items()],
                [n for n, _ in mod.named_parameters()], mod.encoder.use_nested_tensor, mod.d_model, mod.nhead,
                mod.batch_first)
    assert_same(program)


def test_transformer_init_is_xavier_on_matrices_only():
    mod = glassgrad.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF)
    w = mod.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (D_MODEL + FF))
    assert np.abs(w).max() <= bound and w.std() > bound / 3
    # biases and LayerNorm parameters keep their own init
    assert np.all(mod.encoder.layers[0].norm1.weight.detach().numpy() == 1)
    assert not mod.decoder.layers[0].self_attn.in_proj_bias.detach().any()


TRANSFORMER_ERRORS = [
    lambda lib: lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF)(lib.zeros(S, 2, D_MODEL), lib.zeros(L, 3, D_MODEL)),
    lambda lib: lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF, batch_first=True)(lib.zeros(2, S, D_MODEL),
                                                                              lib.zeros(3, L, D_MODEL)),
    lambda lib: lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF)(lib.zeros(S, 2, D_MODEL), lib.zeros(L, 2, 4)),
    lambda lib: lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF)(lib.zeros(S, 2, 4), lib.zeros(L, 2, 4)),
    lambda lib: lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, activation="tanh"),
    lambda lib: lib.nn.Transformer(D_MODEL, 3, 1, 1, FF),
    lambda lib: lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF)(
        lib.zeros(L, 2, D_MODEL), lib.zeros(S, 2, D_MODEL), tgt_mask=lib.zeros(L, S)),
    lambda lib: lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF)(
        lib.zeros(L, 2, D_MODEL), lib.zeros(S, 2, D_MODEL), tgt_is_causal=True),
    lambda lib: lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF)(
        lib.zeros(L, 2, D_MODEL), lib.zeros(S, 2, D_MODEL), memory_key_padding_mask=lib.zeros(2, S, dtype=lib.int64)),
]


@pytest.mark.parametrize("program", TRANSFORMER_ERRORS)
def test_transformer_errors_match_torch(program):
    t_out, _ = assert_same(program)
    assert t_out[0] == "raise"


def test_transformer_mismatched_mask_types_warn_like_torch():
    def program(lib):
        mod = lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF, dropout=0.0)
        src, tgt = lib.zeros(S, 2, D_MODEL), lib.zeros(L, 2, D_MODEL)
        return mod(src, tgt, src_mask=lib.zeros(S, S), src_key_padding_mask=lib.tensor(SRC_KPM),
                   tgt_mask=lib.zeros(L, L, dtype=lib.bool), tgt_key_padding_mask=lib.zeros(2, L)).shape
    assert_same(program)


@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_stack_matches_torch(norm, batch_first):
    def build(lib):
        layer = lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, dropout=0.0, batch_first=batch_first)
        return lib.nn.TransformerDecoder(layer, 2, norm=lib.nn.LayerNorm(D_MODEL) if norm else None)
    t_mod, g_mod = pair(build)
    assert repr(g_mod) == repr(t_mod)
    tgt, memory = _randn(L, N, D_MODEL), _randn(S, N, D_MODEL)
    if batch_first:
        tgt, memory = tgt.transpose(1, 0, 2).copy(), memory.transpose(1, 0, 2).copy()

    def call(mod, lib, tgt, memory):
        # an additive float causal mask: detected as causal (tgt_is_causal=None), as PyTorch does
        return mod(tgt, memory, tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(L),
                   tgt_key_padding_mask=lib.tensor(TGT_KPM), memory_key_padding_mask=lib.tensor(SRC_KPM))
    compare(t_mod, g_mod, [tgt, memory], call, train=True)
    compare(t_mod, g_mod, [tgt, memory], call, train=False, grad=False)


@pytest.mark.parametrize("args", [(3,), (1,), (4, None, "float64"), (0,)])
def test_generate_square_subsequent_mask_sizes_and_dtypes(args):
    def program(lib):
        sz, device, dtype = (args + (None, None))[:3]
        return lib.nn.Transformer.generate_square_subsequent_mask(sz, device=device,
                                                                 dtype=None if dtype is None else getattr(lib, dtype))
    assert_same(program)


@pytest.mark.parametrize("mask,is_causal", [("causal", None), ("causal", False), ("other", None), (None, True),
                                            ("bool", None)])
def test_causal_mask_detection_matches_torch(mask, is_causal):
    def program(lib):
        tr = import_module(lib.__name__ + ".nn.modules.transformer")
        m = {"causal": lib.nn.Transformer.generate_square_subsequent_mask(4), "other": lib.zeros(4, 4),
             "bool": lib.ones(4, 4, dtype=lib.bool).triu(1), None: None}[mask]
        return tr._detect_is_causal_mask(m, is_causal, 4)
    assert_same(program)


@pytest.mark.parametrize("cls", ["TransformerEncoderLayer", "TransformerDecoderLayer"])
@pytest.mark.parametrize("activation", ["gelu", "module", "function"])
def test_layer_copies_keep_or_reset_activation_like_torch(cls, activation):
    # NOTE: PyTorch's TransformerDecoderLayer.__setstate__ gives a copy F.relu when the activation is a Module
    # (it looks for "activation" in the instance dict, where a Module is not); the encoder layer keeps it
    def program(lib):
        act = {"gelu": "gelu", "module": lib.nn.GELU(), "function": lib.nn.functional.silu}[activation]
        layer = getattr(lib.nn, cls)(D_MODEL, NHEAD, FF, activation=act)
        clone = copy.deepcopy(layer)
        name = getattr(clone.activation, "__name__", type(clone.activation).__name__)
        return repr(clone), name, [k for k in vars(clone) if k == "activation"]
    assert_same(program)
