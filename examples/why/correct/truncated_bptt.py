"""Truncated backpropagation through time: the hidden state is detached at every step: nothing to report."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

cell = nn.GRUCell(3, 8)
head = nn.Linear(8, 1)
opt = optim.SGD(list(cell.parameters()) + list(head.parameters()), lr=0.05)
xs, ys = torch.randn(6, 2, 3), torch.randn(6, 2, 1)

h = torch.zeros(2, 8)
for t in range(6):
    h = h.detach()
    h = cell(xs[t], h)
    loss = nn.functional.mse_loss(head(h), ys[t])
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"t={t}: loss {loss.item():.4f}")
