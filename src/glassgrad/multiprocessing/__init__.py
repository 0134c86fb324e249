"""torch.multiprocessing: Python's multiprocessing under PyTorch's module name, with PyTorch's sharing-strategy
switches and `spawn`. glassgrad tensors are NumPy arrays, which pickle by value: the sharing strategy is recorded
but there is no shared memory to manage.

    >>> import glassgrad as torch
    >>> torch.multiprocessing.get_sharing_strategy()
    'file_descriptor'
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403 - the module re-exports Python's, as PyTorch's does

from .spawn import (ProcessContext, ProcessException, ProcessExitedException, ProcessRaisedException,  # noqa: F401
                    spawn, start_processes)

__all__ = list(multiprocessing.__all__) + ["set_sharing_strategy", "get_sharing_strategy",
                                           "get_all_sharing_strategies", "spawn", "start_processes",
                                           "ProcessContext", "ProcessException", "ProcessExitedException",
                                           "ProcessRaisedException"]

_STRATEGIES = {"file_descriptor", "file_system"}
_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy):
    global _strategy
    if new_strategy not in _STRATEGIES:
        raise AssertionError(f"invalid sharing strategy '{new_strategy}', expected one of {_STRATEGIES}")
    _strategy = new_strategy


def get_sharing_strategy():
    return _strategy


def get_all_sharing_strategies():
    return set(_STRATEGIES)
