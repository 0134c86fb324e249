"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad, 1-D to 3-D, each a thin
layer over F.pad with PyTorch's stored arguments (and so its reprs).

    >>> import glassgrad as torch
    >>> torch.nn.ZeroPad2d(1), torch.nn.ConstantPad1d((1, 2), 3.5)
    (ZeroPad2d((1, 1, 1, 1)), ConstantPad1d(padding=(1, 2), value=3.5))
"""
from .. import functional as F
from ._utils import _ntuple
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _padding(n, padding):
    """An int pads every side; a tuple is kept as given (F.pad checks its length)."""
    return _ntuple(2 * n, "_pad")(padding)


class _ConstantPadNd(Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dimension with a constant."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _padding(1, padding)


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dimensions with a constant."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _padding(2, padding)


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dimensions with a constant."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _padding(3, padding)


class ZeroPad1d(ConstantPad1d):
    """Pads the last dimension with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dimensions with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dimensions with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _ModePadNd(Module):
    """A padding layer of one F.pad mode over `n` dimensions."""
    mode = None
    n = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(self.n, padding)

    def _check_input_dim(self, input):
        pass

    def forward(self, input):
        self._check_input_dim(input)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_ModePadNd):
    mode = "circular"

    def _check_input_dim(self, input):
        # NOTE: PyTorch's circular padding layers check the rank themselves (a ValueError)
        if input.dim() not in (self.n + 1, self.n + 2):
            raise ValueError(f"expected {self.n + 1}D or {self.n + 2}D input (got {input.dim()}D input)")


def _layer(name, base, mode, n, doc):
    return type(name, (base,), {"mode": mode, "n": n, "__doc__": doc, "__module__": __name__})


ReflectionPad1d = _layer("ReflectionPad1d", _ModePadNd, "reflect", 1, "Pads the last dimension by reflection.")
ReflectionPad2d = _layer("ReflectionPad2d", _ModePadNd, "reflect", 2, "Pads the last two dimensions by reflection.")
ReflectionPad3d = _layer("ReflectionPad3d", _ModePadNd, "reflect", 3,
                         "Pads the last three dimensions by reflection.")
ReplicationPad1d = _layer("ReplicationPad1d", _ModePadNd, "replicate", 1,
                          "Pads the last dimension with its edge values.")
ReplicationPad2d = _layer("ReplicationPad2d", _ModePadNd, "replicate", 2,
                          "Pads the last two dimensions with their edge values.")
ReplicationPad3d = _layer("ReplicationPad3d", _ModePadNd, "replicate", 3,
                          "Pads the last three dimensions with their edge values.")
CircularPad1d = _layer("CircularPad1d", _CircularPadNd, "circular", 1, "Pads the last dimension circularly.")
CircularPad2d = _layer("CircularPad2d", _CircularPadNd, "circular", 2, "Pads the last two dimensions circularly.")
CircularPad3d = _layer("CircularPad3d", _CircularPadNd, "circular", 3, "Pads the last three dimensions circularly.")
