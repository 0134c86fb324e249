"""Margin losses: multi_margin_loss and multilabel_margin_loss (primitives with PyTorch's backward formulas) and
triplet_margin_with_distance_loss (PyTorch's composite over any distance function)."""
from .registry import primitive, defvjp, apply, NON_DIFFERENTIABLE
from .loss import _get_enum, _apply_reduction, MEAN, SUM
from . import elementwise as E
from .layers import pairwise_distance
from ..backends import get_array_module, scatter_add

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss"]


def _reduce(xp, loss, reduction, dtype):
    if reduction == MEAN:
        return (xp.sum(loss) / max(loss.size, 1)).astype(dtype)
    return xp.sum(loss).astype(dtype) if reduction == SUM else loss.astype(dtype, copy=False)


def _grad_per_sample(grad, n, reduction):
    g = grad.reshape(-1) if reduction not in (MEAN, SUM) else grad.reshape(1) / (n if reduction == MEAN else 1)
    return g[:, None] if g.shape[0] == n else g.reshape(1, 1)


# ---- multi_margin_loss -------------------------------------------------------------------------------------
def _mm_terms(xp, x, target, weight, p, margin):
    """(h, factor, rows): the hinge terms max(0, margin - x[y] + x[j]) (0 at j = y), each sample's weight w[y]
    over the number of classes, and the flat row indices."""
    c = x.shape[-1]
    x2 = x.reshape(-1, c)
    t = target.reshape(-1)
    rows = xp.arange(x2.shape[0])
    z = margin - x2[rows, t][:, None] + x2
    z[rows, t] = 0
    h = xp.maximum(z, 0)
    factor = (weight[t] if weight is not None else xp.ones(t.shape, x.dtype))[:, None] / c
    return h, factor, rows, t, x2


def _multi_margin_fwd(xp, x, target, weight, *, p, margin, reduction):
    h, factor, _, _, _ = _mm_terms(xp, x, target, weight, p, margin)
    loss = ((h ** p) * factor).sum(axis=1)
    if x.ndim == 1 and reduction not in (MEAN, SUM):
        loss = loss.reshape(())
    return _reduce(xp, loss, reduction, x.dtype)


def _multi_margin_vjp(grad, x, target, weight, p, margin, reduction):
    xp = get_array_module(x)
    h, factor, rows, t, x2 = _mm_terms(xp, x, target, weight, p, margin)
    d = (h > 0) * (p * h ** (p - 1) if p != 1 else 1.0) * factor
    d[rows, t] = 0
    d[rows, t] = -d.sum(axis=1)
    g = d * _grad_per_sample(grad, x2.shape[0], reduction)
    return g.reshape(x.shape).astype(x.dtype, copy=False)


MULTI_MARGIN = primitive("multi_margin_loss", _multi_margin_fwd)
defvjp(MULTI_MARGIN, x=_multi_margin_vjp, target=NON_DIFFERENTIABLE, weight=NON_DIFFERENTIABLE)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    from .loss import _reduction
    red = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nd = input.dim()
    if nd not in (1, 2) or input.numel() == 0 and nd == 1:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    c = input.shape[-1]
    n = input.shape[0] if nd == 2 else 1
    if target.numel() != n or target.dim() > 1:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    data = target._data
    if data.size and (data.min() < 0 or data.max() >= c):
        raise RuntimeError("target out of range")
    return apply(MULTI_MARGIN, (input, target, weight), {"p": int(p), "margin": float(margin), "reduction": red})


# ---- multilabel_margin_loss ---------------------------------------------------------------------------------
def _ml_terms(xp, x, target):
    """(hinge z over (sample, target position, class), the mask of terms that count, x as rows)."""
    c = x.shape[-1]
    x2, t = x.reshape(-1, c), target.reshape(-1, c)
    valid = xp.cumprod(t != -1, axis=1).astype(bool)  # the targets before the first -1
    safe = xp.where(valid, t, 0)
    rows = xp.arange(x2.shape[0])[:, None]
    is_target = xp.zeros(x2.shape, dtype=bool)
    is_target[xp.broadcast_to(rows, safe.shape)[valid], safe[valid]] = True
    z = 1 - xp.take_along_axis(x2, safe, 1)[:, :, None] + x2[:, None, :]
    mask = valid[:, :, None] & ~is_target[:, None, :]
    return z, mask, x2, safe


def _multilabel_fwd(xp, x, target, *, reduction):
    z, mask, x2, _ = _ml_terms(xp, x, target)
    loss = (xp.maximum(z, 0) * mask).sum(axis=(1, 2)) / x.shape[-1]
    if x.ndim == 1 and reduction not in (MEAN, SUM):
        loss = loss.reshape(())
    return _reduce(xp, loss, reduction, x.dtype)


def _multilabel_vjp(grad, x, target, reduction):
    xp = get_array_module(x)
    z, mask, x2, safe = _ml_terms(xp, x, target)
    hit = ((z > 0) & mask).astype(x.dtype) / x.shape[-1]
    d = hit.sum(axis=1)  # + on each other class k
    per_target = hit.sum(axis=2)  # - on each target position's class
    rows = xp.broadcast_to(xp.arange(x2.shape[0])[:, None], safe.shape)
    scatter_add(xp, d, (rows.ravel(), safe.ravel()), -per_target.ravel())
    g = d * _grad_per_sample(grad, x2.shape[0], reduction)
    return g.reshape(x.shape).astype(x.dtype, copy=False)


MULTILABEL_MARGIN = primitive("multilabel_margin_loss", _multilabel_fwd)
defvjp(MULTILABEL_MARGIN, x=_multilabel_vjp, target=NON_DIFFERENTIABLE)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    from .loss import _reduction
    red = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape) or input.dim() > 2:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    return apply(MULTILABEL_MARGIN, (input, target), {"reduction": red})


# ---- triplet margin with a distance function ------------------------------------------------------------------
def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           f"inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    dist_pos = dist(anchor, positive)
    dist_neg = dist(anchor, negative)
    if swap:
        dist_neg = E.minimum(dist_neg, dist(positive, negative))
    loss = E.clamp_min(E.sub(E.add(dist_pos, margin), dist_neg), 0)
    return _apply_reduction(loss, _get_enum(reduction))


API = {"torch": (), "Tensor": (), "nn.functional": __all__, "linalg": (), "special": ()}
