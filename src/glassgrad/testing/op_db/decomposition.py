"""OpInfo rows: glassgrad.linalg: inverses, decompositions and solvers.

Decompositions are differentiable where they are unique: the samples are well-conditioned (A + nI), symmetric
positive-definite inputs are built as M M^T + nI, and the row lambdas make gradcheck's perturbations stay valid
(symmetrize before eigh / cholesky) and compare gauge-dependent outputs (signs of eigen- and singular vectors)
through gauge-invariant functions (their absolute values), as PyTorch's own OpInfo does.
"""
import numpy as np

from ..opinfo import OpInfo, S, E
from ...ops.decomposition import LinAlgError



def _wc(make, *shape):
    """A well-conditioned (batch of) square matrices: random plus n on the diagonal."""
    a = make(*shape)
    return (a + shape[-1] * np.eye(shape[-1])).astype(a.dtype)


def _spd(make, *shape):
    m = make(*shape)
    return (m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(m.dtype)


def _sym(m, a):
    """The symmetric part of a float square matrix (other inputs pass through, to reach the op's checks)."""
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or not a.is_floating_point():
        return a
    return (a + a.mT) / 2


def _sym_np(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def _square_errors(name, call=None):
    call = call or (lambda a: a)

    def gen(make):
        return [E("rect", RuntimeError, rf"linalg.{name}: A must be batches of square matrices, but they are 2 by 3 "
                  r"matrices", make(2, 3)),
                E("1d", RuntimeError, rf"linalg.{name}: The input tensor A must have at least 2 dimensions\.", make(3)),
                E("int", RuntimeError, rf"linalg.{name}: Expected a floating point or complex tensor as input\. Got "
                  r"Long", np.eye(2, dtype=np.int64))]
    return gen


def _singular(make):
    return np.array([[1.0, 2.0], [2.0, 4.0]], dtype=np.float32)


def _inv_errors(make):
    batch = np.stack([np.eye(2, dtype=np.float32), _singular(make)])
    return _square_errors("inv")(make) + [
        E("singular", LinAlgError, r"linalg.inv: The diagonal element 2 is zero, the inversion could not be "
          r"completed because the input matrix is singular\.", _singular(make)),
        E("batch_singular", LinAlgError, r"linalg.inv: \(Batch element 1\): The diagonal element 2 is zero",
          batch)]


def _slogdet_ref(a):
    sign, logabs = np.linalg.slogdet(a)
    return [np.asarray(sign), np.asarray(logabs)]


def _solve_ref(a, b, left=True):
    if not left:
        return np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    if b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]):
        return np.linalg.solve(a, b[..., None])[..., 0]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:]))


ROWS = [
    OpInfo("linalg.inv", lambda m, a: m.linalg.inv(a), np.linalg.inv,
           lambda make: [S("3x3", _wc(make, 3, 3)), S("batch", _wc(make, 2, 3, 3)), S("1x1", _wc(make, 1, 1)),
                         S("empty", make(0, 0)), S("empty_batch", make(0, 2, 2))],
           api=("linalg.inv", "inverse"), error_inputs=_inv_errors),
    OpInfo("linalg.det", lambda m, a: m.linalg.det(a), lambda a: np.asarray(np.linalg.det(a)),
           lambda make: [S("3x3", make(3, 3)), S("batch", make(2, 3, 3)), S("1x1", make(1, 1)),
                         # NOTE: PyTorch's gradient at an exactly singular matrix is 0, not the cofactor matrix
                         S("singular", _singular(make).astype(make(1).dtype), gradcheck=False),
                         S("singular_batch", np.stack([_singular(make), np.eye(2)]).astype(make(1).dtype),
                           gradcheck=False),
                         S("empty", make(0, 0))],
           api=("linalg.det", "det"), error_inputs=_square_errors("det")),
    OpInfo("linalg.slogdet", lambda m, a: tuple(m.linalg.slogdet(a)), _slogdet_ref,
           lambda make: [S("3x3", _wc(make, 3, 3)), S("negative", -_wc(make, 3, 3)), S("batch", _wc(make, 2, 2, 2))],
           api=("linalg.slogdet", "slogdet"), error_inputs=_square_errors("slogdet")),
    OpInfo("logdet", lambda m, a: m.logdet(a), lambda a: np.asarray(np.log(np.linalg.det(a))),
           lambda make: [S("spd", _spd(make, 3, 3)), S("batch", _spd(make, 2, 2, 2))], api=("logdet",)),
    OpInfo("linalg.solve", lambda m, a, b, **kw: m.linalg.solve(a, b, **kw), _solve_ref,
           lambda make: [S("vector", _wc(make, 3, 3), make(3)), S("matrix", _wc(make, 3, 3), make(3, 2)),
                         S("batch_vectors", _wc(make, 2, 3, 3), make(2, 3)),
                         S("bcast_A", _wc(make, 3, 3), make(2, 3, 2)), S("bcast_B", _wc(make, 2, 3, 3), make(3, 4)),
                         S("left_false", _wc(make, 3, 3), make(2, 3), left=False)],
           api=("linalg.solve", "solve"),
           error_inputs=lambda make: [
               E("shapes", RuntimeError, r"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                 r"\(3x3 and 4x2\)", _wc(make, 3, 3), make(4, 2)),
               E("dtypes", RuntimeError, r"linalg.solve: Expected A and B to have the same dtype, but found A of "
                 r"type Float and B of type Double instead", _wc(make, 3, 3), make(3).astype(np.float64)),
               E("singular", LinAlgError, r"torch.linalg.solve: The solver failed because the input matrix is "
                 r"singular\.", _singular(make), make(2))]),
]


# ---- decompositions -------------------------------------------------------------------------------------------
def _cholesky_ref(a, upper=False):
    low = np.linalg.cholesky(_sym_np(a))
    return np.swapaxes(low, -1, -2) if upper else low


def _cholesky_errors(make):
    batch = np.stack([np.eye(2, dtype=np.float32), -np.eye(2, dtype=np.float32)])
    return _square_errors("cholesky")(make) + [
        E("not_pd", LinAlgError, r"linalg.cholesky: The factorization could not be completed because the input is "
          r"not positive-definite \(the leading minor of order 2 is not positive-definite\)\.",
          np.array([[1.0, 2.0], [2.0, 1.0]], dtype=np.float32)),
        E("batch_not_pd", LinAlgError, r"linalg.cholesky: \(Batch element 1\): The factorization could not be "
          r"completed because the input is not positive-definite \(the leading minor of order 1", batch)]


def _qr_ref(a, mode="reduced"):
    q, r = np.linalg.qr(a, mode=mode) if mode != "r" else (np.zeros((0,), a.dtype), np.linalg.qr(a, mode="r"))
    return [q, r]


def _eigh_op(m, a, **kw):
    lam, v = m.linalg.eigh(_sym(m, a), **kw)
    return lam, v.abs()


def _eigh_ref(a, UPLO="L"):
    lam, v = np.linalg.eigh(_sym_np(a), UPLO=UPLO)
    return [lam, np.abs(v)]


# NOTE: the extra columns of full U / V are any basis of a complement: PyTorch's gradient ignores them, and so does
# the comparison (their first min(m, n) columns only, as PyTorch's OpInfo)
def _svd_op(m, a, **kw):
    u, s, vh = m.linalg.svd(a, **kw)
    k = s.shape[-1]
    return u[..., :k].abs(), s, vh[..., :k, :].abs()


def _svd_ref(a, full_matrices=True):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return [np.abs(u), s, np.abs(vh)]


def _torch_svd_op(m, a, **kw):
    u, s, v = m.svd(a, **kw)
    k = s.shape[-1]
    return u[..., :k].abs(), s, v[..., :k].abs()


def _torch_svd_ref(a, some=True, compute_uv=True):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    if not compute_uv:
        return [np.zeros_like(u), s, np.zeros_like(vh)]
    return [np.abs(u), s, np.abs(np.swapaxes(vh, -1, -2))]


ROWS += [
    OpInfo("linalg.cholesky", lambda m, a, **kw: m.linalg.cholesky(_sym(m, a), **kw), _cholesky_ref,
           lambda make: [S("3x3", _spd(make, 3, 3)), S("upper", _spd(make, 3, 3), upper=True),
                         S("batch", _spd(make, 2, 2, 2)), S("1x1", _spd(make, 1, 1))],
           api=("linalg.cholesky",), error_inputs=_cholesky_errors),
    OpInfo("cholesky", lambda m, a, *args: m.cholesky(_sym(m, a), *args), _cholesky_ref,
           lambda make: [S("lower", _spd(make, 3, 3)), S("upper", _spd(make, 3, 3), True)], api=("cholesky",)),
    OpInfo("linalg.qr", lambda m, a, **kw: tuple(m.linalg.qr(a, **kw)), _qr_ref,
           lambda make: [S("tall", make(4, 3)), S("square", make(3, 3)),
                         S("wide", make(2, 4)), S("batch", make(2, 3, 2)), S("complete_square", make(3, 3),
                                                                              mode="complete"),
                         S("complete_wide", make(2, 3), mode="complete")],
           api=("linalg.qr",),
           error_inputs=lambda make: [E("mode", RuntimeError, r"qr received unrecognized mode 'foo' but expected one "
                                        r"of 'reduced' \(default\), 'r', or 'complete'", make(3, 2), mode="foo")]),
    OpInfo("linalg.qr_nograd", lambda m, a, **kw: tuple(m.linalg.qr(a.detach(), **kw)), _qr_ref,
           lambda make: [S("r", make(4, 3), mode="r"), S("complete_tall", make(4, 3), mode="complete")],
           api=("qr",), supports_grad=False),
    OpInfo("linalg.eigh", _eigh_op, _eigh_ref,
           lambda make: [S("3x3", make(3, 3)), S("upper", make(3, 3), UPLO="U"), S("batch", make(2, 3, 3)),
                         S("1x1", make(1, 1))],
           api=("linalg.eigh",),
           error_inputs=lambda make: [E("uplo", RuntimeError, r"Expected UPLO argument to be 'L' or 'U', but got X",
                                        make(3, 3), UPLO="X")]),
    OpInfo("linalg.svd", _svd_op, _svd_ref,
           lambda make: [S("square", make(3, 3), full_matrices=False), S("tall", make(4, 3), full_matrices=False),
                         S("wide", make(2, 4), full_matrices=False), S("batch", make(2, 3, 2), full_matrices=False),
                         S("full_tall", make(3, 2)), S("full_wide", make(2, 3), full_matrices=True)],
           api=("linalg.svd",),
           error_inputs=lambda make: [E("nan", LinAlgError, r"linalg.svd: The algorithm failed to converge because "
                                        r"the input matrix contained non-finite values\.",
                                        np.full((2, 2), np.nan, np.float32))]),
    OpInfo("svd", _torch_svd_op, _torch_svd_ref,
           lambda make: [S("some", make(3, 2)), S("all", make(2, 3), some=False),
                         S("no_uv", make(3, 2), compute_uv=False)], api=("svd",)),
    OpInfo("linalg.pinv", lambda m, a, **kw: m.linalg.pinv(_sym(m, a) if kw.get("hermitian") else a, **kw),
           lambda a, hermitian=False, **kw: np.linalg.pinv(_sym_np(a) if hermitian else a),
           lambda make: [S("tall", make(4, 3)), S("wide", make(2, 4)), S("square", _wc(make, 3, 3)),
                         S("batch", make(2, 3, 2)), S("hermitian", _spd(make, 3, 3), hermitian=True),
                         S("rtol", make(3, 2), rtol=1e-3), S("atol", make(3, 2), atol=1e-3)],
           api=("linalg.pinv", "pinverse"), tol={"float32": (1e-4, 1e-5)},
           error_inputs=lambda make: [E("1d", RuntimeError, r"linalg.pinv\(Float\{\[3\]\}\): expected a tensor with 2 "
                                        r"or more dimensions of float, double, cfloat or cdouble types", make(3))]),
]


# ---- matrix_exp, lstsq ----------------------------------------------------------------------------------------
def _expm_ref(a):
    """exp(A) by eigendecomposition in complex128 (the samples are diagonalizable)."""
    if a.size == 0:
        return a.copy()
    w, v = np.linalg.eig(a.astype(np.float64))
    out = (v * np.exp(w)[..., None, :]) @ np.linalg.inv(v)
    return out.real.astype(a.dtype)


def _lstsq_op(m, a, b, *args, **kw):
    # NOTE: singular_values (which never require grad) are compared in linalg.lstsq_outputs: glassgrad's gradcheck
    # differentiates every output numerically, where PyTorch's checks only those that require grad
    x, res, rank, _ = m.linalg.lstsq(a, b, *args, **kw)
    return x, res, rank


def _lstsq_outputs_op(m, a, b, *args, **kw):
    return tuple(m.linalg.lstsq(a.detach(), b.detach(), *args, **kw))


def _lstsq_ref(a, b, rcond=None, driver=None):
    vector = b.ndim == a.ndim - 1
    bm = b[..., None] if vector else b
    x = np.linalg.pinv(a) @ bm
    m, n = a.shape[-2:]
    s = np.linalg.svd(a, compute_uv=False)
    rank = np.asarray((s > np.finfo(a.dtype).eps * max(m, n) * s[..., :1]).sum(-1))
    full = driver in ("gelsd", "gelss", "gels") and m > n
    residuals = ((a @ x - bm) ** 2).sum(-2) if full else np.zeros((0,), a.dtype)
    x = x[..., 0] if vector else x
    sv = s if driver in ("gelsd", "gelss") else np.zeros((0,), a.dtype)
    return [x, residuals, rank if driver != "gels" else np.zeros((0,), np.int64), sv]


def _lstsq_samples(make):
    return [S("default", make(4, 3), make(4, 2)), S("vector", make(4, 3), make(4)),
            S("gelsd", make(4, 3), make(4, 2), driver="gelsd"), S("gelss_vector", make(4, 3), make(4), driver="gelss"),
            S("gels", make(4, 3), make(4, 2), driver="gels"), S("batch", make(2, 4, 3), make(2, 4, 2), driver="gelsd"),
            S("square", _wc(make, 3, 3), make(3, 2)), S("wide", make(2, 3), make(2, 2), driver="gelsd")]


ROWS += [
    OpInfo("linalg.matrix_exp", lambda m, a: m.linalg.matrix_exp(a), _expm_ref,
           lambda make: [S("3x3", make(3, 3)), S("batch", make(2, 2, 2)), S("1x1", make(1, 1)),
                         S("large", 3 * make(3, 3)), S("small", 1e-3 * make(2, 2)), S("empty", make(0, 0))],
           api=("linalg.matrix_exp", "matrix_exp"), tol={"float32": (1e-4, 1e-5)},
           error_inputs=_square_errors("matrix_exp")),
    OpInfo("linalg.lstsq", _lstsq_op, lambda *a, **kw: _lstsq_ref(*a, **kw)[:3], _lstsq_samples,
           api=("linalg.lstsq", "lstsq"), tol={"float32": (1e-4, 1e-5)},
           error_inputs=lambda make: [
               E("driver", RuntimeError, r"torch.linalg.lstsq: parameter `driver` should be one of \(gels, gelsy, "
                 r"gelsd, gelss\)", make(4, 3), make(4, 2), driver="foo"),
               E("rows", RuntimeError, r"torch.linalg.lstsq: input.size\(-2\) should match other.size\(-2\)",
                 make(4, 3), make(3, 2))]),
    OpInfo("linalg.lstsq_outputs", _lstsq_outputs_op, _lstsq_ref, _lstsq_samples, api=("linalg.lstsq",),
           supports_grad=False, tol={"float32": (1e-4, 1e-5)}),
    OpInfo("linalg.diagonal", lambda m, a, **kw: m.linalg.diagonal(a, **kw),
           lambda a, offset=0, dim1=-2, dim2=-1: np.diagonal(a, offset, dim1, dim2),
           lambda make: [S("batch", make(2, 3, 3)), S("offset", make(3, 4), offset=1),
                         S("dims", make(2, 3, 4), dim1=0, dim2=2)],
           api=("linalg.diagonal",)),
]
