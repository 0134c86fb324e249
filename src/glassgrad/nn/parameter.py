"""Parameter and Buffer: the tensors a Module registers when they are assigned as attributes.

A Parameter is a Tensor subclass: a leaf that requires grad and shares its data (and version counter) with
the tensor it was made from, as `torch.Tensor._make_subclass` does. Ops on a Parameter return plain
Tensors (every op builds its result with `tensor._new`), which is what PyTorch does too.

    >>> import glassgrad as torch
    >>> p = torch.nn.Parameter(torch.zeros(2))
    >>> p
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
"""
from .. import _dtype as D
from ..explain.events import tracking_event
from ..tensor import Tensor, _init

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer"]

MSG_INT_PARAM = "Only Tensors of floating point and complex dtype can require gradients"


def _make_subclass(cls, data, requires_grad):
    """A new `cls` instance aliasing `data`'s array and version counter, detached: a leaf."""
    if not isinstance(data, Tensor):
        raise TypeError(f"_make_subclass(): argument 'data' (position 2) must be Tensor, not {type(data).__name__}")
    requires_grad = bool(requires_grad)
    if requires_grad and not data._dtype.is_floating_point:
        raise RuntimeError(MSG_INT_PARAM)
    t = object.__new__(cls)
    _init(t, data._data, data._dtype)
    t._vc = data._vc
    t._requires_grad = requires_grad
    if requires_grad:
        tracking_event("leaf_created", "Parameter", data, t)
    return t


class _ParameterMeta(type):
    # NOTE: like PyTorch, a tensor flagged `_is_param` also counts as a Parameter.
    def __instancecheck__(cls, instance):
        if cls is Parameter and isinstance(instance, Tensor) and getattr(instance, "_is_param", False):
            return True
        return super().__instancecheck__(instance)


class Parameter(Tensor, metaclass=_ParameterMeta):
    """A Tensor that a Module registers as a parameter when assigned as an attribute.

    Args:
        data (Tensor): the parameter's data (shared, not copied). Default: an empty float tensor.
        requires_grad (bool): whether the parameter requires grad (grad mode does not matter). Default: True
    """
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _new_empty()
        return _make_subclass(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass  # NOTE: everything happens in __new__; Tensor.__init__ must not run again

    def __deepcopy__(self, memo):
        # NOTE: PyTorch's Parameter.__deepcopy__ clones the data and does not copy .grad
        if id(self) in memo:
            return memo[id(self)]
        data = Tensor.__new__(Tensor)
        _init(data, self._data.copy(), self._dtype)
        result = type(self)(data, self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


def _new_empty():
    import numpy as np
    dtype = D.get_default_dtype()
    t = Tensor.__new__(Tensor)
    _init(t, np.empty((0,), dtype=dtype.np), dtype)
    return t


class _BufferMeta(type):
    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(metaclass=_BufferMeta):
    """A tensor that a Module registers as a buffer when assigned as an attribute (`persistent=False`
    keeps it out of the state_dict). Like PyTorch, `Buffer(t)` returns a plain Tensor (a detached alias of
    `t`) flagged `_is_buffer`."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _new_empty()
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedTensorMixin:
    """A tensor whose shape is unknown until `materialize(shape)` (lazy modules)."""
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        from ..ops.creation import empty
        if dtype is None:
            dtype = self._dtype
        new = empty(shape, dtype=dtype)
        self._data = new._data
        self._dtype = new._dtype
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
            "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
            "`forward` to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the "
            "parameters before calling `module.share_memory()`.")

    def __repr__(self):
        return f"<{self.__class__.__name__}>"

    __str__ = __repr__


def is_lazy(param):
    """Whether `param` is an uninitialized parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter without data yet; `materialize(shape)` turns it into a Parameter."""
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        t = _new_empty()
        if dtype is not None:
            t = t.to(dtype)
        return _make_subclass(cls, t, requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, None, self._dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer without data yet; `materialize(shape)` turns it into a Tensor."""
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        t = _new_empty()
        if dtype is not None:
            t = t.to(dtype)
        return _make_subclass(cls, t, requires_grad)

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

