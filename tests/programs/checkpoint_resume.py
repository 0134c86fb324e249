"""Save a training checkpoint mid-run and resume from it in fresh objects, as the ImageNet example does.

The run trains a small residual MLP (Linear/BatchNorm1d/ReLU with a skip connection) with SGD (momentum,
nesterov, weight decay) and a MultiStepLR schedule. After `--stop-epoch` epochs it writes a checkpoint
(epoch, model/optimizer/scheduler state_dicts, best accuracy and the CPU RNG state) with torch.save, keeps a
copy as model_best with shutil, then "restarts": new model, optimizer and scheduler objects are built (their
fresh initial values are overwritten), the checkpoint is read back with torch.load(map_location=...), every
state is loaded, and training continues to `--epochs`. Because the RNG state is restored too, the losses
after the restart are those an uninterrupted run would give.

    python checkpoint_resume.py --epochs 4 --stop-epoch 2 --log losses.txt
"""
import argparse
import os
import shutil
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import MultiStepLR
from torch.utils.data import DataLoader, TensorDataset


class ResidualBlock(nn.Module):
    def __init__(self, width, dropout):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.bn1 = nn.BatchNorm1d(width)
        self.fc2 = nn.Linear(width, width)
        self.bn2 = nn.BatchNorm1d(width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        out = F.relu(self.bn1(self.fc1(x)))
        out = self.dropout(out)
        out = self.bn2(self.fc2(out))
        return F.relu(out + x)


class ResMLP(nn.Module):
    def __init__(self, in_features, width, num_classes, blocks=2, dropout=0.1):
        super().__init__()
        self.stem = nn.Linear(in_features, width)
        self.blocks = nn.Sequential(*[ResidualBlock(width, dropout) for _ in range(blocks)])
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.head(self.blocks(F.relu(self.stem(x))))


def spirals(num_samples, num_classes=3, noise=0.2):
    """Interleaved 2-D spirals lifted to 8 features by fixed random projections and squares."""
    labels = torch.randint(0, num_classes, (num_samples,))
    t = torch.rand(num_samples) * 3.0 + 0.5
    angle = t * 2.2 + labels.float() * (2 * torch.pi / num_classes)
    xy = torch.stack((t * torch.cos(angle), t * torch.sin(angle)), dim=1) + noise * torch.randn(num_samples, 2)
    projection = torch.randn(2, 4)
    features = torch.cat((xy, xy @ projection, xy ** 2), dim=1)
    return features, labels


def save_checkpoint(state, is_best, directory, filename="checkpoint.pth.tar"):
    path = os.path.join(directory, filename)
    torch.save(state, path)
    if is_best:
        shutil.copyfile(path, os.path.join(directory, "model_best.pth.tar"))
    return path


def build(args, device):
    model = ResMLP(8, args.width, 3).to(device)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, nesterov=True,
                          weight_decay=args.weight_decay)
    scheduler = MultiStepLR(optimizer, milestones=[2, 3], gamma=0.3)
    return model, optimizer, scheduler


def train(model, device, loader, optimizer, criterion, epoch, log):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        data, target = data.to(device), target.to(device)
        output = model(data)
        loss = criterion(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log("train", epoch, batch_idx, loss=loss.item())


def validate(model, device, loader, criterion):
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            loss_sum += criterion(output, target).item() * target.size(0)
            correct += (output.argmax(dim=1) == target).sum().item()
            total += target.size(0)
    return loss_sum / total, 100.0 * correct / total


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
    parser = argparse.ArgumentParser(description="Checkpoint and resume mid-run")
    parser.add_argument("--epochs", default=4, type=int, metavar="N", help="number of total epochs to run")
    parser.add_argument("--stop-epoch", default=2, type=int, metavar="N", help="epoch after which to restart")
    parser.add_argument("-b", "--batch-size", default=32, type=int, metavar="N", help="mini-batch size")
    parser.add_argument("--lr", "--learning-rate", default=0.05, type=float, metavar="LR", dest="lr")
    parser.add_argument("--momentum", default=0.9, type=float, metavar="M", help="momentum")
    parser.add_argument("--wd", "--weight-decay", default=5e-4, type=float, metavar="W", dest="weight_decay")
    parser.add_argument("--width", default=32, type=int, help="hidden width")
    parser.add_argument("--seed", default=3, type=int, help="seed for initializing training")
    parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA training")
    parser.add_argument("--checkpoint-dir", default=None, help="where checkpoints go (default: a temp dir)")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    checkpoint_dir = args.checkpoint_dir or tempfile.mkdtemp(prefix="ckpt_")
    os.makedirs(checkpoint_dir, exist_ok=True)

    features, labels = spirals(384)
    train_loader = DataLoader(TensorDataset(features[:256], labels[:256]), batch_size=args.batch_size,
                              shuffle=True)
    val_loader = DataLoader(TensorDataset(features[256:], labels[256:]), batch_size=64)
    criterion = nn.CrossEntropyLoss().to(device)
    log = make_logger(args.log)

    model, optimizer, scheduler = build(args, device)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=features.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))
    best_acc1 = 0.0
    start_epoch = 0
    resume_path = None
    for epoch in range(start_epoch, args.stop_epoch):
        train(model, device, train_loader, optimizer, criterion, epoch, log)
        val_loss, acc1 = validate(model, device, val_loader, criterion)
        log("valid", epoch, 0, loss=val_loss, acc=acc1, lr=scheduler.get_last_lr()[0])
        scheduler.step()
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        resume_path = save_checkpoint({
            "epoch": epoch + 1,
            "state_dict": model.state_dict(),
            "best_acc1": best_acc1,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng_state": torch.get_rng_state(),
        }, is_best, checkpoint_dir)
        print("epoch {} val loss {:.4f} acc {:.1f}".format(epoch, val_loss, acc1))

    # --- simulated restart: everything rebuilt from the checkpoint file ---
    del model, optimizer, scheduler
    model, optimizer, scheduler = build(args, device)
    print("=> loading checkpoint '{}'".format(resume_path))
    checkpoint = torch.load(resume_path, map_location=device)
    start_epoch = checkpoint["epoch"]
    best_acc1 = checkpoint["best_acc1"]
    model.load_state_dict(checkpoint["state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["rng_state"])
    print("=> loaded checkpoint '{}' (epoch {})".format(resume_path, checkpoint["epoch"]))
    log("resume", start_epoch, 0, lr=optimizer.param_groups[0]["lr"], best=best_acc1,
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    for epoch in range(start_epoch, args.epochs):
        train(model, device, train_loader, optimizer, criterion, epoch, log)
        val_loss, acc1 = validate(model, device, val_loader, criterion)
        log("valid", epoch, 0, loss=val_loss, acc=acc1, lr=scheduler.get_last_lr()[0])
        scheduler.step()
        best_acc1 = max(acc1, best_acc1)
        print("epoch {} val loss {:.4f} acc {:.1f}".format(epoch, val_loss, acc1))

    if args.checkpoint_dir is None:
        shutil.rmtree(checkpoint_dir)


if __name__ == "__main__":
    main()
