"""Text classification with nn.EmbeddingBag, in the style of the PyTorch "Text classification with the
torchtext library" tutorial (without torchtext): a vocabulary built from tokenised synthetic news lines, a
collate_batch producing a flat token tensor plus offsets (torch.cumsum), EmbeddingBag(mode='mean') + Linear
initialised with uniform_, SGD with lr 5 and StepLR(gamma 0.1) when validation accuracy stalls,
clip_grad_norm_ 0.1, random_split for the validation set, and a prediction on a new sentence at the end.

    python text_classification.py --epochs 3 --log losses.txt
"""
import argparse
import random
import time

import torch
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.dataset import random_split

TOPICS = {
    0: "world government election minister border treaty summit troops capital vote",
    1: "sports match goal season coach league score team player final",
    2: "business market shares profit bank company stock deal quarter sales",
    3: "science research space study planet cells climate data lab physics",
}
COMMON = "the a of in on and to for with new says after over report"


def synthetic_news(num_lines, seed):
    rng = random.Random(seed)
    lines = []
    for _ in range(num_lines):
        label = rng.randrange(4)
        words = [rng.choice(TOPICS[label].split()) if rng.random() < 0.45 else rng.choice(COMMON.split())
                 for _ in range(rng.randint(5, 14))]
        if rng.random() < 0.2:  # some lines borrow words from another topic
            words.append(rng.choice(TOPICS[rng.randrange(4)].split()))
        lines.append((label + 1, " ".join(words)))  # AG_NEWS labels are 1-based
    return lines


class Vocab(object):
    def __init__(self, lines, specials=("<unk>",)):
        self.itos = list(specials)
        for _, text in lines:
            for token in text.split():
                if token not in self.itos:
                    self.itos.append(token)
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def __call__(self, tokens):
        return [self.stoi.get(t, 0) for t in tokens]


class TextClassificationModel(nn.Module):

    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


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
    parser = argparse.ArgumentParser(description="EmbeddingBag text classifier")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--emsize", type=int, default=16)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--log", default=None, metavar="FILE", help="write every step's loss to FILE")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_iter, test_iter = synthetic_news(320, args.seed), synthetic_news(64, args.seed + 1)
    vocab = Vocab(train_iter)
    text_pipeline = lambda x: vocab(x.split())  # noqa: E731 (the tutorial's style)
    label_pipeline = lambda x: int(x) - 1  # noqa: E731

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(label_pipeline(_label))
            processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        text_list = torch.cat(text_list)
        return label_list.to(device), text_list.to(device), offsets.to(device)

    model = TextClassificationModel(len(vocab), args.emsize, 4).to(device)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    log = make_logger(args.log)
    log("setup", 0, 0, vocab=len(vocab), params=sum(p.detach().abs().sum().item() for p in model.parameters()))

    num_train = int(len(train_iter) * 0.9)
    split_train_, split_valid_ = random_split(train_iter, [num_train, len(train_iter) - num_train])
    train_dataloader = DataLoader(split_train_, batch_size=args.batch_size, shuffle=True, collate_fn=collate_batch)
    valid_dataloader = DataLoader(split_valid_, batch_size=args.batch_size, shuffle=True, collate_fn=collate_batch)
    test_dataloader = DataLoader(test_iter, batch_size=args.batch_size, shuffle=True, collate_fn=collate_batch)

    def train(dataloader, epoch):
        model.train()
        for idx, (label, text, offsets) in enumerate(dataloader):
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            log("train", epoch, idx, loss=loss.item())

    def evaluate(dataloader):
        model.eval()
        total_acc, total_count = 0, 0
        with torch.no_grad():
            for idx, (label, text, offsets) in enumerate(dataloader):
                predicted_label = model(text, offsets)
                total_acc += (predicted_label.argmax(1) == label).sum().item()
                total_count += label.size(0)
        return total_acc / total_count

    total_accu = None
    for epoch in range(1, args.epochs + 1):
        epoch_start_time = time.time()
        train(train_dataloader, epoch)
        accu_val = evaluate(valid_dataloader)
        if total_accu is not None and total_accu > accu_val:
            scheduler.step()
        else:
            total_accu = accu_val
        log("valid", epoch, 0, accuracy=accu_val, lr=scheduler.get_last_lr()[0])
        print("-" * 59)
        print("| end of epoch {:3d} | time: {:5.2f}s | valid accuracy {:8.3f} ".format(
            epoch, time.time() - epoch_start_time, accu_val))
        print("-" * 59)

    accu_test = evaluate(test_dataloader)
    log("test", 0, 0, accuracy=accu_test)
    print("test accuracy {:8.3f}".format(accu_test))

    def predict(text, text_pipeline):
        with torch.no_grad():
            text = torch.tensor(text_pipeline(text))
            output = model(text, torch.tensor([0]))
            return output.argmax(1).item() + 1

    ex_text_str = "the coach says the team will score a goal in the final match of the season"
    label = predict(ex_text_str, text_pipeline)
    log("predict", 0, 0, label=label)
    print("This is a %s news" % {1: "World", 2: "Sports", 3: "Business", 4: "Sci/Tec"}[label])


if __name__ == "__main__":
    main()
