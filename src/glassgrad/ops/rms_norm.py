"""rms_norm: the input scaled by the reciprocal root mean square over its last dimensions, PyTorch's composite
(a mean of squares, rsqrt, then MulBackward0 nodes), with eps defaulting to the dtype's machine epsilon."""
from . import elementwise as E, reduction as R, unary as U
from .. import _dtype as D
from ..backends import get_array_module

__all__ = ["rms_norm"]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    n = len(shape)
    if tuple(input.shape[input.dim() - n:]) != shape or n > input.dim():
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if eps is None:
        eps = float(get_array_module().finfo(input._dtype.np).eps) if input._dtype.is_floating_point else 0.0
    dims = tuple(range(-n, 0)) if n else ()
    x = input
    if input._dtype is D.float16:
        x = input.to(D.float32)  # NOTE: PyTorch computes half-precision norms in float32
    rms = U.rsqrt(E.add(R.mean(E.pow(x, 2), dims, keepdim=True), eps))
    out = E.mul(x, rms)
    if weight is not None:
        out = E.mul(out, weight)
    return out.to(input._dtype) if out._dtype is not input._dtype else out


API = {"torch": ("rms_norm",), "Tensor": (), "nn.functional": __all__, "linalg": (), "special": ()}
