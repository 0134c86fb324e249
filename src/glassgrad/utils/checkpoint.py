"""Activation checkpointing: trade compute for memory by recomputing a region's activations in backward.

    >>> import glassgrad as torch
    >>> from glassgrad.utils.checkpoint import checkpoint
    >>> lin = torch.nn.Linear(3, 2)
    >>> x = torch.ones(4, 3, requires_grad=True)
    >>> y = checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=False)
    >>> y.grad_fn.name()
    'TanhBackward0'
    >>> y.sum().backward()
    >>> lin.weight.grad.shape
    torch.Size([2, 3])

Two modes, as in PyTorch:

- `use_reentrant=True`: a custom Function (`CheckpointFunctionBackward`) runs `function` under no_grad, keeps
  only the inputs, and in backward reruns it with grad enabled and calls backward on that fresh graph (a
  backward inside a backward, hence "reentrant"). Only the inputs get gradients through the node; parameters
  used inside receive theirs from the inner backward. It cannot serve `autograd.grad` or `backward(inputs=...)`.

- `use_reentrant=False`. PyTorch intercepts every tensor an op saves for backward (saved-tensor hooks) and
  recomputes them when backward unpacks one. glassgrad has no saved-tensor hooks, but its op nodes keep what
  they save in one place (`OpNode._saved`), which gives the same result without a new engine feature:
  `function` runs once with grad enabled, so the region's graph is the ordinary one (the output's grad_fn is
  the region's last op, e.g. `AddmmBackward0`, parameters inside get gradients, `autograd.grad` works). Then
  the values those nodes saved for backward (activations made inside the region) are dropped and a pre-hook on
  each such node recomputes the region from its inputs (with the forward's RNG state) when backward first
  reaches one, and puts the recomputed values back, node by node in creation order. A region whose
  recomputation saves differently shaped values, or a different number of them, raises `CheckpointError`
  (`determinism_check="none"` skips the shape and dtype check). Nodes of custom Functions inside the region
  keep their saved tensors (no memory saved there, same values).
"""
import contextlib
import warnings
import weakref

from .. import autograd
from ..autograd import engine as _engine
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..ops import creation as _creation
from ..ops.registry import OpNode, RELEASED
from ..tensor import Tensor, _new

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction", "noop_context_fn",
           "detach_variable", "check_backward_validity"]

_DEFAULT_DETERMINISM_MODE = "default"
_DETERMINISM_MODES = ("default", "none")

MSG_NO_GRAD_INPUTS = "None of the inputs have requires_grad=True. Gradients will be None"
MSG_REENTRANT_GRAD = (
    "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing an `inputs` "
    "parameter to .backward(). To resolve this error, you can either set use_reentrant=False, or call "
    ".backward() without passing the `inputs` argument.")
MSG_USE_REENTRANT = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, "
    "calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is recommended, but if "
    "you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more "
    "details on the differences between the two variants.")
MSG_USE_REENTRANT_SEQ = (
    "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed explicitly. In "
    "version 2.9 we will raise an exception if use_reentrant is not passed. use_reentrant=False is recommended, "
    "but if you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for "
    "more details on the differences between the two variants.")
_DEBUG_TIP = ("\nTip: To see a more detailed error message, either pass `debug=True` to\n"
              "`torch.utils.checkpoint.checkpoint(...)` or wrap the code block\n"
              "with `with torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to\n"
              "enable checkpoint\u2011debug mode globally.\n")


class CheckpointError(RuntimeError):
    """The recomputation of a checkpointed region did not save what the original forward saved."""


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """Detached copies of the tensors in the tuple `inputs` that keep their requires_grad (others pass through)."""
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for a in inputs:
        if isinstance(a, Tensor):
            d = a.detach()
            d.requires_grad = a.requires_grad
            a = d
        out.append(a)
    return tuple(out)


def check_backward_validity(inputs):
    if not any(a.requires_grad for a in inputs if isinstance(a, Tensor)):
        warnings.warn(MSG_NO_GRAD_INPUTS, UserWarning, stacklevel=2)


# ---- RNG state ---------------------------------------------------------------------------------
# The default generator's state as torch.get_rng_state gives it (PyTorch saves and restores the CPU state so, and
# the recomputation draws the forward's dropout masks again).

def _rng_state():
    return _creation.default_generator.get_state()


def _set_rng_state(saved):
    _creation.default_generator.set_state(saved)


@contextlib.contextmanager
def _forward_rng(saved):
    """Runs the block with the RNG state of the forward (when `saved`), then restores the surrounding one."""
    if saved is None:
        yield
        return
    outer = _rng_state()
    _set_rng_state(saved)
    try:
        yield
    finally:
        _set_rng_state(outer)


# ---- use_reentrant=True ------------------------------------------------------------------------

def _checkpoint_valid():
    """False while the engine runs a filtered backward (autograd.grad, backward(inputs=...)): the inner
    backward of the reentrant mode would then accumulate into the wrong tensors."""
    return not _engine.state.filtered


class CheckpointFunction(autograd.Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.fwd_rng = _rng_state() if preserve_rng_state else None
        # non-tensor inputs stay on ctx; tensors are saved (and version-checked) for backward
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        return run_function(*args)  # Function.apply runs forward under no_grad

    @staticmethod
    def backward(ctx, *grads):
        if not _checkpoint_valid():
            raise RuntimeError(MSG_REENTRANT_GRAD)
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with _forward_rng(ctx.fwd_rng):
            detached = detach_variable(tuple(inputs))
            with grad_mode.enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) else None for a in detached)


# ---- use_reentrant=False -----------------------------------------------------------------------

# the nodes whose saved values a checkpoint dropped (the innermost checkpoint claims a node)
_claimed = weakref.WeakSet()

_RESULT, _FIRST_INPUT = 1, 3  # slots of OpNode._saved (see ops/registry.py)


def _tensors_in(obj):
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _tensors_in(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors_in(o)


def _region_nodes(outputs, start, end):
    """The op nodes created between sequence numbers `start` and `end` that `outputs` depend on and that saved
    something, in creation order."""
    stack = [t._grad_fn for t in _tensors_in(outputs) if t._grad_fn is not None]
    seen = set()
    nodes = []
    while stack:
        node = stack.pop()
        if node is None or node in seen or not start < node._seq < end:
            continue
        seen.add(node)
        if isinstance(node, OpNode) and type(node._saved) is list:
            nodes.append(node)
        stack.extend(n for n, _ in node.next_functions)
    nodes.sort(key=lambda n: n._seq)
    return nodes


def _meta(entry, slot):
    if slot == _RESULT:
        arrs = [e[0] for e in entry if e[0] is not None] if type(entry) is tuple and type(entry[0]) is tuple \
            else [entry[0]]
        return [(tuple(a.shape), str(a.dtype)) for a in arrs]
    t = entry[0]
    return [(tuple(t._data.shape), str(t._data.dtype))]


def _alias(t):
    """`t` without its history, sharing data and version counter (what a saved value needs when no graph of
    the gradient is built; keeps the recomputed graph from staying alive)."""
    out = _new(t._data, t._dtype)
    out._vc = t._vc
    return out


class _Region:
    """One non-reentrant checkpoint call: what it needs to recompute, and which saved slots it dropped.

    Ownership follows the graph: each claimed node's pre-hook holds the region, the region holds its nodes
    weakly, so the region (and the inputs it keeps) lives exactly as long as some node of it does."""
    __slots__ = ("fn", "args", "kwargs", "rng", "recompute_ctx", "check", "count", "dropped")

    def __init__(self, fn, args, kwargs, rng, recompute_ctx, check):
        self.fn, self.args, self.kwargs, self.rng = fn, args, kwargs, rng
        self.recompute_ctx, self.check = recompute_ctx, check
        self.count = 0
        self.dropped = []  # (weakref to node, [(index in region order, slot, metadata)])

    def drop(self, nodes, keep):
        """Frees the values `nodes` saved, except the tensors in `keep` (inputs, parameters: alive anyway)."""
        self.count = len(nodes)
        for i, node in enumerate(nodes):
            if node in _claimed:
                continue  # an inner checkpoint recomputes it
            saved = node._saved
            slots = []
            for slot in range(_RESULT, len(saved)):
                entry = saved[slot]
                if entry is None or (slot >= _FIRST_INPUT and (entry[1] is None or id(entry[0]) in keep)):
                    continue
                slots.append((i, slot, _meta(entry, slot)))
                saved[slot] = None
            if slots:
                self.dropped.append((weakref.ref(node), slots))
                _claimed.add(node)
                node.register_prehook(self._prehook(node, slots[0][1]))

    def _prehook(self, node, slot):
        node_ref = weakref.ref(node)  # the hook lives on the node: no cycle through it

        def recompute_saved_values(grad_outputs):
            saved = node_ref()._saved
            if saved is not RELEASED and saved[slot] is None:
                self.recompute()
        return recompute_saved_values

    def recompute(self):
        with _forward_rng(self.rng), grad_mode.enable_grad(), self.recompute_ctx:
            start = Node()._seq
            outputs = self.fn(*self.args, **self.kwargs)
            end = Node()._seq
        nodes = _region_nodes(outputs, start, end)
        saved_count = sum(len(s) for _, s in self.dropped)
        if len(nodes) != self.count:
            raise CheckpointError(
                f"torch.utils.checkpoint: A different number of tensors was saved during the original forward and "
                f"recomputation.\nNumber of tensors saved during forward: {saved_count}\nNumber of tensors saved "
                f"during recomputation: {self._count_saved(nodes)}.\n{_DEBUG_TIP}")
        keep_graph = _engine.state.create_graph
        mismatched = []
        position = 0
        for node_ref, slots in self.dropped:
            node = node_ref()
            if node is None or node._saved is RELEASED:
                position += len(slots)
                continue
            for i, slot, meta in slots:
                entry = nodes[i]._saved[slot]
                if entry is None:
                    raise CheckpointError("torch.utils.checkpoint: the recomputation saved fewer tensors than the "
                                          "original forward." + _DEBUG_TIP)
                if self.check and _meta(entry, slot) != meta:
                    mismatched.append(f"tensor at position {position}:\nsaved metadata: {meta}\nrecomputed "
                                      f"metadata: {_meta(entry, slot)}\n")
                if slot >= _FIRST_INPUT and not keep_graph:
                    entry = (_alias(entry[0]), entry[1])
                node._saved[slot] = entry
                position += 1
        if mismatched:
            raise CheckpointError("torch.utils.checkpoint: Recomputed values for the following tensors have "
                                  f"different metadata than during the forward pass.\n{''.join(mismatched)}.\n"
                                  f"{_DEBUG_TIP}")

    @staticmethod
    def _count_saved(nodes):
        return sum(1 for n in nodes for e in n._saved[_RESULT:] if e is not None)


def _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check, debug, args, kwargs):
    if determinism_check not in _DETERMINISM_MODES:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_MODES)}, but got "
                         f"{determinism_check}")
    if debug and context_fn is not noop_context_fn:
        raise ValueError("debug=True is incompatible with non-default context_fn")
    forward_ctx, recompute_ctx = context_fn()
    rng = _rng_state() if preserve else None
    with forward_ctx:
        start = Node()._seq
        outputs = function(*args, **kwargs)
        end = Node()._seq
    if not grad_mode.is_grad_enabled():
        return outputs
    nodes = _region_nodes(outputs, start, end)
    if nodes:
        region = _Region(function, args, kwargs, rng, recompute_ctx, determinism_check == "default")
        keep = {id(t) for t in _tensors_in((args, kwargs))}
        keep.update(id(e[0]) for node in nodes for e in node._saved[_FIRST_INPUT:]
                    if e is not None and isinstance(e[0], Tensor) and e[0]._grad_fn is None and e[0]._requires_grad)
        region.drop(nodes, keep)
    return outputs


# ---- public API --------------------------------------------------------------------------------

def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check=_DEFAULT_DETERMINISM_MODE, debug=False, early_stop=True, **kwargs):
    """Runs `function(*args, **kwargs)` without keeping its activations; backward recomputes them."""
    if use_reentrant is None:
        warnings.warn(MSG_USE_REENTRANT, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check, debug, args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs `functions` (a Sequential or a list) in `segments` chunks, checkpointing all but the last."""
    from ..nn import Sequential
    if use_reentrant is None:
        warnings.warn(MSG_USE_REENTRANT_SEQ, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
