"""torch.multiprocessing.spawn: runs fn(i, *args) in `nprocs` new processes and raises in the parent when one of
them fails, as PyTorch's does.

NOTE: under `glassgrad run` (the torch import hook), a "spawn" or "forkserver" child would start a fresh
interpreter where `import torch` is not glassgrad; there the children are forked instead, so they inherit the
hook. Single-process jobs (nprocs=1, the ones glassgrad's torch.distributed supports) are the case that matters.
"""
import multiprocessing
import sys
import traceback

__all__ = ["spawn", "start_processes", "ProcessContext", "ProcessException", "ProcessRaisedException",
           "ProcessExitedException"]


class ProcessException(Exception):
    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised an exception: the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code (or was killed by a signal)."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, errors):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:  # noqa: BLE001 - handed to the parent, which raises it
        errors.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    def __init__(self, processes, error_queues):
        self.processes = processes
        self.error_queues = error_queues

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None):
        """True once every process has exited cleanly; raises for the first that failed."""
        for p in self.processes:
            p.join(timeout)
        if any(p.exitcode is None for p in self.processes):
            return False
        for i, (p, q) in enumerate(zip(self.processes, self.error_queues)):
            if p.exitcode == 0:
                continue
            if not q.empty():
                raise ProcessRaisedException(f"\n\n-- Process {i} terminated with the following error:\n{q.get()}",
                                             i, p.pid)
            if p.exitcode < 0:
                import signal
                name = signal.Signals(-p.exitcode).name
                raise ProcessExitedException(f"process {i} terminated with signal {name}", i, p.pid, p.exitcode,
                                             name)
            raise ProcessExitedException(f"process {i} terminated with exit code {p.exitcode}", i, p.pid,
                                         p.exitcode)
        return True


def _start_method(requested):
    from .. import torch_compat
    if torch_compat.is_installed() and requested in ("spawn", "forkserver") and sys.platform != "win32":
        return "fork"
    return requested


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    ctx = multiprocessing.get_context(_start_method(start_method))
    processes, queues = [], []
    for i in range(nprocs):
        q = ctx.SimpleQueue()
        p = ctx.Process(target=_wrap, args=(fn, i, args, q), daemon=daemon)
        p.start()
        processes.append(p)
        queues.append(q)
    context = ProcessContext(processes, queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Runs fn(i, *args) for i in range(nprocs), each in a new process; waits for them when `join`."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
