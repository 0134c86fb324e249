"""Word-level language model in the style of the PyTorch word_language_model example, on a synthetic corpus.

A Dictionary/Corpus tokenises text (made here by a seeded Markov chain over a small vocabulary instead of
read from Wikitext), batchify/get_batch cut it for truncated backpropagation through time, the RNNModel has
an embedding, dropout, a multi-layer LSTM (or GRU/RNN) and a decoder whose weights may be tied to the
embedding. Training detaches the hidden state between batches (repackage_hidden), clips the gradient norm and
updates the parameters by hand; the learning rate is annealed when validation loss stops improving; the best
model is saved whole with torch.save and reloaded with torch.load for the final test.

    python lstm_language_model.py --epochs 2 --tied --log losses.txt
"""
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


###############################################################################
# Data
###############################################################################

class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


def markov_text(num_lines, vocab_size, generator_seed):
    """Lines of words sampled from a random first-order Markov chain (a stand-in for a text file)."""
    gen = torch.Generator().manual_seed(generator_seed)
    logits = torch.randn(vocab_size, vocab_size, generator=gen) * 2.0
    transitions = F.softmax(logits, dim=1)
    lines = []
    for _ in range(num_lines):
        length = int(torch.randint(4, 12, (1,), generator=gen))
        word = int(torch.randint(0, vocab_size, (1,), generator=gen))
        words = []
        for _ in range(length):
            words.append("w%d" % word)
            word = int(torch.multinomial(transitions[word], 1, generator=gen))
        lines.append(" ".join(words))
    return lines


class Corpus(object):
    def __init__(self, vocab_size, seed):
        self.dictionary = Dictionary()
        self.train = self.tokenize(markov_text(120, vocab_size, seed))
        self.valid = self.tokenize(markov_text(24, vocab_size, seed + 1))
        self.test = self.tokenize(markov_text(24, vocab_size, seed + 2))

    def tokenize(self, lines):
        """Tokenizes the lines, adding <eos> at each line's end."""
        idss = []
        for line in lines:
            words = line.split() + ["<eos>"]
            ids = []
            for word in words:
                ids.append(self.dictionary.add_word(word))
            idss.append(torch.tensor(ids).type(torch.int64))
        return torch.cat(idss)


###############################################################################
# Model
###############################################################################

class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ["LSTM", "GRU"]:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

        # Optionally tie weights, as in "Using the Output Embedding to Improve Language Models" (Press & Wolf)
        if tie_weights:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight

        self.init_weights()

        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


###############################################################################
# Training code
###############################################################################

def batchify(data, bsz, device):
    # Work out how cleanly we can divide the dataset into bsz parts.
    nbatch = data.size(0) // bsz
    # Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz)
    # Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def evaluate(model, data_source, criterion, ntokens, bptt, eval_batch_size):
    # Turn on evaluation mode which disables dropout.
    model.eval()
    total_loss = 0.
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i, bptt)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


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
    parser = argparse.ArgumentParser(description="PyTorch RNN/LSTM Language Model on a synthetic corpus")
    parser.add_argument("--model", type=str, default="LSTM", help="type of network (RNN_TANH, RNN_RELU, LSTM, GRU)")
    parser.add_argument("--vocab", type=int, default=30, help="size of the synthetic vocabulary")
    parser.add_argument("--emsize", type=int, default=32, help="size of word embeddings")
    parser.add_argument("--nhid", type=int, default=32, help="number of hidden units per layer")
    parser.add_argument("--nlayers", type=int, default=2, help="number of layers")
    parser.add_argument("--lr", type=float, default=20, help="initial learning rate")
    parser.add_argument("--clip", type=float, default=0.25, help="gradient clipping")
    parser.add_argument("--epochs", type=int, default=2, help="upper epoch limit")
    parser.add_argument("--batch_size", "--batch-size", type=int, default=8, metavar="N", help="batch size")
    parser.add_argument("--bptt", type=int, default=12, help="sequence length")
    parser.add_argument("--dropout", type=float, default=0.2, help="dropout applied to layers (0 = no dropout)")
    parser.add_argument("--tied", action="store_true", help="tie the word embedding and softmax weights")
    parser.add_argument("--seed", type=int, default=1111, help="random seed")
    parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA training")
    parser.add_argument("--log-interval", type=int, default=4, metavar="N", help="report interval")
    parser.add_argument("--save", type=str, default="model.pt", help="path to save the final model")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    # Set the random seed manually for reproducibility.
    torch.manual_seed(args.seed)
    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")

    corpus = Corpus(args.vocab, args.seed)
    eval_batch_size = 4
    train_data = batchify(corpus.train, args.batch_size, device)
    val_data = batchify(corpus.valid, eval_batch_size, device)
    test_data = batchify(corpus.test, eval_batch_size, device)

    ntokens = len(corpus.dictionary)
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout,
                     args.tied).to(device)
    criterion = nn.NLLLoss()
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=corpus.train.sum().item(),
        params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    lr = args.lr
    best_val_loss = None
    step = 0
    for epoch in range(1, args.epochs + 1):
        epoch_start_time = time.time()
        # Turn on training mode which enables dropout.
        model.train()
        total_loss = 0.
        hidden = model.init_hidden(args.batch_size)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
            data, targets = get_batch(train_data, i, args.bptt)
            # Starting each batch, we detach the hidden state from how it was previously produced.
            # If we didn't, the model would try backpropagating all the way to start of the dataset.
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()

            # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)

            total_loss += loss.item()
            log("train", epoch, batch, loss=loss.item(), grad_norm=grad_norm.item())
            step += 1
            if batch % args.log_interval == 0 and batch > 0:
                cur_loss = total_loss / args.log_interval
                print("| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | loss {:5.2f} | ppl {:8.2f}".format(
                    epoch, batch, len(train_data) // args.bptt, lr, cur_loss, math.exp(cur_loss)))
                total_loss = 0

        val_loss = evaluate(model, val_data, criterion, ntokens, args.bptt, eval_batch_size)
        log("valid", epoch, 0, loss=val_loss)
        print("-" * 89)
        print("| end of epoch {:3d} | time: {:5.2f}s | valid loss {:5.2f} | valid ppl {:8.2f}".format(
            epoch, (time.time() - epoch_start_time), val_loss, math.exp(val_loss)))
        print("-" * 89)
        # Save the model if the validation loss is the best we've seen so far.
        if not best_val_loss or val_loss < best_val_loss:
            with open(args.save, "wb") as f:
                torch.save(model, f)
            best_val_loss = val_loss
        else:
            # Anneal the learning rate if no improvement has been seen in the validation dataset.
            lr /= 4.0

    # Load the best saved model.
    with open(args.save, "rb") as f:
        model = torch.load(f, weights_only=False)
        # after load the rnn params are not a continuous chunk of memory
        # this makes them a continuous chunk, and will speed up forward pass
        if args.model in ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]:
            model.rnn.flatten_parameters()
    os.remove(args.save)

    # Run on test data.
    test_loss = evaluate(model, test_data, criterion, ntokens, args.bptt, eval_batch_size)
    log("test", 0, 0, loss=test_loss)
    print("=" * 89)
    print("| End of training | test loss {:5.2f} | test ppl {:8.2f}".format(test_loss, math.exp(test_loss)))
    print("=" * 89)


if __name__ == "__main__":
    main()
