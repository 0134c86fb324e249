"""Matrix products."""
from .registry import primitive, defvjp, apply
from ..tensor import Tensor

__all__ = ["matmul", "mm", "mv", "dot", "bmm"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


def _mm_x(grad, y, xp):
    return xp.matmul(grad, xp.swapaxes(y, -1, -2))


def _mm_y(grad, x, xp):
    return xp.matmul(xp.swapaxes(x, -1, -2), grad)


MM = primitive("mm", lambda xp, x, y: xp.matmul(x, y))
defvjp(MM, x=_mm_x, y=_mm_y)
BMM = primitive("bmm", lambda xp, x, y: xp.matmul(x, y))
defvjp(BMM, x=_mm_x, y=_mm_y)
DOT = primitive("dot", lambda xp, x, y: xp.dot(x, y))
defvjp(DOT, x=lambda grad, y: grad * y, y=lambda grad, x: grad * x)
MV = primitive("mv", lambda xp, x, y: xp.matmul(x, y))
defvjp(MV, x=lambda grad, y, xp: xp.expand_dims(grad, -1) * y, y=lambda grad, x, xp: xp.matmul(xp.swapaxes(x, -1, -2), grad))


def _matmul_x(grad, x, y, xp):
    # Promote the 1-D cases to matrices, take the matrix VJP, then drop the added dimensions again;
    # the engine sums broadcast batch dimensions back to x's shape.
    if y.ndim == 1:
        g = xp.expand_dims(grad, -1) * y
    else:
        gm = grad if x.ndim > 1 else xp.expand_dims(grad, -2)
        g = xp.matmul(gm, xp.swapaxes(y, -1, -2))
        if x.ndim == 1:
            g = xp.sum(g, axis=tuple(range(g.ndim - 2)), keepdims=False) if g.ndim > 2 else g
            g = xp.reshape(g, x.shape)
    return g


def _matmul_y(grad, x, y, xp):
    if x.ndim == 1:
        gm = grad if y.ndim > 1 else grad
        if y.ndim == 1:
            return grad * x
        return xp.matmul(xp.expand_dims(x, -1), xp.expand_dims(gm, -2))
    gm = xp.expand_dims(grad, -1) if y.ndim == 1 else grad
    g = xp.matmul(xp.swapaxes(x, -1, -2), gm)
    if y.ndim == 1:
        g = xp.sum(g, axis=tuple(range(g.ndim - 2)), keepdims=False) if g.ndim > 2 else g
        g = xp.reshape(g, y.shape)
    return g


# NOTE: PyTorch routes matmul through reshapes, expands and views, and its result's node is named after the last
# of those; the same maths is declared under each name it can show.
MATMUL = primitive("matmul", lambda xp, x, y: xp.matmul(x, y), node="UnsafeViewBackward0")
defvjp(MATMUL, x=_matmul_x, y=_matmul_y)
MATMUL_SQUEEZE = primitive("matmul_squeeze", lambda xp, x, y: xp.matmul(x, y), node="SqueezeBackward4")
defvjp(MATMUL_SQUEEZE, x=_matmul_x, y=_matmul_y)
MATMUL_CLONE = primitive("matmul_clone", lambda xp, x, y: xp.matmul(x, y), node="CloneBackward0")
defvjp(MATMUL_CLONE, x=_matmul_x, y=_matmul_y)


def _operands(x, y, name):
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor")
    if x._data.ndim == 0 or y._data.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{x._data.ndim}D and {y._data.ndim}D")
    if x._dtype is not y._dtype:
        a, b = x._data.ndim, y._data.ndim
        if a == 1 and b == 1:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {x._dtype.scalar_name} and "
                               f"{y._dtype.scalar_name}")
        if a == 2 and b == 1:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {y._dtype.scalar_name}, "
                               f"{x._dtype.scalar_name}, and {y._dtype.scalar_name}")
        if a > 2 or b > 2:
            raise RuntimeError(f"expected scalar type {x._dtype.scalar_name} but found {y._dtype.scalar_name}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_tn(x)} != {_tn(y)}")


def _tn(t):
    # NOTE: this message spells int64 as "long long", unlike PyTorch's other messages
    return "long long" if t._dtype.name == "int64" else t._dtype.cpp_name


def matmul(input, other):
    _operands(input, other, "matmul")
    a, b = input._data, other._data
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        if a.ndim == 2 and b.ndim == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                               f"{b.shape[0]}x{b.shape[1]})")
        raise RuntimeError(f"size mismatch, got input ({a.shape}), other ({b.shape})")
    if a.ndim == 1 and b.ndim == 1:
        return apply(DOT, (input, other))
    if a.ndim == 2 and b.ndim == 2:
        return apply(MM, (input, other))
    if a.ndim == 2 and b.ndim == 1:
        return apply(MV, (input, other))
    if a.ndim == 1 and b.ndim == 2:
        out = apply(MATMUL_SQUEEZE, (input, other))
        out._vc.v = 1  # NOTE: PyTorch squeezes this result in place, so users see version 1
        return out
    if 2 <= a.ndim <= b.ndim and b.ndim >= 3 and input.requires_grad and a.shape[:-2] != b.shape[:-2]:
        return apply(MATMUL_CLONE, (input, other))
    return apply(MATMUL, (input, other))


def mm(input, mat2):
    _operands(input, mat2, "mm")
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2):
    _operands(input, mat2, "bmm")
    if input._data.ndim != 3 or mat2._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    return apply(BMM, (input, mat2))


def mv(input, vec):
    _operands(input, vec, "mv")
    return apply(MV, (input, vec))


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    return apply(DOT, (input, other))
