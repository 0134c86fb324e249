"""What recording for explanations costs: each workload timed with recording on (the default) and off.

    .venv/bin/python -m bench.explain_overhead     # from the repository root; prints a Markdown table

The two modes alternate within each round (the machines are shared and noisy; the order flips every round): the
table gives each mode's median over the rounds with the spread (min..max), and the median of the rounds' on/off
ratios. Each round's time is the median of its calls. float32, 1 BLAS thread (see THREADS).
Workloads:
  1. per-op overhead: a chain of 200 elementwise ops on a 16-element vector that requires grad, forward and
     backward (the tiny vector makes the Python per op cost, and so any recording cost, as visible as it gets);
  2. a training step of an MLP 64-128-128-10 (ReLU, cross_entropy, batch 64, SGD lr 0.1, loss.item());
  3. an evaluation step of that MLP under no_grad (forward, argmax accuracy): every op on a parameter cuts
     tracking there, so this is where recording has the most to keep;
  4. the training step with the usual logging: the losses kept in a list, the accuracy from `out.detach()`.
"""
import contextlib
import os
import statistics
import time

# NOTE: one thread, not bench/ops.py's two: the matrices here are tiny, and on a shared 2-core machine two
# OpenBLAS threads made the MLP step 100x slower (90 ms instead of 0.7) and buried what is measured, the Python
# work of recording. GLASSGRAD_BENCH_THREADS=2 measures with two.
THREADS = int(os.environ.get("GLASSGRAD_BENCH_THREADS", "1"))
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)

import numpy as np  # noqa: E402
import glassgrad as torch  # noqa: E402
import glassgrad.nn.functional as F  # noqa: E402
from glassgrad.explain import events, recording  # noqa: E402
from bench.systems.torch_api import bind  # noqa: E402

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # the environment variables above do the same, less surely
    def threadpool_limits(n):
        return contextlib.nullcontext()

ROUNDS = 7
_API = bind(torch)  # the benchmark's workloads, written once against the torch API
BATCH = 64


def _data():
    """scikit-learn's digits (8x8 images: 64 features, 10 classes) when it is installed, else random data."""
    try:
        from sklearn.datasets import load_digits
        d = load_digits()
        x, y, src = (d.data / 16.0).astype(np.float32), d.target.astype(np.int64), "digits"
    except ImportError:
        rng = np.random.default_rng(0)
        x, y, src = rng.standard_normal((1024, 64)).astype(np.float32), rng.integers(0, 10, 1024), "random"
    return torch.tensor(x[:BATCH]), torch.tensor(y[:BATCH]), src


def op_chain():
    v = torch.randn(16, requires_grad=True)

    def run():
        v.grad = None
        y = v
        for _ in range(50):  # stays in (0.4, 2.8): tanh keeps it bounded
            y = (y * 0.9 + 0.1).tanh().exp()
        y.sum().backward()
    return run


OPS_PER_CHAIN = 200  # 4 ops a turn (mul, add, tanh, exp) x 50 turns; the sum is one more, not counted


def _mlp():
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def train_step(x, y):
    model, opt = _mlp()
    return _API.sgd_step(model, opt, x, y)  # zero_grad, forward, cross_entropy, backward, step, loss.item()


def eval_step(x, y):
    model, _ = _mlp()

    def run():
        with torch.no_grad():
            return (model(x).argmax(1) == y).float().mean().item()
    return run


def logged_train_step(x, y):
    model, opt = _mlp()
    losses = []

    def run():
        opt.zero_grad()
        out = model(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        del losses[:-100]
        return (out.detach().argmax(1) == y).float().mean().item()
    return run


def _block(run, on, repeat):
    """Median seconds per call of `run` over `repeat` calls, recording `on` or off (the median, as other jobs
    preempt single calls on shared machines)."""
    # NOTE: `events.tainted` (some tensor carries a cut's record, so ops look for one) never goes back to False;
    # reset it so that each block sees only what its own workload does, whatever ran before it
    events.tainted = False
    with recording(on):
        run()  # warm up (and let this workload's own cuts set the flag again)
        out = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            run()
            out.append(time.perf_counter() - t0)
        return statistics.median(out)


def measure(run, rounds=ROUNDS, budget=0.25):
    t0 = time.perf_counter()
    run()
    repeat = max(3, int(budget / max(time.perf_counter() - t0, 1e-6)))
    times = {False: [], True: []}
    for r in range(rounds):
        for on in ((False, True) if r % 2 == 0 else (True, False)):
            time.sleep(0.05)  # let idle BLAS/OpenMP workers go to sleep
            times[on].append(_block(run, on, repeat))
    return times[False], times[True]


def _cell(ts, scale, unit):
    d = 2 if unit == "µs" else 3
    return f"{statistics.median(ts) * scale:.{d}f} {unit} ({min(ts) * scale:.{d}f}..{max(ts) * scale:.{d}f})"


def main():
    x, y, src = _data()
    workloads = [
        (f"per op: {OPS_PER_CHAIN} elementwise ops on 16 floats, forward + backward", op_chain(),
         1e6 / OPS_PER_CHAIN, "µs"),
        ("training step: MLP 64-128-128-10, batch 64, SGD", train_step(x, y), 1e3, "ms"),
        ("evaluation step under no_grad (forward + accuracy)", eval_step(x, y), 1e3, "ms"),
        ("training step + logging (losses kept, accuracy of out.detach())", logged_train_step(x, y), 1e3, "ms"),
    ]
    print(f"glassgrad {torch.__version__}, NumPy {np.__version__}, float32, {THREADS} BLAS thread(s), {src} data; "
          f"median of {ROUNDS} rounds (min..max), on and off alternated\n")
    print("| workload | recording off | recording on | ratio on/off |")
    print("|---|---:|---:|---:|")
    for label, run, scale, unit in workloads:
        off, on = measure(run)
        ratio = statistics.median(b / a for a, b in zip(off, on))  # paired: a round's two modes ran side by side
        print(f"| {label} | {_cell(off, scale, unit)} | {_cell(on, scale, unit)} | {ratio:.2f}x |", flush=True)


if __name__ == "__main__":
    with threadpool_limits(THREADS):
        main()
