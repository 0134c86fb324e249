"""Losses (glassgrad.nn.functional; some also at glassgrad.X), all with `reduction`.

PyTorch has a dedicated kernel and backward node for some losses (mse_loss, smooth_l1_loss, huber_loss,
binary_cross_entropy, binary_cross_entropy_with_logits, soft_margin_loss, nll_loss): those are primitives
here, forward and VJP side by side. The others PyTorch composes from ops (l1_loss, kl_div, poisson_nll_loss,
the margin losses, cross_entropy = log_softmax + nll_loss ...), and so does glassgrad, which gives PyTorch's
graph, grad_fn names and gradients (w.r.t. targets and weights too) for free.

    import glassgrad as torch
    import glassgrad.nn.functional as F
    x = torch.randn(3, 5, requires_grad=True)
    loss = F.cross_entropy(x, torch.tensor([1, 0, 4]), label_smoothing=0.1)
    loss.backward()
"""
import math
import sys
import warnings

from .registry import primitive, defvjp, apply, call, NON_DIFFERENTIABLE, records
from .. import _dtype as D
from ..autograd import grad_mode
from ..backends import get_array_module, quiet
from ..tensor import Tensor
from . import elementwise as E, reduction as R, shape as S, creation as C
# PyTorch's C++ losses combine tensors with Scalars through the Scalar overloads (AddBackward1 ...)
from .elementwise import ADD_SCALAR, SUB_SCALAR, MUL_SCALAR, DIV_SCALAR
from .activation import LOGSIGMOID, log_softmax, logsigmoid

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}

NONE, MEAN, SUM = 0, 1, 2  # PyTorch's reduction enum (at::Reduction)
_ENUM = {"none": NONE, "mean": MEAN, "sum": SUM}


# ---- the reduction argument ------------------------------------------------------------------------
def _warn(message):
    """A UserWarning attributed to the first caller outside this module (the user's line)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def _get_enum(reduction):
    if reduction == "elementwise_mean":
        _warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.")
        return MEAN
    if reduction not in _ENUM:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _ENUM[reduction]


def _legacy_string(size_average, reduce):
    """The reduction the deprecated `size_average` / `reduce` flags mean, with PyTorch's warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    _warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.")
    return ret


def _reduction_string(size_average, reduce, reduction):
    return reduction if size_average is None and reduce is None else _legacy_string(size_average, reduce)


def _reduction(size_average, reduce, reduction):
    """The reduction as PyTorch's enum, from the string or the legacy flags."""
    return _get_enum(_reduction_string(size_average, reduce, reduction))


def _apply_reduction(loss, reduction):
    """PyTorch's apply_loss_reduction: MeanBackward0 / SumBackward0 nodes over the unreduced loss."""
    if reduction == MEAN:
        return R.mean(loss)
    if reduction == SUM:
        return R.sum(loss)
    return loss


def _reduce_weighted(loss, weight, reduction):
    """The reduction of a loss weighted in Python (mse_loss / l1_loss with `weight`): mean divides by the
    sum of the weights."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return R.sum(loss)
    if reduction == "mean":
        return E.div(R.sum(loss), R.sum(weight))
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def _reduce_array(xp, loss, reduction):
    if reduction == MEAN:
        return quiet(xp.true_divide, xp.sum(loss), loss.size).astype(loss.dtype, copy=False)  # empty: nan
    if reduction == SUM:
        return xp.sum(loss)
    return loss


def _norm(shape, reduction):
    """The factor a VJP scales by: 1/numel for mean."""
    return 1.0 / max(math.prod(shape), 1) if reduction == MEAN else 1.0


# ---- argument checks -------------------------------------------------------------------------------
def _warn_size(input, target):
    if target.shape != input.shape:
        _warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). This "
              f"will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")


def _broadcast_pair(input, target):
    """torch.broadcast_tensors(input, target): the one of another shape is expanded (ExpandBackward0)."""
    _warn_size(input, target)
    if input.shape == target.shape:
        return input, target
    try:
        shape = get_array_module(input._data).broadcast_shapes(input.shape, target.shape)
    except ValueError:
        from .inplace import broadcast_error
        raise broadcast_error(input.shape, target.shape) from None
    return tuple(t if t.shape == shape else S.expand(t, shape) for t in (input, target))


def _float_kernel(kernel, *tensors):
    dt = D.result_type(*tensors)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.scalar_name}'")


def _no_grad_arg(fn, name, t):
    """PyTorch refuses, at the call, a tensor that requires grad where its kernel has no derivative."""
    if isinstance(t, Tensor) and t.requires_grad and grad_mode.state.grad_enabled:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{name}'. This "
                           f"input cannot have requires_grad True.")


def _broadcast_shape(shape, other):
    """torch.broadcast_shapes(shape, other), with its error."""
    try:
        return get_array_module().broadcast_shapes(shape, other)
    except ValueError:
        i = next(i for i in range(1, min(len(shape), len(other)) + 1) if shape[-i] not in (1, other[-i]) != 1)
        raise RuntimeError(f"Attempting to broadcast a dimension of length {other[-i]} at {-i}! Mismatching "
                           f"argument at index 1 had torch.Size({list(other)}); but expected shape should be "
                           f"broadcastable to {list(shape)}") from None


def _check_broadcast(a, b, b_first=False):
    """PyTorch's errors where `b` multiplies `a` in place: the shapes broadcast, to `a`'s shape."""
    if a is None or b is None:
        return
    try:
        shape = get_array_module(a._data).broadcast_shapes(a.shape, b.shape)
    except ValueError:
        from .inplace import broadcast_error
        raise (broadcast_error(b.shape, a.shape) if b_first else broadcast_error(a.shape, b.shape)) from None
    if shape != tuple(a.shape):
        raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast shape {list(shape)}")


def _enum_arg(fn, reduction, position):
    """The torch-level losses take PyTorch's reduction enum, an int."""
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{fn}(): argument 'reduction' (position {position}) must be int, not "
                        f"{type(reduction).__name__}")


def _fn(name):
    """An op of another family, looked up in glassgrad's namespace when a loss runs."""
    import glassgrad
    return getattr(glassgrad, name)


def _scalar_tensor(value, like):
    from ..tensor import _new
    xp = get_array_module(like._data)
    return _new(xp.asarray(value, dtype=like._dtype.np), like._dtype)


def _scalar_op(op, x, other):
    return apply(op, (x,), {"other": other})


def _scalar_minus(value, x):
    """C++ `Scalar - Tensor`: the Scalar becomes a 0-dim tensor (SubBackward0)."""
    return E.sub(_scalar_tensor(value, x), x)


# ---- regression losses -----------------------------------------------------------------------------
def _mse_vjp(grad, input, target, reduction):
    return grad * (2 * _norm((input - target).shape, reduction)) * (input - target)


MSE = primitive("mse_loss", lambda xp, input, target, *, reduction: _reduce_array(xp, (input - target) ** 2,
                                                                                   reduction), promote=True)
defvjp(MSE, input=_mse_vjp, target=lambda grad, input, target, reduction: -_mse_vjp(grad, input, target, reduction))


def _smooth_l1_fwd(xp, input, target, *, reduction, beta):
    d = xp.abs(input - target)
    return _reduce_array(xp, xp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).astype(d.dtype), reduction)


def _smooth_l1_vjp(grad, input, target, reduction, beta, xp):
    d = input - target
    return grad * _norm(d.shape, reduction) * xp.where(abs(d) < beta, d / beta, xp.sign(d))


SMOOTH_L1 = primitive("smooth_l1_loss", _smooth_l1_fwd, promote=True)
defvjp(SMOOTH_L1, input=_smooth_l1_vjp,
       target=lambda grad, input, target, reduction, beta, xp: -_smooth_l1_vjp(grad, input, target, reduction,
                                                                                 beta, xp))


def _huber_fwd(xp, input, target, *, reduction, delta):
    d = xp.abs(input - target)
    return _reduce_array(xp, xp.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(d.dtype),
                         reduction)


def _huber_vjp(grad, input, target, reduction, delta, xp):
    d = input - target
    return grad * _norm(d.shape, reduction) * xp.where(abs(d) < delta, d, delta * xp.sign(d))


HUBER = primitive("huber_loss", _huber_fwd, promote=True)
defvjp(HUBER, input=_huber_vjp,
       target=lambda grad, input, target, reduction, delta, xp: -_huber_vjp(grad, input, target, reduction,
                                                                              delta, xp))


def _check_weight(weight, input):
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    x, t = _broadcast_pair(input, target)
    if weight is not None:
        _check_weight(weight, input)
        loss = E.mul(E.pow(E.sub(x, t), 2), weight)
        return _reduce_weighted(loss, weight, _reduction_string(size_average, reduce, reduction))
    red = _reduction(size_average, reduce, reduction)
    _float_kernel("mse_cpu", x, t)
    return apply(MSE, (x, t), {"reduction": red})


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    x, t = _broadcast_pair(input, target)
    if weight is not None:
        _check_weight(weight, input)
        loss = E.mul(E.abs(E.sub(x, t)), weight)
        return _reduce_weighted(loss, weight, _reduction_string(size_average, reduce, reduction))
    return _apply_reduction(E.abs(E.sub(x, t)), _reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    input, target = _broadcast_pair(input, target)
    red = _reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return _apply_reduction(E.abs(E.sub(input, target)), red)  # PyTorch's l1_loss
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _float_kernel("smooth_l1_cpu", input, target)
    return apply(SMOOTH_L1, (input, target), {"reduction": red, "beta": beta})


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    x, t = _broadcast_pair(input, target)
    if weight is not None:
        _check_weight(weight, input)
    red = _get_enum("none" if weight is not None else reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _float_kernel("huber_cpu", x, t)
    loss = apply(HUBER, (x, t), {"reduction": red, "delta": delta})
    if weight is None:
        return loss
    loss = E.mul(loss, weight)
    if reduction not in _ENUM:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return _apply_reduction(loss, _ENUM[reduction])


# ---- binary cross entropy ------------------------------------------------------------------------
_BCE_EPS = 1e-12  # PyTorch's floor on input * (1 - input) in the backward


def _bce_fwd(xp, input, target, weight, *, reduction):
    if not bool(((input >= 0) & (input <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    # NOTE: PyTorch clamps each log to >= -100, so that input 0 or 1 gives a finite loss
    log_x = xp.maximum(quiet(xp.log, input), -100)
    log_1mx = xp.maximum(quiet(xp.log1p, -input), -100)
    loss = (target - 1) * log_1mx - target * log_x
    return _reduce_array(xp, loss if weight is None else loss * weight, reduction)


def _bce_input_vjp(grad, input, target, weight, reduction, xp):
    denom = (1 - input) * input
    g = grad * _norm(input.shape, reduction) * (input - target) / xp.where(denom > _BCE_EPS, denom, _BCE_EPS)
    return g if weight is None else g * weight


def _bce_target_vjp(grad, input, weight, reduction, xp):
    # -logit(input), as PyTorch's binary_cross_entropy_target_backward
    g = grad * _norm(input.shape, reduction) * (quiet(xp.log, 1 - input) - quiet(xp.log, input))
    return g if weight is None else g * weight


BCE = primitive("binary_cross_entropy", _bce_fwd)
defvjp(BCE, input=_bce_input_vjp, target=_bce_target_vjp, weight=NON_DIFFERENTIABLE)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    red = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = S.expand(weight, _broadcast_shape(target.shape, weight.shape))
    _no_grad_arg("binary_cross_entropy", "weight", weight)
    if target._dtype is not input._dtype:
        raise RuntimeError(f"Found dtype {target._dtype.scalar_name} but expected {input._dtype.scalar_name}")
    return apply(BCE, (input, target, weight), {"reduction": red})


def _log_sigmoid(xp, x):
    return call(xp, LOGSIGMOID, x)


def _bce_logits_fwd(xp, input, target, weight, pos_weight, *, reduction):
    # NOTE: (1 - t) x - lw * log_sigmoid(x) never exponentiates a large positive number (numerical stability)
    log_sig = _log_sigmoid(xp, input)
    lw = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input - lw * log_sig
    return _reduce_array(xp, loss if weight is None else loss * weight, reduction)


def _bce_logits_input_vjp(grad, input, target, weight, pos_weight, reduction, xp):
    sig = call(xp, E.SIGMOID, input)
    if pos_weight is None:
        d = sig - target
    else:
        pt = pos_weight * target
        d = (pt + 1 - target) * sig - pt
    g = grad * _norm(d.shape, reduction) * d
    return g if weight is None else g * weight


def _bce_logits_target_vjp(grad, input, weight, pos_weight, reduction, xp):
    if pos_weight is None:
        d = -input
    else:
        d = _log_sigmoid(xp, -input) - pos_weight * _log_sigmoid(xp, input)
    g = grad * _norm(d.shape, reduction) * d
    return g if weight is None else g * weight


BCE_LOGITS = primitive("binary_cross_entropy_with_logits", _bce_logits_fwd)
defvjp(BCE_LOGITS, input=_bce_logits_input_vjp, target=_bce_logits_target_vjp, weight=NON_DIFFERENTIABLE,
       pos_weight=NON_DIFFERENTIABLE)


def torch_binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=NONE):
    _no_grad_arg("binary_cross_entropy_with_logits", "weight", weight)
    _no_grad_arg("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    if not target._dtype.is_floating_point:
        raise RuntimeError(f"result type {D.result_type(input, target).scalar_name} can't be cast to the desired "
                           f"output type {target._dtype.scalar_name}")
    _float_kernel("log_sigmoid_cpu", input)
    _enum_arg("binary_cross_entropy_with_logits", reduction, 5)
    _check_broadcast(target, pos_weight, b_first=True)
    _check_broadcast(input, weight)
    return apply(BCE_LOGITS, (input, target, weight, pos_weight), {"reduction": reduction})


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    red = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return torch_binary_cross_entropy_with_logits(input, target, weight, pos_weight, red)


def _soft_margin_fwd(xp, input, target, *, reduction):
    # NOTE: PyTorch's formula, overflow included (log1p(exp(-t x)) is inf for large -t x)
    return _reduce_array(xp, quiet(xp.log1p, quiet(xp.exp, -input * target)), reduction)


def _soft_margin_vjp(grad, input, target, reduction, xp):
    z = xp.exp(-target * input)
    return grad * _norm(z.shape, reduction) * (-target * z / (1 + z))


SOFT_MARGIN = primitive("soft_margin_loss", _soft_margin_fwd, promote=True)
defvjp(SOFT_MARGIN, input=_soft_margin_vjp, target=NON_DIFFERENTIABLE)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    red = _reduction(size_average, reduce, reduction)
    _no_grad_arg("soft_margin_loss", "target", target)
    return apply(SOFT_MARGIN, (input, target), {"reduction": red})


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction_string(size_average, reduce, reduction)
    loss = E.neg(E.add(E.mul(target, logsigmoid(input)), E.mul(E.rsub(target, 1), logsigmoid(E.neg(input)))))
    if weight is not None:
        loss = E.mul(loss, weight)
    class_dim = input.dim() - 1
    n_classes = input.size(class_dim)
    loss = E.div(R.sum(loss, class_dim), n_classes)
    if reduction not in _ENUM:
        raise ValueError(reduction + " is not valid")
    return _apply_reduction(loss, _ENUM[reduction])


# ---- distributions: KL divergence, Poisson and Gaussian negative log likelihood ----------------------
def torch_kl_div(input, target, reduction=NONE, *, log_target=False):
    _enum_arg("kl_div", reduction, 3)
    if log_target:
        out = E.mul(E.exp(target), E.sub(target, input))
    else:
        out = E.sub(_fn("xlogy")(target, target), E.mul(target, input))
    return _apply_reduction(out, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        red = _get_enum(_legacy_string(size_average, reduce))
    else:
        if reduction == "mean":
            _warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                  "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                  "'mean' will be changed to behave the same as 'batchmean' in the next major release.")
        red = SUM if reduction == "batchmean" else _get_enum(reduction)
    out = torch_kl_div(input, target, red, log_target=log_target)
    if reduction == "batchmean" and input.dim() != 0:
        out = E.div(out, input.shape[0])
    return out


def torch_poisson_nll_loss(input, target, log_input, full, eps, reduction):
    _enum_arg("poisson_nll_loss", reduction, 6)
    if log_input:
        loss = E.sub(E.exp(input), E.mul(target, input))
    else:
        loss = E.sub(input, E.mul(target, E.log(_scalar_op(ADD_SCALAR, input, eps))))
    if full:
        stirling = E.add(E.sub(E.mul(target, E.log(target)), target),
                         _scalar_op(MUL_SCALAR, E.log(_scalar_op(MUL_SCALAR, target, 2 * math.pi)), 0.5))
        loss = E.add(loss, _fn("masked_fill")(stirling, E.le(target, 1), 0))
    return _apply_reduction(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    reduction = _reduction_string(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    return torch_poisson_nll_loss(input, target, log_input, full, eps, _ENUM[reduction])


def _check_var(input, var):
    """gaussian_nll_loss's rules for the variance: non-negative; input's shape, or one dimension short of it
    (homoscedastic: unsqueezed), or broadcastable to it with exactly one mismatched dimension of size 1."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return E.mul(C.ones_like(input), var)
    if not isinstance(var, Tensor):
        raise TypeError(f"gaussian_nll_loss(): var must be a Tensor or a float, not {type(var).__name__}")
    if bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape == input.shape:
        return var
    if input.shape[:-1] == var.shape:
        return S.unsqueeze(var, -1)
    if input.dim() == var.dim() and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    var = _check_var(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # NOTE: clamped in place under no_grad, as PyTorch does: the gradient flows to var as if unclamped
    var = S.clone(var)
    with grad_mode.no_grad():
        E.clamp_(var, min=eps)
    loss = E.mul(E.add(E.log(var), E.div(E.pow(E.sub(input, target), 2), var)), 0.5)
    if full:
        loss = E.add(loss, 0.5 * math.log(2 * math.pi))
    return _apply_reduction(loss, _ENUM[reduction])


# ---- margin and embedding losses -------------------------------------------------------------------
def _clamp_min(x, value):
    return _fn("clamp_min")(x, value)


def torch_margin_ranking_loss(input1, input2, target, margin=0.0, reduction=NONE):
    _enum_arg("margin_ranking_loss", reduction, 5)
    out = _clamp_min(_scalar_op(ADD_SCALAR, E.mul(E.neg(target), E.sub(input1, input2)), margin), 0)
    return _apply_reduction(out, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    red = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return torch_margin_ranking_loss(input1, input2, target, margin, red)


def torch_hinge_embedding_loss(input, target, margin=1.0, reduction=NONE):
    _enum_arg("hinge_embedding_loss", reduction, 4)
    zeros = C.zeros_like(input)
    margin_clamp = _clamp_min(_scalar_minus(margin, input), 0)
    out = E.add(E.where(E.ne(target, 1), margin_clamp, zeros), E.where(E.ne(target, -1), input, zeros))
    return _apply_reduction(out, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    return torch_hinge_embedding_loss(input, target, margin, _reduction(size_average, reduce, reduction))


_COS_EPS = 1e-12


def torch_cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=NONE):
    _enum_arg("cosine_embedding_loss", reduction, 5)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != td + 1 or input2.dim() != td + 1:
        raise RuntimeError(f"{td}D target tensor expects {td + 1}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = R.sum(E.mul(input1, input2), td)
    mag1 = _scalar_op(ADD_SCALAR, R.sum(E.mul(input1, input1), td), _COS_EPS)
    mag2 = _scalar_op(ADD_SCALAR, R.sum(E.mul(input2, input2), td), _COS_EPS)
    cos = E.div(prod_sum, E.sqrt(E.mul(mag1, mag2)))
    zeros = C.zeros_like(cos)
    pos = _scalar_minus(1, cos)
    neg = _clamp_min(_scalar_op(SUB_SCALAR, cos, margin), 0)
    out = E.add(E.where(E.eq(target, 1), pos, zeros), E.where(E.eq(target, -1), neg, zeros))
    return _apply_reduction(out, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    return torch_cosine_embedding_loss(input1, input2, target, margin, _reduction(size_average, reduce, reduction))


def torch_triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                              reduction=NONE):
    _enum_arg("triplet_margin_loss", reduction, 8)
    a, pd, nd = anchor.dim(), positive.dim(), negative.dim()
    if not a == pd == nd:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    distance = _fn("pairwise_distance")
    dist_pos = distance(anchor, positive, p, eps)
    dist_neg = distance(anchor, negative, p, eps)
    if swap:
        dist_neg = _fn("minimum")(dist_neg, distance(positive, negative, p, eps))
    return _apply_reduction(_clamp_min(E.sub(_scalar_op(ADD_SCALAR, dist_pos, margin), dist_neg), 0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    red = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return torch_triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, red)


# ---- negative log likelihood and cross entropy ----------------------------------------------------
def _target_weights(xp, target, weight, ignore_index, dtype):
    """(each target's class weight, 0 where ignored; the targets with ignored ones replaced by class 0)."""
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    w = weight[safe] if weight is not None else xp.ones(target.shape, dtype)
    return xp.where(valid, w, 0).astype(dtype, copy=False), safe


def _nll_fwd(xp, input, target, weight, *, reduction, ignore_index):
    if weight is None and input.ndim == 2 and input.dtype.itemsize >= 4 \
            and _classes_only(target, input.shape[1], ignore_index):
        return _nll_fwd_plain(xp, input, target, reduction)
    cls = 0 if input.ndim == 1 else 1
    w, safe = _target_weights(xp, target, weight, ignore_index, input.dtype)
    picked = xp.take_along_axis(input, xp.expand_dims(safe, cls), axis=cls).squeeze(cls)
    loss = -picked * w
    if reduction == MEAN:
        return quiet(xp.true_divide, loss.sum(), w.sum()).astype(input.dtype)  # all ignored: nan
    return xp.sum(loss) if reduction == SUM else loss


# NOTE: for speed: the common case of a batch of class indices, none ignored, and no class weights. Every weight
# would be 1 and the total weight the batch size, so these compute the general path's values bit for bit with fewer
# NumPy calls (float16 is left out: its sum of ones stops being exact).
def _classes_only(t, n_classes, ignore_index=None):
    """Whether the integer array `t` is not empty and holds only class indices, none of them ignore_index (unknown
    when ignore_index is a class: False). As unsigned numbers negative indices are huge: one reduction decides."""
    if ignore_index is not None and 0 <= ignore_index < n_classes:
        return False
    return t.size > 0 and (t.view(_UNSIGNED[t.dtype.itemsize]) if t.dtype.kind == "i" else t).max() < n_classes


_UNSIGNED = {1: "u1", 2: "u2", 4: "u4", 8: "u8"}


def _nll_fwd_plain(xp, input, target, reduction):
    loss = -input[xp.arange(target.shape[0]), target]
    if reduction == MEAN:
        return quiet(xp.true_divide, loss.sum(), input.dtype.type(target.shape[0])).astype(input.dtype)
    return xp.sum(loss) if reduction == SUM else loss


def _nll_vjp_plain(grad, input_shape, target, reduction, xp):
    n = target.shape[0]
    coef = -1 if reduction != MEAN else quiet(xp.true_divide, grad.dtype.type(-1), grad.dtype.type(n))
    out = xp.zeros(input_shape, grad.dtype)
    out[xp.arange(n), target] = grad * coef
    return out


def _nll_vjp(grad, input_shape, target, weight, reduction, ignore_index, xp):
    t = getattr(target, "_data", target)
    if weight is None and not records(xp) and len(input_shape) == 2 and grad.dtype.itemsize >= 4 \
            and _classes_only(t, input_shape[1], ignore_index):
        return _nll_vjp_plain(grad, input_shape, t, reduction, xp)
    npx = get_array_module(t)
    dtype = grad._dtype.np if isinstance(grad, Tensor) else grad.dtype
    w, safe = _target_weights(npx, t, getattr(weight, "_data", weight), ignore_index, dtype)
    coef = -w
    if reduction == MEAN:
        # NOTE: ignored targets get no gradient, even when the total weight is 0 (mean is nan)
        coef = npx.where(t != ignore_index, quiet(npx.true_divide, coef, w.sum()), 0).astype(dtype)
    cls = 0 if len(input_shape) == 1 else 1
    classes = npx.arange(input_shape[cls]).reshape((-1,) + (1,) * (len(input_shape) - cls - 1))
    picked = classes == npx.expand_dims(safe, cls)
    if records(xp):
        # NOTE: the tensor namespace's where() wants a tensor condition (ops/tensor_xp.py passes arrays through)
        from ..tensor import _new
        picked = _new(picked, D.bool_)
    return xp.where(picked, xp.expand_dims(grad * coef, cls), 0)


NLL = primitive("nll_loss", _nll_fwd)
defvjp(NLL, input=_nll_vjp, target=NON_DIFFERENTIABLE, weight=NON_DIFFERENTIABLE)
NLL_2D = primitive("nll_loss2d", _nll_fwd, node="NllLoss2DBackward0")
defvjp(NLL_2D, input=_nll_vjp, target=NON_DIFFERENTIABLE, weight=NON_DIFFERENTIABLE)


def _check_nll(input, target, weight, ignore_index, fn):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}_out_frame\" not implemented for '{input._dtype.scalar_name}'")
    shape = input._data.shape
    C_ = shape[0 if len(shape) == 1 else 1]
    if weight is not None:
        if weight.dim() != 1 or weight.numel() != C_:
            raise RuntimeError(f"weight tensor should be defined either for all {C_} classes or no classes but got "
                               f"weight tensor of shape: {list(weight.shape)}")
        if weight._dtype is not input._dtype:
            raise RuntimeError(f"expected scalar type {input._dtype.scalar_name} but found "
                               f"{weight._dtype.scalar_name}")
        _no_grad_arg("nll_loss_forward" if fn == "nll_loss" else "nll_loss2d_forward", "weight", weight)
    if target._dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target._dtype.scalar_name}")
    t = target._data
    if _classes_only(t, C_):
        return  # the common case, in one reduction
    bad = (t != ignore_index) & ((t < 0) | (t >= C_))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")


def _nll(input, target, weight, reduction, ignore_index):
    """nll_loss for a 1-D or 2-D input (NllLossBackward0)."""
    tnd, ind = target._data.ndim, input._data.ndim
    if tnd > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if ind == 1 and tnd == 1:
        target = S.reshape(target, ())
        tnd = 0
    if not (ind == 1 and tnd == 0) and input._data.shape[0] != target._data.shape[0]:
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: {list(target.shape)})")
    _check_nll(input, target, weight, ignore_index, "nll_loss")
    return apply(NLL, (input, target, weight), {"reduction": reduction, "ignore_index": ignore_index})


def _nll2d(input, target, weight, reduction, ignore_index):
    """nll_loss2d: input (N, C, H, W), target (N, H, W) (NllLoss2DBackward0)."""
    if target.dim() != 3:
        raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got targets of dimension: "
                           f"{target.dim()}")
    if (input.shape[0], *input.shape[2:]) != tuple(target.shape):
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")
    _check_nll(input, target, weight, ignore_index, "nll_loss2d")
    return apply(NLL_2D, (input, target, weight), {"reduction": reduction, "ignore_index": ignore_index})


def _nll_nd(input, target, weight, reduction, ignore_index):
    """PyTorch's nll_loss_nd: 1-D/2-D inputs to nll_loss, 4-D to nll_loss2d, other ranks viewed as 4-D."""
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    target.dim()  # (a target that is not a tensor fails here, as it always did)
    tshape = target._data.shape
    if nd == 1 and len(tshape) == 1 and tshape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {tshape[0]}")
    if nd != 1 and input._data.shape[0] != (tshape[0] if tshape else 0):
        raise ValueError(f"Expected input batch_size ({input._data.shape[0]}) to match target batch_size "
                         f"({tshape[0] if tshape else 0}).")
    if nd <= 2:
        return _nll(input, target, weight, reduction, ignore_index)
    if nd == 4:
        return _nll2d(input, target, weight, reduction, ignore_index)
    n, c = input.shape[:2]
    out_size = (n, *input.shape[2:])
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {list(out_size)}, got {list(target.shape)}")
    empty = input.numel() == 0
    input4 = S.reshape(input, (n, c, 0, 0) if empty else (n, c, 1, -1))
    target3 = S.reshape(target, (n, 0, 0) if target.numel() == 0 else (n, 1, -1))
    out = _nll2d(input4, target3, weight, reduction, ignore_index)
    return S.reshape(out, out_size) if reduction == NONE else out


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _nll_nd(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index)


def _class_weight_view(weight, ndim, class_dim):
    return S.view(weight, tuple(weight.shape[0] if i == class_dim else 1 for i in range(ndim)))


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim):
    if not target._dtype.is_floating_point:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{target._dtype.scalar_name}")
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")
    lsm = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        target = _scalar_op(ADD_SCALAR, _scalar_op(MUL_SCALAR, target, 1 - label_smoothing),
                            label_smoothing / n_classes)
    prod = E.mul(lsm, target)
    if weight is not None:
        prod = E.mul(prod, _class_weight_view(weight, input.dim(), class_dim))
    if reduction == NONE:
        return E.neg(R.sum(prod, class_dim))
    total = E.neg(R.sum(prod))
    if reduction == SUM:
        return total
    return _scalar_op(DIV_SCALAR, total, input.numel() // n_classes if n_classes else 0)  # empty input: nan


def _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing, class_dim):
    """(1 - s) * nll_loss + s / C * (the loss against the uniform distribution), as PyTorch combines them."""
    lsm = log_softmax(input, class_dim)
    nll = _nll_nd(lsm, target, weight, reduction, ignore_index)
    ignore_mask = E.eq(target, ignore_index)
    prod = lsm if weight is None else E.mul(lsm, _class_weight_view(weight, input.dim(), class_dim))
    smooth = _fn("masked_fill")(E.neg(R.sum(prod, class_dim)), ignore_mask, 0.0)
    if reduction == MEAN:
        t = target._data
        keep = t != ignore_index
        # NOTE: normalized by the weights of the kept targets, as nll_loss's mean is
        denom = weight._data[t[keep]].sum() if weight is not None else keep.sum()
        smooth = E.div(R.sum(smooth), _scalar_tensor(denom, weight if weight is not None else target))
    elif reduction == SUM:
        smooth = R.sum(smooth)
    n_classes = input.shape[class_dim]
    return E.add(_scalar_op(MUL_SCALAR, nll, 1 - label_smoothing),
                 _scalar_op(MUL_SCALAR, smooth, label_smoothing / n_classes))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    red = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.dim() == 1 else 1
    if input._data.shape == getattr(target, "_data", target).shape:
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(input, target, weight, red, label_smoothing, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        return _cross_entropy_smoothed(input, target, weight, red, ignore_index, label_smoothing, class_dim)
    return _nll_nd(log_softmax(input, class_dim), target, weight, red, ignore_index)


API["torch"] = {
    "binary_cross_entropy_with_logits": torch_binary_cross_entropy_with_logits, "kl_div": torch_kl_div,
    "poisson_nll_loss": torch_poisson_nll_loss, "cosine_embedding_loss": torch_cosine_embedding_loss,
    "hinge_embedding_loss": torch_hinge_embedding_loss, "margin_ranking_loss": torch_margin_ranking_loss,
    "triplet_margin_loss": torch_triplet_margin_loss}
API["nn.functional"] = (
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss",
    "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss")
