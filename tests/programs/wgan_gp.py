"""Wasserstein GAN with gradient penalty (Gulrajani et al.) on a 2-D mixture of Gaussians.

The critic's gradient penalty needs the gradient of its output with respect to interpolated inputs
(torch.autograd.grad with create_graph=True), which the critic's loss then backpropagates through: a second
order derivative through Linear and LeakyReLU layers. Several critic steps per generator step, Adam with
betas (0.5, 0.9), requires_grad_ toggled on the critic's parameters while the generator trains, and
torch.rand for the interpolation weights.

    python wgan_gp.py --iterations 10 --log losses.txt
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.optim as optim
from torch import autograd


def sample_ring(batch_size, modes=8, radius=2.0, std=0.05):
    """A ring of `modes` Gaussians, as in the WGAN-GP toy experiments."""
    which = torch.randint(0, modes, (batch_size,))
    angle = which.float() * (2 * math.pi / modes)
    centres = torch.stack((torch.cos(angle), torch.sin(angle)), dim=1) * radius
    return centres + std * torch.randn(batch_size, 2)


class Generator(nn.Module):
    def __init__(self, nz=4, dim=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(nz, dim), nn.ReLU(True),
            nn.Linear(dim, dim), nn.ReLU(True),
            nn.Linear(dim, 2),
        )

    def forward(self, noise):
        return self.net(noise)


class Critic(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, dim), nn.LeakyReLU(0.2),
            nn.Linear(dim, dim), nn.LeakyReLU(0.2),
            nn.Linear(dim, 1),
        )

    def forward(self, x):
        return self.net(x).view(-1)


def gradient_penalty(critic, real_data, fake_data, device):
    alpha = torch.rand(real_data.size(0), 1, device=device).expand(real_data.size())
    interpolates = alpha * real_data + ((1 - alpha) * fake_data)
    interpolates.requires_grad_(True)
    disc_interpolates = critic(interpolates)
    gradients = autograd.grad(outputs=disc_interpolates, inputs=interpolates,
                              grad_outputs=torch.ones(disc_interpolates.size(), device=device),
                              create_graph=True, retain_graph=True, only_inputs=True)[0]
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


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
    parser = argparse.ArgumentParser(description="WGAN-GP on a ring of Gaussians")
    parser.add_argument("--iterations", type=int, default=10, help="generator iterations")
    parser.add_argument("--critic-iters", type=int, default=3, help="critic iterations per generator iteration")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lambda-gp", type=float, default=0.1, help="gradient penalty weight")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--no-cuda", action="store_true", default=False)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's losses to FILE")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.no_cuda else "cpu")
    netG, netD = Generator().to(device), Critic().to(device)
    optimizerD = optim.Adam(netD.parameters(), lr=args.lr, betas=(0.5, 0.9))
    optimizerG = optim.Adam(netG.parameters(), lr=args.lr, betas=(0.5, 0.9))
    log = make_logger(args.log)
    log("setup", 0, 0, params=sum(p.detach().abs().sum().item() for p in netG.parameters())
        + sum(p.detach().abs().sum().item() for p in netD.parameters()))

    for iteration in range(args.iterations):
        ############################
        # (1) Update D network
        ###########################
        for p in netD.parameters():  # reset requires_grad
            p.requires_grad_(True)  # they are set to False below in netG update
        for i in range(args.critic_iters):
            real_data = sample_ring(args.batch_size).to(device)
            netD.zero_grad()
            D_real = netD(real_data).mean()
            noise = torch.randn(args.batch_size, 4, device=device)
            with torch.no_grad():
                fake = netG(noise)
            D_fake = netD(fake).mean()
            penalty = gradient_penalty(netD, real_data, fake, device)
            D_cost = D_fake - D_real + args.lambda_gp * penalty
            D_cost.backward()
            optimizerD.step()
            log("critic", iteration, i, cost=D_cost.item(), wasserstein=(D_real - D_fake).item(),
                penalty=penalty.item())

        ############################
        # (2) Update G network
        ###########################
        for p in netD.parameters():
            p.requires_grad_(False)  # to avoid computation
        netG.zero_grad()
        noise = torch.randn(args.batch_size, 4, device=device)
        fake = netG(noise)
        G_cost = -netD(fake).mean()
        G_cost.backward()
        optimizerG.step()
        log("generator", iteration, 0, cost=G_cost.item())
        print("iter {:3d}  D cost {:.4f}  G cost {:.4f}  W {:.4f}".format(
            iteration, D_cost.item(), G_cost.item(), (D_real - D_fake).item()))


if __name__ == "__main__":
    main()
