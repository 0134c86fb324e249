"""The why that autograd errors carry: appended after PyTorch's own text, which stays first and unchanged.

`error_why(kind, subject)` is installed as `events.why`'s source: the engine and the ops call it when
they raise. Each rule returns a Finding; the message gets "\n\nglassgrad: <summary>. Fix: <fix>", so the
PyTorch sentence users search for stays intact, and the command line receives the Finding itself.
"""
from . import names, record, why
from .why import Finding

__all__ = ["error_why"]


def error_why(kind, subject):
    try:
        finding = _RULES[kind](subject)
    except Exception:
        if record._DEBUG:
            raise
        return ""
    if finding is None:
        return ""
    if record.findings_sink is not None:
        record.findings_sink("error", subject, finding)
    return f"\n\nglassgrad: {finding.summary}. Fix: {finding.fix}"


def _no_grad_root(t):
    """backward() on a tensor without history: the cuts that disconnected it."""
    name = names.local_name(t, 1) or "the tensor"
    here = record.user_site()
    if record.prov_of(t) is None:
        frozen = [site for r, site in record.frozen() if r() is not None and site is not None]
        flags = list(record._module_flags)
        if frozen and flags:
            return Finding("module_flag", f"`{name}` was computed only from frozen parameters (requires_grad turned "
                           f"off at line {frozen[0].line}); line {flags[-1].line} (`{flags[-1].text}`) meant to "
                           f"unfreeze some, but assigning `requires_grad` on a Module sets a plain attribute and "
                           f"changes no parameter", flags[-1], [(frozen[0], "frozen"), (here, "backward")],
                           "call `module.requires_grad_(True)` (the method) to unfreeze a module's parameters")
        if frozen:
            return Finding("frozen", f"`{name}` was computed only from tensors that do not require grad; "
                           f"parameters were frozen (requires_grad turned off) at line {frozen[0].line} "
                           f"(`{frozen[0].text}`)", frozen[0], [(here, "backward")] + [(s, "frozen") for s in frozen[1:3]],
                           "Leave the parameters you train with requires_grad=True (freeze only the layers you mean "
                           "to keep fixed).")
        e = why.explain(t, name)
        return Finding("no_history", e.text.rstrip("."), here, [],
                       "Compute the loss from tensors that require grad (the model's output), with grad mode on.")
    e = why.explain(t, name)
    f = e.findings[0] if e.findings else Finding("cut", e.text, here)
    f.summary = e.text.split(". Use ")[0].rstrip(".") if ". Use " in e.text else f.summary
    f.related.append((here, "backward"))
    return f


def _inplace_saved(subject):
    """A saved value modified in place: which op changed it, where, and who saved it."""
    vc, saver, expected = subject
    log = getattr(vc, "log", None) if vc is not None else None
    bumps = [(v, op, site) for v, op, site in (log or ()) if v > expected]
    saver_name = saver.name() if saver is not None else "a backward node"
    fwd = saver_name.replace("Backward0", "").replace("Backward1", "").lower()
    site = bumps[0][2] if bumps else None
    parts = []
    if bumps:
        v, op = bumps[0][0], bumps[0][1]
        what = names.call(site, (op, op + "_")) or (site.text if site is not None else op)
        parts.append(f"`{what}` at line {site.line} modified it in place (version {v - 1} -> {v})"
                     if site is not None else f"`{op}` modified it in place")
    saved_at = record.node_site(saver) if saver is not None else None
    if saved_at is None and site is not None:
        var = names.receiver(site, (bumps[0][1], bumps[0][1] + "_")) or names.target(site)
        line = names.assignment_before(site, var) if names.is_name(var) else None
        if line is not None:
            saved_at = record.Site(site.file, line, site.func)
    if saved_at is not None:
        parts.append(f"the value had been saved for backward by {saver_name} (`{fwd}`) at line {saved_at.line} "
                     f"(`{saved_at.text}`)")
    else:
        parts.append(f"the value had been saved for backward by {saver_name} (`{fwd}`)")
    related = [(saved_at, f"saved by {saver_name}"), (record.user_site(), "backward")]
    related += [(s, f"also modified by {o}") for _, o, s in bumps[1:3]]
    step = site is not None and ("step" in site.text or site.func == "step")
    fix = ("call optimizer.step() only after every backward that needs the current parameters, or run the "
           "forward again after the step" if step else
           "use the out-of-place form (`y = y * 2` instead of `y.mul_(2)` or `y *= 2`; `inplace=False` for "
           "activations), or modify a `.clone()` of the value")
    return Finding("inplace", "; ".join(parts), site or saved_at, related, fix)


def _leaf_inplace(t):
    return Finding("leaf_inplace", "a leaf that requires grad cannot be changed in place while autograd records",
                   record.user_site(), [], "if this is a parameter update or initialisation, do it under "
                   "`with torch.no_grad():`; otherwise use the out-of-place op (`a = a + b` instead of `a += b`), "
                   "which gives a new non-leaf tensor")


def _backward_twice(node):
    recs = record.backwards()
    here = recs[-1].site if recs else record.user_site()
    if len(recs) < 2:
        return Finding("backward_twice", "the graph was freed by an earlier backward", here, [],
                       "call backward once per forward; pass retain_graph=True only if a second backward through "
                       "the same graph is really intended")
    cur, prev = recs[-1], recs[-2]
    cur_roots = {id(r()) for r in cur.roots if r() is not None}
    prev_roots = {id(r()) for r in prev.roots if r() is not None}
    where = f"line {prev.site.line} (`{prev.site.text}`)" if prev.site is not None else "an earlier backward"
    if cur_roots & prev_roots:
        return Finding("backward_twice", f"this is the second backward on the same tensor; the first one, at "
                       f"{where}, freed its graph", here, [(prev.site, "first backward")],
                       "compute the loss again before calling backward again, or pass retain_graph=True to the "
                       "first backward if both are intended")
    made = record.node_site(node)
    held = f" (the freed part was computed at line {made.line}: `{made.text}`)" if made is not None else ""
    return Finding("carried_state", f"this backward reaches a part of the graph that the backward at {where} "
                   f"already freed: state carried across iterations (a hidden state, a running sum, a cached "
                   f"tensor computed from parameters in an earlier iteration) still holds that old graph{held}",
                   made or here, [(here, "backward"), (prev.site, "earlier backward")],
                   "detach the carried state once per iteration (e.g. `hidden = hidden.detach()`) rather than "
                   "passing retain_graph=True, which would keep every past iteration's graph alive and "
                   "backpropagate through all of them")


def _optimizer_non_leaf(t):
    """An optimizer given a non-leaf: which op made it one, and where its leaf is."""
    origin = t._extra.origin if t._extra is not None and isinstance(t._extra.origin, record.Event) else None
    name = (names.target(origin.site) if origin is not None else None) or "the tensor"
    f = why.why_none(t, name).findings[0]
    f.related.append((record.user_site(), "optimizer built"))
    return f


_RULES = {"optimizer_non_leaf": _optimizer_non_leaf, "no_grad_root": _no_grad_root, "inplace_saved": _inplace_saved, "leaf_inplace": _leaf_inplace,
          "backward_twice": _backward_twice}
