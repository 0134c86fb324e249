"""A hand-written SGD update `w -= lr * w.grad` outside torch.no_grad() changes a leaf that requires grad in place,
which autograd refuses."""
import glassgrad as torch

torch.manual_seed(0)

w = torch.randn(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
x = torch.randn(40, 3)
y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.3
lr = 0.1

for step in range(5):
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    w -= lr * w.grad  # CULPRIT
    b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print(f"step {step}: loss {loss.item():.4f}")
