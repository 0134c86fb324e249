"""glassgrad.cuda: what a script asks of torch.cuda on a machine without CUDA, answered as PyTorch's CPU build
answers it (no GPU backend exists yet; `glassgrad.device.emulate_cuda` copies tensors "to cuda" on the CPU)."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize", "current_device",
           "empty_cache"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Seeds the CUDA generators: there are none, so this does nothing (as in PyTorch's CPU build)."""


def manual_seed_all(seed):
    """Seeds every CUDA generator: there are none, so this does nothing (as in PyTorch's CPU build)."""


def empty_cache():
    """Frees cached GPU memory: there is none."""


def synchronize(device=None):
    raise AssertionError(_NOT_COMPILED)


def current_device():
    raise AssertionError(_NOT_COMPILED)
