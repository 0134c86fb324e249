"""Fetchers: one batch (or, without automatic batching, one sample) from a dataset, given what the sampler
yielded. The main process and every worker fetch through them."""
import numpy as np

from ....ops.creation import from_numpy
from ....ops.scatter import index_select
from ..dataset import _as_tensor_rows
from .collate import default_collate

__all__ = ["_MapDatasetFetcher", "_IterableDatasetFetcher"]


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        raise NotImplementedError


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """Reads the next samples from the dataset's iterator (made here, once per pass); StopIteration at the end,
    or when the last batch is short and `drop_last`."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in possibly_batched_index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
            raise StopIteration
        return self.collate_fn(data)


class _MapDatasetFetcher(_BaseDatasetFetcher):
    """dataset[i] for each index of the batch (or dataset.__getitems__(batch) when defined), collated."""

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        if self.collate_fn is default_collate:
            batch = _tensor_rows_batch(self.dataset, possibly_batched_index)
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:
            data = getitems(possibly_batched_index)
        else:
            data = [self.dataset[i] for i in possibly_batched_index]
        return self.collate_fn(data)


def _tensor_rows_batch(dataset, index):
    """default_collate's batch of a TensorDataset (possibly under plain Subsets) by one index_select per tensor,
    or None where that shortcut could differ from collating sample by sample."""
    rows = _as_tensor_rows(dataset, index)
    if rows is None:
        return None
    tensors, idx = rows
    idx = np.asarray(idx)
    n = len(tensors[0])
    # otherwise (odd indices) the per-sample path gives PyTorch's result or IndexError
    if idx.ndim == 1 and idx.dtype.kind in "iu" and np.all((idx >= -n) & (idx < n)):
        # NOTE: equal to stacking the samples (default_collate turns their tuples into a list), but one index
        # per tensor instead of one per sample.
        idx_t = from_numpy((idx % n).astype(np.int64))
        return [index_select(t, 0, idx_t) for t in tensors]
    return None
