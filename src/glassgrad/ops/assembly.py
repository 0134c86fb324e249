"""Ops that place pieces into a tensor: block_diag, diagflat, cartesian_prod, combinations, the out-of-place
scatters select_scatter / slice_scatter / diagonal_scatter, and the in-place fill_diagonal_.

The three scatters are primitives (a copy of the input with a region replaced): the input's gradient is the
gradient with that region zeroed, the source's is the region, each written with the op itself so that second
order comes from the same code. fill_diagonal_ fills a strided view of the tensor, as PyTorch does (CopySlices
on a tensor with history; PyTorch's refusal for a leaf that requires grad).
"""
import itertools
import math

from .registry import primitive, defvjp, apply, call, records
from . import shape as S, linalg as L
from .indexing import index as _index
from .inplace import fill_
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..backends import get_array_module
from ..tensor import _new, _edge, _wrap_dim
from .. import _dtype as D

__all__ = ["block_diag", "diagflat", "cartesian_prod", "combinations", "select_scatter", "slice_scatter",
           "diagonal_scatter", "fill_diagonal_"]


# ---- block_diag: variadic, so its own node ------------------------------------------------------------------
class BlockDiagBackward0(Node):
    __slots__ = ("_boxes",)

    def apply(self, grads):
        g = grads[0]
        from ..autograd.engine import state
        out = []
        for (r0, c0, shape, dt) in self._boxes:
            rows, cols = (shape + (1, 1))[:2] if len(shape) == 2 else ((1, shape[0]) if shape else (1, 1))
            gi = g[r0:r0 + rows, c0:c0 + cols].reshape(shape)
            out.append(S._grad_as(gi, dt, state.create_graph))
        return out


def block_diag(*tensors):
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    dt = D.result_type(*tensors) if tensors else D.get_default_dtype()
    mats = [t._data.reshape((1, -1) if t._data.ndim < 2 else t._data.shape) for t in tensors]
    rows = sum(m.shape[0] for m in mats) if mats else 1
    cols = sum(m.shape[1] for m in mats)
    xp = get_array_module(*mats) if mats else get_array_module()
    out = xp.zeros((rows, cols), dt.np)
    boxes = []
    r = c = 0
    for m, t in zip(mats, tensors):
        out[r:r + m.shape[0], c:c + m.shape[1]] = m
        boxes.append((r, c, t._data.shape, t._dtype))
        r, c = r + m.shape[0], c + m.shape[1]
    edges = [_edge(t) for t in tensors]
    if grad_mode.state.grad_enabled and dt.is_floating_point and any(e is not None for e in edges):
        node = BlockDiagBackward0(tuple(e or (None, 0) for e in edges))
        node._boxes = boxes
        return _new(out, dt, node, 0)
    return _new(out, dt)


def diagflat(input, offset=0):
    return L.diag_embed(S.reshape(input, (-1,)), offset)


# ---- products of sets ---------------------------------------------------------------------------------------
def _vector(t):
    if t._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")


def cartesian_prod(*tensors):
    for t in tensors:
        _vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = S.meshgrid(*tensors, indexing="ij")
    return S.stack([S.reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    _vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _new(get_array_module(input._data).zeros(0, input._dtype.np), input._dtype)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = list(pick(range(input._data.shape[0]), r))
    xp = get_array_module(input._data)
    cols = xp.asarray(idx, dtype=xp.int64).reshape(len(idx), r)
    return S.stack([_index(input, (_new(cols[:, j].copy(), D.int64),)) for j in range(r)], 1)


# ---- scatters ----------------------------------------------------------------------------------------------
def _put(xp, x, src, key):
    out = x.copy()
    out[key] = src
    return out


def _region(xp, a, key):
    return xp.index(a, key) if records(xp) else a[key]


def _select_key(ndim, dim, index):
    return (slice(None),) * dim + (index, Ellipsis)


def _slice_key(ndim, dim, start, end, step):
    return (slice(None),) * dim + (slice(start, end, step),)


def _diagonal_key(shape, offset, dim1, dim2):
    """Index arrays that pick a diagonal, in the order diagonal() lays it out (its entries last)."""
    xp = get_array_module()
    n1, n2 = shape[dim1], shape[dim2]
    start1, start2 = (0, offset) if offset >= 0 else (-offset, 0)
    n = max(min(n1 - start1, n2 - start2), 0)
    k = xp.arange(n)
    others = [d for d in range(len(shape)) if d not in (dim1, dim2)]
    grids = xp.ix_(*[xp.arange(shape[d]) for d in others], k) if others else (k,)
    key = [None] * len(shape)
    for d, g in zip(others, grids[:-1]):
        key[d] = g
    key[dim1], key[dim2] = grids[-1] + start1, grids[-1] + start2
    return tuple(key)


def _sel_fwd(xp, x, src, *, dim, index):
    return _put(xp, x, src, _select_key(x.ndim, dim, index))


def _sel_x(grad, src, dim, index, xp):
    return call(xp, SELECT_SCATTER, grad, _zeros_like(src, grad, xp), dim=dim, index=index)


def _sel_src(grad, dim, index, xp):
    return _region(xp, grad, _select_key(grad.ndim, dim, index))


def _slc_fwd(xp, x, src, *, dim, start, end, step):
    return _put(xp, x, src, _slice_key(x.ndim, dim, start, end, step))


def _slc_x(grad, src, dim, start, end, step, xp):
    return call(xp, SLICE_SCATTER, grad, _zeros_like(src, grad, xp), dim=dim, start=start, end=end, step=step)


def _slc_src(grad, dim, start, end, step, xp):
    return _region(xp, grad, _slice_key(grad.ndim, dim, start, end, step))


def _dia_fwd(xp, x, src, *, offset, dim1, dim2):
    return _put(xp, x, src, _diagonal_key(x.shape, offset, dim1, dim2))


def _dia_x(grad, src, offset, dim1, dim2, xp):
    return call(xp, DIAGONAL_SCATTER, grad, _zeros_like(src, grad, xp), offset=offset, dim1=dim1, dim2=dim2)


def _dia_src(grad, offset, dim1, dim2, xp):
    if records(xp):
        return S.diagonal(grad, offset, dim1, dim2)
    return grad[_diagonal_key(grad.shape, offset, dim1, dim2)]


def _zeros_like(src, grad, xp):
    if records(xp):
        return xp.zeros(tuple(src.shape), dtype=grad._dtype.np)
    return xp.zeros(src.shape, dtype=grad.dtype)


SELECT_SCATTER = primitive("select_scatter", _sel_fwd)
defvjp(SELECT_SCATTER, x=_sel_x, src=_sel_src)
SLICE_SCATTER = primitive("slice_scatter", _slc_fwd)
defvjp(SLICE_SCATTER, x=_slc_x, src=_slc_src)
DIAGONAL_SCATTER = primitive("diagonal_scatter", _dia_fwd)
defvjp(DIAGONAL_SCATTER, x=_dia_x, src=_dia_src)


def _check_src(src, region):
    if tuple(src._data.shape) != tuple(region._data.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._data.shape)}, slice size = {list(region._data.shape)}")


def select_scatter(input, src, dim, index):
    region = S.select(input.detach(), dim, index)  # PyTorch's index checks
    _check_src(src, region)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    return apply(SELECT_SCATTER, (input, src), {"dim": d, "index": index % input._data.shape[d]})


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    lo, hi, st = slice(start, end, step).indices(n)
    region = S._slice(input.detach(), d, lo, max(hi, lo), st)
    _check_src(src, region)
    return apply(SLICE_SCATTER, (input, src), {"dim": d, "start": lo, "end": max(hi, lo), "step": st})


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    region = S.diagonal(input.detach(), offset, d1, d2)
    _check_src(src, region)
    return apply(DIAGONAL_SCATTER, (input, src), {"offset": offset, "dim1": d1, "dim2": d2})


# ---- fill_diagonal_ ------------------------------------------------------------------------------------------
def _strided_fwd(xp, x, *, size, stride, offset):
    item = x.itemsize
    flat = x.reshape(-1) if x.flags.c_contiguous else None
    base = flat[offset:] if flat is not None else x
    return xp.lib.stride_tricks.as_strided(base, shape=(size,), strides=(stride * item,), writeable=True)


def _strided_vjp(grad, x_shape, size, stride, offset, xp):
    z = xp.zeros(math.prod(x_shape), dtype=grad.dtype)
    z[offset:offset + (size - 1) * stride + 1:stride] = grad
    return z.reshape(x_shape)


DIAGONAL_VIEW = primitive("as_strided", _strided_fwd, view=True)
defvjp(DIAGONAL_VIEW, x=_strided_vjp)


def fill_diagonal_(input, fill_value, wrap=False):
    """Fills the main diagonal (all dimensions of equal length; a tall matrix with wrap=True starts over every
    `columns + 1` rows, as NumPy's fill_diagonal): one fill_ of a strided view, a second one for the wrapped part."""
    shape = input._data.shape
    nd = len(shape)
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    if nd > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    strides = [math.prod(shape[i + 1:]) for i in range(nd)]
    size = min(shape)
    step = sum(strides)
    fill_(_view(input, size, step, 0), fill_value)
    if wrap and nd == 2 and shape[0] > shape[1] + 1:
        start = (shape[1] + 1) * shape[1]
        rest = (math.prod(shape) - start + step - 1) // step
        if rest > 0:
            fill_(_view(input, rest, step, start), fill_value)
    return input


def _view(input, size, stride, offset):
    return apply(DIAGONAL_VIEW, (input,), {"size": size, "stride": stride, "offset": offset})


_TORCH = ("block_diag", "diagflat", "cartesian_prod", "combinations", "select_scatter", "slice_scatter",
          "diagonal_scatter")
API = {"torch": _TORCH,
       "Tensor": ("diagflat", "select_scatter", "slice_scatter", "diagonal_scatter", "fill_diagonal_"),
       "nn.functional": (), "linalg": (), "special": ()}
