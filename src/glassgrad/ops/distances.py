"""dist (the p-norm of a difference) and pdist (the p-norms of the differences of all pairs of rows), each a
primitive with its gradient, PyTorch's norm backward (linalg.vector_norm's) sent to both sides of a difference."""
from .registry import primitive, defvjp, apply, records
from .reduction import _vector_norm_fwd, _vector_norm_vjp, _data
from ..backends import get_array_module, scatter_add
from .. import _dtype as D

__all__ = ["dist", "pdist"]


def _dist_fwd(xp, x, y, *, p):
    return _vector_norm_fwd(xp, x - y, ord=p, dim=None, keepdim=False, dtype=None)


def _dist_x_vjp(grad, x, y, result, p, xp):
    d = x - y
    return _vector_norm_vjp(grad, d, result, d.shape, p, None, False, xp)


def _dist_y_vjp(grad, x, y, result, p, xp):
    g = _dist_x_vjp(grad, x, y, result, p, xp)
    if g is None:
        # NOTE: PyTorch negates the undefined gradient of the 0-norm for `other`, and fails so
        raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor in C++) for argument #0 "
                           "'self'")
    return -g


DIST = primitive("dist", _dist_fwd, promote=True)
defvjp(DIST, x=_dist_x_vjp, y=_dist_y_vjp)


def dist(input, other, p=2):
    dt = D.result_type(input, other)
    if dt._cat < 2:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{dt.scalar_name} instead.")
    return apply(DIST, (input, other), {"p": float(p)})


def _pairs(xp, n):
    return xp.triu_indices(n, 1)


def _pdist_fwd(xp, x, *, p):
    i, j = _pairs(xp, x.shape[0])
    return _vector_norm_fwd(xp, x[i] - x[j], ord=p, dim=(1,), keepdim=False, dtype=None)


def _pdist_vjp(grad, x, result, p, xp):
    n, m = x.shape
    i, j = _pairs(get_array_module(_data(x)), n)
    d = x[i] - x[j]
    g = _vector_norm_vjp(grad, d, result, d.shape, p, (1,), False, xp)
    if g is None:
        return None
    if records(xp):
        z = xp.zeros((n, m), dtype=g.dtype)
        z = xp.index_put(z, (i,), g, accumulate=True)
        return xp.index_put(z, (j,), -g, accumulate=True)
    out = xp.zeros((n, m), dtype=g.dtype)
    scatter_add(xp, out, i, g)
    scatter_add(xp, out, j, -g)
    return out


PDIST = primitive("pdist", _pdist_fwd)
defvjp(PDIST, x=_pdist_vjp)


def pdist(input, p=2):
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    if not input._dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return apply(PDIST, (input,), {"p": float(p)})


API = {"torch": ("dist", "pdist"), "Tensor": ("dist",), "nn.functional": ("pdist",), "linalg": (), "special": ()}
