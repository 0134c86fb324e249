"""glassgrad.linalg: inverses, determinants, solvers and decompositions, with their gradients.

Batches of matrices (..., n, n) go through NumPy's batched LAPACK calls; every VJP is written with matrix
products and other recorded primitives (`call`), so that second derivatives come from the same formulas.
"""
import warnings

from .registry import primitive, defvjp, apply, call, records
from . import linalg as L
from ..backends import get_array_module
from .. import return_types as RT
from ..tensor import Tensor

__all__ = ["LinAlgError", "inv", "det", "slogdet", "solve", "cholesky", "qr", "eigh", "svd", "pinv", "matrix_exp",
           "lstsq", "diagonal"]



class LinAlgError(RuntimeError):
    """A matrix is singular, not positive-definite, or an algorithm did not converge (torch.linalg.LinAlgError)."""


LinAlgError.__module__ = "glassgrad.linalg"


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


def _data(v):
    """The array behind a VJP value (a tensor when backward builds a graph)."""
    return v._data if isinstance(v, Tensor) else v


def _host(xp, like):
    return get_array_module(like._data) if records(xp) else xp


def _eye(xp, like, n):
    """An identity mask (bool) that multiplies arrays and tensors alike."""
    return _host(xp, like).eye(n, dtype=bool)


def _inv(xp, a):
    return call(xp, INV, a)


def _batch_prefix(index, batched):
    return f"(Batch element {index}): " if batched else ""


# ---- checks --------------------------------------------------------------------------------------------------
def _matrices(A, name, square=True):
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if not A._dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {A._dtype.scalar_name}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


# ---- inv, det, slogdet ---------------------------------------------------------------------------------------
def _first_zero_pivot(np_, a):
    """(batch index, 1-based pivot) of the first matrix whose LU factorization (partial pivoting, as LAPACK's
    getrf) meets an exactly zero pivot. Only runs on the error path."""
    flat = a.reshape((-1,) + a.shape[-2:]).astype(np_.float64)
    bad = np_.flatnonzero(np_.linalg.det(flat) == 0)
    index = int(bad[0]) if bad.size else 0
    m = flat[index].copy()
    n = m.shape[0]
    for k in range(n):  # a handful of columns, on one matrix
        p = k + int(np_.argmax(np_.abs(m[k:, k])))
        m[[k, p]] = m[[p, k]]
        if m[k, k] == 0:
            return index, k + 1
        m[k + 1:, k:] -= np_.outer(m[k + 1:, k] / m[k, k], m[k, k:])
    return index, n


def _inv_fwd(xp, a):
    try:
        return xp.linalg.inv(a)
    except xp.linalg.LinAlgError:
        index, k = _first_zero_pivot(xp, a)
        raise LinAlgError(f"linalg.inv: {_batch_prefix(index, a.ndim > 2)}The diagonal element {k} is zero, the "
                          f"inversion could not be completed because the input matrix is singular.") from None


INV = primitive("linalg_inv_ex", _inv_fwd, node="LinalgInvExBackward0")
defvjp(INV, a=lambda grad, result, xp: -xp.matmul(_mT(xp, result), xp.matmul(grad, _mT(xp, result))))


def _det_vjp(grad, result, a, xp):
    # gA = g det(A) A^-T. NOTE: PyTorch solves A^T X = g det(A) I through A's LU factors; at an exactly singular
    # matrix (det 0) that right-hand side is 0 and so is its gradient (not the cofactor matrix). Same here.
    g = xp.expand_dims(xp.expand_dims(grad * result, -1), -1)
    if records(xp):
        return g * _mT(xp, _inv(xp, a))
    singular = xp.expand_dims(xp.expand_dims(result == 0, -1), -1)
    safe = xp.where(singular, xp.eye(a.shape[-1], dtype=a.dtype), a)
    return g * _mT(xp, xp.linalg.inv(safe))


DET = primitive("linalg_det", lambda xp, a: xp.linalg.det(a), node="LinalgDetBackward0")
defvjp(DET, a=_det_vjp)


def _slogdet_vjp(grad, a, xp):
    g = xp.expand_dims(xp.expand_dims(grad[1], -1), -1)
    return g * _mT(xp, _inv(xp, a))


SLOGDET = primitive("linalg_slogdet", lambda xp, a: tuple(xp.linalg.slogdet(a)), nout=2,
                    node="LinalgSlogdetBackward0")
defvjp(SLOGDET, a=_slogdet_vjp)


def inv(A, *, out=None):
    _matrices(A, "linalg.inv")
    return apply(INV, (A,))


def det(A, *, out=None):
    _matrices(A, "linalg.det")
    return apply(DET, (A,))


def slogdet(A, *, out=None):
    _matrices(A, "linalg.slogdet")
    return RT.linalg_slogdet(*apply(SLOGDET, (A,)))


def torch_slogdet(input):
    _matrices(input, "linalg.slogdet")
    return RT.slogdet(*apply(SLOGDET, (input,)))


def logdet(input):
    from .elementwise import where
    sign, logabsdet = apply(SLOGDET, (input,))
    return where(sign == -1, float("nan"), logabsdet)


# ---- solve ---------------------------------------------------------------------------------------------------
def _solve_fwd(xp, a, b, *, left=True, vector=False):
    if vector:
        b = b[..., None]
    if not left:
        a, b = _mT(xp, a), _mT(xp, b)
    batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    try:
        x = xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:]))
    except xp.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None
    if not left:
        x = _mT(xp, x)
    return x[..., 0] if vector else x


def _solve_b(grad, a, left, vector, xp):
    # A X = B: gB = A^-T gX (X A = B: gB = gX A^-T)
    return call(xp, SOLVE, _mT(xp, a), grad, left=left, vector=vector)


def _solve_a(grad, a, result, left, vector, xp):
    gb = _solve_b(grad, a, left, vector, xp)
    if vector:
        return -xp.expand_dims(gb, -1) * xp.expand_dims(result, -2)
    return -xp.matmul(gb, _mT(xp, result)) if left else -xp.matmul(_mT(xp, result), gb)


SOLVE = primitive("linalg_solve_ex", _solve_fwd, node="LinalgSolveExBackward0")
defvjp(SOLVE, a=_solve_a, b=_solve_b)


def solve(A, B, *, left=True, out=None):
    _matrices(A, "linalg.solve")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A._dtype.scalar_name} and B of type {B._dtype.scalar_name} instead")
    a, b = A._data.shape, B._data.shape
    # NOTE: PyTorch's rule: B is a batch of vectors when it is 1-D or has A's batch shape and one dimension less
    vector = left and (len(b) == 1 or (len(b) == len(a) - 1 and b == a[:-1]))
    rows = b[-1] if vector else (b[-2] if left else b[-1]) if len(b) >= 2 else b[-1]
    if rows != a[-1]:
        shown = f"{b[-1]}x1" if vector or len(b) == 1 else _x(b[-2:])
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({_x(a[-2:])} and {shown})")
    return apply(SOLVE, (A, B), {"left": left, "vector": vector})


def _x(shape):
    return "x".join(map(str, shape))


def torch_solve(input, A, *, out=None):
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed. `torch.solve` is "
                       "deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has its arguments reversed "
                       "and does not return the LU factorization.")


# ---- cholesky ------------------------------------------------------------------------------------------------
def _not_pd(xp, a, name):
    """PyTorch's message: the first failing batch element and the order of its first non-positive minor."""
    sym = xp.tril(a) + _mT(xp, xp.tril(a, -1))
    n = a.shape[-1]
    flat = sym.reshape((-1, n, n)).astype(xp.float64)
    for k in range(1, n + 1):  # the leading minors, in order (error path only)
        bad = xp.flatnonzero(~(xp.linalg.det(flat[:, :k, :k]) > 0))
        if bad.size:
            index = int(bad[0])
            order = next(j for j in range(1, n + 1) if not xp.linalg.det(flat[index, :j, :j]) > 0)
            return LinAlgError(f"{name}: {_batch_prefix(index, a.ndim > 2)}The factorization could not be completed "
                               f"because the input is not positive-definite (the leading minor of order {order} is "
                               f"not positive-definite).")
    return LinAlgError(f"{name}: The factorization could not be completed because the input is not "
                       f"positive-definite.")


def _cholesky_fwd(xp, a, *, upper=False):
    try:
        low = xp.linalg.cholesky(a)
    except xp.linalg.LinAlgError:
        raise _not_pd(xp, a, "linalg.cholesky") from None
    return _mT(xp, low).copy() if upper else low


def _cholesky_vjp(grad, result, upper, xp):
    # Iain Murray (2016), arXiv:1602.07527: gA = L^-T Phi(L^T gL) L^-1, Phi = tril with the diagonal halved,
    # made symmetric as PyTorch makes it
    low, g = (_mT(xp, result), _mT(xp, grad)) if upper else (result, grad)
    phi = xp.matmul(_mT(xp, low), g)
    phi = call(xp, L.TRIL, phi, diagonal=0) - 0.5 * (phi * _eye(xp, grad, phi.shape[-1]))
    linv = _inv(xp, low)
    ga = xp.matmul(_mT(xp, linv), xp.matmul(phi, linv))
    return 0.5 * (ga + _mT(xp, ga))


CHOLESKY = primitive("linalg_cholesky_ex", _cholesky_fwd, node="LinalgCholeskyExBackward0")
defvjp(CHOLESKY, a=_cholesky_vjp)
CHOLESKY_OLD = primitive("cholesky", _cholesky_fwd, node="CholeskyBackward0")
defvjp(CHOLESKY_OLD, a=_cholesky_vjp)


def cholesky(A, *, upper=False, out=None):
    _matrices(A, "linalg.cholesky")
    return apply(CHOLESKY, (A,), {"upper": upper} if upper else None)


_warned = set()


def _warn_once(key, msg):
    if key not in _warned:
        _warned.add(key)
        warnings.warn(msg, UserWarning, stacklevel=3)


def torch_cholesky(input, upper=False, *, out=None):
    _warn_once("cholesky", "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
                           "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
                           "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
                           "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results "
                           "for all valid (symmetric positive definite) inputs.")
    _matrices(input, "linalg.cholesky")
    return apply(CHOLESKY_OLD, (input,), {"upper": upper} if upper else None)


# ---- qr ------------------------------------------------------------------------------------------------------
_QR_MODES = ("reduced", "complete", "r")


def _qr_fwd(xp, a, *, mode="reduced"):
    if mode == "r":
        return xp.zeros((0,), a.dtype), xp.linalg.qr(a, mode="r")
    return tuple(xp.linalg.qr(a, mode=mode))


def _qr_tall(xp, gq, gr, q, r):
    # m >= n: gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q, copyltu(M) = tril(M) + tril(M, -1)^T
    m = xp.matmul(r, _mT(xp, gr)) - xp.matmul(_mT(xp, gq), q)
    sym = call(xp, L.TRIL, m, diagonal=0) + _mT(xp, call(xp, L.TRIL, m, diagonal=-1))
    return xp.matmul(gq + xp.matmul(q, sym), _mT(xp, _inv(xp, r)))


def _qr_vjp(grad, result, mode, xp):
    gq, gr = grad
    q, r = result
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                           "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    m, n = q.shape[-2], r.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    if m >= n:
        return _qr_tall(xp, gq, gr, q, r)
    # m < n: A = [X | Y] with X = Q R1 square and Y = Q R2; Y feeds Q's gradient through R2 = Q^T Y
    r1, r2 = r[..., :, :m], r[..., :, m:]
    gr1, gr2 = gr[..., :, :m], gr[..., :, m:]
    y = xp.matmul(q, r2)
    gx = _qr_tall(xp, gq + xp.matmul(y, _mT(xp, gr2)), gr1, q, r1)
    return xp.concatenate((gx, xp.matmul(q, gr2)), -1)


QR = primitive("linalg_qr", _qr_fwd, nout=2, node="LinalgQrBackward0")
defvjp(QR, a=_qr_vjp)


def qr(A, mode="reduced", *, out=None):
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    _matrices(A, "linalg.qr", square=False)
    return RT.linalg_qr(*apply(QR, (A,), {"mode": mode}))


def torch_qr(input, some=True, *, out=None):
    _warn_once("qr", "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                     "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R "
                     "= torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else "
                     "'complete')")
    _matrices(input, "linalg.qr", square=False)
    return RT.qr(*apply(QR, (input,), {"mode": "reduced" if some else "complete"}))


# ---- eigh ----------------------------------------------------------------------------------------------------
def _eigh_vjp(grad, result, xp):
    # gA = V (diag(gL) + skew(V^T gV) / E) V^T, E_ij = L_j - L_i (distinct eigenvalues), as PyTorch
    gl, gv = grad
    lam, v = result
    n = lam.shape[-1]
    eye = _eye(xp, lam, n)
    vgv = xp.matmul(_mT(xp, v), gv)
    vgv = 0.5 * (vgv - _mT(xp, vgv))
    e = xp.expand_dims(lam, -2) - xp.expand_dims(lam, -1) + eye
    inner = vgv / e + xp.expand_dims(gl, -2) * eye
    return xp.matmul(v, xp.matmul(inner, _mT(xp, v)))


EIGH = primitive("linalg_eigh", lambda xp, a, *, UPLO="L": tuple(xp.linalg.eigh(a, UPLO=UPLO)), nout=2,
                 node="LinalgEighBackward0")
defvjp(EIGH, a=_eigh_vjp)


def eigh(A, UPLO="L", *, out=None):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    if A._data.ndim >= 2 and not A._dtype.is_floating_point:
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{A._dtype.scalar_name}'")
    _matrices(A, "linalg.eigh")
    return RT.linalg_eigh(*apply(EIGH, (A,), {"UPLO": UPLO}))


# ---- svd -----------------------------------------------------------------------------------------------------
def _svd_fwd(xp, a, *, full_matrices=True):
    try:
        return tuple(xp.linalg.svd(a, full_matrices=full_matrices))
    except xp.linalg.LinAlgError:
        raise LinAlgError("linalg.svd: The algorithm failed to converge because the input matrix contained "
                          "non-finite values.") from None


def _svd_vjp(grad, result, full_matrices, xp):
    # PyTorch's svd_backward (distinct singular values): the gauge-invariant part of the gradient, with the
    # correction terms of a non-square A; the extra columns of full U / V do not contribute
    gu, gs, gvh = grad
    u, s, vh = result
    k = s.shape[-1]
    if full_matrices:
        gu, u, gvh, vh = gu[..., :, :k], u[..., :, :k], gvh[..., :k, :], vh[..., :k, :]
    if not (_data(gu).any() or _data(gvh).any()):
        # NOTE: only S is used (svdvals, nuclear and spectral norms): PyTorch's U diag(gS) Vh, which stays finite
        # where singular values repeat
        return xp.matmul(u * xp.expand_dims(gs, -2), vh)
    m, n = u.shape[-2], vh.shape[-1]
    eye = _eye(xp, s, k)
    ugu = xp.matmul(_mT(xp, u), gu)
    vgv = xp.matmul(vh, _mT(xp, gvh))
    ugu, vgv = ugu - _mT(xp, ugu), vgv - _mT(xp, vgv)
    s2 = s * s
    e = xp.expand_dims(s2, -2) - xp.expand_dims(s2, -1) + eye
    inner = (ugu * xp.expand_dims(s, -2) + xp.expand_dims(s, -1) * vgv) / e + xp.expand_dims(gs, -2) * eye
    if m > n:
        gus = gu / xp.expand_dims(s, -2)
        ga = xp.matmul(u, inner) + gus - xp.matmul(u, xp.matmul(_mT(xp, u), gus))
        return xp.matmul(ga, vh)
    if m < n:
        sgvh = gvh / xp.expand_dims(s, -1)
        ga = xp.matmul(inner, vh) + sgvh - xp.matmul(xp.matmul(sgvh, _mT(xp, vh)), vh)
        return xp.matmul(u, ga)
    return xp.matmul(u, xp.matmul(inner, vh))


SVD = primitive("linalg_svd", _svd_fwd, nout=3, node="LinalgSvdBackward0")
defvjp(SVD, a=_svd_vjp)


def svd(A, full_matrices=True, *, driver=None, out=None):
    _matrices(A, "linalg.svd", square=False)
    return RT.linalg_svd(*apply(SVD, (A,), {"full_matrices": full_matrices}))


def torch_svd(input, some=True, compute_uv=True, *, out=None):
    from .shape import transpose
    _matrices(input, "linalg.svd", square=False)
    if not compute_uv:
        # NOTE: U and V come back zero-filled, (m, m) and (n, n), as PyTorch's; only S is computed
        from .creation import zeros
        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        s = apply(SVD, (input,), {"full_matrices": False})[1]
        return RT.svd(zeros(batch + (m, m), dtype=input.dtype), s, zeros(batch + (n, n), dtype=input.dtype))
    u, s, vh = apply(SVD, (input,), {"full_matrices": not some})
    return RT.svd(u, s, transpose(vh, -2, -1))


# ---- pinv ----------------------------------------------------------------------------------------------------
def _tolerances(xp, a, atol, rtol):
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else xp.finfo(a.dtype).eps * max(a.shape[-2:])
    return 0.0 if atol is None else atol, rtol


def _pinv_fwd(xp, a, *, atol=None, rtol=None, hermitian=False):
    atol, rtol = _tolerances(xp, a, atol, rtol)
    if a.size == 0:
        return xp.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)
    if hermitian:
        lam, v = xp.linalg.eigh(a)
        s = xp.abs(lam)
        keep = s > xp.maximum(atol, rtol * xp.max(s, -1, keepdims=True))
        inv_l = xp.where(keep, 1 / xp.where(keep, lam, 1), 0).astype(a.dtype)
        return xp.matmul(v * xp.expand_dims(inv_l, -2), _mT(xp, v))
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    keep = s > xp.maximum(atol, rtol * s[..., :1])
    inv_s = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
    return xp.matmul(_mT(xp, vh) * xp.expand_dims(inv_s, -2), _mT(xp, u))


def _pinv_vjp(grad, result, a, xp):
    # PyTorch's pinv_backward: the derivative of A+ on the set of matrices of A's rank
    p, ph, gh = result, _mT(xp, result), _mT(xp, grad)
    if a.shape[-2] <= a.shape[-1]:
        k = xp.matmul(gh, p)
        kph = xp.matmul(k, ph)
        return (-_mT(xp, xp.matmul(p, k)) + kph - xp.matmul(xp.matmul(a, p), kph)
                + xp.matmul(xp.matmul(ph, p), gh - xp.matmul(k, a)))
    k = xp.matmul(p, gh)
    phk = xp.matmul(ph, k)
    return (-_mT(xp, xp.matmul(k, p)) + xp.matmul(xp.matmul(gh - xp.matmul(a, k), p), ph) + phk
            - xp.matmul(xp.matmul(phk, p), a))


PINV = primitive("linalg_pinv", _pinv_fwd, node="LinalgPinvBackward0")
defvjp(PINV, a=_pinv_vjp)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    if A._data.ndim < 2 or not A._dtype.is_floating_point:
        raise RuntimeError(f"linalg.pinv({A._dtype.scalar_name}{{{list(A._data.shape)}}}): expected a tensor with 2 "
                           f"or more dimensions of float, double, cfloat or cdouble types")
    if isinstance(atol, Tensor) or isinstance(rtol, Tensor):
        raise NotImplementedError("glassgrad.linalg.pinv: atol and rtol are Python floats here, not tensors")
    kw = {k: v for k, v in (("atol", atol), ("rtol", rtol), ("hermitian", hermitian)) if v not in (None, False)}
    return apply(PINV, (A,), kw or None)


def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond, atol=0.0) if rcond else pinv(input, atol=0.0, rtol=0.0)


# ---- matrix_exp ----------------------------------------------------------------------------------------------
def _matrix_exp_fwd(xp, a):
    """Scaling and squaring: exp(A) = exp(A / 2^s)^(2^s), the scaled exponential by its Taylor series (degree 18,
    for a 1-norm at most 1/2: the remainder is below 1e-22). Each matrix of a batch gets its own s."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    norm = xp.max(xp.sum(xp.abs(a), axis=-2), axis=-1)
    # NOTE: in float64, so that the floor that keeps log2 finite does not underflow to 0 in float32
    s = xp.maximum(0, xp.ceil(xp.log2(xp.maximum(norm.astype(xp.float64), 1e-300) / 0.5))).astype(xp.int64)
    s = xp.where(xp.isfinite(norm), s, 0)
    x = a / (2.0 ** s)[..., None, None].astype(a.dtype)
    eye = xp.broadcast_to(xp.eye(n, dtype=a.dtype), a.shape)
    out = eye
    for k in range(18, 0, -1):  # Horner: I + X/1 (I + X/2 (I + ... ))
        out = eye + xp.matmul(x, out) / k
    for j in range(int(s.max()) if s.size else 0):  # a handful of squarings
        out = xp.where((j < s)[..., None, None], xp.matmul(out, out), out)
    return out


def _matrix_exp_vjp(grad, a, xp):
    # the gradient is the upper-right block of exp([[A^T, G], [0, A^T]])
    at = _mT(xp, a)
    zero = xp.zeros(a.shape, dtype=grad.dtype)
    block = xp.concatenate((xp.concatenate((at, grad), -1), xp.concatenate((zero, at), -1)), -2)
    n = a.shape[-1]
    return call(xp, MATRIX_EXP, block)[..., :n, n:]


MATRIX_EXP = primitive("linalg_matrix_exp", _matrix_exp_fwd, node="LinalgMatrixExpBackward0")
defvjp(MATRIX_EXP, a=_matrix_exp_vjp)


def matrix_exp(A):
    _matrices(A, "linalg.matrix_exp")
    return apply(MATRIX_EXP, (A,))


# ---- lstsq ---------------------------------------------------------------------------------------------------
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq_fwd(xp, a, b, *, rcond=None, driver="gelsy", vector=False):
    """The minimum-norm least-squares solution through an SVD; which extra outputs are filled in follows the
    LAPACK driver PyTorch would call (gelsy: rank only; gelsd/gelss: rank, singular values, residuals; gels:
    residuals)."""
    if vector:
        b = b[..., None]
    m, n = a.shape[-2:]
    batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, batch + (m, n))
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    if rcond is None:
        rcond = xp.finfo(a.dtype).eps * max(m, n)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    smax = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    keep = s > rcond * smax
    inv_s = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
    x = xp.matmul(_mT(xp, vh) * xp.expand_dims(inv_s, -2), xp.matmul(_mT(xp, u), b))
    rank = xp.sum(keep, -1).astype(xp.int64)
    empty = xp.zeros((0,), a.dtype)
    residuals = empty
    if driver != "gelsy" and m > n and (driver == "gels" or bool(xp.all(rank == n))):
        residuals = xp.sum((xp.matmul(a, x) - b) ** 2, axis=-2)
    if vector:
        x = x[..., 0]
    if driver == "gels":
        rank = xp.zeros((0,), xp.int64)
    return x, residuals, rank, (s if driver in ("gelsd", "gelss") else empty)


def _lstsq_a(grad, a, b, result, vector, xp):
    gx, gres = grad[0], grad[1]
    x = result[0]
    if vector:
        gx, b, x = xp.expand_dims(gx, -1), xp.expand_dims(b, -1), xp.expand_dims(x, -1)
    p = call(xp, PINV, a)
    ga = _pinv_vjp(xp.matmul(gx, _mT(xp, b)), p, a, xp)
    if gres.shape[-1:] != (0,):
        # residuals ||A x - b||^2 at the optimum: the solution's own change does not move them (A^T r = 0)
        r = xp.matmul(a, x) - b
        ga = ga + 2 * xp.matmul(r * xp.expand_dims(gres, -2), _mT(xp, x))
    return ga


def _lstsq_b(grad, a, b, result, vector, xp):
    gx, gres = grad[0], grad[1]
    if vector:
        gx = xp.expand_dims(gx, -1)
    p = call(xp, PINV, a)
    gb = xp.matmul(_mT(xp, p), gx)
    if gres.shape[-1:] != (0,):
        x = xp.expand_dims(result[0], -1) if vector else result[0]
        r = xp.matmul(a, x) - (xp.expand_dims(b, -1) if vector else b)
        gb = gb - 2 * r * xp.expand_dims(gres, -2)
    return gb[..., 0] if vector else gb


LSTSQ = primitive("linalg_lstsq", _lstsq_fwd, nout=4, nondiff_outputs=(2, 3), node="LinalgLstsqBackward0")
defvjp(LSTSQ, a=_lstsq_a, b=_lstsq_b)


def lstsq(A, B, rcond=None, *, driver=None):
    if A._data.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if not A._dtype.is_floating_point:
        raise RuntimeError("This function doesn't handle types other than float and double")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {A._dtype.scalar_name} and other's dtype {B._dtype.scalar_name}")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    a, b = A._data.shape, B._data.shape
    vector = B._data.ndim == A._data.ndim - 1
    if (b[-1] if vector else b[-2]) != a[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size({-1 if vector else -2})")
    kw = {"driver": driver, "vector": vector}
    if rcond is not None:
        kw["rcond"] = rcond
    return RT.linalg_lstsq(*apply(LSTSQ, (A, B), kw))


def torch_lstsq(input, A, *, out=None):
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed. `torch.lstsq` is "
                       "deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed arguments "
                       "and does not return the QR decomposition in the returned tuple (although it returns other "
                       "information about the problem).")


# ---- linalg.diagonal -----------------------------------------------------------------------------------------
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: torch.diagonal with the last two dimensions as defaults."""
    from .shape import diagonal as _diagonal
    return _diagonal(A, offset, dim1, dim2)


# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
_TORCH = {"det": det, "slogdet": torch_slogdet, "logdet": logdet, "inverse": inv, "pinverse": pinverse,
          "cholesky": torch_cholesky, "qr": torch_qr, "svd": torch_svd, "matrix_exp": matrix_exp,
          "solve": torch_solve, "lstsq": torch_lstsq}
API = {"torch": _TORCH, "Tensor": _TORCH, "nn.functional": (),
       "linalg": ("LinAlgError", "inv", "det", "slogdet", "solve", "cholesky", "qr", "eigh", "svd", "pinv",
                  "matrix_exp", "lstsq", "diagonal"),
       "special": ()}
