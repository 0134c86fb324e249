"""DataLoader and collation, with PyTorch's options, checks and batching rules. Loading always runs in the
main process: `num_workers > 0` is accepted (and validated) but loads in process, so `get_worker_info()` is
None and `worker_init_fn` is never called.

    >>> import glassgrad as torch
    >>> from glassgrad.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(torch.arange(5.), torch.arange(5))
    >>> for x, y in DataLoader(ds, batch_size=2):
    ...     print(x, y)
    tensor([0., 1.]) tensor([0, 1])
    tensor([2., 3.]) tensor([2, 3])
    tensor([4.]) tensor([4])
    >>> default_collate([{"a": 1, "b": 0.5}, {"a": 2, "b": 1.5}])
    {'a': tensor([1, 2]), 'b': tensor([0.5000, 1.5000], dtype=torch.float64)}
"""
import collections.abc
import copy
import itertools
import math
import re
import warnings

import numpy as np

from ... import _dtype as D
from ...ops.creation import as_tensor, from_numpy, tensor
from ...ops.scatter import index_select
from ...ops.shape import stack
from ...tensor import Tensor
from .dataset import IterableDataset, _as_tensor_rows
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "collate", "default_collate_fn_map",
           "get_worker_info"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")
default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                                  "dicts or lists; found {}")


def get_worker_info():
    """Always None: glassgrad loads data in the main process."""
    return None


# ---- collation ----------------------------------------------------------------------------------
def default_convert(data):
    """Turns NumPy arrays and scalars (also inside mappings and sequences) into tensors; the rest is unchanged.
    The collate_fn when automatic batching is off (`batch_size=None`)."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # NOTE: PyTorch's backwards compatibility: a list
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collates a batch by the type of its first element: `collate_fn_map` handles leaf types (exact type
    first, then the first key it is an instance of); mappings, namedtuples and sequences recurse per field."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        def field(key):
            return collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: field(key) for key in elem})
                return clone
            return elem_type({key: field(key) for key in elem})
        except TypeError:
            return {key: field(key) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]  # a list, as PyTorch
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=D.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Puts a batch of samples together, adding an outer batch dimension: tensors are stacked; NumPy arrays
    and scalars become stacked tensors; Python floats a float64 tensor, ints (and bools) an int64 (bool)
    tensor; strings and bytes stay a list; mappings collate per key, namedtuples per field, other sequences
    elementwise (a tuple gives a list)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


# ---- fetching -----------------------------------------------------------------------------------
class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: None forever."""

    def __iter__(self):
        while True:
            yield None


def _fetch_map(dataset, index, auto_collation, collate_fn):
    if not auto_collation:
        return collate_fn(dataset[index])
    if collate_fn is default_collate:
        rows = _as_tensor_rows(dataset, index)
        if rows is not None:
            tensors, idx = rows
            idx = np.asarray(idx)
            n = len(tensors[0])
            # otherwise (odd indices) the per-sample path gives PyTorch's result or IndexError
            if idx.ndim == 1 and idx.dtype.kind in "iu" and np.all((idx >= -n) & (idx < n)):
                # NOTE: equal to stacking the samples (default_collate turns their tuples into a list), but
                # one index per tensor instead of one per sample.
                idx_t = from_numpy((idx % n).astype(np.int64))
                return [index_select(t, 0, idx_t) for t in tensors]
    getitems = getattr(dataset, "__getitems__", None)
    if getitems:
        data = getitems(index)
    else:
        data = [dataset[i] for i in index]
    return collate_fn(data)


class _DataLoaderIter:
    """One pass over a DataLoader, in the main process."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._len_called = loader._IterableDataset_len_called
        self._num_yielded = 0
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn(f"pin_memory_device is deprecated, the current accelerator will be used as the device,"
                          f"ignore pin_memory_device='{loader.pin_memory_device}'.", stacklevel=3)
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        self._sampler_iter = iter(self._index_sampler)
        self._dataset_iter = iter(self._dataset) if self._iterable else None
        self._ended = False

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._index_sampler)

    def _next_data(self):
        index = next(self._sampler_iter)
        if not self._iterable:
            return _fetch_map(self._dataset, index, self._auto_collation, self._collate_fn)
        if self._ended:
            raise StopIteration
        if not self._auto_collation:
            return self._collate_fn(next(self._dataset_iter))
        data = list(itertools.islice(self._dataset_iter, len(index)))
        if len(data) < len(index):
            self._ended = True
        if len(data) == 0 or (self._drop_last and len(data) < len(index)):
            raise StopIteration
        return self._collate_fn(data)

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if self._iterable and self._len_called is not None and self._num_yielded > self._len_called:
            warnings.warn(f"Length of IterableDataset {self._dataset} was reported to be {self._len_called}"
                          f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ",
                          stacklevel=2)
        return data


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
        num_workers (int): accepted for compatibility; glassgrad always loads in the main process.
        collate_fn (Callable, optional): merges samples into a batch. Default: default_collate (default_convert
            without automatic batching).
        pin_memory (bool): accepted; there is no accelerator, so it only warns, as PyTorch does on a CPU.
        drop_last (bool): drop the last, incomplete batch. Default: False
        timeout, worker_init_fn, multiprocessing_context, prefetch_factor, persistent_workers, in_order: validated
            as PyTorch validates them, otherwise unused (no worker processes).
        generator (Generator, optional): the random source of `shuffle=True`.
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
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
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
            if self._is_iterable:
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
        self._initialized = True

    def __setattr__(self, attr, val):
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                          "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        return _DataLoaderIter(self)

    def __len__(self):
        if self._is_iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)
