"""Shape ops. The view ops share memory and the version counter with their input's base."""
import math
import warnings

from .registry import primitive, defvjp, apply
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..backends import get_array_module
from ..tensor import Tensor, _new, _edge, _wrap_dim, Size
from .. import _dtype as D

__all__ = ["Size", "view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "t", "permute",
           "expand", "expand_as", "broadcast_to", "broadcast_tensors", "narrow", "select", "unbind", "split", "chunk",
           "tensor_split", "diagonal", "unfold", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
           "row_stack", "dstack", "column_stack", "meshgrid", "contiguous", "clone", "movedim", "moveaxis",
           "swapaxes", "swapdims"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py). The copies that rearrange
# elements (flip, roll, repeat, pad ...) live in ops/layout.py, a family of their own.
_NEW = ("unflatten", "broadcast_to", "moveaxis", "tensor_split")
API = {"torch": _NEW + ("broadcast_tensors", "hstack", "vstack", "row_stack", "dstack", "column_stack", "meshgrid"),
       "Tensor": _NEW, "nn.functional": (), "linalg": (), "special": ()}


def _writable_strided(xp, a, shape, strides):
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides, writeable=True)


# ---- views ------------------------------------------------------------------------------------
def _view_fwd(xp, x, *, shape):
    try:
        return xp.reshape(x, shape, copy=False)
    except ValueError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None


VIEW = primitive("view", _view_fwd, view=True)
defvjp(VIEW, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))
RESHAPE_ALIAS = primitive("_reshape_alias", _view_fwd, view=True)
defvjp(RESHAPE_ALIAS, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))
UNSAFE_VIEW = primitive("_unsafe_view", lambda xp, x, *, shape: xp.reshape(x, shape))
defvjp(UNSAFE_VIEW, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))
ALIAS = primitive("alias", lambda xp, x: x.view(), view=True)
defvjp(ALIAS, x=lambda grad: grad)

SQUEEZE = primitive("squeeze", lambda xp, x: x.reshape(tuple(n for n in x.shape if n != 1)), view=True)
defvjp(SQUEEZE, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))


def _squeeze_dims(xp, x, *, dims):
    keep = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return x.reshape(keep)


SQUEEZE_DIM = primitive("squeeze_dim", _squeeze_dims, view=True, node="SqueezeBackward1")
defvjp(SQUEEZE_DIM, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))
SQUEEZE_DIMS = primitive("squeeze_dims", _squeeze_dims, view=True, node="SqueezeBackward2")
defvjp(SQUEEZE_DIMS, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))
UNSQUEEZE = primitive("unsqueeze", lambda xp, x, *, dim: xp.expand_dims(x, dim), view=True)
defvjp(UNSQUEEZE, x=lambda grad, x_shape, xp: xp.reshape(grad, x_shape))
# NOTE: a 0-dim tensor has one implicit dim for PyTorch (transpose(0, -1) is allowed), none for NumPy
TRANSPOSE = primitive("transpose", lambda xp, x, *, dim0, dim1: xp.swapaxes(x, dim0, dim1) if x.ndim else x.view(),
                      view=True)
defvjp(TRANSPOSE, x=lambda grad, dim0, dim1, xp: xp.swapaxes(grad, dim0, dim1) if grad.ndim else grad)
T = primitive("t", lambda xp, x: x.T, view=True)
defvjp(T, x=lambda grad, xp: xp.swapaxes(grad, 0, -1) if grad.ndim == 2 else grad)
PERMUTE = primitive("permute", lambda xp, x, *, dims: xp.transpose(x, dims), view=True)
defvjp(PERMUTE, x=lambda grad, dims, xp: xp.transpose(grad, _inverse(dims)))


def _inverse(perm):
    return tuple(sorted(range(len(perm)), key=perm.__getitem__))


def _expand_fwd(xp, x, *, shape):
    if tuple(shape) == x.shape:
        return x.view()
    # NOTE: a writable view with zero strides (NumPy's broadcast_to is read-only): PyTorch lets fill_ and zero_
    # write to an expanded tensor, and refuses other in-place ops itself.
    b = xp.broadcast_to(x, shape)
    return _writable_strided(xp, x, b.shape, b.strides)


EXPAND = primitive("expand", _expand_fwd, view=True)
defvjp(EXPAND, x=lambda grad: grad)  # the engine sums the gradient back to the input's shape


def _select_vjp(grad, x_shape, dim, index, xp):
    z = xp.zeros(x_shape, dtype=grad.dtype)
    z[(slice(None),) * dim + (index, Ellipsis)] = grad
    return z


# NOTE: the trailing Ellipsis makes NumPy return a 0-d view rather than a scalar copy.
SELECT = primitive("select", lambda xp, x, *, dim, index: x[(slice(None),) * dim + (index, Ellipsis)], view=True)
defvjp(SELECT, x=_select_vjp)


def _slice_key(dim, start, stop, step):
    return (slice(None),) * dim + (slice(start, stop, step),)


def _slice_vjp(grad, x_shape, dim, start, stop, step, xp):
    z = xp.zeros(x_shape, dtype=grad.dtype)
    z[_slice_key(dim, start, stop, step)] = grad
    return z


SLICE = primitive("slice", lambda xp, x, *, dim, start, stop, step: x[_slice_key(dim, start, stop, step)],
                  view=True)
defvjp(SLICE, x=_slice_vjp)


def _diagonal_fwd(xp, x, *, offset, dim1, dim2):
    d = xp.diagonal(x, offset, dim1, dim2)
    # NOTE: NumPy's diagonal is read-only; PyTorch's is a writable view, so rebuild it from strides.
    return _writable_strided(xp, x, d.shape, _diag_strides(x, offset, dim1, dim2, d)) if d.size else d


def _diag_strides(x, offset, dim1, dim2, d):
    rest = [s for i, s in enumerate(x.strides) if i not in (dim1, dim2)]
    return tuple(rest) + (x.strides[dim1] + x.strides[dim2],)


def _diagonal_fwd_checked(xp, x, *, offset, dim1, dim2):
    if offset >= 0:
        start = x[(slice(None),) * dim2 + (slice(offset, None),)]
    else:
        start = x[(slice(None),) * dim1 + (slice(-offset, None),)]
    return _diagonal_fwd(xp, start, offset=0, dim1=dim1, dim2=dim2)


def _diagonal_vjp(grad, x_shape, offset, dim1, dim2, xp):
    z = xp.zeros(x_shape, dtype=grad.dtype)
    if not getattr(xp, "RECORDS", False):
        _diagonal_fwd_checked(xp, z, offset=offset, dim1=dim1, dim2=dim2)[...] = grad
    else:
        diagonal(z, offset, dim1, dim2).copy_(grad)  # recorded: the gradient of the gradient flows back
    return z


DIAGONAL = primitive("diagonal", _diagonal_fwd_checked, view=True)
defvjp(DIAGONAL, x=_diagonal_vjp)


def _unfold_fwd(xp, x, *, dimension, size, step):
    n = (x.shape[dimension] - size) // step + 1
    shape = x.shape[:dimension] + (n,) + x.shape[dimension + 1:] + (size,)
    strides = x.strides[:dimension] + (x.strides[dimension] * step,) + x.strides[dimension + 1:] + \
        (x.strides[dimension],)
    return _writable_strided(xp, x, shape, strides)


def _unfold_vjp(grad, x_shape, dimension, size, step, xp):
    # Each window adds its gradient back onto the span it was cut from (windows may overlap): one strided
    # add per offset inside the window, over all windows at once.
    z = xp.zeros(x_shape, dtype=grad.dtype)
    n = grad.shape[dimension]
    lead = (slice(None),) * dimension
    for j in range(size):
        z[lead + (slice(j, j + step * (n - 1) + 1, step),)] += grad[(Ellipsis, j)]
    return z


UNFOLD = primitive("unfold", _unfold_fwd, view=True)
defvjp(UNFOLD, x=_unfold_vjp)


def _stack_grads(grad, dim, xp):
    return xp.stack(grad, dim)


UNBIND = primitive("unbind", lambda xp, x, *, dim: tuple(x[(slice(None),) * dim + (i, Ellipsis)] for i in range(x.shape[dim])),
                   view=True, nout=-1)
defvjp(UNBIND, x=_stack_grads)


def _split_fwd(xp, x, *, sizes, dim):
    out, start = [], 0
    for n in sizes:
        out.append(x[(slice(None),) * dim + (slice(start, start + n),)])
        start += n
    return tuple(out)


SPLIT = primitive("split", _split_fwd, view=True, nout=-1)
defvjp(SPLIT, x=lambda grad, dim, xp: xp.concatenate(grad, dim))
SPLIT_SIZES = primitive("split_with_sizes", _split_fwd, view=True, nout=-1)
defvjp(SPLIT_SIZES, x=lambda grad, dim, xp: xp.concatenate(grad, dim))

CLONE = primitive("clone", lambda xp, x: x.copy(order="K"))  # keeps the input's strides, as PyTorch does
defvjp(CLONE, x=lambda grad: grad)
CONTIGUOUS = primitive("contiguous", lambda xp, x: xp.array(x, order="C", copy=True), node="CloneBackward0")
defvjp(CONTIGUOUS, x=lambda grad: grad)


# ---- cat and stack: variadic, so they get their own node ----------------------------------------
class _JoinNode(Node):
    __slots__ = ("_sizes", "_dim", "_stack", "_metas")

    def apply(self, grads):
        g = grads[0]
        from ..autograd.engine import state
        out = []
        start = 0
        lead = (slice(None),) * self._dim
        for (shape, dt), n in zip(self._metas, self._sizes):
            if n is None:  # a legacy 1-D empty input that cat skipped
                gi = g.new_zeros(shape) if state.create_graph else get_array_module(g).zeros(shape, g.dtype)
            elif self._stack:
                gi = g[lead + (start,)]
            else:
                gi = g[lead + (slice(start, start + n),)]
            start += n or 0
            out.append(_grad_as(gi, dt, state.create_graph))
        return out


def _grad_as(grad, dt, create_graph):
    """An input's gradient cut from a joined gradient, in the input's dtype `dt`: a Tensor when the graph is
    being recorded (create_graph), else an array."""
    if create_graph:
        return grad if grad.dtype is dt else grad.to(dt)
    return grad if grad.dtype == dt.np else grad.astype(dt.np)


class CatBackward0(_JoinNode):
    __slots__ = ()


class StackBackward0(_JoinNode):
    __slots__ = ()


def _legacy_empty(t):
    # NOTE: cat skips 1-D empty tensors whatever the other shapes (PyTorch's legacy behaviour)
    return t._data.shape == (0,)


def _check_cat(tensors, dim):
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [(i, t._data.shape) for i, t in enumerate(tensors) if not _legacy_empty(t)]
    if not kept:
        return 0
    first = kept[0][1]
    d = _wrap_dim(dim, len(first))
    for i, shape in kept[1:]:
        if len(shape) != len(first):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(first)} and {len(shape)}")
        for k, (a, b) in enumerate(zip(first, shape)):
            if k != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got "
                                   f"size {b} for tensor number {i} in the list.")
    return d


def _check_stack(tensors, dim):
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                               f"{list(t._data.shape)} at entry {i}")
    return _wrap_dim(dim, len(first) + 1)


def _join(tensors, dim, stacking):
    tensors = list(tensors)
    if not tensors:
        if stacking:
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    d = _check_stack(tensors, dim) if stacking else _check_cat(tensors, dim)
    dt = D.result_type(*tensors)
    skip = [not stacking and _legacy_empty(t) and not all(_legacy_empty(u) for u in tensors) for t in tensors]
    arrays = [t._data if t._dtype is dt else t._data.astype(dt.np) for t, s in zip(tensors, skip) if not s]
    xp = get_array_module(arrays[0])
    out = xp.stack(arrays, d) if stacking else xp.concatenate(arrays, d)
    edges = [_edge(t) for t in tensors]
    if grad_mode.state.grad_enabled and dt.is_floating_point and any(e is not None for e in edges):
        node = (StackBackward0 if stacking else CatBackward0)(tuple(e or (None, 0) for e in edges))
        node._dim = d
        node._stack = stacking
        node._sizes = [None if s else 1 if stacking else t._data.shape[d] for t, s in zip(tensors, skip)]
        node._metas = [(t._data.shape, t._dtype) for t in tensors]
        return _new(out, dt, node, 0)
    return _new(out, dt)


def cat(tensors, dim=0, *, out=None):
    return _join(tensors, dim, False)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    return _join(tensors, dim, True)


def _atleast(t, n):
    nd = t._data.ndim
    if nd >= n:
        return t
    if n == 1:
        return reshape(t, 1)
    if n == 2:
        return reshape(t, 1, 1) if nd == 0 else unsqueeze(t, 0)
    return reshape(t, (1,) * (2 - nd) + t._data.shape + (1,))


def _nonempty(tensors, name):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    tensors = [_atleast(t, 1) for t in _nonempty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors, *, out=None):
    return cat([_atleast(t, 2) for t in _nonempty(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors, *, out=None):
    return cat([_atleast(t, 3) for t in _nonempty(tensors, "dstack")], 2)


def column_stack(tensors, *, out=None):
    tensors = _nonempty(tensors, "column_stack")
    return hstack([reshape(t, t._data.size, 1) if t._data.ndim <= 1 else t for t in tensors])


# ---- public functions --------------------------------------------------------------------------
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _infer(shape, numel):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               f"unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    if math.prod(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and not hasattr(shape[0], "__index__"):
        from .creation import _dtype_view
        return _dtype_view(input, shape[0])
    shape = _infer(_shape_arg(shape), input._data.size)
    return apply(VIEW, (input,), {"shape": shape})


def reshape(input, *shape):
    shape = _infer(_shape_arg(shape), input._data.size)
    try:
        get_array_module(input._data).reshape(input._data, shape, copy=False)
    except ValueError:
        return apply(UNSAFE_VIEW, (clone(input),), {"shape": shape})
    if not input._data.flags.c_contiguous:
        return apply(RESHAPE_ALIAS, (input,), {"shape": shape})  # PyTorch's name for a strided reshape view
    return apply(VIEW, (input,), {"shape": shape})


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shp = input._data.shape
    return reshape(input, shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:])


def squeeze(input, dim=None):
    if dim is None:
        return apply(SQUEEZE, (input,))
    nd = input._data.ndim
    if isinstance(dim, (tuple, list)):
        return apply(SQUEEZE_DIMS, (input,), {"dims": tuple(_wrap_dim(d, nd) for d in dim)})
    return apply(SQUEEZE_DIM, (input,), {"dims": (_wrap_dim(dim, nd),)})


def unsqueeze(input, dim):
    return apply(UNSQUEEZE, (input,), {"dim": _wrap_dim(dim, input._data.ndim + 1)})


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    return apply(TRANSPOSE, (input,), {"dim0": _wrap_dim(dim0, nd), "dim1": _wrap_dim(dim1, nd)})


swapaxes = swapdims = transpose


def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return apply(T, (input,))


def permute(input, *dims):
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                           f"the length of the desired ordering of dimensions i.e. input.dim() = {nd} is not "
                           f"equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(PERMUTE, (input,), {"dims": dims})


def movedim(input, source, destination):
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    src_w = [_wrap_dim(s, nd) for s in src]
    dst_w = [_wrap_dim(d, nd) for d in dst]
    for name, given, wrapped in (("source", src, src_w), ("destination", dst, dst_w)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    src, dst = src_w, dst_w
    rest = [i for i in range(nd) if i not in src]
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    it = iter(rest)
    order = [o if o is not None else next(it) for o in order]
    return permute(input, order)


moveaxis = movedim


def unflatten(input, dim, sizes):
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    sizes = [int(n) for n in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input._data.shape[d] if nd else 1
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred")
    known = math.prod(k for k in sizes if k != -1)
    if -1 in sizes and known and n % known == 0:
        sizes[sizes.index(-1)] = n // known
    if math.prod(sizes) != n:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({n}) in "
                           f"the input tensor")
    shp = input._data.shape
    return apply(VIEW, (input,), {"shape": shp[:d] + tuple(sizes) + shp[d + 1:]})


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    shp = input._data.shape
    tname = input._dtype.legacy_type
    if len(sizes) < len(shp):
        raise RuntimeError(f"expand({tname}{{{list(shp)}}}, size={list(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor "
                           f"({len(shp)})")
    lead = len(sizes) - len(shp)
    target = list(sizes)
    # NOTE: PyTorch checks from the last dimension backwards, so it reports the last mismatch
    for i in reversed(range(len(sizes))):
        s = sizes[i]
        if s == -1:
            if i < lead:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            target[i] = shp[i - lead]
        elif i >= lead and shp[i - lead] != 1 and shp[i - lead] != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({shp[i - lead]}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shp)}")
    return apply(EXPAND, (input,), {"shape": tuple(target)})


def expand_as(input, other):
    return expand(input, other._data.shape)


def broadcast_to(input, size):
    return expand(input, size)


def _broadcast_shape(shapes):
    from .inplace import broadcast_error
    out = shapes[0]
    for shape in shapes[1:]:
        n = max(len(out), len(shape))
        a, b = (1,) * (n - len(out)) + tuple(out), (1,) * (n - len(shape)) + tuple(shape)
        if any(x != y and x != 1 and y != 1 for x, y in zip(a, b)):
            raise broadcast_error(out, shape)
        out = tuple(y if x == 1 else x for x, y in zip(a, b))
    return out


def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape; one already of that shape is returned as is."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        return ()
    shape = _broadcast_shape([t._data.shape for t in tensors])
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def narrow(input, dim, start, length):
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return apply(SLICE, (input,), {"dim": d, "start": start, "stop": start + length, "step": 1})


def _slice(input, dim, start, stop, step):
    if step <= 0:
        raise ValueError("step must be greater than zero")
    n = input._data.shape[dim]
    start, stop, _ = slice(start, stop, step).indices(n)
    stop = max(stop, start)
    return apply(SLICE, (input,), {"dim": dim, "start": start, "stop": stop, "step": step})


def select(input, dim, index):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at "
                         f"dimension {d}")
    return apply(SELECT, (input,), {"dim": d, "index": index % n})


def unbind(input, dim=0):
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return apply(UNBIND, (input,), {"dim": _wrap_dim(dim, input._data.ndim)})


def split(tensor, split_size_or_sections, dim=0):
    d = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if n else [0]
        return apply(SPLIT, (tensor,), {"sizes": tuple(sizes), "dim": d})
    sizes = tuple(int(s) for s in split_size_or_sections)
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                           f"at dimension {d}), but got split_sizes={list(sizes)}")
    return apply(SPLIT_SIZES, (tensor,), {"sizes": sizes, "dim": d})


def chunk(input, chunks, dim=0):
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    size = -(-n // chunks) if n else 1
    return split(input, max(size, 1), dim)


def _split_points(spec, name):
    """tensor_split's argument as ('sections', n) or ('indices', list), with PyTorch's checks on tensors."""
    if isinstance(spec, Tensor):
        if spec._dtype is not D.int64:
            raise RuntimeError(f"{name} expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{spec._dtype.scalar_name}")
        if spec._data.ndim > 1:
            raise RuntimeError(f"{name} expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {spec._data.ndim} dims")
        return ("sections", int(spec._data)) if spec._data.ndim == 0 else ("indices", spec._data.tolist())
    if isinstance(spec, int) or hasattr(spec, "__index__"):
        return "sections", int(spec)
    return "indices", [int(i) for i in spec]


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    """Views of `input` cut at `indices` (slices clamp, as Python's do) or into `sections` near-equal parts."""
    spec = next(a for a in (indices_or_sections, sections, indices, tensor_indices_or_sections) if a is not None)
    kind, value = _split_points(spec, "tensor_split")
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _wrap_dim(dim, input._data.ndim)
    if kind == "sections":
        if value <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {value}")
        n = input._data.shape[d]
        q, r = divmod(n, value)
        value = [(q + 1) * i if i <= r else q * i + r for i in range(1, value)]
    bounds = [0] + value + [None]
    return tuple(_slice(input, d, a, b, 1) for a, b in zip(bounds, bounds[1:]))


_meshgrid_warned = [False]


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: each 0-D or 1-D tensor viewed along its own dimension and expanded to the grid."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
        if not _meshgrid_warned[0]:  # NOTE: PyTorch warns once per process
            _meshgrid_warned[0] = True
            warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                          "argument.", UserWarning, stacklevel=2)
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a "
                               f"{t._data.ndim}-D tensor of shape {list(t._data.shape)}")
        if t._dtype is not tensors[0]._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    order = list(tensors)
    swap = indexing == "xy" and len(order) >= 2
    if swap:  # "xy": the first two grid dimensions trade places (Cartesian indexing)
        order[0], order[1] = order[1], order[0]
    shape = tuple(t._data.size for t in order)
    grids = [expand(view(t, (1,) * i + (-1,) + (1,) * (len(order) - i - 1)), shape) for i, t in enumerate(order)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    return apply(DIAGONAL, (input,), {"offset": offset, "dim1": _wrap_dim(dim1, nd), "dim2": _wrap_dim(dim2, nd)})


def unfold(input, dimension, size, step):
    d = _wrap_dim(dimension, input._data.ndim)
    return apply(UNFOLD, (input,), {"dimension": d, "size": size, "step": step})


def clone(input, *, memory_format=None):
    return apply(CLONE, (input,))


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return apply(CONTIGUOUS, (input,))
