"""conv2d and matmul, forward + backward, glassgrad next to PyTorch in one run (issue 3's README table).

    .venv/bin/python bench/ops.py            # prints a Markdown table

Each case is timed alternately in both systems over several rounds (the machines are shared and noisy); the
table reports the median time of one forward+backward, and glassgrad's time as a ratio of PyTorch's. Both run
float32 on the same inputs with 2 threads, and the gradient sums are compared so that both did the same work.
"""
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import glassgrad  # noqa: E402

torch.set_num_threads(2)

CONV = [  # (batch, in channels, size, out channels, kernel)
    (64, 1, 8, 16, 3),
    (32, 16, 16, 32, 3),
    (16, 32, 32, 64, 3),
    (8, 64, 32, 64, 5),
]
MATMUL = [  # (m, k, n)
    (64, 64, 64),
    (256, 256, 256),
    (512, 1024, 1024),
]


def _conv_case(mod, x, w):
    xt = mod.tensor(x, requires_grad=True)
    wt = mod.tensor(w, requires_grad=True)

    def run():
        xt.grad = wt.grad = None
        mod.nn.functional.conv2d(xt, wt, padding=1).sum().backward()
        return float(wt.grad.sum())
    return run


def _matmul_case(mod, a, b):
    at = mod.tensor(a, requires_grad=True)
    bt = mod.tensor(b, requires_grad=True)

    def run():
        at.grad = bt.grad = None
        (at @ bt).tanh().sum().backward()
        return float(bt.grad.sum())
    return run


def _time(run, repeat):
    # NOTE: both systems keep idle worker threads spinning for a while after a call (OpenBLAS's and OpenMP's);
    # on 2 cores they slow the other system's next ~100 ms by up to 2x. Let them go to sleep first.
    time.sleep(0.2)
    run()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def measure(cases, rounds=5):
    rows = []
    for label, make in cases:
        runs = {m.__name__: make(m) for m in (glassgrad, torch)}
        check = {k: r() for k, r in runs.items()}
        if not np.isclose(check["glassgrad"], check["torch"], rtol=1e-3, atol=1e-3):
            sys.exit(f"{label}: gradient sums differ: {check}")
        t0 = time.perf_counter()
        runs["torch"]()
        repeat = max(3, min(50, int(0.2 / max(time.perf_counter() - t0, 1e-6))))
        times = {k: [] for k in runs}
        for _ in range(rounds):
            for k, r in runs.items():
                times[k].append(_time(r, repeat))
        g, t = statistics.median(times["glassgrad"]), statistics.median(times["torch"])
        rows.append((label, g, t))
    return rows


def main():
    rng = np.random.default_rng(0)
    conv = []
    for n, c, s, o, k in CONV:
        x = rng.standard_normal((n, c, s, s)).astype(np.float32)
        w = (rng.standard_normal((o, c, k, k)) / np.sqrt(c * k * k)).astype(np.float32)
        conv.append((f"conv2d x({n},{c},{s},{s}) w({o},{c},{k},{k}) pad 1", lambda m, x=x, w=w: _conv_case(m, x, w)))
    mm = []
    for m_, k, n in MATMUL:
        a = rng.standard_normal((m_, k)).astype(np.float32)
        b = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
        mm.append((f"(a@b).tanh().sum() a({m_},{k}) b({k},{n})", lambda m, a=a, b=b: _matmul_case(m, a, b)))
    print(f"glassgrad {glassgrad.__version__}, torch {torch.__version__}, NumPy {np.__version__}, "
          f"float32, 2 threads, median of {5} rounds\n")
    print("| forward + backward | glassgrad | PyTorch | ratio |")
    print("|---|---:|---:|---:|")
    for label, g, t in measure(conv + mm):
        print(f"| {label} | {g * 1e3:.3f} ms | {t * 1e3:.3f} ms | {g / t:.2f}x |")


if __name__ == "__main__":
    main()
