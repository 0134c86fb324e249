"""Pictures of the backward graph with its cuts and in-place conflicts, and a self-contained HTML report.

`draw(t)` returns a `graphviz.Digraph` of the graph backward would walk from `t`, drawn in the direction
the values flowed: leaves (named as the user's code names them) at the top, the backward nodes
(`MulBackward0`) in between, `t` at the bottom. A value that had been cut (detach, no_grad, `.numpy()`...)
enters the graph through a dashed edge from a grey "ghost" node that names the cut and its line; an
untracked `t` is drawn with the chain of cuts it came from and, while it is alive, the graph that was cut.
A node whose saved value was modified in place since it was saved (backward would raise) is red, with a
note naming the in-place op and its line.

    >>> import glassgrad as torch
    >>> from glassgrad.explain.draw import draw
    >>> w = torch.ones(3, requires_grad=True)
    >>> g = draw((w * 2).sum(), name="loss")
    >>> "MulBackward0" in g.source and "SumBackward0" in g.source
    True

`html_report(findings, tensors)` puts findings (from `explain`, `why_none`...) and drawings on one page
with no external resources. The `graphviz` package builds the DOT source; rendering it to SVG or PNG also
needs Graphviz's `dot` program.
"""
import html
import sys

from . import names, record, why
from .record import PKG_DIR, LeafInfo, Event

__all__ = ["draw", "html_report"]

_MAX_NODES = 2000  # backward nodes drawn before the drawing says "... more"
_MAX_GHOSTS = 64  # cut events drawn per drawing
_RESULT, _FIRST_INPUT = 1, 3  # slots of a registry node's saved list (ops/registry.py)

# styles: leaves light blue and the drawn tensor green (the convention of PyTorch graph drawings),
# cuts grey and dashed, conflicts red
_LEAF = {"shape": "box", "style": "filled,rounded", "fillcolor": "lightblue"}
_ROOT = {"shape": "box", "style": "filled,rounded", "fillcolor": "darkolivegreen1"}
_TENSOR = {"shape": "box", "style": "filled,rounded", "fillcolor": "lightyellow"}
_OP = {"shape": "box", "style": "filled", "fillcolor": "gray96"}
_GHOST = {"shape": "box", "style": "dashed,filled", "fillcolor": "gray92", "color": "gray50",
          "fontcolor": "gray30"}
_CUT_EDGE = {"style": "dashed", "color": "gray50"}
_CONFLICT = {"color": "red", "fontcolor": "red", "penwidth": "2"}
_NOTE = {"shape": "note", "color": "red", "fontcolor": "red", "style": "filled", "fillcolor": "mistyrose"}
_SAVED = {"shape": "box", "style": "filled", "fillcolor": "orange", "fontsize": "10"}

# how a ghost names each kind of cut
_CUT_WORDS = {
    "detach": "detach", "data_get": ".data", "data_set": ".data =", "numpy": ".numpy()",
    "integer_cast": "integer cast", "copy_construct": "torch.tensor()", "new_leaf": "new leaf",
    "requires_grad_new_leaf": "requires_grad_()", "derived": "derived", "inplace": "in-place",
}


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError("glassgrad.explain.draw needs the graphviz package: pip install graphviz "
                          "(and Graphviz's `dot` program to render SVG or PNG)") from None
    return graphviz


def _label(*lines, bold_first=True):
    """An HTML-like Graphviz label: the lines escaped, the first in bold, the others smaller."""
    out = []
    for i, line in enumerate(lines):
        if line is None:
            continue
        text = html.escape(str(line), quote=False)
        if i == 0 and bold_first:
            out.append(f"<B>{text}</B>")
        elif i == 0:
            out.append(text)
        else:
            out.append(f'<FONT POINT-SIZE="10">{text}</FONT>')
    return "<" + "<BR/>".join(out) + ">"


def _attr(text):
    """A plain attribute value (a tooltip): Graphviz reads backslashes as escapes, `\\n` as a line break."""
    return str(text).replace("\\", "\\\\").replace("\n", "\\n")


def _clip(text, n=48):
    return text if len(text) <= n else text[:n - 1] + "…"


def _shape(t):
    return "[" + ", ".join(str(n) for n in t.shape) + "]"


def _grad_fn(t):
    try:
        return t.grad_fn  # a view's history may be re-derived after an in-place op on its base
    except Exception:
        return t._grad_fn


# ---- names -----------------------------------------------------------------------------------------
def _user_names():
    """id -> name for the tensors the first frame outside glassgrad binds: its tensors by name, and the
    parameters of its modules as `model.weight`."""
    from ..tensor import Tensor
    from ..nn import Module
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(PKG_DIR):
        f = f.f_back
    out = {}
    if f is None:
        return out
    for scope in (f.f_globals, f.f_locals):  # locals last: they win
        for name, value in list(scope.items()):
            if name.startswith("_"):
                continue
            if isinstance(value, Tensor):
                out[id(value)] = name
            elif isinstance(value, Module):
                try:
                    for pname, p in list(value.named_parameters())[:512]:
                        out.setdefault(id(p), f"{name}.{pname}")
                except Exception:
                    pass  # a half-built module must not break a drawing
    return out


def _leaf_name(leaf, known):
    n = known.get(id(leaf))
    if n is not None:
        return n
    info = record.leaf_info(leaf)
    if isinstance(info, LeafInfo) and info.site is not None:
        return names.target(info.site)
    return None


def _leaf_site(leaf):
    info = record.leaf_info(leaf)
    return info.site if isinstance(info, LeafInfo) else None


def _cut_name(ev):
    """The expression a cut was taken from, as its line names it (`h` in `d = h.detach()`)."""
    return why.source_name(ev) if ev.site is not None else None


def _cut_words(ev):
    """What a ghost node calls a cut: `detach`, `no_grad`, `argmax (no gradient)`..."""
    k = ev.kind
    if k == "grad_disabled_op":
        return ev.note or "no_grad"
    if k == "non_differentiable":
        return f"{ev.op} (no gradient)"
    if k == "scalar":
        return f"{ev.op}()" if ev.op else "to a Python number"
    return _CUT_WORDS.get(k, k)


def _unique(items):
    seen = set()
    return [i for i in items if not (id(i) in seen or seen.add(id(i)))]


# ---- the drawing -------------------------------------------------------------------------------------
class _Drawing:
    """Walks the graphs and emits nodes and edges with stable ids (n1, n2... in the order met)."""

    def __init__(self, graph, known, show_saved):
        self.g = graph
        self.known = known
        self.show_saved = show_saved
        self.ids = {}  # ("f"|"t"|"e", id(obj)) -> node id
        self.keep = []  # what the ids were taken of, alive until the drawing is done
        self.count = 0
        self.nodes = 0
        self.ghosts = 0
        self.more = 0
        self.fed = {}  # id(node) -> events of cut values that entered there
        for ref, evs in list(record._fed.values()):
            node = ref()
            if node is not None:
                self.fed[id(node)] = (node, evs)

    def _new_id(self, key, obj):
        self.count += 1
        nid = f"n{self.count}"
        self.ids[key] = nid
        self.keep.append(obj)
        return nid

    def tensor(self, t, name=None, style=_TENSOR):
        """The node of tensor `t` (a leaf, or a value with its graph drawn above it)."""
        key = ("t", id(t))
        nid = self.ids.get(key)
        if nid is not None:
            return nid
        nid = self._new_id(key, t)
        fn = _grad_fn(t)
        leaf = fn is None and t.requires_grad
        name = name or (_leaf_name(t, self.known) if leaf else self.known.get(id(t)))
        site = _leaf_site(t) if leaf else None
        tip = f"made at {site}: {site.text}" if site is not None else (name or "")
        extra = "leaf" if leaf else ("no history" if fn is None else None)
        attrs = _LEAF if leaf and style is _TENSOR else style
        dtype = str(t.dtype).split(".")[-1]
        self.g.node(nid, _label(name or ("leaf" if leaf else "tensor"), f"{_shape(t)} {dtype}", extra),
                    tooltip=_attr(tip), **attrs)
        if fn is not None:
            self.g.edge(self.walk(fn), nid)
        # an untracked value, or a leaf re-made from one: the cuts it came from (a tensor with history may
        # carry the mark of a cut made inside a custom Function's forward: not a cut of its own)
        prov = record.prov_of(t) if fn is None else None
        if isinstance(prov, Event):
            gid = self.ghost(prov)
            if gid is not None:
                self.g.edge(gid, nid, **_CUT_EDGE)
        return nid

    def walk(self, root):
        """Draws the graph above backward node `root`; returns root's node id."""
        from ..autograd.graph import AccumulateGrad
        order, stack = [], [root]
        seen = {id(root)}
        while stack:
            node = stack.pop()
            order.append(node)
            for nxt, _ in node.next_functions:
                if nxt is not None and id(nxt) not in seen and ("f", id(nxt)) not in self.ids:
                    seen.add(id(nxt))
                    stack.append(nxt)
        mine = []  # the nodes this call draws (a cut's source graph may be drawn by a nested call)
        for node in order:
            if ("f", id(node)) in self.ids:
                continue
            if type(node) is AccumulateGrad:
                self.ids[("f", id(node))] = self.tensor(node.variable)
                continue
            if self.nodes >= _MAX_NODES:
                self.more += 1
                continue
            self.nodes += 1
            nid = self._new_id(("f", id(node)), node)
            mine.append((nid, node))
            conflicts = _conflicts(node)
            attrs = dict(_OP, **(_CONFLICT if conflicts else {}))
            self.g.node(nid, _label(node.name(), bold_first=False), tooltip=_attr(node.name()), **attrs)
            for i, c in enumerate(conflicts):
                self._note(nid, i, c)
            if self.show_saved:
                self._saved(nid, node, conflicts)
            hit = self.fed.get(id(node))
            if hit is not None and hit[0] is node:
                # a leaf re-made from a cut value (requires_grad_()) shows its cut itself, not here
                own = {id(record.prov_of(n.variable)) for n, _ in node.next_functions
                       if type(n) is AccumulateGrad}
                for ev in _unique(hit[1]):
                    if id(ev) in own:
                        continue
                    gid = self.ghost(ev)
                    if gid is not None:
                        self.g.edge(gid, nid, **_CUT_EDGE)
        for nid, node in mine:
            for nxt, _ in node.next_functions:
                src = self.ids.get(("f", id(nxt))) if nxt is not None else None
                if src is not None:
                    self.g.edge(src, nid)
        return self.ids.get(("f", id(root)), "more")

    def ghost(self, ev):
        """The grey node of a cut event, with the events it came from and the tensors it cut."""
        key = ("e", id(ev))
        nid = self.ids.get(key)
        if nid is not None or self.ghosts >= _MAX_GHOSTS:
            return nid
        self.ghosts += 1
        nid = self._new_id(key, ev)
        site = ev.site
        head = _cut_words(ev) + (f" · line {site.line}" if site is not None else "")
        text = _clip(site.text) if site is not None and site.text else None
        what, fix = why.describe(ev)
        tip = what + (f"\nfix: {fix}" if fix else "") + (f"\n{site}" if site is not None else "")
        self.g.node(nid, _label(head, text), tooltip=_attr(tip), **_GHOST)
        for cause in ev.cause:
            cid = self.ghost(cause)
            if cid is not None:
                self.g.edge(cid, nid, **_CUT_EDGE)
        src_name = _cut_name(ev)
        for i, t in enumerate(ev.sources()):
            self.g.edge(self.tensor(t, src_name if i == 0 else None), nid, label="cut", fontcolor="gray40",
                        **_CUT_EDGE)
        return nid

    def _note(self, nid, i, conflict):
        what, current, saved, bumps = conflict
        lines = [f"saved {what} was modified in place", f"version {current}, saved at version {saved}"]
        for _v, op, site in bumps:
            lines.append(f"{op if op.endswith('_') else op + '_'}" + (f" · line {site.line}" if site else "")
                         + (f": {_clip(site.text)}" if site is not None and site.text else ""))
        note = f"{nid}_inplace{i}"
        self.g.node(note, _label(*lines), tooltip=_attr("backward through this node would raise: " + lines[0]),
                    **_NOTE)
        self.g.edge(note, nid, color="red", style="dashed", arrowhead="none")

    def _saved(self, nid, node, conflicts):
        bad = {c[0] for c in conflicts}
        for i, (what, value, version, _vc) in enumerate(_saved_entries(node)):
            sid = f"{nid}_saved{i}"
            attrs = dict(_SAVED, **({"color": "red", "fontcolor": "red"} if what in bad else {}))
            shape = "[" + ", ".join(map(str, value.shape)) + "]"
            self.g.node(sid, _label(f"saved {what}", f"{shape} v{version}"), **attrs)
            self.g.edge(sid, nid, style="dotted", arrowhead="none")


# ---- saved values and in-place conflicts ----------------------------------------------------------------
def _saved_entries(node):
    """(what, value, saved version, version counter) for each version-checked value a registry node saved;
    nothing for other nodes and for nodes whose saved values were released by a backward."""
    from ..ops.registry import OpNode, RELEASED
    saved = getattr(node, "_saved", None) if isinstance(node, OpNode) else None
    if saved is RELEASED or not isinstance(saved, list):  # released by a backward, or nothing saved
        return []
    out = []
    names_ = getattr(node._op, "inputs", ())
    for slot, entry in enumerate(saved):
        if not isinstance(entry, tuple) or not entry:
            continue
        if slot == _RESULT:
            multi = isinstance(entry[0], tuple)
            for nr, e in enumerate(entry if multi else (entry,)):
                arr, vc, version = e[:3]
                what = f"output {nr}"
                out.append((what, arr, version, vc))
        elif slot >= _FIRST_INPUT:
            value, version = entry
            if version is None:
                continue  # a Python scalar: nothing to check
            i = slot - _FIRST_INPUT
            what = f"input {names_[i]}" if i < len(names_) else f"input {i}"
            out.append((what, value, version, value._vc))
    return out


def _conflicts(node):
    """(what, current version, saved version, [(version, op, site) bumps]) for each saved value that was
    modified in place since it was saved."""
    out = []
    for what, _value, version, vc in _saved_entries(node):
        if vc.v == version:
            continue
        log = getattr(vc, "log", None) or ()
        bumps = [b for b in log if version < b[0] <= vc.v]
        out.append((what, vc.v, version, bumps))
    return out


# ---- the public functions -------------------------------------------------------------------------------
def draw(t, *, name=None, format="svg", filename=None, show_saved=False):
    """The backward graph of `t` (a tensor or a list of tensors) as a `graphviz.Digraph`, with the cuts
    that fed it (grey, dashed) and the nodes whose saved values were modified in place (red).

    `name` labels `t` (default: the name the calling code binds to it); `show_saved` also draws the values
    each node saved for backward, with their versions. With `filename`, the drawing is also rendered there
    in `format` ("svg" or "png"; Graphviz's `dot` must be installed)."""
    graphviz = _graphviz()
    if format not in graphviz.FORMATS:
        raise ValueError(f"draw(): unknown format {format!r}; use 'svg' or 'png'")
    from ..tensor import Tensor
    many = isinstance(t, (list, tuple))
    tensors = list(t) if many else [t]
    for x in tensors:
        if not isinstance(x, Tensor):
            raise TypeError(f"draw(): expected a tensor or a list of tensors, got {type(x).__name__}")
    if isinstance(name, (list, tuple)):
        labels = list(name) + [None] * (len(tensors) - len(name))
    else:
        labels = [name] if not many else [f"{name}[{i}]" if name else None for i in range(len(tensors))]
    known = _user_names()
    g = graphviz.Digraph("glassgrad", format=format,
                         graph_attr={"rankdir": "TB", "nodesep": "0.3", "ranksep": "0.35"},
                         node_attr={"fontname": "Helvetica", "fontsize": "11"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    d = _Drawing(g, known, show_saved)
    for x, label in zip(tensors, labels):
        d.tensor(x, label or known.get(id(x)) or names.local_name(x), style=_ROOT)
    if d.more:
        g.node("more", _label(f"… {d.more} more nodes not drawn", bold_first=False), shape="plaintext")
    if filename is not None:
        data = g.pipe(format=format)
        with open(filename, "wb") as fh:
            fh.write(data)
    return g


def _finding_dicts(findings):
    """Plain dicts from Findings, Explanations (their findings, or their text when they have none) or dicts."""
    if isinstance(findings, (why.Finding, why.Explanation, dict)):
        findings = [findings]
    out = []
    for f in findings:
        if isinstance(f, why.Explanation):
            if f.findings:
                out.extend(x.as_dict() for x in f.findings)
            else:
                out.append({"kind": "note", "summary": f.text, "file": None, "line": None, "text": None,
                            "related": [], "fix": ""})
        elif isinstance(f, dict):
            out.append(f)
        else:
            out.append(f.as_dict())
    return out


_CSS = """
body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:72em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
ol.findings>li{margin:.8em 0;padding:.6em .8em;border-left:4px solid #c33;background:#fafafa}
.kind{display:inline-block;font:12px monospace;background:#c33;color:#fff;border-radius:3px;padding:0 .4em;
margin-right:.5em}.loc{font-family:monospace;color:#555}code{background:#eee;padding:0 .3em;border-radius:3px}
.fix{margin-top:.3em}.related{margin:.3em 0;color:#444}.role{font-style:italic}
figure{margin:1em 0;overflow:auto}figcaption{font-weight:bold;margin-bottom:.4em}
pre{background:#f4f4f4;padding:.8em;overflow:auto}.legend{color:#555;font-size:.9em}
"""
_LEGEND = ("Leaves light blue, the drawn tensor green; grey dashed boxes are cuts (values that left the graph) "
           "and the lines that made them; red nodes saved a value that was later modified in place, which makes "
           "backward through them fail.")


def _loc(file, line, text):
    e = html.escape
    where = f'<span class="loc">{e(str(file))}:{e(str(line))}</span>' if file else ""
    code = f" <code>{e(text)}</code>" if text else ""
    return where + code


def _finding_html(f):
    e = html.escape
    kind = str(f.get("kind") or "finding")
    parts = [f'<li><div class="head"><span class="kind">{e(kind)}</span>{e(str(f.get("summary", "")))}</div>']
    if f.get("file"):
        parts.append(f'<div class="where">{_loc(f["file"], f.get("line"), f.get("text"))}</div>')
    related = f.get("related") or []
    if related:
        parts.append('<ul class="related">')
        for r in related:
            parts.append(f'<li><span class="role">{e(str(r.get("role", "")))}</span> '
                         f'{_loc(r.get("file"), r.get("line"), r.get("text"))}</li>')
        parts.append("</ul>")
    if f.get("fix"):
        parts.append(f'<div class="fix"><b>Fix:</b> {e(str(f["fix"]))}</div>')
    parts.append("</li>")
    return "".join(parts)


def _svg_or_source(g):
    """The drawing as inline SVG, or its DOT source in a <pre> block when `dot` is not installed."""
    graphviz = _graphviz()
    try:
        svg = g.pipe(format="svg").decode("utf-8")
    except graphviz.ExecutableNotFound:
        return ('<p class="legend">Graphviz\'s <code>dot</code> program is not installed: the DOT source '
                'follows (render it with <code>dot -Tsvg</code>).</p><pre>' + html.escape(g.source) + "</pre>")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg  # inline: no XML declaration or doctype


def html_report(findings, tensors=(), filename=None, title="glassgrad explain"):
    """A self-contained HTML page: the findings (kind, summary, line, related lines, fix) and a drawing of
    each tensor in `tensors` (tensors, or (name, tensor) pairs). Returns the HTML; writes it to `filename`
    if given."""
    from ..tensor import Tensor
    e = html.escape
    items = _finding_dicts(findings)
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    known = _user_names()
    out = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title><style>{_CSS}</style></head><body>", f"<h1>{e(title)}</h1>",
           f"<h2>Findings ({len(items)})</h2>"]
    if items:
        out.append('<ol class="findings">' + "".join(_finding_html(f) for f in items) + "</ol>")
    else:
        out.append("<p>No findings.</p>")
    tensors = list(tensors)
    if tensors:
        out.append("<h2>Graphs</h2>")
        out.append(f'<p class="legend">{e(_LEGEND)}</p>')
    for i, entry in enumerate(tensors):
        if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str):
            name, t = entry
        else:
            name, t = known.get(id(entry)), entry
        name = name or f"tensor {i}"
        out.append(f"<figure><figcaption>{e(name)}</figcaption>{_svg_or_source(draw(t, name=name))}</figure>")
    out.append("</body></html>\n")
    page = "\n".join(out)
    if filename is not None:
        with open(filename, "w", encoding="utf-8") as fh:
            fh.write(page)
    return page
