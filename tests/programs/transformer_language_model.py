"""Transformer language model in the style of the "Language Modeling with nn.Transformer" tutorial.

nn.TransformerEncoder over nn.TransformerEncoderLayer with a causal (square subsequent) mask, sinusoidal
positional encoding kept in a registered buffer, an embedding scaled by sqrt(d_model), a linear decoder,
CrossEntropyLoss, SGD with a StepLR schedule and gradient clipping; evaluation under torch.no_grad() each
epoch and the best model's state_dict kept in memory with copy.deepcopy. The token stream is a seeded
synthetic corpus (a random Markov chain), batchified as in the tutorial (sequence first).

    python transformer_language_model.py --epochs 2 --log losses.txt
"""
import argparse
import copy
import math
import time

import torch
from torch import nn, Tensor
import torch.nn.functional as F
from torch.nn import TransformerEncoder, TransformerEncoderLayer


class PositionalEncoding(nn.Module):

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)

        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x: Tensor) -> Tensor:
        """x: Tensor, shape ``[seq_len, batch_size, embedding_dim]``"""
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


class TransformerModel(nn.Module):

    def __init__(self, ntoken: int, d_model: int, nhead: int, d_hid: int, nlayers: int, dropout: float = 0.5):
        super().__init__()
        self.model_type = "Transformer"
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = TransformerEncoder(encoder_layers, nlayers, enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)

        self.init_weights()

    def init_weights(self) -> None:
        initrange = 0.1
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.linear.bias.data.zero_()
        self.linear.weight.data.uniform_(-initrange, initrange)

    def forward(self, src: Tensor, src_mask: Tensor = None) -> Tensor:
        """src: ``[seq_len, batch_size]``, src_mask: ``[seq_len, seq_len]``; returns ``[seq_len, batch, ntoken]``"""
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        if src_mask is None:
            src_mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(src.device)
        output = self.transformer_encoder(src, src_mask)
        output = self.linear(output)
        return output


def markov_tokens(num_tokens, vocab_size):
    """A token stream from a random first-order Markov chain, drawn from torch's global generator."""
    transitions = F.softmax(torch.randn(vocab_size, vocab_size) * 2.5, dim=1)
    tokens = torch.empty(num_tokens, dtype=torch.long)
    tokens[0] = torch.randint(0, vocab_size, (1,))
    for i in range(1, num_tokens):
        tokens[i] = torch.multinomial(transitions[tokens[i - 1]], 1)
    return tokens


def batchify(data: Tensor, bsz: int, device) -> Tensor:
    """Divides the data into ``bsz`` separate sequences, removing extra elements that wouldn't cleanly fit."""
    seq_len = data.size(0) // bsz
    data = data[:seq_len * bsz]
    data = data.view(bsz, seq_len).t().contiguous()
    return data.to(device)


def get_batch(source: Tensor, i: int, bptt: int):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].reshape(-1)
    return data, target


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
    parser = argparse.ArgumentParser(description="Transformer language model on a synthetic corpus")
    parser.add_argument("--ntokens", type=int, default=24, help="vocabulary size")
    parser.add_argument("--emsize", type=int, default=32, help="embedding dimension")
    parser.add_argument("--d-hid", type=int, default=64, help="feedforward dimension")
    parser.add_argument("--nlayers", type=int, default=2, help="number of encoder layers")
    parser.add_argument("--nhead", type=int, default=4, help="number of attention heads")
    parser.add_argument("--dropout", type=float, default=0.1, help="dropout probability")
    parser.add_argument("--bptt", type=int, default=16, help="sequence length")
    parser.add_argument("--batch-size", type=int, default=8, help="batch size")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate")
    parser.add_argument("--epochs", type=int, default=2, help="number of epochs")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA training")
    parser.add_argument("--save-model", action="store_true", default=False, help="save the best model")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.no_cuda else "cpu")

    stream = markov_tokens(1200, args.ntokens)
    train_data = batchify(stream[:900], args.batch_size, device)  # shape ``[seq_len, batch_size]``
    val_data = batchify(stream[900:], 4, device)

    model = TransformerModel(args.ntokens, args.emsize, args.nhead, args.d_hid, args.nlayers,
                             args.dropout).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=stream.sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    best_val_loss = float("inf")
    best_model_params = None
    for epoch in range(1, args.epochs + 1):
        epoch_start_time = time.time()
        model.train()  # turn on train mode
        total_loss = 0.
        num_batches = len(train_data) // args.bptt
        for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
            data, targets = get_batch(train_data, i, args.bptt)
            output = model(data)
            output_flat = output.view(-1, args.ntokens)
            loss = criterion(output_flat, targets)

            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()

            total_loss += loss.item()
            log("train", epoch, batch, loss=loss.item())
            if batch % 4 == 0 and batch > 0:
                lr = scheduler.get_last_lr()[0]
                cur_loss = total_loss / 4
                ppl = math.exp(cur_loss)
                print(f"| epoch {epoch:3d} | {batch:5d}/{num_batches:5d} batches | "
                      f"lr {lr:02.2f} | loss {cur_loss:5.2f} | ppl {ppl:8.2f}")
                total_loss = 0

        model.eval()  # turn on evaluation mode
        val_loss = 0.
        with torch.no_grad():
            for i in range(0, val_data.size(0) - 1, args.bptt):
                data, targets = get_batch(val_data, i, args.bptt)
                seq_len = data.size(0)
                output = model(data)
                output_flat = output.view(-1, args.ntokens)
                val_loss += seq_len * criterion(output_flat, targets).item()
        val_loss = val_loss / (len(val_data) - 1)
        log("valid", epoch, 0, loss=val_loss)
        elapsed = time.time() - epoch_start_time
        print("-" * 89)
        print(f"| end of epoch {epoch:3d} | time: {elapsed:5.2f}s | valid loss {val_loss:5.2f} | "
              f"valid ppl {math.exp(val_loss):8.2f}")
        print("-" * 89)

        if val_loss < best_val_loss:
            best_val_loss = val_loss
            best_model_params = copy.deepcopy(model.state_dict())

        scheduler.step()

    model.load_state_dict(best_model_params)  # load best model states
    if args.save_model:
        torch.save(model.state_dict(), "transformer_lm.pt")


if __name__ == "__main__":
    main()
