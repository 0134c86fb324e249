"""The linear algebra the multivariate normal needs: triangular solves, the inverse from a Cholesky factor, and
the positive-definiteness test of argument validation.

NOTE: PyTorch uses torch.linalg.solve_triangular and torch.cholesky_inverse here. glassgrad lacks both for now, so
this module declares the triangular solve as its own op (LinalgSolveTriangularBackward0, as PyTorch names it): it
reads only the triangle, and its gradient reaches only the triangle, which a general solve would not do (the
gradient of a scale_tril parameter would then differ from PyTorch's above the diagonal). NumPy has no triangular
solver: the forward solves with LU on the triangle (values equal up to rounding). Once glassgrad has
linalg.solve_triangular, solve_tril uses it.

    >>> import glassgrad as torch
    >>> from glassgrad.distributions._linalg import solve_tril
    >>> solve_tril(torch.tensor([[2.0, 0.0], [1.0, 1.0]]), torch.tensor([[2.0], [3.0]]))
    tensor([[1.],
            [2.]])
"""
import glassgrad as torch
from ..ops.registry import apply, call, defvjp, primitive, records

__all__ = ["solve_tril", "cholesky_inverse", "cholesky_ok", "precision_to_scale_tril"]


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


def _triangle(xp, a, upper):
    if records(xp):  # building a graph (create_graph=True): glassgrad's own tril/triu record themselves
        return torch.triu(a) if upper else torch.tril(a)
    return xp.triu(a) if upper else xp.tril(a)


def _solve_triangular_fwd(xp, a, b, *, upper=False):
    a = _triangle(xp, a, upper)
    batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:]))


def _solve_triangular_b(grad, a, upper, xp):
    # A X = B: gB = A^-T gX, a solve with the transposed (other) triangle
    return call(xp, SOLVE_TRIANGULAR, _mT(xp, a), grad, upper=not upper)


def _solve_triangular_a(grad, a, result, upper, xp):
    g = -xp.matmul(_solve_triangular_b(grad, a, upper, xp), _mT(xp, result))
    return _triangle(xp, g, upper)


SOLVE_TRIANGULAR = primitive("linalg_solve_triangular", _solve_triangular_fwd,
                             node="LinalgSolveTriangularBackward0")
defvjp(SOLVE_TRIANGULAR, a=_solve_triangular_a, b=_solve_triangular_b)


def solve_tril(L, B):
    """X with L @ X = B, L lower-triangular (its upper triangle is not read); batches broadcast."""
    solve_triangular = getattr(torch.linalg, "solve_triangular", None)
    if solve_triangular is not None:
        return solve_triangular(L, B, upper=False)
    return apply(SOLVE_TRIANGULAR, (L, B), {"upper": False})


def cholesky_inverse(L):
    """(L @ L^T)^-1 from its lower Cholesky factor L."""
    if hasattr(torch, "cholesky_inverse"):
        return torch.cholesky_inverse(L)
    eye = torch.eye(L.shape[-1], dtype=L.dtype, device=L.device)
    L_inv = solve_tril(L, eye.expand(L.shape))
    return L_inv.mT @ L_inv


def precision_to_scale_tril(P):
    """The lower Cholesky factor L of P^-1, without inverting P. With J the flip of both axes, chol(J P J) = Lf
    makes U = J Lf J upper-triangular with P = U U^T, so P^-1 = U^-T U^-1 and L = U^-T = solve(U^T, I)."""
    Lf = torch.linalg.cholesky(torch.flip(P, (-2, -1)))
    L_inv = torch.transpose(torch.flip(Lf, (-2, -1)), -2, -1)
    eye = torch.eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return solve_tril(L_inv, eye.expand(L_inv.shape))


def cholesky_ok(value):
    """A bool tensor of the batch shape: whether each matrix has a Cholesky factorization."""
    flat = value.detach().reshape((-1,) + tuple(value.shape[-2:]))
    ok = []
    for m in flat:
        try:
            torch.linalg.cholesky(m)
            ok.append(True)
        except RuntimeError:  # LinAlgError is a RuntimeError, as in PyTorch
            ok.append(False)
    return torch.tensor(ok, dtype=torch.bool).reshape(value.shape[:-2])
