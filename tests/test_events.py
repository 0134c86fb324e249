"""Every event that cuts or bends tracking passes through explain.events.tracking_event."""
import warnings

import numpy as np
import pytest

import glassgrad as torch
from glassgrad.explain import KINDS, set_listener
from glassgrad.explain.events import CUT_KINDS


@pytest.fixture
def events():
    seen = []
    prev = set_listener(lambda kind, op, src, out: seen.append((kind, op)))
    yield seen
    set_listener(prev)


def kinds(seen):
    return [k for k, _ in seen]


def leaf():
    return torch.tensor([1., 2., 3.], requires_grad=True)


CASES = {
    "detach": lambda x: x.detach(),
    "data_get": lambda x: x.data,
    "numpy": lambda x: x.detach().numpy(),
    "scalar": lambda x: x[0].item(),
    "grad_disabled_op": lambda x: _under_no_grad(lambda: x * 2),
    "integer_cast": lambda x: x.long(),
    "non_differentiable": lambda x: x.argmax(),
    "copy_construct": lambda x: _quiet(lambda: torch.tensor(x)),
    "new_leaf": lambda x: torch.from_numpy(np.ones(2)),
    "requires_grad_new_leaf": lambda x: torch.from_numpy(np.ones(2)).requires_grad_(),
    "inplace": lambda x: (x * 1).add_(1),
}


def _under_no_grad(fn):
    with torch.no_grad():
        return fn()


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_cut_reports_its_kind(events, kind):
    x = leaf()
    events.clear()
    CASES[kind](x)
    assert kind in kinds(events), f"expected a {kind!r} event, got {events}"
    assert set(kinds(events)) <= KINDS, f"undeclared event kinds: {set(kinds(events)) - KINDS}"


def test_data_assignment_is_reported(events):
    x = leaf()
    events.clear()
    x.data = torch.zeros(3)
    assert kinds(events) == ["data_set"]


def test_scalar_exports_are_reported(events):
    x = leaf()
    for export in (lambda t: float(t[0]), lambda t: int(t[0]), lambda t: t.tolist(), lambda t: f"{t[0]:.2f}"):
        events.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            export(x)
        assert "scalar" in kinds(events)


def test_no_listener_means_no_cost_beyond_a_check():
    prev = set_listener(None)
    try:
        x = leaf()
        assert x.detach().requires_grad is False
    finally:
        set_listener(prev)


def test_ordinary_ops_emit_nothing(events):
    x = leaf()
    events.clear()
    ((x * 2).exp().sum()).backward()
    assert [k for k in kinds(events) if k in CUT_KINDS] == []
    assert kinds(events) == ["backward"]
