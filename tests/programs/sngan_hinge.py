"""A GAN with a spectrally normalised discriminator and the hinge loss (Miyato et al.) on a 2-D ring of
Gaussians. The discriminator wraps its layers with torch.nn.utils.parametrizations.spectral_norm (the first
one with the older torch.nn.utils.spectral_norm hook, as code written before the parametrizations API does),
so each training forward runs a power iteration that updates the u/v buffers in place; the generator uses
weight_norm. Adam with betas (0.0, 0.9), two discriminator steps per generator step, and an evaluation of the
discriminator in eval mode (no power iteration) at the end.

    python sngan_hinge.py --iterations 8 --log losses.txt
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.nn.utils import parametrizations


def sample_ring(batch_size, modes=6, radius=1.5, std=0.05):
    which = torch.randint(0, modes, (batch_size,))
    angle = which.float() * (2 * math.pi / modes)
    centres = torch.stack((torch.cos(angle), torch.sin(angle)), dim=1) * radius
    return centres + std * torch.randn(batch_size, 2)


class Generator(nn.Module):
    def __init__(self, nz=4, dim=48):
        super().__init__()
        self.fc1 = parametrizations.weight_norm(nn.Linear(nz, dim))
        self.fc2 = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, 2)

    def forward(self, z):
        return self.out(F.relu(self.fc2(F.relu(self.fc1(z)))))


class Discriminator(nn.Module):
    def __init__(self, dim=48):
        super().__init__()
        self.fc1 = nn.utils.spectral_norm(nn.Linear(2, dim))
        self.fc2 = parametrizations.spectral_norm(nn.Linear(dim, dim))
        self.out = parametrizations.spectral_norm(nn.Linear(dim, 1))

    def forward(self, x):
        x = F.leaky_relu(self.fc1(x), 0.1)
        x = F.leaky_relu(self.fc2(x), 0.1)
        return self.out(x).view(-1)


def make_logger(path):
    """One line per step, `phase epoch step key value ...`, values at full precision (for comparisons)."""
    handle = open(path, "w") if path else None

    def log(phase, epoch, step, **values):
        if handle is not None:
            fields = " ".join("{} {!r}".format(k, float(v)) for k, v in values.items())
            handle.write("{} {} {} {}\n".format(phase, epoch, step, fields))
            handle.flush()
    return log


def main():
    parser = argparse.ArgumentParser(description="SN-GAN with hinge loss on a ring of Gaussians")
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--d-steps", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's losses to FILE")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    netG, netD = Generator().to(device), Discriminator().to(device)
    optG = optim.Adam(netG.parameters(), lr=args.lr, betas=(0.0, 0.9))
    optD = optim.Adam(netD.parameters(), lr=args.lr, betas=(0.0, 0.9))
    log = make_logger(args.log)
    log("setup", 0, 0, params=sum(p.detach().abs().sum().item() for p in netG.parameters())
        + sum(p.detach().abs().sum().item() for p in netD.parameters()),
        buffers=sum(b.abs().sum().item() for b in netD.buffers()))

    for it in range(args.iterations):
        for step in range(args.d_steps):
            real = sample_ring(args.batch_size).to(device)
            z = torch.randn(args.batch_size, 4, device=device)
            fake = netG(z).detach()
            loss_d = F.relu(1.0 - netD(real)).mean() + F.relu(1.0 + netD(fake)).mean()
            optD.zero_grad()
            loss_d.backward()
            optD.step()
            log("disc", it, step, loss=loss_d.item())
        z = torch.randn(args.batch_size, 4, device=device)
        loss_g = -netD(netG(z)).mean()
        optG.zero_grad()
        loss_g.backward()
        optG.step()
        log("gen", it, 0, loss=loss_g.item())
        print("iter {}: D {:.4f} G {:.4f}".format(it, loss_d.item(), loss_g.item()))

    netD.eval()
    with torch.no_grad():
        score = netD(sample_ring(256).to(device)).mean().item()
        sigma = torch.linalg.matrix_norm(netD.fc2.weight, ord=2).item()
    log("eval", 0, 0, real_score=score, fc2_sigma=sigma,
        buffers=sum(b.abs().sum().item() for b in netD.buffers()))


if __name__ == "__main__":
    main()
