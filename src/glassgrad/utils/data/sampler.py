"""Samplers: the order in which a DataLoader visits a map-style dataset, with PyTorch's names and checks.

The random samplers make PyTorch's draws, with the same calls in the same order on the same generators, so a
seeded program visits its data in PyTorch's order and leaves the generators where PyTorch leaves them.

    >>> from glassgrad.utils.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6]]
"""
import itertools
from typing import Generic, TypeVar

from ... import Generator, as_tensor, empty, float64, int64, multinomial, randint, randperm

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]

_T_co = TypeVar("_T_co", covariant=True)


def _draw_seed(generator=None):
    """One int64 draw, as PyTorch seeds a private generator or a DataLoader's workers:
    `torch.empty((), dtype=torch.int64).random_(generator=...).item()`."""
    return empty((), dtype=int64).random_(generator=generator).item()


class Sampler(Generic[_T_co]):
    """Base class: subclasses define `__iter__` over indices (or lists of indices), and usually `__len__`."""

    def __iter__(self):
        raise NotImplementedError

    # NOTE: no default __len__ (PyTorch's reasoning: `list(sampler)` must be able to fall back to iteration).


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices (repeated when `num_samples` exceeds the length), or, with
    `replacement=True`, `num_samples` independent uniform draws.

    Args:
        data_source (Sized): the dataset.
        replacement (bool): draw with replacement. Default: False
        num_samples (int): how many indices to yield. Default: len(data_source)
        generator (Generator): the random source. Default: a fresh one seeded from the global generator.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        # the dataset's size may change at run time
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if self.generator is None:
            # NOTE: like PyTorch, an unseeded sampler seeds a private generator from the default one, once per
            # pass (at the first index drawn), so `manual_seed(s)` makes every epoch's order reproducible
            generator = Generator()
            generator.manual_seed(int(_draw_seed()))
        else:
            generator = self.generator
        if self.replacement:
            # drawn in chunks of 32, as PyTorch draws them: the chunking decides which numbers come out
            for _ in range(self.num_samples // 32):
                yield from randint(high=n, size=(32,), dtype=int64, generator=generator).tolist()
            yield from randint(high=n, size=(self.num_samples % 32,), dtype=int64, generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=generator).tolist()
            yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (without replacement)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices into `weights`, drawn with probabilities proportional to the weights.

    Args:
        weights (sequence): non-negative weights, not necessarily summing to one.
        num_samples (int): how many indices to draw.
        replacement (bool): draw with replacement (without it an index is drawn at most once). Default: True
        generator (Generator): the random source. Default: the global generator.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights_tensor = as_tensor(weights, dtype=float64)
        if len(weights_tensor.shape) != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights_tensor.shape)}")
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of `batch_size` (the last one shorter unless `drop_last`).

    Args:
        sampler (Sampler or Iterable): the indices.
        batch_size (int): the size of a batch.
        drop_last (bool): drop the last batch when it is shorter than `batch_size`.
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        if self.drop_last:
            yield from (list(b) for b in zip(*[it] * self.batch_size))
        else:
            batch = list(itertools.islice(it, self.batch_size))
            while batch:
                yield batch
                batch = list(itertools.islice(it, self.batch_size))

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
