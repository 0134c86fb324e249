"""Weight normalization with a forward pre-hook: PyTorch's older API, torch.nn.utils.weight_norm (deprecated there in
favour of nn.utils.parametrizations.weight_norm, and so it warns here too).

`module.<name>` is split into a magnitude `<name>_g` and a direction `<name>_v`; before every forward the hook
recomputes `<name> = g * v / ||v||`, the norm taken over every dimension but `dim`.

    >>> import warnings
    >>> import glassgrad as torch
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     m = torch.nn.utils.weight_norm(torch.nn.Linear(20, 40), name="weight")
    >>> m.weight_g.size(), m.weight_v.size()
    (torch.Size([40, 1]), torch.Size([40, 20]))
"""
import warnings

from ...ops.registry import apply, defvjp, primitive
from ..parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def norm_except_dim(v, pow=2, dim=0):
    """The `pow`-norm of `v` over every dimension but `dim`, kept as size-1 dimensions (torch.norm_except_dim);
    `dim=-1` is the norm of the whole tensor (a 0-dim tensor)."""
    if dim == -1:
        return v.norm(pow)
    if dim == 0:
        kept = (v.size(0),) + (1,) * (v.dim() - 1)
        return v.contiguous().view(v.size(0), -1).norm(pow, dim=1).view(kept)
    if dim == v.dim() - 1:
        kept = (1,) * (v.dim() - 1) + (v.size(-1),)
        return v.contiguous().view(-1, v.size(-1)).norm(pow, dim=0).view(kept)
    # any other dim (an invalid one raises PyTorch's IndexError here) is moved to the front
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


# ---- the fused kernel ------------------------------------------------------------------------------------
def _other_axes(v, dim):
    return tuple(i for i in range(v.ndim) if i != dim)


def _norm(xp, v, dim):
    axes = _other_axes(v, dim)
    # NOTE: a sum over no axes is the identity for NumPy but a full reduction for the tensor namespace's sum
    squares = v * v if not axes else xp.sum(v * v, axis=axes, keepdims=True)
    return xp.sqrt(squares)


def _weight_norm_fwd(xp, v, g, *, dim):
    return v * (g / _norm(xp, v, dim))


def _weight_norm_v_vjp(grad, v, g, dim, xp):
    """d(g v / |v|) = g / |v| (grad - v <grad, v> / |v|^2), the inner products per slice of `dim`."""
    norm = _norm(xp, v, dim)
    axes = _other_axes(v, dim)
    proj = grad * v if not axes else xp.sum(grad * v, axis=axes, keepdims=True)
    return (g / norm) * (grad - v * (proj / (norm * norm)))


def _weight_norm_g_vjp(grad, v, dim, xp):
    axes = _other_axes(v, dim)
    proj = grad * v if not axes else xp.sum(grad * v, axis=axes, keepdims=True)
    return proj / _norm(xp, v, dim)


# NOTE: its own op, not the composite, for PyTorch's node name: its CPU kernel fuses the norm when dim is the
# first or the last dimension (WeightNormInterfaceBackward0); other dims run the composite (MulBackward0)
_WEIGHT_NORM = primitive("weight_norm_interface", _weight_norm_fwd, node="WeightNormInterfaceBackward0",
                         quiet=True)  # v = 0 gives NaN silently, as in PyTorch
defvjp(_WEIGHT_NORM, v=_weight_norm_v_vjp, g=_weight_norm_g_vjp)


def _weight_norm(v, g, dim=0):
    """torch._weight_norm: g * v / norm_except_dim(v, 2, dim)."""
    if dim == 0 or dim == v.dim() - 1:
        return apply(_WEIGHT_NORM, (v, g), {"dim": dim})
    return v * (g / norm_except_dim(v, 2, dim))


# ---- the hook ------------------------------------------------------------------------------------------
class WeightNorm:
    """The forward pre-hook of one weight-normalized parameter `name` (dim None means the whole tensor, -1)."""

    def __init__(self, name, dim):
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        """Replaces module.<name> by <name>_g and <name>_v and registers the hook; returns it."""
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized parameters. Make sure to run "
                             "the dummy forward before applying weight normalization")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        # a plain attribute, not a parameter: the hook recomputes it from g and v before each forward
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Applies weight normalization to `module.<name>` (dim=None: one norm over the whole tensor) and returns
    `module`. Deprecated as in PyTorch: a FutureWarning points to nn.utils.parametrizations.weight_norm."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Turns `module.<name>` back into one parameter (its current value); returns `module`."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
