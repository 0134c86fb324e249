"""Samplers, random_split and DistributedSampler against torch.utils.data, random draws included.

glassgrad's generators reproduce PyTorch's streams, and the samplers make PyTorch's calls (which generator,
which function, which dtype, in which order), so every program here ends by drawing `rand(3)` from the default
generator: equal values mean the samplers left it exactly where PyTorch's leave it."""
import warnings

import pytest

from difftools import assert_same, torch
import glassgrad
import glassgrad.utils.data as gdata


def data(mod):
    return mod.utils.data


def _then_rand(mod, out):
    """`out` followed by three draws from the default generator."""
    return [out, mod.rand(3)]


# ---- RandomSampler -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {}, {"num_samples": 10}, {"num_samples": 3}, {"replacement": True}, {"replacement": True, "num_samples": 70},
    {"replacement": True, "num_samples": 32}, {"replacement": True, "num_samples": 5},
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
@pytest.mark.parametrize("seeded", [False, True], ids=["default_generator", "own_generator"])
def test_random_sampler_draws_match_torch(kwargs, seeded):
    def program(mod):
        mod.manual_seed(7)
        gen = mod.Generator().manual_seed(3) if seeded else None
        sampler = data(mod).RandomSampler(range(7), generator=gen, **kwargs)
        epochs = [list(sampler), list(sampler)]  # a new order every pass
        return _then_rand(mod, [epochs, len(sampler)])
    assert_same(program)


def test_random_sampler_seed_is_drawn_at_the_first_index():
    # PyTorch's __iter__ is a generator: the private generator's seed is drawn by the first next(), not by iter()
    def program(mod):
        mod.manual_seed(0)
        it = iter(data(mod).RandomSampler(range(5)))
        before = mod.rand(1)
        return _then_rand(mod, [before, list(it)])
    assert_same(program)


def test_random_sampler_follows_a_growing_dataset():
    def program(mod):
        mod.manual_seed(1)
        source = list(range(3))
        sampler = data(mod).RandomSampler(source)
        first = list(sampler)
        source.extend([3, 4])
        return _then_rand(mod, [first, list(sampler), len(sampler)])
    assert_same(program)


@pytest.mark.parametrize("kwargs", [dict(num_samples=0), dict(num_samples=2.0), dict(replacement=1),
                                    dict(num_samples=-1)])
def test_random_sampler_errors_match_torch(kwargs):
    assert_same(lambda mod: data(mod).RandomSampler(range(3), **kwargs))
    assert_same(lambda mod: data(mod).RandomSampler(range(0)))


# ---- SubsetRandomSampler, WeightedRandomSampler ----------------------------------------------------------------
@pytest.mark.parametrize("seeded", [False, True])
def test_subset_random_sampler_matches_torch(seeded):
    def program(mod):
        mod.manual_seed(2)
        gen = mod.Generator().manual_seed(11) if seeded else None
        sampler = data(mod).SubsetRandomSampler([10, 20, 30, 40, 50], generator=gen)
        return _then_rand(mod, [list(sampler), list(sampler), len(sampler)])
    assert_same(program)


@pytest.mark.parametrize("weights,num_samples,replacement", [
    ([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, True),
    ([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, False),
    ([0.0, 1.0, 3.0], 40, True),
    ([1, 2, 3], 1, True),
    ([0.0, 2.0, 0.0], 2, False),
])
@pytest.mark.parametrize("seeded", [False, True])
def test_weighted_random_sampler_matches_torch(weights, num_samples, replacement, seeded):
    def program(mod):
        mod.manual_seed(4)
        gen = mod.Generator().manual_seed(9) if seeded else None
        sampler = data(mod).WeightedRandomSampler(weights, num_samples, replacement=replacement, generator=gen)
        return _then_rand(mod, [list(sampler), list(sampler), len(sampler), sampler.weights])
    assert_same(program)


@pytest.mark.parametrize("args", [([1., -1.], 1, True), ([0., 0.], 1, True), ([1., 2.], 3, False),
                                  ([float("nan"), 1.], 1, True), ([[1.]], 1, True), ([1.], 0, True),
                                  ([1.], 1, 1), ([1.], True, True)])
def test_weighted_random_sampler_errors_match_torch(args):
    assert_same(lambda mod: list(data(mod).WeightedRandomSampler(*args)))


# ---- BatchSampler --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_over_a_random_sampler_matches_torch(drop_last):
    def program(mod):
        mod.manual_seed(5)
        bs = data(mod).BatchSampler(data(mod).RandomSampler(range(10)), 3, drop_last)
        return _then_rand(mod, [list(bs), list(bs), len(bs)])
    assert_same(program)


@pytest.mark.parametrize("args", [(range(3), 0, False), (range(3), 2.0, False), (range(3), True, False),
                                  (range(3), 2, None)])
def test_batch_sampler_errors_match_torch(args):
    assert_same(lambda mod: data(mod).BatchSampler(*args))


def test_sampler_base_class():
    assert_same(lambda mod: iter(data(mod).Sampler()))
    assert_same(lambda mod: hasattr(data(mod).Sampler(), "__len__"))

    class Evens(gdata.Sampler):
        def __iter__(self):
            return iter(range(0, 6, 2))
    assert list(gdata.BatchSampler(Evens(), 2, False)) == [[0, 2], [4]]


# ---- random_split ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0.3, 0.7]), (11, [0.25] * 4), (30, [0.3, 0.3, 0.4]),
                                       (3, [0.5, 0.5, 0.0])])
@pytest.mark.parametrize("seeded", [False, True])
def test_random_split_matches_torch(n, lengths, seeded):
    def program(mod):
        mod.manual_seed(6)
        kw = {"generator": mod.Generator().manual_seed(42)} if seeded else {}
        parts = data(mod).random_split(range(n), lengths, **kw)
        return _then_rand(mod, [[list(p) for p in parts], [type(p).__name__ for p in parts]])
    assert_same(program)


@pytest.mark.parametrize("lengths", [[3, 3], [1.5, -0.5], [0.5, 0.6], [11]])
def test_random_split_errors_match_torch(lengths):
    assert_same(lambda mod: data(mod).random_split(range(10), lengths))


def test_random_split_default_generator_is_torch_default_generator():
    import inspect
    default = inspect.signature(gdata.random_split).parameters["generator"].default
    assert default is glassgrad.default_generator


# ---- DataLoader's draws ------------------------------------------------------------------------------------
def _table(mod, n=10):
    return data(mod).TensorDataset(mod.arange(n))


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("seeded", [False, True])
def test_loader_draws_match_torch(shuffle, seeded):
    # every pass draws the workers' base seed from the loader's generator (or the default one), shuffled or not
    def program(mod):
        mod.manual_seed(8)
        gen = mod.Generator().manual_seed(13) if seeded else None
        loader = data(mod).DataLoader(_table(mod), batch_size=4, shuffle=shuffle, generator=gen)
        epochs = [[b[0] for b in loader] for _ in range(2)]
        return _then_rand(mod, [epochs, None if gen is None else gen.initial_seed(),
                                None if gen is None else mod.rand(2, generator=gen)])
    assert_same(program)


def test_loader_iterator_draws_its_base_seed_at_creation():
    def program(mod):
        mod.manual_seed(9)
        loader = data(mod).DataLoader(_table(mod), batch_size=3, shuffle=True)
        it = iter(loader)
        between = mod.rand(1)  # after the base seed, before the sampler's seed
        return _then_rand(mod, [between, [b[0] for b in it]])
    assert_same(program)


def test_loader_with_a_sampler_and_iterable_dataset_draws_match_torch():
    def program(mod):
        class Stream(data(mod).IterableDataset):
            def __iter__(self):
                return iter(range(5))
        mod.manual_seed(10)
        a = list(data(mod).DataLoader(Stream(), batch_size=2))
        b = list(data(mod).DataLoader(_table(mod), sampler=data(mod).RandomSampler(range(10), num_samples=4)))
        c = list(data(mod).DataLoader(_table(mod), batch_size=None, shuffle=True))
        return _then_rand(mod, [a, b, c])
    assert_same(program)


# ---- DistributedSampler ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,replicas", [(10, 3), (5, 2), (2, 5), (6, 3), (0, 2)])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_matches_torch(n, replicas, shuffle, drop_last):
    def program(mod):
        mod.manual_seed(0)
        out = []
        for rank in range(replicas):
            s = data(mod).DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=5,
                                             drop_last=drop_last)
            out.append([list(s), len(s), s.num_samples, s.total_size])
            s.set_epoch(3)
            out.append([list(s), s.epoch])
        return _then_rand(mod, out)  # its own generators only: the default one is untouched
    assert_same(program)


def test_distributed_sampler_in_a_loader_matches_torch():
    def program(mod):
        mod.manual_seed(1)
        sampler = data(mod).DistributedSampler(_table(mod, 11), num_replicas=2, rank=1)
        loader = data(mod).DataLoader(_table(mod, 11), batch_size=2, sampler=sampler)
        out = []
        for epoch in range(2):
            sampler.set_epoch(epoch)
            out.append([b[0] for b in loader])
        return _then_rand(mod, [out, len(loader)])
    assert_same(program)


@pytest.mark.parametrize("kwargs", [dict(num_replicas=2, rank=2), dict(num_replicas=2, rank=-1),
                                    dict(num_replicas=2), dict(rank=0), dict()])
def test_distributed_sampler_errors_match_torch(kwargs):
    # without num_replicas/rank they come from the default process group, which is not initialised here
    assert_same(lambda mod: data(mod).DistributedSampler(range(4), **kwargs))


def test_distributed_sampler_reads_a_world_of_one(tmp_path):
    def program(mod):
        dist = mod.distributed
        dist.init_process_group("gloo", init_method=f"file://{tmp_path}/{mod.__name__}", rank=0, world_size=1)
        try:
            s = data(mod).DistributedSampler(range(5), shuffle=False)
            return [s.num_replicas, s.rank, list(s)]
        finally:
            dist.destroy_process_group()
    assert_same(program)


def test_distributed_sampler_module_and_names():
    from glassgrad.utils.data.distributed import DistributedSampler
    assert DistributedSampler is gdata.DistributedSampler
    assert issubclass(DistributedSampler, gdata.Sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert set(torch.utils.data.distributed.__all__) == {"DistributedSampler"}
