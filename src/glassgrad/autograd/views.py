"""Backward nodes for views whose base was modified in place.

A view records `fn`, which re-derives it from any array laid out like its base. Applied to an array
of flat positions, `fn` tells which base elements the view covers; that is all these nodes need.
"""
import numpy as np

from .graph import Node

__all__ = ["CopySlices", "AsStridedBackward0"]


def _positions(fn, base_data):
    """For each element of the view, its flat (C-order) position in the base."""
    return np.asarray(fn(np.arange(base_data.size).reshape(base_data.shape)))


def _take(g, idx):
    from .engine import state
    if state.create_graph:
        from ..ops.tensor_xp import take_flat
        return take_flat(g, idx)
    return np.reshape(g, -1)[idx]


def _put(g, idx, v):
    from .engine import state
    if state.create_graph:
        from ..ops.tensor_xp import put_flat
        return put_flat(g, idx, v)
    out = np.array(g, copy=True)
    out.reshape(-1)[idx] = 0 if v is None else v
    return out


def _scatter(shape, dtype, idx, g):
    from .engine import state
    if state.create_graph:
        from ..ops.tensor_xp import scatter_flat
        return scatter_flat(shape, idx, g)
    out = np.zeros(int(np.prod(shape)), dtype=dtype)
    np.add.at(out, idx.reshape(-1), np.reshape(g, -1))
    return out.reshape(shape)


class CopySlices(Node):
    """The base's grad_fn after an in-place op on one of its views: the gradient of the region the view
    covers goes through the op; the rest passes to the base's previous history unchanged."""
    __slots__ = ("_fn", "_op_node", "_base_shape", "_base_dtype", "_idx")

    def __init__(self, base_edge, view_fn, op_node, base_data):
        Node.__init__(self, (base_edge or (None, 0),) + tuple(op_node.next_functions[1:]))
        self._fn = view_fn
        self._op_node = op_node
        self._base_shape = base_data.shape
        self._base_dtype = base_data.dtype
        self._idx = _positions(view_fn, base_data)

    def apply(self, grads):
        if self._op_node is None:
            from .graph import ERR_BACKWARD_TWICE
            from ..explain.events import why
            raise RuntimeError(ERR_BACKWARD_TWICE + why("backward_twice", self))
        g = grads[0]
        idx = self._idx
        res = self._op_node.apply([_take(g, idx)])
        return [_put(g, idx, res[0])] + list(res[1:])

    def _release(self):
        # NOTE: PyTorch drops the wrapped op here, so a second backward raises even if it saved nothing
        self._op_node._release()
        self._op_node = None

    def name(self):
        return "torch::autograd::CopySlices"


class AsStridedBackward0(Node):
    """A view's grad_fn re-derived after its base changed in place: scatters into the base's shape."""
    __slots__ = ("_idx", "_base_shape", "_dtype")

    def __init__(self, base_edge, view_fn, base_shape, base_data, dtype):
        Node.__init__(self, (base_edge or (None, 0),))
        self._idx = _positions(view_fn, base_data)
        self._base_shape = base_shape
        self._dtype = base_data.dtype

    def apply(self, grads):
        return [_scatter(self._base_shape, self._dtype, self._idx, grads[0])]
