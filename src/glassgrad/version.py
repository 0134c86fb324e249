"""torch.version: what this build is. glassgrad is its own package (its version, not PyTorch's) with no CUDA,
ROCm or XPU toolkit; `pytorch` names the PyTorch release whose behaviour it reproduces.

    >>> import glassgrad as torch
    >>> torch.version.cuda is None, torch.version.hip is None, torch.version.pytorch
    (True, True, '2.13.0')
"""
__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]

__version__ = "0.1.0"  # NOTE: glassgrad.__version__; a test keeps the two equal
pytorch = "2.13.0"
debug = False
cuda = None
hip = None
rocm = None
xpu = None
# NOTE: what a PyTorch built outside a git checkout reports; glassgrad is not built from PyTorch's tree
git_version = "Unknown"
