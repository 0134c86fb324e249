"""Sine-wave sequence prediction trained with L-BFGS, in the style of the PyTorch time_sequence_prediction
example: two stacked LSTMCells and a linear read-out, in double precision, fed one time step at a time and
asked to continue the signal `future` steps past the input. optim.LBFGS with a strong-Wolfe line search
re-evaluates the loss through a closure; every closure evaluation and every step's test loss is logged.

    python lbfgs_sine.py --steps 3 --log losses.txt
"""
import argparse

import torch
import torch.nn as nn
import torch.optim as optim


def sine_waves(num_waves, length, period):
    """Sine waves of one period starting at random phases (the example's generate_sine_wave.py, with torch)."""
    x = torch.arange(length).double() + torch.randint(-4 * period, 4 * period, (num_waves, 1)).double()
    return torch.sin(x / 1.0 / period)


class Sequence(nn.Module):
    def __init__(self, hidden=24):
        super(Sequence, self).__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


def make_logger(path):
    """One line per step, `phase epoch step key value ...`, values at full precision (for comparisons)."""
    handle = open(path, "w") if path else None

    def log(phase, epoch, step, **values):
        if handle is not None:
            fields = " ".join("{} {!r}".format(k, float(v)) for k, v in values.items())
            handle.write("{} {} {} {}\n".format(phase, epoch, step, fields))
            handle.flush()
    return log


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3, help="steps to run")
    parser.add_argument("--lr", type=float, default=0.8, help="L-BFGS learning rate")
    parser.add_argument("--max-iter", type=int, default=8, help="L-BFGS iterations per step")
    parser.add_argument("--length", type=int, default=40, help="length of each wave")
    parser.add_argument("--future", type=int, default=20, help="steps predicted past the input at test time")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every closure's loss to FILE")
    opt = parser.parse_args()
    # set random seed to 0
    torch.manual_seed(opt.seed)
    # load data and make training set
    data = sine_waves(12, opt.length, 20)
    input = data[3:, :-1]
    target = data[3:, 1:]
    test_input = data[:3, :-1]
    test_target = data[:3, 1:]
    # build the model
    seq = Sequence()
    seq.double()
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=opt.lr, max_iter=opt.max_iter, line_search_fn="strong_wolfe")
    log = make_logger(opt.log)
    # fingerprints of the generated data and the initial weights, so a log shows where runs part
    log("setup", 0, 0, data=data.abs().sum().item(),
        params=sum(p.detach().abs().sum().item() for p in seq.parameters()))
    evaluations = [0]
    # begin to train
    for i in range(opt.steps):
        print("STEP: ", i)

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print("loss:", loss.item())
            log("closure", i, evaluations[0], loss=loss.item())
            evaluations[0] += 1
            loss.backward()
            return loss
        step_loss = optimizer.step(closure)
        log("step", i, 0, loss=step_loss.item())
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = opt.future
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print("test loss:", loss.item())
            y = pred.detach().numpy()
        log("test", i, 0, loss=loss.item(), last=float(y[0, -1]))
