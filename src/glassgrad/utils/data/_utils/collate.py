"""Collation: how samples become a batch (default_collate) and how NumPy data becomes tensors (default_convert),
with PyTorch's rules and errors.

    >>> default_collate([{"a": 1, "b": 0.5}, {"a": 2, "b": 1.5}])
    {'a': tensor([1, 2]), 'b': tensor([0.5000, 1.5000], dtype=torch.float64)}
    >>> default_collate([(0, "x"), (1, "y")])
    [tensor([0, 1]), ('x', 'y')]
"""
import collections.abc
import copy
import re

import numpy as np

from .... import _dtype as D
from ....ops.creation import as_tensor, tensor
from ....ops.shape import stack
from ....tensor import Tensor
from ....autograd.grad_mode import is_grad_enabled
from .worker import get_worker_info

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map", "collate_tensor_fn",
           "collate_numpy_array_fn", "collate_numpy_scalar_fn", "collate_float_fn", "collate_int_fn",
           "collate_str_fn"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")
default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                                  "dicts or lists; found {}")


# ---- collation ----------------------------------------------------------------------------------
def default_convert(data):
    """Turns NumPy arrays and scalars (also inside mappings and sequences) into tensors; the rest is unchanged.
    The collate_fn when automatic batching is off (`batch_size=None`)."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # NOTE: PyTorch's backwards compatibility: a list
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collates a batch by the type of its first element: `collate_fn_map` handles leaf types (exact type
    first, then the first key it is an instance of); mappings, namedtuples and sequences recurse per field."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        def field(key):
            return collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: field(key) for key in elem})
                return clone
            return elem_type({key: field(key) for key in elem})
        except TypeError:
            return {key: field(key) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]  # a list, as PyTorch
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


MSG_OUT_REQUIRES_GRAD = ("stack(): functions with out=... arguments don't support automatic differentiation, but one "
                         "of the arguments requires grad.")


def collate_tensor_fn(batch, *, collate_fn_map=None):
    # NOTE: in a worker PyTorch stacks into shared memory (stack(..., out=)), which refuses tensors that require
    # grad; in the main process it records StackBackward0 as usual
    if get_worker_info() is not None and is_grad_enabled() and any(t.requires_grad for t in batch):
        raise RuntimeError(MSG_OUT_REQUIRES_GRAD)
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=D.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Puts a batch of samples together, adding an outer batch dimension: tensors are stacked; NumPy arrays
    and scalars become stacked tensors; Python floats a float64 tensor, ints (and bools) an int64 (bool)
    tensor; strings and bytes stay a list; mappings collate per key, namedtuples per field, other sequences
    elementwise (a tuple gives a list)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
