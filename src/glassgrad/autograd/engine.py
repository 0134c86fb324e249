"""The backward engine: an iterative walk in dependency order, no recursion.

Nodes run when every gradient they will receive has arrived; among ready nodes the most recently
created runs first (PyTorch's order), so accumulation order is deterministic. Gradients are NumPy
arrays unless `create_graph` is set, in which case they are tensors and the VJPs build a graph.
"""
import heapq
import threading
import warnings


from .. import _dtype as D
from . import grad_mode
from .graph import Node, AccumulateGrad
from ..backends import get_array_module, silence, unsilence
from ..explain.events import tracking_event, why

__all__ = ["backward", "grad", "accumulate_into_grad", "state"]


class _EngineState(threading.local):
    create_graph = False
    filtered = False  # the running backward only feeds chosen inputs (autograd.grad, backward(inputs=...))


state = _EngineState()
_gstate = grad_mode.state

_warned = {"create_graph": False}
MSG_CREATE_GRAPH_CYCLE = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
    "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you "
    "have to use this function, make sure to reset the .grad fields of your parameters to None after use to break "
    "the cycle and avoid the leak.")


class _GraphRoot(Node):
    __slots__ = ("_grads",)

    def __init__(self, edges, grads):
        Node.__init__(self, tuple(edges))
        self._grads = grads

    def apply(self, grads):
        return self._grads


_tensor_mod = None


def _tensor_cls():
    """Tensor, _new and _edge (imported on first use: tensor.py imports the autograd package)."""
    global _tensor_mod
    if _tensor_mod is None:
        from ..tensor import Tensor, _new, _edge
        _tensor_mod = (Tensor, _new, _edge)
    return _tensor_mod


def _as_array(g):
    """A gradient as an array of its own array module (a VJP may return a NumPy scalar)."""
    return get_array_module(g).asarray(g)


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _make_root_grads(outputs, grad_outputs, create_graph, is_grads_batched=False):
    Tensor, _new, _ = _tensor_cls()
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn"
                               + why("no_grad_root", out))
        if g is None:
            if out.requires_grad and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out._dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{out._dtype!r}")
            arr = get_array_module(out._data).ones(out._data.shape, out._data.dtype)
            grads.append(_new(arr, out._dtype) if create_graph else arr)
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(g._data.shape)}) "
                    f"and output[{i}] has a shape of torch.Size({list(out._data.shape)}).")
            if g._dtype.is_floating_point != out._dtype.is_floating_point:
                raise RuntimeError(f"For complex Tensors, both grad_output and output are required to have "
                                   f"the same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of "
                                   f"{g._dtype!r} and output[{i}] has a dtype of {out._dtype!r}.")
            grads.append(g if create_graph else g._data)
    return grads


def _root_edges(outputs):
    _, _, _edge = _tensor_cls()
    edges = []
    for i, t in enumerate(outputs):
        e = _edge(t)
        if e is None:
            if not t.requires_grad:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn"
                                   + why("no_grad_root", t))
            e = (None, 0)  # a view that requires grad only through its base: nothing to send the gradient to
        edges.append(e)
    return edges


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Computes the gradient of `tensors` with respect to graph leaves and accumulates it into `.grad`."""
    Tensor, _, _edge = _tensor_cls()
    if grad_variables is not None:
        grad_tensors = grad_variables
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None and len(_as_tuple(inputs)) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    inputs = _as_tuple(inputs)
    if inputs and any(not isinstance(t, Tensor) for t in inputs):
        raise TypeError("inputs to backward must be Tensors")
    if create_graph and not _warned["create_graph"]:
        _warned["create_graph"] = True  # NOTE: PyTorch warns once per process
        warnings.warn(MSG_CREATE_GRAPH_CYCLE, UserWarning, stacklevel=3)
    grads = _make_root_grads(tensors, grad_tensors, create_graph)
    edges = _root_edges(tensors)
    targets = None
    if inputs:
        targets = {}
        for t in inputs:
            e = _edge(t)
            if e is None:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            targets[t] = e
    _run(edges, grads, retain_graph, create_graph, accumulate_targets=targets, roots=tensors)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Returns the gradients of `outputs` with respect to `inputs` without touching `.grad`."""
    Tensor, _new, _edge = _tensor_cls()
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    if not inputs_t:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(grad_outputs)} and "
                           f"{len(outputs)}")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_root_grads(outputs, grad_outputs, create_graph)
    edges = _root_edges(outputs)
    capture = []
    for t in inputs_t:
        e = _edge(t)
        if e is None:
            if not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            e = (None, 0)  # requires grad only through its base: no gradient can reach it
        capture.append(e)
    captured = _run(edges, grads, retain_graph, create_graph, capture=capture, roots=outputs, op="grad")
    result = []
    for i, (t, g) in enumerate(zip(inputs_t, captured)):
        if g is None:
            if materialize_grads:
                z = get_array_module(t._data).zeros(t._data.shape, t._data.dtype)
                result.append(_new(z, t._dtype))
                continue
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in "
                                   f"the graph. Set allow_unused=True if this is the desired behavior.")
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else _new(_as_array(g), t._dtype))
    return tuple(result)


def accumulate_into_grad(variable, g):
    """AccumulateGrad's work: the first gradient is stored (a copy, so no two leaves share one
    buffer), later ones are added in place unless a graph of the gradient is being built."""
    Tensor, _new, _ = _tensor_cls()
    old = variable._grad
    if isinstance(g, Tensor):
        if old is None:
            variable._grad = g if g.requires_grad else _new(g._data.copy(), g._dtype)
        elif _gstate.grad_enabled:
            variable._grad = old + g
        else:
            old._data += g._data
            old._vc.v += 1
    else:
        if old is None:
            variable._grad = _new(get_array_module(g).array(g, dtype=variable._data.dtype, copy=True), variable._dtype)
        elif old.requires_grad or _gstate.grad_enabled:
            variable._grad = old + _new(_as_array(g), old._dtype)
        else:
            old._data += g
            old._vc.v += 1
    e = variable._extra
    if e is not None and e.post_accumulate_hooks:
        for hook in list(e.post_accumulate_hooks.values()):
            hook(variable)


def _collect(root):
    """Dependency counts of every node reachable from `root` (iterative); its keys are the nodes."""
    deps = {}
    stack = [root]
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                stack.append(nxt)
    return deps


def _needed(root, targets):
    """The nodes that must run to reach one of `targets`: those with a path of at least one edge to a
    target (iterative post-order). A target itself only runs if another target lies beyond it."""
    targets = set(targets)
    needed = set()
    done = set()
    stack = [(root, iter(root.next_functions))]
    done.add(root)
    while stack:
        node, it = stack[-1]
        advanced = False
        for nxt, _ in it:
            if nxt is None:
                continue
            if nxt not in done:
                done.add(nxt)
                stack.append((nxt, iter(nxt.next_functions)))
                advanced = True
                break
        if not advanced:
            stack.pop()
            if node not in needed and any(n in needed or n in targets for n, _ in node.next_functions
                                           if n is not None):
                needed.add(node)
    return needed


def _wrap(g, tensor_mode):
    Tensor, _new, _ = _tensor_cls()
    if tensor_mode or isinstance(g, Tensor):
        return g
    g = _as_array(g)
    return _new(g, D._BY_NP[g.dtype])


def _unwrap(g, tensor_mode):
    Tensor, _, _ = _tensor_cls()
    if tensor_mode:
        return g
    return g._data if isinstance(g, Tensor) else g


def _call_hook(hook, g, tensor_mode):
    """Runs a tensor hook; its result must be a tensor like the gradient it replaces (PyTorch's checks)."""
    Tensor, _, _ = _tensor_cls()
    before = _wrap(g, tensor_mode)
    r = hook(before)
    if r is None:
        return g
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(r, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
    if r._data.shape != before._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if r._dtype is not before._dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {before._dtype.legacy_type} "
                           f"got {r._dtype.legacy_type})")
    return _unwrap(r, tensor_mode)


def _run_tensor_hooks(node, grads, tensor_mode):
    for nr, hooks in node._x.tensor_hooks.items():
        if nr < len(grads) and grads[nr] is not None and hooks:
            for hook in list(hooks.values()):
                grads[nr] = _call_hook(hook, grads[nr], tensor_mode)


def _run_leaf_hooks(node, grads, tensor_mode):
    e = node.variable._extra
    if e is not None and e.hooks and grads[0] is not None:
        for hook in list(e.hooks.values()):
            grads[0] = _call_hook(hook, grads[0], tensor_mode)


def _retain(node, grads, tensor_mode):
    Tensor, _new, _ = _tensor_cls()
    for nr, ref in node._x.retain.items():
        t = ref()
        g = grads[nr] if nr < len(grads) else None
        if t is None or g is None:
            continue
        if t._grad is None:
            t._grad = g if tensor_mode else _new(get_array_module(g).array(g, copy=True), t._dtype)
        else:
            t._grad = t._grad + (g if tensor_mode else _new(_as_array(g), t._dtype))


def _run(edges, grads, keep_graph, create_graph, capture=None, accumulate_targets=None, roots=(), op="backward"):
    root = _GraphRoot(edges, grads)
    deps = _collect(root)
    tracking_event("backward", op, roots, deps)
    needed = execute = None
    capture_at = None
    if capture is not None or accumulate_targets is not None:
        targets = []
        capture_at = {}
        if capture is not None:
            for i, (node, nr) in enumerate(capture):
                if node is None:
                    continue
                capture_at.setdefault(node, []).append((nr, i))
                targets.append(node)
        else:
            for t, (node, nr) in accumulate_targets.items():
                targets.append(node)
                if not isinstance(node, AccumulateGrad):
                    capture_at.setdefault(node, []).append((nr, t))
        execute = _needed(root, targets)
        if accumulate_targets is not None:
            execute.update(n for n in targets if isinstance(n, AccumulateGrad))
        needed = execute | set(targets)
    captured = [None] * len(capture) if capture is not None else None

    prev_mode, prev_grad, prev_filtered = state.create_graph, _gstate.grad_enabled, state.filtered
    state.create_graph = create_graph
    state.filtered = capture is not None or accumulate_targets is not None
    _gstate.grad_enabled = create_graph
    anomaly = _gstate.anomaly
    buffers = {}
    heap = [(-root._seq, root)]
    quiet = silence()  # PyTorch computes inf/nan gradients silently
    # NOTE: a node with no hooks, outside autograd.grad/inputs= and anomaly mode runs here directly: the common case
    plain = capture_at is None and not anomaly
    pop, push = heapq.heappop, heapq.heappush
    try:
        while heap:
            node = pop(heap)[1]
            if node is root:
                out = root.apply(None)
            else:
                node_grads = buffers.pop(node, None)
                if node_grads is None:
                    out = None
                elif plain and node._x is None and type(node) is not AccumulateGrad:
                    out = node.apply(node_grads)
                    if not keep_graph:
                        node._release()
                else:
                    out = _execute(node, node_grads, create_graph, keep_graph, anomaly, capture_at, captured,
                                   execute, capture is not None)
            for k, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                if out is not None:
                    g = out[k] if k < len(out) else None
                    if g is not None and (needed is None or nxt in needed):
                        buf = buffers.get(nxt)
                        if buf is None:
                            buf = buffers[nxt] = [None] * nxt.num_outputs
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    if needed is None or nxt in needed:
                        push(heap, (-nxt._seq, nxt))
                    else:
                        buffers.pop(nxt, None)
    finally:
        unsilence(quiet)
        state.create_graph = prev_mode
        state.filtered = prev_filtered
        _gstate.grad_enabled = prev_grad
    return captured


def _execute(node, grads, create_graph, keep_graph, anomaly, capture_at, captured, execute, grad_mode_call):
    is_leaf_sink = type(node) is AccumulateGrad
    x = node._x
    if x is not None:
        if x.tensor_hooks:
            _run_tensor_hooks(node, grads, create_graph)
        if x.retain:
            _retain(node, grads, create_graph)
    if is_leaf_sink:
        _run_leaf_hooks(node, grads, create_graph)
    if x is not None and x.pre_hooks:
        for hook in list(x.pre_hooks.values()):
            r = hook(tuple(_wrap(g, create_graph) if g is not None else None for g in grads))
            if r is not None:
                grads = [_unwrap(g, create_graph) if g is not None else None for g in r]
    if capture_at is not None and node in capture_at:
        for nr, key in capture_at[node]:
            g = grads[nr]
            if type(key) is int:
                captured[key] = g if captured[key] is None or g is None else captured[key] + g
            elif g is not None:
                # backward(inputs=[non_leaf]): the gradient lands in that tensor's .grad
                accumulate_into_grad(key, g)
    if (is_leaf_sink and grad_mode_call) or (execute is not None and node not in execute):
        return None
    for g in grads:
        if g is not None:
            break
    else:
        return None
    if anomaly:
        out = _apply_with_anomaly(node, grads)
    else:
        out = node.apply(grads)
    if x is not None and x.post_hooks:
        gi = tuple(_wrap(g, create_graph) if g is not None else None for g in out)
        go = tuple(_wrap(g, create_graph) if g is not None else None for g in grads)
        for hook in list(x.post_hooks.values()):
            r = hook(gi, go)
            if r is not None:
                gi = r
        out = [_unwrap(g, create_graph) if g is not None else None for g in gi]
    if not keep_graph:
        node._release()
    return out


def _apply_with_anomaly(node, grads):
    try:
        out = node.apply(grads)
        if _gstate.anomaly_check_nan:
            _check_nan(node, out)
    except Exception:
        if node._trace:
            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                          f"error:\n{''.join(node._trace)}", UserWarning, stacklevel=2)
        raise
    return out


def _check_nan(node, out):
    Tensor, _, _ = _tensor_cls()
    for i, g in enumerate(out):
        if g is None:
            continue
        arr = g._data if isinstance(g, Tensor) else g
        if get_array_module(arr).isnan(arr).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
