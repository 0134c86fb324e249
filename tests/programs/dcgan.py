"""A small DCGAN in the style of the PyTorch DCGAN example, on synthetic 1x16x16 "blob" images.

Generator (ConvTranspose2d + BatchNorm2d + ReLU + Tanh) and discriminator (Conv2d + BatchNorm2d + LeakyReLU),
both initialised by `weights_init` through `model.apply`, two Adam optimisers with beta1=0.5, BCEWithLogitsLoss,
labels made with torch.full / fill_, the fake batch detached for the discriminator step, and a fixed noise
batch evaluated under no_grad at the end of each epoch.

    python dcgan.py --epochs 2 --log losses.txt
"""
import argparse
import os
import random

import torch
import torch.nn as nn
import torch.optim as optim
import torch.utils.data
from torch.utils.data import TensorDataset


def blob_images(num_samples, size=16):
    """One Gaussian bump per image at a random position and width, scaled to [-1, 1] like the Tanh output."""
    coords = torch.arange(size, dtype=torch.float32)
    centre = torch.rand(num_samples, 2) * (size - 6) + 3
    width = 1.5 + torch.rand(num_samples, 1, 1) * 1.5
    dy = (coords[None, :, None] - centre[:, 0, None, None]) ** 2
    dx = (coords[None, None, :] - centre[:, 1, None, None]) ** 2
    images = torch.exp(-(dx + dy) / (2 * width ** 2))
    return (images * 2 - 1).unsqueeze(1)


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, nz, ngf):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 4 x 4
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 8 x 8
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. 1 x 16 x 16
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ndf):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            # input is 1 x 16 x 16
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 8 x 8
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 4 x 4
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
        )

    def forward(self, input):
        # logits; the loss applies the sigmoid (BCEWithLogitsLoss)
        return self.main(input).view(-1, 1).squeeze(1)


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
    parser = argparse.ArgumentParser(description="DCGAN on synthetic blobs")
    parser.add_argument("--batch-size", type=int, default=32, help="input batch size")
    parser.add_argument("--nz", type=int, default=8, help="size of the latent z vector")
    parser.add_argument("--ngf", type=int, default=16)
    parser.add_argument("--ndf", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=3, help="number of epochs to train for")
    parser.add_argument("--lr", type=float, default=0.0002, help="learning rate, default=0.0002")
    parser.add_argument("--beta1", type=float, default=0.5, help="beta1 for adam. default=0.5")
    parser.add_argument("--no-cuda", action="store_true", help="disables cuda")
    parser.add_argument("--outf", default=None, help="folder to output model checkpoints")
    parser.add_argument("--seed", type=int, default=999, help="manual seed")
    parser.add_argument("--save-model", action="store_true", default=False, help="save G and D after training")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's losses to FILE")
    opt = parser.parse_args()
    print(opt)

    random.seed(opt.seed)
    torch.manual_seed(opt.seed)
    use_cuda = not opt.no_cuda and torch.cuda.is_available()
    if use_cuda:
        torch.backends.cudnn.benchmark = True
    device = torch.device("cuda:0" if use_cuda else "cpu")

    dataset = TensorDataset(blob_images(128))
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=opt.batch_size, shuffle=True, drop_last=True)

    netG = Generator(opt.nz, opt.ngf).to(device)
    netG.apply(weights_init)
    netD = Discriminator(opt.ndf).to(device)
    netD.apply(weights_init)

    criterion = nn.BCEWithLogitsLoss()
    fixed_noise = torch.randn(16, opt.nz, 1, 1, device=device)
    real_label = 1.
    fake_label = 0.

    # setup optimizer
    optimizerD = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    log = make_logger(opt.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=dataset.tensors[0].abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in netG.parameters())
        + sum(p.detach().abs().sum().item() for p in netD.parameters()))

    for epoch in range(opt.epochs):
        for i, (data,) in enumerate(dataloader, 0):
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            # train with real
            netD.zero_grad()
            real_cpu = data.to(device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)

            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = torch.sigmoid(output).mean().item()

            # train with fake
            noise = torch.randn(batch_size, opt.nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = torch.sigmoid(output).mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = torch.sigmoid(output).mean().item()
            optimizerG.step()

            log("train", epoch, i, loss_d=errD.item(), loss_g=errG.item(), d_x=D_x, d_g_z1=D_G_z1, d_g_z2=D_G_z2)
            print("[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f"
                  % (epoch, opt.epochs, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))

        netG.eval()
        with torch.no_grad():
            fake = netG(fixed_noise)
        netG.train()
        log("fixed", epoch, 0, mean=fake.mean().item(), std=fake.std().item())

        if opt.save_model and opt.outf:
            os.makedirs(opt.outf, exist_ok=True)
            torch.save(netG.state_dict(), "%s/netG_epoch_%d.pth" % (opt.outf, epoch))
            torch.save(netD.state_dict(), "%s/netD_epoch_%d.pth" % (opt.outf, epoch))


if __name__ == "__main__":
    main()
