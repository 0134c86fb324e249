"""Replacing a parameter with a new nn.Parameter after the optimizer was built leaves the optimizer stepping the old
tensor."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
opt = optim.SGD(model.parameters(), lr=0.1)

# rescale the output layer after construction
model[2].weight = nn.Parameter(model[2].weight.detach() * 0.1)  # CULPRIT

x, y = torch.randn(32, 4), torch.randn(32, 1)
before = model[2].weight.detach().clone()
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
print("output layer changed:", not torch.equal(before, model[2].weight))
