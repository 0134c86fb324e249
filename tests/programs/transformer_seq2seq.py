"""Sequence-to-sequence nn.Transformer (encoder and decoder) learning to reverse token sequences, in the
style of the "Language Translation with nn.Transformer" tutorial.

Token embeddings scaled by sqrt(d_model) plus a sinusoidal PositionalEncoding, nn.Transformer with
batch_first=True, a causal target mask from generate_square_subsequent_mask, source/target key padding masks
(variable lengths, PAD=0), xavier_uniform_ on every matrix, CrossEntropyLoss(ignore_index=PAD), Adam with
betas (0.9, 0.98), eps 1e-9 and an inverse-square-root warm-up through LambdaLR, and greedy decoding with the
encoder's memory under torch.no_grad() at the end of each epoch.

    python transformer_seq2seq.py --epochs 2 --log losses.txt
"""
import argparse
import math

import torch
import torch.nn as nn
from torch import Tensor
from torch.nn import Transformer
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

PAD_IDX, BOS_IDX, EOS_IDX = 0, 1, 2
FIRST_WORD = 3


class PositionalEncoding(nn.Module):
    def __init__(self, emb_size: int, dropout: float, maxlen: int = 64):
        super(PositionalEncoding, self).__init__()
        den = torch.exp(- torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pos_embedding = torch.zeros((maxlen, emb_size))
        pos_embedding[:, 0::2] = torch.sin(pos * den)
        pos_embedding[:, 1::2] = torch.cos(pos * den)
        pos_embedding = pos_embedding.unsqueeze(0)  # batch first

        self.dropout = nn.Dropout(dropout)
        self.register_buffer("pos_embedding", pos_embedding)

    def forward(self, token_embedding: Tensor):
        return self.dropout(token_embedding + self.pos_embedding[:, :token_embedding.size(1), :])


class TokenEmbedding(nn.Module):
    def __init__(self, vocab_size: int, emb_size):
        super(TokenEmbedding, self).__init__()
        self.embedding = nn.Embedding(vocab_size, emb_size)
        self.emb_size = emb_size

    def forward(self, tokens: Tensor):
        return self.embedding(tokens.long()) * math.sqrt(self.emb_size)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, num_encoder_layers, num_decoder_layers, emb_size, nhead, vocab_size,
                 dim_feedforward=64, dropout=0.1):
        super(Seq2SeqTransformer, self).__init__()
        self.transformer = Transformer(d_model=emb_size, nhead=nhead, num_encoder_layers=num_encoder_layers,
                                       num_decoder_layers=num_decoder_layers, dim_feedforward=dim_feedforward,
                                       dropout=dropout, batch_first=True)
        self.generator = nn.Linear(emb_size, vocab_size)
        self.src_tok_emb = TokenEmbedding(vocab_size, emb_size)
        self.tgt_tok_emb = TokenEmbedding(vocab_size, emb_size)
        self.positional_encoding = PositionalEncoding(emb_size, dropout=dropout)

    def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, memory_key_padding_mask):
        src_emb = self.positional_encoding(self.src_tok_emb(src))
        tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
        outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                src_padding_mask, tgt_padding_mask, memory_key_padding_mask)
        return self.generator(outs)

    def encode(self, src, src_mask):
        return self.transformer.encoder(self.positional_encoding(self.src_tok_emb(src)), src_mask)

    def decode(self, tgt, memory, tgt_mask):
        return self.transformer.decoder(self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask)


def create_mask(src, tgt, device):
    src_seq_len = src.shape[1]
    tgt_seq_len = tgt.shape[1]
    tgt_mask = Transformer.generate_square_subsequent_mask(tgt_seq_len, device=device)
    src_mask = torch.zeros((src_seq_len, src_seq_len), device=device).type(torch.bool)
    src_padding_mask = (src == PAD_IDX)
    tgt_padding_mask = (tgt == PAD_IDX)
    return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask


def reversal_pairs(num_pairs, vocab_size, min_len=3, max_len=9):
    pairs = []
    for _ in range(num_pairs):
        length = int(torch.randint(min_len, max_len + 1, (1,)))
        src = torch.randint(FIRST_WORD, vocab_size, (length,))
        tgt = torch.cat((torch.tensor([BOS_IDX]), src.flip(0), torch.tensor([EOS_IDX])))
        pairs.append((torch.cat((src, torch.tensor([EOS_IDX]))), tgt))
    return pairs


def collate_fn(batch):
    src_batch, tgt_batch = zip(*batch)
    src_batch = pad_sequence(src_batch, padding_value=PAD_IDX, batch_first=True)
    tgt_batch = pad_sequence(tgt_batch, padding_value=PAD_IDX, batch_first=True)
    return src_batch, tgt_batch


def greedy_decode(model, src, max_len, device):
    src = src.to(device)
    src_mask = torch.zeros(src.shape[1], src.shape[1], device=device).type(torch.bool)
    memory = model.encode(src, src_mask)
    ys = torch.full((src.size(0), 1), BOS_IDX, dtype=torch.long, device=device)
    for _ in range(max_len - 1):
        tgt_mask = Transformer.generate_square_subsequent_mask(ys.size(1), device=device).type(torch.bool)
        out = model.decode(ys, memory, tgt_mask)
        prob = model.generator(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        ys = torch.cat([ys, next_word.unsqueeze(1)], dim=1)
    return ys


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
    parser = argparse.ArgumentParser(description="nn.Transformer learning to reverse sequences")
    parser.add_argument("--vocab", type=int, default=12)
    parser.add_argument("--emb-size", type=int, default=32)
    parser.add_argument("--nhead", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1.0, help="scale of the inverse-square-root schedule")
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cuda", action="store_true", default=False)
    parser.add_argument("--save-model", action="store_true", default=False)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    DEVICE = torch.device("cuda" if torch.cuda.is_available() and not args.no_cuda else "cpu")

    train_pairs = reversal_pairs(96, args.vocab)
    val_pairs = reversal_pairs(16, args.vocab)
    train_dataloader = DataLoader(train_pairs, batch_size=args.batch_size, shuffle=True, collate_fn=collate_fn)
    val_dataloader = DataLoader(val_pairs, batch_size=16, collate_fn=collate_fn)

    transformer = Seq2SeqTransformer(args.layers, args.layers, args.emb_size, args.nhead, args.vocab)
    for p in transformer.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    transformer = transformer.to(DEVICE)

    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD_IDX)
    optimizer = torch.optim.Adam(transformer.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-9)
    d_model, warmup = args.emb_size, args.warmup
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: d_model ** -0.5 * min((step + 1) ** -0.5, (step + 1) * warmup ** -1.5))
    log = make_logger(args.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=sum(s.sum().item() for s, _ in train_pairs),
        params=sum(p.detach().abs().sum().item() for p in transformer.parameters()))

    for epoch in range(1, args.epochs + 1):
        transformer.train()
        for i, (src, tgt) in enumerate(train_dataloader):
            src, tgt = src.to(DEVICE), tgt.to(DEVICE)
            tgt_input = tgt[:, :-1]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input, DEVICE)
            logits = transformer(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                                 src_padding_mask)
            optimizer.zero_grad()
            tgt_out = tgt[:, 1:]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            loss.backward()
            optimizer.step()
            scheduler.step()
            log("train", epoch, i, loss=loss.item())

        transformer.eval()
        losses = 0
        with torch.no_grad():
            for src, tgt in val_dataloader:
                src, tgt = src.to(DEVICE), tgt.to(DEVICE)
                tgt_input = tgt[:, :-1]
                src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input, DEVICE)
                logits = transformer(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                                     src_padding_mask)
                tgt_out = tgt[:, 1:]
                losses += loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1)).item()
            decoded = greedy_decode(transformer, src[:4], tgt.size(1), DEVICE)
        matches = (decoded == tgt[:4]).float().mean().item()
        val_loss = losses / len(list(val_dataloader))
        log("valid", epoch, 0, loss=val_loss, decoded_match=matches)
        print(f"Epoch: {epoch}, Val loss: {val_loss:.3f}, greedy token match {matches:.3f}")

    if args.save_model:
        torch.save(transformer.state_dict(), "seq2seq_transformer.pt")


if __name__ == "__main__":
    main()
