"""OpInfo rows: linear, embedding, dropout, normalization, attention, distances (glassgrad.nn.functional)."""
import math

import numpy as np

from ..opinfo import OpInfo, S, E, FI, FLOAT_DTYPES, NONZERO, POS, unary_row, binary_row, reduction_row, row
from .reduction import _vnorm


def _F(m):
    return m.nn.functional


class Stat:
    """A running statistic: a constant array (not an input the gradient checks perturb), made a tensor in the op."""
    def __init__(self, a):
        self.a = a

    def __repr__(self):
        return f"Stat({self.a!r})"

    def tensor(self, m):
        return m.tensor(self.a.copy())


def _arr(v):
    return v.a if isinstance(v, Stat) else v


def _ten(m, v):
    return v.tensor(m) if isinstance(v, Stat) else v


def _idx(*values):
    return np.array(values, dtype=np.int64)


# ---- linear, bilinear ------------------------------------------------------------------------------
def _linear_ref(x, w, bias=None):
    y = x @ (w.T if w.ndim == 2 else w)
    return y if bias is None else y + bias


def _linear_samples(make):
    w = make(5, 4)
    return [S("2d_bias", make(3, 4), w, make(5)), S("2d", make(3, 4), w), S("1d_bias", make(4), w, make(5)),
            S("1d", make(4), w), S("3d_bias", make(2, 3, 4), w, make(5)), S("3d", make(2, 3, 4), w),
            S("empty", make(0, 4), w, make(5)), S("w1d", make(2, 4), make(4)),
            S("w1d_x1d_bias", make(4), make(4), make()), S("w1d_x1d", make(4), make(4)),
            S("bias_kw", make(3, 4), w, bias=make(5))]


def _linear_errors(make):
    return [E("mismatch", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(3x4 and 5x5\)",
              make(3, 4), make(5, 5)),
            E("mismatch_3d", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(6x4 and 5x5\)",
              make(2, 3, 4), make(5, 5)),
            E("dtype", RuntimeError, r"expected m1 and m2 to have the same dtype, but got: float != double",
              make(3, 4), make(5, 4, dtype="float64"))]


def _bilinear_ref(x1, x2, w, b=None, via=None):
    y = np.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


def _bilinear_op(m, x1, x2, w, b=None, via="F"):
    return (m.bilinear if via == "torch" else _F(m).bilinear)(x1, x2, w, b)


def _bilinear_samples(make):
    w = make(5, 4, 2)
    return [S("bias", make(3, 4), make(3, 2), w, make(5)), S("nobias", make(3, 4), make(3, 2), w),
            S("3d", make(2, 3, 4), make(2, 3, 2), w, make(5)), S("1d", make(4), make(2), w, make(5)),
            S("torch", make(3, 4), make(3, 2), w, make(5), via="torch")]


def _bilinear_errors(make):
    w = make(5, 4, 2)
    return [E("batch", RuntimeError, r"bilinear\(\): input batch dimensions do not match at dim 0: got 3 and 2",
              make(3, 4), make(2, 2), w),
            E("weight", RuntimeError, r"bilinear\(\): input1 size does not match weight size: got 4 but expected 3",
              make(3, 4), make(3, 2), make(5, 3, 2))]


# ---- dropout (deterministic cases; statistics in tests/test_dropout.py) -----------------------------
def _dropout_op(m, x, p=0.5, training=True, inplace=False, via="F"):
    if inplace:
        x = x.clone()
    if via == "torch":
        return m.dropout(x, p, training)
    return _F(m).dropout(x, p, training, inplace)


def _dropout_ref(x, p=0.5, training=True, inplace=False, via="F"):
    return np.zeros_like(x) if training and p == 1 else x


def _dropout_samples(make):
    return [S("eval", make(3, 4), 0.5, training=False), S("p0", make(3, 4), p=0.0), S("p1", make(2, 3), p=1.0),
            S("eval_inplace", make(3, 4), 0.3, False, True), S("p0_inplace", make(5), 0.0, inplace=True),
            S("p1_inplace", make(5), 1.0, inplace=True), S("torch_eval", make(2, 3), 0.5, False, via="torch"),
            S("0d_eval", make(), training=False), S("empty", make(0, 3), 0.5)]


def _dropout_errors(make):
    return [E("p_above_1", ValueError, r"dropout probability has to be between 0 and 1, but got 1.5", make(3), 1.5),
            E("p_negative", ValueError, r"dropout probability has to be between 0 and 1, but got -0.1", make(3), -0.1),
            E("torch_p", RuntimeError, r"dropout probability has to be between 0 and 1, but got 1.5", make(3), 1.5,
              via="torch")]


# ---- embedding ---------------------------------------------------------------------------------------
def _embedding_op(m, idx, w, via="F", **kw):
    if via == "torch":
        return m.embedding(w, idx, **kw)
    if "max_norm" in kw:
        w = w * 1  # F.embedding renormalizes the weight in place: not a leaf
    return _F(m).embedding(idx, w, **kw)


def _embedding_ref(idx, w, via="F", padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False):
    if max_norm is not None:
        w = w.copy()
        rows = np.unique(idx)
        norms = (np.abs(w[rows].astype(np.float64)) ** norm_type).sum(1) ** (1 / norm_type)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        w[rows] = (w[rows] * scale[:, None]).astype(w.dtype)
    return w[idx]


def _embedding_samples(make):
    w = make(6, 3)
    # NOTE: padding_idx and scale_grad_by_freq define the gradient (it is not the derivative): torch checks only
    return [S("basic", _idx([1, 2, 0], [5, 2, 2]), w),
            S("padding", _idx(1, 2, 2, 4), w, padding_idx=2, gradcheck=False),
            S("padding_neg", _idx([5, 0], [1, 5]), w, padding_idx=-1, gradcheck=False),
            S("scale_freq", _idx(1, 1, 1, 3, 0, 3), w, scale_grad_by_freq=True, gradcheck=False),
            S("scale_freq_pad", _idx(1, 1, 4, 3), w, padding_idx=1, scale_grad_by_freq=True,
              gradcheck=False),
            S("0d_idx", np.array(3, dtype=np.int64), w), S("empty_idx", np.zeros((0,), np.int64), w),
            S("torch", _idx(1, 2, 2, 4), w, via="torch", padding_idx=2, gradcheck=False),
            S("max_norm", _idx(1, 2, 2), make(6, 3, low=-3.0, high=3.0), max_norm=1.0,
              gradcheck=False),
            S("max_norm_p1", _idx(0, 4), make(6, 3, low=-3.0, high=3.0), max_norm=1.5, norm_type=1.0,
              gradcheck=False)]


def _embedding_errors(make):
    w = make(5, 3)
    return [E("out_of_range", IndexError, r"index out of range in self", _idx(1, 10), w),
            E("float_indices", RuntimeError, r"Expected tensor for argument #1 'indices' to have one of the "
              r"following scalar types: Long, Int; but got torch.FloatTensor", np.array([1.0], np.float32), w),
            E("padding_idx", AssertionError, r"Padding_idx must be within num_embeddings", _idx(1), w,
              padding_idx=6)]


# ---- normalization -------------------------------------------------------------------------------------
def _normalized(x, axes, eps):
    x64 = x.astype(np.float64)
    mu = x64.mean(axes, keepdims=True)
    var = ((x64 - mu) ** 2).mean(axes, keepdims=True)
    return (x64 - mu) / np.sqrt(var + eps)


def _channel(v, ndim):
    return None if v is None else v.reshape((1, -1) + (1,) * (ndim - 2))


def _affine(y, w, b, dtype):
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y.astype(dtype)


def _layer_norm_op(m, x, shape, w=None, b=None, via="F", **kw):
    return (m.layer_norm if via == "torch" else _F(m).layer_norm)(x, shape, w, b, **kw)


def _layer_norm_ref(x, shape, w=None, b=None, via="F", eps=1e-5):
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    return _affine(_normalized(x, axes, eps), w, b, x.dtype)


def _layer_norm_samples(make):
    return [S("last", make(2, 3, 4), (4,), make(4), make(4)), S("two_dims", make(2, 3, 4), (3, 4)),
            S("weight_only", make(3, 4), [4], make(4)), S("bias_only", make(3, 4), (4,), None, make(4)),
            S("1d", make(5), (5,), make(5), make(5), eps=1e-3), S("all", make(2, 3), (2, 3), make(2, 3), make(2, 3)),
            S("torch", make(2, 4), (4,), make(4), make(4), via="torch")]


def _layer_norm_errors(make):
    return [E("shape", RuntimeError, r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\], but got "
              r"input of size\[3, 4\]", make(3, 4), (3,)),
            E("weight", RuntimeError, r"Expected weight to be of same shape as normalized_shape, but got weight of "
              r"shape \[3\] and normalized_shape = \[4\]", make(3, 4), (4,), make(3))]


def _batch_norm_call(m, x, rm, rv, w, b, via, kw):
    rm, rv = _ten(m, rm), _ten(m, rv)
    if via == "torch":
        out = m.batch_norm(x, w, b, rm, rv, kw.get("training", False), kw.get("momentum", 0.1),
                           kw.get("eps", 1e-5), False)
    else:
        out = _F(m).batch_norm(x, rm, rv, w, b, **kw)
    return out, rm, rv


def _batch_norm_op(m, x, rm, rv, w=None, b=None, via="F", **kw):
    return _batch_norm_call(m, x, rm, rv, w, b, via, kw)[0]


def _batch_norm_stats_op(m, x, rm, rv, w=None, b=None, via="F", **kw):
    _, rm, rv = _batch_norm_call(m, x, rm, rv, w, b, via, kw)
    return rm, rv


def _batch_stats(x, rm, rv, training=False, momentum=0.1, eps=1e-5):
    """(normalized x, new running mean, new running var) as PyTorch computes them."""
    rm, rv = _arr(rm), _arr(rv)
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        y = _normalized(x, axes, eps)
        if rm is not None:
            x64 = x.astype(np.float64)
            n = x.size // x.shape[1]
            rm = ((1 - momentum) * rm + momentum * x64.mean(axes)).astype(rm.dtype)
            rv = ((1 - momentum) * rv + momentum * x64.var(axes) * n / (n - 1)).astype(rv.dtype)
        return y, rm, rv
    y = (x - _channel(rm, x.ndim)) / np.sqrt(_channel(rv, x.ndim).astype(np.float64) + eps)
    return y, rm, rv


def _batch_norm_ref(x, rm, rv, w=None, b=None, via="F", **kw):
    y, _, _ = _batch_stats(x, rm, rv, **kw)
    return _affine(y, _channel(w, x.ndim), _channel(b, x.ndim), x.dtype)


def _batch_norm_stats_ref(x, rm, rv, w=None, b=None, via="F", **kw):
    _, rm, rv = _batch_stats(x, rm, rv, **kw)
    return rm, rv


def _batch_norm_samples(make):
    def stats(c):
        return Stat(make(c)), Stat(make(c, low=0.5, high=1.5))
    return [S("train_2d", make(4, 3), *stats(3), make(3), make(3), training=True),
            S("train_3d", make(2, 3, 4), *stats(3), make(3), make(3), training=True, momentum=0.2),
            S("train_4d", make(2, 3, 2, 2), *stats(3), make(3), make(3), training=True, eps=1e-3),
            S("train_no_stats", make(3, 2, 2), None, None, make(2), make(2), training=True),
            S("train_no_affine", make(4, 3), *stats(3), training=True),
            S("eval", make(4, 3), *stats(3), make(3), make(3)),
            S("eval_3d", make(2, 3, 4), *stats(3), make(3), None, training=False),
            S("torch_train", make(4, 3), *stats(3), make(3), make(3), via="torch", training=True),
            S("torch_eval", make(4, 3), *stats(3), make(3), make(3), via="torch")]


def _batch_norm_stats_samples(make):
    return [s for s in _batch_norm_samples(make) if s.args[1] is not None]


def _batch_norm_errors(make):
    return [E("one_value", ValueError, r"Expected more than 1 value per channel when training, got input size "
              r"torch.Size\(\[1, 4\]\)", make(1, 4), None, None, training=True),
            E("eval_no_stats", RuntimeError, r"running_mean must be defined in evaluation mode", make(3, 4), None,
              None),
            E("channels", RuntimeError, r"running_mean should contain 5 elements not 4", make(3, 5), Stat(make(4)),
              Stat(make(4, low=0.5, high=1.5)), training=True)]


def _group_norm_ref(x, groups, w=None, b=None, eps=1e-5):
    n = x.shape[0]
    y = _normalized(x.reshape(n, groups, -1), (2,), eps).reshape(x.shape)
    return _affine(y, _channel(w, x.ndim), _channel(b, x.ndim), x.dtype)


def _group_norm_samples(make):
    return [S("3d", make(2, 4, 3), 2, make(4), make(4)), S("2d", make(3, 4), 2),
            S("4d", make(2, 6, 2, 2), 3, make(6), make(6), eps=1e-3), S("one_group", make(2, 3, 2), 1, make(3)),
            S("per_channel", make(2, 3, 4), 3, make(3))]


def _group_norm_errors(make):
    return [E("groups", RuntimeError, r"Expected number of channels in input to be divisible by num_groups, but got "
              r"input of shape \[2, 5, 3\] and num_groups=2", make(2, 5, 3), 2)]


def _instance_norm_call(m, x, rm, rv, kw):
    rm, rv = _ten(m, rm), _ten(m, rv)
    return _F(m).instance_norm(x, rm, rv, **kw), rm, rv


def _instance_stats(x, rm=None, rv=None, weight=None, bias=None, use_input_stats=True, momentum=0.1, eps=1e-5):
    rm, rv = _arr(rm), _arr(rv)
    if not use_input_stats:
        y = _batch_stats(x, rm, rv, eps=eps)[0]
    else:
        axes = tuple(range(2, x.ndim))
        y = _normalized(x, axes, eps)
        if rm is not None:
            x64 = x.astype(np.float64)
            n = math.prod(x.shape[2:])
            rm = ((1 - momentum) * rm + momentum * x64.mean(axes).mean(0)).astype(rm.dtype)
            rv = ((1 - momentum) * rv + momentum * (x64.var(axes) * n / (n - 1)).mean(0)).astype(rv.dtype)
    return _affine(y, _channel(weight, x.ndim), _channel(bias, x.ndim), x.dtype), rm, rv


def _instance_norm_samples(make):
    def stats(c):
        return Stat(make(c)), Stat(make(c, low=0.5, high=1.5))
    return [S("plain", make(2, 3, 4), None, None),
            S("affine", make(2, 3, 4), None, None, weight=make(3), bias=make(3)),
            S("running", make(2, 3, 2, 2), *stats(3), weight=make(3), momentum=0.3),
            S("running_stats_used", make(2, 3, 4), *stats(3), bias=make(3), use_input_stats=False),
            S("eps", make(1, 2, 5), None, None, eps=1e-2)]


def _instance_norm_errors(make):
    return [E("spatial", ValueError, r"Expected more than 1 spatial element when training, got input size "
              r"torch.Size\(\[2, 4, 1\]\)", make(2, 4, 1), None, None)]


# ---- normalize, distances ----------------------------------------------------------------------------
def _normalize_ref(x, p=2.0, dim=1, eps=1e-12):
    axis = None if x.ndim == 0 else dim
    return (x / np.maximum(_vnorm(x, p, axis, True), eps)).astype(x.dtype)


def _normalize_samples(make):
    return [S("default", make(3, 4)), S("p1_dim0", make(3, 4), p=1.0, dim=0), S("inf", make(2, 3), math.inf, -1),
            S("p3", make(2, 3, 2), 3.0, 1), S("0d", make(low=0.5), dim=0), S("1d", make(5), dim=0),
            S("clamped", make(2, 3, low=-1e-3, high=1e-3), dim=1, eps=0.5),
            S("zero_row", np.zeros((2, 3), make().dtype), gradcheck=False)]


def _cosine_op(m, x1, x2, via="F", **kw):
    return (m.cosine_similarity if via == "torch" else _F(m).cosine_similarity)(x1, x2, **kw)


def _cosine_ref(x1, x2, via="F", dim=1, eps=1e-8):
    a, b = np.broadcast_arrays(x1.astype(np.float64), x2.astype(np.float64))
    axis = None if a.ndim == 0 else dim
    na = np.maximum(_vnorm(a, 2, axis, True), eps)
    nb = np.maximum(_vnorm(b, 2, axis, True), eps)
    floats = [x.dtype for x in (x1, x2) if x.dtype.kind == "f"]
    return ((a / na) * (b / nb)).sum(axis).astype(np.result_type(*floats))


def _cosine_samples(make):
    return [S("default", make(3, 4), make(3, 4)), S("bcast", make(3, 1, 4), make(2, 4), dim=-1),
            S("1d", make(5), make(5), dim=0), S("0d", make(), make(), dim=0),
            S("eps", make(2, 3, low=-1e-3, high=1e-3), make(2, 3), eps=0.1, gradcheck=False),
            S("zero", np.zeros((2, 3), make().dtype), make(2, 3), gradcheck=False),
            S("int", make(2, 3), np.array([[1, 0, 2], [3, -1, 1]]), via="torch")]


def _cosine_errors(make):
    return [E("size", RuntimeError, r"The size of tensor a \(3\) must match the size of tensor b \(2\) at "
              r"non-singleton dimension 0", make(3, 4), make(2, 4)),
            E("int", RuntimeError, r"expected common dtype to be floating point, yet common dtype is Long",
              np.array([1, 2]), np.array([1, 3]), dim=0)]


def _pairwise_op(m, x1, x2, via="F", **kw):
    return (m.pairwise_distance if via == "torch" else _F(m).pairwise_distance)(x1, x2, **kw)


def _pairwise_ref(x1, x2, via="F", p=2.0, eps=1e-6, keepdim=False):
    d = x1.astype(np.float64) - x2 + eps
    out = _vnorm(d, p, None if d.ndim == 0 else -1, keepdim and d.ndim > 0)
    return np.asarray(out).astype(np.result_type(x1, x2))


def _pairwise_samples(make):
    return [S("default", make(3, 4), make(3, 4)), S("p1", make(3, 4), make(3, 4), p=1.0),
            S("p3_keepdim", make(2, 3), make(2, 3), p=3.0, keepdim=True), S("inf", make(2, 4), make(2, 4), p=math.inf),
            S("bcast", make(2, 3), make(3)), S("1d", make(4), make(4), via="torch"), S("0d", make(), make()),
            S("eps", make(2, 3), make(2, 3), eps=0.1)]


def _cdist_ref(x1, x2, p=2.0, compute_mode=None):
    d = x1[..., :, None, :].astype(np.float64) - x2[..., None, :, :]
    return _vnorm(d, p, -1, False).astype(x1.dtype)


def _cdist_samples(make):
    return [S("p2", make(3, 4), make(5, 4)), S("p1", make(3, 4), make(5, 4), p=1.0),
            S("p3", make(2, 3), make(4, 3), p=3.0), S("inf", make(3, 2), make(2, 2), p=math.inf),
            S("p0", make(3, 2), make(2, 2), p=0.0), S("batch", make(2, 3, 4), make(2, 5, 4)),
            S("bcast_batch", make(2, 1, 3, 2), make(3, 4, 2)), S("mm_path", make(26, 2), make(3, 2)),
            S("mm_forced", make(3, 2), make(4, 2), compute_mode="use_mm_for_euclid_dist"),
            S("empty", make(0, 3), make(2, 3))]


def _cdist_errors(make):
    return [E("cols", RuntimeError, r"X1 and X2 must have the same number of columns. X1: 4 X2: 3", make(3, 4),
              make(5, 3)),
            E("1d", RuntimeError, r"cdist only supports at least 2D tensors, X1 got: 1D", make(4), make(4)),
            E("neg_p", RuntimeError, r"cdist only supports non-negative p values", make(3, 4), make(5, 4), p=-1.0)]


# ---- attention -------------------------------------------------------------------------------------------
def _sdpa_op(m, q, k, v, attn_mask=None, **kw):
    return _F(m).scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, **kw)


def _sdpa_ref(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    L, S_ = q.shape[-2], k.shape[-2]
    if enable_gqa:
        k = np.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
        v = np.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    bias = np.zeros((L, S_))
    if is_causal:
        bias = np.where(np.tril(np.ones((L, S_), bool)), 0.0, -np.inf)
    if attn_mask is not None:
        bias = np.where(attn_mask, 0.0, -np.inf) if attn_mask.dtype == bool else bias + attn_mask
    a = q.astype(np.float64) @ np.swapaxes(k, -1, -2) * scale + bias
    mx = a.max(-1, keepdims=True)
    e = np.exp(a - np.where(np.isfinite(mx), mx, 0))
    w = e / np.where(e.sum(-1, keepdims=True) == 0, 1, e.sum(-1, keepdims=True))
    return (w @ v).astype(q.dtype)


def _sdpa_samples(make):
    q, k, v = make(2, 3, 4), make(2, 5, 4), make(2, 5, 6)
    mask = np.array([[1, 0, 1, 1, 0], [0, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    dead = mask.copy()
    dead[1] = False
    return [S("plain", q, k, v), S("causal", q, k, v, is_causal=True), S("bool_mask", q, k, v, mask),
            S("float_mask", q, k, v, make(3, 5)), S("scale", q, k, v, scale=0.3), S("dropout0", q, k, v, dropout_p=0.0),
            S("4d", make(1, 2, 3, 4), make(1, 2, 4, 4), make(1, 2, 4, 3), make(2, 3, 4)),
            S("2d", make(3, 4), make(5, 4), make(5, 2)),
            S("masked_row", q, k, v, dead), S("gqa", make(1, 4, 3, 2), make(1, 2, 5, 2), make(1, 2, 5, 3),
                                                  enable_gqa=True)]


def _sdpa_errors(make):
    return [E("head_dim", RuntimeError, r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but "
              r"got: \[2, 3\]", make(2, 3, 4), make(2, 5, 3), make(2, 5, 4))]


# NOTE: float32 normalization gradients cancel (g - mean g - xhat mean(g xhat)): PyTorch sums in another order
_NORM_TOL = {"float32": (1e-4, 1e-5)}

ROWS = [
    OpInfo("linear", lambda m, *a, **k: _F(m).linear(*a, **k), _linear_ref, _linear_samples,
           api=("nn.functional.linear",), error_inputs=_linear_errors),
    OpInfo("bilinear", _bilinear_op, _bilinear_ref, _bilinear_samples, api=("bilinear", "nn.functional.bilinear"),
           error_inputs=_bilinear_errors),
    OpInfo("dropout", _dropout_op, _dropout_ref, _dropout_samples, api=("dropout", "nn.functional.dropout"),
           error_inputs=_dropout_errors),
    OpInfo("embedding", _embedding_op, _embedding_ref, _embedding_samples, api=("embedding", "nn.functional.embedding"),
           error_inputs=_embedding_errors),
    OpInfo("layer_norm", _layer_norm_op, _layer_norm_ref, _layer_norm_samples,
           api=("layer_norm", "nn.functional.layer_norm"), error_inputs=_layer_norm_errors, tol=_NORM_TOL),
    OpInfo("batch_norm", _batch_norm_op, _batch_norm_ref, _batch_norm_samples,
           api=("batch_norm", "nn.functional.batch_norm"), error_inputs=_batch_norm_errors, tol=_NORM_TOL),
    OpInfo("batch_norm_running_stats", _batch_norm_stats_op, _batch_norm_stats_ref, _batch_norm_stats_samples,
           api=(), supports_grad=False),
    OpInfo("group_norm", lambda m, *a, **k: _F(m).group_norm(*a, **k), _group_norm_ref, _group_norm_samples,
           api=("group_norm", "nn.functional.group_norm"), error_inputs=_group_norm_errors,
           tol=_NORM_TOL),
    OpInfo("instance_norm", lambda m, x, rm, rv, **k: _instance_norm_call(m, x, rm, rv, k)[0],
           lambda x, rm, rv, **k: _instance_stats(x, rm, rv, **k)[0], _instance_norm_samples,
           api=("instance_norm", "nn.functional.instance_norm"), error_inputs=_instance_norm_errors,
           tol=_NORM_TOL),
    OpInfo("instance_norm_running_stats", lambda m, x, rm, rv, **k: _instance_norm_call(m, x, rm, rv, k)[1:],
           lambda x, rm, rv, **k: _instance_stats(x, rm, rv, **k)[1:],
           lambda make: [s for s in _instance_norm_samples(make) if s.args[1] is not None], api=(),
           supports_grad=False),
    OpInfo("normalize", lambda m, *a, **k: _F(m).normalize(*a, **k), _normalize_ref, _normalize_samples,
           api=("nn.functional.normalize",)),
    OpInfo("cosine_similarity", _cosine_op, _cosine_ref, _cosine_samples,
           api=("cosine_similarity", "nn.functional.cosine_similarity"), error_inputs=_cosine_errors,
           kind="binary", from_shapes=lambda make, a, b: S(f"{a}&{b}", make(*a), make(*b), dim=-1)),
    OpInfo("pairwise_distance", _pairwise_op, _pairwise_ref, _pairwise_samples,
           api=("pairwise_distance", "nn.functional.pairwise_distance"), kind="binary",
           from_shapes=lambda make, a, b: S(f"{a}&{b}", make(*a), make(*b))),
    OpInfo("cdist", lambda m, *a, **k: m.cdist(*a, **k), _cdist_ref, _cdist_samples, api=("cdist",),
           error_inputs=_cdist_errors, tol={"float32": (1e-4, 1e-5)}),
    OpInfo("scaled_dot_product_attention", _sdpa_op, _sdpa_ref, _sdpa_samples,
           api=("nn.functional.scaled_dot_product_attention",), error_inputs=_sdpa_errors),
]
