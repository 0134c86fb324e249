"""A training loop with gradient-norm clipping before optimizer.step(): nothing to report."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 1))
opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
x, y = torch.randn(64, 8) * 10, torch.randn(64, 1)

for step in range(4):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
    print(f"step {step}: loss {loss.item():.4f} grad norm {norm.item():.3f}")
