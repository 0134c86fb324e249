"""Freezing with model.parameters() instead of backbone.parameters() also freezes the new head, so backward fails:
nothing requires grad."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

backbone = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
head = nn.Linear(16, 3)
model = nn.Sequential(backbone, head)

# fine-tune only the head
for p in model.parameters():
    p.requires_grad = False  # CULPRIT
opt = optim.SGD(head.parameters(), lr=0.1)

x, y = torch.randn(20, 8), torch.randint(0, 3, (20,))
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
