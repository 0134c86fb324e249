"""The deprecated upsampling functions: F.upsample, F.upsample_nearest, F.upsample_bilinear, each interpolate
after PyTorch's deprecation warning (upsample_bilinear aligns corners, as it always did)."""
import warnings

from .pool import interpolate

__all__ = ["upsample", "upsample_nearest", "upsample_bilinear"]


def _deprecated(name):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", UserWarning,
                  stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


API = {"torch": (), "Tensor": (), "nn.functional": __all__, "linalg": (), "special": ()}
