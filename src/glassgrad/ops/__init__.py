"""The op library, and the Tensor methods and operators that call it.

Each op family module declares its public names in `API`, by namespace: "torch" (glassgrad.X), "Tensor"
(methods), "nn.functional", "linalg" and "special". A value is a tuple of the module's attribute names, or a
dict {public name: object} where the public name differs. `exported(namespace)` collects them; the Tensor
methods are installed here, the namespaces by glassgrad/__init__.py, nn/functional.py, linalg.py, special.py.
"""
from ..tensor import Tensor
from . import elementwise as E, reduction as R, shape as S, linalg as L, indexing as I, creation as C
from . import inplace as IP
from . import unary, activation, sorting, decomposition, scatter, layout, conv, pool, layers, loss, sampling
from . import distributions, counting, memory_formats, special_math, reshaping, statistics, scans, distances
from . import factories, assembly, products, pool3d, noise, cross_channel, rms_norm, margin_losses, upsample
from .registry import apply
from . import device_copy
from .. import _missing

__all__ = ["E", "R", "S", "L", "I", "C", "IP", "FAMILIES", "exported"]

# NOTE: order matters where two families export one name: the later one wins (memory_formats' clone/to/contiguous
# take memory_format=, counting's as_strided)
FAMILIES = (E, unary, R, sorting, L, decomposition, S, layout, I, scatter, C, activation, conv, pool, layers, loss,
            sampling, distributions, counting, memory_formats, special_math, reshaping, statistics, scans,
            distances, factories, assembly, products, pool3d, noise, cross_channel, rms_norm, margin_losses,
            upsample)


def exported(namespace):
    """{public name: object} of one namespace over all op families."""
    out = {}
    for fam in FAMILIES:
        names = fam.API.get(namespace, ())
        items = names.items() if isinstance(names, dict) else ((n, getattr(fam, n)) for n in names)
        for name, obj in items:
            out[name] = obj
    return out


def _operand(other, reflected=False):
    if isinstance(other, (Tensor, bool, int, float)):
        return other
    import numpy as np
    if isinstance(other, np.generic):
        return other.item()
    if isinstance(other, np.ndarray) and not reflected:
        # NOTE: `tensor * ndarray` converts the array; `ndarray * tensor` is a TypeError in PyTorch.
        return C.from_numpy(other)
    return None


def _binary(fn, reflected=False, swap=None):
    """An operator method. `reflected`: the `__r*__` form (the other operand came first); `swap`: pass the
    operands to `fn` in source order (default: when reflected). add/mul/rsub take the tensor first."""
    swap = reflected if swap is None else swap

    def method(self, other):
        o = _operand(other, reflected)
        if o is None:
            return NotImplemented
        return fn(o, self) if swap else fn(self, o)
    return method


def _rbinary(fn):
    return _binary(fn, reflected=True, swap=False)


def _arith(op, fn, reflected=False):
    """The operator method of add, mul or div, whose function with its defaults is the primitive `op` on (tensor,
    other): a tensor or a number goes straight to `op`, anything else through `fn` (the commonest ops on the
    hottest path, spared three calls)."""
    slow = _binary(fn, reflected=reflected, swap=False)

    def method(self, other):
        t = type(other)
        if t is float or t is Tensor or t is int:
            return apply(op, (self, other))
        return slow(self, other)
    return method


def _inplace(op_getter):
    def method(self, other, **kw):
        o = _operand(other)
        if o is None:
            return NotImplemented
        op, kw2 = op_getter(self, o, kw)
        return IP.apply_inplace(op, self, (o,), kw2)
    return method


def _add_op(self, o, kw):
    alpha = kw.get("alpha", 1)
    return E.ADD, ({"alpha": alpha} if alpha != 1 else None)


def _sub_op(self, o, kw):
    alpha = kw.get("alpha", 1)
    return E.SUB, ({"alpha": alpha} if alpha != 1 else None)


def _pow_op(self, o, kw):
    return (E.POW_T if isinstance(o, Tensor) else E.POW), None


def _unary_inplace(op):
    def method(self):
        return IP.apply_inplace(op, self)
    return method


def _rtruediv(self, other):
    o = _operand(other, True)
    if o is None:
        return NotImplemented
    return E.mul(E.reciprocal(self), o)


def _getitem(self, key):
    return I.getitem(self, key)


def _setitem(self, key, value):
    I.setitem(self, key, value)


def _install():
    T = Tensor
    T.__add__ = _arith(E.ADD, E.add)
    T.__radd__ = _arith(E.ADD, E.add, reflected=True)
    T.__sub__ = _binary(E.sub)
    T.__rsub__ = _rbinary(E.rsub)
    T.__mul__ = _arith(E.MUL, E.mul)
    T.__rmul__ = _arith(E.MUL, E.mul, reflected=True)
    T.__truediv__ = T.__div__ = _arith(E.DIV, E.div)
    T.__rtruediv__ = T.__rdiv__ = _rtruediv
    T.__pow__ = _binary(E.pow)
    T.__rpow__ = _binary(E.pow, reflected=True)
    T.__matmul__ = _binary(L.matmul)
    T.__rmatmul__ = _binary(L.matmul, reflected=True)
    T.__neg__ = E.neg
    T.__invert__ = E.bitwise_not
    T.__pos__ = lambda self: self
    T.__abs__ = E.abs
    T.__eq__ = _binary(E.eq)
    T.__ne__ = _binary(E.ne)
    T.__lt__ = _binary(E.lt)
    T.__le__ = _binary(E.le)
    T.__gt__ = _binary(E.gt)
    T.__ge__ = _binary(E.ge)
    T.__hash__ = lambda self: id(self)
    T.__iadd__ = _inplace(_add_op)
    T.__isub__ = _inplace(_sub_op)
    T.__imul__ = _inplace(lambda s, o, kw: (E.MUL, None))
    T.__itruediv__ = _inplace(lambda s, o, kw: (E.DIV, None))
    T.__ipow__ = _inplace(_pow_op)
    T.__getitem__ = _getitem
    T.__setitem__ = _setitem

    # NOTE: the families' API["Tensor"] names (installed after this) supply the named maths methods
    T.view, T.reshape, T.flatten, T.squeeze, T.unsqueeze = S.view, S.reshape, S.flatten, S.squeeze, S.unsqueeze
    T.transpose, T.swapaxes, T.swapdims, T.t, T.permute = S.transpose, S.transpose, S.transpose, S.t, S.permute
    T.expand, T.expand_as, T.narrow, T.select, T.unbind = S.expand, S.expand_as, S.narrow, S.select, S.unbind
    T.split, T.chunk, T.diagonal, T.unfold, T.movedim = S.split, S.chunk, S.diagonal, S.unfold, S.movedim
    T.reshape_as = lambda self, other: S.reshape(self, other._data.shape)
    T.T = property(_T)
    T.mT = property(_mT)
    T.where = lambda self, condition, other: E.where(condition, self, other)
    T.H = T.T
    T.mH = T.mT

    T.relu_ = _unary_inplace(E.RELU)
    T.copy_ = IP.copy_
    T.fill_ = IP.fill_
    T.zero_ = IP.zero_

    # clone, contiguous, is_contiguous, to and .float()... come from ops/memory_formats (memory_format=)
    T.cpu = device_copy.cpu
    T.cuda = device_copy.cuda


_warned_T = set()


def _T(self):
    nd = self._data.ndim
    key = "0-d" if nd == 0 else "n-d"
    if nd != 2 and key not in _warned_T:
        # NOTE: PyTorch warns once per process for each of these two cases.
        import warnings
        _warned_T.add(key)
        if nd == 0:
            msg = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
        else:
            msg = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
                   "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices "
                   "or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.")
        warnings.warn(msg, UserWarning, stacklevel=2)
    return S.permute(self, tuple(reversed(range(nd))))


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{self._data.ndim}-D tensor.")
    return S.transpose(self, -2, -1)


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    raise AssertionError("Torch not compiled with CUDA enabled")


_install()
for _name, _obj in exported("Tensor").items():
    setattr(Tensor, _name, _obj)
# NOTE: a stand-in per Tensor name PyTorch has and glassgrad lacks, not a Tensor.__getattr__: defining that makes
# CPython route every attribute read of every tensor through a slower hook (no specialised LOAD_ATTR), ~3% per op
_missing.install_stand_ins(Tensor, "torch.Tensor")
