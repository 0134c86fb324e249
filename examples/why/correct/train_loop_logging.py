"""A normal training loop that logs the loss with loss.item(): nothing to report."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
criterion = nn.CrossEntropyLoss()
x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))

history = []
for step in range(5):
    opt.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    opt.step()
    history.append(loss.item())
    print(f"step {step}: loss {history[-1]:.4f}")
