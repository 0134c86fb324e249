"""Multi-layer perceptron on a synthetic classification problem (Gaussian blobs).

Written the way small PyTorch examples are written: argparse, a main(), device selection, seeding,
a DataLoader over a TensorDataset with shuffling, dropout, Adam with weight decay, a StepLR schedule,
an evaluation pass under torch.no_grad() and an optional saved model.

    python mlp_classifier.py --epochs 3 --log losses.txt
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


def make_blobs(num_samples, num_features, num_classes, spread=0.5):
    """Points scattered around one random centre per class; drawn from torch's seeded generator."""
    centres = torch.randn(num_classes, num_features) * spread
    labels = torch.randint(0, num_classes, (num_samples,))
    points = centres[labels] + torch.randn(num_samples, num_features)
    return points, labels


class MLP(nn.Module):
    def __init__(self, in_features, hidden, num_classes, dropout=0.2):
        super(MLP, self).__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, hidden // 2)
        self.fc3 = nn.Linear(hidden // 2, num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        x = F.relu(self.fc2(x))
        x = self.dropout(x)
        return self.fc3(x)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


def train(args, model, device, train_loader, optimizer, criterion, epoch, log):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        log("train", epoch, batch_idx, loss=loss.item())
        if batch_idx % args.log_interval == 0:
            print("Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(model, device, test_loader, epoch, log):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.cross_entropy(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    accuracy = correct / len(test_loader.dataset)
    log("test", epoch, 0, loss=test_loss, accuracy=accuracy)
    print("\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n".format(
        test_loss, correct, len(test_loader.dataset), 100. * accuracy))


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
    parser = argparse.ArgumentParser(description="PyTorch MLP on synthetic blobs")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N",
                        help="input batch size for training (default: 32)")
    parser.add_argument("--test-batch-size", type=int, default=100, metavar="N",
                        help="input batch size for testing (default: 100)")
    parser.add_argument("--epochs", type=int, default=3, metavar="N", help="number of epochs (default: 3)")
    parser.add_argument("--lr", type=float, default=1e-2, metavar="LR", help="learning rate (default: 1e-2)")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="weight decay (default: 1e-4)")
    parser.add_argument("--gamma", type=float, default=0.5, metavar="M", help="StepLR decay (default: 0.5)")
    parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA training")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=5, metavar="N",
                        help="how many batches to wait before printing training status")
    parser.add_argument("--save-model", action="store_true", default=False, help="save the trained model")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()
    use_cuda = not args.no_cuda and torch.cuda.is_available()

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if use_cuda else "cpu")

    train_kwargs = {"batch_size": args.batch_size, "shuffle": True}
    test_kwargs = {"batch_size": args.test_batch_size}
    if use_cuda:
        cuda_kwargs = {"num_workers": 1, "pin_memory": True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)

    points, labels = make_blobs(520, 20, 5)
    train_set = TensorDataset(points[:320], labels[:320])
    test_set = TensorDataset(points[320:], labels[320:])
    train_loader = DataLoader(train_set, **train_kwargs)
    test_loader = DataLoader(test_set, **test_kwargs)

    model = MLP(20, 64, 5).to(device)
    model.apply(init_weights)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=points.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, criterion, epoch, log)
        test(model, device, test_loader, epoch, log)
        scheduler.step()

    if args.save_model:
        torch.save(model.state_dict(), "mlp_blobs.pt")


if __name__ == "__main__":
    main()
