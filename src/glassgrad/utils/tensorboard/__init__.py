"""torch.utils.tensorboard: importing works and the writer names exist (scripts import them at the top), but
making a writer raises NotImplementedError: glassgrad does not implement TensorBoard logging.

    >>> from glassgrad.utils.tensorboard import SummaryWriter
    >>> SummaryWriter()
    Traceback (most recent call last):
    ...
    NotImplementedError: torch.utils.tensorboard.SummaryWriter is part of PyTorch's API, but glassgrad ...
"""
__all__ = ["SummaryWriter", "FileWriter"]


def _refuse(name):
    raise NotImplementedError(f"torch.utils.tensorboard.{name} is part of PyTorch's API, but glassgrad does not "
                              f"implement TensorBoard logging; log with the tensorboard package's own writer (values "
                              f"from tensor.item() or tensor.numpy()), or leave the writer out")


class SummaryWriter:
    def __init__(self, *args, **kwargs):
        _refuse("SummaryWriter")


class FileWriter:
    def __init__(self, *args, **kwargs):
        _refuse("FileWriter")
