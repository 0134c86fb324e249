"""Calling .detach() inside forward() cuts the first layer out of the graph, so the optimizer steps it with None
grads."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        h = h.detach()  # CULPRIT
        return self.fc2(h)


model = Net()
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 4), torch.randn(32, 1)
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
print("fc1.weight.grad:", model.fc1.weight.grad)
