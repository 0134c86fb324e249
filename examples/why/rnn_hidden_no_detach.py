"""Carrying an RNN hidden state across training steps without detaching it makes the next backward go into an already
freed graph."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

cell = nn.RNNCell(3, 8)
head = nn.Linear(8, 1)
opt = optim.SGD(list(cell.parameters()) + list(head.parameters()), lr=0.05)
xs, ys = torch.randn(6, 1, 3), torch.randn(6, 1, 1)

h = torch.zeros(1, 8)
for t in range(6):
    h = cell(xs[t], h)  # CULPRIT
    loss = nn.functional.mse_loss(head(h), ys[t])
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"t={t}: loss {loss.item():.4f}")
