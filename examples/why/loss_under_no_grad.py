"""Running the forward pass inside `with torch.no_grad():` (to save memory) leaves the loss without a graph, so
backward fails."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
opt = optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
x, y = torch.randn(64, 4), torch.randn(64, 1)

for step in range(3):
    opt.zero_grad()
    with torch.no_grad():
        pred = model(x)  # CULPRIT
    loss = loss_fn(pred, y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
