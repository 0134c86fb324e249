"""Matrix products and structured matrices: matmul and its relatives, einsum, tensordot, the fused add-products,
kron, trace, diag, diag_embed, tril/triu and cross."""
import math
import warnings

from .registry import primitive, defvjp, apply, call, TENSOR_XP, records
from ..backends import get_array_module
from ..tensor import Tensor, _wrap_dim
from .. import _dtype as D

__all__ = ["matmul", "mm", "mv", "dot", "bmm", "vdot", "outer", "inner", "einsum", "tensordot", "addmm", "addmv",
           "baddbmm", "kron", "trace", "diag", "diag_embed", "tril", "triu", "tril_", "triu_", "cross",
           "linalg_cross", "addmm_", "addmv_", "baddbmm_"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
_PRODUCTS = ("matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "inner", "addmm", "addmv", "baddbmm", "kron",
             "trace", "diag", "diag_embed", "tril", "triu", "cross")
API = {"torch": _PRODUCTS + ("einsum", "tensordot", "addmv_"),
       "Tensor": _PRODUCTS + ("tril_", "triu_", "addmm_", "addmv_", "baddbmm_"),
       "nn.functional": (), "linalg": {}, "special": ()}  # "linalg" is filled in at the end of the module


def _host(xp, like):
    """The array module for constants (masks) inside a VJP: `xp` itself, or the one under the tensors of the
    tensor namespace when building a graph."""
    return get_array_module(like._data) if records(xp) else xp


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


# ---- matmul, mm, bmm, mv, dot, vdot ---------------------------------------------------------------------------
def _mm_x(grad, y, xp):
    return xp.matmul(grad, _mT(xp, y))


def _mm_y(grad, x, xp):
    return xp.matmul(_mT(xp, x), grad)


MM = primitive("mm", lambda xp, x, y: xp.matmul(x, y))
defvjp(MM, x=_mm_x, y=_mm_y)
BMM = primitive("bmm", lambda xp, x, y: xp.matmul(x, y))
defvjp(BMM, x=_mm_x, y=_mm_y)
DOT = primitive("dot", lambda xp, x, y: xp.dot(x, y))
defvjp(DOT, x=lambda grad, y: grad * y, y=lambda grad, x: grad * x)
VDOT = primitive("vdot", lambda xp, x, y: xp.vdot(x, y))
defvjp(VDOT, x=lambda grad, y: grad * y, y=lambda grad, x: grad * x)
MV = primitive("mv", lambda xp, x, y: xp.matmul(x, y))
defvjp(MV, x=lambda grad, y, xp: xp.expand_dims(grad, -1) * y, y=lambda grad, x, xp: xp.matmul(_mT(xp, x), grad))


def _matmul_x(grad, x, y, xp):
    # Promote the 1-D cases to matrices, take the matrix VJP, then drop the added dimensions again;
    # the engine sums broadcast batch dimensions back to x's shape.
    if y.ndim == 1:
        g = xp.expand_dims(grad, -1) * y
    else:
        gm = grad if x.ndim > 1 else xp.expand_dims(grad, -2)
        g = xp.matmul(gm, _mT(xp, y))
        if x.ndim == 1:
            g = xp.sum(g, axis=tuple(range(g.ndim - 2)), keepdims=False) if g.ndim > 2 else g
            g = xp.reshape(g, x.shape)
    return g


def _matmul_y(grad, x, y, xp):
    if x.ndim == 1:
        if y.ndim == 1:
            return grad * x
        return xp.matmul(xp.expand_dims(x, -1), xp.expand_dims(grad, -2))
    gm = xp.expand_dims(grad, -1) if y.ndim == 1 else grad
    g = xp.matmul(_mT(xp, x), gm)
    if y.ndim == 1:
        g = xp.sum(g, axis=tuple(range(g.ndim - 2)), keepdims=False) if g.ndim > 2 else g
        g = xp.reshape(g, y.shape)
    return g


# NOTE: PyTorch routes matmul through reshapes, expands and views, and its result's node is named after the last
# of those; the same maths is declared under each name it can show.
MATMUL = primitive("matmul", lambda xp, x, y: xp.matmul(x, y), node="UnsafeViewBackward0")
defvjp(MATMUL, x=_matmul_x, y=_matmul_y)
MATMUL_SQUEEZE = primitive("matmul_squeeze", lambda xp, x, y: xp.matmul(x, y), node="SqueezeBackward4")
defvjp(MATMUL_SQUEEZE, x=_matmul_x, y=_matmul_y)
MATMUL_CLONE = primitive("matmul_clone", lambda xp, x, y: xp.matmul(x, y), node="CloneBackward0")
defvjp(MATMUL_CLONE, x=_matmul_x, y=_matmul_y)


def _operands(x, y, name):
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor")
    if x._data.ndim == 0 or y._data.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{x._data.ndim}D and {y._data.ndim}D")
    if x._dtype is not y._dtype:
        a, b = x._data.ndim, y._data.ndim
        if a == 1 and b == 1:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {x._dtype.scalar_name} and "
                               f"{y._dtype.scalar_name}")
        if a == 2 and b == 1:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {y._dtype.scalar_name}, "
                               f"{x._dtype.scalar_name}, and {y._dtype.scalar_name}")
        if a > 2 or b > 2:
            raise RuntimeError(f"expected scalar type {x._dtype.scalar_name} but found {y._dtype.scalar_name}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_tn(x)} != {_tn(y)}")


def _tn(t):
    # NOTE: this message spells int64 as "long long", unlike PyTorch's other messages
    return "long long" if t._dtype.name == "int64" else t._dtype.cpp_name


def _x(shape):
    return "x".join(map(str, shape))


def _size_error(n, m):
    return RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of "
                        f"elements, but got {n} and {m} elements respectively")


def _broadcast_batch(a, b):
    """The broadcast of two batch shapes, with PyTorch's error for a mismatch."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (p, q) in enumerate(zip(a, b)):
        if p != q and p != 1 and q != 1:
            raise RuntimeError(f"The size of tensor a ({p}) must match the size of tensor b ({q}) at non-singleton "
                               f"dimension {i}")
        out.append(q if p == 1 else p)
    return tuple(out)


def _matmul_check(a, b):
    """PyTorch's messages for a matmul shape mismatch, which name the matrices it folds the operands into."""
    k = b[0] if len(b) == 1 else b[-2]
    if len(a) >= 3 and len(b) >= 3:
        batch = _broadcast_batch(a[:-2], b[:-2])
        if a[-1] != k:
            n = math.prod(batch)
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {a[-1]}] but "
                               f"got: [{n}, {k}].")
        return
    if a[-1] == k:
        return
    if len(a) == 1 and len(b) == 1:
        raise _size_error(a[0], b[0])
    if len(b) == 1:
        rows = math.prod(a[:-1])
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{a[-1]}), vec ({b[0]})")
    if len(b) == 2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({math.prod(a[:-1])}x{a[-1]} and {_x(b)})")
    # a is a vector or a matrix, b a batch: PyTorch folds b's transpose and multiplies a's transpose
    rows = math.prod(b[:-2]) * b[-1]
    if len(a) == 1:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{b[-2]}), vec ({a[0]})")
    raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{b[-2]} and {a[1]}x{a[0]})")


def matmul(input, other, *, out=None):
    _operands(input, other, "matmul")
    a, b = input._data, other._data
    _matmul_check(a.shape, b.shape)
    if a.ndim == 1 and b.ndim == 1:
        return apply(DOT, (input, other))
    if a.ndim == 2 and b.ndim == 2:
        return apply(MM, (input, other))
    if a.ndim == 2 and b.ndim == 1:
        return apply(MV, (input, other))
    if a.ndim == 1 and b.ndim == 2:
        out = apply(MATMUL_SQUEEZE, (input, other))
        out._vc.v = 1  # NOTE: PyTorch squeezes this result in place, so users see version 1
        return out
    if 2 <= a.ndim <= b.ndim and b.ndim >= 3 and input.requires_grad and a.shape[:-2] != b.shape[:-2]:
        return apply(MATMUL_CLONE, (input, other))
    return apply(MATMUL, (input, other))


def mm(input, mat2, *, out=None):
    _operands(input, mat2, "mm")
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2, *, out=None):
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    a, b = input._data.shape, mat2._data.shape
    if b[:2] != (a[0], a[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a[0]}, {a[2]}] but "
                           f"got: [{b[0]}, {b[1]}].")
    _operands(input, mat2, "bmm")
    return apply(BMM, (input, mat2))


def mv(input, vec, *, out=None):
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    _operands(input, vec, "mv")
    _matmul_check(input._data.shape, vec._data.shape)
    return apply(MV, (input, vec))


def _vectors(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._data.shape[0] != other._data.shape[0]:
        raise _size_error(input._data.shape[0], other._data.shape[0])
    if input._dtype is not other._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {input._dtype.scalar_name} "
                           f"and {other._dtype.scalar_name}")


def dot(input, other, *, out=None):
    _vectors(input, other)
    return apply(DOT, (input, other))


def vdot(input, other, *, out=None):
    _vectors(input, other)
    return apply(VDOT, (input, other))


def outer(input, vec2, *, out=None):
    from .elementwise import mul
    from .shape import reshape
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return mul(reshape(input, (input._data.shape[0], 1)), vec2)


# ---- einsum -------------------------------------------------------------------------------------------------
# An equation is rewritten with one letter per dimension (ellipses become fresh letters) and computed left to
# right, one pair of operands at a time, as PyTorch does; each step is one primitive whose VJPs are einsums too.
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _einsum_fwd1(xp, a, *, eq, shapes):
    # NOTE: NumPy returns a view of the operand for transposes and diagonals; a result owns its memory
    return xp.einsum(eq, xp.broadcast_to(a, shapes[0]), optimize=True).copy()


def _einsum_fwd2(xp, a, b, *, eq, shapes):
    return xp.einsum(eq, xp.broadcast_to(a, shapes[0]), xp.broadcast_to(b, shapes[1]), optimize=True)


def _einsum_grad(xp, grad, k, operands, eq, shapes):
    """The gradient of operand k of `eq` (given the other operands): an einsum from the output back to the
    operand's labels, broadcast over labels it alone has, and placed on the diagonal of repeated labels."""
    ins, out = eq.split("->")
    ins = ins.split(",")
    mine = ins[k]
    others = [(lab, xp.broadcast_to(o, shapes[i])) for i, (lab, o) in enumerate(zip(ins, operands)) if i != k]
    unique = "".join(dict.fromkeys(mine))
    seen = set(out).union(*[set(lab) for lab, _ in others])
    kept = "".join(c for c in unique if c in seen)
    subs = ",".join([out] + [lab for lab, _ in others])
    g = xp.einsum(f"{subs}->{kept}", grad, *[o for _, o in others], optimize=True)
    shape = shapes[k]
    if kept != mine:
        first = {c: mine.index(c) for c in unique}
        g = xp.reshape(g, tuple(shape[i] if first[c] == i and c in seen else 1 for i, c in enumerate(mine)))
        g = xp.broadcast_to(g, shape)
        if len(unique) != len(mine):
            g = g * _diagonal_mask(_host(xp, grad), mine, shape)
    return g


def _diagonal_mask(np_, labels, shape):
    """True where the indices of each repeated label agree."""
    mask = np_.ones(shape, dtype=bool)
    for c in set(labels):
        pos = [i for i, d in enumerate(labels) if d == c]
        for p in pos[1:]:
            ar = np_.arange(shape[p])
            mask = mask & (ar.reshape([-1 if i == pos[0] else 1 for i in range(len(shape))]) ==
                           ar.reshape([-1 if i == p else 1 for i in range(len(shape))]))
    return mask


def _einsum_vjp1(grad, eq, shapes, xp):
    return _einsum_grad(xp, grad, 0, (None,), eq, shapes)


def _einsum_vjp2_a(grad, b, eq, shapes, xp):
    return _einsum_grad(xp, grad, 0, (None, b), eq, shapes)


def _einsum_vjp2_b(grad, a, eq, shapes, xp):
    return _einsum_grad(xp, grad, 1, (a, None), eq, shapes)


_EINSUM = {}


def _einsum_op(arity, node):
    """The one- or two-operand einsum primitive, under the node name PyTorch's decomposition ends with."""
    op = _EINSUM.get((arity, node))
    if op is None:
        if arity == 1:
            op = primitive("einsum", _einsum_fwd1, node=node)
            defvjp(op, a=_einsum_vjp1)
        else:
            op = primitive("einsum", _einsum_fwd2, node=node)
            defvjp(op, a=_einsum_vjp2_a, b=_einsum_vjp2_b)
        _EINSUM[(arity, node)] = op
    return op


def _einsum_error(msg):
    return RuntimeError(f"einsum(): {msg}")


def _parse_einsum(equation, shapes):
    """(input label strings, output label string, {label: size}) with ellipses spelled out as letters."""
    for i, c in enumerate(equation):
        if not (c.isascii() and c.isalpha()) and c not in " ,.->":
            raise _einsum_error(f"invalid subscript given at index {i} in the equation string, subscripts must be "
                                f"in [a-zA-Z]")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs or (arrow and any(c in ",->" for c in rhs)):
        bad = len(equation) - len(equation.lstrip()) + len(lhs) + 2 + next(i for i, c in enumerate(rhs) if c in "-,>")
        raise _einsum_error(f"invalid subscript given at index {bad} in the equation string, subscripts must be in "
                            f"[a-zA-Z]")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise _einsum_error("more operands were provided than specified in the equation")
    used = set(c for c in eq if c.isalpha())
    fresh = [c for c in _LETTERS if c not in used]
    ell_ndim = 0
    parsed = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        if "." in term.replace("...", ""):
            raise _einsum_error(f"found '.' for operand {k} that is not part of any ellipsis")
        has_ell = "..." in term
        named = len(term.replace("...", ""))
        if not has_ell and named != len(shape):
            raise _einsum_error(f"the number of subscripts in the equation ({named}) does not match the number of "
                                f"dimensions ({len(shape)}) for operand {k} and no ellipsis was given")
        if has_ell and named > len(shape):
            raise _einsum_error(f"the number of subscripts in the equation ({named}) is more than the number of "
                                f"dimensions ({len(shape)}) for operand {k}")
        n_ell = len(shape) - named if has_ell else 0
        ell_ndim = max(ell_ndim, n_ell)
        parsed.append((term, n_ell))
    ell = "".join(fresh[:ell_ndim])
    ins = [term.replace("...", ell[ell_ndim - n:]) for term, n in parsed]
    sizes = {}
    for k, (lab, shape) in enumerate(zip(ins, shapes)):
        own = {}
        for c, n in zip(lab, shape):
            if c in own and own[c] != n:
                raise _einsum_error(f"subscript {c} is repeated for operand {k} but the sizes don't match, "
                                    f"{own[c]} != {n}")
            own[c] = n
        for c, n in own.items():
            prev = sizes.get(c, 1)
            if n != prev and n != 1 and prev != 1:
                if c in ell:
                    d = ell.index(c)
                    raise _einsum_error(f"dimension {d} covered by ellipsis in operand {k}has size {n} which does not "
                                        f"broadcast with previously seen ellipsis with size {prev} for the respective "
                                        f"dimension")
                raise _einsum_error(f"subscript {c} has size {n} for operand {k} which does not broadcast with "
                                    f"previously seen size {prev}")
            sizes[c] = n if prev == 1 else prev
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if c not in sizes:
                raise _einsum_error(f"output subscript {c} does not appear in the equation for any input operand")
            if out.count(c) > 1:
                raise _einsum_error(f"output subscript {c} appears more than once in the output")
    else:
        counts = {}
        for c in "".join(ins):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return ins, out, sizes


def einsum(*args):
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    equation, operands = args[0], args[1:]
    if not isinstance(equation, str):
        raise NotImplementedError("glassgrad.einsum takes an equation string: einsum('ij,jk->ik', a, b); the "
                                  "sublist format einsum(a, [0, 1], b, [1, 2]) is not supported")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    dt = operands[0]._dtype
    for t in operands[1:]:
        if t._dtype is not dt:
            raise RuntimeError(f"expected scalar type {dt.scalar_name} but found {t._dtype.scalar_name}")
    ins, out, sizes = _parse_einsum(equation, [t._data.shape for t in operands])
    summed = set("".join(ins)) - set(out)
    if len(operands) == 1:
        node = "SumBackward1" if summed else "PermuteBackward0"
        return apply(_einsum_op(1, node), operands, {"eq": f"{ins[0]}->{out}", "shapes": (_shape(ins[0], sizes),)})
    acc, acc_lab = operands[0], ins[0]
    for k in range(1, len(operands)):
        later = set(out).union(*[set(lab) for lab in ins[k + 1:]])
        # NOTE: a step that sums a label ends in a reshape (PyTorch's ViewBackward0), one that does not in a mul;
        # the last step is named after the whole equation, as PyTorch keeps summed labels to the end
        if k == len(operands) - 1:
            step_out, step_summed = out, summed
        else:
            step_out = "".join(c for c in dict.fromkeys(acc_lab + ins[k]) if c in later)
            step_summed = set(acc_lab + ins[k]) - set(step_out)
        node = "ViewBackward0" if step_summed else "MulBackward0"
        kw = {"eq": f"{acc_lab},{ins[k]}->{step_out}", "shapes": (_shape(acc_lab, sizes), _shape(ins[k], sizes))}
        acc, acc_lab = apply(_einsum_op(2, node), (acc, operands[k]), kw), step_out
    return acc


def _shape(labels, sizes):
    return tuple(sizes[c] for c in labels)


def _einsum_tensors(eq, *operands, optimize=True):
    """np.einsum over tensors, for VJPs that build a graph (explicit single-letter equations only)."""
    return einsum(eq, *[o if isinstance(o, Tensor) else _const(o, operands) for o in operands])


def _const(a, operands):
    from .creation import from_numpy
    like = next(o for o in operands if isinstance(o, Tensor))
    return from_numpy(a.astype(like._dtype.np))


TENSOR_XP["einsum"] = _einsum_tensors


# ---- tensordot, inner, kron ---------------------------------------------------------------------------------
def _same_dtype(a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")


def tensordot(a, b, dims=2, out=None):
    _same_dtype(a, b)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a._data.ndim or dims > b._data.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, but got {len(da)} and {len(db)}")
    sa, sb = a._data.shape, b._data.shape
    la, lb = list(_LETTERS[:len(sa)]), list(_LETTERS[len(sa):len(sa) + len(sb)])
    for i, j in zip(da, db):
        ni, nj = sa[_wrap_dim(i, len(sa))], sb[_wrap_dim(j, len(sb))]
        if ni != nj and ni != 1 and nj != 1:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {ni} in dim {i} and second "
                               f"has size {nj} in dim {j}")
        lb[_wrap_dim(j, len(sb))] = la[_wrap_dim(i, len(sa))]
    contracted = set(la) & set(lb)
    out_lab = "".join(c for c in la if c not in contracted) + "".join(c for c in lb if c not in contracted)
    sizes = {}
    for c, n in list(zip(la, sa)) + list(zip(lb, sb)):
        sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    eq = f"{''.join(la)},{''.join(lb)}->{out_lab}"
    return apply(_einsum_op(2, "ViewBackward0"), (a, b), {"eq": eq, "shapes": (_shape(la, sizes), _shape(lb, sizes))})


def inner(input, other, *, out=None):
    if input._data.ndim == 0 or other._data.ndim == 0:
        from .elementwise import mul
        return mul(input, other)
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(sa)} and {list(sb)}")
    return tensordot(input, other, ([-1], [-1]))


def kron(input, other, *, out=None):
    from .shape import UNSAFE_VIEW
    a, b = _promoted(input, other)
    n = max(a._data.ndim, b._data.ndim)
    sa = (1,) * (n - a._data.ndim) + a._data.shape
    sb = (1,) * (n - b._data.ndim) + b._data.shape
    la, lb = _LETTERS[n - a._data.ndim:n], _LETTERS[2 * n - b._data.ndim:2 * n]
    out = "".join(c for pair in zip(_LETTERS[:n], _LETTERS[n:2 * n]) for c in pair if c in la or c in lb)
    sizes = dict(zip(la + lb, a._data.shape + b._data.shape))
    prod = apply(_einsum_op(2, "MulBackward0"), (a, b),
                 {"eq": f"{la},{lb}->{out}", "shapes": (_shape(la, sizes), _shape(lb, sizes))})
    return apply(UNSAFE_VIEW, (prod,), {"shape": tuple(p * q for p, q in zip(sa, sb))})


def _promoted(*tensors):
    from .creation import to
    dt = D.result_type(*tensors)
    return tuple(t if t._dtype is dt else to(t, dt) for t in tensors)


# ---- addmm, addmv, baddbmm ----------------------------------------------------------------------------------
def _fused(product):
    def fwd(xp, input, x, y, *, beta=1, alpha=1):
        p = product(xp, x, y)
        if alpha != 1:
            p = p * alpha
        if beta == 0:
            return p  # NOTE: PyTorch ignores `input` when beta is 0, nan and inf included
        return (input if beta == 1 else input * beta) + p
    return fwd


def _scaled(g, alpha):
    return g if alpha == 1 else g * alpha


def _fused_input_vjp(grad, beta):
    return grad if beta == 1 else grad * beta


def _mv_x(grad, y, alpha, xp):
    return _scaled(xp.expand_dims(grad, -1) * y, alpha)


def _mv_y(grad, x, alpha, xp):
    return _scaled(xp.matmul(_mT(xp, x), grad), alpha)


ADDMM = primitive("addmm", _fused(lambda xp, x, y: xp.matmul(x, y)))
defvjp(ADDMM, input=_fused_input_vjp, x=lambda grad, y, alpha, xp: _scaled(_mm_x(grad, y, xp), alpha),
       y=lambda grad, x, alpha, xp: _scaled(_mm_y(grad, x, xp), alpha))
BADDBMM = primitive("baddbmm", _fused(lambda xp, x, y: xp.matmul(x, y)))
defvjp(BADDBMM, input=_fused_input_vjp, x=lambda grad, y, alpha, xp: _scaled(_mm_x(grad, y, xp), alpha),
       y=lambda grad, x, alpha, xp: _scaled(_mm_y(grad, x, xp), alpha))
ADDMV = primitive("addmv", _fused(lambda xp, x, y: xp.matmul(x, y)))
defvjp(ADDMV, input=_fused_input_vjp, x=_mv_x, y=_mv_y)


def _expand_error(target, shape):
    for i in range(1, len(shape) + 1):
        if shape[-i] != 1 and shape[-i] != target[-i]:
            return RuntimeError(f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                                f"({shape[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                                f"{list(target)}.  Tensor sizes: {list(shape)}")
    return RuntimeError(f"expand: the number of sizes provided ({len(target)}) must be greater or equal to the "
                        f"number of dimensions in the tensor ({len(shape)})")


def _check_input(input, target):
    shape = input._data.shape
    if len(shape) > len(target) or any(p != 1 and p != q for p, q in zip(reversed(shape), reversed(target))):
        raise _expand_error(target, shape)


def _fused_dtypes(input, x, y, name_x, name_y):
    if input._dtype is not y._dtype:
        raise RuntimeError(f"self and {name_y} must have the same dtype, but got {input._dtype.scalar_name} and "
                           f"{y._dtype.scalar_name}")
    if x._dtype is not y._dtype:
        raise RuntimeError(f"{name_x} and {name_y} must have the same dtype, but got {x._dtype.scalar_name} and "
                           f"{y._dtype.scalar_name}")


def _kw(beta, alpha, t):
    if not t._dtype.is_floating_point:
        beta, alpha = int(beta), int(alpha)  # NOTE: PyTorch truncates the scales of an integer product
    kw = {}
    if beta != 1:
        kw["beta"] = beta
    if alpha != 1:
        kw["alpha"] = alpha
    return kw or None


def _addmm_args(input, mat1, mat2):
    for name, t in (("mat1", mat1), ("mat2", mat2)):
        if t._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t._data.ndim}-D tensor")
    a, b = mat1._data.shape, mat2._data.shape
    if a[1] != b[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(a)} and {_x(b)})")
    _fused_dtypes(input, mat1, mat2, "mat1", "mat2")
    _check_input(input, (a[0], b[1]))


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    _addmm_args(input, mat1, mat2)
    return apply(ADDMM, (input, mat1, mat2), _kw(beta, alpha, input))


def _addmv_args(input, mat, vec):
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, {mat._data.ndim}, "
                           f"{vec._data.ndim}")
    a = mat._data.shape
    if a[1] != vec._data.shape[0] or input._data.ndim > 1 or input._data.size not in (1, a[0]):
        raise RuntimeError(f"size mismatch, got input ({_x(input._data.shape)}), mat ({_x(a)}), "
                           f"vec ({vec._data.shape[0]})")
    if not (input._dtype is mat._dtype is vec._dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {input._dtype.scalar_name}, "
                           f"{mat._dtype.scalar_name}, and {vec._dtype.scalar_name}")


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    _addmv_args(input, mat, vec)
    return apply(ADDMV, (input, mat, vec), _kw(beta, alpha, input))


def _baddbmm_args(input, batch1, batch2):
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    a, b = batch1._data.shape, batch2._data.shape
    if b[:2] != (a[0], a[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a[0]}, {a[2]}] but "
                           f"got: [{b[0]}, {b[1]}].")
    _fused_dtypes(input, batch1, batch2, "batch1", "batch2")
    _check_input(input, (a[0], a[1], b[2]))


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _baddbmm_args(input, batch1, batch2)
    return apply(BADDBMM, (input, batch1, batch2), _kw(beta, alpha, input))


def _fused_inplace(op, check, shape):
    from .inplace import apply_inplace

    def method(self, x, y, *, beta=1, alpha=1):
        check(self, x, y)
        if self._data.shape != shape(x._data.shape, y._data.shape):
            raise _expand_error(self._data.shape, shape(x._data.shape, y._data.shape))
        return apply_inplace(op, self, (x, y), _kw(beta, alpha, self))
    return method


addmm_ = _fused_inplace(ADDMM, _addmm_args, lambda a, b: (a[0], b[1]))
addmv_ = _fused_inplace(ADDMV, _addmv_args, lambda a, b: (a[0],))
baddbmm_ = _fused_inplace(BADDBMM, _baddbmm_args, lambda a, b: (a[0], a[1], b[2]))


# ---- trace, diag, diag_embed, tril, triu --------------------------------------------------------------------
def _trace_vjp(grad, x_shape, xp):
    np_ = _host(xp, grad)
    return grad * np_.eye(x_shape[0], x_shape[1], dtype=bool)


TRACE = primitive("trace", lambda xp, x: xp.asarray(xp.trace(x)))
defvjp(TRACE, x=_trace_vjp)


def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return apply(TRACE, (input,))


def _embed_fwd(xp, x, *, shape, offset, dim1, dim2):
    """Zeros of `shape` with `x` on the diagonal (offset, dim1, dim2)."""
    out = xp.zeros(shape, dtype=x.dtype)
    i = xp.arange(x.shape[-1])
    xp.moveaxis(out, (dim1, dim2), (-2, -1))[..., i + max(-offset, 0), i + max(offset, 0)] = x
    return out


def _diagonal_fwd(xp, x, *, offset, dim1, dim2):
    return xp.diagonal(x, offset, dim1, dim2).copy()


def _diagonal_vjp(grad, x_shape, offset, dim1, dim2, xp):
    return call(xp, DIAGONAL_BACKWARD, grad, shape=x_shape, offset=offset, dim1=dim1, dim2=dim2)


def _embed_vjp(grad, offset, dim1, dim2, xp):
    return call(xp, DIAGONAL_COPY, grad, offset=offset, dim1=dim1, dim2=dim2)


DIAG_EMBED = primitive("diag_embed", _embed_fwd)
defvjp(DIAG_EMBED, x=_embed_vjp)
DIAGONAL_BACKWARD = primitive("diagonal_backward", _embed_fwd)
defvjp(DIAGONAL_BACKWARD, x=_embed_vjp)
# NOTE: torch.diag of a matrix copies its diagonal; PyTorch names that node DiagonalBackward0_copy.
DIAGONAL_COPY = primitive("diagonal_copy", _diagonal_fwd, node="DiagonalBackward0_copy")
defvjp(DIAGONAL_COPY, x=_diagonal_vjp)


def _embed(input, offset, dim1, dim2):
    n = input._data.shape[-1] + abs(offset)
    shape = list(input._data.shape[:-1])
    for d in sorted((dim1, dim2)):
        shape.insert(d, n)
    return apply(DIAG_EMBED, (input,), {"shape": tuple(shape), "offset": offset, "dim1": dim1, "dim2": dim2})


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    nd = input._data.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _embed(input, offset, d1, d2)


def diag(input, diagonal=0, *, out=None):
    nd = input._data.ndim
    if nd == 1:
        return _embed(input, diagonal, 0, 1)
    if nd != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    return apply(DIAGONAL_COPY, (input,), {"offset": diagonal, "dim1": 0, "dim2": 1})


TRIL = primitive("tril", lambda xp, x, *, diagonal: xp.tril(x, diagonal))
defvjp(TRIL, x=lambda grad, diagonal, xp: call(xp, TRIL, grad, diagonal=diagonal))
TRIU = primitive("triu", lambda xp, x, *, diagonal: xp.triu(x, diagonal))
defvjp(TRIU, x=lambda grad, diagonal, xp: call(xp, TRIU, grad, diagonal=diagonal))


def _triangle(name, op):
    def fn(input, diagonal=0, *, out=None):
        if input._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return apply(op, (input,), {"diagonal": diagonal})

    def inplace(self, diagonal=0):
        from .inplace import apply_inplace
        if self._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return apply_inplace(op, self, (), {"diagonal": diagonal})
    fn.__name__, inplace.__name__ = name, name + "_"
    return fn, inplace


tril, tril_ = _triangle("tril", TRIL)
triu, triu_ = _triangle("triu", TRIU)


# ---- cross --------------------------------------------------------------------------------------------------
CROSS = primitive("linalg_cross", lambda xp, x, y, *, dim: xp.cross(x, y, axis=dim))
defvjp(CROSS, x=lambda grad, y, dim, xp: call(xp, CROSS, y, grad, dim=dim),
       y=lambda grad, x, dim, xp: call(xp, CROSS, grad, x, dim=dim))


def linalg_cross(input, other, *, dim=-1, out=None):
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected scalar type {input._dtype.scalar_name} but found {other._dtype.scalar_name}")
    d = _wrap_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and "
                           f"{b.shape[d]}")
    _broadcast_batch(a.shape, b.shape)
    return apply(CROSS, (input, other), {"dim": d - a.ndim})


_warned_cross = []


def cross(input, other, dim=None, *, out=None):
    if dim is None:
        if not _warned_cross:
            _warned_cross.append(True)
            warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                          "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
                          "agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(input._data.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


API["linalg"] = {"matmul": matmul, "cross": linalg_cross}
