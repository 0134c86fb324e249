"""DistributedSampler: each of `num_replicas` processes visits its own share of a map-style dataset.

    >>> from glassgrad.utils.data.distributed import DistributedSampler
    >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
    [1, 3, 0]
"""
import math

from ... import Generator, randperm
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _from_process_group(query):
    """The world size or rank of the default process group, as PyTorch reads them when not given."""
    try:
        from ... import distributed as dist
        available = dist.is_available()
    except (ImportError, AttributeError):  # NOTE: a build of glassgrad without torch.distributed
        available = False
    if not available:
        raise RuntimeError("Requires distributed package to be available")
    return getattr(dist, query)()


class DistributedSampler(Sampler):
    """Restricts loading to this process's share: the (optionally shuffled) indices, padded by repeating them
    from the start (or cut, with `drop_last`) to a multiple of `num_replicas`, then every `num_replicas`-th
    index from `rank`. Shuffling draws a permutation from a generator seeded with `seed + epoch`, so every
    process computes the same permutation; call `set_epoch` before each epoch to reshuffle.

    Args:
        dataset (Dataset): the dataset (its length is read once, here).
        num_replicas (int, optional): the number of processes. Default: the default process group's world size.
        rank (int, optional): this process's rank. Default: the default process group's rank.
        shuffle (bool): shuffle the indices. Default: True
        seed (int): the shuffling seed, the same in every process. Default: 0
        drop_last (bool): cut the tail instead of padding. Default: False
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = _from_process_group("get_world_size")
        if rank is None:
            rank = _from_process_group("get_rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # the largest share every process can fill without padding
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            padding = self.total_size - len(indices)
            # NOTE: repeated whole when the padding is longer than the dataset (many replicas, few samples)
            indices += (indices * math.ceil(padding / len(indices)))[:padding] if padding > len(indices) \
                else indices[:padding]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match total_size ({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not match num_samples "
                                 f"({self.num_samples})")
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch, which (with `seed`) decides the next pass's permutation."""
        self.epoch = epoch
