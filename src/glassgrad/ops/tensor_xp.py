"""The array-module interface over tensors, so that VJPs written against `xp` also build a graph.

When backward runs with `create_graph=True`, VJPs receive this module as `xp` and tensors as their
values; every function here is a recorded glassgrad op, which is what makes higher-order gradients come
from the same VJP code.
"""
import math

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor, _new
from . import elementwise as E, reduction as R, shape as S, linalg as L, indexing as I
from .registry import apply, TENSOR_XP

RECORDS = True  # registry.call runs primitives as recorded ops under this namespace

__all__ = ["exp", "log", "sqrt", "sign", "cos", "sin", "tanh", "where", "sum", "reshape", "broadcast_to",
           "swapaxes", "transpose", "expand_dims", "matmul", "zeros", "concatenate", "stack", "index",
           "index_put", "take_flat", "put_flat", "scatter_flat"]

exp, log, sqrt, sign, cos, sin, tanh = E.exp, E.log, E.sqrt, E.sign, E.cos, E.sin, E.tanh
matmul = L.matmul


def _t(v, like):
    if isinstance(v, Tensor):
        return v
    return _new(np.asarray(v, dtype=like._data.dtype), like._dtype)


def where(cond, x, y):
    like = x if isinstance(x, Tensor) else y
    return E.where(cond, _t(x, like), _t(y, like))


def sum(a, axis=None, keepdims=False):
    if axis is None:
        return R.sum(a) if not keepdims else R.sum(a, tuple(range(a.ndim)), True)
    return R.sum(a, axis, keepdims)


def moveaxis(a, source, destination):
    return S.movedim(a, source, destination)


def reshape(a, shape):
    return S.reshape(a, tuple(shape))


def broadcast_to(a, shape):
    return S.expand(a, tuple(shape))


def swapaxes(a, d0, d1):
    return S.transpose(a, d0, d1)


def transpose(a, axes):
    return S.permute(a, tuple(int(i) for i in axes))


def expand_dims(a, dim):
    return S.unsqueeze(a, dim)


def zeros(shape, dtype=None):
    d = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    return _new(np.zeros(tuple(shape), d.np), d)


def concatenate(tensors, dim):
    return S.cat(list(tensors), dim)


def stack(tensors, dim):
    return S.stack(list(tensors), dim)


def index(a, indices):
    return I.index(a, indices)


def index_put(a, indices, values, accumulate=False):
    return apply(I.INDEX_PUT, (a, values), {"indices": tuple(indices), "accumulate": accumulate})


def take_flat(g, idx):
    return I.index(S.reshape(g, -1), (idx,))


def put_flat(g, idx, v):
    flat = S.reshape(g, -1)
    if v is None:
        v = zeros(idx.shape, g.dtype)
    out = apply(I.INDEX_PUT, (flat, S.reshape(v, -1)), {"indices": (idx.reshape(-1),), "accumulate": False})
    return S.reshape(out, g.shape)


def scatter_flat(shape, idx, g):
    z = zeros((math.prod(shape),), g.dtype)
    out = apply(I.INDEX_PUT, (z, S.reshape(g, -1)), {"indices": (idx.reshape(-1),), "accumulate": True})
    return S.reshape(out, shape)


def __getattr__(name):
    fn = TENSOR_XP.get(name)
    if fn is None:
        raise AttributeError(f"glassgrad's tensor namespace has no xp.{name}: a VJP that calls it cannot build a "
                             f"graph for create_graph=True (register one in ops.registry.TENSOR_XP)")
    return fn
