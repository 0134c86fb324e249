"""The workloads written once against PyTorch's API; with_torch.py runs them with torch, with_glassgrad.py with
`glassgrad` in torch's place (the point of glassgrad is that this is the same program).

Each workload takes NumPy inputs (bench/workloads.py) and returns `run`: one call does the timed work once and
returns its check value (a Python float or a tuple of them).
"""
from types import SimpleNamespace

import numpy as np

from bench import workloads


def bind(torch):
    """The adapter's functions with `torch` (the module: torch or glassgrad) filled in."""
    F = torch.nn.functional

    def setup(threads):
        # NOTE: the harness sets OMP/OpenBLAS/MKL_NUM_THREADS before the import; torch also sizes its own
        # intra-op pool from this call. glassgrad computes through NumPy's BLAS, which the variables configure.
        if hasattr(torch, "set_num_threads"):
            torch.set_num_threads(threads)

    def _chain_backward(v, turns):
        """`turns` turns of mul, add, tanh, exp from `v`, then backward of the sum: (the sum, the gradient's sum)."""
        y = v
        for _ in range(turns):
            y = (y * 0.9 + 0.1).tanh().exp()
        out = y.sum()
        out.backward()
        return out.item(), float(v.grad.sum())

    def op_chain(v, turns):
        v = torch.tensor(v, requires_grad=True)

        def run():
            v.grad = None
            return _chain_backward(v, turns)
        return run

    def sgd_step(model, opt, x, y):
        def run():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()
        return run

    def _load(layer, w, b):
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))

    def mlp_step(data):
        nn = torch.nn
        layers = [nn.Linear(64, 128), nn.Linear(128, 128), nn.Linear(128, 10)]
        for layer, (w, b) in zip(layers, workloads.mlp_params(data)):
            _load(layer, w, b)
        model = nn.Sequential(layers[0], nn.ReLU(), layers[1], nn.ReLU(), layers[2])
        opt = torch.optim.SGD(model.parameters(), lr=workloads.LR)
        return sgd_step(model, opt, torch.from_numpy(data["digits_x"]), torch.from_numpy(data["digits_y"]))

    def conv_step(data):
        nn = torch.nn
        conv, lin = nn.Conv2d(1, 16, 3, padding=1), nn.Linear(16 * 8 * 8, 10)
        cw, cb, lw, lb = workloads.conv_params(data)
        _load(conv, cw, cb)
        _load(lin, lw, lb)
        model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), lin)
        opt = torch.optim.SGD(model.parameters(), lr=workloads.LR)
        return sgd_step(model, opt, torch.from_numpy(data["digits_img"]), torch.from_numpy(data["digits_y"]))

    def matmul(x, w):
        x = torch.tensor(x, requires_grad=True)
        w = torch.tensor(w, requires_grad=True)

        def run():
            x.grad = w.grad = None
            (x @ w).tanh().sum().backward()
            return float(w.grad.sum()), float(x.grad.sum())
        return run

    def deep_chain(v, turns):
        def run():
            # the input is made inside, so that after the call the library holds nothing of ours
            return _chain_backward(torch.from_numpy(np.array(v)).requires_grad_(), turns)
        return run

    return SimpleNamespace(setup=setup, op_chain=op_chain, sgd_step=sgd_step, mlp_step=mlp_step,
                           conv_step=conv_step, matmul=matmul, deep_chain=deep_chain)
