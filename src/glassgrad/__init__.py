"""glassgrad: define-by-run autograd over NumPy with PyTorch's semantics, that explains its gradients.

>>> import glassgrad as torch
>>> x = torch.tensor([1., 2.], requires_grad=True)
>>> y = (x * x).sum()
>>> y
tensor(5., grad_fn=<SumBackward0>)
>>> y.backward()
>>> x.grad
tensor([2., 4.])
"""
import builtins as _builtins

from . import _dtype
from ._dtype import (dtype, float32, float64, float16, int64, int32, int16, int8, uint8, bool_ as bool,
                     get_default_dtype, set_default_dtype, promote_types)
from ._dtype import float32 as float, float64 as double, float16 as half, int64 as long, int32 as int
from ._dtype import int16 as short
from .tensor import Tensor, Size
from .device import device
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled)
from . import ops as _ops
from .ops.creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, arange, linspace, eye,
                           zeros_like, ones_like, empty_like, full_like, rand, randn, randint, randperm, rand_like,
                           randn_like, randint_like, manual_seed, seed, initial_seed, Generator, default_generator)
from .ops.elementwise import (add, sub, mul, div, true_divide, neg, pow, exp, log, sqrt, abs, sin, cos, tanh,
                              sigmoid, relu, reciprocal, square, sign, floor, clamp, eq, ne, lt, le, gt, ge, rsub,
                              where, logical_not, bitwise_not)
from .ops.elementwise import sub as subtract, mul as multiply, div as divide, neg as negative, clamp as clip
from .ops.reduction import sum, mean, argmax, argmin, max, min
from .ops.linalg import matmul, mm, bmm, mv, dot
from .ops.shape import (reshape, flatten, squeeze, unsqueeze, transpose, t, permute,
                        narrow, select, unbind, split, chunk, diagonal, cat, concat, concatenate, stack, clone,
                        movedim, swapaxes, swapdims)
from .ops.indexing import index_put_ as _index_put_
from . import autograd
from .autograd import Function
from .autograd.anomaly import is_anomaly_enabled, is_anomaly_check_nan_enabled
from . import explain
from .explain import events as _events

autograd.Variable = Tensor

__version__ = "0.1.0"


def is_tensor(obj, /):
    return isinstance(obj, Tensor)


def numel(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def broadcast_shapes(*shapes):
    """The shape the given shapes broadcast to, with PyTorch's error naming the first shape that does not fit."""
    result = []
    for index, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, _builtins.int) else tuple(shape)
        if len(shape) > len(result):
            result[:0] = [1] * (len(shape) - len(result))
        for dim in _builtins.range(-1, -len(shape) - 1, -1):
            n = shape[dim]
            if n != 1 and result[dim] not in (1, n):
                raise RuntimeError(f"Attempting to broadcast a dimension of length {n} at {dim}! Mismatching "
                                   f"argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {result}")
            if n != 1:
                result[dim] = n
    return Size(result)


def detach(input):
    return input.detach()


def expand_copy(input, *size):
    return input.expand(*size).clone()


# every op family's torch-level names (ops/*.py, API["torch"]); last, so the families own their names
globals().update(_ops.exported("torch"))
from . import linalg, special, cuda  # noqa: E402
from ._formats import (pi, e, inf, nan, newaxis, layout, memory_format, strided, sparse_coo,  # noqa: E402
                       sparse_csr, contiguous_format, channels_last, channels_last_3d, preserve_format)
from ._typename import typename  # noqa: E402
from ._legacy import (finfo, iinfo, FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,  # noqa: E402
                      ShortTensor, CharTensor, ByteTensor, BoolTensor)
from ._tensor_str import set_printoptions  # noqa: E402
from ._lazy import lazy_attributes as _lazy_attributes  # noqa: E402

# NOTE: imported on first use (`glassgrad.nn`, `import glassgrad.nn`, `glassgrad.save`), not here: they are a
# third of the import time, and code that only computes gradients never touches them
_ON_FIRST_USE = {"nn": (".nn", None), "optim": (".optim", None), "utils": (".utils", None),
                 "serialization": (".serialization", None), "save": (".serialization", "save"),
                 "load": (".serialization", "load")}
# the compatibility surface scripts touch (devices, AMP, distributed, jit ...), also on first use
_ON_FIRST_USE.update({name: ("." + name, None) for name in (
    "amp", "cpu", "distributed", "hub", "jit", "multiprocessing", "onnx", "version")})
_ON_FIRST_USE.update({"autocast": (".amp", "autocast"), "GradScaler": (".amp", "GradScaler"),
                      "compile": (".jit._compile", "compile"), "OutOfMemoryError": (".cuda", "OutOfMemoryError")})
_ON_FIRST_USE.update({name: (".amp.autocast_mode", name) for name in (
    "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
    "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache", "autocast_increment_nesting",
    "autocast_decrement_nesting", *(f"{verb}_autocast_{short}_{what}" for short in ("cpu", "gpu", "xla", "ipu")
                                    for verb, what in (("get", "dtype"), ("set", "dtype"), ("is", "enabled"),
                                                       ("set", "enabled")) if (short, what) != ("gpu", "enabled")))})
_ON_FIRST_USE["accelerator"] = (".accelerator", None)  # torch.accelerator (PyTorch 2.6+): none on this build
_ON_FIRST_USE["testing"] = (".testing", None)  # torch.testing.assert_close: the op tables load only when asked for
_ON_FIRST_USE["distributions"] = (".distributions", None)
from ._settings import (set_num_threads, get_num_threads, set_num_interop_threads,  # noqa: E402
                        get_num_interop_threads, set_float32_matmul_precision, get_float32_matmul_precision,
                        use_deterministic_algorithms, are_deterministic_algorithms_enabled,
                        is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
                        get_deterministic_debug_mode)
__getattr__, __dir__ = _lazy_attributes(__name__, _ON_FIRST_USE)
# `from glassgrad import *` gives what it gave when those were imported here
# (of the deferred modules only those it always gave: PyTorch's `from torch import *` binds no submodules, and a
# star-imported `multiprocessing` would shadow the standard library's)
__all__ = sorted({name for name in globals() if not name.startswith("_")} | {"nn", "optim", "utils", "serialization"}
                 | {name for name, (_, attr) in _ON_FIRST_USE.items() if attr is not None})
