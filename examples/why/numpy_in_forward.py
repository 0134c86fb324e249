"""A NumPy round trip inside forward() (tensor -> numpy -> tensor) keeps no history, so the layer before it gets no
gradient."""
import numpy as np

import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 10)
        self.fc2 = nn.Linear(10, 1)

    def forward(self, x):
        h = self.fc1(x)
        h = torch.from_numpy(np.tanh(h.detach().numpy()))  # CULPRIT
        return self.fc2(h)


model = Net()
opt = optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(16, 5), torch.randn(16, 1)
for step in range(3):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
print("fc1.weight.grad:", model.fc1.weight.grad)
