"""OpInfo rows: losses (glassgrad.nn.functional, and the torch-level names PyTorch also has).

Class-index targets are int64 arrays (no gradient). Float arguments PyTorch refuses to differentiate (class
weights of nll_loss / cross_entropy / binary_cross_entropy, pos_weight, soft_margin_loss's target) are held in
`Const`, which the row's call turns into a tensor that does not require grad; every plain array is a leaf
that requires grad, so the suites check the gradient w.r.t. targets, weights and variances where PyTorch
gives one.
"""
import math

import numpy as np

from ..opinfo import OpInfo, S, E


class Const:
    """A float tensor argument that must not require grad (PyTorch raises if it does)."""

    def __init__(self, a):
        self.a = a

    def __repr__(self):
        return f"Const({self.a!r})"


def _arg(m, v):
    return m.tensor(v.a) if isinstance(v, Const) else v


def _call(path):
    """op(m, *args, **kw) calling `m.<path>` with Const arguments made tensors."""
    def op(m, *args, **kw):
        fn = m
        for part in path.split("."):
            fn = getattr(fn, part)
        return fn(*[_arg(m, a) for a in args], **{k: _arg(m, v) for k, v in kw.items()})
    return op


def _np_ref(fn):
    """A reference over float64 arrays, its result cast back to the first argument's dtype."""
    def conv(a):
        a = a.a if isinstance(a, Const) else a
        return a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a

    def ref(*args, **kw):
        out = fn(*[conv(a) for a in args], **{k: conv(v) for k, v in kw.items()})
        return np.asarray(out).astype(args[0].dtype)
    return ref


def _loss_row(name, ref, gen, fn=None, torch_level=False, **kw):
    fn = fn or name
    api = ("nn.functional." + fn,) + ((fn,) if torch_level else ())
    return OpInfo(name, _call("nn.functional." + fn), _np_ref(ref), gen, api=api, **kw)


def _torch_row(name, ref, gen, **kw):
    """The torch-level function (reduction as PyTorch's enum: 0 none, 1 mean, 2 sum)."""
    return OpInfo(name + "_torch", _call(name), _np_ref(ref), gen, api=(name,), **kw)


# ---- NumPy references --------------------------------------------------------------------------
_ENUM = {0: "none", 1: "mean", 2: "sum"}


def _reduce(loss, reduction="mean", size_average=None, reduce=None):
    if size_average is not None or reduce is not None:
        reduction = "none" if reduce is False else ("mean" if size_average in (None, True) else "sum")
    reduction = _ENUM.get(reduction, reduction)
    if reduction == "none":
        return loss
    with np.errstate(all="ignore"):
        return loss.sum() if reduction == "sum" else loss.mean() if loss.size else np.float64("nan")


def _mse_ref(x, t, reduction="mean", weight=None, **kw):
    loss = (x - t) ** 2
    if weight is not None:
        loss = loss * weight
        if reduction == "mean":
            return loss.sum() / weight.sum()
    return _reduce(loss, reduction, **kw)


def _l1_ref(x, t, reduction="mean", weight=None, **kw):
    loss = np.abs(x - t)
    if weight is not None:
        loss = loss * weight
        if reduction == "mean":
            return loss.sum() / weight.sum()
    return _reduce(loss, reduction, **kw)


def _smooth_l1_ref(x, t, reduction="mean", beta=1.0, **legacy):
    d = np.abs(x - t)
    return _reduce(np.where(d < beta, 0.5 * d * d / max(beta, 1e-300), d - 0.5 * beta), reduction, **legacy)


def _huber_ref(x, t, reduction="mean", delta=1.0, weight=None):
    d = np.abs(x - t)
    loss = np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_ref(x, t, weight=None, reduction="mean"):
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _bcel_ref(x, t, weight=None, pos_weight=None, reduction="mean"):
    lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
    loss = (1 - t) * x - lw * _log_sigmoid(x)
    return _reduce(loss if weight is None else loss * weight, reduction)


def _kl_ref(x, t, reduction="mean", log_target=False):
    loss = np.exp(t) * (t - x) if log_target else t * np.log(t) - t * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def _poisson_ref(x, t, log_input=True, full=False, eps=1e-8, reduction="mean"):
    loss = np.exp(x) - t * x if log_input else x - t * np.log(x + eps)
    if full:
        with np.errstate(all="ignore"):
            stirling = t * np.log(t) - t + 0.5 * np.log(2 * math.pi * t)
        loss = loss + np.where(t <= 1, 0, stirling)
    return _reduce(loss, reduction)


def _gaussian_ref(x, t, var, full=False, eps=1e-6, reduction="mean"):
    var = np.asarray(var, np.float64)
    if var.ndim and var.shape != x.shape and x.shape[:-1] == var.shape:
        var = var[..., None]
    var = np.maximum(var, eps)
    loss = 0.5 * (np.log(var) + (x - t) ** 2 / var) + (0.5 * math.log(2 * math.pi) if full else 0)
    return _reduce(np.broadcast_to(loss, np.broadcast_shapes(loss.shape, x.shape)), reduction)


def _margin_ranking_ref(x1, x2, t, margin=0.0, reduction="mean"):
    return _reduce(np.maximum(-t * (x1 - x2) + margin, 0), reduction)


def _hinge_ref(x, t, margin=1.0, reduction="mean"):
    return _reduce(np.where(t != 1, np.maximum(margin - x, 0), 0) + np.where(t != -1, x, 0), reduction)


def _cosine_emb_ref(x1, x2, t, margin=0.0, reduction="mean"):
    ax = x1.ndim - 1
    cos = (x1 * x2).sum(ax) / np.sqrt(((x1 * x1).sum(ax) + 1e-12) * ((x2 * x2).sum(ax) + 1e-12))
    return _reduce(np.where(t == 1, 1 - cos, 0) + np.where(t == -1, np.maximum(cos - margin, 0), 0), reduction)


def _pdist(a, b, p, eps):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1 / p)


def _triplet_ref(a, pos, neg, margin=1.0, p=2, eps=1e-6, swap=False, reduction="mean"):
    dp, dn = _pdist(a, pos, p, eps), _pdist(a, neg, p, eps)
    if swap:
        dn = np.minimum(dn, _pdist(pos, neg, p, eps))
    return _reduce(np.maximum(margin + dp - dn, 0), reduction)


def _soft_margin_ref(x, t, reduction="mean"):
    return _reduce(np.log1p(np.exp(-t * x)), reduction)


def _mlsm_ref(x, t, weight=None, reduction="mean"):
    loss = -(t * _log_sigmoid(x) + (1 - t) * _log_sigmoid(-x))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(-1) / x.shape[-1], reduction)


def _class_dim(x):
    return 0 if x.ndim == 1 else 1


def _nll_ref(x, t, weight=None, ignore_index=-100, reduction="mean"):
    t = np.asarray(t, np.int64)
    cls = _class_dim(x)
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked = np.take_along_axis(x, np.expand_dims(safe, cls), cls).squeeze(cls)
    w = (weight[safe] if weight is not None else 1.0) * valid
    loss = -picked * w
    if reduction == "none":
        return loss
    with np.errstate(all="ignore"):
        return loss.sum() if reduction == "sum" else loss.sum() / w.sum()


def _log_softmax(x, axis):
    z = x - x.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


def _ce_ref(x, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    cls = _class_dim(x)
    C = x.shape[cls]
    lsm = _log_softmax(x, cls)
    wv = 1.0 if weight is None else weight.reshape([C if i == cls else 1 for i in range(x.ndim)])
    if t.shape == x.shape:
        tt = t * (1 - label_smoothing) + label_smoothing / C if label_smoothing > 0 else t
        per = -(lsm * tt * wv).sum(cls)
        return per if reduction == "none" else per.sum() if reduction == "sum" else per.sum() / (x.size // C)
    nll = _nll_ref(lsm, t, weight, ignore_index, reduction)
    if label_smoothing <= 0:
        return nll
    t = np.asarray(t, np.int64)
    ignored = t == ignore_index
    smooth = np.where(ignored, 0, -(lsm * wv).sum(cls))
    if reduction == "mean":
        denom = weight[t[~ignored]].sum() if weight is not None else (~ignored).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / C)


# ---- samples -----------------------------------------------------------------------------------
def _sign(a):
    return np.where(a >= 0, 1, -1).astype(a.dtype)


def _pair_fs(make, a, b):
    return S(f"{a}&{b}", make(*a), make(*b))


def _pair_samples(extra=lambda make, x, t: []):
    def gen(make):
        x, t = make(3, 4), make(3, 4)
        return [S("mean", x, t), S("sum", x, t, reduction="sum"), S("none", x, t, reduction="none"),
                S("0d", make(), make()), S("empty", make(0, 3), make(0, 3)),
                S("bcast_target", make(3, 4), make(3, 1)),
                S("legacy_reduce", x, t, reduce=False)] + extra(make, x, t)
    return gen


def _pair_errors(int_error, int_match):
    def gen(make):
        x = make(3, 4)
        return [E("bad_reduction", ValueError, r"^foo is not a valid value for reduction$", x, make(3, 4),
                  reduction="foo"),
                E("shapes", RuntimeError, r"size of tensor a \(4\) must match the size of tensor b \(2\) at "
                  r"non-singleton dimension 1", x, make(2)),
                E("int", int_error, int_match, make(3, dtype="int64"), make(3, dtype="int64"))]
    return gen


def _weighted(make, x, t):
    w = make(3, 4, low=0.2, high=1.5)
    return [S("weight", x, t, weight=w), S("weight_sum", x, t, weight=w, reduction="sum"),
            S("weight_none", x, t, weight=w, reduction="none")]


def _weight_errors(make):
    x = make(3, 4)
    return [E("weight_size", ValueError, r"Weights and input must have the same size", x, make(3, 4),
              weight=make(4)),
            E("weight_bad_reduction", ValueError, r"Invalid reduction mode: foo\. Expected one of 'none', 'mean', "
              r"'sum'\.", x, make(3, 4), weight=make(3, 4), reduction="foo")]


def _bce_samples(make):
    x, t = make(3, 4, low=0.05, high=0.95), make(3, 4, low=0.0, high=1.0)
    clamp = np.array([0.0, 1.0, 0.5, 1e-50]).astype(x.dtype)
    return [S("mean", x, t), S("sum", x, t, reduction="sum"), S("none", x, t, reduction="none"),
            S("weight_bcast", x, t, weight=Const(make(4, low=0.2, high=1.5))),
            S("weight_none", x, t, weight=Const(make(3, 4, low=0.2, high=1.5)), reduction="none"),
            S("0d", make(low=0.1, high=0.9), make(low=0.0, high=1.0)), S("empty", make(0, low=0.1, high=0.9),
                                                                          make(0, low=0.1, high=0.9)),
            S("log_clamped_to_-100", clamp, np.array([1.0, 0.0, 0.5, 1.0]).astype(x.dtype), gradcheck=False)]


def _bce_errors(make):
    x, t = make(3, 4, low=0.1, high=0.9), make(3, 4, low=0.1, high=0.9)
    return [E("target_size", ValueError, r"Using a target size \(torch.Size\(\[3, 1\]\)\) that is different to the "
              r"input size \(torch.Size\(\[3, 4\]\)\) is deprecated", x, make(3, 1)),
            E("out_of_range", RuntimeError, r"all elements of input should be between 0 and 1", x + 1, t),
            E("weight_requires_grad", RuntimeError, r"The function 'binary_cross_entropy' is not differentiable "
              r"with respect to argument 'weight'\. This input cannot have requires_grad True\.", x, t,
              weight=make(3, 4)),
            E("bad_reduction", ValueError, r"^foo is not a valid value for reduction$", x, t, reduction="foo")]


def _bcel_samples(make):
    x, t = make(3, 4), make(3, 4, low=0.0, high=1.0)
    pw = Const(make(4, low=0.3, high=3.0))
    return [S("mean", x, t), S("sum", x, t, reduction="sum"), S("none", x, t, reduction="none"),
            S("weight", x, t, weight=Const(make(3, 1, low=0.2, high=1.5))),
            S("pos_weight", x, t, pos_weight=pw), S("both_none", x, t, weight=Const(make(4, low=0.2, high=1.5)),
                                                  pos_weight=pw, reduction="none"),
            S("large_logits", make(6, low=-60.0, high=60.0), make(6, low=0.0, high=1.0)),
            S("0d", make(), make(low=0.0, high=1.0))]


def _bcel_errors(make):
    x, t = make(3, 4), make(3, 4, low=0.0, high=1.0)
    return [E("target_size", ValueError, r"Target size \(torch.Size\(\[3, 1\]\)\) must be the same as input size "
              r"\(torch.Size\(\[3, 4\]\)\)", x, make(3, 1)),
            E("pos_weight_requires_grad", RuntimeError, r"'binary_cross_entropy_with_logits' is not differentiable "
              r"with respect to argument 'pos_weight'", x, t, pos_weight=make(4)),
            E("pos_weight_shape", RuntimeError, r"The size of tensor a \(3\) must match the size of tensor b \(4\) at "
              r"non-singleton dimension 1", x, t, pos_weight=Const(make(3))),
            E("weight_grows_output", RuntimeError, r"output with shape \[3, 4\] doesn't match the broadcast shape "
              r"\[2, 3, 4\]", x, t, weight=Const(make(2, 3, 4)))]


def _kl_samples(make):
    x, t = make(3, 4, low=-3.0, high=-0.1), make(3, 4, low=0.05, high=1.0)
    return [S("mean", x, t), S("batchmean", x, t, reduction="batchmean"), S("sum", x, t, reduction="sum"),
            S("none", x, t, reduction="none"), S("log_target", x, make(3, 4, low=-3.0, high=-0.1), log_target=True,
                                                  reduction="batchmean"),
            S("0d_batchmean", make(), make(low=0.05, high=1.0), reduction="batchmean")]


def _poisson_samples(make):
    x, t = make(3, 4), make(3, 4, low=0.2, high=3.0)
    return [S("mean", x, t), S("sum", x, t, reduction="sum"), S("none", x, t, reduction="none"),
            S("prob_input", make(3, 4, low=0.1, high=2.0), t, log_input=False, eps=1e-3),
            S("full", x, t, full=True), S("full_none", make(2, 3, low=0.1, high=2.0), make(2, 3, low=0.2, high=3.0),
                                          log_input=False, full=True, reduction="none")]


def _gaussian_samples(make):
    x, t = make(3, 4), make(3, 4)
    return [S("mean", x, t, make(3, 4, low=0.2, high=2.0)),
            S("sum_full", x, t, make(3, 4, low=0.2, high=2.0), full=True, reduction="sum"),
            S("var_one_short", x, t, make(3, low=0.2, high=2.0), reduction="none"),
            S("var_bcast", x, t, make(3, 1, low=0.2, high=2.0)),
            S("var_float", x, t, 0.5),
            S("var_clamped", x, t, np.array([1e-8, 0.5, 2.0]).astype(x.dtype)[:, None], eps=1e-3,
              gradcheck=False)]


def _gaussian_errors(make):
    x, t = make(3, 4), make(3, 4)
    return [E("negative_var", ValueError, r"^var has negative entry/entries$", x, t, -make(3, 4, low=0.1, high=1.0)),
            E("var_size", ValueError, r"^var is of incorrect size$", x, t, make(2, low=0.1, high=1.0)),
            E("bad_reduction", ValueError, r"^x is not valid$", x, t, make(3, 4, low=0.1, high=1.0),
              reduction="x")]


def _ranking_samples(make):
    x1, x2, t = make(5), make(5), _sign(make(5))
    return [S("mean", x1, x2, t), S("margin_sum", x1, x2, t, margin=0.5, reduction="sum"),
            S("none_2d", make(2, 3), make(2, 3), _sign(make(2, 3)), margin=0.3, reduction="none"),
            S("0d", make(), make(), _sign(make()))]


def _hinge_samples(make):
    x, t = make(3, 4), _sign(make(3, 4))
    return [S("mean", x, t), S("margin_sum", x, t, margin=0.5, reduction="sum"),
            S("none", x, t, reduction="none"), S("0d", make(), _sign(make()))]


def _cosine_samples(make):
    t = Const(_sign(make(3)))
    return [S("mean", make(3, 4), make(3, 4), t), S("margin_none", make(3, 4), make(3, 4), t, margin=0.2,
                                                    reduction="none"),
            S("1d_0d_target", make(4), make(4), Const(_sign(make())), reduction="sum")]


def _triplet_samples(make):
    a, p, n = make(3, 4), make(3, 4), make(3, 4)
    return [S("mean", a, p, n), S("p1_margin", a, p, n, p=1, margin=2.0, reduction="sum"),
            S("swap_none", a, p, n, swap=True, margin=1.5, reduction="none"), S("1d", make(4), make(4), make(4),
                                                                             eps=1e-3)]


def _soft_margin_samples(make):
    x, t = make(3, 4), Const(_sign(make(3, 4)))
    return [S("mean", x, t), S("sum", x, t, reduction="sum"), S("none", x, t, reduction="none"),
            S("0d", make(), Const(_sign(make())))]


def _mlsm_samples(make):
    x, t = make(3, 4), make(3, 4, dtype="bool").astype(make().dtype)
    return [S("mean", x, t), S("weight_sum", x, t, weight=make(4, low=0.2, high=1.5), reduction="sum"),
            S("none", x, t, reduction="none"), S("1d", make(4), make(4, low=0.0, high=1.0))]


def _targets(make, *shape, C):
    return make(*shape, dtype="int64", low=0, high=C - 1)


def _nll_samples(make):
    x = make(3, 4)
    t = np.array([0, 3, 1], np.int64)
    w = Const(make(4, low=0.2, high=1.5))
    return [S("mean", x, t), S("weight", x, t, weight=w), S("ignore_index_sum", x, t, ignore_index=1, reduction="sum"),
            S("weight_ignore_none", x, t, weight=w, ignore_index=3, reduction="none"),
            S("1d", make(4), np.array(2)), S("3d", make(2, 3, 2), _targets(make, 2, 2, C=3), weight=Const(
                make(3, low=0.2, high=1.5))),
            S("3d_none", make(2, 3, 2), _targets(make, 2, 2, C=3), reduction="none"),
            S("4d", make(2, 3, 2, 2), _targets(make, 2, 2, 2, C=3), ignore_index=0),
            S("5d_sum", make(2, 3, 1, 2, 2), _targets(make, 2, 1, 2, 2, C=3), reduction="sum"),
            S("empty", make(0, 4), np.zeros(0, np.int64)),
            S("all_ignored", x, np.full(3, -100, np.int64), gradcheck=False)]


def _nll_errors(make):
    x = make(3, 4)
    t = np.array([0, 2, 3], np.int64)
    return [E("target_out_of_bounds", IndexError, r"^Target 5 is out of bounds\.$", x, np.array([0, 5, 1])),
            E("negative_target", IndexError, r"^Target -1 is out of bounds\.$", x, np.array([0, -1, 1])),
            E("4d_target_out_of_bounds", IndexError, r"^Target 5 is out of bounds\.$", make(2, 3, 2, 2),
              np.full((2, 2, 2), 5)),
            E("float_target", RuntimeError, r"expected target dtype to be Long or Byte, but got Float", x, make(3)),
            E("batch_size", ValueError, r"Expected input batch_size \(3\) to match target batch_size \(2\)\.", x,
              t[:2]),
            E("0d_input", ValueError, r"Expected 1 or more dimensions \(got 0\)", make(), np.array(0)),
            E("1d_input_target_size", ValueError, r"For 1D input, 1D target must have size 1, but got target size: 2",
              make(4), np.array([1, 2])),
            E("3d_target_size", RuntimeError, r"Expected target size \[2, 2\], got \[2, 3\]", make(2, 3, 2),
              np.zeros((2, 3), np.int64)),
            E("2d_target_for_2d_input", RuntimeError, r"0D or 1D target tensor expected, multi-target not supported",
              x, np.zeros((3, 2), np.int64)),
            E("4d_size", RuntimeError, r"size mismatch \(got input: \[2, 3, 2, 2\] , target: \[2, 2, 3\]",
              make(2, 3, 2, 2), np.zeros((2, 2, 3), np.int64)),
            E("weight_size", RuntimeError, r"weight tensor should be defined either for all 4 classes or no classes "
              r"but got weight tensor of shape: \[3\]", x, t, weight=Const(make(3))),
            E("weight_requires_grad", RuntimeError, r"The function 'nll_loss_forward' is not differentiable with "
              r"respect to argument 'weight'", x, t, weight=make(4))]


def _ce_samples(make):
    x = make(3, 4)
    t = np.array([0, 3, 1], np.int64)
    w = Const(make(4, low=0.2, high=1.5))
    probs = make(3, 4, low=0.0, high=1.0)
    return [S("mean", x, t), S("weight_ignore", x, t, weight=w, ignore_index=3),
            S("smoothing", x, t, label_smoothing=0.2),
            S("smoothing_weight_ignore", x, t, weight=w, ignore_index=1, label_smoothing=0.3),
            S("smoothing_weight_sum", x, t, weight=w, label_smoothing=0.1, reduction="sum"),
            S("smoothing_none", x, t, ignore_index=0, label_smoothing=0.1, reduction="none"),
            S("4d", make(2, 3, 2, 2), _targets(make, 2, 2, 2, C=3), reduction="sum"),
            S("1d", make(4), np.array(1)),
            S("probs", x, probs), S("probs_weight_smoothing", x, probs, weight=w, label_smoothing=0.2),
            S("probs_none", make(2, 3, 2), make(2, 3, 2, low=0.0, high=1.0), reduction="none"),
            S("probs_sum", x, probs, reduction="sum"),
            S("3d_smoothing_weight_none", make(2, 3, 2), _targets(make, 2, 2, C=3), weight=Const(
                make(3, low=0.2, high=1.5)), label_smoothing=0.4, reduction="none")]


def _ce_errors(make):
    x = make(3, 4)
    t = np.array([0, 2, 3], np.int64)
    return [E("target_out_of_bounds", IndexError, r"^Target 5 is out of bounds\.$", x, np.array([0, 5, 1])),
            E("label_smoothing", RuntimeError, r"label_smoothing must be between 0\.0 and 1\.0\. Got: 1\.5", x, t,
              label_smoothing=1.5),
            E("ignore_index_probs", RuntimeError, r"ignore_index is not supported for floating point target", x,
              make(3, 4), ignore_index=1),
            E("int_probs", RuntimeError, r"Expected floating point type for target with class probabilities, got Long",
              x, np.zeros((3, 4), np.int64)),
            E("weight_size", RuntimeError, r"weight tensor should be defined either for all 4 classes or no classes "
              r"but got weight tensor of shape: \[3\]", x, make(3, 4), weight=Const(make(3)))]


# ---- rows --------------------------------------------------------------------------------------
ROWS = [
    _loss_row("mse_loss", _mse_ref, _pair_samples(_weighted), kind="binary", from_shapes=_pair_fs,
              error_inputs=lambda make: _pair_errors(NotImplementedError,
                                                      r"\"mse_cpu\" not implemented for 'Long'")(make)
              + _weight_errors(make)),
    _loss_row("l1_loss", _l1_ref, _pair_samples(_weighted), kind="binary", from_shapes=_pair_fs,
              error_inputs=lambda make: _pair_errors(RuntimeError, r"mean\(\): could not infer output dtype")(
                  make) + _weight_errors(make)),
    _loss_row("smooth_l1_loss", _smooth_l1_ref, _pair_samples(
        lambda make, x, t: [S("beta", x, t, beta=0.5), S("beta0_is_l1", x, t, beta=0.0, reduction="sum")]),
        kind="binary", from_shapes=_pair_fs,
        error_inputs=lambda make: _pair_errors(NotImplementedError,
                                               r"\"smooth_l1_cpu\" not implemented for 'Long'")(make)
        + [E("negative_beta", RuntimeError, r"smooth_l1_loss does not support negative values for beta\.",
             make(3), make(3), beta=-1.0)]),
    _loss_row("huber_loss", _huber_ref, lambda make: [
        S(d, x, t, **kw) for x, t in [(make(3, 4), make(3, 4))]
        for d, kw in (("mean", {}), ("delta", {"delta": 0.5}), ("sum", {"reduction": "sum"}),
                      ("none", {"reduction": "none"}), ("weight", {"weight": make(3, 4, low=0.2, high=1.5)}),
                      ("weight_sum", {"weight": make(3, 4, low=0.2, high=1.5), "reduction": "sum", "delta": 0.7}))]
        + [S("0d", make(), make()), S("bcast_target", make(3, 4), make(4))],
        kind="binary", from_shapes=_pair_fs,
        error_inputs=lambda make: [
            E("delta", RuntimeError, r"huber_loss does not support non-positive values for delta\.", make(3),
              make(3), delta=0.0),
            E("weight_size", ValueError, r"Weights and input must have the same size", make(3, 4), make(3, 4),
              weight=make(4)),
            E("bad_reduction", ValueError, r"^x is not a valid value for reduction$", make(3), make(3),
              reduction="x")]),
    _loss_row("binary_cross_entropy", _bce_ref, _bce_samples, error_inputs=_bce_errors),
    _loss_row("binary_cross_entropy_with_logits", _bcel_ref, _bcel_samples, torch_level=True,
              error_inputs=_bcel_errors),
    _torch_row("binary_cross_entropy_with_logits", _bcel_ref, lambda make: [
        S("enum_sum", make(3, 4), make(3, 4, low=0.0, high=1.0), None, Const(make(4, low=0.5, high=2.0)), 2)]),
    _loss_row("kl_div", _kl_ref, _kl_samples, torch_level=True, error_inputs=lambda make: [
        E("bad_reduction", ValueError, r"^foo is not a valid value for reduction$", make(3), make(3),
          reduction="foo")]),
    # NOTE: the torch-level bindings default `reduction` to 0 (none), not to Mean as their schemas say.
    _torch_row("kl_div", lambda x, t, reduction=0, log_target=False: _kl_ref(x, t, reduction, log_target),
               lambda make: [
        S("enum_none", make(3, 4), make(3, 4, low=-2.0, high=0.0), 0, log_target=True),
        S("default_none", make(3, 4), make(3, 4, low=0.1, high=1.0))]),
    _loss_row("poisson_nll_loss", _poisson_ref, _poisson_samples, torch_level=True, error_inputs=lambda make: [
        E("bad_reduction", ValueError, r"^foo is not a valid value for reduction$", make(3), make(3),
          reduction="foo")]),
    _torch_row("poisson_nll_loss", _poisson_ref, lambda make: [
        S("positional", make(3, 4), make(3, 4, low=0.2, high=3.0), True, True, 1e-8, 2)]),
    _loss_row("gaussian_nll_loss", _gaussian_ref, _gaussian_samples, error_inputs=_gaussian_errors),
    _loss_row("margin_ranking_loss", _margin_ranking_ref, _ranking_samples, torch_level=True,
              error_inputs=lambda make: [
                  E("dims", RuntimeError, r"margin_ranking_loss : All input tensors should have same dimension but "
                    r"got sizes: input1: torch.Size\(\[3, 4\]\), input2: torch.Size\(\[3, 4\]\), target: "
                    r"torch.Size\(\[4\]\)", make(3, 4), make(3, 4), make(4))]),
    _torch_row("margin_ranking_loss", _margin_ranking_ref, lambda make: [
        S("enum_none", make(4), make(4), _sign(make(4)), 0.2, 0)]),
    _loss_row("hinge_embedding_loss", _hinge_ref, _hinge_samples, torch_level=True, away=(0.5, 1.0)),
    _torch_row("hinge_embedding_loss", _hinge_ref, lambda make: [
        S("enum_sum", make(3, 4), _sign(make(3, 4)), 0.5, 2)], away=(0.5, 1.0)),
    _loss_row("cosine_embedding_loss", _cosine_emb_ref, _cosine_samples, torch_level=True,
              error_inputs=lambda make: [
                  E("target_2d", RuntimeError, r"0D or 1D target tensor expected, multi-target not supported",
                    make(3, 4), make(3, 4), make(3, 4)),
                  E("inputs_3d", RuntimeError, r"1D target tensor expects 2D input tensors, but found inputs with "
                    r"sizes \[2, 3, 4\] and \[2, 3, 4\]\.", make(2, 3, 4), make(2, 3, 4), make(2))]),
    _torch_row("cosine_embedding_loss", _cosine_emb_ref, lambda make: [
        S("enum_none", make(3, 4), make(3, 4), Const(_sign(make(3))), 0.1, 0)]),
    _loss_row("triplet_margin_loss", _triplet_ref, _triplet_samples, torch_level=True, error_inputs=lambda make: [
        E("dims", RuntimeError, r"The anchor, positive, and negative tensors are expected to have the same number "
          r"of dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs", make(3, 4), make(3, 4),
          make(4)),
        E("margin", ValueError, r"^margin must be greater than 0, got 0\.0$", make(3), make(3), make(3),
          margin=0.0)]),
    _torch_row("triplet_margin_loss", _triplet_ref, lambda make: [
        S("positional", make(3, 4), make(3, 4), make(3, 4), 1.0, 2.0, 1e-6, True, 0)]),
    _loss_row("soft_margin_loss", _soft_margin_ref, _soft_margin_samples, error_inputs=lambda make: [
        E("target_requires_grad", RuntimeError, r"The function 'soft_margin_loss' is not differentiable with "
          r"respect to argument 'target'", make(3), make(3))]),
    _loss_row("multilabel_soft_margin_loss", _mlsm_ref, _mlsm_samples, error_inputs=lambda make: [
        E("bad_reduction", ValueError, r"^x is not valid$", make(3, 4), make(3, 4), reduction="x"),
        E("0d", IndexError, r"Dimension specified as -1 but tensor has no dimensions", make(), make())]),
    _loss_row("nll_loss", _nll_ref, _nll_samples, error_inputs=_nll_errors),
    _loss_row("cross_entropy", _ce_ref, _ce_samples, error_inputs=_ce_errors),
]
