"""Running and adjacent-element ops: logcumsumexp, diff (with prepend/append), and the in-place cumsum_/cumprod_.

logcumsumexp's gradient is computed in log space (the positive and negative parts of the incoming gradient
separately), so that it neither overflows nor cancels, as PyTorch's does. diff is PyTorch's composite: a cat of
the pieces, then each order a difference of two slices (SubBackward0; logical_xor for bool).
"""
from .registry import primitive, defvjp, apply, call
from .reduction import _data, wrap_dim, _sum_dtype
from .sorting import CUMSUM, CUMPROD, flip
from .inplace import apply_inplace, COPY
from . import shape as S, elementwise as E
from .creation import empty_like
from ..backends import quiet
from .. import _dtype as D

__all__ = ["logcumsumexp", "diff", "cumsum_", "cumprod_"]


# ---- logcumsumexp ------------------------------------------------------------------------------------------
def _logcumsumexp_fwd(xp, x, *, dim):
    if x.ndim == 0:
        return x.copy()
    return quiet(lambda: xp.logaddexp.accumulate(x, axis=dim))


def _reverse_logcumsumexp(a, dim, xp):
    return flip(call(xp, LOGCUMSUMEXP, flip(a, dim, xp), dim=dim), dim, xp)


def _logcumsumexp_vjp(grad, x, result, dim, xp):
    """d out_j / d x_i = exp(x_i - out_j) for j >= i: the gradient is exp(x_i) times a reversed cumulative sum
    of grad_j exp(-out_j), taken as a reversed logcumsumexp of log|grad_j| - out_j for each sign of grad."""
    if _data(x).ndim == 0:
        return grad
    g = _data(grad)
    pos, neg = (g > 0), (g < 0)
    log_pos = quiet(lambda: xp.log(xp.where(pos, grad, 1.0)))
    log_neg = quiet(lambda: xp.log(xp.where(neg, -grad, 1.0)))
    minus_inf = float("-inf")
    up = _reverse_logcumsumexp(xp.where(pos, log_pos - result, minus_inf), dim, xp)
    down = _reverse_logcumsumexp(xp.where(neg, log_neg - result, minus_inf), dim, xp)
    return quiet(lambda: xp.exp(x + up) - xp.exp(x + down))


LOGCUMSUMEXP = primitive("logcumsumexp", _logcumsumexp_fwd)
defvjp(LOGCUMSUMEXP, x=_logcumsumexp_vjp)


def logcumsumexp(input, dim):
    if input._dtype._cat < 2:
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{input._dtype.scalar_name}'")
    nd = input._data.ndim
    return apply(LOGCUMSUMEXP, (input,), {"dim": wrap_dim("logcumsumexp", dim, nd) if nd else None})


# ---- diff --------------------------------------------------------------------------------------------------------
def _check_piece(input, piece, d):
    if piece is None:
        return
    if piece._data.ndim != input._data.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i, (a, b) in enumerate(zip(input._data.shape, piece._data.shape)):
        if i != d and a != b:
            raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match that of input except "
                               f"along the differencing dimension; input.size({i}) = {a}, but got tensor.size({i}) = "
                               f"{b}")


def diff(input, n=1, dim=-1, prepend=None, append=None):
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim("diff", dim, nd)
    _check_piece(input, prepend, d)
    _check_piece(input, append, d)
    if n == 0:
        # NOTE: PyTorch returns a copy made by copy_ (CopyBackwards)
        return apply_inplace(COPY, empty_like(input), (input,))
    x = input
    if prepend is not None or append is not None:
        x = S.cat([t for t in (prepend, input, append) if t is not None], d)
    for _ in range(n):
        size = x._data.shape[d]
        later, earlier = S._slice(x, d, 1, size, 1), S._slice(x, d, 0, max(size - 1, 0), 1)
        x = E.logical_xor(later, earlier) if x._dtype is D.bool_ else E.sub(later, earlier)
    return x


# ---- cumsum_ / cumprod_ ------------------------------------------------------------------------------------
def _scan_(name, op, input, dim, dtype):
    if dtype is not None and D.to_dtype(dtype) is not input._dtype:
        raise RuntimeError(f"Bad in-place call: input tensor dtype {input._dtype.cpp_name} and output tensor dtype "
                           f"{D.to_dtype(dtype).cpp_name} should match")
    nd = input._data.ndim
    d = wrap_dim(name, dim, nd)
    return apply_inplace(op, input, (), {"dim": d if nd else None, "dtype": _sum_dtype(input, dtype)})


def cumsum_(input, dim, *, dtype=None):
    return _scan_("cumsum", CUMSUM, input, dim, dtype)


def cumprod_(input, dim, *, dtype=None):
    return _scan_("cumprod", CUMPROD, input, dim, dtype)


API = {"torch": ("logcumsumexp", "diff"),
       "Tensor": ("logcumsumexp", "diff", "cumsum_", "cumprod_"),
       "nn.functional": (), "linalg": (), "special": ()}
