"""Tensor: state, autograd flags and dunders. The maths lives in ops/, which installs the op methods.

A tensor is an array (`_data`) plus autograd state. Non-leaf tensors carry `_grad_fn`; leaves that
require grad have `_requires_grad` set and get an AccumulateGrad node on first use. Views carry their
root `_base` and a `_view` record (how to re-derive them from any array shaped like the base), so an
in-place op on a view can rewrite the base's history.
"""
import math
import operator
import re
import warnings
import weakref

import numpy as np

from . import _dtype as D
from .autograd import grad_mode
from .autograd.graph import AccumulateGrad, VersionCounter, add_hook
from .device import cpu as _cpu
from ._formats import strided as _strided
from .explain.events import tracking_event

__all__ = ["Tensor", "ViewInfo", "Size"]

_ndarray = np.ndarray
_gstate = grad_mode.state
_new_object = object.__new__

MSG_NUMPY_REQUIRES_GRAD = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
MSG_NONLEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information.")
MSG_SCALAR_REQUIRES_GRAD = ("Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                            "behavior.\nConsider using tensor.detach() first.")
MSG_NONLEAF_FLAG = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
    "in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
MSG_INT_REQUIRES_GRAD = "only Tensors of floating point and complex dtype can require gradients"
MSG_INT_REQUIRES_GRAD_ = "only Tensors of floating point dtype can require gradients"
MSG_PIN_DEVICE = "The argument 'device' of Tensor.{}() is deprecated. Please do not pass this argument."
_MISSING = object()  # an argument not given (new_tensor/new_full name what is missing, as PyTorch does)


class ViewInfo:
    """How a view was made: `fn(base_array)` re-derives it (as a writable view) from any array laid out
    like the base; `multi` marks outputs of split/unbind/chunk; `no_grad` marks views made while grad
    mode was off; `version` is the version at which the view's grad_fn was last set."""
    __slots__ = ("fn", "multi", "no_grad", "version", "op")

    def __init__(self, fn, multi, no_grad, version, op):
        self.fn = fn
        self.multi = multi
        self.no_grad = no_grad
        self.version = version
        self.op = op


class _Extra:
    """Rarely used per-tensor state, kept out of the hot slots."""
    __slots__ = ("accum", "hooks", "retains_grad", "inference", "post_accumulate_hooks", "prov", "origin",
                 "device", "pinned")

    def __init__(self):
        self.prov = None  # the explain record of the cut this tensor came from (explain/record.py)
        self.origin = None  # where a leaf that requires grad was made (explain/record.py)
        self.accum = None
        self.hooks = None
        self.retains_grad = False
        self.inference = False
        self.post_accumulate_hooks = None
        self.device = None  # set by ops/device_copy.py for tensors on an emulated GPU
        self.pinned = False  # a pin_memory() copy (only with CUDA emulated)


def _extra(t):
    e = t._extra
    if e is None:
        e = t._extra = _Extra()
    return e


def _read_only(name):
    def setter(self, value):
        raise AttributeError(f"attribute '{name}' of 'torch._C.TensorBase' objects is not writable")
    return setter


class Tensor:
    __slots__ = ("_data", "_dtype", "_requires_grad", "_grad_fn", "_output_nr", "_grad", "_vc",
                 "_base", "_view", "_extra", "__weakref__", "__dict__")
    # NOTE: NumPy must hand binary operators with a Tensor operand back to the Tensor.
    __array_priority__ = 1000

    def __init__(self, *args, **kwargs):
        # torch.Tensor(...): PyTorch's legacy constructor (sizes, data, or a tensor to alias; see _legacy.py)
        from ._legacy import construct
        made = construct(None, args, kwargs)
        for name in _FIELDS:
            setattr(self, name, getattr(made, name))

    # ---- autograd state -------------------------------------------------------------------
    @property
    def requires_grad(self):
        # NOTE: a view also requires grad while its base does (PyTorch's rule), even without a grad_fn; like
        # PyTorch, this reads the stored grad_fn and does not re-derive a view's.
        if self._requires_grad or self._grad_fn is not None:
            return True
        return self._base is not None and self._base.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if not isinstance(flag, bool):
            raise RuntimeError("requires_grad must be a bool")
        if flag and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        self._set_requires_grad(flag, MSG_INT_REQUIRES_GRAD)

    def requires_grad_(self, requires_grad=True):
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad_(): argument 'requires_grad' (position 1) must be bool, not "
                            f"{type(requires_grad).__name__}")
        self._set_requires_grad(requires_grad, MSG_INT_REQUIRES_GRAD_)
        return self

    def _set_requires_grad(self, flag, int_msg):
        flag = bool(flag)
        if self._grad_fn is not None:
            if flag:
                return  # a silent no-op in PyTorch
            raise RuntimeError(MSG_NONLEAF_FLAG)
        if flag and not self._dtype.is_floating_point:
            raise RuntimeError(int_msg)
        if flag and not self._requires_grad:
            tracking_event("requires_grad_new_leaf", "requires_grad_", None, self)
        elif not flag and self._requires_grad:
            tracking_event("frozen", "requires_grad_", self, None)
        self._requires_grad = flag

    @property
    def grad_fn(self):
        if self._base is None:
            return self._grad_fn
        return _view_grad_fn(self)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def grad(self):
        # NOTE: reads the stored grad_fn (a view's is not re-derived here, as in PyTorch)
        if self._grad is None:
            if self._grad_fn is not None and not self.retains_grad:
                warnings.warn(MSG_NONLEAF_GRAD, UserWarning, stacklevel=2)
            tracking_event("grad_read", ".grad", self, None)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor "
                                   f"of size '{list(self._data.shape)}'. Please ensure that the gradient and the "
                                   f"tensor are the same size")
            if value._dtype is not self._dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value._dtype.cpp_name}' to a tensor with "
                    f"grad_dtype '{self._dtype.scalar_name}'. The gradient must match the tensor's grad_dtype "
                    f"(defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific "
                    f"dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor "
                    f"and its gradient may break downstream systems that assume they match.")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._extra is not None and self._extra.retains_grad

    def retain_grad(self):
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is None or self.retains_grad:
            return
        _extra(self).retains_grad = True
        fn._set_retain(self._output_nr, self)

    def register_hook(self, hook):
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self.grad_fn
        if fn is not None:
            return fn._add_tensor_hook(self._output_nr, hook)
        return add_hook(_extra(self), "hooks", hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return add_hook(_extra(self), "post_accumulate_hooks", hook)

    def explain(self, name=None):
        """Why this tensor does or does not require grad (see glassgrad.explain)."""
        from .explain.why import explain
        from .explain.names import local_name
        return explain(self, name or local_name(self, 2))

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Computes the gradient of this tensor with respect to graph leaves (see autograd.backward)."""
        from .autograd.engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def _accumulator(self):
        e = _extra(self)
        acc = e.accum() if e.accum is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            e.accum = weakref.ref(acc)
        return acc

    @property
    def _version(self):
        if self._extra is not None and self._extra.inference:
            raise RuntimeError("Inference tensors do not track version counter.")
        return self._vc.v

    def detach(self):
        out = _new(self._data, self._dtype)
        out._vc = self._vc
        tracking_event("detach", "detach", self, out)
        return out

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view "
                               "is set as True, gradients are views of DDP buckets, and hence detach_() "
                               "cannot be called on these gradients. To fix this error, please refer to "
                               "the Optimizer.zero_grad() function in torch/optim/optimizer.py as the "
                               "solution.")
        tracking_event("detach", "detach_", self, self)
        self._grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    @property
    def data(self):
        # NOTE: `.data` gets its own version counter, so in-place changes through it are invisible to
        # the saved-value check, exactly as in PyTorch.
        out = _new(self._data, self._dtype)
        tracking_event("data_get", ".data", self, out)
        return out

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self.requires_grad and not value._dtype.is_floating_point:
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        tracking_event("data_set", ".data =", self, value)
        self._data = value._data
        self._dtype = value._dtype
        if self._extra is not None or value._extra is not None:
            _extra(self).device = value._extra.device if value._extra is not None else None

    # ---- metadata -------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return _tuple_new(Size, self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    def ndimension(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def device(self):
        d = self._extra.device if self._extra is not None else None
        return _cpu if d is None else d

    @property
    def is_cuda(self):
        return self._extra is not None and self._extra.device is not None and self._extra.device.type == "cuda"

    is_sparse = False
    is_quantized = False
    is_meta = False
    is_mkldnn = False
    layout = _strided

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return False

    def stride(self, dim=None):
        a = self._data
        if a.size:
            st = tuple(s // self._dtype.itemsize for s in a.strides)
        else:  # NumPy gives an empty array zero strides; PyTorch the contiguous ones, a size 0 counted as 1
            st, step = [], 1
            for n in reversed(a.shape):
                st.insert(0, step)
                step *= max(n, 1)
            st = tuple(st)
        return st if dim is None else st[_wrap_dim(dim, a.ndim)]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        raise NotImplementedError("glassgrad does not implement torch.Tensor.untyped_storage")

    # a tensor's storage is the memory of its root base (see ops/counting.py, as_strided)
    def storage_offset(self, *args):
        if args:
            raise TypeError(f"TensorBase.storage_offset() takes no arguments ({len(args)} given)")
        root = self._base if self._base is not None else self
        return (self.data_ptr() - _lowest_address(root._data)) // self._data.itemsize

    nbytes = property(lambda self: self._data.size * self._dtype.itemsize, _read_only("nbytes"))
    itemsize = property(lambda self: self._dtype.itemsize, _read_only("itemsize"))
    is_cpu = property(lambda self: self.device.type == "cpu", _read_only("is_cpu"))

    is_mps = False
    is_xpu = False

    def pin_memory(self, device=None):
        from .device import is_cuda_emulated
        if device is not None:
            warnings.warn(MSG_PIN_DEVICE.format("pin_memory"), DeprecationWarning, stacklevel=2)
            warnings.warn(MSG_PIN_DEVICE.format("is_pinned"), DeprecationWarning, stacklevel=2)
            if not is_cuda_emulated():
                from ._legacy import NO_CUDA_LIBRARY
                raise RuntimeError(NO_CUDA_LIBRARY)
        elif not is_cuda_emulated():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if self.is_pinned():
            return self
        out = self.clone()  # NOTE: with CUDA emulated, a pinned copy as on a GPU machine (a label only)
        _extra(out).pinned = True
        return out

    def is_pinned(self, device=None):
        if device is not None:
            warnings.warn(MSG_PIN_DEVICE.format("is_pinned"), DeprecationWarning, stacklevel=2)
        return self._extra is not None and self._extra.pinned

    def share_memory_(self):
        # NOTE: NumPy memory is already visible to forked workers; the mark is kept per memory block, as PyTorch
        # keeps it per storage (views and detached aliases report it too)
        owner = _memory_owner(self._data)
        _shared[id(owner)] = owner
        return self

    def is_shared(self):
        owner = _memory_owner(self._data)
        return _shared.get(id(owner)) is owner

    def apply_(self, callable):
        """Replaces every element by `callable(element)`, in Python (slow, as in PyTorch)."""
        if self.requires_grad:
            raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() "
                               "instead.")
        from ._legacy import map_elements
        map_elements(self, callable, ())
        return self

    def map_(self, tensor, callable):
        """Replaces every element by `callable(element, other_element)`, `tensor` broadcast to this shape."""
        if self.requires_grad:
            raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
        if not isinstance(tensor, Tensor):
            raise TypeError(f"map_(): argument 'other' (position 1) must be Tensor, not {type(tensor).__name__}")
        if tensor._dtype is not self._dtype:
            raise TypeError(f"map_: expected {self._dtype.legacy_type} for 'other' (got {tensor._dtype.legacy_type})")
        from ._legacy import map_elements
        map_elements(self, callable, (tensor.detach().expand(self._data.shape)._data,))
        return self

    def type(self, *args, **kwargs):
        from ._legacy import tensor_type
        if len(args) > 2:
            raise TypeError(f"type() takes from 0 to 2 positional arguments but {len(args)} were given")
        return tensor_type(self, *args, **kwargs)

    def type_as(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self.type(other.type())

    def view_as(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"view_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self.view(other._data.shape)

    # new_*: the dtype and device of this tensor unless given; never its requires_grad (see _legacy.py)
    def new_tensor(self, data=_MISSING, dtype=None, device=None, requires_grad=False, layout=None,
                   pin_memory=False):
        from ._legacy import new_tensor
        return new_tensor(self, data, dtype, device, requires_grad)

    def new_zeros(self, *size, **options):
        from ._legacy import new_filled
        return new_filled(self, "new_zeros", size, options, 0)

    def new_ones(self, *size, **options):
        from ._legacy import new_filled
        return new_filled(self, "new_ones", size, options, 1)

    def new_empty(self, *size, **options):
        from ._legacy import new_filled
        return new_filled(self, "new_empty", size, options, None)

    def new_full(self, size=_MISSING, fill_value=_MISSING, **options):
        missing = [n for n, v in (("size", size), ("fill_value", fill_value)) if v is _MISSING]
        if missing:
            # NOTE: PyTorch's own wording, whose plural is the other way round
            quoted = ", ".join(f'"{n}"' for n in missing)
            raise TypeError(f"new_full() missing {len(missing)} required positional "
                            f"{'argument' if len(missing) > 1 else 'arguments'}: {quoted}")
        from ._legacy import new_filled
        return new_filled(self, "new_full", (size,), options, fill_value)

    def is_view(self):
        return self._base is not None

    def is_inference(self):
        return self._extra is not None and self._extra.inference

    def get_device(self):
        d = self._extra.device if self._extra is not None else None
        return -1 if d is None else d.index

    # ---- conversion to Python and NumPy ---------------------------------------------------
    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError(MSG_NUMPY_REQUIRES_GRAD)
        tracking_event("numpy", "numpy", self, None)
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError(MSG_NUMPY_REQUIRES_GRAD)
        tracking_event("numpy", "__array__", self, None)
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        if copy:
            return self._data.copy()
        return self._data

    def __array_wrap__(self, array, context=None, return_scalar=False):
        return _new(np.asarray(array), D.from_numpy_dtype(array.dtype))

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        value = self._data.reshape(()).item()
        tracking_event("scalar", "item", self, value)
        return value

    def _scalar(self, kind, op, warn=False):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if warn and not _warned_scalar and self.requires_grad:
            _warn_scalar_once()
        value = kind(self._data.reshape(()).item())
        tracking_event("scalar", op, self, value)
        return value

    def __float__(self):
        return self._scalar(float, "__float__", warn=True)

    def __int__(self):
        return self._scalar(int, "__int__")

    def __bool__(self):
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        tracking_event("scalar", "__bool__", self, None)
        return bool(self._data.reshape(()).item())

    def __index__(self):
        if self._dtype._cat != 1 and self._dtype is not D.bool_ or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __complex__(self):
        return complex(self._scalar(float, "__complex__", warn=True))

    def tolist(self):
        value = self._data.tolist()
        tracking_event("scalar", "tolist", self, value)
        return value

    def __format__(self, spec):
        if self._data.ndim == 0:
            tracking_event("scalar", "__format__", self, None)
            return format(self._data.item(), spec)
        return object.__format__(self, spec)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import format_tensor
        extras = []
        if self._extra is not None and self._extra.device is not None:
            extras.append(f"device='{self._extra.device}'")
        fn = self.grad_fn
        if fn is not None:
            extras.append(f"grad_fn=<{type(fn).__name__}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return format_tensor(self._data, self._dtype.name, tuple(extras), D.get_default_dtype().name)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        # NOTE: plain pickle (copy, multiprocessing, a script's own pickle.dump) works as PyTorch's does: values,
        # dtype, requires_grad (a non-leaf comes back a leaf) and the class (Parameter). Loading a pickle runs
        # what it names, as always: files from elsewhere go through glassgrad.load, weights_only by default.
        return _rebuild_pickled, (type(self), self._data.copy(order="C"), self.requires_grad)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.  If you were attempting to deepcopy a "
                               "module, this may be because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        out = _new(self._data.copy(), self._dtype)
        out._requires_grad = self._requires_grad
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        if type(self) is not Tensor:
            out.__class__ = type(self)
        out.__dict__.update(self.__dict__)
        memo[id(self)] = out
        return out


_warned_scalar = False


def warn_scalar_conversion():
    """PyTorch's once-per-process warning for a tensor that requires grad converted to a Python scalar."""
    if not _warned_scalar:
        _warn_scalar_once()


def _warn_scalar_once():
    # NOTE: PyTorch warns once per process (TORCH_WARN_ONCE), and only for float() and complex().
    global _warned_scalar
    _warned_scalar = True
    warnings.warn(MSG_SCALAR_REQUIRES_GRAD, UserWarning, stacklevel=4)


_FIELDS = ("_data", "_dtype", "_requires_grad", "_grad_fn", "_output_nr", "_grad", "_vc", "_base", "_view", "_extra")


def _init(t, data, dtype, grad_fn=None, output_nr=0):
    """Gives `t`, already allocated (Tensor.__init__'s self, a Parameter), the fields `_new` gives a new tensor."""
    fresh = _new(data, dtype, grad_fn, output_nr)
    for name in _FIELDS:
        setattr(t, name, getattr(fresh, name))


def _new(data, dtype, grad_fn=None, output_nr=0):
    """The one fast constructor every op uses."""
    t = _new_object(Tensor)
    t._data = data
    t._dtype = dtype
    t._requires_grad = False
    t._grad_fn = grad_fn
    t._output_nr = output_nr
    t._grad = None
    t._vc = vc = _new_object(VersionCounter)  # NOTE: VersionCounter() without its __init__ frame: once per op
    vc.v = 0
    t._base = None
    t._view = None
    t._extra = None
    return t


class Size(tuple):
    """torch.Size: the shape of a tensor, a tuple of ints that prints as `torch.Size([2, 3])`. Slices, sums and
    repeats of it are Sizes too.

    >>> import glassgrad as torch
    >>> s = torch.ones(2, 3).shape
    >>> s, s[1:], (4,) + s, s.numel()
    (torch.Size([2, 3]), torch.Size([3]), torch.Size([4, 2, 3]), 6)
    """
    __slots__ = ()

    def __new__(cls, sizes=()):
        items = []
        for i, n in enumerate(sizes):
            try:
                # as PyTorch takes them: ints, bools and one-element integer tensors as ints, NumPy ints as they are
                if isinstance(n, Tensor):
                    n = n.__index__()
                elif isinstance(n, bool):
                    n = int(n)
                elif not isinstance(n, int):
                    operator.index(n)  # raises for what is not an integer; NumPy ints stay as they are
                items.append(n)
            except TypeError:
                name = "Tensor" if isinstance(n, Tensor) else type(n).__name__
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{name}')") from None
        return tuple.__new__(cls, items)

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def __reduce__(self):
        return (Size, (tuple(self),))

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return _tuple_new(Size, r) if isinstance(item, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            raise TypeError(f"can only concatenate tuple (not {type(other).__name__}) to torch.Size")
        return _tuple_new(Size, tuple.__add__(self, other))

    def __radd__(self, other):
        # NOTE: `(4,) + size` reaches here (Python asks a subclass's reflected method first) and is a Size too
        if isinstance(other, list):
            raise TypeError('can only concatenate list (not "torch.Size") to list')
        if not isinstance(other, tuple):
            return NotImplemented
        return _tuple_new(Size, other + tuple(self))

    def __mul__(self, n):
        return _tuple_new(Size, tuple.__mul__(self, n))

    __rmul__ = __mul__


_tuple_new = tuple.__new__


def _size(shape):
    """torch.Size(shape) of a NumPy shape (a tuple of ints: no checks needed, on every `.shape`)."""
    return _tuple_new(Size, shape)


def _lowest_address(a):
    """The lowest address an array's elements occupy (NumPy strides may be negative, PyTorch's are not)."""
    return a.__array_interface__["data"][0] + sum((n - 1) * st for n, st in zip(a.shape, a.strides) if st < 0 and n)


def _memory_owner(a):
    """The array that owns the memory `a` views."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


_shared = weakref.WeakValueDictionary()  # id(memory owner) -> owner, for the blocks share_memory_() marked


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _view_grad_fn(t):
    """A view's grad_fn is re-derived from its base when the shared version moved on (PyTorch does the
    same): the view then reads its gradient out of the base's current history."""
    info = t._view
    base = t._base
    if info is None:
        return t._grad_fn
    if t._grad_fn is None and not base.requires_grad:
        return None
    v = t._vc.v
    if info.version != v:
        if info.multi:
            fname = re.sub(r"Backward0$", "", info.op.node_cls.__name__)
            raise RuntimeError(
                f"Output {t._output_nr} of {fname} is a view and its base or another view of its base has been "
                f"modified inplace. This view is the output of a function that returns multiple views. Such "
                f"functions do not allow the output views to be modified inplace. You should replace the inplace "
                f"operation by an out-of-place one.")
        if info.no_grad and base.requires_grad:  # NOTE: PyTorch refuses this whatever the grad mode
            raise RuntimeError(
                "A view was created in no_grad mode and its base or another view of its base has been "
                "modified inplace with grad mode enabled. Given that this use case is ambiguous and "
                "error-prone, it is forbidden. You can clarify your code by moving both the view and the "
                "inplace either both inside the no_grad block (if you don't want the inplace to be "
                "tracked) or both outside (if you want the inplace to be tracked).")
        from .autograd.views import AsStridedBackward0
        edge = _edge(base)
        set_history(t, AsStridedBackward0(edge, info.fn, base._data.shape, base._data, t._dtype))
        info.version = v
    return t._grad_fn


def set_history(t, fn):
    """Makes `fn` the tensor's grad_fn (output 0); retain_grad() follows the tensor to it, as in PyTorch."""
    old = t._grad_fn
    if t._extra is not None and t._extra.retains_grad:
        if old is not None and old._x is not None and old._x.retain:
            old._x.retain.pop(t._output_nr, None)
        fn._set_retain(0, t)
    t._grad_fn = fn
    t._output_nr = 0


def _edge(t):
    """The gradient edge of a tensor: where gradient for it must be sent, or None."""
    fn = t._grad_fn if t._base is None else _view_grad_fn(t)
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        return (t._accumulator(), 0)
    return None


def _rebuild_pickled(cls, array, requires_grad):
    """Unpickles a tensor (see Tensor.__reduce_ex__)."""
    t = _new(array, D.from_numpy_dtype(array.dtype))
    t._vc.v = 1  # PyTorch rebuilds it by setting its storage, which counts as one change
    if cls is not Tensor:
        from .nn.parameter import Parameter
        if issubclass(cls, Parameter):
            return cls(t, requires_grad)
        t.__class__ = cls
    t._requires_grad = requires_grad
    return t
