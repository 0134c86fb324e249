"""Ops across channels: local_response_norm (PyTorch's composite: an average of squares over neighbouring
channels, by padding and average pooling) and channel_shuffle (a primitive; its gradient is the inverse shuffle)."""
from .registry import primitive, defvjp, apply, call
from . import elementwise as E, shape as S
from .layout import pad
from .pool import avg_pool2d
from .pool3d import avg_pool3d
from .elementwise import _no_derivative, _not_implemented_node

__all__ = ["local_response_norm", "channel_shuffle"]


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    div = E.mul(input, input)
    if dim == 3:
        div = pad(S.unsqueeze(div, 1), (0, 0, size // 2, (size - 1) // 2))
        div = S.squeeze(avg_pool2d(div, (size, 1), stride=1), 1)
    else:
        sizes = tuple(input.shape)
        div = S.view(div, (sizes[0], 1, sizes[1], sizes[2], -1))
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = S.squeeze(avg_pool3d(div, (size, 1, 1), stride=1), 1)
        div = S.view(div, sizes)
    div = E.pow(E.add(E.mul(div, alpha), k), beta)
    return E.div(input, div)


def _shuffle_fwd(xp, x, *, groups):
    n, c = x.shape[:2]
    rest = x.shape[2:]
    return x.reshape((n, groups, c // groups) + rest).swapaxes(1, 2).reshape(x.shape)


CHANNEL_SHUFFLE = primitive("channel_shuffle", _shuffle_fwd)
defvjp(CHANNEL_SHUFFLE, x=lambda grad, x_shape, groups, xp: call(xp, CHANNEL_SHUFFLE, grad,
                                                                   groups=x_shape[1] // groups))
NATIVE_CHANNEL_SHUFFLE = _not_implemented_node(primitive("native_channel_shuffle", _shuffle_fwd))
defvjp(NATIVE_CHANNEL_SHUFFLE, x=_no_derivative("native_channel_shuffle"))


def _shuffle_args(input, groups):
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return {"groups": int(groups)}


def channel_shuffle(input, groups):
    return apply(CHANNEL_SHUFFLE, (input,), _shuffle_args(input, groups))


def native_channel_shuffle(input, groups):
    return apply(NATIVE_CHANNEL_SHUFFLE, (input,), _shuffle_args(input, groups))


API = {"torch": ("channel_shuffle", "native_channel_shuffle"), "Tensor": (),
       "nn.functional": __all__, "linalg": (), "special": ()}
