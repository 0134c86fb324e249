"""Train a small convolutional network on scikit-learn's handwritten digits with glassgrad, written as a PyTorch
script: only the import differs. Saves a checkpoint, reloads it into a fresh model and prints the test accuracy.

    python examples/train_digits.py [--epochs 12] [--seed 0] [--checkpoint digits.pt]

The digits (1,797 images of 8x8 pixels) ship with scikit-learn: nothing is downloaded.
"""
import argparse
import os
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from tqdm import tqdm

import glassgrad as torch
import glassgrad.nn.functional as F
from glassgrad import nn
from glassgrad.utils.data import DataLoader, TensorDataset


class DigitsNet(nn.Module):
    """conv 3x3 (16) + batch norm + ReLU + max pool, conv 3x3 (32) + ReLU + max pool, dropout, linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1, bias=False)  # batch norm follows: a bias is redundant
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))   # 16 x 4 x 4
        x = self.pool(F.relu(self.conv2(x)))             # 32 x 2 x 2
        return self.fc(self.dropout(x.flatten(1)))


def load_data(seed):
    """Train and test sets (80/20, stratified by a seeded shuffle), pixels scaled to [0, 1]."""
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]     # N x 1 x 8 x 8
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.8 * len(y))
    train, test = order[:cut], order[cut:]
    return (TensorDataset(torch.from_numpy(x[train]), torch.from_numpy(y[train])),
            TensorDataset(torch.from_numpy(x[test]), torch.from_numpy(y[test])))


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in loader:
            correct += int((model(xb).argmax(dim=1) == yb).sum())
            total += len(yb)
    return correct / total


def train(epochs, seed, checkpoint):
    torch.manual_seed(seed)
    train_set, test_set = load_data(seed)
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=256)
    model = DigitsNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        seen = correct = 0
        running = 0.0
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1:2d}/{epochs}", unit="batch", leave=False)
        for xb, yb in bar:
            optimizer.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            seen += len(yb)
            correct += int((logits.argmax(dim=1) == yb).sum())
            running += loss.item() * len(yb)
            bar.set_postfix(loss=f"{running / seen:.4f}", acc=f"{correct / seen:.3f}")
        scheduler.step()
        tqdm.write(f"epoch {epoch + 1:2d}/{epochs}  loss {running / seen:.4f}  train acc {correct / seen:.3f}  "
                   f"test acc {evaluate(model, test_loader):.3f}")
    seconds = time.perf_counter() - start

    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, checkpoint)
    restored = DigitsNet()
    state = torch.load(checkpoint)
    restored.load_state_dict(state["model"])
    accuracy = evaluate(restored, test_loader)
    print(f"trained {epochs} epochs in {seconds:.1f} s; checkpoint {checkpoint} "
          f"({os.path.getsize(checkpoint) / 1024:.0f} KiB) reloaded into a fresh model")
    print(f"test accuracy {accuracy:.4f} ({len(test_set)} images)")
    return accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=os.path.join(tempfile.gettempdir(), "glassgrad-digits.pt"))
    args = parser.parse_args()
    train(args.epochs, args.seed, args.checkpoint)


if __name__ == "__main__":
    main()
