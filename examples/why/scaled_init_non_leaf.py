"""Scaling a fresh tensor with requires_grad=True (randn(...) * 0.01) makes the weight a non-leaf, so its .grad stays
None."""
import glassgrad as torch

torch.manual_seed(0)

w = torch.randn(4, 2, requires_grad=True) * 0.01  # CULPRIT
b = torch.zeros(2, requires_grad=True)
x, y = torch.randn(30, 4), torch.randint(0, 2, (30,))

for step in range(3):
    loss = torch.nn.functional.cross_entropy(x @ w + b, y)
    loss.backward()
    print(f"step {step}: loss {loss.item():.4f}")
    if w.grad is None:
        print("w.grad is None: nothing to update")
        break
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
