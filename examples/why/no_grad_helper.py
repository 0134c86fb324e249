"""A helper decorated with @torch.no_grad() is called in the forward path, so the parameters it uses get no gradient."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 8)
        self.head = nn.Linear(8, 2)

    @torch.no_grad()
    def embed(self, x):
        return nn.functional.normalize(self.proj(x), dim=1)  # CULPRIT

    def forward(self, x):
        return self.head(self.embed(x))


model = Encoder()
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 6), torch.randint(0, 2, (16,))
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
print("proj.weight.grad:", model.proj.weight.grad)
print("head.weight.grad is None:", model.head.weight.grad is None)
