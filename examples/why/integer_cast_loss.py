"""Casting the prediction to an integer type (a count) before the loss makes it untracked, so backward fails."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
opt = optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(32, 3)
counts = torch.randint(0, 10, (32,))

for step in range(3):
    opt.zero_grad()
    pred = model(x).squeeze(1)
    pred_counts = pred.round().long()  # CULPRIT
    loss = (pred_counts - counts).abs().float().mean()
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
