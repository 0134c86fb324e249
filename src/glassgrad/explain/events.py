"""The one choke point every tracking event passes through.

Whenever tracking is cut or bent (detach, `.data`, `numpy()`, scalar export, an op run in a
grad-disabled mode on inputs that require grad, an integer cast, a non-differentiable op, a
`tensor(t)` copy, a new leaf from NumPy or Python data, an in-place version bump), the code that does
it calls `tracking_event` and nothing else. The engine and the optimizers report the few moments an
explanation needs (a backward, a value that had been cut feeding a recorded op, an optimizer step).
The recorder (explain/record.py) listens; while nobody listens a call costs one global lookup and one
comparison.
"""

__all__ = ["tracking_event", "set_listener", "get_listener", "KINDS", "CUT_KINDS"]

# events that cut or bend tracking: each leaves an untracked tensor or value behind
CUT_KINDS = frozenset({
    "detach", "data_get", "data_set", "numpy", "scalar", "grad_disabled_op", "integer_cast",
    "non_differentiable", "copy_construct", "new_leaf", "requires_grad_new_leaf", "inplace",
})
KINDS = CUT_KINDS | {
    "derived",       # an untracked op on a value that came from a cut
    "leaf_created",  # a leaf that requires grad was made (out: the leaf)
    "nonleaf_copy",  # .to()/.double()/.cuda() of a leaf that requires grad: the copy is not a leaf
    "frozen",        # requires_grad turned off on a leaf
    "fed",           # a value that came from a cut entered a recorded op (out: the node)
    "backward",      # a backward began (src: the roots, out: the nodes it reaches)
    "grad_read",     # a leaf's .grad was read while None (src: the leaf)
    "optimizer_step",  # an optimizer stepped (src: the optimizer)
    "node",          # a node was recorded (only while node_sites is on; out: the node)
    "zero_grad",     # an optimizer or module reset its gradients (src: the optimizer or module)
    "param_replaced",  # a module's registered parameter was replaced by another (src: the old, out: the new)
    "module_flag",   # `module.requires_grad = flag` set a plain attribute (src: the module)
}

_listener = None
# True once any tensor carries the record of a cut: until then ops need not look for one
tainted = False


def tracking_event(kind, op, src=None, out=None):
    """Reports that `op` (a name) cut or bent tracking: `src` is the tensor (or tensors) it came from,
    `out` what it produced. `kind` is one of KINDS. A batch of in-place updates made by one call (an optimizer
    step) is one event: "inplace" with `src` the tuple of the updated tensors, and "grad_disabled_op" with `src`
    and `out` both that same tuple."""
    if _listener is not None:
        _listener(kind, op, src, out)


def why(kind, subject):
    """Extra words for an error message: the explanation of `kind` ("no_grad_root", "inplace_saved",
    "leaf_inplace", "backward_twice") for `subject`, or "" while nobody records. PyTorch's text comes
    first, untouched; this is appended."""
    if _explainer is None or _listener is None:
        return ""
    return _explainer(kind, subject)


def set_explainer(fn):
    """Installs `fn(kind, subject) -> str`, the source of `why`."""
    global _explainer
    _explainer = fn


_explainer = None
node_sites = False  # when True (the command line sets it), every recorded op reports its node ("node")


def set_listener(fn):
    """Installs `fn(kind, op, src, out)` as the receiver of tracking events; returns the previous one.
    Pass None to stop listening."""
    global _listener
    prev, _listener = _listener, fn
    return prev


def get_listener():
    return _listener
