"""Sub-pixel convolution super-resolution in the style of the PyTorch super_resolution example.

Four convolutions and F.pixel_shuffle / nn.PixelShuffle upscale a low-resolution image; weights are
initialised with init.orthogonal_ (gain from init.calculate_gain('relu')); low-resolution inputs come from
F.interpolate / avg_pool2d of the synthetic high-resolution targets; MSE loss, Adam, and PSNR
(10 log10(1/mse)) on a test split each epoch; the model is saved whole every epoch as the example does.

    python super_resolution.py --upscale_factor 2 --nEpochs 2 --log losses.txt
"""
import argparse
import math
import os
from math import log10

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)


class TextureDataset(Dataset):
    """High-resolution 1x24x24 textures (sums of random oriented sinusoids) and their 2x-downscaled inputs."""

    def __init__(self, count, size=24, upscale_factor=2):
        coords = torch.arange(size, dtype=torch.float32) / size
        yy, xx = torch.meshgrid(coords, coords, indexing="ij")
        freqs = torch.rand(count, 3, 2) * 6.0
        phases = torch.rand(count, 3) * 2 * math.pi
        waves = torch.sin(2 * math.pi * (freqs[..., 0, None, None] * xx + freqs[..., 1, None, None] * yy)
                          + phases[..., None, None])
        self.targets = (0.5 + waves.mean(dim=1, keepdim=True) * 0.5).clamp(0, 1)
        if upscale_factor == 2:
            self.inputs = F.avg_pool2d(self.targets, upscale_factor)
        else:
            self.inputs = F.interpolate(self.targets, scale_factor=1.0 / upscale_factor, mode="bilinear",
                                        align_corners=False)

    def __len__(self):
        return self.targets.size(0)

    def __getitem__(self, index):
        return self.inputs[index], self.targets[index]


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
    # Training settings
    parser = argparse.ArgumentParser(description="PyTorch Super Res Example")
    parser.add_argument("--upscale_factor", type=int, default=2, help="super resolution upscale factor")
    parser.add_argument("--batchSize", type=int, default=16, help="training batch size")
    parser.add_argument("--testBatchSize", type=int, default=32, help="testing batch size")
    parser.add_argument("--nEpochs", type=int, default=2, help="number of epochs to train for")
    parser.add_argument("--lr", type=float, default=0.001, help="Learning Rate. Default=0.001")
    parser.add_argument("--cuda", action="store_true", help="use cuda?")
    parser.add_argument("--seed", type=int, default=123, help="random seed to use. Default=123")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    opt = parser.parse_args()

    if opt.cuda and not torch.cuda.is_available():
        raise Exception("No GPU found, please run without --cuda")

    torch.manual_seed(opt.seed)
    device = torch.device("cuda" if opt.cuda else "cpu")

    print("===> Loading datasets")
    train_set = TextureDataset(96, upscale_factor=opt.upscale_factor)
    test_set = TextureDataset(32, upscale_factor=opt.upscale_factor)
    training_data_loader = DataLoader(dataset=train_set, batch_size=opt.batchSize, shuffle=True)
    testing_data_loader = DataLoader(dataset=test_set, batch_size=opt.testBatchSize, shuffle=False)

    print("===> Building model")
    model = Net(upscale_factor=opt.upscale_factor).to(device)
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=opt.lr)
    log = make_logger(opt.log)
    log("setup", 0, 0, data=train_set.targets.sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    for epoch in range(1, opt.nEpochs + 1):
        epoch_loss = 0
        for iteration, batch in enumerate(training_data_loader, 1):
            input, target = batch[0].to(device), batch[1].to(device)

            optimizer.zero_grad()
            loss = criterion(model(input), target)
            epoch_loss += loss.item()
            loss.backward()
            optimizer.step()
            log("train", epoch, iteration, loss=loss.item())
            print("===> Epoch[{}]({}/{}): Loss: {:.4f}".format(epoch, iteration, len(training_data_loader),
                                                               loss.item()))
        print("===> Epoch {} Complete: Avg. Loss: {:.4f}".format(epoch, epoch_loss / len(training_data_loader)))

        avg_psnr = 0
        with torch.no_grad():
            for batch in testing_data_loader:
                input, target = batch[0].to(device), batch[1].to(device)
                prediction = model(input)
                mse = criterion(prediction, target)
                psnr = 10 * log10(1 / mse.item())
                avg_psnr += psnr
        log("test", epoch, 0, psnr=avg_psnr / len(testing_data_loader))
        print("===> Avg. PSNR: {:.4f} dB".format(avg_psnr / len(testing_data_loader)))

        model_out_path = "model_epoch_{}.pth".format(epoch)
        torch.save(model, model_out_path)
        print("Checkpoint saved to {}".format(model_out_path))

    reloaded = torch.load(model_out_path, weights_only=False)
    with torch.no_grad():
        input, target = test_set[0]
        log("reloaded", 0, 0, loss=criterion(reloaded(input.unsqueeze(0)), target.unsqueeze(0)).item())
    for epoch in range(1, opt.nEpochs + 1):
        os.remove("model_epoch_{}.pth".format(epoch))


if __name__ == "__main__":
    main()
