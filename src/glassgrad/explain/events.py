"""The one choke point every tracking event passes through.

Whenever tracking is cut or bent (detach, `.data`, `numpy()`, scalar export, an op run in a
grad-disabled mode on inputs that require grad, an integer cast, a non-differentiable op, a
`tensor(t)` copy, a new leaf from NumPy or Python data, an in-place version bump), the code that does
it calls `tracking_event` and nothing else. Recording what happened and where is added here and
nowhere else; while nobody listens the call costs one global lookup and one comparison.
"""

__all__ = ["tracking_event", "set_listener", "get_listener", "KINDS"]

KINDS = frozenset({
    "detach", "data_get", "data_set", "numpy", "scalar", "grad_disabled_op", "integer_cast",
    "non_differentiable", "copy_construct", "new_leaf", "requires_grad_new_leaf", "inplace",
})

_listener = None


def tracking_event(kind, op, src=None, out=None):
    """Reports that `op` (a name) cut or bent tracking: `src` is the tensor (or tensors) it came from,
    `out` what it produced. `kind` is one of KINDS."""
    if _listener is not None:
        _listener(kind, op, src, out)


def set_listener(fn):
    """Installs `fn(kind, op, src, out)` as the receiver of tracking events; returns the previous one.
    Pass None to stop listening."""
    global _listener
    prev, _listener = _listener, fn
    return prev


def get_listener():
    return _listener
