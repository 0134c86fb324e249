"""In a GAN loop, stepping the discriminator before the generator's backward changes weights that backward still
needs."""
import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

G = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
opt_g = optim.Adam(G.parameters(), lr=1e-3)
opt_d = optim.Adam(D.parameters(), lr=1e-3)
bce = nn.BCEWithLogitsLoss()
real = torch.randn(16, 2) + 3.0
ones, zeros = torch.ones(16, 1), torch.zeros(16, 1)

for step in range(3):
    fake = G(torch.randn(16, 2))
    d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
    g_loss = bce(D(fake), ones)

    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()  # CULPRIT

    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    print(f"step {step}: d_loss {d_loss.item():.4f} g_loss {g_loss.item():.4f}")
