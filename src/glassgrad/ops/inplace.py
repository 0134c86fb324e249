"""In-place ops: PyTorch's checks, the version bump, and the rewrite of the graph.

An in-place op computes the registry op out of place, writes the result into the tensor's memory (so
views see it), bumps the shared version counter, and, when recorded, makes the op's node the tensor's
new grad_fn. On a view, the base's history is rewritten instead (CopySlices) and the view re-derives its
grad_fn from the base.
"""
import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..autograd.views import CopySlices
from ..backends import silence, unsilence
from ..explain.events import tracking_event, why as tracking_why
from ..tensor import Tensor, _new, _edge, _view_grad_fn, set_history
from .registry import primitive, defvjp, apply, _make_node, _FIRST_INPUT, _RESULT, NON_DIFFERENTIABLE, ZERO_GRAD
from . import elementwise as E

__all__ = ["apply_inplace", "check_inplace", "add_scaled_", "copy_", "fill_", "zero_"]

_gstate = grad_mode.state
_ndarray = np.ndarray

MSG_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
MSG_VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
MSG_INFERENCE = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone "
                 "to get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 "
                 "for more details.")


def will_record(op, inputs):
    return _gstate.grad_enabled and op.differentiable and _any_requires_grad(inputs)


def check_inplace(t, record):
    """PyTorch's refusals of an in-place op on `t` (`record`: grad mode is on and an input requires grad)."""
    if t._extra is not None and t._extra.inference and not _gstate.inference:
        raise RuntimeError(MSG_INFERENCE)
    if not record:
        return
    if t._base is not None:
        _check_rebase(t)  # multi-output and no_grad views are refused first
        if t.requires_grad and t._base.grad_fn is None:
            raise RuntimeError(MSG_VIEW_OF_LEAF + tracking_why("leaf_inplace", t))
    if t._requires_grad and t.grad_fn is None:
        raise RuntimeError(MSG_LEAF + tracking_why("leaf_inplace", t))


MSG_INTERNAL_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                        "memory location. Please clone() the tensor before performing the operation.")
MSG_PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to "
                       "a single memory location. Please clone() the tensor before performing the operation.")


def _has_internal_overlap(a):
    if a.flags.c_contiguous:
        return False  # the common case, answered by a flag: a C-contiguous array holds no element twice
    return a.size > 1 and any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape))


def _may_overlap(a, b):
    """Whether two arrays may share memory: never when each owns its own (a quicker answer than NumPy's check)."""
    if a is not b and a.flags.owndata and b.flags.owndata:
        return False
    return np.may_share_memory(a, b)


def check_overlap(t, others, op, allow_full=True):
    """An in-place result may not alias itself, nor partly alias an input (PyTorch's memory-overlap checks);
    with allow_full=False (index_put) not even fully."""
    dst = t._data
    if op is not FILL and op is not ZERO and _has_internal_overlap(dst):
        if not (op is COPY and others and isinstance(others[0], Tensor) and _same_layout(others[0]._data, dst)):
            raise RuntimeError(MSG_INTERNAL_OVERLAP)
    if op is FILL_TENSOR or op is FILL:
        return  # the value is read as one number before anything is written
    for o in others:
        if not isinstance(o, Tensor):
            continue
        src = o._data
        if src.size == 0 or dst.size == 0 or not _may_overlap(src, dst):
            continue
        if not (_dense(src) and _dense(dst)):
            continue  # PyTorch does not decide overlap for non-dense layouts, and allows the op
        if not allow_full or not _same_layout(src, dst):
            raise RuntimeError(MSG_PARTIAL_OVERLAP)


def _same_layout(src, dst):
    """The same memory, shape and strides (strides of size-1 dimensions do not matter)."""
    return (src.__array_interface__["data"][0] == dst.__array_interface__["data"][0] and src.shape == dst.shape
            and all(a == b for a, b, n in zip(src.strides, dst.strides, dst.shape) if n > 1))


def _dense(a):
    """Non-overlapping and dense in some order of its dimensions."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return True
    order = sorted((st, n) for st, n in zip(a.strides, a.shape) if n != 1)
    expected = a.itemsize
    for st, n in order:
        if st != expected:
            return False
        expected *= n
    return True


def forward_name_of(op):
    name = op.node_cls.__name__
    return name[:-9] if name.endswith("Backward0") else name


def _check_rebase(t):
    info = t._view
    if info is None:
        return
    if info.multi:
        fname = forward_name_of(info.op)
        raise RuntimeError(
            f"Output {t._output_nr} of {fname} is a view and is being modified inplace. This view is the output of "
            f"a function that returns multiple views. Such functions do not allow the output views to be "
            f"modified inplace. You should replace the inplace operation by an out-of-place one.")
    if info.no_grad == 2 and t._grad_fn is not None:
        from .registry import forward_name
        raise RuntimeError(
            f"Output {t._output_nr} of {forward_name(t._grad_fn)} is a view of a view which was created in no_grad "
            f"mode and is being modified inplace with grad mode enabled. Given that this use case is ambiguous and "
            f"error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either "
            f"both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want "
            f"the inplace to be tracked).")
    if info.no_grad:
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that "
            "this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
            "both the view and the inplace either both inside the no_grad block (if you don't want the inplace "
            "to be tracked) or both outside (if you want the inplace to be tracked).")


def _reads_self(op, inputs):
    """Whether a VJP that will run reads the input's value from before the write."""
    for i, a in enumerate(inputs):
        fn = op.vjps[i]
        if fn is NON_DIFFERENTIABLE or fn is ZERO_GRAD or not isinstance(a, Tensor) or not a.requires_grad:
            continue
        if _FIRST_INPUT in op.specs[i]:
            return True
    return False


def _write(t, out, op_name):
    dst = t._data
    if out.dtype != dst.dtype:
        src_dt = D._BY_NP[out.dtype]
        if src_dt._cat > t._dtype._cat:
            raise RuntimeError(f"result type {src_dt.scalar_name} can't be cast to the desired output type {t._dtype.scalar_name}")
    if out.shape != dst.shape:
        try:
            np.broadcast_shapes(out.shape, dst.shape)
            ok = np.broadcast_shapes(out.shape, dst.shape) == dst.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(out.shape, dst.shape))}")
    try:
        dst[...] = out
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the "
                               "operation.") from None
        raise


def apply_inplace(op, t, others=(), kw=None, overlap_checked=False):
    """Runs registry `op` with `t` as its first input and writes the result into `t`."""
    inputs = (t,) + tuple(others)
    record = will_record(op, inputs)
    check_inplace(t, record)
    if not overlap_checked:
        check_overlap(t, others, op)
    old = t._data.copy() if record and _reads_self(op, inputs) else t._data
    result = apply(op, inputs, kw, record=False)
    node = None
    if record and t._dtype.is_floating_point:
        # NOTE: the node saves its inputs before the version bump, so an input that aliases `t` (`y.mul_(y)`,
        # or another view of the same base) is caught at backward exactly as PyTorch catches it.
        before = _new(old, t._dtype, t.grad_fn, t._output_nr)
        node = _make_node(op, (before,) + tuple(others), kw, (result._data,))
    _write(t, result._data, op.name)
    t._vc.v += 1
    tracking_event("inplace", op.name, t, None)
    if node is None:
        if not _gstate.grad_enabled and _any_requires_grad(inputs):
            tracking_event("grad_disabled_op", op.name + "_", inputs, t)
        return t
    if node._saved is not None and node._saved[_RESULT] is True:
        node._saved[_RESULT] = (t._data, t._vc, t._vc.v)
    if t._base is None:
        set_history(t, node)
    else:
        _rebase_view(t, node)
        if node._saved is not None and type(node._saved[_RESULT]) is tuple:
            node._saved[_RESULT] += (t._grad_fn,)
    return t


def add_scaled_(tensors, others, alpha):
    """`t.add_(o, alpha=alpha)` for each pair, in order, with PyTorch's results, errors and version bumps: the
    optimizers' update (torch._foreach_add_'s role).

    NOTE: for speed. An optimizer step adds to every parameter under no_grad: nothing is recorded, so the generic
    path's work (an out-of-place op wrapped in a tensor, then copied back) buys nothing. A pair that apply_inplace
    would check or refuse (a view, an inference tensor, other dtypes or shapes, memory that may overlap, another
    array module) takes the generic path; the others are updated in place with the same two ufuncs `_add` uses,
    so the values are bit for bit the same."""
    if _gstate.grad_enabled or not (type(alpha) is float or type(alpha) is int):
        for t, o in zip(tensors, others):
            E.add_(t, o, alpha=alpha)
        return
    updated = []
    requires = False
    token = silence()  # PyTorch computes overflow to inf silently (as `_add` does under quiet)
    try:
        for t, o in zip(tensors, others):
            if not _plain_pair(t, o):
                E.add_(t, o, alpha=alpha)
                continue
            dst = t._data
            if alpha == 1:
                np.add(dst, o._data, out=dst)
            else:
                np.add(dst, np.multiply(o._data, alpha), out=dst)
            t._vc.v += 1
            updated.append(t)
            requires = requires or t.requires_grad or o.requires_grad
    finally:
        unsilence(token)
        if updated:
            # apply_inplace's two events, once for the whole batch (the recorder looks the user's line up once)
            updated = tuple(updated)
            tracking_event("inplace", "add", updated, None)
            if requires:
                tracking_event("grad_disabled_op", "add_", updated, updated)


def _plain_pair(t, o):
    """Whether `t.add_(o)` under no_grad is nothing but an elementwise update of `t`'s own NumPy array (see
    add_scaled_)."""
    if not isinstance(o, Tensor) or t._base is not None or (t._extra is not None and t._extra.inference):
        return False
    dst, src = t._data, o._data
    if type(dst) is not _ndarray or type(src) is not _ndarray or t._dtype is not o._dtype or t._dtype._cat != 2:
        return False
    if dst.shape != src.shape or not dst.flags.writeable or _has_internal_overlap(dst):
        return False
    return not _may_overlap(dst, src)


def _any_requires_grad(inputs):
    for a in inputs:  # NOTE: a loop, not any() over a generator: this runs for every in-place op of an optimizer
        if isinstance(a, Tensor) and a.requires_grad:
            return True
    return False


def _rebase_view(view, node):
    """An in-place op on a view: the base's new history is CopySlices(old history, view region, op)."""
    base = view._base
    base_edge = _edge(base)
    set_history(base, CopySlices(base_edge, view._view.fn, node, base._data))
    view._view.version = -1  # the view re-derives its grad_fn from the base on next access
    _view_grad_fn(view)


# ---- in-place ops that are not arithmetic ----------------------------------------------------
def broadcast_error(a_shape, b_shape):
    """PyTorch's message for shapes that do not broadcast."""
    for i in range(1, max(len(a_shape), len(b_shape)) + 1):
        a = a_shape[-i] if i <= len(a_shape) else 1
        b = b_shape[-i] if i <= len(b_shape) else 1
        if a != b and a != 1 and b != 1:
            dim = max(len(a_shape), len(b_shape)) - i
            return RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton "
                                f"dimension {dim}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast")


def _copy_fwd(xp, x, src):
    if hasattr(src, "shape"):
        try:
            return xp.broadcast_to(src, x.shape).astype(x.dtype, copy=True)
        except ValueError:
            try:
                full = np.broadcast_shapes(x.shape, src.shape)
            except ValueError:
                raise broadcast_error(x.shape, src.shape) from None
            raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                               f"{list(full)}") from None
    return xp.full(x.shape, src, dtype=x.dtype)


COPY = primitive("copy_", _copy_fwd, node="CopyBackwards")
defvjp(COPY, x=ZERO_GRAD, src=lambda grad: grad)
COPY.node_cls.name = lambda self: "torch::autograd::CopyBackwards"
FILL = primitive("fill", lambda xp, x, value: xp.full(x.shape, value, dtype=x.dtype), node="FillBackward2")
defvjp(FILL, x=ZERO_GRAD, value=lambda grad, xp: xp.sum(grad))
ZERO = primitive("zero", lambda xp, x: xp.zeros_like(x))
defvjp(ZERO, x=ZERO_GRAD)
# `t[...] = 0.5` fills through the Tensor-valued overload, which PyTorch names FillBackward3
FILL_TENSOR = primitive("fill_tensor", lambda xp, x, value: xp.full(x.shape, value, dtype=x.dtype),
                        node="FillBackward3")
defvjp(FILL_TENSOR, x=ZERO_GRAD, value=lambda grad, xp: xp.sum(grad))


def copy_(t, src, non_blocking=False):
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__module__ + '.' if type(src).__module__ not in ('builtins',) else ''}{type(src).__name__}")
    return apply_inplace(COPY, t, (src,))


def copy_value_(t, value):
    """`t[...] = value` for any value PyTorch accepts there (tensors, numbers)."""
    if not isinstance(value, Tensor) or (value._data.ndim == 0 and t._data.ndim > 0):
        return apply_inplace(FILL_TENSOR, t, (value,))
    from .shape import expand, reshape
    shape = value._data.shape
    while shape and shape[0] == 1:
        shape = shape[1:]  # PyTorch drops every leading size-1 dimension of the value
    if shape != value._data.shape:
        value = reshape(value, shape)
    if value._data.shape != t._data.shape:
        value = expand(value, t._data.shape)  # PyTorch expands the value, with expand's errors
    return apply_inplace(COPY, t, (value,))


def fill_(t, value):
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    return apply_inplace(FILL, t, (value,))


def zero_(t):
    return apply_inplace(ZERO, t)


