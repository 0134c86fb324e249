"""torch.nn.parallel: DataParallel and DistributedDataParallel as they behave without GPUs and in a
single-process job (see each module)."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel
from ..._missing import module_getattr as _module_getattr

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]

__getattr__ = _module_getattr(__name__)
