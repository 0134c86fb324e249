"""Spatial transformer network in the style of the PyTorch "Spatial Transformer Networks" tutorial, on
synthetic 1x20x20 digits-like glyphs that are randomly rotated and shifted: a localisation network
(Conv2d/MaxPool2d/ReLU) regresses a 2x3 affine matrix, initialised to the identity (weight zeroed, bias copied),
F.affine_grid + F.grid_sample resample the input, and a small classifier follows; SGD, nll_loss, a test pass
and the mean |theta - identity| after training.

    python spatial_transformer.py --epochs 2 --log losses.txt
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

SIZE = 20


def glyphs(num_samples, num_classes=4):
    """Class 0: a bar, 1: a cross, 2: a box outline, 3: a diagonal; rotated, shifted and noised."""
    base = torch.zeros(num_classes, 1, SIZE, SIZE)
    base[0, 0, 4:16, 9:11] = 1
    base[1, 0, 4:16, 9:11] = 1
    base[1, 0, 9:11, 4:16] = 1
    base[2, 0, 5:15, 5:15] = 1
    base[2, 0, 7:13, 7:13] = 0
    idx = torch.arange(4, 16)
    base[3, 0, idx, idx] = 1
    labels = torch.randint(0, num_classes, (num_samples,))
    angle = (torch.rand(num_samples) - 0.5) * (math.pi / 2)
    shift = (torch.rand(num_samples, 2) - 0.5) * 0.4
    theta = torch.stack((torch.stack((torch.cos(angle), -torch.sin(angle), shift[:, 0]), 1),
                         torch.stack((torch.sin(angle), torch.cos(angle), shift[:, 1]), 1)), 1)
    grid = F.affine_grid(theta, (num_samples, 1, SIZE, SIZE), align_corners=False)
    images = F.grid_sample(base[labels], grid, align_corners=False)
    return images + 0.1 * torch.randn_like(images), labels


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=5)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(16 * 3 * 3, 32)
        self.fc2 = nn.Linear(32, 4)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=3),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x, theta

    def forward(self, x):
        # transform the input
        x, theta = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 16 * 3 * 3)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1), theta


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
    parser = argparse.ArgumentParser(description="Spatial transformer network on synthetic glyphs")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    images, labels = glyphs(256)
    train_loader = DataLoader(TensorDataset(images[:192], labels[:192]), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(images[192:], labels[192:]), batch_size=64)
    model = Net().to(device)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.5)
    log = make_logger(args.log)
    log("setup", 0, 0, data=images.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))
    identity = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])

    for epoch in range(1, args.epochs + 1):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output, theta = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            log("train", epoch, batch_idx, loss=loss.item(), theta_shift=(theta - identity).abs().mean().item())
        model.eval()
        with torch.no_grad():
            test_loss, correct = 0, 0
            for data, target in test_loader:
                output, _ = model(data.to(device))
                test_loss += F.nll_loss(output, target.to(device), reduction="sum").item()
                correct += output.max(1, keepdim=True)[1].eq(target.view(-1, 1)).sum().item()
        log("test", epoch, 0, loss=test_loss / 64, correct=correct)
        print("epoch {}: test loss {:.4f}, accuracy {}/64".format(epoch, test_loss / 64, correct))


if __name__ == "__main__":
    main()
