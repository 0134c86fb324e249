"""Bidirectional GRU classifier over variable-length token sequences, packed with pack_padded_sequence.

A map-style Dataset generates the sequences up front from torch's seeded generator, a collate_fn pads each
batch with pad_sequence and keeps the lengths, the model embeds (padding_idx=0), packs the padded batch
(enforce_sorted=False), runs a 2-layer bidirectional GRU, unpacks the outputs with pad_packed_sequence for a
masked mean, and classifies from the mean and the final hidden states. Adam, ReduceLROnPlateau on validation
loss, gradient clipping.

    python gru_classifier.py --epochs 3 --log losses.txt
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset


class CountingDataset(Dataset):
    """Sequences of tokens 1..vocab-1 of random length; the label says whether token 1 occurs more often
    than token 2 (0), as often (1) or less often (2): the model has to read the whole sequence."""

    def __init__(self, num_samples, vocab_size=8, min_len=3, max_len=14):
        self.sequences = []
        self.labels = []
        for _ in range(num_samples):
            length = torch.randint(min_len, max_len + 1, (1,)).item()
            seq = torch.randint(1, vocab_size, (length,))
            ones, twos = (seq == 1).sum().item(), (seq == 2).sum().item()
            self.sequences.append(seq)
            self.labels.append(0 if ones > twos else (1 if ones == twos else 2))

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, idx):
        return self.sequences[idx], self.labels[idx]


def collate_batch(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    padded = pad_sequence(list(sequences), batch_first=True, padding_value=0)
    return padded, lengths, torch.tensor(labels, dtype=torch.long)


class GRUClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes, num_layers=2, dropout=0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.gru = nn.GRU(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                          bidirectional=True, dropout=dropout)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(4 * hidden_dim, num_classes)

    def forward(self, tokens, lengths):
        embedded = self.embedding(tokens)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, hidden = self.gru(packed)
        out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
        mask = (torch.arange(out.size(1))[None, :] < out_lengths[:, None]).unsqueeze(-1).to(out.dtype)
        mean = (out * mask).sum(dim=1) / out_lengths[:, None].to(out.dtype)
        # hidden: (num_layers * 2, batch, hidden); the last layer's forward and backward states
        last = torch.cat((hidden[-2], hidden[-1]), dim=1)
        return self.fc(self.dropout(torch.cat((mean, last), dim=1)))


def train(args, model, device, loader, optimizer, epoch, log):
    model.train()
    for batch_idx, (tokens, lengths, labels) in enumerate(loader):
        tokens, labels = tokens.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model(tokens, lengths)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=args.clip)
        optimizer.step()
        log("train", epoch, batch_idx, loss=loss.item())
        if batch_idx % args.log_interval == 0:
            print("epoch {} batch {:3d} loss {:.4f}".format(epoch, batch_idx, loss.item()))


def evaluate(model, device, loader):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for tokens, lengths, labels in loader:
            tokens, labels = tokens.to(device), labels.to(device)
            logits = model(tokens, lengths)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(1) == labels).sum().item()
            count += labels.size(0)
    return total_loss / count, correct / count


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
    parser = argparse.ArgumentParser(description="GRU sequence classifier with packed sequences")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N", help="batch size (default: 16)")
    parser.add_argument("--epochs", type=int, default=3, metavar="N", help="number of epochs (default: 3)")
    parser.add_argument("--lr", type=float, default=5e-3, metavar="LR", help="learning rate (default: 5e-3)")
    parser.add_argument("--clip", type=float, default=1.0, help="max gradient norm (default: 1.0)")
    parser.add_argument("--hidden", type=int, default=24, help="GRU hidden size")
    parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA training")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default: 7)")
    parser.add_argument("--log-interval", type=int, default=4, metavar="N", help="batches between prints")
    parser.add_argument("--save-model", action="store_true", default=False, help="save the trained model")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    use_cuda = not args.no_cuda and torch.cuda.is_available()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if use_cuda else "cpu")

    train_set = CountingDataset(128)
    val_set = CountingDataset(48)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, collate_fn=collate_batch)
    val_loader = DataLoader(val_set, batch_size=32, shuffle=False, collate_fn=collate_batch)

    model = GRUClassifier(8, 16, args.hidden, 3).to(device)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=0)
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=sum(s.sum().item() for s in train_set.sequences),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch, log)
        val_loss, val_acc = evaluate(model, device, val_loader)
        scheduler.step(val_loss)
        log("valid", epoch, 0, loss=val_loss, accuracy=val_acc, lr=optimizer.param_groups[0]["lr"])
        print("epoch {} valid loss {:.4f} acc {:.3f}".format(epoch, val_loss, val_acc))

    if args.save_model:
        torch.save(model.state_dict(), "gru_classifier.pt")


if __name__ == "__main__":
    main()
