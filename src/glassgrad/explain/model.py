"""The explanation model: the records the recorder keeps and the rules read.

A `Site` is a place in the user's code; an `Event` one thing that cut or bent tracking there (with weak
references to the tensors involved and the events it came from); a `LeafInfo` what is known of a leaf
that requires grad; a `BackwardRecord` one backward; `OptimizerStats`/`ParamStats` what an optimizer's
steps found. None of them holds a strong reference to a tensor, an array or a graph node.
"""
import itertools
import linecache
import os
import sys
import weakref
from collections import deque

__all__ = ["PKG_DIR", "Site", "user_site", "Event", "LeafInfo", "BackwardRecord", "OptimizerStats", "ParamStats",
           "leaves_below", "unique"]

PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_seq = itertools.count(1)
_internal = {}  # file name -> whether it belongs to glassgrad (checked once per file)
_MAX_LEAVES = 64  # leaves remembered per event
_MAX_WALK = 20000  # nodes walked to find the leaves behind a cut
_MAX_CHAIN = 16  # events from a record back to its original cut(s), at most


class Site:
    """A place in the user's code: file, line and function; the line's text is read when asked."""
    __slots__ = ("file", "line", "func")

    def __init__(self, file, line, func):
        self.file = file
        self.line = line
        self.func = func

    @property
    def text(self):
        return linecache.getline(self.file, self.line).strip()

    @property
    def short(self):
        try:
            rel = os.path.relpath(self.file)
        except ValueError:
            rel = self.file
        return rel if not rel.startswith("..") else self.file

    def __str__(self):
        return f"{self.short}:{self.line}"

    def __repr__(self):
        return f"Site({self}, {self.text!r})"

    def as_dict(self):
        return {"file": self.short, "line": self.line, "text": self.text, "function": self.func}


def user_site():
    """The first frame outside glassgrad, as a Site (None when there is none)."""
    f = sys._getframe(2)
    internal = _internal
    while f is not None:
        code = f.f_code
        # NOTE: keyed by file name, whose hash Python caches: a code object's hash is recomputed on every lookup
        # (up to ~0.6 us for a large function), and this walks every internal frame of every event
        name = code.co_filename
        inside = internal.get(name)
        if inside is None:
            inside = internal[name] = name.startswith(PKG_DIR) or name.startswith("<frozen")
        if not inside:
            return Site(code.co_filename, f.f_lineno, code.co_name)
        f = f.f_back
    return None


class Event:
    """One recorded event. `src`: weak references to the tracked tensors it came from; `leaves`: weak
    references to the leaves those depended on; `cause`: the earlier events its input came from (a value
    exported from a detached tensor, an op on a value that had been cut); `note`: a detail (the grad mode,
    the dtype); `depth`: the length of the longest chain of causes behind it, itself included."""
    __slots__ = ("kind", "op", "site", "src", "leaves", "cause", "note", "seq", "node", "depth", "__weakref__")

    def __init__(self, kind, op, site, src=(), leaves=(), cause=(), note=None):
        self.kind = kind
        self.op = op
        self.site = site
        self.src = src
        self.leaves = leaves
        depth = 1
        if cause:
            depth = 1 + max(c.depth for c in cause)
            if depth > _MAX_CHAIN:
                # NOTE: a loop that feeds a cut value back into itself (`h = model(h)` under no_grad, a rollout)
                # would chain one record per iteration, all kept alive by the last value: memory that grows with
                # the steps, and a story as long. Past _MAX_CHAIN the record links straight to the original cuts.
                cause = _origins(cause) or cause[:1]
                depth = 1 + max(c.depth for c in cause)
        self.cause = cause
        self.depth = depth
        self.note = note
        self.seq = next(_seq)
        self.node = None  # a weak reference to the graph whose leaves are found only when asked (exports)

    def roots(self):
        """The cut events behind this one (itself when it is a cut), oldest first, without repeats."""
        out, seen, stack = [], set(), [self]
        while stack:
            e = stack.pop()
            if id(e) in seen:
                continue
            seen.add(id(e))
            if e.kind == "derived" or (not e.src and e.cause):
                stack.extend(e.cause)
            else:
                out.append(e)
        return sorted(out, key=lambda e: e.seq)

    def sources(self):
        return [t for t in (r() for r in self.src) if t is not None]

    def leaf_tensors(self):
        if not self.leaves and self.node is not None:
            node = self.node()
            if node is not None:
                self.leaves = tuple(weakref.ref(v) for v in unique(leaves_below(node)))
        return [t for t in (r() for r in self.leaves) if t is not None]

    def __repr__(self):
        return f"<Event {self.kind} {self.op} at {self.site}>"


def _origins(events):
    """The first events of the chains behind `events`: those with no cause of their own, oldest first."""
    out, seen, stack = [], set(), list(events)
    while stack and len(seen) < _MAX_WALK:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if e.cause:
            stack.extend(e.cause)
        else:
            out.append(e)
    return tuple(sorted(out, key=lambda e: e.seq)[:8])


class LeafInfo:
    """What the recorder knows of a leaf that requires grad: where it was made, the cuts that separated
    it from later computation, the copies made of it, where it was frozen."""
    __slots__ = ("site", "cuts", "copies", "frozen", "data_set")

    def __init__(self, site):
        self.site = site
        self.cuts = deque(maxlen=16)
        self.copies = deque(maxlen=8)
        self.frozen = None
        self.data_set = None


class BackwardRecord:
    """One backward: where it ran, its roots, the leaves it reached (by id), the cuts whose values fed its
    graph."""
    __slots__ = ("site", "seq", "roots", "reached", "fed", "op", "zeroing", "saturating", "leaves", "__weakref__")

    def __init__(self, site, op, roots, reached, fed):
        self.site = site
        self.op = op
        self.seq = next(_seq)
        self.roots = roots
        self.reached = reached
        self.fed = fed
        self.zeroing = []  # (node name, site, ids of the leaves behind it) of nodes whose gradient is zero by definition
        self.saturating = {}  # name -> site of the saturating nodes (relu, clamp...) in the graph
        self.leaves = ()  # weak references to the leaves reached (kept only for the command line)


class OptimizerStats:
    """Per optimizer: for each parameter (by id) how many steps after a backward found its gradient None
    or all zero, and the explanation of the first such step (taken while the tensors were alive)."""
    __slots__ = ("steps", "params", "__weakref__")

    def __init__(self):
        self.steps = 0
        self.params = {}  # id(param) -> ParamStats


class ParamStats:
    __slots__ = ("ref", "none", "zero", "checked", "sampled", "why", "first")

    def __init__(self, p):
        self.ref = weakref.ref(p)
        self.none = self.zero = self.checked = self.sampled = 0
        self.why = None
        self.first = _fingerprint(p)  # the value before the first step: "never changed" compares with it


def _fingerprint(p):
    d = p._data
    flat = d.reshape(-1)
    return (float(flat.sum()) if flat.size else 0.0, flat[:8].tolist())


def leaves_below(node, limit=_MAX_WALK):
    from ..autograd.graph import AccumulateGrad  # NOTE: not at the top: tensor.py imports this package
    out, seen, stack = [], {id(node)}, [node]
    while stack and len(seen) < limit:
        n = stack.pop()
        if type(n) is AccumulateGrad:
            out.append(n.variable)
            if len(out) >= _MAX_LEAVES:
                break
            continue
        for nxt, _ in n.next_functions:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return out


def unique(items):
    seen, out = set(), []
    for i in items:
        if id(i) not in seen:
            seen.add(id(i))
            out.append(i)
    return out
