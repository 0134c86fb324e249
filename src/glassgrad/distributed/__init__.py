"""torch.distributed for a single process: what scripts written for distributed training touch when run as one
process (world_size 1), with PyTorch's names, checks and errors. See distributed_c10d for what is real.

    >>> import glassgrad as torch
    >>> torch.distributed.is_available(), torch.distributed.is_initialized()
    (True, False)
    >>> torch.distributed.init_process_group("gloo", init_method="tcp://127.0.0.1:29500", rank=0, world_size=1)
    >>> torch.distributed.get_rank(), torch.distributed.get_world_size()
    (0, 1)
    >>> torch.distributed.destroy_process_group()
"""
from . import distributed_c10d
from .distributed_c10d import *  # noqa: F401,F403
from .._missing import module_getattr as _module_getattr

__all__ = list(distributed_c10d.__all__)

__getattr__ = _module_getattr(__name__)
