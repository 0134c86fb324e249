"""MyGrad: tensors with a graph like PyTorch's, no nn.Module or optimizer, so the layers, the cross-entropy and
the SGD update are written here with its primitives (matmul, relu, conv_nd, max, exp, log, sum, indexing)."""
import importlib.metadata

import mygrad as mg
import numpy as np
from mygrad.nnet.activations import relu
from mygrad.nnet.layers import conv_nd

from bench import workloads

VERSION = importlib.metadata.version("mygrad")

# NOTE: MyGrad turns a Python float into a float64 array, which would promote the whole computation to float64
# (NumPy 2's rules); float32 constants keep it in float32 like the other systems
_F = np.float32
_LR = _F(workloads.LR)


def setup(threads):
    pass  # NumPy's BLAS threads come from the environment the harness sets


def _chain(y, turns):
    for _ in range(turns):
        y = mg.exp(mg.tanh(y * _F(0.9) + _F(0.1)))
    return y


def op_chain(v, turns):
    v = mg.tensor(v)

    def run():
        v.null_grad()
        out = _chain(v, turns).sum()
        out.backward()
        return out.item(), float(v.grad.sum())
    return run


def deep_chain(v, turns):
    def run():
        t = mg.tensor(np.array(v))
        out = _chain(t, turns).sum()
        out.backward()
        return out.item(), float(t.grad.sum())
    return run


def matmul(x, w):
    x, w = mg.tensor(x), mg.tensor(w)

    def run():
        x.null_grad()
        w.null_grad()
        mg.tanh(mg.matmul(x, w)).sum().backward()
        return float(w.grad.sum()), float(x.grad.sum())
    return run


def _cross_entropy(logits, y):
    """Mean of -log softmax(logits)[i, y[i]], via a log-sum-exp shifted by the row maximum (a constant: the shift
    cancels in the gradient, it only keeps exp from overflowing)."""
    shift = logits.data.max(axis=1, keepdims=True)
    lse = mg.log(mg.sum(mg.exp(logits - shift), axis=1)) + shift[:, 0]
    picked = logits[np.arange(len(y)), y]
    return mg.mean(lse - picked)


def _sgd_step(params, forward, y):
    def run():
        for p in params:
            p.null_grad()
        loss = _cross_entropy(forward(), y)
        loss.backward()
        for p in params:
            if p.grad.dtype != p.dtype:  # a float64 gradient would mean the work was not float32
                raise TypeError(f"MyGrad: gradient is {p.grad.dtype}, its parameter {p.dtype}")
            p.data -= _LR * p.grad  # in place on the array: the graph was cleared by backward
        return loss.item()
    return run


def mlp_step(data):
    params = [mg.tensor(a) for pair in workloads.mlp_params(data) for a in pair]
    w0, b0, w1, b1, w2, b2 = params
    x = data["digits_x"]

    def forward():
        h = relu(mg.matmul(x, w0.T) + b0)
        h = relu(mg.matmul(h, w1.T) + b1)
        return mg.matmul(h, w2.T) + b2
    return _sgd_step(params, forward, data["digits_y"])


def conv_step(data):
    params = [mg.tensor(a) for a in workloads.conv_params(data)]
    cw, cb, lw, lb = params
    img = data["digits_img"]

    def forward():
        h = relu(conv_nd(img, cw, stride=1, padding=1) + cb.reshape(1, 16, 1, 1))
        return mg.matmul(h.reshape(len(img), -1), lw.T) + lb
    return _sgd_step(params, forward, data["digits_y"])
