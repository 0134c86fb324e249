"""1-D convolutional classifier fed by a custom Dataset through DataLoader worker processes.

The Dataset holds synthetic signals and augments each item on the fly (random shift with Python's `random`,
additive noise with torch.randn), so what a batch contains depends on the per-worker seeding PyTorch does:
the loader uses num_workers=2, a seeded torch.Generator and the `seed_worker` recipe from PyTorch's
reproducibility notes (worker_init_fn seeding `random` from torch.initial_seed()). The model stacks
Conv1d/BatchNorm1d/ReLU/MaxPool1d and AdaptiveAvgPool1d (no bias before a BatchNorm, which cancels it);
training uses AdamW, OneCycleLR stepped per batch and cross-entropy with label smoothing.

    python dataset_workers.py --epochs 2 --log losses.txt
"""
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset


class WaveformDataset(Dataset):
    """Three classes of waveform (sine, square, sawtooth) at random frequencies; augmented per item."""

    def __init__(self, num_samples, length=64, augment=True):
        self.length = length
        self.augment = augment
        self.labels = torch.randint(0, 3, (num_samples,))
        freq = 2.0 + 4.0 * torch.rand(num_samples, 1)
        t = torch.linspace(0, 1, length + 8)[None, :]
        phase = 2 * torch.pi * freq * t
        sine = torch.sin(phase)
        square = torch.sign(sine)
        saw = 2 * torch.remainder(phase / (2 * torch.pi), 1.0) - 1
        waves = torch.stack((sine, square, saw), dim=1)  # (N, 3, length + 8)
        self.signals = waves[torch.arange(num_samples), self.labels]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        shift = random.randint(0, 8) if self.augment else 4
        signal = self.signals[idx, shift:shift + self.length].clone()
        if self.augment:
            signal += 0.3 * torch.randn(self.length)
        return signal.unsqueeze(0), self.labels[idx]


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2 ** 32
    random.seed(worker_seed)


class ConvNet1d(nn.Module):
    def __init__(self, num_classes=3, channels=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, channels, kernel_size=5, padding=2, bias=False),
            nn.BatchNorm1d(channels),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(2),
            nn.Conv1d(channels, 2 * channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm1d(2 * channels),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool1d(1),
        )
        self.classifier = nn.Linear(2 * channels, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


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
    parser = argparse.ArgumentParser(description="1-D CNN with a custom Dataset and DataLoader workers")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N")
    parser.add_argument("--epochs", type=int, default=2, metavar="N")
    parser.add_argument("--lr", type=float, default=1e-2, metavar="LR", help="peak learning rate")
    parser.add_argument("--workers", type=int, default=2, help="number of data loading workers")
    parser.add_argument("--no-cuda", action="store_true", default=False)
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--save-model", action="store_true", default=False)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    torch.manual_seed(args.seed)
    random.seed(args.seed)

    train_set = WaveformDataset(192)
    test_set = WaveformDataset(64, augment=False)
    g = torch.Generator()
    g.manual_seed(args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers,
                              worker_init_fn=seed_worker, generator=g, pin_memory=use_cuda)
    test_loader = DataLoader(test_set, batch_size=64, shuffle=False, num_workers=0)

    model = ConvNet1d().to(device)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                              steps_per_epoch=len(train_loader))
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=train_set.signals.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    for epoch in range(1, args.epochs + 1):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device, non_blocking=True), target.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(data), target)
            loss.backward()
            optimizer.step()
            scheduler.step()
            log("train", epoch, batch_idx, loss=loss.item(), lr=scheduler.get_last_lr()[0],
                batch_sum=data.sum().item())
        model.eval()
        correct, total_loss = 0, 0.0
        with torch.no_grad():
            for data, target in test_loader:
                output = model(data.to(device))
                total_loss += F.cross_entropy(output, target.to(device), reduction="sum").item()
                correct += output.argmax(1).eq(target.to(device)).sum().item()
        log("test", epoch, 0, loss=total_loss / len(test_set), correct=correct)
        print("epoch {}: test loss {:.4f}, accuracy {}/{}".format(
            epoch, total_loss / len(test_set), correct, len(test_set)))

    if args.save_model:
        torch.save(model.state_dict(), "conv1d_waveforms.pt")


if __name__ == "__main__":
    main()
