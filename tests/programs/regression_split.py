"""Tabular regression with a train/validation split, early stopping and the best weights reloaded.

Features and a nonlinear target are generated from the seed; torch.utils.data.random_split (with a seeded
generator) splits them, features are standardised with the training split's mean/std, and an nn.Sequential
built from an OrderedDict (Linear, LayerNorm, SiLU, Dropout) is trained with RMSprop, SmoothL1Loss and an
ExponentialLR schedule. The best state_dict is saved with torch.save whenever validation improves, training
stops early after `--patience` epochs without improvement, and the best weights are loaded back with
torch.load(weights_only=True) for the final evaluation (MSE and R^2).

    python regression_split.py --epochs 8 --log losses.txt
"""
import argparse
import os
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset, random_split


def make_data(n, d=6, noise=0.1):
    X = torch.randn(n, d)
    w = torch.linspace(-1.0, 1.0, d)
    y = torch.tanh(X @ w) + 0.5 * X[:, 0] * X[:, 1] - 0.3 * X[:, 2] ** 2 + noise * torch.randn(n)
    return X, y.unsqueeze(1)


def build_model(d, hidden=32, dropout=0.05):
    return nn.Sequential(OrderedDict([
        ("fc1", nn.Linear(d, hidden)),
        ("norm1", nn.LayerNorm(hidden)),
        ("act1", nn.SiLU()),
        ("drop1", nn.Dropout(dropout)),
        ("fc2", nn.Linear(hidden, hidden)),
        ("act2", nn.SiLU()),
        ("out", nn.Linear(hidden, 1)),
    ]))


def evaluate(model, loader, device):
    model.eval()
    se, total, sum_y, sum_y2 = 0.0, 0, 0.0, 0.0
    with torch.no_grad():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            pred = model(xb)
            se += torch.sum((pred - yb) ** 2).item()
            sum_y += yb.sum().item()
            sum_y2 += (yb ** 2).sum().item()
            total += yb.numel()
    mse = se / total
    var = sum_y2 / total - (sum_y / total) ** 2
    return mse, 1.0 - mse / var


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
    parser = argparse.ArgumentParser(description="Regression with random_split and early stopping")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--patience", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-cuda", action="store_true", default=False)
    parser.add_argument("--save-model", action="store_true", default=False, help="keep best.pt afterwards")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if not args.no_cuda and torch.cuda.is_available() else "cpu")

    X, y = make_data(400)
    dataset = TensorDataset(X, y)
    train_set, val_set = random_split(dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(args.seed))
    train_X = X[train_set.indices]
    mean, std = train_X.mean(dim=0), train_X.std(dim=0)
    dataset.tensors = ((X - mean) / std, y)

    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=128)

    model = build_model(X.size(1)).to(device)
    criterion = nn.SmoothL1Loss(beta=0.5)
    optimizer = optim.RMSprop(model.parameters(), lr=args.lr, alpha=0.9)
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.8)
    log = make_logger(args.log)
    log("setup", 0, 0, data=X.abs().sum().item() + y.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()),
        first_val_index=val_set.indices[0])

    best, bad_epochs = float("inf"), 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        for step, (xb, yb) in enumerate(train_loader):
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            log("train", epoch, step, loss=loss.item())
        scheduler.step()
        val_mse, val_r2 = evaluate(model, val_loader, device)
        log("valid", epoch, 0, mse=val_mse, r2=val_r2)
        print("epoch {:2d}  val mse {:.4f}  r2 {:.3f}".format(epoch, val_mse, val_r2))
        if val_mse < best - 2e-3:
            best, bad_epochs = val_mse, 0
            torch.save(model.state_dict(), "best.pt")
        else:
            bad_epochs += 1
            if bad_epochs >= args.patience:
                print("early stopping at epoch", epoch)
                break

    model.load_state_dict(torch.load("best.pt", map_location=device, weights_only=True))
    final_mse, final_r2 = evaluate(model, val_loader, device)
    log("best", 0, 0, mse=final_mse, r2=final_r2)
    print("best model: val mse {:.4f}  r2 {:.3f}".format(final_mse, final_r2))
    if not args.save_model:
        os.remove("best.pt")


if __name__ == "__main__":
    main()
