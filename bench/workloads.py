"""The workloads' sizes, inputs and initial weights: one place, so that every system computes on the same numbers.

Everything is float32 and comes from seeded NumPy (the digits from scikit-learn), made once by the harness and
handed to each adapter as NumPy arrays; the adapters copy them into their own tensors.
"""
import numpy as np

TIMED = ("op_chain", "mlp", "matmul", "conv")
WORKLOADS = (*TIMED, "memory", "import", "growth")

# calls before the check value is read: the training steps start from the same weights, so the losses after
# CHECK_CALLS steps agree across systems; the stateless workloads give the same value at every call
CHECK_CALLS = {"op_chain": 1, "mlp": 10, "matmul": 1, "conv": 10, "memory": 1}

# what the check value is, for the report
CHECK_NAMES = {
    "op_chain": "sums of the output and of the gradient",
    "mlp": "loss at step 10",
    "matmul": "sums of W's and x's gradients",
    "conv": "loss at step 10",
    "memory": "sums of the output and of the gradient",
}

# NOTE: float32 tolerance for check values computed by different kernels (BLAS, summation orders): a relative
# 1e-4 on a value of order 1 (losses) or its magnitude (gradient sums); 10 training steps amplify rounding a bit
CHECK_RTOL = {"op_chain": 1e-5, "mlp": 1e-4, "matmul": 1e-4, "conv": 1e-4, "memory": 1e-5}

LR = 0.1
BATCH = 64


def sizes(quick=False):
    """The workloads' dimensions; `quick` shrinks the big ones so a smoke test runs in well under a second."""
    return {
        "chain_turns": 50,  # 4 ops a turn: mul, add, tanh, exp
        "chain_len": 16,
        "matmul": (64, 128, 128) if quick else (512, 1024, 1024),  # x is m x k, W is k x n
        "memory_turns": 20 if quick else 500,
        "memory_len": 1_000 if quick else 100_000,
        "growth_steps": (20, 50) if quick else (1_000, 10_000),
    }


def labels(quick=False):
    """The table's row labels, with the unit of each row's numbers."""
    s = sizes(quick)
    m, k, n = s["matmul"]
    return {
        "op_chain": f"op overhead: {4 * s['chain_turns']} elementwise ops on {s['chain_len']} floats, fwd + bwd "
                    "(µs per op)",
        "mlp": f"MLP step: 64-128-128-10, batch {BATCH}, SGD (ms)",
        "matmul": f"large matmul: (x @ W).tanh().sum() fwd + bwd, x {m}x{k}, W {k}x{n} (ms)",
        "gflops": f"large matmul: GFLOP/s (3 matmuls of 2*{m}*{k}*{n} flops)",
        "conv": f"conv step: conv 3x3 1->16 pad 1, ReLU, linear 1024->10, batch {BATCH}, SGD (ms)",
        "peak": f"deep chain: {4 * s['memory_turns']:,} elementwise ops on {s['memory_len']:,} floats, peak above "
                "baseline during fwd + bwd (MiB)",
        "held": "deep chain: still held after backward (MiB)",
        "import": "import, in a fresh process (s)",
    }


def matmul_flops(m, k, n):
    """Forward x @ W plus the two matmuls of the backward (grad @ W.T and x.T @ grad)."""
    return 3 * 2 * m * k * n


def _digits():
    """The first BATCH of scikit-learn's 8x8 digits, x / 16 as float32 (scikit-learn is in the test extra)."""
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.data[:BATCH] / 16.0).astype(np.float32), d.target[:BATCH].astype(np.int64)


def _uniform(rng, shape, fan_in):
    # the default init of PyTorch's Linear and Conv2d, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for weights and biases
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def make_data(quick=False):
    """All inputs and initial weights, as a flat dict of NumPy arrays (saved to one .npz for the workers).
    Weights have PyTorch's layout: a Linear's weight is (out, in), a Conv2d's (out, in, kh, kw)."""
    s = sizes(quick)
    rng = np.random.default_rng(0)
    x, y = _digits()
    data = {"digits_x": x, "digits_y": y,
            "digits_img": x.reshape(BATCH, 1, 8, 8).copy()}
    for i, (fan_in, fan_out) in enumerate([(64, 128), (128, 128), (128, 10)]):
        data[f"mlp_w{i}"] = _uniform(rng, (fan_out, fan_in), fan_in)
        data[f"mlp_b{i}"] = _uniform(rng, (fan_out,), fan_in)
    data["conv_w"] = _uniform(rng, (16, 1, 3, 3), 9)
    data["conv_b"] = _uniform(rng, (16,), 9)
    data["conv_lin_w"] = _uniform(rng, (10, 16 * 8 * 8), 16 * 8 * 8)
    data["conv_lin_b"] = _uniform(rng, (10,), 16 * 8 * 8)
    data["chain_v"] = rng.standard_normal(s["chain_len"]).astype(np.float32)
    data["memory_v"] = rng.standard_normal(s["memory_len"]).astype(np.float32)
    m, k, n = s["matmul"]
    # NOTE: x >= 0 and W with a small positive mean keep the pre-activations in tanh's live range and the two
    # gradient sums far from zero, so that comparing them across systems is not a comparison of rounding noise
    data["mm_x"] = rng.uniform(0.0, 1.0, (m, k)).astype(np.float32)
    data["mm_w"] = ((rng.standard_normal((k, n)) + 0.05) * np.sqrt(3.0 / k)).astype(np.float32)
    return data


def mlp_params(data):
    """[(w0, b0), (w1, b1), (w2, b2)], copies (training changes them in place in some adapters)."""
    return [(data[f"mlp_w{i}"].copy(), data[f"mlp_b{i}"].copy()) for i in range(3)]


def conv_params(data):
    return [data[k].copy() for k in ("conv_w", "conv_b", "conv_lin_w", "conv_lin_b")]


def im2col_3x3(img):
    """(N, 1, H, W) -> (N, 9, H*W): the 3x3 neighbourhoods of a zero-padded (padding 1) single-channel image, via a
    strided view (no copy until the reshape). For adapters of systems without a convolution."""
    n, c, h, w = img.shape
    padded = np.zeros((n, c, h + 2, w + 2), img.dtype)
    padded[:, :, 1:-1, 1:-1] = img
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3)
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * 9, h * w)
