"""Rebuilding a learnable temperature with torch.tensor(w.item()) turns it into a plain number, so w never gets a
gradient."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Linear(8, 4)
log_temp = torch.zeros((), requires_grad=True)
opt = optim.SGD(list(model.parameters()) + [log_temp], lr=0.1)
x, y = torch.randn(24, 8), torch.randint(0, 4, (24,))

for step in range(3):
    opt.zero_grad()
    temp = torch.tensor(log_temp.item()).exp()  # CULPRIT
    logits = model(x) / temp
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
print("log_temp.grad:", log_temp.grad)
