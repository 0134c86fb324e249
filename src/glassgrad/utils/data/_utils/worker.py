"""The worker side of multi-worker loading: what a worker knows about itself (get_worker_info), how it is seeded,
what it does with a task (_WorkerState, shared by worker processes and in-process workers) and the loop a worker
process runs.

Seeding is PyTorch's: the main process draws one `base_seed` per iterator; worker `i` seeds glassgrad's default
generator and Python's `random` with `base_seed + i`, and NumPy's global generator with four 32-bit words
derived from (i, base_seed) by NumPy's own SeedSequence hash, the words PyTorch derives.
"""
import io
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass

from .... import _dtype as D
from .... import default_generator, manual_seed
from ....ops.creation import _leaf
from ....tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

# NOTE: how often an idle worker looks at its parent and the done event (PyTorch's: MP_STATUS_CHECK_INTERVAL)
_POLL_INTERVAL = 0.1


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """About the current DataLoader worker: its id (0 to num_workers - 1), the number of workers, the seed it
    was given and its own copy of the dataset."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    """The WorkerInfo of the worker this runs in, or None in the main process. Typical use: in
    `worker_init_fn` or `IterableDataset.__iter__`, give each worker its own shard of the data."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's answer once its copy of an IterableDataset is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Tells a persistent worker that a new pass begins (it makes a new fetcher); it answers with the same."""
    seed: object = None


class _KeyErrorMessage(str):
    # NOTE: KeyError shows repr(message); a str whose repr is itself keeps the traceback readable
    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process and raised there again with the worker's
    traceback in its message (its class is kept where it can be rebuilt from a message)."""

    def __init__(self, exc_info=None, where="in background"):
        exc_info = exc_info if exc_info is not None else sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_name = exc_info[0].__name__
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # noqa: BLE001 - a class that cannot be made from a message, or none at all
            raise RuntimeError(msg) from None
        raise exception


# ---- seeding ------------------------------------------------------------------------------------------------
def _numpy_seed(base_seed, worker_id):
    """The four 32-bit words PyTorch seeds NumPy with in a worker: NumPy's SeedSequence mixing of
    (worker_id, low and high halves of base_seed, 0), so that workers get unrelated NumPy streams."""
    import numpy as np
    words = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(words).generate_state(4).tolist()


def _seed_worker(base_seed, worker_id):
    """Seeds glassgrad's, Python's and NumPy's global generators for worker `worker_id`; returns its seed."""
    import numpy as np
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    return seed


class _RandomStates:
    """The global random states a worker owns: glassgrad's default generator, Python's and NumPy's."""
    __slots__ = ("torch", "python", "numpy")

    @classmethod
    def capture(cls):
        import numpy as np
        self = cls()
        self.torch, self.python, self.numpy = default_generator.get_state(), random.getstate(), np.random.get_state()
        return self

    def restore(self):
        import numpy as np
        default_generator.set_state(self.torch)
        random.setstate(self.python)
        np.random.set_state(self.numpy)


# ---- what a worker needs ------------------------------------------------------------------------------------
class _WorkerSpec:
    """Everything a worker is given: the dataset, how to fetch and collate, its seed's base and init function."""
    __slots__ = ("dataset", "make_fetcher", "is_iterable", "base_seed", "init_fn", "num_workers")

    def __init__(self, dataset, make_fetcher, is_iterable, base_seed, init_fn, num_workers):
        self.dataset = dataset
        self.make_fetcher = make_fetcher  # make_fetcher(dataset) -> a fetcher over that copy of the dataset
        self.is_iterable = is_iterable
        self.base_seed = base_seed
        self.init_fn = init_fn
        self.num_workers = num_workers


class _WorkerState:
    """One worker's progress: its fetcher, an error from its start-up (answered to its first task) and whether
    its IterableDataset copy is exhausted for this pass."""

    def __init__(self, spec, worker_id, dataset):
        self.spec, self.id, self.dataset = spec, worker_id, dataset
        self.fetcher, self.pending_error, self.ended = None, None, False
        try:
            if spec.init_fn is not None:
                spec.init_fn(worker_id)
            self.fetcher = spec.make_fetcher(dataset)
        except Exception:  # noqa: BLE001 - reported with the first task, as PyTorch does
            self.pending_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

    def resume(self):
        self.ended = False
        try:
            self.fetcher = self.spec.make_fetcher(self.dataset)
        except Exception:  # noqa: BLE001
            self.pending_error = ExceptionWrapper(where=f"in DataLoader worker process {self.id}")

    def run(self, index):
        """The answer to one task: a batch, an ExceptionWrapper, or _IterableDatasetStopIteration (after which
        the worker answers nothing until resumed); None when it has already ended."""
        if self.ended:
            return None
        if self.pending_error is not None:
            error, self.pending_error = self.pending_error, None
            return error
        try:
            if self.fetcher is None:
                # NOTE: PyTorch's worker, whose start-up failed, answers its later tasks with this error
                raise UnboundLocalError("cannot access local variable 'fetcher' where it is not associated with a "
                                        "value")
            return self.fetcher.fetch(index)
        except StopIteration:
            if not self.spec.is_iterable:
                return ExceptionWrapper(where=f"in DataLoader worker process {self.id}")
            self.ended = True
            return _IterableDatasetStopIteration(self.id)
        except Exception:  # noqa: BLE001 - carried to the main process
            return ExceptionWrapper(where=f"in DataLoader worker process {self.id}")


# ---- worker processes ---------------------------------------------------------------------------------------
MSG_NONLEAF = ("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not support "
               "crossing process boundaries.  If you just want to transfer the data, call detach() on the tensor "
               "before serializing (e.g., putting it on the queue).")


def _rebuild_tensor(data, dtype_name, requires_grad):
    t = _leaf(data, D.to_dtype(dtype_name), requires_grad)
    # NOTE: PyTorch rebuilds a tensor from a worker by set_() onto shared memory, an in-place op: version 1
    t._vc.v = 1
    return t


class _BatchPickler(pickle.Pickler):
    """Pickles a worker's answer for the trip to the main process. glassgrad tensors refuse plain pickling
    (glassgrad.save is their format); between a worker and its parent they travel as their array and dtype."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            if obj.requires_grad and not obj.is_leaf:
                raise RuntimeError(MSG_NONLEAF)
            return _rebuild_tensor, (obj._data, obj._dtype.name, obj.requires_grad)
        return NotImplemented


def _dumps(answer, worker_id):
    buffer = io.BytesIO()
    try:
        _BatchPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(answer)
    except Exception:  # noqa: BLE001 - an answer that cannot cross the process boundary is an error there
        error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        try:
            pickle.dumps(error.exc_type)
        except Exception:  # noqa: BLE001 - a class defined in a function: reraised as RuntimeError
            error.exc_type = None
        buffer = io.BytesIO()
        _BatchPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(error)
    return buffer.getvalue()


def _loads(payload):
    return pickle.loads(payload)


def _worker_loop(spec, worker_id, index_queue, data_queue, done_event):
    """A worker process: seeds itself, runs worker_init_fn, then answers (task id, index) messages with
    (task id, pickled answer) until it is sent None or its parent dies."""
    global _worker_info
    try:
        seed = _seed_worker(spec.base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=spec.num_workers, seed=seed, dataset=spec.dataset)
        state = _WorkerState(spec, worker_id, spec.dataset)
        parent = os.getppid()
        while os.getppid() == parent:
            try:
                message = index_queue.get(timeout=_POLL_INTERVAL)
            except queue.Empty:
                # NOTE: the done event alone ends an idle worker: when the main process's iterator is garbage
                # collected, its queues may be closed before the None it sends goes out (PyTorch's workers then
                # wait to be terminated, seconds later)
                if done_event.is_set():
                    break
                continue
            if isinstance(message, _ResumeIteration):
                data_queue.put((message, None))
                state.resume()
                continue
            if message is None:
                break
            if done_event.is_set() or state.ended:
                continue  # NOTE: shutting down, or exhausted: the main process expects no answer
            task_id, index = message
            data_queue.put((task_id, _dumps(state.run(index), worker_id)))
            del message, index
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
