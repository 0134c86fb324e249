"""The main process's side of multi-worker loading: a pool of workers that takes tasks (task id, index) for a
given worker and gives back answers (task id, batch or error). Two pools give the same answers:

- `_ProcessPool`: forked worker processes, as PyTorch's, where forking is safe (Linux's default start method);
- `_InProcessPool`: elsewhere, workers that run in the main process, each with its own copy of the dataset and
  its own random states, swapped in around everything it runs. It answers tasks in the order they were sent,
  pickled and unpickled as a process's answers are.

The DataLoader's iterator decides which worker gets which task and in which order answers are returned; a pool
only carries them.
"""
import collections
import copy
import os
import queue
import time

from . import MP_STATUS_CHECK_INTERVAL
from . import worker as W

__all__ = []

# NOTE: waiting for a batch, the main process looks at its workers this often, so that a dead worker is reported
# at once (PyTorch learns it from SIGCHLD); an idle poll costs microseconds
_POLL_INTERVAL = 0.1


class _ProcessPool:
    """`num_workers` daemon processes (PyTorch's design: one index queue per worker, one shared result queue,
    a done event for shutdown)."""

    def __init__(self, spec, context):
        self._results = context.Queue()
        self._done = context.Event()
        self._queues, self._workers = [], []
        for worker_id in range(spec.num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()  # NOTE: never block the main process's exit on unread tasks
            process = context.Process(target=W._worker_loop,
                                      args=(spec, worker_id, index_queue, self._results, self._done), daemon=True)
            process.start()
            self._queues.append(index_queue)
            self._workers.append(process)
        self._owner = os.getpid()
        self._stopped = set()  # workers told to exit (their IterableDataset ran out): not dead when gone
        self._closed = False

    def send(self, worker_id, task_id, index):
        self._queues[worker_id].put((task_id, index))

    def receive(self, timeout):
        """The next answer from any worker: (task id, answer). Raises RuntimeError when `timeout` (> 0) passes
        without one, or when a worker died."""
        deadline = time.monotonic() + timeout if timeout > 0 else None
        while True:
            wait = _POLL_INTERVAL if deadline is None else max(0.0, min(_POLL_INTERVAL, deadline - time.monotonic()))
            try:
                task_id, payload = self._results.get(timeout=wait)
            except queue.Empty:
                dead = [w for i, w in enumerate(self._workers) if i not in self._stopped and not w.is_alive()]
                if dead:
                    pids = ", ".join(str(w.pid) for w in dead)
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
                continue
            return task_id, (W._loads(payload) if isinstance(payload, bytes) else payload)

    def resume(self, timeout):
        """Starts a new pass in every (persistent) worker; answers to the last pass's tasks are dropped."""
        for q in self._queues:
            q.put(W._ResumeIteration())
        pending = len(self._queues)
        while pending:
            task_id, _ = self.receive(timeout)
            if isinstance(task_id, W._ResumeIteration):
                pending -= 1

    def stop_worker(self, worker_id):
        self._stopped.add(worker_id)
        self._queues[worker_id].put(None)

    def shutdown(self):
        # NOTE: a forked child may garbage-collect a copy of this pool: only the process that made it shuts it down
        if self._closed or os.getpid() != self._owner:
            return
        self._closed = True
        try:
            self._done.set()
            for q in self._queues:
                q.put(None)
            for w in self._workers:
                w.join(timeout=MP_STATUS_CHECK_INTERVAL)
            for q in self._queues:
                q.cancel_join_thread()
                q.close()
            self._results.cancel_join_thread()
            self._results.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=MP_STATUS_CHECK_INTERVAL)


class _InProcessWorker:
    """A worker living in the main process: its dataset copy, its WorkerInfo, its random states."""

    def __init__(self, spec, worker_id):
        dataset = _private_copy(spec.dataset)
        main_states, main_info = W._RandomStates.capture(), W._worker_info
        try:
            seed = W._seed_worker(spec.base_seed, worker_id)
            self.info = W.WorkerInfo(id=worker_id, num_workers=spec.num_workers, seed=seed, dataset=dataset)
            W._worker_info = self.info
            self.state = W._WorkerState(spec, worker_id, dataset)
            self.states = W._RandomStates.capture()
        finally:
            main_states.restore()
            W._worker_info = main_info

    def call(self, fn, *args):
        """fn(*args) as this worker: its random states and WorkerInfo in place, the main process's restored."""
        main_states, main_info = W._RandomStates.capture(), W._worker_info
        self.states.restore()
        W._worker_info = self.info
        try:
            return fn(*args)
        finally:
            self.states = W._RandomStates.capture()
            main_states.restore()
            W._worker_info = main_info


def _private_copy(dataset):
    # NOTE: a worker process has its own copy of the dataset (worker_init_fn and IterableDataset.__iter__ often
    # change it to select a shard); a deep copy is what a spawned worker would unpickle. A dataset that cannot
    # be deep-copied is shallow-copied: attributes set on it stay private, mutated contents do not.
    try:
        return copy.deepcopy(dataset)
    except Exception:  # noqa: BLE001
        return copy.copy(dataset)


class _InProcessPool:
    """Runs each task, when an answer is wanted, on its worker in the main process, in the order tasks were sent
    (the order in which PyTorch's in-order loader consumes answers), so results equal the processes'."""

    def __init__(self, spec):
        self._workers = [_InProcessWorker(spec, i) for i in range(spec.num_workers)]
        self._tasks = collections.deque()

    def send(self, worker_id, task_id, index):
        self._tasks.append((worker_id, task_id, index))

    def receive(self, timeout):
        while self._tasks:
            worker_id, task_id, index = self._tasks.popleft()
            worker = self._workers[worker_id]
            answer = worker.call(worker.state.run, index)
            if answer is not None:  # None: the worker's dataset had already run out, it does not answer
                # NOTE: through the same pickling as a process's answer: the main process gets copies (a worker's
                # tensors are not the dataset's), and what cannot cross a process boundary fails alike
                return task_id, W._loads(W._dumps(answer, worker_id))
        raise AssertionError("Invalid iterator state: no outstanding tasks when fetching next data")

    def resume(self, timeout):
        # NOTE: a persistent worker process works through the tasks queued before the resume message (their
        # answers are dropped): their side effects on its dataset copy and generators happen here too
        while self._tasks:
            worker_id, _, index = self._tasks.popleft()
            worker = self._workers[worker_id]
            worker.call(worker.state.run, index)
        for worker in self._workers:
            worker.call(worker.state.resume)

    def stop_worker(self, worker_id):
        pass

    def shutdown(self):
        self._tasks.clear()
