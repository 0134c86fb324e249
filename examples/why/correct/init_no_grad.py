"""Custom parameter initialisation with in-place ops under torch.no_grad(), then training: nothing to report."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(5, 10), nn.Tanh(), nn.Linear(10, 1))
with torch.no_grad():
    for layer in model:
        if isinstance(layer, nn.Linear):
            layer.weight.normal_(0.0, 0.1)
            layer.bias.zero_()
            layer.weight.mul_(2.0)

opt = optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(32, 5), torch.randn(32, 1)
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
