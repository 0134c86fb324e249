"""The three scenarios of "I set requires_grad=True. Why is my gradient None?", run on glassgrad.

Each scenario runs as a user would write it, shows what really happens (PyTorch's behaviour, which
glassgrad reproduces), where glassgrad saw tracking being cut, and what to write instead.

    python examples/seed_scenarios.py
"""
import linecache
import os
import sys

import glassgrad as torch
from glassgrad.explain import set_listener

_PACKAGE_DIR = os.path.dirname(torch.__file__)


def _user_frame():
    """The first stack frame outside glassgrad: where the user's code did it."""
    f = sys._getframe(1)
    while f is not None and (f.f_code.co_filename.startswith(_PACKAGE_DIR) or f.f_code.co_filename == __file__
                             and f.f_code.co_name in ("_user_frame", "_record")):
        f = f.f_back
    return f


events = []


def _record(kind, op, src, out):
    f = _user_frame()
    line = linecache.getline(f.f_code.co_filename, f.f_lineno).strip() if f else "?"
    events.append((kind, op, f.f_lineno if f else None, line))


def _show(title, body, fix):
    events.clear()
    print(f"== {title}")
    try:
        result = body()
        print(f"   result: {result}")
    except RuntimeError as e:
        print(f"   RuntimeError: {e}")
    cuts = [e for e in events if e[0] in ("detach", "numpy", "requires_grad_new_leaf", "inplace")]
    for kind, op, lineno, line in cuts:
        print(f"   tracking event '{kind}' by {op} at line {lineno}: {line}")
    print(f"   write instead: {fix}\n")


def scenario_inplace_on_leaf():
    a = torch.tensor([1., 2., 3.], requires_grad=True)
    b = torch.tensor([1., 1., 1.])
    a += b  # in-place on a leaf that requires grad
    return a


def scenario_backward_after_detach():
    a = torch.tensor([1., 2., 3.], requires_grad=True)
    detached = a.detach()  # shares memory, but has no history
    loss = (detached * 2).sum()
    loss.backward()
    return a.grad


def scenario_numpy_round_trip():
    a = torch.tensor([1., 2., 3.], requires_grad=True)
    arr = (a * 2).detach().numpy()  # leaves the graph
    b = torch.from_numpy(arr).requires_grad_(True)  # a brand-new leaf, unrelated to `a`
    (b ** 2).sum().backward()
    return f"b.grad = {b.grad}, a.grad = {a.grad}"


def main():
    set_listener(_record)
    try:
        _show("1. `a += b` on a leaf that requires grad", scenario_inplace_on_leaf,
              "`a = a + b` (a new non-leaf), or do the update under `with torch.no_grad():` if it is a "
              "parameter update")
        _show("2. backward after `detach()`", scenario_backward_after_detach,
              "compute the loss from `a`, not from `a.detach()`; detach only values you log or plot")
        _show("3. NumPy round trip, then `from_numpy(...).requires_grad_(True)`", scenario_numpy_round_trip,
              "stay in glassgrad ops between `a` and the loss; the gradient then reaches `a` "
              "(a.grad is None above because `b` is a new leaf with no connection to `a`)")
    finally:
        set_listener(None)


if __name__ == "__main__":
    main()
