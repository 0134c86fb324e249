"""The recorder: what happened to tracking and where, kept cheaply until someone asks why.

It listens to `explain.events`. For an event that matters it keeps a small record: the kind, the op,
the user's source location (the first stack frame outside glassgrad) and weak references to the
tensors involved; it marks the untracked tensors a cut produced (`tensor._extra.prov`), so that values
computed from them can be traced back to the cut; it keeps per-leaf notes (where the leaf was made,
which cuts separated it from later computation, which copies were made of it); and for each backward,
the leaves it reached and the cuts that fed it. Nothing here holds a strong reference to a tensor or a
node: all the work of explaining is deferred to `why.py`, when a question is asked.
"""
import os
import sys
import weakref
from collections import OrderedDict, deque

from . import events
from .model import (PKG_DIR, Site, user_site, Event, LeafInfo, BackwardRecord, OptimizerStats,  # noqa: F401
                    ParamStats, _seq, leaves_below as _leaves_below, unique as _unique)

__all__ = ["Site", "Event", "LeafInfo", "BackwardRecord", "user_site", "enable", "disable", "is_enabled",
           "prov_of", "leaf_info", "backwards", "last_backward", "exported_cause", "OptimizerStats"]

# ---- names bound on first use (tensor.py imports this package while it loads) ---------------------
Tensor = _extra = AccumulateGrad = _gstate = None


def _bind():
    global Tensor, _extra, AccumulateGrad, _gstate
    from ..tensor import Tensor as _T, _extra as _e
    from ..autograd.graph import AccumulateGrad as _A
    from ..autograd.grad_mode import state
    Tensor, _extra, AccumulateGrad, _gstate = _T, _e, _A, state


# ---- state ---------------------------------------------------------------------------------------
_backwards = deque(maxlen=8)
_fed = OrderedDict()  # id(node) -> (weakref(node), [events]): cut values that entered recorded ops
_exports = OrderedDict()  # id(array) -> (weakref(array), event): NumPy views handed out of tracked tensors
_scalars = OrderedDict()  # float -> event: Python numbers exported from tracked tensors
_optimizers = weakref.WeakKeyDictionary()  # optimizer -> OptimizerStats
_frozen = deque(maxlen=64)
_siblings = {}  # (file, line) -> weakrefs of the leaves made there
_module_flags = deque(maxlen=8)  # sites of `module.requires_grad = ...` (a plain attribute on a Module)
_replacements = deque(maxlen=64)  # parameters replaced in their modules
_cut_cache = OrderedDict()  # (kind, op, mode, file, line, ids of the leaves cut) -> the Event recorded for them
_all_stats = deque(maxlen=64)
_node_sites = weakref.WeakKeyDictionary()  # node -> Site, only while events.node_sites is on
_MAX_EXPORTS = 256
findings_sink = None  # set by the command line: receives each error explanation as it happens


def backwards():
    return list(_backwards)


def last_backward():
    return _backwards[-1] if _backwards else None


def live_optimizers():
    return list(_optimizers.keys())


def optimizer_stats():
    """Every optimizer's statistics, including those of optimizers that no longer exist."""
    return list(_all_stats)


def prov_of(t):
    x = t._extra
    return None if x is None else x.prov


def leaf_info(t):
    x = t._extra
    return None if x is None else x.origin


def _leaf_info_for(t, site=None):
    if _extra is None:
        _bind()
    x = _extra(t)
    if x.origin is None:
        x.origin = LeafInfo(site)
    return x.origin


def _tensors(obj):
    if isinstance(obj, Tensor):
        return (obj,)
    if isinstance(obj, (list, tuple)):
        if all(isinstance(o, Tensor) or not isinstance(o, (list, tuple)) for o in obj):
            return [o for o in obj if isinstance(o, Tensor)]
        out = []
        for o in obj:
            out.extend(_tensors(o))
        return out
    return ()


def _tracked(t):
    return t._grad_fn is not None or t._requires_grad or (t._base is not None and t._base.requires_grad)


def leaves_of(t):
    """The leaves that require grad and that `t`'s value depends on through its graph."""
    fn = t._grad_fn  # NOTE: the stored history: re-deriving a view's may raise, and a recorder must not
    if fn is None:
        if t._requires_grad:
            return [t]
        return leaves_of(t._base) if t._base is not None and t._base.requires_grad else []
    return _leaves_below(fn)


def _mark(out, ev):
    """Records `ev` as the provenance of the untracked tensor(s) `out`."""
    for t in _tensors(out):
        if not _tracked(t):
            _extra(t).prov = ev
            events.tainted = True


def _note_cut(ev, leaves):
    for leaf in leaves:
        _leaf_info_for(leaf).cuts.append(weakref.ref(ev))


# ---- handlers: one per kind ----------------------------------------------------------------------
def _on_cut(kind, op, src, out):
    """detach, .data, an op under no_grad, a non-differentiable op, an integer cast, tensor(t): the output
    has no history although an input had some."""
    if out is not None and type(src) is tuple and src and (src[0] is out or src is out):
        return  # an in-place update under no_grad (an optimizer step; `src is out`: a batch of them): the tensors
        # keep their history
    tracked, causes = [], []
    for t in _tensors(src):
        if _tracked(t):
            tracked.append(t)
        else:
            p = prov_of(t)
            if p is not None:
                causes.append(p)
    if not tracked:
        if causes and out is not None:
            _on_derived(kind, op, src, out, causes)
        return
    if out is None:
        return
    site = user_site()
    note = None
    if kind == "grad_disabled_op":
        note = "inference_mode" if _gstate.inference else "no_grad"
    # NOTE: an evaluation loop cuts the same parameters at the same lines every step: one record serves them all,
    # so the leaves' short lists of cuts are not flooded with copies of it (that would push out older cuts)
    key = (kind, op, note, site.file, site.line, tuple(map(id, tracked))) if site is not None and not causes \
        and tracked[0]._grad_fn is None else None
    if key is not None:
        ev = _cut_cache.get(key)
        if ev is not None and all(r() is t for r, t in zip(ev.src, tracked)):
            _mark(out, ev)
            return
    leaves = []
    for t in tracked:
        leaves.extend(leaves_of(t))
    if note == "no_grad" and _inside(_CHECKPOINT_FILE):
        note = "checkpoint"  # a reentrant checkpoint runs its function under no_grad
    ev = Event(kind, op, site, tuple(weakref.ref(t) for t in tracked),
               tuple(weakref.ref(leaf) for leaf in _unique(leaves)), tuple(causes), note)
    if key is not None:
        _remember(_cut_cache, key, ev)
    _note_cut(ev, _unique(leaves))
    if kind == "copy_construct":
        for t in tracked:
            if t._grad_fn is None and t._requires_grad:  # a copy of the leaf itself, not of a value made from it
                _leaf_info_for(t).copies.append(weakref.ref(ev))
    _mark(out, ev)


_CHECKPOINT_FILE = os.path.join(PKG_DIR, "utils", "checkpoint.py")


def _inside(filename):
    """Whether a frame of `filename` is on the stack."""
    f = sys._getframe(2)
    while f is not None:
        if f.f_code.co_filename == filename:
            return True
        f = f.f_back
    return False


def _on_derived(kind, op, src, out, causes=None):
    """An untracked op on a value that came from a cut: the output carries the cut along."""
    if causes is None:
        causes = [p for p in (prov_of(t) for t in _tensors(src)) if p is not None]
    if not causes:
        return
    # NOTE: keep chains short: an op on derived values points at their cuts, not at every step between
    flat = []
    for c in causes:
        flat.extend(c.cause if c.kind == "derived" and len(c.cause) < 4 else (c,))
    ev = Event("derived", op, user_site(), cause=tuple(_unique(flat))[:8])
    _mark(out, ev)


def _on_data_set(kind, op, src, out):
    t = src
    if not _tracked(t):
        return
    site = user_site()
    ev = Event(kind, op, site, (weakref.ref(t),), tuple(weakref.ref(leaf) for leaf in leaves_of(t)))
    if t.grad_fn is None:
        _leaf_info_for(t).data_set = ev


def _on_export(kind, op, src, out):
    """numpy(), np.asarray, item(), float()...: a value leaves glassgrad; it is remembered in case it comes
    back as a new leaf."""
    t = src
    cause = prov_of(t)
    if not _tracked(t) and cause is None:
        return
    # NOTE: `loss.item()` every step must not walk the graph: a non-leaf's leaves are found only if asked
    leaves = leaves_of(t) if _tracked(t) and t._grad_fn is None else []
    ev = Event(kind, op, user_site(), (weakref.ref(t),) if _tracked(t) else (),
               tuple(weakref.ref(leaf) for leaf in leaves), (cause,) if cause is not None else ())
    if t._grad_fn is not None:
        ev.node = weakref.ref(t._grad_fn)
    if leaves:
        _note_cut(ev, leaves)  # a leaf's own value exported: the usual start of a re-created tensor
    if kind == "numpy":
        arr = t._data
        _remember(_exports, id(arr), (weakref.ref(arr), ev))
    else:
        # NOTE: keyed by the number object itself (kept here, so its id stays its own): a literal that merely
        # equals an exported value is not linked to it
        for v in _numbers(out):
            _remember(_scalars, id(v), (v, ev))


def _numbers(value, limit=64):
    """The float objects an export handed out (item(), float(), the elements of tolist()), at most `limit`."""
    if isinstance(value, float):
        return [value]
    out, stack = [], [value]
    while stack and len(out) < limit:
        v = stack.pop()
        if isinstance(v, float):
            out.append(v)
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _remember(store, key, value):
    store[key] = value
    store.move_to_end(key)
    while len(store) > _MAX_EXPORTS:
        store.popitem(last=False)


def exported_cause(data, depth=0):
    """The export event a piece of data (an ndarray, a number, a nested list) came from, if any."""
    import numpy as np
    if isinstance(data, np.ndarray):
        a = data
        while a is not None:
            hit = _exports.get(id(a))
            if hit is not None and hit[0]() is a:
                return hit[1]
            a = a.base if isinstance(a.base, np.ndarray) else None
        return None
    if isinstance(data, float):
        hit = _scalars.get(id(data))
        return hit[1] if hit is not None and hit[0] is data else None
    if isinstance(data, (list, tuple)) and depth < 3:
        for v in data[:64]:
            hit = exported_cause(v, depth + 1)
            if hit is not None:
                return hit
    return None


def _on_new_leaf(kind, op, src, out):
    """A tensor made from NumPy or Python data: linked to the export it came from, if it is one."""
    cause = exported_cause(src) if (_exports or _scalars) and src is not None else None
    if cause is not None:
        ev = Event(kind, op, user_site(), cause=(cause,))
        _mark(out, ev)
    if out is not None and out._requires_grad:
        _on_leaf_created("leaf_created", op, None, out)


def _on_requires_grad(kind, op, src, out):
    """requires_grad_() on a leaf: a new leaf is born here; if its value came from a cut, it is a copy that
    the graph will stop at."""
    t = out
    cause = prov_of(t)
    site = user_site()
    info = _leaf_info_for(t, site)
    if info.site is None:
        info.site = site
    if cause is not None:
        ev = Event(kind, op, site, cause=(cause,))
        _note_copy(ev, t)
        info.cuts.append(weakref.ref(ev))
        t._extra.prov = ev  # keeps the story after the flag makes it a tracked leaf


def _on_leaf_created(kind, op, src, out):
    """A leaf that requires grad was made; a Parameter made from a value that had been cut from another leaf
    is a re-created parameter: the optimizer may still hold the old one."""
    info = _leaf_info_for(out)
    if info.site is None:
        info.site = user_site()
    cause = prov_of(src) if isinstance(src, Tensor) else None
    if cause is not None:
        ev = Event("requires_grad_new_leaf", op, info.site, cause=(cause,))
        out._extra.prov = ev
        _note_copy(ev, out)
    elif isinstance(src, Tensor) and _tracked(src):
        # nn.Parameter(t) of a tracked t copies the value into a new leaf: the graph stops there
        ev = Event("copy_construct", op, info.site, (weakref.ref(src),),
                   tuple(weakref.ref(v) for v in _unique(leaves_of(src))))
        out._extra.prov = ev
        for leaf in ev.leaf_tensors():
            if leaf is not out:
                _leaf_info_for(leaf).copies.append(weakref.ref(ev))
    if info.site is not None:
        key = (info.site.file, info.site.line)
        _siblings.setdefault(key, deque(maxlen=16)).append(weakref.ref(out))
        if len(_siblings) > 4096:
            _siblings.pop(next(iter(_siblings)))


def siblings(t):
    """The other leaves made on the same line as `t` (the parameters of one module)."""
    info = leaf_info(t)
    if info is None or info.site is None:
        return []
    refs = _siblings.get((info.site.file, info.site.line), ())
    return [s for s in (r() for r in refs) if s is not None and s is not t]


def _note_copy(ev, new_leaf):
    """Records `ev` (a new leaf made from a cut value) as a copy of the leaves the cut came straight from."""
    for root in ev.roots():
        direct = {id(s) for s in root.sources() if s._grad_fn is None}
        for leaf in root.leaf_tensors():
            if leaf is not new_leaf and id(leaf) in direct:
                _leaf_info_for(leaf).copies.append(weakref.ref(ev))


def _on_nonleaf_copy(kind, op, src, out):
    """.to()/.double()/.cuda() of a leaf that requires grad: the copy remembers where it was made."""
    _leaf_info_for(src)
    _extra(out).origin = Event(kind, op, user_site(), (weakref.ref(src),))


def _on_frozen(kind, op, src, out):
    site = user_site()
    _leaf_info_for(src).frozen = site
    _frozen.append((weakref.ref(src), site))


def frozen():
    """(weakref, site) of the leaves whose requires_grad was turned off, latest last."""
    return list(_frozen)


def _on_param_replaced(kind, op, src, out):
    """A module's parameter was replaced by a new one: an optimizer built before still holds the old one."""
    ev = Event(kind, op, user_site(), (weakref.ref(src),), (weakref.ref(src),))
    _leaf_info_for(src).copies.append(weakref.ref(ev))
    _replacements.append(ev)  # no tensor carries this record: keep it here (it holds weak references only)


def _on_module_flag(kind, op, src, out):
    _module_flags.append(user_site())


def _on_zero_grad(kind, op, src, out):
    global last_zero_grad
    last_zero_grad = (next(_seq), user_site())


last_zero_grad = None  # (sequence number, site) of the last zero_grad()


def _on_node(kind, op, src, out):
    _node_sites[out] = user_site()


def node_site(node):
    """Where the forward op of `node` ran (known while the command line records node sites)."""
    try:
        return _node_sites.get(node)
    except TypeError:
        return None


def _on_inplace(kind, op, src, out):
    """An in-place op bumped a version: remember which op and where, on the version counter itself. `src` is the
    tensor, or a tuple of the tensors one call updated together (an optimizer step): the site is looked up once."""
    site = user_site()
    for t in (src if type(src) is tuple else (src,)):
        vc = t._vc
        log = getattr(vc, "log", None)
        if log is None:
            log = vc.log = deque(maxlen=8)
        log.append((vc.v, op, site))


def _on_fed(kind, op, src, out):
    node = out
    provs = [p for p in (prov_of(t) for t in _tensors(src)) if p is not None]
    if not provs:
        return
    entry = _fed.get(id(node))
    if entry is None or entry[0]() is not node:
        _fed[id(node)] = (weakref.ref(node), provs)
        if len(_fed) > 4096:
            _fed.popitem(last=False)
    else:
        entry[1].extend(provs)


def _on_backward(kind, op, src, out):
    """A backward began: keep where, the leaves it reaches and the cuts that fed its graph."""
    seen = out
    # NOTE: the node classes first (a set built at C speed), then a pass per kind that occurs: most graphs hold a
    # handful of classes, and this runs for every backward
    by_kind = {1: set(), 2: set(), 3: set()}
    for cls in set(map(type, seen)):
        k = _node_kinds.get(cls)
        if k is None:
            k = _classify(cls)
        if k:
            by_kind[k].add(cls)
    sinks = [n for n in seen if type(n) in by_kind[1]] if by_kind[1] else []
    reached = {id(n.variable) for n in sinks}
    leaves = [n.variable for n in sinks] if findings_sink is not None else []
    zeroing = [n for n in seen if type(n) in by_kind[2]] if by_kind[2] else []
    saturating = [n for n in seen if type(n) in by_kind[3]] if by_kind[3] else []
    fed = []
    dead = []
    for key, (ref, provs) in _fed.items():
        node = ref()
        if node is None:
            dead.append(key)
        elif node in seen:
            for p in provs:
                fed.extend(p.roots())
    for key in dead:
        del _fed[key]
    tensors = _tensors(src)
    rec = BackwardRecord(user_site(), op, tuple(weakref.ref(t) for t in tensors), reached, _unique(fed))
    rec.leaves = tuple(weakref.ref(v) for v in leaves)
    rec.saturating = {}
    for n in saturating[:64]:
        rec.saturating.setdefault(type(n).__name__, node_site(n))
    for n in zeroing[:64]:
        rec.zeroing.append((type(n).__name__, node_site(n), {id(v) for v in _leaves_below(n)}))
    _backwards.append(rec)
    for t in tensors:
        p = prov_of(t)
        if t._grad_fn is None and t._requires_grad and p is not None and p.kind == "requires_grad_new_leaf":
            _warn_flagged_root(t, p)


def _warn_flagged_root(t, ev):
    """backward() on a loss that had no history until the user set requires_grad on it: it trains nothing."""
    import warnings
    from . import names
    name = names.receiver(ev.site, ("requires_grad_", "requires_grad")) or names.target(ev.site) or "the loss"
    msg = (f"glassgrad: backward() on `{name}`, which had no history: requires_grad was set on it at line "
           f"{ev.site.line} (`{ev.site.text}`). The gradient stops at `{name}` itself and reaches no parameter, so "
           f"this trains nothing. Find the cut that disconnected it (glassgrad.explain(...) before setting the flag) "
           f"and remove it instead of setting requires_grad.")
    if findings_sink is not None:
        findings_sink("flagged_root", t, (ev, msg))
    site = last_backward().site
    key = (site.file, site.line) if site is not None else None
    if key in _warned_roots:
        return  # once per line, as Python's own warnings show once per location
    _warned_roots.add(key)
    if site is not None:
        warnings.warn_explicit(msg, UserWarning, site.file, site.line)
    else:
        warnings.warn(msg, UserWarning)


_warned_roots = set()


_node_kinds = {}  # node class -> 0 plain, 1 leaf sink, 2 zero gradient by definition, 3 saturating
SATURATING = frozenset({"ReluBackward0", "ThresholdBackward0", "HardtanhBackward0", "ClampBackward1",
                        "ClampMinBackward0", "ClampMaxBackward0", "Relu6Backward0", "HardsigmoidBackward0",
                        "ThresholdBackwardBackward0"})


def _classify(cls):
    from ..ops.registry import zero_gradient_node_names
    name = cls.__name__
    k = 1 if cls is AccumulateGrad else 2 if name in zero_gradient_node_names() else 3 if name in SATURATING else 0
    _node_kinds[cls] = k
    return k


def _on_grad_read(kind, op, src, out):
    """A user read a leaf's .grad and found None after a backward: the command line reports it."""
    if not _backwards or findings_sink is None:
        return
    caller = sys._getframe(4)  # _on_grad_read <- _listen <- tracking_event <- Tensor.grad <- the reader
    if caller.f_code.co_filename.startswith(PKG_DIR):
        return
    # NOTE: only a module's frame is searched: on Python < 3.13 reading a function frame's f_locals keeps a
    # snapshot of its locals (tensors, graphs) alive until the frame ends
    name = next((k for k, v in caller.f_globals.items() if v is src), None) \
        if caller.f_code.co_name == "<module>" else None
    findings_sink("grad_read", src, (Site(caller.f_code.co_filename, caller.f_lineno, caller.f_code.co_name), name))


def _on_optimizer_step(kind, op, src, out):
    """An optimizer stepped: count, per parameter, the steps after a backward that found no gradient or a
    zero one, and keep the explanation of the first while the tensors are alive."""
    opt = src
    stats = _optimizers.get(opt)
    if stats is None:
        stats = _optimizers[opt] = OptimizerStats()
        _all_stats.append(stats)
    stats.steps += 1
    if not _backwards:
        return
    if findings_sink is not None:
        findings_sink("step", opt, stats)
    for group in opt.param_groups:
        for p in group["params"]:
            ps = stats.params.get(id(p))
            if ps is None or ps.ref() is not p:
                ps = stats.params[id(p)] = ParamStats(p)
            if not p.requires_grad:
                continue
            g = p._grad
            ps.checked += 1
            if g is None:
                ps.none += 1
            elif ps.checked <= 5 or ps.checked % 50 == 0:  # NOTE: a sample of the steps: any() reads the gradient
                ps.sampled += 1
                if g._data.any():
                    continue
                ps.zero += 1
            else:
                continue
            if ps.why is None and findings_sink is not None:
                findings_sink("optimizer_param", p, ps)


_HANDLERS = {
    "detach": _on_cut, "data_get": _on_cut, "grad_disabled_op": _on_cut, "non_differentiable": _on_cut,
    "integer_cast": _on_cut, "copy_construct": _on_cut, "derived": _on_derived, "data_set": _on_data_set,
    "numpy": _on_export, "scalar": _on_export, "new_leaf": _on_new_leaf,
    "requires_grad_new_leaf": _on_requires_grad, "leaf_created": _on_leaf_created,
    "nonleaf_copy": _on_nonleaf_copy, "frozen": _on_frozen, "inplace": _on_inplace, "fed": _on_fed,
    "backward": _on_backward, "grad_read": _on_grad_read, "optimizer_step": _on_optimizer_step, "node": _on_node,
    "zero_grad": _on_zero_grad, "param_replaced": _on_param_replaced, "module_flag": _on_module_flag,
}
_extra_listeners = []  # strict mode and tests add theirs here
_DEBUG = os.environ.get("GLASSGRAD_DEBUG_RECORDER") == "1"


def _listen(kind, op, src, out):
    if Tensor is None:
        _bind()
    handler = _HANDLERS.get(kind)
    if handler is not None:
        try:
            handler(kind, op, src, out)
        except Exception:
            # NOTE: recording must never break the program it watches; the tests set the variable to see
            if _DEBUG:
                raise
    for fn in _extra_listeners:
        fn(kind, op, src, out)


def enable():
    """Turns recording on (the default)."""
    events.set_listener(_listen)


def disable():
    """Turns recording off: events cost one check each and nothing is kept."""
    if events.get_listener() is _listen:
        events.set_listener(None)
        events.tainted = False  # ops stop looking for marks; the marks already made are kept


def is_enabled():
    return events.get_listener() is _listen


def add_listener(fn):
    _extra_listeners.append(fn)


def remove_listener(fn):
    if fn in _extra_listeners:
        _extra_listeners.remove(fn)


def reset():
    """Forgets everything recorded so far (the tensors keep their own marks)."""
    _backwards.clear()
    _fed.clear()
    _exports.clear()
    _scalars.clear()
    _optimizers.clear()
    _all_stats.clear()
    _frozen.clear()
    _siblings.clear()
    _cut_cache.clear()
    _module_flags.clear()
    _replacements.clear()
