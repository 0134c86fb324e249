"""Knowledge distillation into a small student, with the habits of modern training scripts.

A teacher MLP is trained briefly, then frozen (requires_grad_(False), eval()) and queried under
torch.inference_mode(); the student learns from softened teacher logits (KL divergence at temperature T,
reduction='batchmean', scaled by T^2) plus the hard-label cross-entropy, with gradient accumulation over two
micro-batches, activation checkpointing (torch.utils.checkpoint, use_reentrant=False) on its hidden block, a
forward hook collecting hidden activations for a feature-matching term, and an exponential moving average of
its weights kept in a deepcopy'd model (updated with lerp_ / copy_ under no_grad) that is evaluated each epoch.

    python distill_ema.py --epochs 2 --log losses.txt
"""
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.checkpoint import checkpoint
from torch.utils.data import DataLoader, TensorDataset


class Teacher(nn.Module):
    def __init__(self, d_in, num_classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 96), nn.GELU(), nn.Linear(96, 48), nn.GELU())
        self.head = nn.Linear(48, num_classes)

    def forward(self, x):
        return self.head(self.body(x))


class Student(nn.Module):
    def __init__(self, d_in, num_classes, width=24):
        super().__init__()
        self.stem = nn.Linear(d_in, width)
        self.block = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.Tanh())
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        h = F.relu(self.stem(x))
        if self.training:
            h = h + checkpoint(self.block, h, use_reentrant=False)
        else:
            h = h + self.block(h)
        return self.head(h)


class ModelEma(nn.Module):
    """Exponential moving average of a model's weights (buffers copied), as timm's ModelEmaV2 keeps it."""

    def __init__(self, model, decay=0.9):
        super().__init__()
        self.module = copy.deepcopy(model)
        self.module.eval()
        self.decay = decay

    @torch.no_grad()
    def update(self, model):
        for ema_v, model_v in zip(self.module.state_dict().values(), model.state_dict().values()):
            if ema_v.dtype.is_floating_point:
                ema_v.lerp_(model_v, 1.0 - self.decay)
            else:
                ema_v.copy_(model_v)


def distillation_loss(student_logits, teacher_logits, labels, T, alpha):
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1),
                    reduction="batchmean") * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.numel()
    return correct / total


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
    parser = argparse.ArgumentParser(description="Distillation with EMA, checkpointing and hooks")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--teacher-epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--accum-steps", type=int, default=2)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--temperature", type=float, default=3.0)
    parser.add_argument("--alpha", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    log = make_logger(args.log)

    # two interleaved half-moons in 2-D, lifted to 10 features by a random map and a nonlinearity
    n = 384
    labels = torch.randint(0, 2, (n,))
    t = torch.rand(n) * torch.pi
    moons = torch.stack((torch.cos(t) + labels * 1.0, torch.sin(t) * (1 - 2 * labels) + labels * 0.4), 1)
    moons = moons + 0.15 * torch.randn(n, 2)
    features = torch.tanh(moons @ torch.randn(2, 10))
    train_loader = DataLoader(TensorDataset(features[:256], labels[:256]), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(features[256:], labels[256:]), batch_size=128)

    teacher = Teacher(10, 2)
    opt_t = optim.Adam(teacher.parameters(), lr=1e-2)
    for epoch in range(args.teacher_epochs):
        teacher.train()
        for step, (x, y) in enumerate(train_loader):
            opt_t.zero_grad()
            loss = F.cross_entropy(teacher(x), y)
            loss.backward()
            opt_t.step()
            log("teacher", epoch, step, loss=loss.item())
    teacher.requires_grad_(False)
    teacher.eval()
    log("teacher_eval", 0, 0, acc=accuracy(teacher, test_loader))

    student = Student(10, 2)
    ema = ModelEma(student, decay=0.8)
    features_seen = []
    handle = student.block.register_forward_hook(lambda module, inp, out: features_seen.append(out))
    optimizer = optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.05)
    for epoch in range(args.epochs):
        student.train()
        optimizer.zero_grad()
        for step, (x, y) in enumerate(train_loader):
            with torch.inference_mode():
                teacher_logits = teacher(x)
            features_seen.clear()
            logits = student(x)
            loss = distillation_loss(logits, teacher_logits.clone(), y, args.temperature, args.alpha)
            loss = loss + 1e-3 * features_seen[0].pow(2).mean()
            (loss / args.accum_steps).backward()
            if (step + 1) % args.accum_steps == 0:
                nn.utils.clip_grad_value_(student.parameters(), 1.0)
                optimizer.step()
                optimizer.zero_grad()
                ema.update(student)
            log("student", epoch, step, loss=loss.item())
        log("student_eval", epoch, 0, acc=accuracy(student, test_loader), ema_acc=accuracy(ema.module, test_loader),
            ema_norm=sum(p.norm().item() for p in ema.module.parameters()))
    handle.remove()
    print("teacher acc {:.3f}, student acc {:.3f}, EMA acc {:.3f}".format(
        accuracy(teacher, test_loader), accuracy(student, test_loader), accuracy(ema.module, test_loader)))


if __name__ == "__main__":
    main()
