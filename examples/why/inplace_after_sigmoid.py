"""Rescaling a sigmoid gate in place (gate *= 2) overwrites the output sigmoid saved for backward, so backward fails."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)


class GatedLayer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, 1)

    def forward(self, x):
        gate = torch.sigmoid(self.gate(x))
        gate *= 2  # CULPRIT
        return self.out(gate * x)


model = GatedLayer(5)
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 5), torch.randn(16, 1)
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
