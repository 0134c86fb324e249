"""explain.draw: the drawing of a backward graph (its nodes against PyTorch's graph, the grey dashed cuts with
their lines, the red in-place conflicts against the error PyTorch's backward raises), its rendering to SVG and
PNG, and the self-contained HTML report."""
import re
import shutil
import sys

import numpy as np
import pytest

from difftools import bug, glassgrad, torch

graphviz = pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
from glassgrad.explain import why  # noqa: E402
from glassgrad.explain.draw import draw, html_report  # noqa: E402

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's `dot` program is not installed: rendering to "
                               "SVG/PNG is not tested here (the DOT source is)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _line():
    """The line number of the caller's line."""
    return sys._getframe(1).f_lineno


# ---- reading the DOT source back ---------------------------------------------------------------------
_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")


def _text(label):
    """The lines of an HTML-like label, without the markup."""
    label = label[1:-1] if label.startswith("<") else label
    return [re.sub(r"<[^>]*>", "", part) for part in label.split("<BR/>")]


def parse(source):
    """nodes: id -> {"lines": label lines, "attrs": raw attributes}; edges: [(src, dst, raw attributes)]."""
    nodes, edges = {}, []
    for raw in source.splitlines():
        m = _EDGE.match(raw)
        if m:
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
            continue
        m = _NODE.match(raw)
        if m and m.group(1) not in ("graph", "node", "edge"):
            attrs = m.group(2)
            lab = re.match(r"label=(<.*?>>|<[^>]*>|\"[^\"]*\"|\S+)", attrs)
            nodes[m.group(1)] = {"lines": _text(lab.group(1)) if lab else [], "attrs": attrs}
    return nodes, edges


def _by_first_line(nodes, text):
    hits = [k for k, n in nodes.items() if n["lines"] and n["lines"][0] == text]
    assert hits, f"no node labelled {text!r}; labels: {[n['lines'] for n in nodes.values()]}"
    return hits


def _op_names(nodes):
    return sorted(n["lines"][0] for n in nodes.values() if "fillcolor=gray96" in n["attrs"])


def _torch_graph(root):
    """(sorted op node names, sorted (input node, node) name pairs) of a torch graph, leaves as 'leaf'."""
    names, pairs, seen, stack = [], [], set(), [root.grad_fn]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        names.append(fn.name())
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            leaf = nxt.name() == "torch::autograd::AccumulateGrad"
            pairs.append(("leaf" if leaf else nxt.name(), fn.name()))
            if not leaf:
                stack.append(nxt)
    return sorted(names), sorted(pairs)


def _dot_pairs(nodes, edges):
    """(input, node) name pairs of the solid edges between op nodes and leaves."""
    kind = {k: ("leaf" if "lightblue" in n["attrs"] else n["lines"][0]) for k, n in nodes.items()
            if "lightblue" in n["attrs"] or "gray96" in n["attrs"]}
    return sorted((kind[a], kind[b]) for a, b, attrs in edges if a in kind and b in kind and "dashed" not in attrs)


# ---- the graph ---------------------------------------------------------------------------------------
def test_plain_graph_has_torch_nodes_and_leaf_names():
    x_np = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)

    def program(lib):
        x = lib.tensor(x_np)
        w = lib.ones(3, 4, requires_grad=True)
        b = lib.zeros(4, requires_grad=True)
        y = (x @ w + b).relu().sum()
        return y

    y = program(glassgrad)
    nodes, edges = parse(draw(y, name="loss").source)
    want_names, want_pairs = _torch_graph(program(torch))
    assert _op_names(nodes) == want_names
    assert _dot_pairs(nodes, edges) == want_pairs
    # leaves named as the code names them (the line that made them), with their shapes; the root by name=
    (w_node,) = _by_first_line(nodes, "w")
    assert nodes[w_node]["lines"][1] == "[3, 4] float32" and "lightblue" in nodes[w_node]["attrs"]
    (b_node,) = _by_first_line(nodes, "b")
    assert nodes[b_node]["lines"][1] == "[4] float32"
    (root,) = _by_first_line(nodes, "loss")
    assert "darkolivegreen1" in nodes[root]["attrs"]
    assert not any("dashed" in n["attrs"] or "red" in n["attrs"] for n in nodes.values())


def test_root_named_from_caller_and_module_parameters():
    model = glassgrad.nn.Linear(3, 2)
    out = model(glassgrad.ones(4, 3)).sum()
    nodes, edges = parse(draw(out).source)
    _by_first_line(nodes, "out")
    (weight,) = _by_first_line(nodes, "model.weight")
    (bias,) = _by_first_line(nodes, "model.bias")
    assert nodes[weight]["lines"][1] == "[2, 3] float32" and nodes[bias]["lines"][1] == "[2] float32"


@bug("nn.Linear's graph has no TBackward0 between AddmmBackward0 and the weight (PyTorch: addmm(bias, x, "
     "weight.t())), and AddmmBackward0's next_functions are in another order")
def test_linear_graph_matches_torch():
    def program(lib):
        lib.manual_seed(0)
        return lib.nn.Linear(3, 2)(lib.ones(4, 3)).sum()

    nodes, edges = parse(draw(program(glassgrad)).source)
    want_names, want_pairs = _torch_graph(program(torch))
    assert (_op_names(nodes), _dot_pairs(nodes, edges)) == (want_names, want_pairs)


def test_list_of_tensors_with_names():
    w = glassgrad.ones(2, requires_grad=True)
    nodes, _ = parse(draw([w * 2, w.exp()], name=["double", "expd"]).source)
    _by_first_line(nodes, "double")
    _by_first_line(nodes, "expd")
    assert len(_by_first_line(nodes, "w")) == 1  # one leaf, shared by both graphs
    assert _op_names(nodes) == ["ExpBackward0", "MulBackward0"]


# ---- cuts --------------------------------------------------------------------------------------------
def test_detach_cut_is_a_dashed_ghost_with_its_line():
    w = glassgrad.ones(3, requires_grad=True)
    b = glassgrad.ones(3, requires_grad=True)
    h = w * 2
    line = _line() + 1
    d = h.detach()
    y = (d * b).sum()
    nodes, edges = parse(draw(y).source)
    (ghost,) = _by_first_line(nodes, f"detach · line {line}")
    assert nodes[ghost]["lines"][1] == "d = h.detach()"
    assert "dashed" in nodes[ghost]["attrs"] and "gray92" in nodes[ghost]["attrs"]
    # the cut value enters the graph at the MulBackward0 of `d * b`
    into = [(b_, attrs) for a, b_, attrs in edges if a == ghost]
    assert len(into) == 1 and "style=dashed" in into[0][1]
    assert nodes[into[0][0]]["lines"][0] == "MulBackward0"
    # and the graph that was cut is drawn above the ghost: w -> MulBackward0 -> h -cut-> ghost
    (h_node,) = _by_first_line(nodes, "h")
    assert any(a == h_node and b_ == ghost and "style=dashed" in attrs for a, b_, attrs in edges)
    _by_first_line(nodes, "w")
    _by_first_line(nodes, "b")
    # torch agrees that the cut leaves h's branch out of y's graph
    tw = torch.ones(3, requires_grad=True)
    ty = ((tw * 2).detach() * torch.ones(3, requires_grad=True)).sum()
    assert _torch_graph(ty)[0] == ["MulBackward0", "SumBackward0"]


def test_cut_of_a_value_from_the_same_graph():
    w = glassgrad.ones(3, requires_grad=True)
    h = w.exp()
    y = (h * h.detach()).sum()
    nodes, edges = parse(draw(y).source)
    pairs = [(a, b) for a, b, _ in edges]
    assert len(pairs) == len(set(pairs)), pairs  # the shared part is drawn once
    (exp,) = _by_first_line(nodes, "ExpBackward0")
    (mul,) = _by_first_line(nodes, "MulBackward0")
    (h_node,) = _by_first_line(nodes, "h")
    ghost = [a for a, b, attrs in edges if b == mul and "dashed" in attrs]
    assert len(ghost) == 1 and nodes[ghost[0]]["lines"][0].startswith("detach · line")
    assert {(exp, mul), (exp, h_node), (h_node, ghost[0])} <= set(pairs)
    assert _op_names(nodes) == _torch_graph((lambda h: (h * h.detach()).sum())(
        torch.ones(3, requires_grad=True).exp()))[0]


def test_source_text_is_escaped_in_labels():
    w = glassgrad.ones(3, requires_grad=True)
    d = w.detach() if 1 < 2 else w  # <&>
    source = draw(d * w).source
    assert "<FONT POINT-SIZE=\"10\">d = w.detach() if 1 &lt; 2 else w  # &lt;&amp;&gt;</FONT>" in source
    if HAS_DOT:
        svg = draw(d * w).pipe(format="svg").decode()
        assert "d = w.detach() if 1 &lt; 2 else w" in svg


def test_no_grad_cut_of_an_untracked_tensor():
    w = glassgrad.ones(3, requires_grad=True)
    with glassgrad.no_grad():
        line_cut = _line() + 1
        z = w * 3
    line_derived = _line() + 1
    q = z + 1
    assert not q.requires_grad
    nodes, edges = parse(draw(q).source)
    (root,) = _by_first_line(nodes, "q")
    assert "no history" in nodes[root]["lines"]
    (cut,) = _by_first_line(nodes, f"no_grad · line {line_cut}")
    (derived,) = _by_first_line(nodes, f"derived · line {line_derived}")
    (w_node,) = _by_first_line(nodes, "w")
    dashed = {(a, b) for a, b, attrs in edges if "style=dashed" in attrs}
    assert {(w_node, cut), (cut, derived), (derived, root)} <= dashed


def test_no_grad_value_feeding_a_graph():
    w = glassgrad.ones(3, requires_grad=True)
    b = glassgrad.ones(3, requires_grad=True)
    with glassgrad.no_grad():
        line = _line() + 1
        z = w * 3
    loss = (z * b).sum()
    nodes, edges = parse(draw(loss).source)
    (ghost,) = _by_first_line(nodes, f"no_grad · line {line}")
    targets = [nodes[b_]["lines"][0] for a, b_, attrs in edges if a == ghost and "dashed" in attrs]
    assert targets == ["MulBackward0"]


def test_leaf_remade_from_a_cut_value():
    w = glassgrad.ones(3, requires_grad=True)
    line = _line() + 1
    w2 = w.detach().clone().requires_grad_()
    loss = (w2 * 2).sum()
    nodes, edges = parse(draw(loss).source)
    (leaf,) = _by_first_line(nodes, "w2")
    (ghost,) = _by_first_line(nodes, f"requires_grad_() · line {line}")
    (cut,) = _by_first_line(nodes, f"detach · line {line}")
    (w_node,) = _by_first_line(nodes, "w")
    dashed = [(a, b) for a, b, attrs in edges if "style=dashed" in attrs]
    assert (ghost, leaf) in dashed and (w_node, cut) in dashed
    assert [b for a, b in dashed if a == ghost] == [leaf]  # not also into the MulBackward0 w2 feeds


def test_custom_function_output_has_no_ghost():
    class Double(glassgrad.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2  # runs with grad mode off: not a cut of the output's history

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = glassgrad.ones(3, requires_grad=True)
    nodes, edges = parse(draw(Double.apply(x), name="out").source)
    assert [n["lines"][0] for n in nodes.values()] == ["out", "DoubleBackward", "x"]
    assert not any("dashed" in attrs for _, _, attrs in edges)


def test_huge_graph_is_capped():
    draw_module = sys.modules["glassgrad.explain.draw"]  # glassgrad.explain.draw the attribute is the function
    t = glassgrad.ones(2, requires_grad=True)
    for _ in range(draw_module._MAX_NODES + 10):
        t = t + 1
    nodes, _ = parse(draw(t).source)
    assert len(_op_names(nodes)) == draw_module._MAX_NODES
    assert nodes["more"]["lines"] == ["… 10 more nodes not drawn"]


def test_untracked_tensor_without_a_cut():
    t = glassgrad.zeros(2)
    nodes, edges = parse(draw(t).source)
    assert [n["lines"] for n in nodes.values()] == [["t", "[2] float32", "no history"]]
    assert edges == []


# ---- in-place conflicts --------------------------------------------------------------------------------
def _torch_modified_node(program):
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        program(torch).sum().backward()
    return re.search(r"output \d+ of (\w+)", str(info.value)).group(1)


def _forward_name(node_name):
    """How PyTorch's in-place error names a node's forward op: SigmoidBackward0 -> Sigmoid."""
    return re.sub(r"Backward(\d*)$", lambda m: "" if m.group(1) == "0" else m.group(1), node_name)


def test_inplace_conflict_is_red_on_the_node_backward_fails_at():
    line = None

    def program(lib):
        nonlocal line
        x = lib.ones(3, requires_grad=True)
        y = x.sigmoid()
        line = _line() + 1
        y.mul_(2)
        return y

    y = program(glassgrad)
    nodes, edges = parse(draw(y).source)
    red = [k for k, n in nodes.items() if "color=red" in n["attrs"] and "gray96" in n["attrs"]]
    assert [nodes[k]["lines"][0] for k in red] == ["SigmoidBackward0"]
    assert _forward_name(nodes[red[0]]["lines"][0]) == _torch_modified_node(program)
    assert "penwidth=2" in nodes[red[0]]["attrs"]
    (note,) = [k for k, n in nodes.items() if "shape=note" in n["attrs"]]
    assert nodes[note]["lines"][0] == "saved output 0 was modified in place"
    assert f"mul_ · line {line}: y.mul_(2)" in nodes[note]["lines"]
    assert "version 1, saved at version 0" in nodes[note]["lines"]
    assert any(a == note and b == red[0] and "color=red" in attrs for a, b, attrs in edges)
    (mul,) = _by_first_line(nodes, "MulBackward0")
    assert "red" not in nodes[mul]["attrs"]
    with pytest.raises(RuntimeError, match="output 0 of Sigmoid,"):
        y.sum().backward()


def test_inplace_conflict_on_a_saved_input():
    x = glassgrad.ones(3, requires_grad=True)
    w = glassgrad.ones(3, requires_grad=True)
    a = x * 1
    c = a * w
    line = _line() + 1
    a.add_(1)
    nodes, _ = parse(draw(c, show_saved=True).source)
    red = [n["lines"][0] for n in nodes.values() if "color=red" in n["attrs"] and "gray96" in n["attrs"]]
    assert red == ["MulBackward0"]  # the node of `a * w`, which saved `a`; `x * 1` saved nothing that changed
    (note,) = [n for n in nodes.values() if "shape=note" in n["attrs"]]
    assert note["lines"][0].startswith("saved input") and note["lines"][0].endswith("was modified in place")
    assert any(line_.startswith(f"add_ · line {line}") for line_ in note["lines"])
    saved = [n for n in nodes.values() if n["lines"] and n["lines"][0].startswith("saved input")
             and "orange" in n["attrs"]]
    assert sorted(s["lines"][1] for s in saved) == ["[3] v0", "[3] v0"]
    assert sum("color=red" in s["attrs"] for s in saved) == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_released_graph_is_not_a_conflict():
    def program(lib):
        x = lib.ones(3, requires_grad=True)
        y = x.sigmoid()
        y.sum().backward()
        y.mul_(2)
        return y

    y = program(glassgrad)
    nodes, _ = parse(draw(y).source)
    assert not any("red" in n["attrs"] for n in nodes.values())
    assert _op_names(nodes) == ["MulBackward0", "SigmoidBackward0"]
    for lib, t in ((torch, program(torch)), (glassgrad, y)):
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            t.sum().backward()


# ---- rendering -------------------------------------------------------------------------------------------
def _detached_graph():
    w = glassgrad.ones(3, requires_grad=True)
    d = (w * 2).detach()
    return (d * w).sum()


def test_draw_returns_a_digraph_and_rejects_unknown_formats():
    y = _detached_graph()
    assert isinstance(draw(y), graphviz.Digraph)
    with pytest.raises(ValueError, match=r"draw\(\): unknown format 'jpeg2'; use 'svg' or 'png'"):
        draw(y, format="jpeg2")
    with pytest.raises(TypeError, match=r"draw\(\): expected a tensor or a list of tensors, got ndarray"):
        draw(np.ones(3))


@needs_dot
def test_renders_svg(tmp_path):
    y = _detached_graph()
    path = tmp_path / "graph.svg"
    g = draw(y, filename=str(path))
    assert isinstance(g, graphviz.Digraph)
    svg = path.read_text(encoding="utf-8")
    assert "<svg" in svg and "MulBackward0" in svg and "detach · line" in svg
    assert "stroke-dasharray" in svg  # the dashed ghost


@needs_dot
def test_renders_png(tmp_path):
    path = tmp_path / "graph.png"
    g = draw(_detached_graph(), format="png", filename=str(path))
    assert isinstance(g, graphviz.Digraph)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, data[:16]
    assert g.pipe(format="png")[:8] == PNG_SIGNATURE


# ---- the HTML report --------------------------------------------------------------------------------------
def _report_inputs():
    w = glassgrad.ones(3, requires_grad=True)
    line = _line() + 1
    d = w.detach()
    q = d * 2
    finding = why.Finding("custom", "a < b & <script>alert(1)</script>", None, [], "keep x > 0")
    return [why.explain(q, "q"), finding], q, line


def _check_findings(page, line):
    assert "<script" not in page and "alert(1)</script>" not in page
    assert "a &lt; b &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "keep x &gt; 0" in page
    assert f":{line}</span> <code>d = w.detach()</code>" in page  # the primary location with its text
    assert page.count('<span class="kind">') == 2 and '<span class="kind">detach</span>' in page
    assert page.startswith("<!DOCTYPE html>") and "<link" not in page and " src=" not in page


@needs_dot
def test_html_report_escapes_and_inlines_svg(tmp_path):
    findings, q, line = _report_inputs()
    path = tmp_path / "report.html"
    page = html_report(findings, [q], filename=str(path), title="why <q>")
    assert path.read_text(encoding="utf-8") == page
    _check_findings(page, line)
    assert "<title>why &lt;q&gt;</title>" in page
    assert page.count("<svg") == 1 and "<?xml" not in page and "<figcaption>q</figcaption>" in page


def test_html_report_without_dot_shows_the_dot_source(monkeypatch):
    findings, q, line = _report_inputs()

    def no_dot(self, *args, **kwargs):
        raise graphviz.ExecutableNotFound(("dot",))

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    page = html_report(findings, [("the q", q)])
    _check_findings(page, line)
    assert "<svg" not in page
    pre = re.search(r"<pre>(.*?)</pre>", page, re.S).group(1)
    assert pre.startswith("digraph glassgrad {") and "&lt;B&gt;detach · line" in pre
    assert "<figcaption>the q</figcaption>" in page


def test_html_report_with_no_findings():
    page = html_report([])
    assert "<h2>Findings (0)</h2>" in page and "<p>No findings.</p>" in page and "<figure>" not in page
