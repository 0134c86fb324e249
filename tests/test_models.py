"""Acceptance for the op library: a small convolutional network and a small transformer block, written once
against a torch-like module `m` and its `m.nn.functional`, run on glassgrad and on PyTorch with the same weights
and inputs, must give the same outputs, losses, parameter gradients and batch-norm running statistics."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional  # noqa: E402,F401
import glassgrad  # noqa: E402
import glassgrad.nn.functional  # noqa: E402,F401


def _params(mod, arrays):
    return {k: mod.tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}


def _compare(name, g, t, rtol, atol):
    g = g.detach().numpy() if hasattr(g, "detach") else np.asarray(g)
    t = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    assert g.shape == t.shape, f"{name}: shape {g.shape} vs torch {t.shape}"
    np.testing.assert_allclose(g, t, rtol=rtol, atol=atol, err_msg=f"{name} differs from PyTorch")


# ---- a small CNN: conv, batch norm, ReLU, max pool, dropout, linear, cross entropy ----------------------
def _cnn_weights(rng, dtype):
    def u(*shape, fan_in):
        b = 1 / math.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(dtype)
    return {"conv1.w": u(8, 1, 3, 3, fan_in=9), "conv1.b": u(8, fan_in=9),
            "bn1.w": (1 + 0.1 * rng.standard_normal(8)).astype(dtype), "bn1.b": (0.1 * rng.standard_normal(8)).astype(dtype),
            "conv2.w": u(16, 8, 3, 3, fan_in=72), "conv2.b": u(16, fan_in=72),
            "fc.w": u(10, 16 * 2 * 2, fan_in=64), "fc.b": u(10, fan_in=64)}


def _cnn(m, p, x, y, state, training, p_drop):
    F = m.nn.functional
    h = F.conv2d(x, p["conv1.w"], p["conv1.b"], padding=1)
    h = F.batch_norm(h, state["mean"], state["var"], p["bn1.w"], p["bn1.b"], training=training, momentum=0.1)
    h = F.max_pool2d(F.relu(h), 2)
    h = F.relu(F.conv2d(h, p["conv2.w"], p["conv2.b"], stride=1, padding="same"))
    h = F.max_pool2d(h, kernel_size=2, stride=2)
    h = F.dropout(h.flatten(1), p=p_drop, training=training)
    logits = F.linear(h, p["fc.w"], p["fc.b"])
    return logits, F.cross_entropy(logits, y, label_smoothing=0.1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_small_cnn_matches_torch(dtype, training):
    rng = np.random.default_rng(0)
    weights = _cnn_weights(rng, dtype)
    x = rng.standard_normal((6, 1, 8, 8)).astype(dtype)
    y = rng.integers(0, 10, 6)
    running = {"mean": (0.1 * rng.standard_normal(8)).astype(dtype), "var": rng.uniform(0.5, 1.5, 8).astype(dtype)}
    results = {}
    for mod in (glassgrad, torch):
        p = _params(mod, weights)
        state = {k: mod.tensor(v.copy()) for k, v in running.items()}
        # NOTE: dropout's random mask cannot match PyTorch's generator; p=0 keeps the training-mode code path
        logits, loss = _cnn(mod, p, mod.tensor(x), mod.tensor(y), state, training, p_drop=0.0)
        loss.backward()
        results[mod.__name__] = (logits, loss, p, state)
    tol = (2e-4, 2e-5) if dtype == "float32" else (1e-9, 1e-10)
    g, t = results["glassgrad"], results["torch"]
    assert str(g[1].grad_fn.name()) == str(t[1].grad_fn.name())
    _compare("logits", g[0], t[0], *tol)
    _compare("loss", g[1], t[1], *tol)
    for k in weights:
        _compare(f"grad of {k}", g[2][k].grad, t[2][k].grad, *tol)
    for k in running:
        _compare(f"running {k}", g[3][k], t[3][k], *tol)


# ---- a small transformer block: embedding, layer norm, attention, GELU, residuals ---------------------
D_MODEL, HEADS, FF, VOCAB, SEQ, BATCH = 16, 4, 32, 20, 5, 3


def _block_weights(rng, dtype):
    def n(*shape, s=0.2):
        return (s * rng.standard_normal(shape)).astype(dtype)
    return {"emb": n(VOCAB, D_MODEL, s=1.0), "pos": n(SEQ, D_MODEL),
            "ln1.w": 1 + n(D_MODEL, s=0.05), "ln1.b": n(D_MODEL, s=0.05),
            "qkv.w": n(3 * D_MODEL, D_MODEL), "qkv.b": n(3 * D_MODEL, s=0.05),
            "out.w": n(D_MODEL, D_MODEL), "out.b": n(D_MODEL, s=0.05),
            "ln2.w": 1 + n(D_MODEL, s=0.05), "ln2.b": n(D_MODEL, s=0.05),
            "ff1.w": n(FF, D_MODEL), "ff1.b": n(FF, s=0.05), "ff2.w": n(D_MODEL, FF), "ff2.b": n(D_MODEL, s=0.05),
            "head.w": n(VOCAB, D_MODEL)}


def _block(m, p, tokens, targets, causal, gelu):
    F = m.nn.functional
    h = F.embedding(tokens, p["emb"], padding_idx=0) + p["pos"]
    a = F.layer_norm(h, (D_MODEL,), p["ln1.w"], p["ln1.b"])
    q, k, v = F.linear(a, p["qkv.w"], p["qkv.b"]).chunk(3, dim=-1)
    heads = [t.reshape(BATCH, SEQ, HEADS, D_MODEL // HEADS).transpose(1, 2) for t in (q, k, v)]
    att = F.scaled_dot_product_attention(*heads, is_causal=causal)
    h = h + F.linear(att.transpose(1, 2).reshape(BATCH, SEQ, D_MODEL), p["out.w"], p["out.b"])
    f = F.layer_norm(h, (D_MODEL,), p["ln2.w"], p["ln2.b"])
    h = h + F.linear(F.gelu(F.linear(f, p["ff1.w"], p["ff1.b"]), approximate=gelu), p["ff2.w"], p["ff2.b"])
    logits = h @ p["head.w"].t()
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=0)
    return logits, loss


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("causal,gelu", [(True, "none"), (False, "tanh")], ids=["causal-erf", "full-tanh"])
def test_transformer_block_matches_torch(dtype, causal, gelu):
    rng = np.random.default_rng(1)
    weights = _block_weights(rng, dtype)
    tokens = rng.integers(0, VOCAB, (BATCH, SEQ))
    tokens[0, -1] = 0  # a padding token: no gradient reaches embedding row 0
    targets = rng.integers(0, VOCAB, (BATCH, SEQ))
    targets[1, 2] = 0  # ignored by the loss
    results = {}
    for mod in (glassgrad, torch):
        p = _params(mod, weights)
        logits, loss = _block(mod, p, mod.tensor(tokens), mod.tensor(targets), causal, gelu)
        loss.backward()
        results[mod.__name__] = (logits, loss, p)
    tol = (3e-4, 3e-5) if dtype == "float32" else (1e-9, 1e-10)
    g, t = results["glassgrad"], results["torch"]
    _compare("logits", g[0], t[0], *tol)
    _compare("loss", g[1], t[1], *tol)
    for k in weights:
        _compare(f"grad of {k}", g[2][k].grad, t[2][k].grad, *tol)
    assert not g[2]["emb"].grad.numpy()[0].any(), "padding_idx row received a gradient"
