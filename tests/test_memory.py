"""Memory: a graph keeps only what backward reads, backward frees saved values and gradients as it consumes them,
nothing outlives the graph once the user drops its outputs, and training makes no reference cycles and does not grow.

tracemalloc sees NumPy's array buffers (in their own domain) as well as Python objects, so array bytes are measured
exactly; growth over many steps is counted in Python allocator blocks (every object, ndarray headers included), which
costs nothing while the steps run. Nothing here is timed.
"""
import collections
import contextlib
import gc
import importlib.util
import pathlib
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

from difftools import glassgrad, torch

DEMO = pathlib.Path(__file__).resolve().parents[1] / "examples" / "train_digits.py"
ARRAYS = tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)


@contextlib.contextmanager
def _tracing():
    """tracemalloc on inside the block (it is process-wide: stop it even when an assertion fails)."""
    was = tracemalloc.is_tracing()
    if not was:
        tracemalloc.start()
    try:
        yield
    finally:
        if not was:
            tracemalloc.stop()


def _array_bytes():
    """Bytes of NumPy array buffers allocated while tracing and still alive."""
    return sum(t.size for t in tracemalloc.take_snapshot().filter_traces([ARRAYS]).traces)


def _chain(mod, x, turns):
    """The issue's deep chain: mul by a Python scalar and add save nothing, tanh and exp save their result."""
    y = x
    for _ in range(turns):
        y = (y * 0.9 + 0.1).tanh().exp()
    return y


def _torch_saved_bytes(program):
    """Bytes of the distinct storages PyTorch saves for backward while `program(torch)` builds its graph."""
    storages = {}

    def pack(t):
        s = t.untyped_storage()
        storages[s.data_ptr()] = s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = program(torch)
    return sum(storages.values()), out


# ---- what the graph keeps --------------------------------------------------------------------------
def test_saved_arrays_freed_by_backward():
    x = glassgrad.randn(1000, requires_grad=True)
    y = x.exp()            # saves its result
    z = y.sin()            # saves its input y
    saved = weakref.ref(y._data)
    loss = z.sum()
    del y, z
    assert saved() is not None, "the graph must keep the saved value alive until backward"
    loss.backward()
    assert saved() is None, "backward must free the saved value as soon as it is consumed"


def test_retain_graph_keeps_saved_arrays():
    x = glassgrad.randn(10, requires_grad=True)
    y = x.exp()
    saved = weakref.ref(y._data)
    loss = y.sum()
    del y
    loss.backward(retain_graph=True)
    assert saved() is not None
    loss.backward()
    assert saved() is None


def test_deep_chain_keeps_no_more_than_pytorch_saves():
    n, turns = 20_000, 50
    start = np.random.default_rng(0).standard_normal(n, dtype=np.float32)

    def program(mod):
        x = mod.from_numpy(start.copy()).requires_grad_()
        return x, _chain(mod, x, turns).sum()  # the output itself is dropped: only the graph holds arrays

    torch_bytes, (tx, tloss) = _torch_saved_bytes(program)
    assert torch_bytes == 2 * turns * n * 4, f"PyTorch saved {torch_bytes} bytes: the oracle changed"
    with _tracing():
        base = _array_bytes()
        x, loss = program(glassgrad)
        kept = _array_bytes() - base - x._data.nbytes
    # NOTE: a 0-d loss is the only array beyond the saved ones
    assert kept <= torch_bytes + 64, (f"glassgrad keeps {kept} bytes of arrays for the graph of {turns} turns on "
                                      f"{n} floats; PyTorch saves {torch_bytes}")
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


# ---- what backward frees, and when -----------------------------------------------------------------
def test_deep_chain_memory_is_released_during_backward():
    x = glassgrad.zeros(100_000, requires_grad=True)
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


def test_saved_values_are_released_progressively_during_backward():
    n, turns = 50_000, 100
    nbytes = n * 4
    seen = {}
    with _tracing():
        x = glassgrad.randn(n, requires_grad=True)
        base = _array_bytes()
        y = x
        for i in range(turns):
            y = (y * 0.9 + 0.1).tanh().exp()
            if i in (9, 49):
                # runs when the gradient reaches turn i: the later turns are done and must have let go of theirs
                y.register_hook(lambda g, i=i: seen.__setitem__(i, _array_bytes() - base))
        loss = y.sum()
        del y
        forward = _array_bytes() - base
        tracemalloc.reset_peak()
        current, _ = tracemalloc.get_traced_memory()
        loss.backward()
        _, peak = tracemalloc.get_traced_memory()
    assert forward >= 2 * turns * nbytes, f"the forward kept {forward} bytes: expected 2 arrays per turn"
    for i, got in seen.items():
        # turns 0..i still hold their two saved results; a few arrays more: the gradient in flight, x.grad
        limit = (2 * (i + 1) + 4) * nbytes
        assert got <= limit, (f"when backward reached turn {i} of {turns}, {got} bytes of arrays were alive "
                              f"(forward: {forward}); at most {limit} expected: saved values are not released "
                              f"as backward consumes them (or gradients kept after use)")
    # gradients are freed as soon as they are consumed: the peak stays within a few arrays of the forward's (the
    # gradient in flight and a VJP's temporaries; PyTorch peaks about 5 arrays above its forward on this chain)
    assert peak - current <= 6 * nbytes, (f"backward peaked {peak - current} bytes above the forward's "
                                          f"{current} (one array: {nbytes})")


def test_nothing_outlives_the_graph_after_backward_and_del():
    n, turns = 20_000, 100
    x = glassgrad.randn(n, requires_grad=True)
    _chain(glassgrad, x, 2).sum().backward()  # the ops' backward plans are made once, on first use
    x.grad = None
    with _tracing():
        gc.collect()
        objects0, arrays0 = len(gc.get_objects()), _array_bytes()
        y = _chain(glassgrad, x, turns)
        loss = y.sum()
        assert _array_bytes() - arrays0 >= 2 * turns * n * 4
        loss.backward()
        del loss, y
        # NOTE: Python objects are counted, not their bytes: freed tuples and lists stay in Python's free lists,
        # which tracemalloc counts as alive
        objects = len(gc.get_objects()) - objects0
        arrays = _array_bytes() - arrays0
        grad_bytes = x.grad._data.nbytes
        x.grad = None
        arrays_no_grad = _array_bytes() - arrays0
    assert arrays == grad_bytes, f"{arrays} bytes of arrays alive after backward and del; only x.grad ({grad_bytes})"
    assert arrays_no_grad == 0, f"{arrays_no_grad} bytes of arrays alive after x.grad = None"
    # x.grad and the recorder's note of the backward (a few objects); the graph's 400 nodes and tensors are gone
    assert objects < 20, f"{objects} more Python objects alive after backward and del than before the forward"


def test_graph_is_freed_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        x = glassgrad.randn(4, 3, requires_grad=True)
        w = glassgrad.randn(3, 2, requires_grad=True)
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


# ---- training makes no reference cycles ----------------------------------------------------------
def _demo():
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    spec = importlib.util.spec_from_file_location("train_digits_demo", DEMO)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo


def _mlp(mod, rng):
    model = mod.nn.Sequential(mod.nn.Linear(20, 32), mod.nn.ReLU(), mod.nn.Linear(32, 5))
    x, y = mod.from_numpy(rng.standard_normal((16, 20), dtype=np.float32)), mod.from_numpy(rng.integers(0, 5, 16))
    return model, lambda: mod.nn.functional.cross_entropy(model(x), y)


def _conv(mod, rng):
    model = _demo().DigitsNet()
    x = mod.from_numpy(rng.random((16, 1, 8, 8), dtype=np.float32))
    y = mod.from_numpy(rng.integers(0, 10, 16))
    return model, lambda: mod.nn.functional.cross_entropy(model(x), y)


def _lstm(mod, rng):
    lstm, head = mod.nn.LSTM(6, 8, num_layers=2, batch_first=True), mod.nn.Linear(8, 3)
    model = mod.nn.ModuleList([lstm, head])
    x, y = mod.from_numpy(rng.standard_normal((4, 7, 6), dtype=np.float32)), mod.from_numpy(rng.integers(0, 3, 4))

    def loss():
        out, (h, c) = lstm(x)
        return mod.nn.functional.cross_entropy(head(out[:, -1]), y)
    return model, loss


def _cyclic_garbage(fn):
    """Runs fn with the cycle collector off and returns what it left for the collector: {type name: count}."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        fn()
        gc.collect()
        return collections.Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("record", [True, False], ids=["recording", "not-recording"])
@pytest.mark.parametrize("make", [_mlp, _conv, _lstm], ids=["mlp", "conv", "lstm"])
def test_training_step_makes_no_reference_cycles(make, record):
    rng = np.random.default_rng(0)
    glassgrad.manual_seed(0)
    with glassgrad.explain.recording(record):
        model, loss_fn = make(glassgrad, rng)
        opt = glassgrad.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            opt.step()
            loss.item()

        step()  # the optimizer's state and the recorder's stores are made once
        garbage = _cyclic_garbage(lambda: (step(), step()))
    assert not garbage, f"a training step left reference cycles for the collector: {dict(garbage.most_common(12))}"


# ---- no growth over many steps -------------------------------------------------------------------
def test_demo_model_does_not_grow_over_2000_steps():
    demo = _demo()
    rng = np.random.default_rng(0)
    glassgrad.manual_seed(0)
    x = glassgrad.from_numpy(rng.random((64, 1, 8, 8), dtype=np.float32))
    y = glassgrad.from_numpy(rng.integers(0, 10, 64))
    model = demo.DigitsNet()
    opt = glassgrad.optim.Adam(model.parameters(), lr=3e-3)
    blocks, collected, arrays = {}, {}, {}
    try:
        for step in range(1, 2001):
            i = 2 * step % 64
            xb, yb = x[i:i + 2], y[i:i + 2]
            opt.zero_grad()
            logits = model(xb)
            loss = glassgrad.nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            int((logits.argmax(dim=1) == yb).sum())  # what the demo does with each batch
            loss.item()
            if step == 1900:
                # NOTE: tracing makes a step several times slower: only the last steps are traced, for array bytes
                tracemalloc.start()
            if step in (500, 1925, 2000):
                del logits, loss
                gc.collect()
                blocks[step] = sys.getallocatedblocks()
                collected[step] = sum(s["collected"] for s in gc.get_stats())
                if step > 1900:
                    arrays[step] = _array_bytes()
    finally:
        tracemalloc.stop()
    # a leak of one object per step (a node, an event, an array) would add 1,500 blocks
    assert blocks[2000] - blocks[500] < 300, f"Python allocator blocks grew from step 500 to 2000: {blocks}"
    assert collected[2000] == collected[500], f"the cycle collector freed objects during training: {collected}"
    assert arrays[2000] == arrays[1925], f"array bytes allocated since step 1900 and still alive grew: {arrays}"


def test_no_grad_rollout_does_not_grow_the_recorder():
    lin = glassgrad.nn.Linear(4, 4)
    x = glassgrad.randn(1, 4, requires_grad=True)
    h = x.detach()
    blocks = {}
    with glassgrad.explain.recording(True), glassgrad.no_grad():
        for step in range(1, 3001):
            h = lin(h).tanh()  # every step cuts again from a value that had been cut
            if step in (500, 3000):
                gc.collect()
                blocks[step] = sys.getallocatedblocks()
    assert blocks[3000] - blocks[500] < 200, f"a rollout under no_grad grew the recorder's records: {blocks}"
    text = str(glassgrad.explain(h, "h"))
    assert "detach()" in text, f"the explanation lost the original cut:\n{text}"
    assert text.count("that value came from") <= 40, f"the explanation walks every step of the loop:\n{text}"
