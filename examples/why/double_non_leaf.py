"""Calling .double() on a fresh tensor with requires_grad=True makes w a non-leaf copy, so w.grad stays None after
backward."""
import glassgrad as torch

torch.manual_seed(0)

w = torch.randn(3, requires_grad=True).double()  # CULPRIT
x = torch.randn(50, 3, dtype=torch.float64)
y = x @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)

loss = ((x @ w - y) ** 2).mean()
loss.backward()
print(f"loss {loss.item():.4f}")
print("w.grad:", w.grad)
