"""A small ResNet trained with the mixed-precision recipe, guarded so that it runs in float32 on the CPU.

BasicBlocks (Conv2d/BatchNorm2d with a projection shortcut) initialised as torchvision does (kaiming_normal_
fan_out for convolutions, constant BatchNorm, the last BatchNorm of each block zeroed), parameter groups with
no weight decay on biases and norms, SGD with momentum, linear warm-up then CosineAnnealingLR through
SequentialLR, torch.autocast + torch.amp.GradScaler enabled only on CUDA (`enabled=use_amp`), unscale_ before
clip_grad_norm_, cudnn.benchmark, and channels_last when on CUDA.

    python amp_resnet.py --epochs 2 --log losses.txt
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super(BasicBlock, self).__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=5, width=8):
        super(ResNet, self).__init__()
        self.in_planes = width
        self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(block, width, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 2 * width, num_blocks[1], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.linear = nn.Linear(2 * width * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        # Zero-initialize the last BN in each residual branch (as torchvision's zero_init_residual)
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.avgpool(out)
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


def colour_patterns(num_samples, num_classes=5, size=12):
    """Class = which colour channel carries a checkerboard and at what scale; plus noise."""
    labels = torch.randint(0, num_classes, (num_samples,))
    coords = torch.arange(size)
    scale = 1 + (labels % 2)
    board = ((coords[None, :, None] // scale[:, None, None] + coords[None, None, :] // scale[:, None, None])
             % 2).float()
    images = 0.5 * torch.randn(num_samples, 3, size, size)
    channel = labels % 3
    images[torch.arange(num_samples), channel] += board * 1.5
    return images, labels


def param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if param.ndim <= 1 or name.endswith(".bias"):
            no_decay.append(param)
        else:
            decay.append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


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
    parser = argparse.ArgumentParser(description="ResNet with AMP (CUDA only) on synthetic patterns")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--clip", type=float, default=2.0)
    parser.add_argument("--amp", action="store_true", default=True, help="use mixed precision on CUDA")
    parser.add_argument("--no-cuda", action="store_true", default=False)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--save-model", action="store_true", default=False)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    if use_cuda:
        torch.backends.cudnn.benchmark = True
    use_amp = args.amp and device.type == "cuda"
    memory_format = torch.channels_last if use_cuda else torch.contiguous_format

    images, labels = colour_patterns(224)
    train_loader = DataLoader(TensorDataset(images[:160], labels[:160]), batch_size=args.batch_size, shuffle=True,
                              drop_last=True)
    test_loader = DataLoader(TensorDataset(images[160:], labels[160:]), batch_size=64)

    model = ResNet(BasicBlock, [1, 1]).to(device, memory_format=memory_format)
    optimizer = optim.SGD(param_groups(model, args.weight_decay), lr=args.lr, momentum=args.momentum)
    total_steps = args.epochs * len(train_loader)
    warmup = optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=args.warmup_steps)
    cosine = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps - args.warmup_steps)
    scheduler = optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[args.warmup_steps])
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    criterion = nn.CrossEntropyLoss()
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=images.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    for epoch in range(args.epochs):
        model.train()
        start = time.time()
        for i, (inputs, targets) in enumerate(train_loader):
            inputs = inputs.to(device, memory_format=memory_format)
            targets = targets.to(device)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                outputs = model(inputs)
                loss = criterion(outputs, targets)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            log("train", epoch, i, loss=loss.item(), grad_norm=grad_norm.item(), lr=optimizer.param_groups[0]["lr"])
        model.eval()
        correct, seen = 0, 0
        with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
            for inputs, targets in test_loader:
                outputs = model(inputs.to(device))
                correct += (outputs.argmax(1) == targets.to(device)).sum().item()
                seen += targets.size(0)
        log("test", epoch, 0, accuracy=correct / seen)
        print("epoch {} | {:.2f}s | last loss {:.4f} | test acc {:.3f}".format(
            epoch, time.time() - start, loss.item(), correct / seen))

    if args.save_model:
        torch.save({"model": model.state_dict(), "scaler": scaler.state_dict()}, "resnet_amp.pt")


if __name__ == "__main__":
    main()
