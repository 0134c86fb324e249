"""glassgrad.random: torch.random. PyTorch's CPU generator (a Mersenne Twister) and its seeding, so that a seeded
script draws the same numbers under glassgrad as under PyTorch.

    >>> import glassgrad as torch
    >>> _ = torch.random.manual_seed(0)
    >>> torch.rand(2)
    tensor([0.4963, 0.7682])
    >>> state = torch.random.get_rng_state()
    >>> a = torch.randn(3); torch.random.set_rng_state(state)
    >>> torch.equal(a, torch.randn(3))
    True

The engine and its state are in `generator`, the transforms PyTorch's kernels apply in `draws`.
"""
import contextlib

from .generator import Generator, default_generator  # noqa: F401  (torch.random has both)

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng",
           "thread_safe_generator"]


def set_rng_state(new_state):
    """Sets the default generator's state (a uint8 tensor from get_rng_state, glassgrad's or PyTorch's)."""
    default_generator.set_state(new_state)


def get_rng_state():
    """The default generator's state as a uint8 tensor, in PyTorch's byte layout."""
    return default_generator.get_state()


def manual_seed(seed):
    """Seeds the default generator; returns it. `seed` is read with int(); [-2**63, 2**64) is accepted,
    negative seeds taken modulo 2**64."""
    return default_generator.manual_seed(int(seed))


def seed():
    """Seeds the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Restores the default generator's state on exit (glassgrad has no device generators to fork)."""
    if device_type == "meta" or not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)


def thread_safe_generator():
    """The generator of a DataLoader thread worker; None elsewhere (glassgrad's loader has no thread workers), which
    makes the samplers use the default generator."""
    return None
