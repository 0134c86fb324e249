"""One (workload, system) measurement in a fresh process; bench/run.py starts it, with the thread variables (and,
for the memory workload, MALLOC_MMAP_THRESHOLD_) already in the environment:

    python -m bench.worker '{"workload": "mlp", "system": "torch", "data": "/tmp/x/data.npz", ...}'

It prints one JSON line: the per-block times (seconds per call), the check value, the libraries' thread pools as
threadpoolctl sees them, and the system's version.
"""
import gc
import json
import os
import resource
import statistics
import sys
import time

import numpy as np

from bench import systems, workloads


def time_blocks(run, blocks, block_s):
    """Seconds per call of `run`, one number per block of ~block_s seconds (a block's mean: calls of a few µs are
    below the clock's resolution one by one). The first half-block warms up and sizes the blocks."""
    calls, t0 = 0, time.perf_counter()
    while calls < 2 or time.perf_counter() - t0 < block_s / 2:
        run()
        calls += 1
    per_block = max(1, round(calls * block_s / (time.perf_counter() - t0)))
    out = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(per_block):
            run()
        out.append((time.perf_counter() - t0) / per_block)
    return out


def _rss():
    """Resident memory now, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak():
    """Lower the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0), so that it then gives the peak
    of what follows, not of the imports; False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak():
    """Peak RSS in bytes. NOTE: VmHWM rather than getrusage's ru_maxrss: ru_maxrss also counts the RSS the parent
    had when it started this process (the kernel carries it across exec) and clear_refs does not lower it, so a
    small process started by a big parent would report the parent's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def measure_memory(adapter, data, spec):
    """Peak RSS above the baseline during one forward+backward of the deep chain, and what is still resident
    after it (its outputs dropped, gc.collect()). The input tensor is made inside the call, so what remains is
    what the library keeps."""
    s = workloads.sizes(spec["quick"])
    adapter.deep_chain(np.ones(8, np.float32), 5)()  # warm up: first-call imports, caches, thread pools
    gc.collect()
    exact = _reset_peak()
    base, peak_before = _rss(), _peak()
    run = adapter.deep_chain(data["memory_v"], s["memory_turns"])
    check = run()
    peak = _peak()
    gc.collect()
    after = _rss()
    return {"peak": peak - base, "after": after - base, "check": check,
            "peak_exact": exact or peak > peak_before}


def measure_growth(adapter, data, spec):
    """RSS and the number of objects the garbage collector tracks after two step counts of MLP training."""
    marks = spec["growth_steps"]
    run = adapter.mlp_step(data)
    out = {}
    for step in range(1, marks[-1] + 1):
        loss = run()
        if step in marks:
            gc.collect()
            out[str(step)] = {"rss": _rss(), "objects": len(gc.get_objects()), "loss": loss}
    return out


def _thread_pools():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return threadpool_info()


def main(spec):
    adapter = systems.load(spec["system"])
    adapter.setup(spec["threads"])
    data = dict(np.load(spec["data"]))
    workload = spec["workload"]
    out = {"version": adapter.VERSION}
    if workload == "memory":
        out.update(measure_memory(adapter, data, spec))
    elif workload == "growth":
        out["growth"] = measure_growth(adapter, data, spec)
    else:
        s = workloads.sizes(spec["quick"])
        if workload == "op_chain":
            run = adapter.op_chain(data["chain_v"], s["chain_turns"])
        elif workload == "matmul":
            run = adapter.matmul(data["mm_x"], data["mm_w"])
        else:
            run = {"mlp": adapter.mlp_step, "conv": adapter.conv_step}[workload](data)
        for _ in range(workloads.CHECK_CALLS[workload]):
            check = run()
        out["times"] = time_blocks(run, spec["blocks"], spec["block_s"])
        out["median"] = statistics.median(out["times"])
        out["check"] = check
    out["pools"] = _thread_pools()
    if hasattr(adapter, "blas"):
        out["own_blas"] = adapter.blas()
    print(json.dumps(out))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
