"""`glassgrad explain SCRIPT`: run a script with recording on and report every finding.

A Session receives what the recorder sees as it happens (autograd errors, reads of a `.grad` that is
None after a backward, optimizer steps that find a parameter without gradient, backward on a loss made
to require grad by hand) and, when the script ends, turns the optimizers' statistics into findings:
parameters that never received a gradient, or only zeros. Findings are deduplicated by kind and line.
"""
import json
import os
import weakref
import sys
import traceback

from . import record, events, names
from .why import Finding, why_none

__all__ = ["Session", "run"]


class Session:
    def __init__(self):
        self.findings = {}  # key -> Finding, in the order found
        self.tensors = []  # weak references to tensors worth drawing in the HTML report
        self._checked = set()  # backward records already checked for leaves no optimizer holds
        self._leaf_backwards = {}  # id(leaf) -> (weakref, how many checked backwards reached it)

    def add(self, finding):
        if finding is None:
            return
        key = finding.key()
        if key not in self.findings:
            self.findings[key] = finding

    # ---- what the recorder reports while the script runs ----------------------------------------
    def sink(self, kind, subject, extra):
        if kind == "error":
            self.add(extra)
            if isinstance(subject, record.Tensor):
                self.tensors.append(weakref.ref(subject))  # drawn in the HTML report
        elif kind == "grad_read":
            self._grad_read(subject, extra)
        elif kind == "optimizer_param":
            self._optimizer_param(subject, extra)
        elif kind == "step":
            self._unoptimized(subject)
        elif kind == "flagged_root":
            ev, msg = extra
            chain = [(e.site, e.kind) for r in ev.cause for e in r.roots()]
            self.add(Finding("flagged_root", msg.split(". Find the cut")[0].replace("glassgrad: ", ""), ev.site,
                             chain + [(record.last_backward().site, "backward")],
                             "remove the cut that disconnected the loss (see the related lines) instead of setting "
                             "requires_grad on the loss"))

    def _grad_read(self, t, where):
        site, name = where
        if name is None:
            # NOTE: a line may read several .grad: when it does, the leaf's own name (where it was made) decides
            readers = names.receivers(site, "grad")
            info = record.leaf_info(t)
            own = names.target(info.site) if info is not None and info.site is not None else None
            name = readers[0] if len(readers) == 1 else (own if own in readers or not readers else readers[0])
        name = name or "the tensor"
        if t._grad_fn is not None:
            e = why_none(t, name)
            for f in e.findings:
                f.related.insert(0, (site, "read .grad"))
                f.kind = "non_leaf_grad"
                self.add(f)
            return
        e = why_none(t, name)
        for f in e.findings:
            f.related.append((site, "read .grad"))
            self.add(f)

    def _unoptimized(self, opt):
        """Leaves the last backward reached that no optimizer holds: typically parameters of modules kept in a
        Python list, or tensors that were never registered."""
        rec = record.last_backward()
        if rec is None or rec.seq in self._checked:
            return
        self._checked.add(rec.seq)
        held = {id(p) for o in record.live_optimizers() for g in o.param_groups for p in g["params"]}
        held.update(id(r()) for r in rec.roots)  # a loss made a leaf by hand is reported on its own
        from ..nn import Parameter
        by_site = {}
        for ref in rec.leaves:
            leaf = ref()
            info = record.leaf_info(leaf) if leaf is not None else None
            if leaf is None or id(leaf) in held or info is None or info.site is None or record.prov_of(leaf):
                continue  # a re-created leaf is reported as the copy it is
            # NOTE: data made a leaf each step (an input whose gradient is wanted, a gradient-penalty point) is
            # meant to stay out of the optimizer: only parameters, or tensors used across backwards, count
            seen = self._leaf_backwards.get(id(leaf))
            count = seen[1] + 1 if seen is not None and seen[0]() is leaf else 1
            self._leaf_backwards[id(leaf)] = (ref, count)
            if not isinstance(leaf, Parameter) and count < 2:
                continue
            by_site.setdefault((info.site.file, info.site.line), (info.site, []))[1].append(leaf)
        for site, leaves in by_site.values():
            shapes = ", ".join(str(list(t.shape)) for t in leaves[:4])
            self.add(Finding("not_in_optimizer", f"{len(leaves)} tensor(s) made at line {site.line} ({shapes}) "
                             f"receive gradients but no optimizer holds them, so they never change", site,
                             [(rec.site, "backward")],
                             "register them: keep submodules in nn.ModuleList / nn.ModuleDict (not Python lists or "
                             "dicts) and tensors as nn.Parameter, and build the optimizer from model.parameters() "
                             "once the model is complete"))

    def _optimizer_param(self, p, stats):
        name = _param_name(p)
        stats.why = why_none(p, name)

    # ---- at the end ------------------------------------------------------------------------------
    def finish(self):
        for stats in record.optimizer_stats():
            self._from_stats(stats)

    def _from_stats(self, stats):
        for ps in stats.params.values():
            if ps.why is None or ps.checked == 0:
                continue
            if ps.none == ps.checked:
                for f in ps.why.findings:
                    f.summary = f"{f.summary} (no gradient at any of {ps.checked} optimizer steps)"
                    self.add(f)
            elif ps.none == 0 and ps.sampled >= 3 and ps.zero == ps.sampled:  # zero at one step can be by chance
                for f in ps.why.findings:
                    self.add(f)

    def as_json(self):
        return [f.as_dict() for f in self.findings.values()]

    def print(self, file):
        fs = list(self.findings.values())
        if not fs:
            print("glassgrad explain: no findings.", file=file)
            return
        print(f"\nglassgrad explain: {len(fs)} finding{'s' if len(fs) != 1 else ''}", file=file)
        for i, f in enumerate(fs, 1):
            print(f"\n{i}. {f}", file=file)


def _param_name(p):
    info = record.leaf_info(p)
    owner = names.target(info.site) if info is not None and info.site is not None else None
    shape = list(p.shape)
    return f"{owner} parameter {shape}" if owner else f"parameter {shape}"


def run(script, argv=(), json_file=None, html_file=None, strict=False, torch_compat=False, out=None):
    """Runs `script` as __main__ with recording on; returns its exit status. Findings go to `out`
    (stderr by default), and to `json_file` / `html_file` when given."""
    out = out or sys.stderr
    session = Session()
    record.reset()
    record.enable()
    events.node_sites = True
    record.findings_sink = session.sink
    status, keep = 0, None
    compat = None
    strict_ctx = None
    try:
        if torch_compat:
            from .. import torch_compat as compat
            compat.install()
            from ..device import emulate_cuda
            emulate_cuda(True)
        if strict:
            from .strict import strict as _strict
            strict_ctx = _strict()
            strict_ctx.__enter__()
        status, keep = _run_main(script, list(argv))
    finally:
        if strict_ctx is not None:
            strict_ctx.__exit__(None, None, None)
        if compat is not None:
            compat.uninstall()
            from ..device import emulate_cuda
            emulate_cuda(False)
        session.finish()
        record.findings_sink = None
        events.node_sites = False
    session.print(out)
    if json_file:
        with open(json_file, "w") as fh:
            json.dump(session.as_json(), fh, indent=2)
    if html_file:
        from .draw import html_report
        # the drawing: what the last backward ran on, while the script's objects are still alive
        rec = record.last_backward()
        refs = list(session.tensors) + (list(rec.roots) if rec is not None else [])
        roots = list({id(t): t for t in (r() for r in refs) if t is not None}.values())
        html_report(list(session.findings.values()), tensors=roots, filename=html_file,
                    title=f"glassgrad explain {script}")
    del keep
    return status


def _run_main(script, argv):
    """Runs the script; returns (exit status, what keeps its objects alive until the report is written: its
    globals, or the exception that ended it)."""
    import runpy
    old_argv = sys.argv
    sys.argv = [script] + argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        return 0, runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code is None or isinstance(code, int):
            return code or 0, e
        print(code, file=sys.stderr)
        return 1, e
    except BaseException as e:  # noqa: BLE001 - the script's own error, printed as Python would
        traceback.print_exc()
        return 1, e
    finally:
        sys.argv = old_argv
        if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(script)):
            sys.path.pop(0)
