"""The rules: from recorded events to answers in plain words, each with the source line and the fix.

`explain(t)` says why `t` does or does not require grad; `why_none(t)` why a tensor's `.grad` is None
or all zero after backward; the `*_message` functions give the why that errors carry. Every answer is
an `Explanation`: a text and the `Finding`s behind it (kind, one-line summary, primary location,
related locations, fix), which the reports, the drawing and the command line render.
"""
from . import names, record
from .record import Site, prov_of, leaf_info

__all__ = ["Finding", "Explanation", "explain", "why_none", "story"]


class Finding:
    """One thing worth telling: `kind`, a one-line `summary`, the primary `site`, `related` sites (each a
    (Site, role) pair) and the `fix`."""
    __slots__ = ("kind", "summary", "site", "related", "fix")

    def __init__(self, kind, summary, site, related=(), fix=""):
        self.kind = kind
        self.summary = summary
        self.site = site
        self.related = []
        seen = {(site.file, site.line)} if site is not None else set()
        for r in related:
            if r[0] is not None and (r[0].file, r[0].line) not in seen:
                seen.add((r[0].file, r[0].line))
                self.related.append(r)
        self.fix = fix

    def key(self):
        return (self.kind, self.site.file if self.site else None, self.site.line if self.site else None)

    def as_dict(self):
        s = self.site
        return {"kind": self.kind, "summary": self.summary,
                "file": s.short if s else None, "line": s.line if s else None, "text": s.text if s else None,
                "related": [{"file": r.short, "line": r.line, "text": r.text, "role": role}
                            for r, role in self.related],
                "fix": self.fix}

    def __str__(self):
        where = f"{self.site}: {self.site.text}\n    " if self.site else ""
        rel = "".join(f"\n    {role}: {r} {r.text}" for r, role in self.related)
        return f"[{self.kind}] {where}{self.summary}{rel}\n    fix: {self.fix}"

    __repr__ = __str__


class Explanation:
    """An answer: `text` for people, `findings` for tools; `str()` gives the text."""
    __slots__ = ("text", "findings", "requires_grad")

    def __init__(self, text, findings=(), requires_grad=None):
        self.text = text
        self.findings = list(findings)
        self.requires_grad = requires_grad

    def __str__(self):
        return self.text

    def __repr__(self):
        return self.text


def _q(s):
    return f"`{s}`" if s else "the tensor"


def _at(site):
    return f"line {site.line} (`{site.text}`)" if site is not None and site.text else \
        (f"line {site.line}" if site is not None else "an unknown line")


# ---- one cut, in words -----------------------------------------------------------------------------
_RECEIVER_ATTRS = {
    "detach": ("detach", "detach_"), "data_get": ("data",), "numpy": ("numpy",),
    "scalar": ("item", "tolist"),
}


def source_name(ev):
    """The name the source line gives the tracked tensor a cut came from (`a` in `d = a.detach()`)."""
    return _src_name(ev)


def _src_name(ev):
    attrs = _RECEIVER_ATTRS.get(ev.kind)
    name = names.receiver(ev.site, attrs) if attrs else None
    if name is None and ev.kind == "copy_construct":
        name = names.argument(ev.site, ("tensor", "as_tensor", "Tensor", "FloatTensor"))
    if name is None and ev.kind == "scalar":
        name = names.argument(ev.site, ("float", "int"))
    return name


def _leaf_names(ev):
    out = []
    for leaf in ev.leaf_tensors():
        n, _ = _leaf_name(leaf)
        out.append(f"`{n}`" if n else f"a leaf of shape {list(leaf.shape)}")
    return out


def _still(ev, src):
    if names.is_name(src):
        return f"`{src}` still requires grad"
    leaves = _leaf_names(ev)
    unique = list(dict.fromkeys(leaves))
    if len(unique) == 1 and len(leaves) > 1:
        return f"the parameters of {unique[0]} still require grad"
    if unique:
        return f"{', '.join(unique)} still require{'s' if len(unique) == 1 else ''} grad"
    return "the original still requires grad"


def describe(ev):
    """(what happened, fix) for one recorded cut, naming what the source line names."""
    src = _src_name(ev)
    out = names.target(ev.site)
    attrs = _RECEIVER_ATTRS.get(ev.kind)
    expr = names.call(ev.site, attrs) if attrs else None
    at = _at(ev.site)
    k = ev.kind
    use = src if names.is_name(src) else None
    if k == "detach" and names.call(ev.site, "numpy") and "requires_grad" in ev.site.text and use:
        return (f"`{names.call(ev.site, 'numpy')}` at {at} took the value out to NumPy and made {_q(out)} from it: "
                f"a new leaf with no connection to `{use}`",
                f"{_q(out)} is not `{use}`: the optimizer holds `{use}`, which gets no gradient. Compute with "
                f"`{use}` directly in tensor ops (e.g. `{use} * mask`), or give the optimizer the new tensor.")
    if k == "detach" and names.call(ev.site, "numpy"):
        return (f"`{names.call(ev.site, 'numpy')}` at {at} took the value out to NumPy, which keeps no history: "
                f"whatever is computed from it there comes back as a new tensor with no connection to "
                f"{_still(ev, src).split(' still')[0]}",
                "Stay in tensor ops (torch.tanh, torch.exp... have NumPy's names) between the parameters and the "
                "loss; a NumPy round trip cuts the graph.")
    if k == "detach":
        if use and out == use:
            fix = (f"Do not detach `{use}` here (`{use} = {use}.detach()` cuts every layer before it out of training); "
                   f"detach only values you log, plot or deliberately hold constant.")
        elif use and out and names.is_plain_call(ev.site, ("detach", "detach_")):
            fix = (f"Use `{use}` instead of `{out}` where gradients should reach `{use}`; detach only values you "
                   f"log, plot or deliberately hold constant.")
        elif use:
            fix = (f"Use `{use}` instead of `{use}.detach()` where gradients should reach `{use}`; detach only "
                   f"values you log, plot or deliberately hold constant.")
        else:
            fix = ("Compute the loss from the tensor before `.detach()`; detach only values you log, plot or "
                   "deliberately hold constant.")
        return (f"`{expr or 'detach()'}` at {at} cut the value from the graph; {_still(ev, src)}", fix)
    if k == "data_get":
        plain = src or "the tensor"
        return (f"`{expr or '.data'}` at {at} took the value without its history (and without the in-place "
                f"checks); {_still(ev, src)}",
                f"Drop `.data`: use `{plain}` itself (or `{plain}.detach()` if the value must stay constant).")
    if k == "grad_disabled_op" and ev.note == "checkpoint":
        return (f"`{ev.op}` at {at} ran inside a reentrant checkpoint (use_reentrant=True) whose inputs do not "
                f"require grad, so nothing inside it is recorded and its parameters get no gradient",
                "Pass use_reentrant=False to checkpoint (the recommended mode), or make one of the checkpointed "
                "inputs require grad.")
    if k == "grad_disabled_op":
        mode = "torch.inference_mode()" if ev.note == "inference_mode" else "torch.no_grad()"
        what = _q(out) if out else (f"the value `{ev.site.func}()` returns" if ev.site is not None
                                    and ev.site.func != "<module>" else "it")
        return (f"`{ev.op}` at {at} ran under {mode}, so its result has no history although its input requires "
                f"grad", f"Compute {what} outside the `{mode}` block (or remove the `@{mode}` decorator from the "
                f"function): grad-disabled mode is for evaluation and parameter updates, not for values a loss "
                f"depends on.")
    if k == "non_differentiable":
        return (f"`{ev.op}` at {at} is not differentiable: its result carries no gradient",
                f"`{ev.op}` has no gradient: use a differentiable stand-in (softmax or a weighted selection instead "
                f"of argmax/argsort, a sigmoid of a scaled difference instead of a comparison), or keep the float "
                f"values the loss needs.")
    if k == "integer_cast":
        return (f"`{ev.op}` at {at} made an integer or bool tensor, which cannot carry a gradient",
                "Keep the value floating point along the path to the loss (cast to float, or use a soft "
                "version); integer and bool tensors never require grad.")
    if k == "copy_construct":
        return (f"`torch.tensor({src or '...'})` at {at} copied the value without its history",
                f"Use `{src or 'the tensor'}` itself, or `.clone()` for a copy that keeps the history "
                f"(torch.tensor() always makes a new leaf); to combine tensors use torch.stack or torch.cat.")
    if k == "numpy":
        return (f"`{expr or 'numpy()'}` at {at} handed the value to NumPy, which keeps no history",
                "Stay in glassgrad ops between the parameters and the loss: NumPy arrays carry no history, and "
                "a tensor made from one is a new leaf.")
    if k == "scalar":
        return (f"`{expr or ev.op}` at {at} turned the value into a Python number, which keeps no history",
                "Keep the value a tensor where a loss depends on it (index it, use tensor ops); use .item() "
                "only for logging.")
    if k == "new_leaf":
        return (f"`{ev.op}` at {at} made a new tensor from that NumPy/Python data: a new leaf with no history",
                "Build the tensor with glassgrad ops from the tensor you started from, not from its exported "
                "values.")
    if k == "requires_grad_new_leaf":
        who = names.receiver(ev.site, ("requires_grad_", "requires_grad")) or out
        return (f"`requires_grad_()` at {at} made {_q(who)} a new leaf: gradients stop at it and never reach the "
                f"tensor it was copied from",
                f"Use the original tensor in the computation instead of re-creating it as {_q(who)}.")
    if k == "derived":
        return (f"computed at {at} from values that had been cut", "")
    if k == "data_set":
        return (f"`.data = ...` at {at} replaced the value behind autograd's back",
                "Assign a new Parameter, or copy under `with torch.no_grad(): p.copy_(value)`.")
    return (f"{k} by `{ev.op}` at {at}", "")


def story(ev):
    """The events from `ev` back to the original cut of a tracked tensor: [ev, its cause, ...]."""
    chain, seen = [], set()
    while ev is not None and id(ev) not in seen:
        seen.add(id(ev))
        chain.append(ev)
        ev = ev.cause[0] if ev.cause else None
    return chain


def cut_finding(ev, subject=None):
    """A Finding for a cut event: primary location the original cut, related the steps after it."""
    chain = [e for r in (ev.roots() if ev.kind == "derived" else [ev]) for e in story(r)]
    if not chain:
        return None
    origin = chain[-1]
    what, fix = describe(origin)
    related = [(e.site, e.kind) for e in chain[:-1]]
    summary = what[0].upper() + what[1:]
    if subject:
        summary = f"{subject}: {summary}"
    return Finding(origin.kind, summary, origin.site, related, fix)


def _chain_text(prov):
    """Sentences that walk from a tensor's provenance back to the original cut(s)."""
    parts, fixes = [], []
    roots = prov.roots() if prov.kind == "derived" else [prov]
    for root in roots:
        steps = story(root)
        words = []
        last_fix = ""
        for e in steps:
            what, fix = describe(e)
            words.append(what)
            if fix:
                last_fix = fix
        parts.append("; that value came from: ".join(words))
        fixes.append(last_fix if steps else "")
    return parts, [f for f in fixes if f]


# ---- explain(t) ------------------------------------------------------------------------------------
def explain(t, name=None):
    """Why `t` does or does not require grad, in plain words, with the lines that decided it."""
    name = name or names.local_name(t, 2) or "the tensor"
    if t.requires_grad:
        return _explain_tracked(t, name)
    findings = []
    prov = prov_of(t)
    if not t._dtype.is_floating_point and prov is None:
        return Explanation(f"`{name}` does not require grad: it has an integer or bool dtype ({t._dtype}), and "
                           f"only floating point tensors can require gradients.", [], False)
    info = leaf_info(t)
    if prov is None:
        if info is not None and info.frozen is not None:
            f = Finding("frozen", f"`{name}` was frozen: requires_grad was turned off", info.frozen, [],
                        "Set requires_grad back to True (or leave the parameter out of the optimizer on purpose).")
            return Explanation(f"`{name}` does not require grad: it was frozen at {_at(info.frozen)}.", [f], False)
        return Explanation(f"`{name}` does not require grad: it is a tensor that never came from one that requires "
                           f"grad (a tensor requires grad only when made with requires_grad=True, given "
                           f".requires_grad_(), or computed from one that does, with grad mode on).", [], False)
    head = f"`{name}` does not require grad: "
    if prov.kind == "derived":
        head += f"it was computed at {_at(prov.site)} from values that had been cut from the graph. "
    parts, fixes = _chain_text(prov)
    text = head + " ".join(p[0].upper() + p[1:] + "." for p in parts)
    if fixes:
        text += " " + " ".join(dict.fromkeys(fixes))
    f = cut_finding(prov, f"`{name}` does not require grad")
    if f is not None:
        findings.append(f)
    return Explanation(text, findings, False)


def _leaf_name(leaf):
    info = leaf_info(leaf)
    n = names.target(info.site) if info is not None and info.site is not None else None
    return n, (info.site if info is not None else None)


def _explain_tracked(t, name):
    leaves = record.leaves_of(t)
    prov = prov_of(t)
    if t._grad_fn is None and t._base is not None and t._view is not None and t._view.no_grad:
        return Explanation(f"`{name}` requires grad only because it is a view of a tensor that does, made under "
                           f"no_grad: it has no history of its own, so backward through it reaches nothing and its "
                           f".grad stays None. Make the view outside the no_grad block.", [], True)
    if t.grad_fn is None and prov is not None:
        parts, fixes = _chain_text(prov)
        return Explanation(f"`{name}` requires grad, but as a new leaf: " + " ".join(
            p[0].upper() + p[1:] + "." for p in parts) + " " + " ".join(dict.fromkeys(fixes)),
            [f for f in [cut_finding(prov, f"`{name}` is a re-created leaf")] if f is not None], True)
    if t.grad_fn is None:
        info = leaf_info(t)
        where = f", made at {_at(info.site)}" if info is not None and info.site is not None else ""
        return Explanation(f"`{name}` requires grad: it is a leaf{where}; backward accumulates into its .grad.",
                           [], True)
    parts = []
    for leaf in leaves[:12]:
        n, site = _leaf_name(leaf)
        shape = list(leaf.shape)
        parts.append(f"{_q(n) if n else 'a leaf'} {shape}" + (f" (line {site.line})" if site else ""))
    more = f" and {len(leaves) - 12} more" if len(leaves) > 12 else ""
    return Explanation(f"`{name}` requires grad: it is computed by {t.grad_fn.name()} from the leaves "
                       f"{', '.join(parts)}{more}; backward through it reaches them.", [], True)


# ---- why is .grad None (or zero)? ---------------------------------------------------------------------
def why_none(t, name=None, backward=None):
    """Why `t.grad` is None or all zero after the last backward: the reasons, with lines and fixes."""
    name = name or names.local_name(t, 2) or "the tensor"
    rec = backward or record.last_backward()
    after = f" after the backward at {_at(rec.site)}" if rec is not None and rec.site is not None else ""
    if t.grad_fn is not None:
        return _why_not_leaf(t, name, after)
    if not t.requires_grad:
        e = explain(t, name)
        return Explanation(f"`{name}.grad` is None{after}: " + e.text[e.text.index(":") + 2:], e.findings, False)
    g = t._grad
    if g is not None:
        if g._data.any():
            return Explanation(f"`{name}.grad` holds a gradient (norm {float((g._data.astype('f8') ** 2).sum()) ** 0.5:.4g}).",
                               [], True)
        return _why_zero(t, name, after, rec)
    if rec is None:
        return Explanation(f"`{name}.grad` is None: no backward has run yet.", [], True)
    if id(t) in rec.reached:
        reset = record.last_zero_grad
        site = reset[1] if reset is not None and reset[0] > rec.seq else None
        f = Finding("grad_reset", f"`{name}.grad` is None although the backward at {_at(rec.site)} reached it: "
                    + (f"zero_grad() at {_at(site)} reset it afterwards" if site is not None else
                       "it was reset afterwards (zero_grad() or `.grad = None`)"), site or rec.site,
                    [(rec.site, "backward")], "call zero_grad() before backward() (at the start of the step), "
                    "not between backward() and optimizer.step()")
        return Explanation(f.summary + ". Fix: " + f.fix, [f], True)
    info = leaf_info(t)
    findings = []
    fed = {id(e) for e in rec.fed}
    cuts = [c for c in (r() for r in (info.cuts if info else ())) if c is not None]
    copies = [c for c in (r() for r in (info.copies if info else ())) if c is not None]
    on_path = [c for c in cuts if id(c) in fed]
    for c in on_path or cuts:
        f = cut_finding(c, f"`{name}` got no gradient")
        if f is not None:
            findings.append(f)
    for c in copies:
        if c.kind == "param_replaced":
            findings.append(Finding("stale_tensor", f"`{name}` got no gradient: the module's parameter `{c.op}` was "
                                    f"replaced by a new Parameter at {_at(c.site)}; the graph used the new one",
                                    c.site, [(info.site, "created")],
                                    "Build the optimizer after the last replacement, or keep the Parameter and change "
                                    "its value in place under `with torch.no_grad(): p.copy_(new_value)`; to tie two "
                                    "weights, assign the same Parameter object (`b.weight = a.weight`) once, in "
                                    "__init__."))
            continue
        findings.append(Finding("stale_tensor", f"`{name}` got no gradient: the graph used a copy of it, made at "
                                f"{_at(c.site)}, not `{name}` itself", c.site, [(info.site, "created")],
                                "Use the original tensor in the computation; if the copy is meant to replace it, "
                                "build the optimizer after the replacement, or change the value in place under "
                                "`with torch.no_grad(): p.copy_(new_value)` so the optimizer keeps the tensor the "
                                "graph uses."))
    if info is not None and info.data_set is not None:
        findings.append(Finding("data_set", f"`{name}.data` was replaced at {_at(info.data_set.site)}",
                                info.data_set.site, [], describe(info.data_set)[1]))
    if not findings:
        created = info.site if info is not None else None
        findings.append(Finding("unused", f"`{name}` was not used in computing the tensor backward ran on at "
                                f"{_at(rec.site)}" + (f"; it was created at {_at(created)}" if created else ""),
                                created or rec.site, [(rec.site, "backward")],
                                f"Use `{name}` in the forward computation of the loss, or leave it out of the "
                                f"optimizer; check for a layer that is defined but never called."))
    lead = "its path to the loss was cut" if on_path else (
        "it was not used in computing the loss" if findings[0].kind == "unused" else "it never reached the loss")
    text = f"`{name}.grad` is None{after}: {lead}. " + " ".join(f.summary + ". Fix: " + f.fix for f in findings)
    return Explanation(text, findings, True)


def _why_not_leaf(t, name, after):
    from ..autograd.graph import AccumulateGrad
    fn = t.grad_fn
    leaves = [n.variable for n, _ in fn.next_functions if type(n) is AccumulateGrad]
    origin = t._extra.origin if t._extra is not None and isinstance(t._extra.origin, record.Event) else None
    related = []
    leaf_site = None
    if leaves:
        info = leaf_info(leaves[0])
        leaf_site = info.site if info is not None else None
        related.append((leaf_site, "the leaf"))
    made = origin.site if origin is not None else (record.node_site(fn) or leaf_site)
    copy = fn.name() == "ToCopyBackward0"
    how = ("a `.to()`/`.double()`/`.cuda()` copy" if copy else f"the result of {fn.name()}")
    summary = (f"`{name}` is not a leaf: it is {how} of a leaf that requires grad"
               + (f", made at {_at(made)}" if made is not None else "")
               + "; backward fills the .grad of that leaf, not of this tensor")
    fix = (f"Make `{name}` the leaf: create it with the dtype/device it needs (`torch.randn(..., dtype=..., "
           f"requires_grad=True)`), or finish the arithmetic first and then call `.requires_grad_()`, e.g. "
           f"`{name} = (torch.randn(3) * 0.01).requires_grad_()`; or call `{name}.retain_grad()` before backward "
           f"if you want the gradient of this intermediate value.")
    f = Finding("non_leaf", summary, made, related, fix)
    return Explanation(f"`{name}.grad` is None{after}: {summary}. Fix: {fix}", [f], True)


_SATURATING_WORDS = {"ReluBackward0": "relu", "ThresholdBackward0": "relu", "HardtanhBackward0": "hardtanh",
                     "ClampBackward1": "clamp", "ClampMinBackward0": "clamp", "ClampMaxBackward0": "clamp",
                     "Relu6Backward0": "relu6", "HardsigmoidBackward0": "hardsigmoid",
                     "ThresholdBackwardBackward0": "relu"}


def _why_zero(t, name, after, rec):
    findings = []
    here = rec.site if rec is not None else None
    for node, site, ids in (rec.zeroing if rec is not None else ()):
        if id(t) not in ids:
            continue
        op = node.replace("Backward0", "").lower()
        findings.append(Finding("zero_gradient_op", f"`{name}.grad` is all zero: its path to the loss goes through "
                                f"`{op}` ({node}), whose gradient is zero everywhere", site or here,
                                [(here, "backward")],
                                f"`{op}` has a zero gradient: use a smooth stand-in, or a straight-through estimator "
                                f"such as `x + (x.{op}() - x).detach()`."))
    if not findings and rec is not None and rec.saturating:
        sat = sorted({_SATURATING_WORDS.get(n, n) for n in rec.saturating})
        sites = [s for s in rec.saturating.values() if s is not None]
        inits = _initialisations(t)
        primary = inits[0] if inits else (sites[0] if sites else here)
        related = [(s, "initialised in place") for s in inits[1:]] + [(s, "saturating op") for s in sites]
        findings.append(Finding("saturated", f"`{name}.grad` is all zero: the graph passes through "
                                f"{', '.join(sat)}, which gives zero gradient where it is saturated (a dead ReLU: "
                                f"every input <= 0; a clamp with every value outside its bounds)"
                                + (f"; the layer's parameters were set in place at line {inits[0].line}" if inits else ""),
                                primary, related + [(here, "backward")],
                                "Check the scale of the inputs and the initialisation (a large negative bias kills "
                                "ReLUs); use leaky_relu or gelu, or widen the clamp bounds."))
    if not findings:
        findings.append(Finding("zero", f"`{name}.grad` is all zero{after}: the loss does not change with it "
                                f"locally", here, [], "Check that the loss depends on it through differentiable "
                                "ops with non-zero slope."))
    return Explanation(" ".join(f.summary + ". Fix: " + f.fix for f in findings), findings, True)


def _initialisations(t):
    """Where `t` or the leaves made with it (its module's other parameters) were overwritten in place."""
    out = []
    for leaf in [t] + record.siblings(t):
        info = leaf_info(leaf)
        made = (info.site.file, info.site.line) if info is not None and info.site is not None else None
        for _, op, site in getattr(leaf._vc, "log", None) or ():
            # NOTE: the module's own default initialisation runs at the line that built it: not a finding
            if site is not None and (site.file, site.line) != made and "step" not in (site.func, site.text):
                out.append(site)
    return out
