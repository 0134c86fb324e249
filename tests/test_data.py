"""glassgrad.utils.data against torch.utils.data: batches, collation, samplers, datasets and their errors.

Shuffled orders are checked here for determinism and for being permutations; tests/test_samplers.py compares
them (and every other random draw of the samplers and loaders) with PyTorch's, and tests/test_dataloader_workers.py
covers num_workers > 0."""
import collections
import warnings

import numpy as np
import pytest

from difftools import assert_same, fresh, torch
import glassgrad
import glassgrad.utils.data as gdata

Point = collections.namedtuple("Point", ["x", "y"])


def data(mod):
    return mod.utils.data


def _table(mod, n=7):
    x = mod.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = mod.tensor(np.arange(n) % 3)
    return data(mod).TensorDataset(x, y)


def _types(obj):
    """The container types of a batch (describe() turns tuples into lists)."""
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: _types(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_types(v) for v in obj])
    return "Tensor" if type(obj).__name__ == "Tensor" else type(obj).__name__


def _both(program):
    return program(torch), program(glassgrad)


# ---- DataLoader without randomness: equal to PyTorch ----------------------------------------------
@pytest.mark.parametrize("batch_size", [1, 3, 7, 10])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_torch(batch_size, drop_last):
    def program(mod):
        loader = data(mod).DataLoader(_table(mod), batch_size=batch_size, drop_last=drop_last)
        return [len(loader)] + list(loader)
    assert_same(program)
    t, g = _both(lambda mod: list(data(mod).DataLoader(_table(mod), batch_size=batch_size, drop_last=drop_last)))
    assert _types(t) == _types(g)


def test_default_batch_size_is_one():
    assert_same(lambda mod: list(data(mod).DataLoader(_table(mod, 3))))


def test_batches_of_subsets_and_odd_indices_match_torch():
    # negative and repeated indices through a Subset, and a sampler given as a plain list
    def program(mod):
        sub = data(mod).Subset(_table(mod), [6, 0, 3, 3, -1])
        return (list(data(mod).DataLoader(sub, batch_size=2)) +
                list(data(mod).DataLoader(_table(mod), batch_size=3, sampler=[5, -2, 0, 0])))
    assert_same(program)


def test_out_of_range_index_raises_torch_error():
    assert_same(lambda mod: list(data(mod).DataLoader(_table(mod), batch_size=2, sampler=[0, 9])))


def test_tensors_that_require_grad_are_stacked_as_torch_does():
    def program(mod):
        x = mod.tensor([[1., 2.], [3., 4.], [5., 6.]], requires_grad=True)
        (batch,) = list(data(mod).DataLoader(data(mod).TensorDataset(x), batch_size=3))
        batch[0].sum().backward()
        return batch, fresh(x.grad)
    assert_same(program)


def test_batch_sampler_and_sampler_options_match_torch():
    def program(mod):
        ds = _table(mod)
        bs = data(mod).BatchSampler(data(mod).SequentialSampler(ds), 3, drop_last=False)
        return (list(data(mod).DataLoader(ds, batch_sampler=bs)) +
                list(data(mod).DataLoader(ds, batch_sampler=[[4, 1], [0, 2, 6]])) +
                [len(data(mod).DataLoader(ds, batch_sampler=bs))])
    assert_same(program)


def test_batch_size_none_converts_samples():
    def program(mod):
        samples = [(np.array([1, 2]), 3), {"a": np.float32(2.5)}]

        class DS(data(mod).Dataset):
            def __getitem__(self, i):
                return samples[i]

            def __len__(self):
                return 2
        out = list(data(mod).DataLoader(DS(), batch_size=None))
        return out, _types(out)
    assert_same(program)


def test_custom_collate_fn_and_getitems():
    def program(mod):
        class DS(data(mod).Dataset):
            calls = []

            def __getitem__(self, i):
                raise AssertionError("the DataLoader must fetch through __getitems__")

            def __getitems__(self, idx):
                DS.calls.append(list(idx))
                return [mod.tensor(float(i)) for i in idx]

            def __len__(self):
                return 5
        out = list(data(mod).DataLoader(DS(), batch_size=2, collate_fn=lambda b: mod.stack(b).sum()))
        return out, DS.calls
    assert_same(program)


def test_loader_options_accepted_in_process():
    def program(mod):
        calls = []
        loader = data(mod).DataLoader(_table(mod, 4), batch_size=2, num_workers=0, worker_init_fn=calls.append)
        return list(loader), calls
    assert_same(program)
    # num_workers > 0: the same batches as torch's workers give
    loader = gdata.DataLoader(_table(glassgrad, 5), batch_size=2, num_workers=2, prefetch_factor=3)
    expected = list(torch.utils.data.DataLoader(_table(torch, 5), batch_size=2))
    got = list(loader)
    assert len(got) == len(expected) == 3
    for g, t in zip(got, expected):
        for gt, tt in zip(g, t):
            np.testing.assert_array_equal(gt.numpy(), tt.numpy())
    assert gdata.get_worker_info() is None


def test_pin_memory_warns_as_torch_on_cpu():
    assert_same(lambda mod: list(data(mod).DataLoader(_table(mod, 2), batch_size=2, pin_memory=True)))


@pytest.mark.parametrize("kwargs", [
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
    dict(batch_size=0),
    dict(batch_size=2, drop_last=1),
])
def test_loader_option_errors_match_torch(kwargs):
    assert_same(lambda mod: data(mod).DataLoader(_table(mod), **kwargs))


def test_attributes_frozen_after_init():
    assert_same(lambda mod: setattr(data(mod).DataLoader(_table(mod)), "batch_size", 3))
    assert_same(lambda mod: setattr(data(mod).DataLoader(_table(mod)), "drop_last", True))


# ---- iterable datasets ------------------------------------------------------------------------
def _stream(mod, n, length=None):
    class Stream(data(mod).IterableDataset):
        def __iter__(self):
            return iter([{"v": mod.tensor([float(i)]), "i": i} for i in range(n)])

        def __repr__(self):
            return "Stream"
    if length is not None:
        Stream.__len__ = lambda self: length
    return Stream()


@pytest.mark.parametrize("batch_size,drop_last", [(None, False), (1, False), (2, False), (2, True), (5, False)])
def test_iterable_dataset_matches_torch(batch_size, drop_last):
    assert_same(lambda mod: list(data(mod).DataLoader(_stream(mod, 5), batch_size=batch_size, drop_last=drop_last)))


def test_iterable_dataset_len_and_overrun_warning_match_torch():
    def program(mod):
        loader = data(mod).DataLoader(_stream(mod, 5, length=3), batch_size=1)
        return [len(loader)] + list(loader)
    assert_same(program)
    assert_same(lambda mod: len(data(mod).DataLoader(_stream(mod, 5, length=5), batch_size=2, drop_last=True)))


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_option_errors_match_torch(kwargs):
    def program(mod):
        ds = _stream(mod, 3)
        kw = {k: v for k, v in kwargs.items()}
        return data(mod).DataLoader(ds, **kw)
    t, g = _both(lambda mod: _catch(lambda: program(mod)))
    # the messages embed the option's repr; for lists of ints it is the same in both libraries
    assert t == g and t[0] == "ValueError"


def _catch(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the exception is the observation
        return type(e).__name__, str(e)
    return None


def test_chain_dataset_and_add():
    assert_same(lambda mod: list(data(mod).DataLoader(_stream(mod, 2) + _stream(mod, 3), batch_size=2)))


# ---- collation -----------------------------------------------------------------------------------
BATCHES = {
    "tensors": lambda mod: [mod.tensor([1., 2.]), mod.tensor([3., 4.])],
    "tuples": lambda mod: [(mod.tensor([1, 2]), 0, 0.5, True, "a"), (mod.tensor([3, 4]), 1, 1.5, False, "b")],
    "lists": lambda mod: [[1, 2.0], [3, 4.0]],
    "dicts": lambda mod: [{"img": np.zeros((2, 2), np.float32), "label": np.int64(3), "name": "x"},
                          {"img": np.ones((2, 2), np.float32), "label": np.int64(4), "name": "y"}],
    "ordered_dicts": lambda mod: [collections.OrderedDict(b=1, a=np.array(2.0)),
                                  collections.OrderedDict(b=2, a=np.array(3.0))],
    "numpy_arrays": lambda mod: [np.arange(3, dtype=np.int16), np.arange(3, 6, dtype=np.int16)],
    "numpy_scalars": lambda mod: [np.float32(1.5), np.float32(2.5)],
    "numpy_bools": lambda mod: [np.bool_(True), np.bool_(False)],
    "floats": lambda mod: [1.0, 2.5],
    "ints": lambda mod: [1, 2],
    "bools": lambda mod: [True, False],
    "strings": lambda mod: ["a", "b"],
    "bytes": lambda mod: [b"a", b"b"],
    "namedtuples": lambda mod: [Point(1, mod.tensor(2.)), Point(3, mod.tensor(4.))],
    "nested": lambda mod: [{"a": [(1, np.array([1.0]))]}, {"a": [(2, np.array([2.0]))]}],
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_collate_matches_torch(name):
    def program(mod):
        out = data(mod).default_collate(BATCHES[name](mod))
        return out, _types(out)
    assert_same(program)


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_convert_matches_torch(name):
    def program(mod):
        out = [data(mod).default_convert(sample) for sample in BATCHES[name](mod)]
        return out, _types(out)
    assert_same(program)


def test_namedtuple_type_is_kept():
    out = gdata.default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(out) is Point and out.x.dtype == glassgrad.int64 and out.y.dtype == glassgrad.float64


@pytest.mark.parametrize("batch", [
    lambda mod: [[1, 2], [3]],
    lambda mod: [object(), object()],
    lambda mod: [np.array(["a"]), np.array(["b"])],
    lambda mod: [None, None],
], ids=["unequal", "object", "numpy_str", "none"])
def test_collate_errors_match_torch(batch):
    t, g = _both(lambda mod: _catch(lambda: data(mod).default_collate(batch(mod))))
    assert t is not None and t == g


# ---- shuffling: deterministic for a glassgrad seed -----------------------------------------------
def _order(loader):
    return [int(v) for _, y in loader for v in y.numpy()]


def _index_table(n):
    return gdata.TensorDataset(glassgrad.zeros(n, 1), glassgrad.arange(n))


def test_shuffle_is_deterministic_for_a_seed_and_a_permutation():
    def epochs(seed):
        loader = gdata.DataLoader(_index_table(20), batch_size=6, shuffle=True,
                                  generator=glassgrad.Generator().manual_seed(seed))
        return [_order(loader) for _ in range(2)]
    a, b, c = epochs(0), epochs(0), epochs(1)
    assert a == b, "the same seed must give the same batches"
    assert a != c, "different seeds should give different orders"
    assert a[0] != a[1], "each epoch reshuffles"
    for order in a + c:
        assert sorted(order) == list(range(20))
    assert a[0] != list(range(20))


def test_shuffle_without_generator_follows_global_seed():
    def run():
        glassgrad.manual_seed(3)
        return _order(gdata.DataLoader(_index_table(12), batch_size=5, shuffle=True))
    assert run() == run()


def test_shuffle_drop_last():
    loader = gdata.DataLoader(_index_table(10), batch_size=4, shuffle=True, drop_last=True,
                              generator=glassgrad.Generator().manual_seed(0))
    sizes = [len(y) for _, y in loader]
    assert sizes == [4, 4] and len(loader) == 2


def test_random_sampler_replacement_and_num_samples():
    g = glassgrad.Generator().manual_seed(5)
    s = gdata.RandomSampler(range(4), replacement=True, num_samples=70, generator=g)
    draws = list(s)
    assert len(s) == 70 and len(draws) == 70 and set(draws) == {0, 1, 2, 3}
    assert draws == list(gdata.RandomSampler(range(4), replacement=True, num_samples=70,
                                             generator=glassgrad.Generator().manual_seed(5)))
    more = list(gdata.RandomSampler(range(4), num_samples=10, generator=glassgrad.Generator().manual_seed(5)))
    assert len(more) == 10 and sorted(more[:4]) == sorted(more[4:8]) == [0, 1, 2, 3]


@pytest.mark.parametrize("kwargs", [dict(num_samples=0), dict(num_samples=2.0), dict(replacement=1)])
def test_random_sampler_errors_match_torch(kwargs):
    assert_same(lambda mod: data(mod).RandomSampler(range(3), **kwargs))
    assert_same(lambda mod: data(mod).RandomSampler(range(0)))


def test_subset_random_sampler():
    s = gdata.SubsetRandomSampler([10, 20, 30, 40], generator=glassgrad.Generator().manual_seed(1))
    out = list(s)
    assert sorted(out) == [10, 20, 30, 40] and len(s) == 4
    assert out == list(gdata.SubsetRandomSampler([10, 20, 30, 40], generator=glassgrad.Generator().manual_seed(1)))


def test_weighted_random_sampler():
    g = glassgrad.Generator().manual_seed(0)
    draws = np.array(list(gdata.WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=g)))
    counts = np.bincount(draws, minlength=3)
    assert counts[0] == 0 and 2.7 < counts[2] / counts[1] < 3.3, counts
    no_repl = list(gdata.WeightedRandomSampler([1., 5., 0.5, 2.], 4, replacement=False,
                                               generator=glassgrad.Generator().manual_seed(0)))
    assert sorted(no_repl) == [0, 1, 2, 3]
    # like PyTorch's kernel, zero-weight indices come last when the others run out
    assert list(gdata.WeightedRandomSampler([0., 2., 0.], 2, replacement=False))[0] == 1
    assert len(gdata.WeightedRandomSampler([1., 2.], 7)) == 7


@pytest.mark.parametrize("args", [([1., -1.], 1, True), ([0., 0.], 1, True), ([1., 2.], 3, False),
                                  ([float("nan"), 1.], 1, True), ([[1.]], 1, True), ([1.], 0, True),
                                  ([1.], 1, 1)])
def test_weighted_random_sampler_errors_match_torch(args):
    assert_same(lambda mod: list(data(mod).WeightedRandomSampler(*args)))


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(drop_last):
    def program(mod):
        bs = data(mod).BatchSampler(range(10), 4, drop_last)
        return list(bs), len(bs)
    assert_same(program)


# ---- datasets ------------------------------------------------------------------------------------
def test_tensor_dataset_matches_torch():
    assert_same(lambda mod: [len(_table(mod)), _table(mod)[2], _table(mod)[-1], _table(mod)[1:3]])
    assert_same(lambda mod: data(mod).TensorDataset(mod.ones(2), mod.ones(3)))


def test_concat_dataset_matches_torch():
    def program(mod):
        c = data(mod).ConcatDataset([range(3), range(10, 14)])
        d = data(mod).TensorDataset(mod.arange(2)) + data(mod).TensorDataset(mod.arange(5, 8))
        return [c.cumulative_sizes, len(c), c[0], c[3], c[-1], c[-7], type(d).__name__, d.cumulative_sizes,
                [d[i] for i in range(5)]]
    assert_same(program)
    assert_same(lambda mod: data(mod).ConcatDataset([range(3)])[-4])
    assert_same(lambda mod: data(mod).ConcatDataset([]))
    assert_same(lambda mod: data(mod).ConcatDataset([_stream(mod, 1)]))
    assert_same(lambda mod: data(mod).Dataset()[0])


def test_subset_matches_torch():
    def program(mod):
        s = data(mod).Subset(range(10, 20), [3, 1, 4])
        return [len(s), s[0], s[-1], s.__getitems__([2, 0])]
    assert_same(program)

    def subclass(mod):
        class Bad(data(mod).Subset):
            def __getitem__(self, i):
                return 0
        return Bad(range(3), [0])
    assert_same(subclass)


def test_stack_dataset_matches_torch():
    def program(mod):
        s = data(mod).StackDataset(range(3), range(10, 13))
        d = data(mod).StackDataset(a=range(3), b=range(3))
        return [len(s), list(s[1]), d[2]]
    assert_same(program)
    assert_same(lambda mod: data(mod).StackDataset(range(2), range(3)))


@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0.33, 0.33, 0.34]), (11, [0.25] * 4), (3, [0.5, 0.5, 0.0]),
                                       (10, [3, 3]), (10, [1.5, -0.5])])
def test_random_split_lengths_match_torch(n, lengths):
    def program(mod):
        return [len(s) for s in data(mod).random_split(range(n), lengths)]
    assert_same(program)


def test_random_split_is_a_deterministic_partition():
    def split(seed):
        return [list(s) for s in gdata.random_split(range(10), [0.3, 0.7],
                                                    generator=glassgrad.Generator().manual_seed(seed))]
    a = split(0)
    assert a == split(0) and a != split(1)
    assert sorted(a[0] + a[1]) == list(range(10)) and len(a[0]) == 3
    assert all(type(s) is gdata.Subset for s in gdata.random_split(range(4), [2, 2]))


def test_public_names_match_torch():
    # NOTE: the DataPipes (deprecated in PyTorch) are not reproduced
    missing = {"DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "argument_validation",
               "functional_datapipe", "guaranteed_datapipes_determinism", "non_deterministic", "runtime_validation",
               "runtime_validation_disabled"}
    assert set(gdata.__all__) == set(torch.utils.data.__all__) - missing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(hasattr(gdata, name) for name in gdata.__all__)
