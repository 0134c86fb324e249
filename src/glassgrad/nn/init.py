"""glassgrad.nn.init: fill a tensor in place from a distribution, without recording a graph.

Every function runs under `no_grad`, writes through `Tensor.copy_` / `fill_` (so the tensor's version counter
moves, as in PyTorch) and returns the tensor it was given. The numbers come from glassgrad's generator
(`glassgrad.manual_seed`, or `generator=`), which does not reproduce PyTorch's streams; the distributions, bounds,
errors and warnings are PyTorch's.

    >>> import glassgrad as torch
    >>> w = torch.empty(3, 5)
    >>> torch.nn.init.kaiming_uniform_(w, a=5 ** 0.5) is w
    True
    >>> bool((w.abs() <= 1 / 5 ** 0.5).all())
    True
"""
import math
import warnings

import numpy as np

from .. import _dtype as D
from ..autograd.grad_mode import no_grad
from ..tensor import _new
from ..ops import creation as C

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
           "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse"]


# ---- the in-place random fillers (PyTorch's Tensor.uniform_ / Tensor.normal_) ---------------------------
# NOTE: glassgrad's Tensor has no uniform_/normal_ methods yet; these are their semantics (kernel names in the
# errors included), drawn in float64 from the generator's PCG64 stream and rounded to the tensor's dtype.
def _write(tensor, arr):
    with no_grad():
        tensor.copy_(_new(np.ascontiguousarray(arr, dtype=tensor._dtype.np), tensor._dtype))
    return tensor


def _fill_uniform(tensor, a, b, generator):
    with no_grad():
        return C.uniform_(tensor, a, b, generator=generator)


def _fill_normal(tensor, mean, std, generator):
    with no_grad():
        return C.normal_(tensor, mean, std, generator=generator)


def _no_grad_fill_(tensor, val):
    with no_grad():
        return tensor.fill_(val)


def _no_grad_zero_(tensor):
    with no_grad():
        return tensor.zero_()


# ---- gains and fans --------------------------------------------------------------------------------------
def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: 1 (linear, conv*, sigmoid), 5/3 (tanh), sqrt(2) (relu),
    sqrt(2 / (1 + negative_slope ** 2)) (leaky_relu, param = negative_slope, default 0.01), 3/4 (selu).

    >>> calculate_gain('leaky_relu', 0.2) == (2 / 1.04) ** 0.5
    True
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    elif nonlinearity == "tanh":
        return 5.0 / 3
    elif nonlinearity == "relu":
        return math.sqrt(2.0)
    elif nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param  # True/False are not slopes
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    elif nonlinearity == "selu":
        return 3.0 / 4  # NOTE: PyTorch's choice, for self-normalizing networks
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight laid out as (out, in, *kernel): size(1) and size(0) times the kernel."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = math.prod(tensor.shape[2:])
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ---- the initialisers ----------------------------------------------------------------------------------
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fills `tensor` with values from U(a, b)."""
    return _fill_uniform(tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fills `tensor` with values from N(mean, std**2)."""
    return _fill_normal(tensor, mean, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fills `tensor` with values from N(mean, std**2) truncated to [a, b] (a and b are absolute bounds)."""
    return _no_grad_trunc_normal_(tensor, mean, std, a, b, generator)


def _no_grad_trunc_normal_(tensor, mean, std, a, b, generator):
    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    C._float_only(tensor._dtype, "normal_kernel_cpu")
    # NOTE: inverse-CDF sampling (PyTorch's method before 2.6, the same distribution as its rejection sampler
    # now): U(cdf(a), cdf(b)) through the normal quantile, in float64, clamped against rounding.
    lo, hi = norm_cdf((a - mean) / std), norm_cdf((b - mean) / std)
    u = C._rng(generator).uniform(2 * lo - 1, 2 * hi - 1, size=tuple(tensor.shape))
    from ..special import erfinv
    z = erfinv(_new(u, D.float64))._data
    return _write(tensor, np.clip(mean + std * math.sqrt(2.0) * z, a, b))


def constant_(tensor, val):
    """Fills `tensor` with `val`."""
    return _no_grad_fill_(tensor, val)


def ones_(tensor):
    """Fills `tensor` with ones."""
    return _no_grad_fill_(tensor, 1.0)


def zeros_(tensor):
    """Fills `tensor` with zeros."""
    return _no_grad_zero_(tensor)


def eye_(tensor):
    """Fills a 2-D `tensor` with the identity (ones on the main diagonal)."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """Fills a 3-, 4- or 5-D conv weight with the Dirac delta: a convolution that preserves its input's
    channels (in `groups` groups)."""
    dimensions = tensor.ndimension()
    if dimensions not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.size()
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    arr = np.zeros(tuple(sizes))
    d = np.arange(min_dim)
    out = (np.arange(groups)[:, None] * out_chans_per_grp + d).reshape(-1)
    centre = tuple(s // 2 for s in sizes[2:])
    arr[(out, np.tile(d, groups)) + centre] = 1
    return _write(tensor, arr)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _fill_uniform(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill_normal(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return _fill_uniform(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std**2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill_normal(tensor, 0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fills `tensor` (2 or more dims, flattened to size(0) rows) with a (semi-)orthogonal matrix times `gain`:
    the Q of the QR decomposition of a normal matrix, its signs fixed by R's diagonal."""
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    from .. import linalg
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flattened = C._rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flattened = flattened.T
    with no_grad():
        q, r = linalg.qr(_new(np.ascontiguousarray(flattened), D.float64))
        q = q * r.diagonal().sign()
        if rows < cols:
            q = q.T
    return _write(tensor, q._data.reshape(tuple(tensor.shape)) * gain)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fills a 2-D `tensor` with N(0, std**2) values and zeroes ceil(sparsity * rows) random rows of each column."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    rng = C._rng(generator)
    arr = std * rng.standard_normal((rows, cols))
    # NOTE: a random permutation of the rows per column, all columns at once: argsort of uniform keys
    zero_rows = np.argsort(rng.random((rows, cols)), axis=0)[:num_zeros]
    arr[zero_rows, np.arange(cols)[None, :]] = 0
    return _write(tensor, arr)


def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning,
                      stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"{old_name}(...): deprecated in favor of nn.init.{new_name}."
    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
