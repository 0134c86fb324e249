"""Initialising the hidden bias to a large negative value kills every ReLU, so the first layer gets all-zero
gradients at every step."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
nn.init.constant_(model[0].bias, -10.0)  # CULPRIT
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(64, 4), torch.randn(64, 1)

for step in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f} "
          f"|grad fc1| {model[0].weight.grad.abs().sum().item():.1f}")
