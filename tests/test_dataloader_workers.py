"""DataLoader with num_workers > 0 against torch.utils.data's worker processes.

A worker is observable through what it returns: which worker fetched which index (get_worker_info), the numbers
its seeded generators give (glassgrad's, Python's and NumPy's), its private copy of the dataset, the order of the
batches, errors raised in it, and the draws the main process makes. glassgrad forks workers where the start
method is 'fork' (here, Linux) and otherwise runs them in the main process; `multiprocessing_context="spawn"`
selects the in-process workers, so every program runs both ways and is compared with torch's forked workers.
"""
import dataclasses
import os
import random
import re
import time

import numpy as np
import pytest

from difftools import assert_same, torch
import glassgrad
import glassgrad.utils.data as gdata

MODES = ["processes", "in_process"]


def data(mod):
    return mod.utils.data


def _context(mod, mode):
    # torch always forks here; glassgrad runs its workers in the main process for a 'spawn' context
    return "spawn" if mod is glassgrad and mode == "in_process" else None


def _draws(mod):
    """One number from each generator a worker seeds."""
    return [mod.rand(1).item(), random.random(), float(np.random.rand())]


def _seed_all(mod, seed=0):
    mod.manual_seed(seed)
    random.seed(seed + 1)
    np.random.seed(seed + 2)


def _main_draws(mod):
    # what the main process's generators give afterwards: workers must neither consume nor reseed them
    return [mod.rand(3), random.random(), float(np.random.rand())]


def _map_dataset(mod, n=7):
    class Samples(data(mod).Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            info = data(mod).get_worker_info()
            return {"index": i, "worker": info.id, "seed_offset": info.seed - info.id, "draws": _draws(mod),
                    "is_copy": info.dataset is not self}
    return Samples()


# ---- map-style datasets ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kwargs", [
    dict(batch_size=2), dict(batch_size=2, shuffle=True), dict(batch_size=3, drop_last=True),
    dict(batch_size=None), dict(batch_size=1, prefetch_factor=1), dict(batch_size=2, prefetch_factor=4),
    dict(batch_size=2, num_workers=1), dict(batch_size=2, in_order=False, num_workers=1),
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_map_dataset_batches_and_worker_seeds_match_torch(mode, kwargs):
    def program(mod):
        _seed_all(mod)
        kw = dict({"num_workers": 2}, **kwargs)
        loader = data(mod).DataLoader(_map_dataset(mod), multiprocessing_context=_context(mod, mode), **kw)
        epochs = [list(loader) for _ in range(2)]
        return [epochs, len(loader), _main_draws(mod)]
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
def test_worker_init_fn_and_worker_info_match_torch(mode):
    def program(mod):
        class Samples(data(mod).Dataset):
            tag = "main"

            def __len__(self):
                return 4

            def __getitem__(self, i):
                info = data(mod).get_worker_info()
                return [i, self.tag, info.id, info.num_workers, type(info).__name__, info.rng, info.worker_method]

        def init(worker_id):
            info = data(mod).get_worker_info()
            info.dataset.tag = f"worker {worker_id} drew {_draws(mod)}"  # the worker's own copy
        _seed_all(mod, 3)
        ds = Samples()
        loader = data(mod).DataLoader(ds, batch_size=None, num_workers=2, worker_init_fn=init,
                                      multiprocessing_context=_context(mod, mode))
        return [list(loader), ds.tag, data(mod).get_worker_info(), _main_draws(mod)]
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
def test_generator_seeds_the_workers(mode):
    def program(mod):
        _seed_all(mod, 4)
        gen = mod.Generator().manual_seed(21)
        loader = data(mod).DataLoader(_map_dataset(mod, 4), batch_size=2, num_workers=2, shuffle=True,
                                      generator=gen, multiprocessing_context=_context(mod, mode))
        return [list(loader), mod.rand(2, generator=gen), _main_draws(mod)]
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
def test_persistent_workers_keep_their_state_across_epochs(mode):
    def program(mod):
        class Counting(data(mod).Dataset):
            def __init__(self):
                self.fetched = 0

            def __len__(self):
                return 4

            def __getitem__(self, i):
                self.fetched += 1  # counts in the worker's copy
                return [i, data(mod).get_worker_info().id, self.fetched, _draws(mod)]
        _seed_all(mod, 5)
        ds = Counting()
        loader = data(mod).DataLoader(ds, batch_size=None, num_workers=2, persistent_workers=True,
                                      multiprocessing_context=_context(mod, mode))
        epochs = [list(loader) for _ in range(3)]
        partial = next(iter(loader))  # a pass left unfinished, then a full one
        epochs.append(list(loader))
        return [epochs, partial, ds.fetched, _main_draws(mod)]
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
def test_collation_through_workers_matches_torch(mode):
    def program(mod):
        class Mixed(data(mod).Dataset):
            def __len__(self):
                return 5

            def __getitem__(self, i):
                return {"x": np.full((2,), i, np.float32), "y": i, "w": float(i) / 2, "name": f"s{i}",
                        "t": mod.tensor([i, -i]), "pair": (i, mod.tensor(float(i)))}
        loader = data(mod).DataLoader(Mixed(), batch_size=2, num_workers=2,
                                      multiprocessing_context=_context(mod, mode))
        custom = data(mod).DataLoader(Mixed(), batch_size=3, num_workers=2, collate_fn=lambda b: [s["y"] for s in b],
                                      multiprocessing_context=_context(mod, mode))
        return [list(loader), list(custom)]
    assert_same(program)


def _close(it):
    # NOTE: an iterator left behind by an error is shut down when garbage collected, and then PyTorch's workers
    # wait seconds to be terminated (their queues are closed first); shutting it down here keeps tests fast
    shutdown = getattr(it, "_shutdown_workers", None)
    if shutdown is not None:
        shutdown()


def _head_and_tail(error):
    """An error from a worker without the worker's traceback (its file names differ): first and last lines."""
    lines = str(error).splitlines()
    return [type(error).__name__, lines[0], lines[-1]]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_tensor_dataset_through_workers(mode, requires_grad):
    def program(mod):
        x = mod.arange(12.).reshape(6, 2).requires_grad_(requires_grad)
        ds = data(mod).TensorDataset(x, mod.arange(6))
        it = iter(data(mod).DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context=_context(mod, mode)))
        try:
            return list(it)
        except RuntimeError as e:  # a worker stacks into shared memory (out=), which refuses grad
            return _head_and_tail(e)
        finally:
            _close(it)
    assert_same(program)


def test_out_of_order_answers_from_processes_are_all_delivered():
    def program(mod):
        class Slow(data(mod).Dataset):
            def __len__(self):
                return 6

            def __getitem__(self, i):
                time.sleep(0.05 if i % 2 == 0 else 0.0)
                return i
        return sorted(b.item() for b in data(mod).DataLoader(Slow(), num_workers=2, in_order=False))
    assert_same(program)


# ---- iterable datasets -------------------------------------------------------------------------------------
def _stream(mod, per_worker, shard=False, length=None):
    class Stream(data(mod).IterableDataset):
        def __init__(self):
            self.start, self.end = 0, 8

        def __iter__(self):
            info = data(mod).get_worker_info()
            if shard:  # each worker its own range, from the copy worker_init_fn adjusted
                return iter([[i, info.id] for i in range(self.start, self.end)])
            n = per_worker(info.id)
            return iter([[i, info.id, _draws(mod)] for i in range(n)])

        def __repr__(self):
            return "Stream"
    if length is not None:
        Stream.__len__ = lambda self: length
    return Stream()


def _shard_init(mod):
    def init(worker_id):
        info = data(mod).get_worker_info()
        ds = info.dataset
        per = (ds.end - ds.start) // info.num_workers
        ds.start, ds.end = ds.start + worker_id * per, ds.start + (worker_id + 1) * per
    return init


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("per_worker,kwargs", [
    ("equal", dict(batch_size=None)), ("equal", dict(batch_size=2)), ("uneven", dict(batch_size=None)),
    ("uneven", dict(batch_size=2)), ("uneven", dict(batch_size=2, drop_last=True)),
    ("uneven", dict(batch_size=3, prefetch_factor=1)), ("first_empty", dict(batch_size=2)),
], ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_iterable_dataset_each_worker_its_copy(mode, per_worker, kwargs):
    # without sharding every worker yields its copy; batches alternate between workers until one runs out
    counts = {"equal": lambda k: 3, "uneven": lambda k: 2 + 3 * k, "first_empty": lambda k: 0 if k == 0 else 5}
    ids = {"equal": [2], "uneven": [2], "first_empty": [2, 1]}

    def program(mod):
        out = []
        for workers in ids[per_worker] + [3]:
            _seed_all(mod, 6)
            loader = data(mod).DataLoader(_stream(mod, counts[per_worker]), num_workers=workers,
                                          multiprocessing_context=_context(mod, mode), **kwargs)
            out.append([list(loader), list(loader)])
        return [out, _main_draws(mod)]
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("persistent", [False, True])
def test_iterable_dataset_sharded_by_worker_init_fn(mode, persistent):
    def program(mod):
        ds = _stream(mod, None, shard=True)
        loader = data(mod).DataLoader(ds, batch_size=3, num_workers=2, worker_init_fn=_shard_init(mod),
                                      persistent_workers=persistent, multiprocessing_context=_context(mod, mode))
        return [list(loader), list(loader), [ds.start, ds.end]]
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
def test_iterable_dataset_length_warning_with_workers(mode):
    def program(mod):
        loader = data(mod).DataLoader(_stream(mod, lambda k: 2, length=3), batch_size=None, num_workers=2,
                                      multiprocessing_context=_context(mod, mode))
        return [len(loader), [b[:2] for b in loader]]
    assert_same(program)


# ---- errors ------------------------------------------------------------------------------------------------
def _failing(mod, error):
    class Failing(data(mod).Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise error("bad sample 2")
            return i
    return Failing()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error", [ValueError, KeyError, IndexError])
def test_worker_errors_are_raised_in_the_main_process(mode, error):
    def program(mod):
        got = []
        loader = data(mod).DataLoader(_failing(mod, error), batch_size=None, num_workers=2,
                                      multiprocessing_context=_context(mod, mode))
        it = iter(loader)
        try:
            for b in it:
                got.append(int(b))
        except error as e:
            lines = e.args[0].splitlines()
            # the worker's traceback differs (file names); its head and its last line do not
            return [got, type(e).__name__, lines[0], lines[1], lines[-1], next(it)]
        finally:
            _close(it)
        return got
    assert_same(program)


@pytest.mark.parametrize("mode", MODES)
def test_worker_init_fn_error_comes_with_the_first_task(mode):
    def program(mod):
        def init(worker_id):
            if worker_id == 1:
                raise RuntimeError("cannot start")
        loader = data(mod).DataLoader(range(4), num_workers=2, worker_init_fn=init,
                                      multiprocessing_context=_context(mod, mode))
        it, got = iter(loader), []
        while True:
            try:
                got.append(next(it))
            except StopIteration:
                return got
            except Exception as e:  # noqa: BLE001 - the error is the observation
                got.append(_head_and_tail(e))
    assert_same(program)


def test_a_dead_worker_is_reported():
    class Exiting(gdata.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 1:
                os._exit(3)
            return i
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader worker \(pid\(s\) \d+\) exited unexpectedly$"):
        list(gdata.DataLoader(Exiting(), num_workers=2))
    assert time.monotonic() - start < 4, "a dead worker should be noticed well before the status-check interval"


@pytest.mark.parametrize("mode", MODES)
def test_timeout(mode):
    class Slow(gdata.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.6)
            return i
    loader = gdata.DataLoader(Slow(), num_workers=1, timeout=0.2, multiprocessing_context=_context(glassgrad, mode))
    if mode == "in_process":
        # NOTE: an in-process worker cannot be interrupted: the batch arrives late but arrives
        assert [b.item() for b in loader] == [0, 1]
        return
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.2 seconds$"):
        list(loader)


# ---- options -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    dict(num_workers=0, multiprocessing_context="fork"), dict(num_workers=2, multiprocessing_context="thread"),
    dict(num_workers=2, multiprocessing_context=3), dict(num_workers=2, prefetch_factor=-1),
    dict(num_workers=0, persistent_workers=True), dict(num_workers=0, prefetch_factor=2),
])
def test_worker_option_errors_match_torch(kwargs):
    assert_same(lambda mod: data(mod).DataLoader(range(4), **kwargs))


def test_worker_options_are_kept():
    def program(mod):
        loader = data(mod).DataLoader(range(4), num_workers=2, multiprocessing_context="fork", timeout=3,
                                      persistent_workers=True, in_order=False)
        ctx = loader.multiprocessing_context
        return [type(ctx).__name__, ctx.get_start_method(), loader.prefetch_factor, loader.timeout,
                loader.persistent_workers, loader.in_order, len(loader)]
    assert_same(program)


def test_too_many_workers_warn_as_torch():
    n = len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else os.cpu_count() + 1

    def program(mod):
        loader = data(mod).DataLoader(range(2), num_workers=n, multiprocessing_context=_context(mod, "in_process"))
        return loader.num_workers

    def iterate(mod):
        loader = data(mod).DataLoader(range(n), num_workers=n)
        return [b.item() for b in loader]
    assert_same(program)
    assert_same(iterate)  # warned again by each iterator


@pytest.mark.parametrize("mode", MODES)
def test_pin_memory_with_workers_warns_as_torch(mode):
    def program(mod):
        loader = data(mod).DataLoader(range(3), num_workers=1, pin_memory=True,
                                      multiprocessing_context=_context(mod, mode))
        return [list(loader), list(loader)]
    assert_same(program)


def test_worker_info_is_a_frozen_record():
    info = gdata._utils.worker.WorkerInfo(id=1, num_workers=2, seed=5, dataset=None)
    assert repr(info) == ("WorkerInfo(id=1, num_workers=2, seed=5, dataset=None, rng=None, "
                          "worker_method='multiprocessing')")
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.id = 3
    assert gdata.get_worker_info() is None
    assert [f.name for f in dataclasses.fields(info)] == \
        [f.name for f in dataclasses.fields(torch.utils.data._utils.worker.WorkerInfo)]


def test_numpy_seeds_are_torchs():
    from glassgrad.utils.data._utils.worker import _numpy_seed
    from torch.utils.data._utils.worker import _generate_state
    for base in [0, 1, 2 ** 32 - 1, 2 ** 32, 900450186894289455, 2 ** 63 - 1]:
        for worker_id in [0, 1, 7]:
            assert _numpy_seed(base, worker_id) == _generate_state(base, worker_id), (base, worker_id)


def test_iterator_cannot_be_pickled():
    import pickle
    for loader in (gdata.DataLoader(range(2)), gdata.DataLoader(range(2), num_workers=1)):
        with pytest.raises(NotImplementedError):
            pickle.dumps(iter(loader))


def test_main_process_module_paths_match_torch():
    from glassgrad.utils.data._utils.collate import default_collate
    from glassgrad.utils.data._utils.worker import get_worker_info
    from glassgrad.utils.data.dataloader import default_collate as dc, get_worker_info as gwi
    assert default_collate is dc is gdata.default_collate and get_worker_info is gwi is gdata.get_worker_info
    assert re.match(r"^\d+(\.\d+)?$", str(gdata._utils.MP_STATUS_CHECK_INTERVAL))
