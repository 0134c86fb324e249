"""nn.DataParallel as PyTorch runs it on a machine without GPUs: it keeps no device ids and calls the wrapped
module directly, so a script that wraps its model still trains (and saves state_dict keys prefixed 'module.').

    >>> import glassgrad as torch
    >>> model = torch.nn.DataParallel(torch.nn.Linear(2, 1))
    >>> model.device_ids, list(model.state_dict())
    ([], ['module.weight', 'module.bias'])
"""
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Splits each batch across GPUs in PyTorch; with none (as here) it is the wrapped module itself."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form needs a GPU to pick the device type: without one it fails as in PyTorch."""
    raise RuntimeError("device type could not be determined")
