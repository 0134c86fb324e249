"""Collecting per-sample predictions with torch.tensor(list) instead of torch.stack copies them without history, so
backward fails."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Linear(3, 1)
opt = optim.SGD(model.parameters(), lr=0.1)
xs, ys = torch.randn(8, 3), torch.randn(8)

for epoch in range(2):
    opt.zero_grad()
    preds = []
    for x in xs:
        preds.append(model(x).squeeze())
    pred = torch.tensor(preds)  # CULPRIT
    loss = nn.functional.mse_loss(pred, ys)
    loss.backward()
    opt.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
