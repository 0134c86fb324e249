"""Pruning a weight in NumPy and wrapping the result as a new leaf with requires_grad=True trains a copy the
optimizer never sees."""
import numpy as np

import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Linear(6, 1)
opt = optim.SGD(model.parameters(), lr=0.1)
mask = (np.arange(6) % 2 == 0).astype(np.float32)
weight = torch.tensor(model.weight.detach().numpy() * mask, requires_grad=True)  # CULPRIT

x, y = torch.randn(32, 6), torch.randn(32, 1)
for step in range(3):
    opt.zero_grad()
    pred = x @ weight.t() + model.bias
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
print("model.weight.grad:", model.weight.grad)
