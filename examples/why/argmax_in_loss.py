"""Using argmax (the predicted class) in the loss has no gradient, so backward fails."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Linear(10, 5)
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(40, 10), torch.randint(0, 5, (40,))

for step in range(3):
    opt.zero_grad()
    logits = model(x)
    pred = logits.argmax(dim=1)  # CULPRIT
    loss = (pred != y).float().mean()
    loss.backward()
    opt.step()
    print(f"step {step}: error rate {loss.item():.3f}")
