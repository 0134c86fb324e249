"""HIPS autograd: functional (`grad` of a Python function over `autograd.numpy`), no layers or optimizer, so the
layers, the cross-entropy and the SGD update are written here. It has no convolution: the conv step multiplies the
weights with an im2col of the images (a NumPy strided view, like glassgrad's own im2col path; the images are
data, not differentiated, so the view needs no gradient)."""
import importlib.metadata

import autograd.numpy as anp
import numpy as np
from autograd import grad, value_and_grad
from autograd.scipy.special import logsumexp

from bench import workloads

VERSION = importlib.metadata.version("autograd")


def setup(threads):
    pass  # NumPy's BLAS threads come from the environment the harness sets


def _chain(y, turns):
    for _ in range(turns):
        y = anp.exp(anp.tanh(y * 0.9 + 0.1))
    return y


def op_chain(v, turns):
    v = np.array(v)
    dchain = value_and_grad(lambda t: anp.sum(_chain(t, turns)))

    def run():
        out, g = dchain(v)
        return float(out), float(g.sum())
    return run


def deep_chain(v, turns):
    dchain = value_and_grad(lambda t: anp.sum(_chain(t, turns)))

    def run():
        out, g = dchain(np.array(v))
        return float(out), float(g.sum())
    return run


def matmul(x, w):
    dboth = grad(lambda x, w: anp.sum(anp.tanh(x @ w)), argnum=(0, 1))

    def run():
        gx, gw = dboth(x, w)
        return float(gw.sum()), float(gx.sum())
    return run


def _relu(h):
    # NOTE: not anp.maximum(h, 0) or anp.where: their gradients come back as float64 (autograd builds them from
    # float64 masks and zeros); multiplying by a boolean mask keeps the gradient float32
    return h * (h > 0)


def _cross_entropy(logits, y):
    picked = logits[np.arange(len(y)), y]
    # a sum divided by a Python int: autograd's mean divides its gradient by a NumPy int, which gives float64
    return anp.sum(logsumexp(logits, axis=1) - picked) / len(y)


def _sgd_step(params, loss_fn):
    step = value_and_grad(loss_fn)

    def run():
        loss, grads = step(params)  # a functional system: there are no gradients to zero
        for p, g in zip(params, grads):
            if g.dtype != p.dtype:  # a float64 gradient would mean the work was not float32
                raise TypeError(f"HIPS autograd: gradient is {g.dtype}, its parameter {p.dtype}")
            p -= workloads.LR * g  # in place: `params` is the model
        return float(loss)
    return run


def mlp_step(data):
    params = [a for pair in workloads.mlp_params(data) for a in pair]
    x, y = data["digits_x"], data["digits_y"]

    def loss_fn(params):
        w0, b0, w1, b1, w2, b2 = params
        h = _relu(x @ w0.T + b0)
        h = _relu(h @ w1.T + b1)
        return _cross_entropy(h @ w2.T + b2, y)
    return _sgd_step(params, loss_fn)


def conv_step(data):
    params = workloads.conv_params(data)
    img, y = data["digits_img"], data["digits_y"]
    n = len(img)

    def loss_fn(params):
        cw, cb, lw, lb = params
        cols = workloads.im2col_3x3(img)  # (N, 9, 64): made in the step, as the others' convolutions do
        h = _relu(anp.matmul(anp.reshape(cw, (16, 9)), cols) + anp.reshape(cb, (1, 16, 1)))
        return _cross_entropy(anp.reshape(h, (n, -1)) @ lw.T + lb, y)
    return _sgd_step(params, loss_fn)
