"""A small U-Net for binary segmentation of synthetic shapes, written the way popular U-Net repositories
write it: DoubleConv (Conv2d/BatchNorm2d/ReLU(inplace)) blocks, MaxPool2d downsampling, either bilinear
nn.Upsample + conv or ConvTranspose2d upsampling, F.pad to match skip sizes, torch.cat skip connections, a 1x1
output conv; BCEWithLogitsLoss plus a soft Dice loss, RMSprop with momentum and foreach=True,
CosineAnnealingWarmRestarts stepped with fractional epochs, and Dice / IoU metrics on a validation split.

    python unet_segmentation.py --epochs 2 --log losses.txt
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset


class DoubleConv(nn.Module):
    """(convolution => [BN] => ReLU) * 2"""

    def __init__(self, in_channels, out_channels, mid_channels=None):
        super().__init__()
        if not mid_channels:
            mid_channels = out_channels
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True)
        )

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    """Downscaling with maxpool then double conv"""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    """Upscaling then double conv"""

    def __init__(self, in_channels, out_channels, bilinear=True):
        super().__init__()
        # if bilinear, use the normal convolutions to reduce the number of channels
        if bilinear:
            self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
        else:
            self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
            self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        # input is CHW
        diffY = x2.size()[2] - x1.size()[2]
        diffX = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        x = torch.cat([x2, x1], dim=1)
        return self.conv(x)


class UNet(nn.Module):
    def __init__(self, n_channels, n_classes, bilinear=False, base=8):
        super(UNet, self).__init__()
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.bilinear = bilinear
        factor = 2 if bilinear else 1
        self.inc = DoubleConv(n_channels, base)
        self.down1 = Down(base, base * 2)
        self.down2 = Down(base * 2, base * 4 // factor)
        self.up1 = Up(base * 4, base * 2 // factor, bilinear)
        self.up2 = Up(base * 2, base, bilinear)
        self.outc = nn.Conv2d(base, n_classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x = self.up1(x3, x2)
        x = self.up2(x, x1)
        return self.outc(x)


def dice_coeff(input, target, epsilon=1e-6):
    inter = 2 * (input * target).sum(dim=(-1, -2))
    sets_sum = input.sum(dim=(-1, -2)) + target.sum(dim=(-1, -2))
    sets_sum = torch.where(sets_sum == 0, inter, sets_sum)
    return ((inter + epsilon) / (sets_sum + epsilon)).mean()


def shapes(num_samples, size=20):
    """Discs and squares at random places on textured noise; the mask marks the shape."""
    coords = torch.arange(size, dtype=torch.float32)
    yy, xx = torch.meshgrid(coords, coords, indexing="ij")
    centre = 4 + torch.rand(num_samples, 2) * (size - 8)
    radius = 2.5 + torch.rand(num_samples) * 3
    is_disc = torch.rand(num_samples) < 0.5
    dy, dx = yy[None] - centre[:, 0, None, None], xx[None] - centre[:, 1, None, None]
    disc = dy ** 2 + dx ** 2 <= radius[:, None, None] ** 2
    square = (dy.abs() <= radius[:, None, None]) & (dx.abs() <= radius[:, None, None])
    masks = torch.where(is_disc[:, None, None], disc, square).float()
    texture = torch.sin(xx * 0.9)[None] * torch.cos(yy * 0.7)[None] * 0.3
    images = masks * 0.8 + texture + 0.35 * torch.randn(num_samples, size, size)
    return images.unsqueeze(1), masks.unsqueeze(1)


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
    parser = argparse.ArgumentParser(description="Train the UNet on synthetic shapes and masks")
    parser.add_argument("--epochs", "-e", metavar="E", type=int, default=2, help="Number of epochs")
    parser.add_argument("--batch-size", "-b", dest="batch_size", metavar="B", type=int, default=16)
    parser.add_argument("--learning-rate", "-l", metavar="LR", type=float, default=1e-4, dest="lr")
    parser.add_argument("--bilinear", action="store_true", default=False, help="Use bilinear upsampling")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    images, masks = shapes(96)
    train_loader = DataLoader(TensorDataset(images[:64], masks[:64]), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(images[64:], masks[64:]), batch_size=32, shuffle=False, drop_last=True)

    model = UNet(n_channels=1, n_classes=1, bilinear=args.bilinear)
    model = model.to(memory_format=torch.channels_last)
    model.to(device=device)
    optimizer = optim.RMSprop(model.parameters(), lr=args.lr, weight_decay=1e-8, momentum=0.9, foreach=True)
    scheduler = optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=1, T_mult=2)
    criterion = nn.BCEWithLogitsLoss()
    log = make_logger(args.log)
    log("setup", 0, 0, data=images.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    iters = len(train_loader)
    for epoch in range(args.epochs):
        model.train()
        for i, (image, true_mask) in enumerate(train_loader):
            image = image.to(device=device, dtype=torch.float32, memory_format=torch.channels_last)
            true_mask = true_mask.to(device=device, dtype=torch.float32)
            masks_pred = model(image)
            loss = criterion(masks_pred, true_mask)
            loss += 1 - dice_coeff(torch.sigmoid(masks_pred), true_mask)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step(epoch + i / iters)
            log("train", epoch, i, loss=loss.item(), lr=optimizer.param_groups[0]["lr"])

        model.eval()
        dice_score, iou, soft_dice, val_loss = 0.0, 0.0, 0.0, 0.0
        with torch.no_grad():
            for image, mask_true in val_loader:
                logits = model(image.to(device))
                mask_true = mask_true.to(device)
                mask_pred = (torch.sigmoid(logits) > 0.5).float()
                dice_score += dice_coeff(mask_pred, mask_true).item()
                inter = (mask_pred * mask_true).sum()
                iou += (inter / ((mask_pred + mask_true) > 0).float().sum().clamp(min=1)).item()
                soft_dice += dice_coeff(torch.sigmoid(logits), mask_true).item()
                val_loss += criterion(logits, mask_true).item()
        # NOTE: the thresholded Dice / IoU jump when one pixel crosses 0.5, so the log keeps the smooth measures
        log("valid", epoch, 0, loss=val_loss / len(val_loader), soft_dice=soft_dice / len(val_loader))
        print("epoch {}: validation Dice {:.4f}, IoU {:.4f}".format(epoch, dice_score / len(val_loader),
                                                                     iou / len(val_loader)))
    print("done after {} steps; final lr {:.2e} (cos restarts of {:.0f} epoch)".format(
        args.epochs * iters, optimizer.param_groups[0]["lr"], math.pow(2, 0)))


if __name__ == "__main__":
    main()
