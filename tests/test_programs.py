"""Realistic PyTorch programs (tests/programs/) run unchanged under real PyTorch and under `glassgrad run`: the
same seed must give the same loss at every step, and the same exit status.

Each program writes one line per step to `--log FILE`: `phase epoch step key value [key value ...]` (values
printed with repr, so nothing is lost to formatting); its first line (`setup`) fingerprints the generated data and
the initial weights, so a failure shows whether the runs part at the random draws or during training. Both runs
are subprocesses started in empty working directories, single-threaded (OMP/MKL threads = 1: PyTorch's CPU
kernels then sum in one fixed order, and on a shared two-core machine OpenMP spinning makes multi-threaded runs
of these tiny models several times slower).

Tolerance, and why. Float32 kernels in NumPy and PyTorch round differently (summation order in reductions, blocking
in matmul and convolution), so values computed from identical inputs differ by a rounding unit or a few (~1e-7
relative); training feeds those differences back through every update, and how much a program amplifies them is a
property of the program. `python tests/test_programs.py --calibrate` measures it: it runs real PyTorch twice, the
second time with every gradient disturbed after each backward pass as another kernel would (by one rounding unit of
its tensor's largest element; see _NUDGED), and prints the worst gap as a share of the allowance. For every program
here it stays under 15% (most under 1%); four programs run at smaller learning rates than first written to get there
(super_resolution and vae now at their originals' defaults): Adam and RMSprop turn the noise of near-zero gradient
elements into full steps. glassgrad's gaps measured so far are of the size this model predicts (worst ~6e-6 on a
loss or gradient norm, 4e-5 on a U-Net's validation score after eight RMSprop steps, which float64 runs show to be
float32 noise in PyTorch too).

The allowance at the i-th logged line is `atol + (rtol0 + slope * i) * |value|` (1e-5 + 2e-5 i by default: 1e-5 at
the first step, ~5e-4 after 25 lines). What it still catches, measured with real PyTorch against itself: a learning
rate off by 0.1%, a weight decay doubled or a clipping norm off by 0.04% within 2-4 steps (mlp_classifier,
lstm_language_model), though not in every program (a 0.1% learning-rate error in transformer_language_model stays
inside); the differing random streams this suite caught moved the first loss by 3e-3..2e-1. A program whose
disturbed run parts by more than its allowance is chaotic (the RNN_TANH variant of the language model at lr 20 is:
1e-6 grows to 1e-1 in a dozen steps) and cannot be compared step by step, so none is listed here. Programs in
float64 (LBFGS) get a much tighter allowance. A failure names the first differing line.
"""
import math
import os
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("torch")  # the reference runs need real PyTorch in this interpreter

HERE = pathlib.Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
TIMEOUT = 240


class Program:
    __slots__ = ("name", "args", "rtol0", "slope", "atol")

    def __init__(self, name, args=(), rtol0=1e-5, slope=2e-5, atol=1e-7):
        self.name, self.args, self.rtol0, self.slope, self.atol = name, list(args), rtol0, slope, atol

    def __repr__(self):
        return self.name


CASES = [
    Program("mlp_classifier.py"),
    Program("cnn_classifier.py"),
    Program("dcgan.py"),
    Program("lstm_language_model.py", ["--tied"]),
    Program("gru_classifier.py"),
    Program("transformer_language_model.py"),
    Program("transformer_seq2seq.py"),
    # float64 throughout: differences start at ~1e-15 relative
    Program("lbfgs_sine.py", rtol0=1e-9, slope=1e-9, atol=1e-12),
    Program("checkpoint_resume.py"),
    Program("vae.py"),
    Program("dataset_workers.py"),
    Program("amp_resnet.py"),
    # policy-gradient losses sum terms of both signs and can sit near zero: an absolute allowance as well
    Program("reinforce_policy.py", atol=1e-5),
    Program("regression_split.py"),
    # critic and generator costs are differences of O(1) means, near zero: an absolute allowance as well
    Program("wgan_gp.py", atol=1e-6),
    # three fits of 4-5 scalars, 60 steps each: 180 lines, and --calibrate shows little drift, so a gentler slope
    Program("custom_autograd.py", slope=2e-6),
    Program("distill_ema.py"),
    Program("super_resolution.py"),
    Program("rnn_rows.py"),
    pytest.param(Program("nanogpt_char.py"), marks=pytest.mark.xfail(
        strict=True, reason="glassgrad lacks torch.bfloat16 (the script names it in a dtype table)")),
    Program("dqn_cartpole.py"),
    Program("text_classification.py"),
    Program("spatial_transformer.py"),
    pytest.param(Program("gcn_sparse.py"), marks=pytest.mark.xfail(
        strict=True, reason="glassgrad lacks sparse tensors (torch.sparse_coo_tensor, torch.sparse.mm)")),
    Program("sngan_hinge.py"),
    Program("unet_segmentation.py"),
]


def _env():
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    return env


_HAS_RUN_COMMAND = None


def glassgrad_command():
    """`python -m glassgrad run` once the command exists; until then the same thing through run_script."""
    global _HAS_RUN_COMMAND
    if _HAS_RUN_COMMAND is None:
        probe = subprocess.run([sys.executable, "-m", "glassgrad", "run", "--help"], capture_output=True,
                               text=True, env=_env(), timeout=60)
        _HAS_RUN_COMMAND = probe.returncode == 0 and "usage" in probe.stdout.lower()
    if _HAS_RUN_COMMAND:
        return [sys.executable, "-m", "glassgrad", "run"]
    return [sys.executable, "-c",
            "import sys; from glassgrad.torch_compat import run_script; run_script(sys.argv[1], sys.argv[2:])"]


class Run:
    __slots__ = ("system", "returncode", "stdout", "stderr", "lines")

    def __init__(self, system, proc, log_file):
        self.system, self.returncode, self.stdout, self.stderr = system, proc.returncode, proc.stdout, proc.stderr
        self.lines = parse_log(log_file.read_text()) if log_file.exists() else []

    def describe(self):
        tail = "\n".join(self.stderr.strip().splitlines()[-25:])
        return f"{self.system}: exit status {self.returncode}, {len(self.lines)} logged lines\n{tail}"


def parse_log(text):
    """[(phase, epoch, step), {key: float}] for every line of a program's --log file."""
    out = []
    for raw in text.splitlines():
        fields = raw.split()
        if not fields:
            continue
        head, rest = tuple(fields[:3]), fields[3:]
        out.append((head, {rest[i]: float(rest[i + 1]) for i in range(0, len(rest) - 1, 2)}))
    return out


def run_program(prog, system, workdir):
    """Runs tests/programs/<prog> under `system` ("torch" or "glassgrad") in `workdir`; returns a Run."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_file = workdir / "steps.log"
    script = str(PROGRAMS / prog.name)
    argv = [*prog.args, "--log", str(log_file)]
    cmd = [sys.executable, script, *argv] if system == "torch" else [*glassgrad_command(), script, *argv]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=_env(), timeout=TIMEOUT)
    return Run(system, proc, log_file)


def first_difference(expected, actual, prog):
    """None when the two logs agree within the program's allowance, else a message naming the first
    differing line with both values and the allowance."""
    for i, ((head_e, vals_e), (head_a, vals_a)) in enumerate(zip(expected, actual)):
        if head_e != head_a or vals_e.keys() != vals_a.keys():
            return f"line {i}: torch logged {head_e} {sorted(vals_e)}, glassgrad logged {head_a} {sorted(vals_a)}"
        rtol = prog.rtol0 + prog.slope * i
        for key, want in vals_e.items():
            got = vals_a[key]
            if math.isnan(want) and math.isnan(got):
                continue
            if not abs(got - want) <= prog.atol + rtol * abs(want):
                rel = abs(got - want) / max(abs(want), 1e-300)
                return (f"line {i} ({' '.join(head_e)}) {key}: torch {want!r}, glassgrad {got!r} "
                        f"(relative difference {rel:.3g}, allowed {rtol:.3g})")
    if len(expected) != len(actual):
        return f"torch logged {len(expected)} lines, glassgrad {len(actual)}"
    return None


@pytest.mark.parametrize("prog", CASES, ids=repr)
def test_program_matches_torch(prog, tmp_path):
    expected = run_program(prog, "torch", tmp_path / "torch")
    assert expected.returncode == 0 and expected.lines, "the program fails under real PyTorch\n" + expected.describe()
    actual = run_program(prog, "glassgrad", tmp_path / "glassgrad")
    assert actual.returncode == expected.returncode, actual.describe()
    diff = first_difference(expected.lines, actual.lines, prog)
    assert diff is None, diff


def test_comparison_catches_a_drift():
    """The comparison itself can fail: a loss off by 1e-3 relative, or a missing line, is reported."""
    prog = Program("x.py")
    base = [(("train", "1", str(i)), {"loss": 2.0 - 0.01 * i}) for i in range(10)]
    assert first_difference(base, base, prog) is None
    noisy = [(h, {"loss": v["loss"] * (1 + 1e-6)}) for h, v in base]
    assert first_difference(base, noisy, prog) is None
    drift = [(h, {"loss": v["loss"] * (1 + 1e-3 * (i >= 4))}) for i, (h, v) in enumerate(base)]
    assert first_difference(base, drift, prog).startswith("line 4 (train 1 4) loss: torch 1.96, glassgrad")
    assert first_difference(base, base[:7], prog) == "torch logged 10 lines, glassgrad 7"


def _program(case):
    return case.values[0] if hasattr(case, "values") else case


def test_programs_table_lists_every_program():
    on_disk = {p.name for p in PROGRAMS.glob("*.py") if not p.name.startswith("_")}
    assert on_disk == {_program(case).name for case in CASES}


# Real PyTorch with every gradient disturbed after each backward pass as a different float kernel would: by one
# rounding unit of the largest element of its tensor (the size of a summation error: an element computed with
# cancellation carries the error of the large terms it summed), up at even positions, down at odd ones; exact
# zeros (unused embedding rows, dead units) stay zero, as they do in any implementation. The run
# shows how much the program amplifies kernel differences; adaptive optimisers (Adam, RMSprop) amplify most,
# because they turn a near-zero gradient element's noise into a full-size step.
_NUDGED = """
import runpy, sys, torch
_backward = torch.Tensor.backward
def leaves(fn, seen):
    stack = [fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        if hasattr(fn, "variable"):
            yield fn.variable
        stack.extend(f for f, _ in fn.next_functions)
def backward(self, *args, **kwargs):
    params = list(leaves(self.grad_fn, set()))
    out = _backward(self, *args, **kwargs)
    with torch.no_grad():
        for p in params:
            if p.grad is not None and p.grad.is_floating_point() and p.grad.numel():
                g = p.grad
                sign = (torch.arange(g.numel()).reshape(g.shape) % 2) * -2 + 1
                g.add_(sign * torch.finfo(g.dtype).eps * g.abs().max() * (g != 0))
    return out
torch.Tensor.backward = backward
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _calibrate():
    """Prints, per program, the worst gap between real PyTorch and real PyTorch with one-ulp-nudged gradients
    (the float32 noise the allowance must cover), as a fraction of the allowance at that line."""
    import tempfile
    for prog in map(_program, CASES):
        with tempfile.TemporaryDirectory() as tmp:
            plain = run_program(prog, "torch", pathlib.Path(tmp) / "plain")
            log_file = pathlib.Path(tmp) / "nudged.log"
            subprocess.run([sys.executable, "-c", _NUDGED, str(PROGRAMS / prog.name), *prog.args, "--log",
                            str(log_file)], cwd=tmp, capture_output=True, env=_env(), timeout=TIMEOUT)
            nudged = parse_log(log_file.read_text()) if log_file.exists() else []
            worst, where = 0.0, None
            for i, ((head, a), (_, b)) in enumerate(zip(plain.lines, nudged)):
                for k in a:
                    gap = abs(a[k] - b.get(k, math.nan))
                    share = gap / (prog.atol + (prog.rtol0 + prog.slope * i) * abs(a[k]))
                    if not share <= worst:
                        worst, where = share, f"line {i} ({' '.join(head)}) {k}: {gap / max(abs(a[k]), 1e-300):.1e}"
            print(f"{prog.name:30s} {len(plain.lines):4d} lines; worst gap = {worst:.3f} of the allowance, at {where}")


if __name__ == "__main__":
    if "--calibrate" in sys.argv:
        _calibrate()
