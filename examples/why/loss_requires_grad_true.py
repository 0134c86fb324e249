"""Setting loss.requires_grad = True to silence "does not require grad" makes backward run on a disconnected loss, so
nothing trains."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Linear(10, 4)
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(40, 10), torch.randint(0, 4, (40,))

for step in range(3):
    opt.zero_grad()
    pred = model(x).argmax(dim=1)
    loss = (pred != y).float().mean()
    loss.requires_grad = True  # CULPRIT
    loss.backward()
    opt.step()
    print(f"step {step}: error rate {loss.item():.3f}")
print("weight.grad:", model.weight.grad)
