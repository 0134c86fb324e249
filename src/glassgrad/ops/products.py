"""Matrix products and solves PyTorch programs still use: addbmm, addr, ger, chain_matmul (linalg.multi_dot),
matrix_power (also linalg.matrix_power), cholesky_solve, cholesky_inverse, and renorm.

addbmm, addr, cholesky_solve, cholesky_inverse and renorm are primitives with PyTorch's backward formulas;
multi_dot and matrix_power are PyTorch's composites of mm/matmul (their node names follow: a final view for
multi_dot, MmBackward0 for a power, CloneBackward0 for the first power, CopyBackwards for the zeroth).
"""
import warnings

from .registry import primitive, defvjp, apply, call
from .reduction import _vector_norm_fwd, _vector_norm_vjp, _data, wrap_dim
from . import shape as S, linalg as L
from .decomposition import inv
from .inplace import apply_inplace, COPY
from .elementwise import _inplace
from .. import _dtype as D

__all__ = ["addbmm", "addbmm_", "addr", "addr_", "ger", "chain_matmul", "multi_dot", "matrix_power",
           "cholesky_solve", "cholesky_inverse", "renorm", "renorm_"]


def _scale_check(dt, beta, alpha):
    if dt._cat < 2 and (isinstance(alpha, float) or isinstance(beta, float)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _scaled_args(input, target, others, beta, alpha):
    """The keywords of an input-plus-scaled-product op, after checking that `input` expands to the product's shape
    `target` and that beta and alpha suit the result dtype."""
    L._check_input(input, target)
    _scale_check(D.result_type(input, *others), beta, alpha)
    return {"beta": beta, "alpha": alpha}


def _combine(xp, m, prod, beta, alpha):
    if m.dtype.kind == "b":
        return (bool(beta) & m) | (bool(alpha) & prod)
    out = prod * alpha if alpha != 1 else prod
    return out if beta == 0 else out + (m * beta if beta != 1 else m)


# ---- addbmm -------------------------------------------------------------------------------------------------
def _addbmm_fwd(xp, m, b1, b2, *, beta, alpha):
    return _combine(xp, m, xp.matmul(b1, b2).sum(axis=0), beta, alpha).astype(m.dtype, copy=False)


ADDBMM = primitive("addbmm", _addbmm_fwd, promote=True)
defvjp(ADDBMM, m=lambda grad, beta, xp: grad * beta if beta != 0 else grad * 0,
       b1=lambda grad, b2, alpha, xp: xp.matmul(xp.expand_dims(grad, 0), xp.swapaxes(b2, -1, -2)) * alpha,
       b2=lambda grad, b1, alpha, xp: xp.matmul(xp.swapaxes(b1, -1, -2), xp.expand_dims(grad, 0)) * alpha)


def _addbmm_args(input, batch1, batch2, beta, alpha):
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t._data.ndim != 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{t._data.ndim}, "
                             f"{t._data.ndim - 1}], but got 2)") if t._data.ndim == 2 else \
                RuntimeError(f"{name} must be a 3D tensor")
    n1, n2 = batch1._data.shape[0], batch2._data.shape[0]
    if n1 != n2:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {n1} and {n2}")
    if batch1._data.shape[2] != batch2._data.shape[1]:
        s1, s2 = batch1._data.shape, batch2._data.shape
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({s1[1]}x{s1[2]} and {s2[1]}x{s2[2]})")
    return _scaled_args(input, (batch1._data.shape[1], batch2._data.shape[2]), (batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return apply(ADDBMM, (input, batch1, batch2), _addbmm_args(input, batch1, batch2, beta, alpha))


def addbmm_(input, batch1, batch2, *, beta=1, alpha=1):
    return _inplace(ADDBMM, input, batch1, batch2, kw=_addbmm_args(input, batch1, batch2, beta, alpha))


# ---- addr / ger ------------------------------------------------------------------------------------------------
def _addr_fwd(xp, m, v1, v2, *, beta, alpha):
    prod = (v1[:, None] & v2[None, :]) if v1.dtype.kind == "b" else v1[:, None] * v2[None, :]
    return _combine(xp, m, prod, beta, alpha).astype(m.dtype, copy=False)


ADDR = primitive("addr", _addr_fwd, promote=True)
defvjp(ADDR, m=lambda grad, beta, xp: grad * beta if beta != 0 else grad * 0,
       v1=lambda grad, v2, alpha, xp: xp.matmul(grad, v2) * alpha,
       v2=lambda grad, v1, alpha, xp: xp.matmul(xp.swapaxes(grad, 0, 1), v1) * alpha)


def _addr_args(input, vec1, vec2, beta, alpha):
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return _scaled_args(input, (vec1._data.shape[0], vec2._data.shape[0]), (vec1, vec2), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    return apply(ADDR, (input, vec1, vec2), _addr_args(input, vec1, vec2, beta, alpha))


def addr_(input, vec1, vec2, *, beta=1, alpha=1):
    return _inplace(ADDR, input, vec1, vec2, kw=_addr_args(input, vec1, vec2, beta, alpha))


def ger(input, vec2, *, out=None):
    return L.outer(input, vec2)


# ---- multi_dot / chain_matmul -------------------------------------------------------------------------------
def _chain_order(dims):
    """The cheapest parenthesisation of a chain of matrices dims[i] x dims[i+1] (the textbook dynamic program)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _multiply(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return L.mm(_multiply(mats, split, i, k), _multiply(mats, split, k + 1, j))


def multi_dot(tensors, *, out=None):
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0]._data.ndim, tensors[-1]._data.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    mats = list(tensors)
    if first == 1:
        mats[0] = S.unsqueeze(mats[0], 0)
    if last == 1:
        mats[-1] = S.unsqueeze(mats[-1], 1)
    dims = [m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]]
    result = _multiply(mats, _chain_order(dims), 0, n - 1)
    shape = (() if first == 1 else (dims[0],)) + (() if last == 1 else (dims[-1],))
    return S.view(result, shape)


_warned_chain = [False]


def chain_matmul(*matrices, out=None):
    if not _warned_chain[0]:
        _warned_chain[0] = True  # NOTE: PyTorch warns once per process
        warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                      "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                      "multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if t._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t._data.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return S.clone(matrices[0])
    return multi_dot(matrices)


# ---- matrix_power ------------------------------------------------------------------------------------------
def matrix_power(input, n):
    """PyTorch's square-and-multiply over matmul (of the inverse for n < 0)."""
    shape = input._data.shape
    if input._data.ndim < 2 or shape[-1] != shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{shape[-2] if input._data.ndim > 1 else shape[-1]} by {shape[-1]} matrices")
    if n == 0:
        # NOTE: PyTorch copies the identity into a copy of the input (CopyBackwards, a zero gradient)
        from .creation import eye
        eye_ = S.expand(eye(shape[-1], dtype=input._dtype), shape)
        return apply_inplace(COPY, S.contiguous(S.clone(input)), (eye_,))
    a = inv(input) if n < 0 else input
    n = abs(n)
    if n == 1:
        return S.clone(a)
    if n == 2:
        return L.matmul(a, a)
    if n == 3:
        return L.matmul(L.matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else L.matmul(z, z)
        if n & 1:
            result = z if result is None else L.matmul(result, z)
        n >>= 1
    return result


# ---- cholesky_solve / cholesky_inverse -----------------------------------------------------------------------
def _t(a, xp):
    return xp.swapaxes(a, -1, -2)


def _cholesky_solve_fwd(xp, b, l, *, upper):
    a = xp.matmul(_t(l, xp), l) if upper else xp.matmul(l, _t(l, xp))
    return xp.linalg.solve(a, b)


def _cholesky_solve_l_vjp(grad, result, l, upper, xp):
    g_b = call(xp, CHOLESKY_SOLVE, grad, l, upper=upper)
    common = xp.matmul(g_b, _t(result, xp))
    common = common + _t(common, xp)
    return -xp.matmul(l, common) if upper else -xp.matmul(common, l)


CHOLESKY_SOLVE = primitive("cholesky_solve", _cholesky_solve_fwd, promote=True)
defvjp(CHOLESKY_SOLVE, b=lambda grad, l, upper, xp: call(xp, CHOLESKY_SOLVE, grad, l, upper=upper),
       l=_cholesky_solve_l_vjp)


def _cholesky_inverse_fwd(xp, l, *, upper):
    a = xp.matmul(_t(l, xp), l) if upper else xp.matmul(l, _t(l, xp))
    return xp.linalg.inv(a)


def _cholesky_inverse_vjp(grad, l, result, upper, xp):
    common = xp.matmul(xp.matmul(result, grad + _t(grad, xp)), result)
    return -xp.matmul(l, common) if upper else -xp.matmul(common, l)


CHOLESKY_INVERSE = primitive("cholesky_inverse", _cholesky_inverse_fwd)
defvjp(CHOLESKY_INVERSE, l=_cholesky_inverse_vjp)


def _float_matrices(name, *tensors):
    for t in tensors:
        if t._data.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor {'A' if t is tensors[-1] else 'B'} must have at least 2 "
                               f"dimensions.")
        if not t._dtype.is_floating_point:
            raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                               f"{t._dtype.scalar_name}")


def cholesky_solve(input, input2, upper=False, *, out=None):
    _float_matrices("cholesky_solve", input, input2)
    return apply(CHOLESKY_SOLVE, (input, input2), {"upper": bool(upper)})


def cholesky_inverse(input, upper=False, *, out=None):
    _float_matrices("cholesky_inverse", input)
    return apply(CHOLESKY_INVERSE, (input,), {"upper": bool(upper)})


# ---- renorm -------------------------------------------------------------------------------------------------
def _renorm_axes(ndim, dim):
    return tuple(i for i in range(ndim) if i != dim)


def _renorm_fwd(xp, x, *, p, dim, maxnorm):
    norm = _vector_norm_fwd(xp, x, ord=p, dim=_renorm_axes(x.ndim, dim), keepdim=True, dtype=None)
    factor = xp.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0).astype(x.dtype, copy=False)
    return x * factor


def _renorm_vjp(grad, x, p, dim, maxnorm, xp):
    """PyTorch's renorm_backward: where the norm was over maxnorm, the scale's own derivative is subtracted."""
    axes = _renorm_axes(len(x.shape), dim)
    norm = call(xp, _NORM_KEEP, x, p=p, axes=axes)
    weighted = xp.sum(x * grad, axis=axes, keepdims=True)
    nb = _vector_norm_vjp(weighted, x, norm, tuple(x.shape), p, axes, True, xp)
    inv_norm = 1 / (norm + 1e-7)
    factor = inv_norm * maxnorm
    over = _data(norm) > maxnorm
    return xp.where(over, factor * grad - (factor * inv_norm) * nb, grad)


_NORM_KEEP = primitive("renorm_norm", lambda xp, x, *, p, axes: _vector_norm_fwd(xp, x, ord=p, dim=axes, keepdim=True,
                                                                                dtype=None))
defvjp(_NORM_KEEP, x=lambda grad, x, result, p, axes, xp: _vector_norm_vjp(grad, x, result, tuple(x.shape), p, axes,
                                                                           True, xp))
RENORM = primitive("renorm", _renorm_fwd)
defvjp(RENORM, x=_renorm_vjp)


def _renorm_args(input, p, dim, maxnorm):
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{input._dtype.scalar_name}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    nd = input._data.ndim
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    return {"p": float(p), "dim": wrap_dim("renorm", dim, nd), "maxnorm": float(maxnorm)}


def renorm(input, p, dim, maxnorm, *, out=None):
    return apply(RENORM, (input,), _renorm_args(input, p, dim, maxnorm))


def renorm_(input, p, dim, maxnorm):
    return apply_inplace(RENORM, input, (), _renorm_args(input, p, dim, maxnorm))


API = {"torch": ("addbmm", "addr", "ger", "chain_matmul", "matrix_power", "cholesky_solve", "cholesky_inverse",
                 "renorm"),
       "Tensor": ("addbmm", "addbmm_", "addr", "addr_", "ger", "matrix_power", "cholesky_solve",
                  "cholesky_inverse", "renorm", "renorm_"),
       "nn.functional": (), "linalg": ("multi_dot", "matrix_power"), "special": ()}
