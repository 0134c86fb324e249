"""Training, then evaluating under torch.no_grad() in eval mode: nothing to report."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Dropout(0.1), nn.Linear(12, 2))
opt = optim.Adam(model.parameters(), lr=1e-2)
x_train, y_train = torch.randn(48, 6), torch.randint(0, 2, (48,))
x_val, y_val = torch.randn(16, 6), torch.randint(0, 2, (16,))

for epoch in range(3):
    model.train()
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x_train), y_train)
    loss.backward()
    opt.step()

    model.eval()
    with torch.no_grad():
        logits = model(x_val)
        val_loss = nn.functional.cross_entropy(logits, y_val)
        acc = (logits.argmax(dim=1) == y_val).float().mean()
    print(f"epoch {epoch}: train {loss.item():.4f} val {val_loss.item():.4f} acc {acc.item():.2f}")
