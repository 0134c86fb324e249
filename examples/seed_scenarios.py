"""The three scenarios of "I set requires_grad=True. Why is my gradient None?", run on glassgrad.

Each scenario runs as a user would write it and shows what really happens (PyTorch's behaviour, which
glassgrad reproduces, with glassgrad's explanation of where tracking was cut) and what to write instead.

    python examples/seed_scenarios.py
"""
import glassgrad as torch


def _show(title, body, fix):
    print(f"== {title}")
    try:
        result = body()
        print(f"   result: {result}")
    except RuntimeError as e:
        print(f"   RuntimeError: {e}")
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
    return f"b.grad = {b.grad}, a.grad = {a.grad}\n   why: {torch.explain.why_none(a)}"


def main():
    if True:
        _show("1. `a += b` on a leaf that requires grad", scenario_inplace_on_leaf,
              "`a = a + b` (a new non-leaf), or do the update under `with torch.no_grad():` if it is a "
              "parameter update")
        _show("2. backward after `detach()`", scenario_backward_after_detach,
              "compute the loss from `a`, not from `a.detach()`; detach only values you log or plot")
        _show("3. NumPy round trip, then `from_numpy(...).requires_grad_(True)`", scenario_numpy_round_trip,
              "stay in glassgrad ops between `a` and the loss; the gradient then reaches `a` "
              "(a.grad is None above because `b` is a new leaf with no connection to `a`)")


if __name__ == "__main__":
    main()
