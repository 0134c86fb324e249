"""glassgrad next to PyTorch, MyGrad and HIPS autograd on the same computations (issue 6): the orchestration and the
report. Run from the repository root:

    python -m bench                          # everything; writes bench/results.md (the README's table)
    python -m bench --only mlp,matmul --systems glassgrad,torch --rounds 3
    python -m bench --quick                  # tiny sizes, one round: checks that the harness works

Each (workload, system) pair runs in a fresh process (bench/worker.py) once per round; within a round the systems
take turns, in an order rotated every round, so that a noisy moment of a shared machine is spread over all of them.
A process times its workload in blocks and keeps the blocks' median; a cell gives the median of the processes'
medians, their min..max, and the ratio to PyTorch's median. Every process also returns a check value (a gradient
sum, a loss after N steps); a row whose systems disagree beyond float32 tolerance is flagged.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import systems, workloads

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# NOTE: OpenBLAS reads these at load time to pick its kernel and blocking; some machines set them globally, which
# can make NumPy's matmul slower or faster than its own detection would, so the matmul row is repeated without them
OPENBLAS_TUNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# NOTE: large freed arrays go back to the OS at once, so RSS follows what each system really holds
MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536"}
BLOCKS, BLOCK_S = 5, 0.25
WORKER_TIMEOUT_S = 600

# NOTE: the environment as the harness found it: importing scikit-learn (for the digits) sets KMP_* variables in
# os.environ, and the workers should not inherit what the parent's imports did
START_ENV = dict(os.environ)

IMPORT_CODE = "import time\nt0 = time.perf_counter()\nimport {}\nprint(time.perf_counter() - t0)"


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=None, help="processes per (workload, system) (default 5; 1 quick)")
    p.add_argument("--only", default=",".join(workloads.WORKLOADS),
                   help=f"comma-separated workloads, of: {','.join(workloads.WORKLOADS)}")
    p.add_argument("--systems", default=",".join(systems.SYSTEMS),
                   help=f"comma-separated systems, of: {','.join(systems.SYSTEMS)} (missing ones are skipped)")
    p.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads in every process (default 2)")
    p.add_argument("--steps", type=int, default=None,
                   help="training steps of the growth check (default 10000; marks at steps/10 and steps)")
    p.add_argument("--quick", action="store_true", help="tiny sizes, short blocks, one round (a smoke test)")
    p.add_argument("--out", type=Path, default=None,
                   help="also write the report here (a full run writes bench/results.md)")
    args = p.parse_args(argv)
    args.only = _choose(p, "workload", args.only, workloads.WORKLOADS)
    args.systems = _choose(p, "system", args.systems, systems.SYSTEMS)
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    full = not args.quick and args.only == list(workloads.WORKLOADS) and args.systems == list(systems.SYSTEMS)
    if args.out is None and full:
        args.out = RESULTS
    return args


def _choose(parser, what, text, known):
    chosen = [x.strip() for x in text.split(",") if x.strip()]
    for x in chosen:
        if x not in known:
            parser.error(f"unknown {what} {x!r}; choose from {', '.join(known)}")
    return [x for x in known if x in chosen]  # the table's order, whatever the command line's


def plan(workload_keys, environ):
    """The table's measured rows: (row key, workload, environment variables to unset for it)."""
    rows = []
    for w in workload_keys:
        if w in workloads.TIMED or w in ("memory", "import"):
            rows.append((w, w, ()))
        if w == "matmul" and any(v in environ for v in OPENBLAS_TUNING):
            rows.append(("matmul_untuned", w, OPENBLAS_TUNING))
    return rows


def child_env(threads, unset=(), extra=None):
    env = dict(START_ENV)
    for v in THREAD_VARS:
        env[v] = str(threads)
    for v in unset:
        env.pop(v, None)
    env.update(extra or {})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run(cmd, env):
    """The process's last line of output, parsed; {"error": why} when it failed (its row then shows "error")."""
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"no result after {WORKER_TIMEOUT_S} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1]) if lines[-1].startswith("{") else {"seconds": float(lines[-1])}


def run_worker(spec, env):
    return _run([sys.executable, "-m", "bench.worker", json.dumps(spec)], env)


def run_import(system, env):
    return _run([sys.executable, "-c", IMPORT_CODE.format(systems.SYSTEMS[system][1])], env)


def measure(args, data_path, log):
    """{row key: {system: [one result per process]}}, processes interleaved over the rounds; and the growth."""
    rows = plan(args.only, START_ENV)
    results = {key: {s: [] for s in args.systems} for key, _, _ in rows}
    total, done = len(rows) * args.rounds * len(args.systems), 0
    base = {"data": str(data_path), "quick": args.quick, "threads": args.threads,
            "blocks": 2 if args.quick else BLOCKS, "block_s": 0.02 if args.quick else BLOCK_S}
    for key, workload, unset in rows:
        env = child_env(args.threads, unset, MEMORY_ENV if workload == "memory" else None)
        for r in range(args.rounds):
            k = r % len(args.systems)
            for system in args.systems[k:] + args.systems[:k]:
                if workload == "import":
                    res = run_import(system, env)
                else:
                    res = run_worker(dict(base, workload=workload, system=system), env)
                results[key][system].append(res)
                done += 1
                log(f"[{done}/{total}] {key} {system} round {r + 1}: {_brief(res)}")
    growth = None
    if "growth" in args.only and "glassgrad" in args.systems:
        last = args.steps or workloads.sizes(args.quick)["growth_steps"][-1]
        marks = [max(1, last // 10), last]
        # NOTE: one thread: nothing is timed here, and on a busy 2-core machine two BLAS threads can make each
        # small step ~100x slower (the threads wait on each other), which would stretch 10,000 steps to minutes
        growth = run_worker(dict(base, workload="growth", system="glassgrad", growth_steps=marks, threads=1),
                            child_env(1))
        log(f"growth glassgrad: {_brief(growth)}")
    return rows, results, growth


def _brief(res):
    if "error" in res:
        return "ERROR " + res["error"]
    if "median" in res:
        return f"{res['median'] * 1e3:.3f} ms, check {res['check']}"
    if "peak" in res:
        return f"peak {res['peak'] / 2**20:.1f} MiB, after {res['after'] / 2**20:.1f} MiB"
    if "seconds" in res:
        return f"{res['seconds']:.3f} s"
    return "done"


# ---------------------------------------------------------------- the report


def fmt(x):
    """Three significant digits or so, without exponents (tables are read by eye)."""
    a = abs(x)
    return f"{x:.0f}" if a >= 100 else f"{x:.1f}" if a >= 10 else f"{x:.2f}" if a >= 1 else f"{x:.3f}"


def _agree(a, b, rtol):
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.maximum(abs(a), abs(b)), 1.0)))


def check_row(per_system, workload, reference):
    """(verdict, {system: check value}): every process of every system against the reference system's first."""
    checks = {s: [r["check"] for r in rs if "check" in r] for s, rs in per_system.items()}
    checks = {s: c for s, c in checks.items() if c}
    if not checks:
        return "n/a", {}
    ref = checks.get(reference, next(iter(checks.values())))[0]
    rtol = workloads.CHECK_RTOL[workload]
    bad = [s for s, c in checks.items() if not all(_agree(v, ref, rtol) for v in c)]
    verdict = "agree" if not bad else "**DIFFER: " + ", ".join(systems.SYSTEMS[s][0] for s in bad) + "**"
    return verdict, {s: c[0] for s, c in checks.items()}


def _cells(values, ref, scale, show_ratio=True, failed=None):
    """{system: 'median (min..max) ratio'} from {system: [per-process numbers]}; `failed` counts the processes
    of each system that gave no number."""
    ref_med = statistics.median(values[ref]) if values.get(ref) else None
    out = {}
    for s, v in values.items():
        if not v:
            continue
        med = statistics.median(v)
        cell = f"{fmt(med * scale)} ({fmt(min(v) * scale)}..{fmt(max(v) * scale)})"
        if show_ratio and ref_med and s != ref and ref_med * scale >= 0.05:
            cell += f" {med / ref_med:.2f}x"
        if failed and failed.get(s):
            cell += f" ({failed[s]} of {failed[s] + len(v)} failed)"
        out[s] = cell
    return out


def table_rows(args, rows, results):
    """[(label, {system: cell}, check verdict)] and the check values for the second table."""
    s, labels = workloads.sizes(args.quick), workloads.labels(args.quick)
    ref = systems.REFERENCE
    out, checks = [], []
    for key, workload, _ in rows:
        per = results[key]
        ok = {sy: [r for r in rs if "error" not in r] for sy, rs in per.items()}
        # a process that failed (its error is in the log) leaves the others' numbers, marked; all failed: "error"
        errors = {sy: "error" for sy, rs in ok.items() if not rs and per[sy]}
        failed = {sy: sum("error" in r for r in rs) for sy, rs in per.items()}
        ok = {sy: rs for sy, rs in ok.items() if rs}
        if key == "matmul_untuned":
            label = {k: v.replace("large matmul:", "large matmul, OPENBLAS_CORETYPE/L2_SIZE unset:")
                     for k, v in labels.items()}
        else:
            label = labels
        if workload in workloads.TIMED:
            verdict, values = check_row(ok, workload, ref)
            checks.append((key, workload, values))
            scale = 1e6 / (4 * s["chain_turns"]) if workload == "op_chain" else 1e3  # µs per op, or ms
            times = {sy: [r["median"] for r in rs] for sy, rs in ok.items()}
            out.append((label[workload], {**_cells(times, ref, scale, failed=failed), **errors}, verdict))
            if workload == "matmul":
                flops = workloads.matmul_flops(*s["matmul"])
                gflops = {sy: [flops / t / 1e9 for t in ts] for sy, ts in times.items()}
                out.append((label["gflops"], _cells(gflops, ref, 1.0, show_ratio=False, failed=failed), ""))
        elif workload == "memory":
            verdict, values = check_row(ok, workload, ref)
            checks.append((key, workload, values))
            peak = {sy: [r["peak"] for r in rs] for sy, rs in ok.items()}
            after = {sy: [r["after"] for r in rs] for sy, rs in ok.items()}
            inexact = any(not r["peak_exact"] for rs in ok.values() for r in rs)
            out.append((label["peak"] + (" (a lower bound)" if inexact else ""),
                        {**_cells(peak, ref, 2**-20, failed=failed), **errors}, verdict))
            out.append((label["held"], {**_cells(after, ref, 2**-20, failed=failed), **errors}, ""))
        elif workload == "import":
            secs = {sy: [r["seconds"] for r in rs] for sy, rs in ok.items()}
            out.append((label["import"], {**_cells(secs, ref, 1.0, failed=failed), **errors}, ""))
    return out, checks


def markdown_table(args, trows):
    names = [systems.SYSTEMS[s][0] for s in args.systems]
    lines = ["| workload | " + " | ".join(names) + " | check |", "|---|" + "---:|" * len(names) + "---|"]
    for label, cells, verdict in trows:
        lines.append(f"| {label} | " + " | ".join(cells.get(s, "n/a") for s in args.systems) + f" | {verdict} |")
    return lines


def checks_table(args, checks):
    names = [systems.SYSTEMS[s][0] for s in args.systems]
    lines = ["| check value | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, workload, values in checks:
        label = f"{key}: {workloads.CHECK_NAMES[workload]}"
        cells = [", ".join(f"{x:.7g}" for x in np.atleast_1d(values[s])) if s in values else "n/a"
                 for s in args.systems]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def growth_table(growth):
    if not growth or "error" in growth:
        return [f"glassgrad growth check failed: {growth['error']}"] if growth else []
    (m1, a), (m2, b) = growth["growth"].items()
    mib = 2**-20
    return [f"No growth over {int(m2):,} training steps (glassgrad, the MLP step above, one BLAS thread, after "
            "gc.collect()):", "",
            f"| glassgrad, MLP training | after step {int(m1):,} | after step {int(m2):,} | growth |",
            "|---|---:|---:|---:|",
            f"| RSS (MiB) | {a['rss'] * mib:.1f} | {b['rss'] * mib:.1f} | {(b['rss'] - a['rss']) * mib:+.1f} |",
            f"| objects tracked by gc | {a['objects']:,} | {b['objects']:,} | {b['objects'] - a['objects']:+,} |"]


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        return names[0] if names else platform.processor()
    except OSError:
        return platform.processor() or platform.machine()


def _pool_text(pool):
    arch = f"{pool['architecture']} kernel, " if pool.get("architecture") else ""
    layer = f"{pool['threading_layer']}, " if pool.get("threading_layer") else ""
    n = pool["num_threads"]
    return (f"{pool['internal_api']} {pool.get('version') or ''} ({arch}{layer}{n} thread{'s' * (n != 1)}; "
            f"{Path(pool['filepath']).name})")


def header(args, rows, results, growth, took):
    flat = [r for per in results.values() for rs in per.values() for r in rs if "error" not in r]
    versions = {}
    for per in results.values():
        for s, rs in per.items():
            versions.update({s: r["version"] for r in rs if "version" in r})
    if growth and "version" in growth:
        versions.setdefault("glassgrad", growth["version"])
    vtext = ", ".join(f"{systems.SYSTEMS[s][0]} {versions[s]}" for s in args.systems if s in versions)
    lines = [f"- versions: {vtext}; NumPy {np.__version__}; Python {platform.python_version()}",
             f"- machine: {_cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"]
    blas = {}
    for key, _, _ in rows:
        for rs in results[key].values():
            for r in rs:
                for pool in r.get("pools", []):
                    if pool["user_api"] == "blas":
                        blas.setdefault(key == "matmul_untuned", _pool_text(pool))
    own = sorted({r["own_blas"] for r in flat if "own_blas" in r})
    if blas:
        lines.append(f"- BLAS: NumPy (glassgrad, MyGrad, HIPS autograd) uses {blas.get(False) or blas.get(True)}"
                     + (f"; PyTorch uses {', '.join(own)}" if own else ""))
    tuning = {v: START_ENV[v] for v in OPENBLAS_TUNING if v in START_ENV}
    if tuning:
        lines.append("- environment: " + ", ".join(f"{k}={v}" for k, v in tuning.items())
                     + (f"; with both unset NumPy's BLAS is {blas[True]}" if True in blas else ""))
    wrong = {p["num_threads"] for r in flat for p in r.get("pools", []) if p["num_threads"] != args.threads}
    lines.append(f"- threads: {args.threads} (OMP/OPENBLAS/MKL_NUM_THREADS in each process, torch.set_num_threads)"
                 + (f"; WARNING: some thread pools had {sorted(wrong)} threads" if wrong else ""))
    lines.append(f"- rounds: {args.rounds}; each (workload, system) in a fresh process per round, systems rotated "
                 f"each round; a process's time is the median of {2 if args.quick else BLOCKS} blocks of "
                 f"~{0.02 if args.quick else BLOCK_S} s; cells: median of the processes (min..max), ratio to "
                 f"PyTorch's median; float32; glassgrad as shipped (recording for explanations on)")
    lines.append(f"- {time.strftime('%Y-%m-%d')}, the whole run took {took / 60:.1f} min"
                 + (" (--quick: tiny sizes, not a benchmark)" if args.quick else ""))
    return lines


def report(args, rows, results, growth, took):
    trows, checks = table_rows(args, rows, results)
    lines = ["# glassgrad next to PyTorch, MyGrad and HIPS autograd", ""]
    lines += header(args, rows, results, growth, took) + [""]
    if trows:
        lines += markdown_table(args, trows) + [""]
    if checks:
        ref = systems.REFERENCE if systems.REFERENCE in args.systems else args.systems[0]
        lines += [f"Check values (the first process of each system; every process is compared with "
                  f"{systems.SYSTEMS[ref][0]}'s at a relative float32 tolerance of 1e-5..1e-4):", ""]
        lines += checks_table(args, checks) + [""]
    failures = [f"- {key}, {systems.SYSTEMS[sy][0]}, round {i + 1}: {r['error']}"
                for key, per in results.items() for sy, rs in per.items() for i, r in enumerate(rs) if "error" in r]
    if failures:
        lines += ["Processes that failed (left out of the numbers above):", ""] + failures + [""]
    g = growth_table(growth)
    if g:
        lines += g + [""]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    missing = [s for s in args.systems if not systems.installed(s)]
    for s in missing:
        print(f"skipping {systems.SYSTEMS[s][0]}: `{systems.SYSTEMS[s][1]}` is not installed", file=sys.stderr)
    args.systems = [s for s in args.systems if s not in missing]
    if not args.systems:
        sys.exit("no system to measure")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "data.npz"
        np.savez(data_path, **workloads.make_data(args.quick))
        rows, results, growth = measure(args, data_path, lambda text: print(text, file=sys.stderr, flush=True))
    text = report(args, rows, results, growth, time.perf_counter() - t0)
    print(text)
    if args.out:
        args.out.write_text(text)
        print(f"written to {args.out}", file=sys.stderr)
    failed = any("error" in r for per in results.values() for rs in per.values() for r in rs)
    return 1 if failed or (growth and "error" in growth) else 0
