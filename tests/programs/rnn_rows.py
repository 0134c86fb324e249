"""An LSTM reading images row by row, in the style of the PyTorch mnist_rnn example, on synthetic 16x16
images of oriented stripes: nn.LSTM(batch_first=True) over the rows, BatchNorm1d and Dropout on the last
time step's output, two Linear layers, log_softmax + nll_loss, Adadelta with StepLR, and a test pass.

    python rnn_rows.py --epochs 2 --log losses.txt
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, row_size=16, hidden=32, num_classes=4):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=row_size, hidden_size=hidden, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(hidden)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(hidden, 32)
        self.fc2 = nn.Linear(32, num_classes)

    def forward(self, input):
        # Shape of input is (batch_size, 1, rows, cols): squeeze the channel, the rows become the time steps
        input = input.reshape(-1, input.size(-2), input.size(-1))
        output, hidden = self.rnn(input)
        output = output[:, -1, :]  # the last time step
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
        return output


def stripes(num_samples, num_classes=4, size=16):
    labels = torch.randint(0, num_classes, (num_samples,))
    coords = torch.arange(size, dtype=torch.float32)
    yy, xx = torch.meshgrid(coords, coords, indexing="ij")
    angle = labels.float() * (math.pi / num_classes)
    phase = torch.rand(num_samples) * 2 * math.pi
    proj = xx[None] * torch.cos(angle)[:, None, None] + yy[None] * torch.sin(angle)[:, None, None]
    images = torch.sin(0.7 * proj + phase[:, None, None]) + 0.3 * torch.randn(num_samples, size, size)
    return images.unsqueeze(1), labels


def train(args, model, device, train_loader, optimizer, epoch, log):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        log("train", epoch, batch_idx, loss=loss.item())
        if batch_idx % args.log_interval == 0:
            print("Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break


def test(args, model, device, test_loader, epoch, log):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)
    log("test", epoch, 0, loss=test_loss, correct=correct)
    print("\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n".format(
        test_loss, correct, len(test_loader.dataset), 100. * correct / len(test_loader.dataset)))


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
    parser = argparse.ArgumentParser(description="PyTorch RNN over image rows")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N",
                        help="input batch size for training (default: 32)")
    parser.add_argument("--test-batch-size", type=int, default=64, metavar="N",
                        help="input batch size for testing (default: 64)")
    parser.add_argument("--epochs", type=int, default=2, metavar="N", help="number of epochs to train (default: 2)")
    parser.add_argument("--lr", type=float, default=1.0, metavar="LR", help="learning rate (default: 1.0)")
    parser.add_argument("--gamma", type=float, default=0.7, metavar="M", help="learning rate step gamma")
    parser.add_argument("--cuda", action="store_true", default=False, help="enables CUDA training")
    parser.add_argument("--mps", action="store_true", default=False, help="enables MPS training")
    parser.add_argument("--dry-run", action="store_true", default=False, help="quickly check a single pass")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=4, metavar="N",
                        help="how many batches to wait before logging training status")
    parser.add_argument("--save-model", action="store_true", default=False, help="for Saving the current Model")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    if args.cuda and not args.mps:
        device = "cuda"
    elif args.mps and not args.cuda:
        device = "mps"
    else:
        device = "cpu"

    device = torch.device(device)

    torch.manual_seed(args.seed)

    kwargs = {"num_workers": 1, "pin_memory": True} if args.cuda else {}
    images, labels = stripes(320)
    train_loader = DataLoader(TensorDataset(images[:256], labels[:256]), batch_size=args.batch_size,
                              shuffle=True, **kwargs)
    test_loader = DataLoader(TensorDataset(images[256:], labels[256:]), batch_size=args.test_batch_size,
                             shuffle=True, **kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    log = make_logger(args.log)
    log("setup", 0, 0, data=images.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch, log)
        test(args, model, device, test_loader, epoch, log)
        scheduler.step()

    if args.save_model:
        torch.save(model.state_dict(), "mnist_rnn.pt")


if __name__ == "__main__":
    main()
