"""Shape conveniences PyTorch programs use: ravel, atleast_1d/2d/3d, vsplit/hsplit/dsplit, split_with_sizes,
unsafe_split/unsafe_chunk, sum_to_size, resize_/resize_as_, and the in-place view ops squeeze_, unsqueeze_, t_,
transpose_ (swapaxes_, swapdims_).

An in-place view op changes the tensor's shape and strides, not its values: the tensor takes a view of its own
memory, its version moves on (PyTorch bumps it too), and when recorded its grad_fn becomes the op's node
(SqueezeBackward4, TBackward1 ... as PyTorch names the in-place overloads), whose input is the old history. A
tensor that is itself a view keeps re-deriving from its base: its view function gains the op.
"""
import math
import operator

from .registry import primitive, defvjp, apply
from . import shape as S
from .inplace import check_inplace, will_record
from ..backends import get_array_module
from ..tensor import Tensor, _wrap_dim, set_history
from .unary import check_tensor

__all__ = ["ravel", "atleast_1d", "atleast_2d", "atleast_3d", "vsplit", "hsplit", "dsplit", "split_with_sizes",
           "unsafe_split", "unsafe_chunk", "sum_to_size", "resize_", "resize_as_", "squeeze_", "unsqueeze_", "t_",
           "transpose_", "SQUEEZE_DIM_"]


# ---- in-place view ops -----------------------------------------------------------------------------------
def _reshape_back(grad, x_shape, xp):
    return xp.reshape(grad, x_shape)


def _squeeze_fwd(xp, x, *, dims):
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if not (n == 1 and (dims is None or i in dims))))


SQUEEZE_ = primitive("squeeze_", _squeeze_fwd, node="SqueezeBackward3")
SQUEEZE_DIM_ = primitive("squeeze_dim_", _squeeze_fwd, node="SqueezeBackward4")
SQUEEZE_DIMS_ = primitive("squeeze_dims_", _squeeze_fwd, node="SqueezeBackward5")
UNSQUEEZE_ = primitive("unsqueeze_", lambda xp, x, *, dim: xp.expand_dims(x, dim), node="UnsqueezeBackward1")
for _op in (SQUEEZE_, SQUEEZE_DIM_, SQUEEZE_DIMS_, UNSQUEEZE_):
    defvjp(_op, x=_reshape_back)
T_ = primitive("t_", lambda xp, x: x.T, node="TBackward1")
defvjp(T_, x=lambda grad, xp: xp.swapaxes(grad, 0, -1) if grad.ndim == 2 else grad)
TRANSPOSE_ = primitive("transpose_", lambda xp, x, *, dim0, dim1: xp.swapaxes(x, dim0, dim1) if x.ndim else x.view(),
                       node="TransposeBackward1")
defvjp(TRANSPOSE_, x=lambda grad, dim0, dim1, xp: xp.swapaxes(grad, dim0, dim1) if grad.ndim else grad)


def _inplace_view(t, op, kw=None):
    """`t` takes op's view of its own memory (see the module docstring)."""
    check_inplace(t, will_record(op, (t,)))
    out = apply(op, (t,), kw)
    t._data = out._data
    if out._grad_fn is not None:
        set_history(t, out._grad_fn)
    t._vc.v += 1
    info = t._view
    if info is not None:
        parent, fwd, kw = info.fn, op.fwd, dict(kw or {})
        info.fn = lambda a: fwd(get_array_module(a), parent(a), **kw)
        info.version = t._vc.v  # the node just set stays the view's grad_fn
    return t


def squeeze_(input, dim=None):
    nd = input._data.ndim
    if dim is None:
        return _inplace_view(input, SQUEEZE_, {"dims": None})
    if isinstance(dim, (tuple, list)):
        return _inplace_view(input, SQUEEZE_DIMS_, {"dims": tuple(_wrap_dim(d, nd) for d in dim)})
    return _inplace_view(input, SQUEEZE_DIM_, {"dims": (_wrap_dim(dim, nd),)})


def unsqueeze_(input, dim):
    return _inplace_view(input, UNSQUEEZE_, {"dim": _wrap_dim(dim, input._data.ndim + 1)})


def t_(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return _inplace_view(input, T_)


def transpose_(input, dim0, dim1):
    nd = input._data.ndim
    return _inplace_view(input, TRANSPOSE_, {"dim0": _wrap_dim(dim0, nd), "dim1": _wrap_dim(dim1, nd)})


# ---- flattening and at-least views -----------------------------------------------------------------------
def ravel(input):
    check_tensor("ravel", input)
    # NOTE: PyTorch's ravel is contiguous() then view(-1): a view, of a copy when the input is not contiguous
    return S.view(S.contiguous(input), (-1,))


def _atleast_args(name, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, Tensor):
            kind = type(t).__name__
            raise TypeError(f"{name}() received an invalid combination of arguments - got ({kind}), but expected one "
                            f"of:\n * (Tensor input)\n      didn't match because some of the arguments have invalid "
                            f"types: (!{kind}!)\n * (tuple of Tensors tensors)\n      didn't match because some of "
                            f"the arguments have invalid types: (!{kind}!)\n")
    return tensors


def _atleast(name, fn, tensors):
    one = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    tensors = _atleast_args(name, tensors)
    out = tuple(fn(t) for t in tensors)
    return out[0] if one else out


def _at1(t):
    return S.reshape(t, (1,)) if t._data.ndim == 0 else t


def _at2(t):
    nd = t._data.ndim
    return S.reshape(t, (1, 1)) if nd == 0 else S.unsqueeze(t, 0) if nd == 1 else t


def _at3(t):
    nd = t._data.ndim
    if nd == 0:
        return S.reshape(t, (1, 1, 1))
    if nd == 1:
        return S.unsqueeze(S.unsqueeze(t, 0), -1)
    return S.unsqueeze(t, -1) if nd == 2 else t


def atleast_1d(*tensors):
    return _atleast("atleast_1d", _at1, tensors)


def atleast_2d(*tensors):
    return _atleast("atleast_2d", _at2, tensors)


def atleast_3d(*tensors):
    return _atleast("atleast_3d", _at3, tensors)


# ---- splitting -----------------------------------------------------------------------------------------
def _split_along(name, input, spec, dim, need):
    """vsplit/hsplit/dsplit: tensor_split along `dim`, a number of sections having to divide the size."""
    nd = input._data.ndim
    if nd < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor "
                           f"with {nd} dimensions!")
    if isinstance(spec, int):
        n = input._data.shape[dim]
        if spec == 0 or n % spec:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {spec}!")
    return S.tensor_split(input, spec, dim)


def vsplit(input, indices_or_sections):
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def hsplit(input, indices_or_sections):
    return _split_along("hsplit", input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 1)


def dsplit(input, indices_or_sections):
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input, split_sizes, dim=0):
    return S.split(input, [int(s) for s in split_sizes], dim)


def _unsafe_fwd(xp, x, *, sizes, dim):
    # NOTE: copies: the pieces of an unsafe split are not views (PyTorch lets each be modified in place)
    bounds = [0]
    for s in sizes:
        bounds.append(bounds[-1] + s)
    key = (slice(None),) * dim
    return tuple(x[key + (slice(a, b),)].copy() for a, b in zip(bounds, bounds[1:]))


def _unsafe_vjp(grad, dim, xp):
    return xp.concatenate(list(grad), dim)


UNSAFE_SPLIT = primitive("unsafe_split", _unsafe_fwd, nout=-1)
defvjp(UNSAFE_SPLIT, x=_unsafe_vjp)


def unsafe_split(input, split_size, dim=0, _position=2):
    if not isinstance(split_size, int) or isinstance(split_size, bool):
        raise TypeError(f"unsafe_split(): argument 'split_size' (position {_position}) must be int, not "
                        f"{type(split_size).__name__}")
    views = S.split(input, split_size, dim)  # PyTorch's checks and sizes
    d = _wrap_dim(dim, input._data.ndim)
    return apply(UNSAFE_SPLIT, (input,), {"sizes": tuple(v._data.shape[d] for v in views), "dim": d})


def _unsafe_split_method(self, split_size, dim=0):
    return unsafe_split(self, split_size, dim, _position=1)


def unsafe_chunk(input, chunks, dim=0):
    views = S.chunk(input, chunks, dim)
    d = _wrap_dim(dim, input._data.ndim)
    return apply(UNSAFE_SPLIT, (input,), {"sizes": tuple(v._data.shape[d] for v in views), "dim": d})


# ---- sum_to_size ---------------------------------------------------------------------------------------
def _size_arg(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(operator.index(s) for s in size)


def sum_to_size(input, *size):
    """The sum of `input` down to `size` (the shape it was broadcast from): the tensor itself when the shapes
    are equal, a keepdim sum, viewed without the leading dimensions `size` lacks."""
    size = _size_arg(size)
    shape = input._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return input
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    from .reduction import sum as _sum
    out = _sum(input, dims, True) if dims else input
    return S.view(out, size) if lead else out


# ---- resize_ ------------------------------------------------------------------------------------------
def _storage(a):
    """The flat memory behind `a` from its first element on, when `a` is row-major (else None)."""
    if not a.flags.c_contiguous:
        return None
    owner = a
    while owner.base is not None and hasattr(owner.base, "flags"):
        owner = owner.base
    if not owner.flags.c_contiguous or owner.dtype != a.dtype or \
            owner.__array_interface__["data"][0] != a.__array_interface__["data"][0]:
        return a.reshape(-1)
    return owner.reshape(-1)


def resize_(input, *sizes, memory_format=None):
    """Resizes in place: the first elements in memory keep their values (also those a smaller size had hidden),
    new ones are zeros. PyTorch refuses a tensor that requires grad."""
    if input.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    size = _size_arg(sizes)
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    n = math.prod(size)
    data = input._data
    flat = _storage(data)
    if flat is None:
        flat = data.reshape(-1)
    if n <= flat.size:
        new = flat[:n].reshape(size)
    else:
        xp = get_array_module(data)
        new = xp.zeros(n, dtype=data.dtype)
        new[:flat.size] = flat
        new = new.reshape(size)
    input._data = new
    input._vc.v += 1
    return input


def resize_as_(input, the_template, *, memory_format=None):
    return resize_(input, the_template._data.shape)


def _swap_(input, dim0, dim1):
    return transpose_(input, dim0, dim1)


API = {"torch": ("ravel", "atleast_1d", "atleast_2d", "atleast_3d", "vsplit", "hsplit", "dsplit",
                 "split_with_sizes", "unsafe_split", "unsafe_chunk", "resize_as_"),
       "Tensor": {**{n: globals()[n] for n in ("ravel", "vsplit", "hsplit", "dsplit", "split_with_sizes",
                                                "unsafe_chunk", "sum_to_size", "resize_", "resize_as_", "squeeze_",
                                                "unsqueeze_", "t_", "transpose_")},
                  "unsafe_split": _unsafe_split_method, "swapaxes_": _swap_, "swapdims_": _swap_},
       "nn.functional": (), "linalg": (), "special": ()}
