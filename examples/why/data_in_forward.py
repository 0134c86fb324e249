"""Taking `.data` of a layer's output inside forward() drops its history, so the layers before it never get a
gradient."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(6, 16)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        h = self.embed(x).data  # CULPRIT
        return self.head(torch.tanh(h))


model = Net()
opt = optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss()
x, y = torch.randn(20, 6), torch.randint(0, 3, (20,))
for step in range(3):
    opt.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
print("embed.weight.grad:", model.embed.weight.grad)
