"""The array module `xp`: NumPy here; CuPy on a GPU in a later issue."""
import numpy

_ndarray = numpy.ndarray

__all__ = ["get_array_module", "numpy", "scatter_add", "quiet", "silence", "unsilence"]


def get_array_module(*arrays):
    for a in arrays:
        if type(a) is _ndarray:
            continue
        mod = type(a).__module__
        if mod.startswith("cupy"):
            import cupy
            return cupy
    return numpy


def scatter_add(xp, a, indices, values):
    """a[indices] += values with repeated indices accumulated (NumPy's add.at; cupyx.scatter_add on CuPy)."""
    if xp is numpy:
        numpy.add.at(a, indices, values)
    else:
        import cupyx
        cupyx.scatter_add(a, indices, values)


def _make_quiet():
    """A fast `with np.errstate(all="ignore")` for the ops that can produce inf or nan (PyTorch computes them
    silently): `quiet(f, *args)`, and `silence()` / `unsilence(token)` around a longer stretch (a backward pass).
    NOTE: np.errstate costs ~2 us per use; NumPy 2 keeps the error state in a context variable, which can be
    switched for a tenth of that. Falls back to errstate where that is absent."""
    try:
        from numpy._core._ufunc_config import _extobj_contextvar as var
        with numpy.errstate(all="ignore"):
            ignore = var.get()
    except Exception:  # noqa: BLE001 - private NumPy internals moved: use the public API
        def quiet(f, *args):
            with numpy.errstate(all="ignore"):
                return f(*args)

        def silence():
            state = numpy.errstate(all="ignore")
            state.__enter__()
            return state

        def unsilence(state):
            state.__exit__(None, None, None)
        return quiet, silence, unsilence

    def quiet(f, *args):
        token = var.set(ignore)
        try:
            return f(*args)
        finally:
            var.reset(token)

    def silence():
        return var.set(ignore)

    return quiet, silence, var.reset


quiet, silence, unsilence = _make_quiet()


def _raise_malloc_thresholds():
    """Frees one large untouched block so that glibc's malloc raises its dynamic thresholds at once.
    NOTE: glibc serves blocks over its mmap threshold (128 KiB at start) with fresh pages, and gives the top of its
    heap back to the OS whenever more than twice that threshold is free there; it raises both only after freeing a
    larger mmapped block. Until then every training step's activations (a 64x16x8x8 float32 map is 256 KiB) arrive
    as new pages, each faulted in on first touch: ~160 faults a step in a small conv net, 3,300 in a 512x1024
    matmul step, about 2 us each on the development VM (40% of the conv step). Importing PyTorch has the same
    effect as a side effect of its own allocations; this does it on purpose. An explicit MALLOC_MMAP_THRESHOLD_
    or MALLOC_TRIM_THRESHOLD_ (or another malloc) turns glibc's adaptation off, and then this changes nothing."""
    block = numpy.empty(16 << 20, numpy.uint8)  # under glibc's cap on the dynamic threshold (32 MiB on 64-bit)
    del block


_raise_malloc_thresholds()


# ---- torch.backends: the flag modules of PyTorch's backends (cudnn, cuda, mps ...) ------------------------------
# NOTE: imported on first use (`torch.backends.cudnn.benchmark = True` right after `import torch` works); they are
# not glassgrad's array backends, only switches that scripts set and read.
from .._lazy import lazy_attributes as _lazy_attributes  # noqa: E402

__getattr__, __dir__ = _lazy_attributes(__name__, {name: ("." + name, None) for name in (
    "cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum")})
