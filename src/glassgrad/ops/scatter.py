"""Gather and scatter: index_select, gather, scatter*, index_add/copy/fill, masked_*, take*, nonzero."""
from .registry import primitive, defvjp, apply, call, NON_DIFFERENTIABLE, ZERO_GRAD  # noqa: F401

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": (), "Tensor": (), "nn.functional": (), "linalg": (), "special": ()}


def _nonzero_fwd(xp, x, *, as_tuple):
    nz = xp.nonzero(x)
    if as_tuple:
        return tuple(a.astype(xp.int64) for a in nz)
    return xp.stack(nz, axis=1).astype(xp.int64) if nz else xp.zeros((0, 0), xp.int64)


# NOTE: indices have no gradient; as_tuple=True returns one index tensor per dimension (nout varies with ndim)
NONZERO = primitive("nonzero", _nonzero_fwd)


def nonzero(input, *, as_tuple=False):
    if as_tuple:
        arrays = NONZERO.fwd(_xp_of(input), input._data, as_tuple=True)
        from ..tensor import _new
        from .. import _dtype as D
        return tuple(_new(a, D.int64) for a in arrays)
    return apply(NONZERO, (input,), {"as_tuple": False})


def _xp_of(t):
    from ..backends import get_array_module
    return get_array_module(t._data)


API["torch"] += ("nonzero",)
API["Tensor"] += ("nonzero",)
