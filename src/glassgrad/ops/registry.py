"""The op registry: one declaration per op, forward and derivative side by side.

    exp = primitive("exp", lambda xp, x: xp.exp(x), float_result=True)
    defvjp(exp, x=lambda grad, result: grad * result)

A VJP's parameter names say what it reads: `grad`, `result`, the forward's input names, `<input>_shape`,
the forward's keyword arguments, and `xp` (the array module; a tensor namespace when building a graph for
higher-order gradients). The registry saves exactly what the VJPs that will run read, version-checks the
saved tensors at backward, frees them after, un-broadcasts gradients and casts them to the input dtype.
Non-differentiable ops are declared with NON_DIFFERENTIABLE; ops whose gradient is zero almost
everywhere (sign, floor, round) with ZERO_GRAD, so explanations can name them.
"""
import inspect
import operator
import re
import traceback
import types

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..backends import get_array_module, silence, unsilence
from ..autograd.graph import Node, ERR_BACKWARD_TWICE, _sequence
from ..explain import events as _events
from ..explain.events import tracking_event
from ..tensor import Tensor, ViewInfo, _new, _edge, _extra

__all__ = ["primitive", "defvjp", "apply", "call", "records", "TENSOR_XP", "NON_DIFFERENTIABLE", "ZERO_GRAD", "OpDef", "OpNode",
           "unbroadcast", "check_saved_version"]

_gstate = grad_mode.state
_ndarray = np.ndarray
_new_object = object.__new__
_BY_NP = D._BY_NP


MSG_INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use "
    "it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


NON_DIFFERENTIABLE = _Sentinel("NON_DIFFERENTIABLE")
ZERO_GRAD = _Sentinel("ZERO_GRAD")
RELEASED = _Sentinel("RELEASED")

# slot numbers in a node's saved list
_GRAD, _RESULT, _XP = 0, 1, 2
_UNSAVED = (None, None, None)  # an output the backward does not read, in a multi-output op's saved result
_FIRST_INPUT = 3


class OpDef:
    __slots__ = ("name", "fwd", "inputs", "kwnames", "kwdefaults", "view", "plans", "kw_saved", "vjps", "specs", "node_cls", "promote",
                 "float_result", "nout", "nondiff_outputs", "saved_outputs", "differentiable", "quiet", "__weakref__")

    def __repr__(self):
        return f"<op {self.name}>"


_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)


def _parameters(fn):
    """[(name, kind, default)] of `fn`'s parameters in signature order, `kind` an inspect.Parameter kind.
    NOTE: read off the code object: inspect.signature costs ~15 us a call, and registering the ops makes ~700
    calls at import. Anything but a plain function (a partial, a builtin, a wrapper) goes through inspect."""
    if type(fn) is not types.FunctionType or hasattr(fn, "__wrapped__") or hasattr(fn, "__signature__"):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]
    code = fn.__code__
    names, npos, nkw = code.co_varnames, code.co_argcount, code.co_kwonlyargcount
    defaults = fn.__defaults__ or ()
    kwdefaults = fn.__kwdefaults__ or {}
    first_default = npos - len(defaults)
    out = [(names[i], _P.POSITIONAL_ONLY if i < code.co_posonlyargcount else _P.POSITIONAL_OR_KEYWORD,
            defaults[i - first_default] if i >= first_default else _P.empty) for i in range(npos)]
    rest = npos + nkw  # co_varnames holds the positional, the keyword-only, then *args and **kwargs
    if code.co_flags & inspect.CO_VARARGS:
        out.append((names[rest], _P.VAR_POSITIONAL, _P.empty))
        rest += 1
    out += [(names[i], _P.KEYWORD_ONLY, kwdefaults.get(names[i], _P.empty)) for i in range(npos, npos + nkw)]
    if code.co_flags & inspect.CO_VARKEYWORDS:
        out.append((names[rest], _P.VAR_KEYWORD, _P.empty))
    return out


def primitive(name, fwd, *, node=None, promote=False, float_result=False, nout=1, nondiff_outputs=(),
              saved_outputs=None, view=False, kw_saved=False, quiet=False):
    """Declares an op. `fwd(xp, *inputs, **kwargs)` computes on arrays; its positional parameters after
    `xp` are the inputs (tensors or Python scalars), its keyword-only ones the options. `quiet`: the forward
    may overflow or divide by zero, which PyTorch does silently (NumPy's warnings are switched off around it).
    `saved_outputs`: of a multi-output op whose VJP reads `result`, the outputs it reads (default all); only
    those are saved and checked for in-place changes, as PyTorch saves only max_pool's or sort's indices."""
    op = OpDef()
    op.name = name
    op.fwd = fwd
    op.quiet = quiet
    params = _parameters(fwd)[1:]
    op.inputs = tuple(p for p, kind, _ in params if kind in _POSITIONAL)
    op.kwnames = tuple(p for p, kind, _ in params if kind is _P.KEYWORD_ONLY)
    op.kwdefaults = {p: default for p, kind, default in params if kind is _P.KEYWORD_ONLY}
    reserved = {"grad", "result", "xp"} & (set(op.inputs) | set(op.kwnames))
    if reserved:
        # NOTE: a VJP reads these names as the incoming gradient, the output and the array module
        raise TypeError(f"op {name}: input or option named {sorted(reserved)}, a name VJPs reserve")
    op.view = view
    op.plans = {}  # (bitmask of the inputs that need a gradient, number of inputs) -> _Plan
    # PyTorch saves some options as tensors (index tensors): they are freed after backward too
    op.kw_saved = kw_saved
    op.vjps = (NON_DIFFERENTIABLE,) * len(op.inputs)
    op.specs = (None,) * len(op.inputs)
    op.differentiable = False
    op.promote = promote
    op.float_result = float_result
    op.nout = nout
    op.nondiff_outputs = frozenset(nondiff_outputs)
    op.saved_outputs = None if saved_outputs is None else frozenset(saved_outputs)
    node_name = node or ("".join(part.capitalize() for part in name.split("_") if part) + "Backward0")
    attrs = {"__slots__": (), "_op": op}
    if nout != 1:
        attrs["__slots__"] = ("_nout_meta",)
        attrs["num_outputs"] = property(lambda self: len(self._nout_meta))
    op.node_cls = type(node_name, (OpNode,), attrs)
    _ALL_OPS.append(op)
    return op


_ALL_OPS = []


def zero_gradient_node_names():
    """The names of the backward nodes whose every gradient is zero by definition (round, sign, floor...),
    so that an explanation can name them as the op that zeroed a gradient."""
    return {op.node_cls.__name__ for op in _ALL_OPS
            if op.differentiable and all(v is ZERO_GRAD or v is NON_DIFFERENTIABLE for v in op.vjps)}


def defvjp(op, **vjps):
    """Attaches the VJP of each named input (a function, NON_DIFFERENTIABLE or ZERO_GRAD)."""
    fns = list(op.vjps)
    specs = list(op.specs)
    for name, fn in vjps.items():
        i = op.inputs.index(name)
        fns[i] = fn
        specs[i] = None if isinstance(fn, _Sentinel) else _spec(op, fn)
    op.vjps = tuple(fns)
    op.specs = tuple(specs)
    op.differentiable = any(f is not NON_DIFFERENTIABLE for f in fns)


def _spec(op, fn):
    spec = []
    for p, _, _ in _parameters(fn):
        if p == "grad":
            spec.append(_GRAD)
        elif p == "result":
            spec.append(_RESULT)
        elif p == "xp":
            spec.append(_XP)
        elif p in op.inputs:
            spec.append(_FIRST_INPUT + op.inputs.index(p))
        elif p.endswith("_shape") and p[:-6] in op.inputs:
            spec.append(("shape", op.inputs.index(p[:-6])))
        elif p in op.kwnames:
            spec.append(("kw", p))
        else:
            raise TypeError(f"VJP of {op.name} reads unknown name {p!r}")
    return tuple(spec)


# ---- VJPs that call other ops --------------------------------------------------------------------

# Functions with NumPy's signatures over tensors, that a VJP may call as `xp.<name>` beyond those in
# ops/tensor_xp.py; an op family registers here the ones its VJPs need, next to those VJPs.
TENSOR_XP = {}


def call(xp, op, *inputs, **kw):
    """Runs the primitive `op` from inside a VJP: on arrays when `xp` is an array module, and as a recorded op
    when `xp` is the tensor namespace (create_graph=True), so that `op`'s own VJP gives the next order.

        # conv2d's input gradient is a transposed convolution, itself differentiable
        defvjp(CONV2D, x=lambda grad, w, xp: call(xp, CONV_T2D, grad, w))
    """
    if xp.__dict__.get("RECORDS", False):  # records(xp), inline: VJPs call this once per node
        return apply(op, inputs, kw or None)
    return op.fwd(xp, *inputs, **kw)


def records(xp):
    """Whether `xp` is the tensor namespace (a VJP building a graph, create_graph=True), not an array module."""
    # NOTE: not getattr(xp, "RECORDS", False): NumPy's module __getattr__ makes a missing name cost a microsecond
    return xp.__dict__.get("RECORDS", False)


# ---- forward -----------------------------------------------------------------------------------

# the largest finite value of each floating dtype: a Python number within it converts without overflow
_FLOAT_MAX = {np.dtype(t): float(np.finfo(t).max) for t in (np.float16, np.float32, np.float64)}


def _cast_inputs(op, inputs, arrays, xp):
    """Applies PyTorch's promotion to the array inputs; returns the result dtype."""
    dt = None
    uniform = True
    for a in inputs:
        if isinstance(a, Tensor):
            if dt is None:
                dt = a._dtype
            elif a._dtype is not dt:
                uniform = False
        elif a is not None and not ((type(a) is float or type(a) is int) and dt is not None and dt._cat == 2):
            uniform = False
    if uniform and dt is not None and (dt._cat == 2 or not op.float_result):
        if len(arrays) > 1:
            # NOTE: tensors of one floating dtype and Python numbers: the numbers become arrays of that dtype, the
            # value NumPy's promotion would give them, as it takes the ufunc twice as long to convert them itself
            npdt = dt.np
            top = _FLOAT_MAX.get(npdt)
            for i, a in enumerate(arrays):
                if (type(a) is float or type(a) is int) and top is not None and -top <= a <= top:
                    arrays[i] = xp.asarray(a, npdt)
        return dt
    if not uniform or dt is None:
        dt = D.result_type(*[a for a in inputs if a is not None])
    if op.float_result and dt._cat != 2:
        dt = D.get_default_dtype()
    npdt = dt.np
    for i, a in enumerate(arrays):
        if type(a) is _ndarray:
            if a.dtype != npdt:
                arrays[i] = a.astype(npdt)
        elif type(a) is int and dt._cat == 1:
            info = np.iinfo(npdt)
            if not info.min <= a <= info.max:
                arrays[i] = np.array(a).astype(npdt)  # wraps around, as PyTorch's integer cast does
    return dt


def apply(op, inputs, kw=None, record=True):
    """Runs `op` on `inputs` (tensors or Python scalars) and records it in the graph when grad mode is
    on and an input requires grad. Returns a Tensor, or a tuple of them for multi-output ops."""
    arrays = []
    requires = False
    for a in inputs:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            if not requires and (a._grad_fn is not None or a._requires_grad
                                 or (a._base is not None and a._base.requires_grad)):
                requires = True
        else:
            arrays.append(a)
    # the array module of the inputs: NumPy unless they live on another backend (CuPy)
    xp = np if type(arrays[0]) is _ndarray else get_array_module(*arrays)
    if op.promote or op.float_result:
        x = inputs[0]
        if len(inputs) > 1 or not isinstance(x, Tensor) or x._dtype._cat != 2:  # one floating tensor: nothing to do
            _cast_inputs(op, inputs, arrays, xp)
    try:
        if op.quiet:
            token = silence()
            try:
                out = op.fwd(xp, *arrays, **kw) if kw else op.fwd(xp, *arrays)
            finally:
                unsilence(token)
        else:
            out = op.fwd(xp, *arrays, **kw) if kw else op.fwd(xp, *arrays)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        from .inplace import broadcast_error
        shapes = [a.shape for a in arrays if type(a) is _ndarray]
        raise broadcast_error(*shapes[:2]) from None
    if op.view:
        return _make_views(op, inputs[0], out, kw, requires and record)
    cut = None  # why the output has no history although an input had some (a tracking event)
    if requires:
        if not record:
            requires = False  # the caller (an in-place op) records the op itself
        elif not _gstate.grad_enabled or _gstate.inference:
            cut = "grad_disabled_op"
            requires = False
        elif not op.differentiable:
            cut = "non_differentiable"
            requires = False
    elif _events.tainted and _has_provenance(inputs):
        cut = "derived"
    if op.nout == 1:
        if type(out) is not _ndarray:
            out = xp.asarray(out)
        dt = _BY_NP[out.dtype]
        if requires and dt._cat == 2:
            node = _make_node(op, inputs, kw, (out,))
            if node is not None:
                result = _new(out, dt, node, 0)
                if node._saved is not None and node._saved[_RESULT] is True:
                    node._saved[_RESULT] = (out, result._vc, 0)
                return result
            cut = "non_differentiable"
        elif requires:
            cut = "integer_cast"
        t = _new(out, dt)
        if _gstate.inference:
            _extra(t).inference = True
        if cut is not None:
            tracking_event(cut, op.name, inputs, t)
        return t
    outs = [o if type(o) is _ndarray else xp.asarray(o) for o in out]
    node = _make_node(op, inputs, kw, outs) if requires else None
    if requires and node is None:
        cut = "non_differentiable"
    results = []
    for i, o in enumerate(outs):
        dt = _BY_NP[o.dtype]
        if node is not None and i not in op.nondiff_outputs and dt._cat == 2:
            results.append(_new(o, dt, node, i))
        else:
            results.append(_new(o, dt))
    if node is not None and node._saved is not None and node._saved[_RESULT] is True:
        keep = op.saved_outputs  # (max_pool, sort...: only the indices, so `y.relu_()` keeps backward working)
        node._saved[_RESULT] = tuple((o, r._vc, 0) if keep is None or i in keep else _UNSAVED
                                     for i, (o, r) in enumerate(zip(outs, results)))
    if cut is not None:
        tracking_event(cut, op.name, inputs, tuple(r for r in results if r._grad_fn is None))
    return tuple(results)


def _has_provenance(inputs):
    """Whether an input carries the record of a cut (it came from a tracked tensor by an untracked path)."""
    for a in inputs:
        if isinstance(a, Tensor) and a._extra is not None and a._extra.prov is not None:
            return True
    return False


def _make_views(op, x, out, kw, requires):
    """Wraps the output(s) of a view op as views of `x`'s root base, sharing its version counter."""
    multi = op.nout != 1
    outs = out if multi else (out,)
    node = None
    cut = None
    if requires:
        if not _gstate.grad_enabled:
            cut = "grad_disabled_op"
        elif x._dtype._cat == 2:
            node = _make_node(op, (x,), kw, outs)
    base = x._base if x._base is not None else x
    parent = x._view.fn if x._base is not None and x._view is not None else None
    vc = x._vc
    # no_grad: 0 made with grad mode on; 1 made under no_grad; 2 a view of such a view (PyTorch words its
    # refusal differently). A view of a view inherits how its parent was made, as in PyTorch.
    no_grad = 0 if _gstate.grad_enabled else 1
    parent_info = x._view if x._base is not None else None
    if parent_info is not None:
        if not no_grad and parent_info.no_grad:
            no_grad = 2
        multi_meta = multi or parent_info.multi
        creator = op if multi or not parent_info.multi else parent_info.op
    else:
        multi_meta, creator = multi, op
    results = []
    for i, o in enumerate(outs):
        t = _new(o, x._dtype, node, i if multi else 0)
        t._base = base
        t._vc = vc
        t._view = ViewInfo(_view_fn(op, kw, i if multi else None, parent), multi_meta, no_grad, vc.v, creator)
        results.append(t)
    if cut is None and not requires and _events.tainted and _has_provenance((x,)):
        cut = "derived"
    if cut is not None:
        tracking_event(cut, op.name, (x,), tuple(results) if multi else results[0])
    return tuple(results) if multi else results[0]


def _view_fn(op, kw, index, parent):
    """A function that re-derives this view from any array laid out like the root base."""
    fwd = op.fwd
    kw = kw or {}
    own = ((lambda a: fwd(get_array_module(a), a, **kw)) if index is None
           else (lambda a: fwd(get_array_module(a), a, **kw)[index]))
    return own if parent is None else (lambda a: own(parent(a)))


_NO_EDGE = (None, 0)


def _make_node(op, inputs, kw, outs):
    vjps = op.vjps
    edges = []
    meta = []
    key = 0  # bit i set when input i needs a gradient
    dropped = False
    for i, a in enumerate(inputs):
        e = None
        if isinstance(a, Tensor) and vjps[i] is not NON_DIFFERENTIABLE:
            if a._base is None:
                fn = a._grad_fn
                if fn is not None:
                    e = (fn, a._output_nr)
                elif a._requires_grad:
                    e = (a._accumulator(), 0)
            else:
                e = _edge(a)
                # a view that requires grad only through its base, with no history of its own: PyTorch
                # records the op but its gradient has nowhere to go
                dropped = dropped or (e is None and a.requires_grad)
        if e is None:
            edges.append(_NO_EDGE)
            meta.append(None)
        else:
            key |= 1 << i
            edges.append(e)
            meta.append((a._data.shape, a._dtype))
    if not key and not dropped:
        return None  # the caller reports the cut: it holds the output
    # NOTE: Node.__init__'s three fields set here: one Python frame less on every recorded op
    node = _new_object(op.node_cls)
    node.next_functions = tuple(edges)
    node._seq = next(_sequence)
    node._x = None
    if _events.tainted and key != (1 << len(inputs)) - 1 and _has_provenance(inputs):
        tracking_event("fed", op.name, inputs, node)  # a value that had been cut enters the graph here
    n = len(inputs)
    plan = op.plans.get((key, n))
    if plan is None:
        plan = op.plans[key, n] = _Plan(op, tuple(bool(key >> i & 1) for i in range(n)))
    node._plan = plan
    node._kw = kw
    node._meta = meta
    if op.nout != 1:
        node._nout_meta = tuple((o.shape, o.dtype) for o in outs)
    if plan.saves:
        saved = [None] * (_FIRST_INPUT + len(inputs))
        for s in plan.saves:
            if s == _RESULT:
                saved[_RESULT] = True  # filled in by apply once the output tensor exists
            else:
                a = inputs[s - _FIRST_INPUT]
                if isinstance(a, Tensor):
                    if a._extra is not None and a._extra.inference:
                        raise RuntimeError(MSG_INFERENCE_SAVED)
                    saved[s] = (a, a._vc.v)
                else:
                    saved[s] = (a, None)
        node._saved = saved
    else:
        node._saved = [None] * _FIRST_INPUT if op.kw_saved else None
    if _gstate.anomaly:
        node._trace = traceback.format_stack()[:-3]
    if _events.node_sites:
        tracking_event("node", op.name, None, node)
    return node


class _Plan:
    """What a node of one op saves and runs at backward, for one pattern of inputs that need a gradient (built
    on the pattern's first use). Backward lays the values a VJP may read out in one list, by slot: the incoming
    gradient, the result, xp, the inputs, then the options and input shapes the VJPs read; `steps` gives, for each
    input that needs a gradient, its VJP and the slots of its arguments (an int for one, an itemgetter for more)."""
    __slots__ = ("saves", "steps", "extras")

    def __init__(self, op, needs):
        want = set()
        extras = []  # (kind, key) of the slots after the inputs: ("kw", name) or ("shape", input index)
        steps = []
        for i, need in enumerate(needs):
            fn = op.vjps[i]
            if not need:
                continue
            if fn is ZERO_GRAD:
                steps.append((i, fn, None))
                continue
            slots = []
            for s in op.specs[i]:
                if type(s) is tuple:
                    if s not in extras:
                        extras.append(s)
                    s = _FIRST_INPUT + len(needs) + extras.index(s)
                elif s >= _RESULT and s != _XP:
                    want.add(s)
                slots.append(s)
            steps.append((i, fn, slots[0] if len(slots) == 1 else operator.itemgetter(*slots)))
        # NOTE: inputs in order, then the result: the order PyTorch unpacks (and checks) saved values in
        self.saves = tuple(sorted(want, key=lambda s: (s == _RESULT, s)))
        self.steps = tuple(steps)
        self.extras = tuple(extras)


# ---- backward ----------------------------------------------------------------------------------

def unbroadcast(g, shape, xp):
    """Sums a gradient down to `shape` (the engine's job, not each op's)."""
    gshape = g.shape if hasattr(g, "shape") else ()
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    if g.shape != shape:
        g = xp.reshape(g, shape)
    return g


def check_saved_version(tensor, saved_version, saver=None):
    """Raises PyTorch's error if a saved input tensor was modified in place since it was saved."""
    current = tensor._vc.v
    if current == saved_version:
        return
    fn = tensor.grad_fn
    raise_modified(tensor._dtype, list(tensor._data.shape), fn, None if fn is None else tensor._output_nr,
                   current, saved_version, tensor._vc, saver)


def raise_modified(dt, shape, node, output_nr, current, expected, vc=None, saver=None):
    what = f"[{dt.legacy_type} [{', '.join(map(str, shape))}]]"
    if output_nr is not None:
        fname = forward_name(node)
        what += f", which is output {output_nr} of {fname},"
    if _gstate.anomaly:
        hint = ("Hint: the backtrace further above shows the operation that failed to compute its gradient. "
                "The variable in question was changed in there or anywhere later. Good luck!")
    else:
        hint = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
                "with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    raise RuntimeError(f"one of the variables needed for gradient computation has been modified by an "
                       f"inplace operation: {what} is at version {current}; expected version {expected} "
                       f"instead. {hint}" + _events.why("inplace_saved", (vc, saver, expected)))


def forward_name(node):
    """How PyTorch's messages name the forward op of a node: SigmoidBackward0 -> Sigmoid, PowBackward1 -> Pow1."""
    name = node.name()
    name = re.sub(r"Backward0$", "", name)
    return re.sub(r"Backward(\d*)$", r"\1", name)


class OpNode(Node):
    """The backward node of a registry op; subclassed once per op so `name()` reads `MulBackward0`."""
    __slots__ = ("_kw", "_meta", "_saved", "_plan")
    _nout_meta = None  # ((shape, dtype) of each output) in the node classes of multi-output ops, which add the slot

    def _release(self):
        if self._saved is not None:
            self._saved = RELEASED

    def _unpack(self, slot, tensor_mode):
        entry = self._saved[slot]
        if slot == _RESULT:
            if self._nout_meta is None:
                return self._unpack_result(entry, 0, tensor_mode)
            return tuple(None if e is _UNSAVED else self._unpack_result(e, i, tensor_mode)
                         for i, e in enumerate(entry))
        value, version = entry
        if version is None:
            return value
        if value._vc.v != version:
            check_saved_version(value, version, self)
        return value if tensor_mode else value._data

    def _unpack_result(self, entry, nr, tensor_mode):
        arr, vc, version = entry[:3]
        if vc.v != version:
            # an in-place op on a view saved the view, which PyTorch names after the view's own history
            name_node = entry[3] if len(entry) > 3 else self
            raise_modified(_BY_NP[arr.dtype], list(arr.shape), name_node, nr, vc.v, version, vc, self)
        if not tensor_mode:
            return arr
        t = _new(arr, _BY_NP[arr.dtype], self, nr)
        t._vc = vc
        return t

    def apply(self, grads):
        saved = self._saved
        if saved is RELEASED:
            raise RuntimeError(ERR_BACKWARD_TWICE + _events.why("backward_twice", self))
        tensor_mode = _engine_state.create_graph
        plan = self._plan
        if self._nout_meta is None:
            g = grads[0]
        else:
            g = tuple(gi if gi is not None else _zeros_for(m, tensor_mode, grads)
                      for gi, m in zip(grads, self._nout_meta))
        xp = _tensor_xp() if tensor_mode else (np if type(g) is _ndarray else get_array_module(*_as_seq(g)))
        meta = self._meta
        # the values the VJPs read, by slot (see _Plan); every saved value is checked before any VJP runs, in
        # PyTorch's order: that decides which modified value an error names
        vals = saved.copy() if saved is not None else []
        if len(vals) != _FIRST_INPUT + len(meta):  # nothing saved (or only options): every slot still has its place
            vals.extend([None] * (_FIRST_INPUT + len(meta) - len(vals)))
        vals[_GRAD] = g
        vals[_XP] = xp
        for s in plan.saves:
            entry = saved[s]
            if s == _RESULT:
                if self._nout_meta is None and not tensor_mode and entry[1].v == entry[2]:
                    vals[s] = entry[0]  # the common case of _unpack, inline
                else:
                    vals[s] = self._unpack(s, tensor_mode)
            elif entry[1] is None:
                vals[s] = entry[0]  # a number
            elif entry[0]._vc.v == entry[1] and not tensor_mode:
                vals[s] = entry[0]._data
            else:
                vals[s] = self._unpack(s, tensor_mode)
        for kind, key in plan.extras:
            if kind == "kw":
                kw = self._kw
                vals.append(kw[key] if kw and key in kw else self._op.kwdefaults[key])
            else:
                vals.append(meta[key][0] if meta[key] else None)
        out = [None] * len(meta)
        for i, fn, args in plan.steps:
            shape, dt = meta[i]
            if fn is ZERO_GRAD:
                out[i] = _zeros_for((shape, dt.np), tensor_mode, grads)
                continue
            gi = fn(vals[args]) if type(args) is int else fn(*args(vals))
            if gi is not None:
                if gi.shape != shape:
                    gi = unbroadcast(gi, shape, xp)
                if tensor_mode:
                    if gi.dtype is not dt:
                        gi = gi.to(dt)
                elif gi.dtype is not dt.np and gi.dtype != dt.np:
                    gi = gi.astype(dt.np)
            out[i] = gi
        return out


def _as_seq(g):
    return g if type(g) is tuple else (g,)


def _zeros_for(meta, tensor_mode, like):
    """Zeros of `meta` (shape, dtype) in the array module of the gradients `like` (a tensor when building a graph)."""
    shape, npdt = meta
    arrays = [g._data if isinstance(g, Tensor) else g for g in like if g is not None]
    z = get_array_module(*arrays).zeros(shape, npdt)
    return _new(z, _BY_NP[np.dtype(npdt)]) if tensor_mode else z


_txp = None
from ..autograd.engine import state as _engine_state  # noqa: E402  (engine imports nothing from ops)


def _tensor_xp():
    global _txp
    if _txp is None:
        from . import tensor_xp
        _txp = tensor_xp
    return _txp
