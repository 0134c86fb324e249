"""Saved values are released as backward consumes them, and graphs hold no reference cycles."""
import gc
import weakref

import numpy as np

import glassgrad as torch


def test_saved_arrays_freed_by_backward():
    x = torch.randn(1000, requires_grad=True)
    y = x.exp()            # saves its result
    z = y.sin()            # saves its input y
    saved = weakref.ref(y._data)
    loss = z.sum()
    del y, z
    assert saved() is not None, "the graph must keep the saved value alive until backward"
    loss.backward()
    assert saved() is None, "backward must free the saved value as soon as it is consumed"


def test_retain_graph_keeps_saved_arrays():
    x = torch.randn(10, requires_grad=True)
    y = x.exp()
    saved = weakref.ref(y._data)
    loss = y.sum()
    del y
    loss.backward(retain_graph=True)
    assert saved() is not None
    loss.backward()
    assert saved() is None


def test_graph_is_freed_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        x = torch.randn(4, 3, requires_grad=True)
        w = torch.randn(3, 2, requires_grad=True)
        h = (x @ w).tanh()
        view = h[0]
        h2 = h * 2
        h2[1:] += 1
        loss = (h2.sigmoid() ** 2).sum() + view.sum()
        node = weakref.ref(loss.grad_fn)
        loss.backward()
        del h, view, h2, loss
        assert node() is None, "the graph must be freed by reference counting alone"
        assert gc.collect() == 0, "no reference cycles may be left behind"
    finally:
        gc.enable()


def test_deep_chain_memory_is_released_during_backward():
    x = torch.zeros(100_000, requires_grad=True)
    y = x
    refs = []
    for _ in range(20):
        e = y.exp()                # exp saves its result: the graph holds 20 arrays
        refs.append(weakref.ref(e._data))
        y = e - 1.0
    del e
    loss = y.sum()
    del y
    assert sum(r() is not None for r in refs) >= 19
    loss.backward()
    assert all(r() is None for r in refs), "every saved array must be gone after backward"
    assert np.allclose(x.grad.numpy(), 1.0)
