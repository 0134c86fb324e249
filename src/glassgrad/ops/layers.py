"""Layer functions: linear, bilinear, embedding, dropout, normalizations, attention, distances."""
import math

from .registry import primitive, defvjp, apply, call, records, NON_DIFFERENTIABLE, ZERO_GRAD  # noqa: F401
from ..autograd import grad_mode
from ..backends import get_array_module, quiet, scatter_add
from ..tensor import _new, _wrap_dim
from .. import _dtype as D
from . import creation as C, elementwise as E, reduction as R, shape as S, linalg as L, inplace as IP
from .activation import _softmax_vjp

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


def _size(shape):
    return f"torch.Size([{', '.join(map(str, shape))}])"


# ---- linear ------------------------------------------------------------------------------------------
def _linear_fwd(xp, x, w, b):
    y = xp.matmul(x, w.T if w.ndim == 2 else w)
    if b is None:
        return y
    if b.dtype == y.dtype and b.shape == y.shape[-1:] and y.ndim:
        y += b  # NOTE: into the fresh product, as addmm does: one array less to allocate, the same sums
        return y
    return y + b


def _linear_dx(grad, w, xp):
    return xp.matmul(grad, w) if w.ndim == 2 else xp.expand_dims(grad, -1) * w


def _linear_dw(grad, x, w_shape, xp):
    if x.ndim == 2 and len(w_shape) == 2 and not records(xp):
        return xp.matmul(grad.T, x)  # the common case of the general one below, without its three wrapper calls
    x2 = xp.reshape(x, (-1, x.shape[-1]))
    if len(w_shape) == 1:
        return xp.matmul(xp.reshape(grad, (-1,)), x2)
    return xp.matmul(xp.swapaxes(xp.reshape(grad, (-1, w_shape[0])), 0, 1), x2)


def _linear_db(grad, b_shape, xp):
    if not records(xp) and grad.ndim == 2 and b_shape == grad.shape[1:]:
        return grad.sum(axis=0)  # NOTE: the engine's un-broadcast sum, without its generic path (~3 us)
    return grad


def _linear_op(node):
    # NOTE: one primitive per node name PyTorch gives linear's result (addmm, mm, the views around them)
    op = primitive("linear", _linear_fwd, node=node)
    defvjp(op, x=_linear_dx, w=_linear_dw, b=_linear_db)
    return op


_LINEAR = {n: _linear_op(n) for n in ("AddmmBackward0", "MmBackward0", "ViewBackward0", "UnsafeViewBackward0",
                                      "SqueezeBackward4", "MvBackward0", "DotBackward0", "AddBackward0")}


def _linear_node(xnd, wnd, bias):
    if wnd == 1:
        return ("AddBackward0" if bias else "DotBackward0") if xnd == 1 else "MvBackward0"
    if xnd == 2:
        return "AddmmBackward0" if bias else "MmBackward0"
    if xnd == 1:
        return "ViewBackward0" if bias else "SqueezeBackward4"
    return "ViewBackward0" if bias else "UnsafeViewBackward0"


def linear(input, weight, bias=None):
    xs, ws = input._data.shape, weight._data.shape
    if weight._dtype is not input._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input._dtype.cpp_name} != "
                           f"{weight._dtype.cpp_name}")
    if weight._data.ndim == 1 and input._data.ndim == 2 and bias is not None:
        raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
    if not xs or xs[-1] != ws[-1]:
        rows = math.prod(xs[:-1]) if xs else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xs[-1] if xs else 1} and "
                           f"{ws[-1]}x{ws[0] if len(ws) == 2 else 1})")
    return apply(_LINEAR[_linear_node(len(xs), len(ws), bias is not None)], (input, weight, bias))


# ---- bilinear: a trilinear einsum --------------------------------------------------------------------
def _einsum3_vjp(k):
    def vjp(grad, a, b, c, spec, xp):
        ins, out = spec.split("->")
        specs = ins.split(",")
        others = [v for i, v in enumerate((a, b, c)) if i != k]
        osp = [s for i, s in enumerate(specs) if i != k]
        return call(xp, _TRILINEAR, grad, *others, spec=f"{out},{osp[0]},{osp[1]}->{specs[k]}")
    return vjp


# NOTE: each operand's gradient is again a trilinear einsum, so the next order reuses this op
_TRILINEAR = primitive("trilinear", lambda xp, a, b, c, *, spec: xp.einsum(spec, a, b, c, optimize=True))
defvjp(_TRILINEAR, a=_einsum3_vjp(0), b=_einsum3_vjp(1), c=_einsum3_vjp(2))


def bilinear(input1, input2, weight, bias=None):
    s1, s2, ws = input1._data.shape, input2._data.shape, weight._data.shape
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}")
    for i in range(len(s1) - 1):
        if s1[i] != s2[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {s1[i]} and {s2[i]}")
    if s1[-1] != ws[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but expected {ws[1]}")
    if s2[-1] != ws[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {ws[2]}")
    if bias is not None and bias._data.shape[-1] != ws[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias._data.shape[-1]} but "
                           f"expected {ws[0]}")
    a = S.reshape(input1, (-1, s1[-1]))
    b = S.reshape(input2, (-1, s2[-1]))
    y = S.reshape(apply(_TRILINEAR, (a, weight, b), {"spec": "bi,oij,bj->bo"}), s1[:-1] + (ws[0],))
    return y if bias is None else E.add(y, bias)


# ---- dropout -------------------------------------------------------------------------------------------
def _check_p(p, cls):
    if p < 0 or p > 1:
        raise cls(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input, p, train, inplace):
    if not train or p == 0 or input._data.size == 0:
        return input
    keep = None if p == 1 else C._dropout_keep(input._data, 1 - p)  # PyTorch's bernoulli_(1 - p) mask, none for p=1
    xp = get_array_module(input._data)
    noise = xp.zeros(input._data.shape, input._dtype.np) if p == 1 else keep.astype(input._dtype.np) / (1 - p)
    noise = _new(noise, input._dtype)
    return IP.apply_inplace(E.MUL, input, (noise,)) if inplace else E.mul(input, noise)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability p and scales the rest by 1/(1-p); the identity (the same tensor)
    when not training or p == 0. Draws from glassgrad's generator (glassgrad.manual_seed)."""
    _check_p(p, ValueError)
    return _dropout(input, p, training, inplace)


def dropout_torch(input, p, train):
    _check_p(p, RuntimeError)
    return _dropout(input, p, train, False)


def dropout_torch_(input, p, train):
    _check_p(p, RuntimeError)
    return _dropout(input, p, train, True)


# ---- embedding -----------------------------------------------------------------------------------------
def _emb_factor(xp, idx, num_weights, padding_idx, scale_grad_by_freq):
    """The weight each looked-up row's gradient gets: 0 at padding_idx, 1/count with scale_grad_by_freq."""
    f = (idx != padding_idx).astype(xp.float64)
    if scale_grad_by_freq:
        f = f / xp.bincount(idx.reshape(-1), minlength=num_weights)[idx]
    return f[..., None]


def _embedding_fwd(xp, weight, indices, *, padding_idx, scale_grad_by_freq, scaled=False):
    out = xp.take(weight, indices, axis=0)
    if scaled:
        out = out * _emb_factor(xp, indices, weight.shape[0], padding_idx, scale_grad_by_freq).astype(out.dtype)
    return out


def _embedding_bwd_fwd(xp, g, indices, *, num_weights, padding_idx, scale_grad_by_freq):
    scaled = g * _emb_factor(xp, indices, num_weights, padding_idx, scale_grad_by_freq).astype(g.dtype)
    out = xp.zeros((num_weights, g.shape[-1]), g.dtype)
    scatter_add(xp, out, indices.reshape(-1), scaled.reshape(-1, g.shape[-1]))
    return out


EMBEDDING = primitive("embedding", _embedding_fwd)
defvjp(EMBEDDING, weight=lambda grad, indices, weight_shape, padding_idx, scale_grad_by_freq, xp: call(
    xp, EMBEDDING_BACKWARD, grad, indices, num_weights=weight_shape[0], padding_idx=padding_idx,
    scale_grad_by_freq=scale_grad_by_freq))
# NOTE: the dense gradient is a scatter-add; its own gradient gathers the rows back, with the same factors
EMBEDDING_BACKWARD = primitive("embedding_dense_backward", _embedding_bwd_fwd)
defvjp(EMBEDDING_BACKWARD, g=lambda grad, indices, padding_idx, scale_grad_by_freq, xp: call(
    xp, EMBEDDING, grad, indices, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq, scaled=True))


def _renorm_rows(weight, indices, max_norm, norm_type):
    """PyTorch's embedding_renorm_: rows looked up whose norm exceeds max_norm are scaled down, in place."""
    xp = get_array_module(weight._data)
    rows = xp.unique(indices._data.reshape(-1))
    w = weight._data[rows].astype(xp.float64)
    norms = (xp.abs(w) ** norm_type).sum(1) ** (1 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight._data[rows] = (w * scale[:, None]).astype(weight._data.dtype)
    weight._vc.v += 1


def embedding_torch(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if indices._dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {indices._dtype.legacy_type} instead (while checking arguments for "
                           f"embedding)")
    idx = indices._data
    if idx.size and (idx.min() < 0 or idx.max() >= weight._data.shape[0]):
        raise IndexError("index out of range in self")
    return apply(EMBEDDING, (weight, indices), {"padding_idx": padding_idx, "scale_grad_by_freq": scale_grad_by_freq})


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """The rows of `weight` at `input`. The gradient is dense (sparse=True is accepted and ignored)."""
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= n or padding_idx < 0 and padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % n
    else:
        padding_idx = -1
    if max_norm is not None:
        with grad_mode.no_grad():
            _renorm_rows(weight, input, max_norm, norm_type)
    return embedding_torch(weight, input, padding_idx, scale_grad_by_freq, sparse)


# ---- normalizations ------------------------------------------------------------------------------------
def _normalize_axes(xp, x, axes, eps):
    """(x - mean) / sqrt(var + eps) over `axes`, the biased variance, and 1/sqrt(var + eps)."""
    n = math.prod(x.shape[a] for a in axes)
    xc = x - xp.sum(x, axis=axes, keepdims=True) / n
    rstd = 1 / xp.sqrt(xp.sum(xc * xc, axis=axes, keepdims=True) / n + eps)
    return xc * rstd, rstd


def _normalize_axes_dx(xp, g, x, axes, eps):
    """The input gradient of _normalize_axes, given the gradient g of its output."""
    n = math.prod(x.shape[a] for a in axes)
    xhat, rstd = _normalize_axes(xp, x, axes, eps)
    return rstd * (g - xp.sum(g, axis=axes, keepdims=True) / n - xhat * (xp.sum(g * xhat, axis=axes,
                                                                                  keepdims=True) / n))


def _per_channel(xp, v, ndim):
    return xp.reshape(v, (1, -1) + (1,) * (ndim - 2))


def _affine(xp, y, weight, bias, x):
    """y * weight + bias, per channel (dim 1), in x's dtype."""
    if weight is not None:
        y = y * _per_channel(xp, weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(xp, bias, x.ndim)
    return y.astype(x.dtype, copy=False)


def _not_channel(ndim):
    return (0,) + tuple(range(2, ndim))


# layer norm: over the trailing `k` dimensions, elementwise affine of that shape
def _ln_axes(x, k):
    return tuple(range(x.ndim - k, x.ndim))


def _layer_norm_fwd(xp, x, weight, bias, *, k, eps):
    y = _normalize_axes(xp, x, _ln_axes(x, k), eps)[0]
    y = y if weight is None else y * weight
    return (y if bias is None else y + bias).astype(x.dtype, copy=False)


def _layer_norm_dx(grad, x, weight, k, eps, xp):
    return _normalize_axes_dx(xp, grad if weight is None else grad * weight, x, _ln_axes(x, k), eps)


LAYER_NORM = primitive("native_layer_norm", _layer_norm_fwd)
defvjp(LAYER_NORM, x=_layer_norm_dx,
       weight=lambda grad, x, k, eps, xp: grad * _normalize_axes(xp, x, _ln_axes(x, k), eps)[0],
       bias=lambda grad: grad)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, int):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = tuple(normalized_shape)
    k = len(shape)
    xs = input._data.shape
    if k == 0 or len(xs) < k or xs[len(xs) - k:] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(xs)}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and v._data.shape != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(v._data.shape)} and normalized_shape = {list(shape)}")
    return apply(LAYER_NORM, (input, weight, bias), {"k": k, "eps": eps})


def layer_norm_torch(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return layer_norm(input, normalized_shape, weight, bias, eps)


# batch norm: per channel (dim 1); batch statistics when training, the running ones otherwise
def _bn_fwd(xp, x, weight, bias, running_mean, running_var, *, training, eps):
    if training:
        y = _normalize_axes(xp, x, _not_channel(x.ndim), eps)[0]
    else:
        y = (x - _per_channel(xp, running_mean, x.ndim)) / xp.sqrt(_per_channel(xp, running_var, x.ndim) + eps)
    return _affine(xp, y, weight, bias, x)


def _bn_xhat(xp, x, running_mean, running_var, training, eps):
    if training:
        return _normalize_axes(xp, x, _not_channel(x.ndim), eps)[0]
    return (x - _per_channel(xp, running_mean, x.ndim)) / xp.sqrt(_per_channel(xp, running_var, x.ndim) + eps)


def _bn_dx(grad, x, weight, running_var, training, eps, xp):
    g = grad if weight is None else grad * _per_channel(xp, weight, x.ndim)
    if training:
        return _normalize_axes_dx(xp, g, x, _not_channel(x.ndim), eps)
    return g / xp.sqrt(_per_channel(xp, running_var, x.ndim) + eps)


def _bn_dweight(grad, x, running_mean, running_var, training, eps, xp):
    return xp.sum(grad * _bn_xhat(xp, x, running_mean, running_var, training, eps), axis=_not_channel(x.ndim))


def _norm_op(name, fwd, dx, dweight, node):
    op = primitive(name, fwd, node=node)
    defvjp(op, x=dx, weight=dweight, bias=lambda grad, xp: xp.sum(grad, axis=_not_channel(grad.ndim)))
    return op


BATCH_NORM = _norm_op("native_batch_norm", _bn_fwd, _bn_dx, _bn_dweight, "NativeBatchNormBackward0")
# NOTE: instance_norm with running statistics is batch_norm on a (1, N*C, ...) view in PyTorch: its result is a view
INSTANCE_NORM_EVAL = _norm_op("instance_norm_eval", _bn_fwd, _bn_dx, _bn_dweight, "ViewBackward0")


def _update_running(running, stat, momentum):
    """running = (1 - momentum) * running + momentum * stat, in place without a version bump, as PyTorch does."""
    running._data[...] = ((1 - momentum) * running._data + momentum * stat).astype(running._data.dtype)


def _check_channels(input, tensors):
    c = input._data.shape[_wrap_dim(1, input._data.ndim)]
    for name, t in tensors:
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' (position 7) must be float, not NoneType")
    xs = input._data.shape
    _check_channels(input, (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                            ("bias", bias)))
    if training and math.prod(xs) // xs[1] == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {_size(xs)}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    stats = (None, None) if training else (running_mean, running_var)
    out = apply(BATCH_NORM, (input, weight, bias) + stats, {"training": training, "eps": eps})
    if training and running_mean is not None:
        xp = get_array_module(input._data)
        axes = _not_channel(len(xs))
        n = math.prod(xs) // xs[1]
        x = input._data
        _update_running(running_mean, xp.mean(x, axis=axes), momentum)
        _update_running(running_var, xp.var(x, axis=axes) * (n / (n - 1)), momentum)
    return out


def batch_norm_torch(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


# group norm: over each group of channels and the spatial dimensions; affine per channel
def _groups(xp, x, g):
    return xp.reshape(x, (x.shape[0], g, -1))


def _gn_fwd(xp, x, weight, bias, *, groups, eps):
    y = xp.reshape(_normalize_axes(xp, _groups(xp, x, groups), (2,), eps)[0], x.shape)
    return _affine(xp, y, weight, bias, x)


def _gn_dx(grad, x, weight, groups, eps, xp):
    g = grad if weight is None else grad * _per_channel(xp, weight, x.ndim)
    return xp.reshape(_normalize_axes_dx(xp, _groups(xp, g, groups), _groups(xp, x, groups), (2,), eps), x.shape)


def _gn_dweight(grad, x, groups, eps, xp):
    xhat = xp.reshape(_normalize_axes(xp, _groups(xp, x, groups), (2,), eps)[0], x.shape)
    return xp.sum(grad * xhat, axis=_not_channel(x.ndim))


GROUP_NORM = _norm_op("native_group_norm", _gn_fwd, _gn_dx, _gn_dweight, "NativeGroupNormBackward0")
INSTANCE_NORM = _norm_op("instance_norm", _gn_fwd, _gn_dx, _gn_dweight, "ViewBackward0")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    xs = input._data.shape
    if len(xs) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {len(xs)}")
    if xs[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(xs)} and num_groups={num_groups}")
    _check_channels(input, (("weight", weight), ("bias", bias)))
    return apply(GROUP_NORM, (input, weight, bias), {"groups": num_groups, "eps": eps})


def group_norm_torch(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    xs = input._data.shape
    if use_input_stats and math.prod(xs[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {_size(xs)}")
    _check_channels(input, (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                            ("bias", bias)))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        return apply(INSTANCE_NORM_EVAL, (input, weight, bias, running_mean, running_var),
                     {"training": False, "eps": eps})
    out = apply(INSTANCE_NORM, (input, weight, bias), {"groups": xs[1], "eps": eps})
    if running_mean is not None:
        xp = get_array_module(input._data)
        axes = tuple(range(2, len(xs)))
        n = math.prod(xs[2:])
        x = input._data
        _update_running(running_mean, xp.mean(x, axis=axes).mean(0), momentum)
        _update_running(running_var, (xp.var(x, axis=axes) * (n / (n - 1))).mean(0), momentum)
    return out


def instance_norm_torch(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                        cudnn_enabled):
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


# ---- p-norms, normalize, distances ---------------------------------------------------------------------
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = apply(E.CLAMP_MIN, (R.norm(input, p, dim, True),), {"min": eps})
    return E.div(input, S.expand(denom, input._data.shape))


def _float_common(x1, x2):
    dt = D.result_type(x1, x2)
    if not dt.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {dt.scalar_name}")
    return C.to(x1, dt), C.to(x2, dt)


def _broadcast(x1, x2):
    xp = get_array_module(x1._data)
    try:
        shape = xp.broadcast_shapes(x1._data.shape, x2._data.shape)
    except ValueError:
        return E.add(x1, x2)  # raises PyTorch's broadcast error
    return (x1 if x1._data.shape == shape else S.expand(x1, shape)), (x2 if x2._data.shape == shape
                                                                     else S.expand(x2, shape))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """PyTorch 2.13's formula: each input divided by its norm (clamped to eps without a gradient), then summed."""
    x1, x2 = _broadcast(*_float_common(x1, x2))
    n1 = S.clone(R.vector_norm(x1, 2, dim, True))
    n2 = S.clone(R.vector_norm(x2, 2, dim, True))
    with grad_mode.no_grad():
        IP.apply_inplace(E.CLAMP_MIN, n1, (), {"min": eps})
        IP.apply_inplace(E.CLAMP_MIN, n2, (), {"min": eps})
    return R.sum(E.mul(E.div(x1, n1), E.div(x2, n2)), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    nd = max(x1._data.ndim, x2._data.ndim)
    diff = E.sub(x1, x2)
    # NOTE: ATen's `diff + eps` is the Scalar overload (AddBackward1); an integer difference, which has no
    # gradient, is promoted to a float as `+` does
    diff = apply(E.ADD_SCALAR, (diff,), {"other": eps}) if diff._dtype.is_floating_point else E.add(diff, eps)
    return R.p_norm(R.NORM, diff, p, nd - 1, keepdim)


def _cdist_fwd(xp, x1, x2, *, p):
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    if not diff.shape[-1]:
        return xp.zeros(diff.shape[:-1], diff.dtype)  # NOTE: any p-norm of no columns is 0 in cdist, inf included
    return R._vector_norm_fwd(xp, diff, ord=p, dim=-1, keepdim=False, dtype=None)


def _cdist_term(grad, x1, x2, result, p, xp):
    """d dist[i, j] / d x1[i] times grad, still indexed by (i, j): its sums give both input gradients."""
    diff = xp.expand_dims(x1, -2) - xp.expand_dims(x2, -3)
    g = xp.expand_dims(grad, -1)
    r = xp.expand_dims(result, -1)
    if p == 0:
        return diff * 0
    if p == 1:
        return g * xp.sign(diff)
    if p == math.inf:
        return g * xp.sign(diff) * (abs(diff) == r)
    safe = xp.where(r == 0, 1.0, r)
    scale = xp.where(r == 0, 0.0, g / safe ** (p - 1))
    return diff * abs(diff) ** (p - 2) * scale if p != 2 else diff * scale


def _cdist_op(node):
    op = primitive("cdist", _cdist_fwd, node=node)
    defvjp(op, x1=lambda grad, x1, x2, result, p, xp: xp.sum(_cdist_term(grad, x1, x2, result, p, xp), axis=-2),
           x2=lambda grad, x1, x2, result, p, xp: -xp.sum(_cdist_term(grad, x1, x2, result, p, xp), axis=-3))
    return op


_CDIST = _cdist_op("CdistBackward0")
# NOTE: PyTorch computes large euclidean distances through a matrix product, under a view
_CDIST_MM = _cdist_op("ViewBackward0")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    s1, s2 = x1._data.shape, x2._data.shape
    for name, s in (("X1", s1), ("X2", s2)):
        if len(s) < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {len(s)}D")
    if s1[-1] != s2[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {s1[-1]} X2: {s2[-1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if not t._dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {t._dtype.scalar_name}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                     (compute_mode == "use_mm_for_euclid_dist_if_necessary" and (s1[-2] > 25 or s2[-2] > 25)))
    return apply(_CDIST_MM if mm else _CDIST, (x1, x2), {"p": float(p)})


# ---- attention -----------------------------------------------------------------------------------------
def _safe_softmax_fwd(xp, x):
    """Softmax over the last dimension; a row with every score -inf gives zeros, not nan."""
    if x.size == 0:
        return x.copy()
    m = xp.max(x, axis=-1, keepdims=True)
    e = quiet(xp.exp, x - xp.where(xp.isfinite(m), m, 0))
    s = xp.sum(e, axis=-1, keepdims=True)
    return e / xp.where(s == 0, 1, s)


_SAFE_SOFTMAX = primitive("safe_softmax", _safe_softmax_fwd, node="SafeSoftmaxBackward0")
defvjp(_SAFE_SOFTMAX, x=lambda grad, result, xp: _softmax_vjp(grad, result, -1, xp))


def _repeat_heads(t, n):
    """repeat_interleave(n) along the head dimension (-3), as a broadcast view and a reshape."""
    s = t._data.shape
    x = S.unsqueeze(t, -3)
    return S.reshape(S.expand(x, s[:-2] + (n,) + s[-2:]), s[:-3] + (s[-3] * n,) + s[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(q k^T * scale + mask) v, PyTorch's math kernel: a bool mask keeps the True positions, a float
    mask is added, is_causal keeps the lower triangle; fully masked rows give zeros."""
    qs, ks = query._data.shape, key._data.shape
    if qs[-1] != ks[-1]:
        b = math.prod(qs[:-2])
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {qs[-1]}] but got: "
                           f"[{math.prod(ks[:-2])}, {ks[-1]}].")
    if enable_gqa and key._data.ndim >= 3 and ks[-3] != qs[-3]:
        key = _repeat_heads(key, qs[-3] // ks[-3])
        value = _repeat_heads(value, qs[-3] // value._data.shape[-3])
    xp = get_array_module(query._data)
    n_q, n_k = qs[-2], ks[-2]
    factor = 1 / math.sqrt(qs[-1]) if scale is None else scale
    scores = E.mul(L.matmul(query, S.transpose(key, -2, -1)), factor)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        attn_mask = _new(xp.tril(xp.ones((n_q, n_k), bool)), D.bool_)
    if attn_mask is not None:
        if attn_mask._dtype is D.bool_:
            bias = xp.where(attn_mask._data, 0.0, -math.inf).astype(query._dtype.np)
            scores = E.add(scores, _new(bias, query._dtype))
        else:
            scores = E.add(scores, attn_mask)
    weights = apply(_SAFE_SOFTMAX, (scores,))
    if dropout_p > 0:
        weights = _dropout(weights, dropout_p, True, False)
    return L.matmul(weights, value)


# NOTE: torch.dropout/embedding/batch_norm/... are the ATen signatures (embedding(weight, indices), batch_norm with
# every argument positional), not nn.functional's
API["torch"] = {"bilinear": bilinear, "dropout": dropout_torch, "dropout_": dropout_torch_,
                "embedding": embedding_torch, "layer_norm": layer_norm_torch, "batch_norm": batch_norm_torch,
                "group_norm": group_norm_torch, "instance_norm": instance_norm_torch,
                "cosine_similarity": cosine_similarity, "pairwise_distance": pairwise_distance, "cdist": cdist}
API["nn.functional"] = ("linear", "bilinear", "dropout", "embedding", "layer_norm", "batch_norm", "group_norm",
                        "instance_norm", "normalize", "cosine_similarity", "pairwise_distance",
                        "scaled_dot_product_attention")
