"""Custom autograd functions: `class F(Function)` with `forward(ctx, ...)` and `backward(ctx, ...)`.

As in PyTorch, the ctx *is* the backward node (`y.grad_fn` is a `<F>Backward` instance) and carries
whatever the forward stores on it.
"""
import functools

import numpy as np

from . import grad_mode
from .graph import Node, ERR_BACKWARD_TWICE

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]

_gstate = grad_mode.state


class FunctionCtx:
    def save_for_backward(self, *tensors):
        from ..tensor import Tensor
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {len(self._to_save or ())} "
                                f"is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._to_save_forward = tensors

    def mark_dirty(self, *args):
        self._dirty = args

    def mark_non_differentiable(self, *args):
        self._non_differentiable = args

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node of a custom Function; one subclass per Function, named `<Name>Backward`."""
    _forward_cls = None

    def __init__(self):
        Node.__init__(self, ())
        self._to_save = None
        self._saved = None
        self._dirty = ()
        self._non_differentiable = ()
        self._materialize = True
        self._released = False
        self._out_meta = ()
        self._input_is_tensor = ()
        self.needs_input_grad = ()

    @property
    def num_outputs(self):
        return len(self._out_meta)

    @property
    def saved_tensors(self):
        if self._released:
            from ..explain.events import why
            raise RuntimeError(ERR_BACKWARD_TWICE + why("backward_twice", self))
        if self._saved is None:
            return ()
        from ..ops.registry import check_saved_version, raise_modified
        out = []
        for t, v, nr in self._saved:
            if t is not None:
                if nr is not None and t._vc.v != v:
                    # a saved output is named after this function, as PyTorch names it
                    raise_modified(t._dtype, list(t._data.shape), self, nr, t._vc.v, v, t._vc, self)
                check_saved_version(t, v, self)
            out.append(t)
        return tuple(out)

    saved_variables = saved_tensors

    def _release(self):
        if self._saved is not None:
            self._released = True
            self._saved = None

    def apply(self, grads):
        from ..tensor import Tensor, _new
        from .engine import state
        from .. import _dtype as D
        tensor_mode = state.create_graph
        wrapped = []
        for g, (shape, dt) in zip(grads, self._out_meta):
            if g is None:
                if self._materialize:
                    wrapped.append(_new(np.zeros(shape, dt.np), dt))
                else:
                    wrapped.append(None)
            elif tensor_mode:
                wrapped.append(g)
            else:
                g = np.asarray(g)
                wrapped.append(_new(g, D._BY_NP[g.dtype]))
        result = self._forward_cls.backward(self, *wrapped)
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = len(self._input_is_tensor)
        if len(result) < n_inputs:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{n_inputs}, got {len(result)})")
        result = result[:n_inputs] if all(r is None for r in result[n_inputs:]) else result
        if len(result) != n_inputs:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{n_inputs}, got {len(result)})")
        out = []
        for r, is_tensor in zip(result, self._input_is_tensor):
            if not is_tensor:
                if r is not None:
                    raise RuntimeError(f"function {self.name()} returned a gradient different than None at "
                                       f"position {len(out) + 1}, but the corresponding forward input was not a "
                                       f"Variable")
                continue
            if r is None:
                out.append(None)
            elif not isinstance(r, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type {type(r).__name__}; "
                                f"expected a Tensor or None")
            else:
                out.append(r if tensor_mode else r._data)
        return out


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        super().__init__(name, bases, attrs)


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable functions; call them with `F.apply(*args)`."""

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn(f"{type(self).__name__} should not be instantiated. Methods on autograd functions are all "
                      f"static, so you should invoke them on the class itself. Instantiating an autograd function "
                      f"will raise an error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        from ..tensor import Tensor, _edge
        ctx = cls._backward_cls()
        is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx._input_is_tensor = is_tensor
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        separate = cls.setup_context is not Function.setup_context
        with grad_mode.no_grad():
            if separate:
                outputs = cls.forward(*args, **kwargs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if separate:
            cls.setup_context(ctx, args, outputs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        record = _gstate.grad_enabled and any(ctx.needs_input_grad)
        if record:
            ctx.next_functions = tuple(_edge(a) or (None, 0) for a, t in zip(args, is_tensor) if t)
        dirty = {id(t) for t in ctx._dirty}
        nondiff = {id(t) for t in ctx._non_differentiable}
        inputs_by_id = {id(a) for a, t in zip(args, is_tensor) if t}
        results = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                results.append(o)
                continue
            differentiable = id(o) not in nondiff  # decided before an input is replaced by its alias
            if id(o) in dirty:
                _mark_dirty_output(o, record)
            elif id(o) in inputs_by_id:
                if record and not differentiable and o.requires_grad:
                    o = _detached_alias(o)  # NOTE: PyTorch returns such an input detached, not as a view
                else:
                    o = o.view_as(o) if not record else _alias(o)
            if record and differentiable and o._dtype.is_floating_point:
                o._grad_fn = ctx
                o._output_nr = i
                o._requires_grad = False
                if o._extra is not None:
                    o._extra.prov = None  # the forward ran untracked; the output now has history
                if o._base is not None and o._view is not None:
                    o._view.version = o._vc.v
            results.append(o)
        ctx._out_meta = tuple((o._data.shape, o._dtype) if isinstance(o, Tensor) else ((), None) for o in outs)
        if ctx._to_save is not None:
            out_nr = {id(o): i for i, o in enumerate(results) if isinstance(o, Tensor)}
            ctx._saved = tuple((t, t._vc.v, out_nr.get(id(t))) if t is not None else (None, None, None)
                               for t in ctx._to_save)
            ctx._to_save = None
        if record and _gstate.anomaly:
            import traceback
            ctx._trace = traceback.format_stack()[:-1]
        return results[0] if single else tuple(results)


def _detached_alias(t):
    from ..tensor import _new
    out = _new(t._data, t._dtype)
    out._vc = t._vc
    return out


def _alias(t):
    from ..ops.shape import ALIAS
    from ..ops.registry import apply
    with grad_mode.no_grad():
        return apply(ALIAS, (t,))


def _mark_dirty_output(t, record):
    t._vc.v += 1
    if record and t._grad_fn is None and t._requires_grad and t._base is None:
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")


class DelayedError(Node):
    """Stands in the graph for a backward marked once_differentiable: differentiating it again raises."""

    def __init__(self, msg, edges):
        Node.__init__(self, edges)
        self._msg = msg

    def apply(self, grads):
        raise RuntimeError(self._msg)


def once_differentiable(fn):
    """Marks a backward as not differentiable itself: it runs without recording a graph, and its results,
    when a graph of the gradient is being built, lead to an error if differentiated."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from ..tensor import Tensor, _new, _edge
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not _gstate.grad_enabled:
            return outputs
        edges = tuple(_edge(a) for a in args if isinstance(a, Tensor) and a.requires_grad)
        if not edges:
            return outputs
        node = DelayedError("trying to differentiate twice a function that was marked with @once_differentiable",
                            edges)
        single = not isinstance(outputs, tuple)
        wrapped = []
        for o in ((outputs,) if single else outputs):
            if isinstance(o, Tensor) and o._dtype.is_floating_point:
                o = _new(o._data, o._dtype, node, 0)
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)
    return wrapper
