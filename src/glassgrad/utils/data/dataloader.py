"""DataLoader, with PyTorch's options, checks, batching rules, random draws and worker semantics.

    >>> import glassgrad as torch
    >>> from glassgrad.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(torch.arange(5.), torch.arange(5))
    >>> for x, y in DataLoader(ds, batch_size=2):
    ...     print(x, y)
    tensor([0., 1.]) tensor([0, 1])
    tensor([2., 3.]) tensor([2, 3])
    tensor([4.]) tensor([4])

Every pass (every `iter(loader)`) draws one int64 `base_seed` from `generator` (the default generator when None),
as PyTorch does even without workers, so a seeded program's later random numbers stay PyTorch's. With
`num_workers > 0`, worker `i` is seeded from `base_seed + i` and batches come back in the sampler's order.
Workers are forked processes where the start method is 'fork' (Linux's default); elsewhere they run in the main
process, one after the other, with the same seeds, the same private dataset copies and the same results.
"""
import itertools
import math
import multiprocessing
import os
import sys
import warnings

from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _draw_seed
from ._utils import pool as _pool
from ._utils import worker as _worker
from ._utils.collate import collate, default_collate, default_collate_fn_map, default_convert
from ._utils.fetch import _IterableDatasetFetcher, _MapDatasetFetcher
from ._utils.worker import get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "collate", "default_collate_fn_map",
           "get_worker_info"]


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        fetcher = _MapDatasetFetcher if kind == _DatasetKind.Map else _IterableDatasetFetcher
        return fetcher(dataset, auto_collation, collate_fn, drop_last)


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: None forever."""

    def __iter__(self):
        while True:
            yield None


def _accelerator_available():
    # NOTE: with an accelerator, pinning is accepted silently (glassgrad's host arrays need no pinning)
    try:
        from ... import accelerator
    except ImportError:
        return False
    return accelerator.is_available()


def _cpu_count():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))  # respects taskset and cgroups
    return os.cpu_count()


# ---- iterators ----------------------------------------------------------------------------------
class _BaseDataLoaderIter:
    """One pass over a DataLoader (reused across passes by persistent workers)."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn(f"pin_memory_device is deprecated, the current accelerator will be used as the device,"
                          f"ignore pin_memory_device='{loader.pin_memory_device}'.", stacklevel=3)
        if loader.pin_memory and not _accelerator_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # NOTE: drawn after iter(sampler) (lazy: a RandomSampler draws its own seed at the first batch)
        self._base_seed = _draw_seed(loader.generator)
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._IterableDataset_len_called}"
                   f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError("{} cannot be pickled", type(self).__name__)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._dataset_fetcher = _DatasetKind.create_fetcher(self._dataset_kind, self._dataset, self._auto_collation,
                                                            self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()  # StopIteration ends the pass
        return self._dataset_fetcher.fetch(index)  # so does an exhausted IterableDataset


def _forking_is_safe(context):
    # NOTE: only a forked worker shares the main process's state for free; a spawned one would need a picklable
    # dataset and a re-import of the user's script. CUDA (CuPy) does not survive a fork.
    method = context.get_start_method() if context is not multiprocessing else multiprocessing.get_start_method()
    return method == "fork" and hasattr(os, "fork") and "cupy" not in sys.modules


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Loading by `num_workers` workers: up to prefetch_factor * num_workers tasks (an index, or a batch of
    indices) are out at once, handed to the workers in turn; answers are returned in task order (in_order) or
    as they come. With an IterableDataset, a worker whose copy runs out gets no more tasks."""

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        kind, auto, collate_fn, drop_last = self._dataset_kind, self._auto_collation, self._collate_fn, self._drop_last

        def make_fetcher(dataset):
            return _DatasetKind.create_fetcher(kind, dataset, auto, collate_fn, drop_last)
        spec = _worker._WorkerSpec(self._dataset, make_fetcher, kind == _DatasetKind.Iterable, self._base_seed,
                                   loader.worker_init_fn, self._num_workers)
        context = loader.multiprocessing_context or multiprocessing
        self._pool = _pool._ProcessPool(spec, context) if _forking_is_safe(context) else _pool._InProcessPool(spec)
        self._shutdown = False
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0  # the next task's id
        self._rcvd_idx = 0  # the id of the next task to return
        self._task_info = {}  # task id -> (worker id,), then (worker id, answer) once answered out of order
        self._workers_status = [True] * self._num_workers  # False once a worker's IterableDataset ran out
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            self._pool.resume(self._timeout)
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker (with room for a task when out of order)
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id] and (
                    self._in_order or self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status)):
                break
        else:
            return  # NOTE: no worker left: the index is dropped, as PyTorch drops it
        self._pool.send(worker_id, self._send_idx, index)
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._send_idx += 1

    def _next_data(self):
        while True:
            # skip the tasks that will not be answered: those sent to a worker whose dataset had run out
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info and (len(info) == 2 or self._workers_status[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:  # answered earlier, out of order
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process_data(*info)
            task_id, data = self._pool.receive(self._timeout)
            if isinstance(data, _worker._IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                if not self._persistent_workers:
                    self._pool.stop_worker(data.worker_id)
                self._try_put_index()
                continue
            if task_id == self._rcvd_idx or not self._in_order:
                worker_id = self._task_info.pop(task_id)[0]
                if task_id == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process_data(worker_id, data)
            self._task_info[task_id] += (data,)

    def _process_data(self, worker_id, data):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self):
        if not self._shutdown:
            self._shutdown = True
            self._pool.shutdown()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:  # noqa: BLE001 - at interpreter exit the queues may already be gone
            pass


# ---- DataLoader ---------------------------------------------------------------------------------
class DataLoader:
    """Iterates over a dataset in batches.

    Args:
        dataset (Dataset): map-style or iterable-style.
        batch_size (int, optional): samples per batch; None turns automatic batching off. Default: 1
        shuffle (bool, optional): reshuffle every epoch (a RandomSampler over `generator`). Default: False
        sampler (Sampler or Iterable, optional): the indices to visit; excludes `shuffle`.
        batch_sampler (Sampler or Iterable, optional): lists of indices; excludes batch_size, shuffle, sampler,
            drop_last.
        num_workers (int): worker processes (0: load in the main process). Default: 0
        collate_fn (Callable, optional): merges samples into a batch. Default: default_collate (default_convert
            without automatic batching).
        pin_memory (bool): accepted; there is no accelerator, so it only warns, as PyTorch does on a CPU.
        drop_last (bool): drop the last, incomplete batch. Default: False
        timeout (float): with workers, seconds to wait for a batch before raising (0: forever). Default: 0
        worker_init_fn (Callable, optional): called with the worker id in each worker, after seeding.
        multiprocessing_context (str or context, optional): the start method; glassgrad forks only with 'fork',
            and otherwise runs the workers in the main process.
        generator (Generator, optional): the source of the shuffling and of the workers' base seed.
        prefetch_factor (int, optional): tasks kept out per worker. Default: 2 with workers
        persistent_workers (bool): keep the workers (and their state) from one epoch to the next. Default: False
        in_order (bool): return batches in the sampler's order. Default: True
    """

    _initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > "
                             "0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called = None
        self._iterator = None
        self._initialized = True
        self.check_worker_number_rationality()

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context):
        if multiprocessing_context is not None:
            if self.num_workers == 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(multiprocessing_context, str):
                valid_start_methods = multiprocessing.get_all_start_methods()
                if multiprocessing_context not in valid_start_methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{valid_start_methods!r}, but got multiprocessing_context="
                                     f"{multiprocessing_context!r}")
                multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
            if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context="
                                f"{multiprocessing_context}")
        self._multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr, val):
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                          "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    def __iter__(self):
        # NOTE: persistent workers live in the one iterator the loader keeps, reset at every pass
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            # NOTE: with workers each one iterates its own copy, so this may undercount; the iterator warns when
            # more batches come than were reported here
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        """Warns when more workers are asked for than this process may use CPUs."""
        if not self.num_workers:
            return
        suggested = _cpu_count()
        if suggested is not None and self.num_workers <= suggested:
            return
        if suggested is None:
            advice = "DataLoader is not able to compute a suggested max number of worker in current system."
        else:
            cpuset = "" if hasattr(os, "sched_getaffinity") else " (`cpuset` is not taken into account)"
            advice = (f"Our suggested max number of worker in current system is {suggested}{cpuset}, which is "
                      f"smaller than what this DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {advice} Please be "
                      "aware that excessive worker creation might get DataLoader running slow or even freeze, lower "
                      "the worker number to avoid potential slowness/freeze if necessary.", stacklevel=2)
