"""The backward graph: nodes, edges, saved values and version counters.

An edge is a pair `(node, input_nr)`: the node that receives a gradient and the slot it arrives in.
Nodes keep no reference to the tensors they produced (no cycles): a saved output is kept as its
array and re-wrapped on demand, as PyTorch's SavedVariable does.
"""
import itertools
import weakref

__all__ = ["Node", "AccumulateGrad", "VersionCounter", "RemovableHandle", "ERR_BACKWARD_TWICE", "add_hook"]

ERR_BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")

_sequence = itertools.count()


class VersionCounter:
    """Shared by a tensor, its views and its detached aliases; bumped by every in-place op. `log` (set only
    when recording for explanations) keeps the last bumps: (version, op, source location)."""
    __slots__ = ("v", "log")

    def __init__(self):
        self.v = 0


class RemovableHandle:
    __slots__ = ("_store", "id")
    _ids = itertools.count()

    def __init__(self, store):
        self._store = weakref.ref(store) if store is not None else None
        self.id = next(RemovableHandle._ids)

    def remove(self):
        store = self._store() if self._store is not None else None
        if store is not None:
            store.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _HookDict(dict):
    """A dict that can be weakly referenced (handles must not keep hook stores alive)."""
    __slots__ = ("__weakref__",)


def add_hook(holder, attr, fn):
    """Adds `fn` to the hook dict `holder.<attr>` (created on first use; `holder` itself when attr is None)
    and returns the handle that removes it."""
    store = holder if attr is None else getattr(holder, attr)
    if store is None:
        store = _HookDict()
        setattr(holder, attr, store)
    h = RemovableHandle(store)
    store[h.id] = fn
    return h


class NodeExtra:
    """Hooks, retained-grad references, the anomaly-mode forward trace and metadata of a node: rare, so
    they live here and a plain node pays one slot for all of them."""
    __slots__ = ("pre_hooks", "post_hooks", "tensor_hooks", "retain", "trace", "metadata")

    def __init__(self):
        self.pre_hooks = self.post_hooks = self.tensor_hooks = self.retain = self.trace = self.metadata = None


class Node:
    """Base of every backward node. `apply(grads)` maps the gradients of this node's outputs (a list,
    None where an output got no gradient) to the gradients of its `next_functions`."""
    __slots__ = ("next_functions", "_seq", "_x", "__weakref__")

    def __init__(self, next_functions=()):
        self.next_functions = next_functions
        self._seq = next(_sequence)
        self._x = None

    # how many outputs the forward produced (the length of the grads list apply() receives)
    num_outputs = 1

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def apply(self, grads):
        raise NotImplementedError

    def _release(self):
        """Frees saved values; called after the node ran unless retain_graph."""

    def _extra(self):
        x = self._x
        if x is None:
            x = self._x = NodeExtra()
        return x

    @property
    def _trace(self):
        return None if self._x is None else self._x.trace

    @_trace.setter
    def _trace(self, value):
        self._extra().trace = value

    @property
    def metadata(self):
        x = self._extra()
        if x.metadata is None:
            x.metadata = {}
        return x.metadata

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> None or new grad_inputs, run after this node."""
        return add_hook(self._extra(), "post_hooks", fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> None or new grad_outputs, run before this node."""
        return add_hook(self._extra(), "pre_hooks", fn)

    def _add_tensor_hook(self, output_nr, fn):
        x = self._extra()
        if x.tensor_hooks is None:
            x.tensor_hooks = {}
        store = x.tensor_hooks.get(output_nr)
        if store is None:
            store = x.tensor_hooks[output_nr] = _HookDict()
        return add_hook(store, None, fn)

    def _set_retain(self, output_nr, tensor):
        x = self._extra()
        if x.retain is None:
            x.retain = {}
        x.retain[output_nr] = weakref.ref(tensor)


class AccumulateGrad(Node):
    """The sink of a leaf: adds the gradient into `variable.grad`."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        Node.__init__(self, ())
        self.variable = variable

    def apply(self, grads):
        if self.variable._requires_grad:  # the flag may have been cleared after the graph was built
            _accumulate(self.variable, grads[0])
        return ()


def _accumulate(variable, g):
    """engine.accumulate_into_grad, bound on first use (the engine imports this module); a sink runs per leaf and
    backward, and an import statement there costs importlib's bookkeeping every time."""
    global _accumulate
    from .engine import accumulate_into_grad
    _accumulate = accumulate_into_grad
    return accumulate_into_grad(variable, g)
