"""`grad_report(model, optimizer)`: after backward, the gradient of every parameter and why it is not ok.

One row per named parameter (status ok / None / zero / non-finite / frozen, the gradient's norm, the
reason when it is not ok), then the problems around the parameters that no gradient check can see:
tensors kept as plain attributes or in Python lists instead of being registered, parameters that require
grad but are not in the optimizer, optimizer entries that are not leaves or not the module's parameters,
and parameters whose values never changed across the optimizer's steps.
"""
import numpy as np

from . import record
from .model import _fingerprint
from .why import Finding, why_none

__all__ = ["grad_report", "GradReport"]


class GradReport:
    """`rows`: (name, shape, status, norm, reason); `problems`: Findings; `str()` gives the table."""

    def __init__(self, rows, problems):
        self.rows = rows
        self.problems = problems

    @property
    def findings(self):
        return list(self.problems)

    def __str__(self):
        w = max([len(r[0]) for r in self.rows] + [9])
        lines = [f"{'parameter':<{w}}  {'shape':<14} {'status':<10} {'grad norm':>10}  reason",
                 f"{'-' * w}  {'-' * 14} {'-' * 10} {'-' * 10}  {'-' * 6}"]
        for name, shape, status, norm, reason in self.rows:
            n = f"{norm:.4g}" if norm is not None else "-"
            lines.append(f"{name:<{w}}  {str(shape):<14} {status:<10} {n:>10}  {reason}")
        if self.problems:
            lines.append("")
            lines.append("problems:")
            lines.extend(f"- {p.summary}. Fix: {p.fix}" for p in self.problems)
        return "\n".join(lines)

    __repr__ = __str__


def grad_report(model, optimizer=None):
    params = list(model.named_parameters())
    rows = []
    for name, p in params:
        g = p._grad
        if not p.requires_grad:
            rows.append((name, list(p.shape), "frozen", None, "requires_grad is False"))
            continue
        if g is None:
            rows.append((name, list(p.shape), "None", None, _reason(p, name)))
            continue
        data = g._data
        norm = float(np.sqrt((data.astype(np.float64) ** 2).sum()))
        if not np.isfinite(data).all():
            rows.append((name, list(p.shape), "non-finite", norm, "the gradient holds inf or nan: check for log(0), "
                         "division by zero, or a learning rate that diverged"))
        elif not data.any():
            rows.append((name, list(p.shape), "zero", 0.0, _reason(p, name)))
        else:
            rows.append((name, list(p.shape), "ok", norm, ""))
    problems = _unregistered(model) + (_optimizer_problems(model, params, optimizer) if optimizer else [])
    return GradReport(rows, problems)


def _reason(p, name):
    e = why_none(p, name)
    return e.findings[0].summary if e.findings else e.text


def _unregistered(model):
    from ..tensor import Tensor
    from ..nn import Module
    out = []
    for mname, m in model.named_modules():
        for attr, value in vars(m).items():
            if attr.startswith("_") or attr == "training":
                continue
            where = f"{mname}.{attr}" if mname else attr
            if isinstance(value, Tensor) and value.requires_grad:
                out.append(Finding("unregistered", f"`{where}` is a plain tensor attribute that requires grad, not a "
                                   f"registered parameter: model.parameters() and the optimizer do not see it",
                                   _site(value), [], f"wrap it: `self.{attr} = nn.Parameter(...)`"))
            elif isinstance(value, (list, tuple, dict)):
                items = value.values() if isinstance(value, dict) else value
                mods = [v for v in items if isinstance(v, Module)]
                tens = [v for v in items if isinstance(v, Tensor) and v.requires_grad]
                if mods or tens:
                    kind = "nn.ModuleList" if mods else "nn.ParameterList"
                    if isinstance(value, dict):
                        kind = "nn.ModuleDict" if mods else "nn.ParameterDict"
                    out.append(Finding("unregistered", f"`{where}` is a Python {type(value).__name__} of "
                                       f"{'modules' if mods else 'tensors'}: their parameters are not registered, so "
                                       f"model.parameters(), state_dict() and the optimizer miss them", None, [],
                                       f"use `self.{attr} = {kind}(...)`"))
    return out


def _site(t):
    info = record.leaf_info(t)
    return info.site if info is not None else None


def _optimizer_problems(model, params, optimizer):
    out = []
    model_ids = {id(p): n for n, p in params}
    held = [p for g in optimizer.param_groups for p in g["params"]]
    held_ids = {id(p) for p in held}
    for name, p in params:
        if p.requires_grad and id(p) not in held_ids:
            out.append(Finding("not_in_optimizer", f"`{name}` requires grad but is not in the optimizer: it gets a "
                               f"gradient but is never updated", _site(p), [],
                               "build the optimizer from model.parameters() after the model is complete (and after "
                               "any parameter is replaced), or add_param_group() the new parameters"))
    for p in held:
        if p.grad_fn is not None:
            out.append(Finding("optimizer_non_leaf", f"the optimizer holds a non-leaf tensor of shape {list(p.shape)} "
                               f"(grad_fn {p.grad_fn.name()}): its .grad is never filled", None, [],
                               "give the optimizer the leaf tensors (the Parameters), not results of .to()/.cuda()/"
                               "arithmetic"))
        elif id(p) not in model_ids:
            site = _site(p)
            out.append(Finding("optimizer_stale", f"the optimizer holds a tensor of shape {list(p.shape)} that is not "
                               f"one of the model's parameters (a copy, or a parameter that was replaced after the "
                               f"optimizer was built)", site, [],
                               "create the optimizer after the last change to the model's parameters"))
    stats = next((s for o, s in record._optimizers.items() if o is optimizer), None)
    if stats is not None and stats.steps > 0:
        for name, p in params:
            ps = stats.params.get(id(p))
            if ps is not None and ps.ref() is p and p.requires_grad and _fingerprint(p) == ps.first:
                out.append(Finding("never_changed", f"`{name}` has not changed over {stats.steps} optimizer steps",
                                   _site(p), [], "check that it receives a non-zero gradient and that the learning "
                                   "rate for its parameter group is not zero"))
    return out
