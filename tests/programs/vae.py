"""Variational autoencoder in the style of the PyTorch VAE example, on synthetic 12x12 images in [0, 1].

Encoder fc1 -> (fc21, fc22) giving mu and logvar, the reparameterisation trick with torch.randn_like,
decoder fc3 -> fc4 -> sigmoid, binary cross-entropy summed plus the KL divergence, Adam, and a test pass
and a decoded sample batch under torch.no_grad(). Device selection goes through torch.accelerator, as the
current example does.

    python vae.py --epochs 2 --log losses.txt
"""
import argparse

import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F
from torch.utils.data import TensorDataset

SIDE = 12
PIXELS = SIDE * SIDE


def rectangles(num_samples):
    """Soft-edged bright rectangles at random places on a dark background, values in [0, 1]."""
    coords = torch.arange(SIDE, dtype=torch.float32)
    corners = torch.randint(0, SIDE - 4, (num_samples, 2)).float()
    sizes = torch.randint(3, 6, (num_samples, 2)).float()
    inside_y = torch.sigmoid(3 * (coords[None] - corners[:, :1])) * torch.sigmoid(
        3 * (corners[:, :1] + sizes[:, :1] - coords[None]))
    inside_x = torch.sigmoid(3 * (coords[None] - corners[:, 1:])) * torch.sigmoid(
        3 * (corners[:, 1:] + sizes[:, 1:] - coords[None]))
    images = inside_y[:, :, None] * inside_x[:, None, :]
    return images.clamp(0, 1).unsqueeze(1)


class VAE(nn.Module):
    def __init__(self, hidden=64, latent=6):
        super(VAE, self).__init__()

        self.fc1 = nn.Linear(PIXELS, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, PIXELS)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, PIXELS))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, PIXELS), reduction="sum")

    # see Appendix B from VAE paper:
    # Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    # 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

    return BCE + KLD


def train(args, model, device, train_loader, optimizer, epoch, log):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        log("train", epoch, batch_idx, loss=loss.item() / len(data))
        if batch_idx % args.log_interval == 0:
            print("Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader),
                loss.item() / len(data)))

    print("====> Epoch: {} Average loss: {:.4f}".format(epoch, train_loss / len(train_loader.dataset)))


def test(model, device, test_loader, epoch, log):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data,) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()

    test_loss /= len(test_loader.dataset)
    log("test", epoch, 0, loss=test_loss)
    print("====> Test set loss: {:.4f}".format(test_loss))


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
    parser = argparse.ArgumentParser(description="VAE on synthetic rectangles")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N",
                        help="input batch size for training (default: 32)")
    parser.add_argument("--epochs", type=int, default=2, metavar="N", help="number of epochs to train (default: 2)")
    parser.add_argument("--lr", type=float, default=1e-3, metavar="LR", help="learning rate (default: 1e-3)")
    parser.add_argument("--no-accel", action="store_true", help="disables accelerator")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=4, metavar="N",
                        help="how many batches to wait before logging training status")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    use_accel = not args.no_accel and torch.accelerator.is_available()

    torch.manual_seed(args.seed)

    if use_accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")

    print(f"Using device: {device}")

    kwargs = {"num_workers": 1, "pin_memory": True} if use_accel else {}
    images = rectangles(320)
    train_loader = torch.utils.data.DataLoader(TensorDataset(images[:256]), batch_size=args.batch_size,
                                               shuffle=True, **kwargs)
    test_loader = torch.utils.data.DataLoader(TensorDataset(images[256:]), batch_size=args.batch_size,
                                              shuffle=False, **kwargs)

    model = VAE().to(device)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=images.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch, log)
        test(model, device, test_loader, epoch, log)
        with torch.no_grad():
            sample = torch.randn(16, 6).to(device)
            sample = model.decode(sample).cpu()
            log("sample", epoch, 0, mean=sample.mean().item(), top=sample.max().item())


if __name__ == "__main__":
    main()
