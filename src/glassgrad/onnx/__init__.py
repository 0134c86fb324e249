"""torch.onnx: importing works (scripts import it at the top); exporting raises NotImplementedError, since
glassgrad records no graph that could be written as ONNX.

    >>> import glassgrad as torch
    >>> torch.onnx.is_in_onnx_export()
    False
"""
from .._missing import module_getattr as _module_getattr

__all__ = ["export", "dynamo_export", "is_in_onnx_export"]


def _refuse(name):
    raise NotImplementedError(f"{name} is part of PyTorch's API, but glassgrad does not implement it: glassgrad runs "
                              f"models eagerly and has no graph to export to ONNX; export with PyTorch itself")


def export(*args, **kwargs):
    _refuse("torch.onnx.export")


def dynamo_export(*args, **kwargs):
    _refuse("torch.onnx.dynamo_export")


def is_in_onnx_export():
    return False


__getattr__ = _module_getattr(__name__)
