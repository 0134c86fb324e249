"""OpInfo rows: matrix products and structured matrices."""
import numpy as np

from ..opinfo import OpInfo, S, E, FI

# ---- matmul and its relatives ---------------------------------------------------------------------------------
_MATMUL_SHAPES = (("1d@1d", (4,), (4,)), ("2d@1d", (3, 4), (4,)), ("1d@2d", (4,), (4, 2)),
                  ("2d@2d", (3, 4), (4, 2)), ("3d@3d", (2, 3, 4), (2, 4, 5)), ("3d@2d", (2, 3, 4), (4, 5)),
                  ("2d@3d", (3, 4), (2, 4, 5)), ("1d@3d", (4,), (2, 4, 3)), ("3d@1d", (2, 3, 4), (4,)),
                  ("bcast4d", (2, 1, 3, 4), (5, 4, 2)), ("empty", (0, 3), (3, 2)), ("k0", (2, 0), (0, 3)))

_MISMATCH = r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"


def _matmul_errors(make):
    return [E("2d@2d", RuntimeError, _MISMATCH, make(2, 3), make(4, 5)),
            E("3d@3d", RuntimeError, r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but "
              r"got: \[2, 4\]", make(2, 2, 3), make(2, 4, 5)),
            E("batch", RuntimeError, r"size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton "
              r"dimension 0", make(2, 2, 3), make(3, 3, 4)),
            E("2d@1d", RuntimeError, r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)", make(2, 3), make(4)),
            E("1d@2d", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x5\)", make(3), make(4, 5)),
            E("1d@1d", RuntimeError, r"inconsistent tensor size, expected tensor \[3\] and src \[4\]", make(3),
              make(4)),
            E("3d@2d", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 4x5\)", make(2, 2, 3),
              make(4, 5)),
            E("0d", RuntimeError, r"both arguments to matmul need to be at least 1D, but they are 0D and 1D", make(),
              make(3))]


def _pair_row(name, shapes, errors=None, ref=np.matmul, **kw):
    return OpInfo(name, lambda m, x, y: getattr(m, name)(x, y), ref,
                  lambda make: [S(d, make(*a), make(*b)) for d, a, b in shapes], api=(name,), dtypes=FI,
                  error_inputs=errors, **kw)


def _vector_errors():
    return lambda make: [
        E("sizes", RuntimeError, r"inconsistent tensor size, expected tensor \[3\] and src \[4\]", make(3), make(4)),
        E("2d", RuntimeError, r"1D tensors expected, but got 2D and 1D tensors", make(2, 3), make(3)),
        E("dtypes", RuntimeError, r"dot : expected both vectors to have same dtype, but found Float and Double",
          make(3), make(3).astype(np.float64))]


ROWS = [
    OpInfo("matmul", lambda m, x, y: m.matmul(x, y), np.matmul,
           lambda make: [S(d, make(*a), make(*b)) for d, a, b in _MATMUL_SHAPES]
           + [S("operator", make(2, 3), make(3, 2))],
           api=("matmul", "__matmul__", "linalg.matmul"), kind="matmul", dtypes=FI, error_inputs=_matmul_errors,
           from_shapes=lambda make, a, b: S(f"{a}@{b}", make(*a), make(*b))),
    _pair_row("mm", (("2x3@3x4", (2, 3), (3, 4)), ("1x1", (1, 1), (1, 1)), ("empty", (0, 2), (2, 3))),
              errors=lambda make: [E("mismatch", RuntimeError, _MISMATCH, make(2, 3), make(4, 5)),
                                   E("3d", RuntimeError, r"self must be a matrix", make(2, 2, 3), make(3, 2)),
                                   E("dtypes", RuntimeError, r"expected m1 and m2 to have the same dtype, but got: "
                                     r"float != double", make(2, 3), make(3, 2).astype(np.float64))]),
    _pair_row("bmm", (("b2", (2, 3, 4), (2, 4, 5)), ("b1", (1, 2, 2), (1, 2, 3))),
              errors=lambda make: [E("batch", RuntimeError, r"Expected size for first two dimensions of batch2 tensor "
                                     r"to be: \[2, 4\] but got: \[3, 4\]", make(2, 3, 4), make(3, 4, 3)),
                                   E("2d", RuntimeError, r"batch1 must be a 3D tensor", make(3, 4), make(4, 3))]),
    _pair_row("mv", (("3x4@4", (3, 4), (4,)), ("1x2@2", (1, 2), (2,))),
              errors=lambda make: [E("mismatch", RuntimeError,
                                     r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)", make(2, 3), make(4))]),
    _pair_row("dot", (("5", (5,), (5,)), ("1", (1,), (1,)), ("empty", (0,), (0,))), ref=np.dot,
              errors=_vector_errors()),
    _pair_row("vdot", (("5", (5,), (5,)), ("empty", (0,), (0,))), ref=np.vdot, errors=_vector_errors()),
    _pair_row("outer", (("3x4", (3,), (4,)), ("empty", (0,), (2,))), ref=np.outer,
              errors=lambda make: [E("2d", RuntimeError, r"outer: Expected 1-D argument self, but got 2-D",
                                     make(3, 1), make(2))]),
    _pair_row("inner", (("1d", (3,), (3,)), ("2d&1d", (2, 3), (3,)), ("3d&2d", (2, 2, 3), (4, 3)),
                        ("0d&2d", (), (2, 3)), ("2d&0d", (2, 3), ())), ref=np.inner,
              errors=lambda make: [E("last", RuntimeError, r"inner\(\) the last dimension must match on both input "
                                     r"tensors but got shapes \[2, 3\] and \[2, 4\]", make(2, 3), make(2, 4))]),
]


# ---- einsum and tensordot -------------------------------------------------------------------------------------
def _einsum_ref(eq, *ops):
    if len(ops) == 1 and isinstance(ops[0], list):
        ops = ops[0]
    lhs = eq.replace(" ", "").split("->")[0].split(",")
    if all("." not in t for t in lhs):  # NumPy does not broadcast size-1 labelled dimensions: expand them
        sizes = {}
        for t, o in zip(lhs, ops):
            for c, n in zip(t, o.shape):
                sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
        ops = [np.broadcast_to(o, tuple(sizes[c] for c in t)) for t, o in zip(lhs, ops)]
    return np.asarray(np.einsum(eq, *ops))


_EINSUMS = (("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
            ("i,j->ij", (3,), (4,)), ("i,i", (3,), (3,)), ("i,i->i", (3,), (3,)), ("ii->i", (3, 3)),
            ("ii", (3, 3)), ("ij->ji", (2, 3)), ("ij->", (2, 3)), ("ij", (3, 2)), ("iij->j", (2, 2, 3)),
            ("ii,i->i", (3, 3), (3,)), ("ij,k->ik", (2, 3), (4,)), ("...ij,...jk", (2, 3, 4), (4, 2)),
            ("...ij->...ji", (2, 2, 3)), ("i...->...", (2, 3, 2)), ("...ii->...i", (2, 3, 3)),
            ("ij,jk,kl->il", (2, 3), (3, 2), (2, 4)), ("i,i,i->", (3,), (3,), (3,)),
            ("ij,k,ij->ij", (2, 3), (2,), (2, 3)),
            ("ij,jk->ik", (2, 1), (3, 2)), ("iJ,JK->iK", (2, 3), (3, 2)), (" i j , j k -> k i ", (2, 3), (3, 2)),
            ("i,->i", (3,), ()), ("->", ()), ("ij,jk->ik", (2, 0), (0, 3)), ("ij->i", (0, 3)))


def _einsum_samples(make):
    out = [S(f"{eq.strip()}/{'&'.join(map(str, shapes))}", eq, *[make(*s) for s in shapes])
           for eq, *shapes in _EINSUMS]
    out.append(S("list", "ij,jk->ik", [make(2, 3), make(3, 4)]))
    return out


def _einsum_errors(make):
    return [E("size", RuntimeError, r"einsum\(\): subscript j has size 4 for operand 1 which does not broadcast with "
              r"previously seen size 3", "ij,jk->ik", make(2, 3), make(4, 5)),
            E("ndim", RuntimeError, r"einsum\(\): the number of subscripts in the equation \(2\) does not match the "
              r"number of dimensions \(3\) for operand 0 and no ellipsis was given", "ij", make(2, 3, 4)),
            E("fewer", RuntimeError, r"einsum\(\): fewer operands were provided than specified in the equation",
              "ij,jk", make(2, 3)),
            E("more", RuntimeError, r"einsum\(\): more operands were provided than specified in the equation",
              "ij", make(2, 3), make(2, 3)),
            E("letter", RuntimeError, r"einsum\(\): invalid subscript given at index 1 in the equation string, "
              r"subscripts must be in \[a-zA-Z\]", "i1->", make(2, 3)),
            E("out", RuntimeError, r"einsum\(\): output subscript k does not appear in the equation for any input "
              r"operand", "ij->k", make(2, 3)),
            E("out_twice", RuntimeError, r"einsum\(\): output subscript i appears more than once in the output",
              "ij->ii", make(2, 3)),
            E("repeated", RuntimeError, r"einsum\(\): subscript i is repeated for operand 0 but the sizes don't "
              r"match, 3 != 2", "ii->i", make(3, 2)),
            E("dot", RuntimeError, r"einsum\(\): found '\.' for operand 0 that is not part of any ellipsis", "i..->i",
              make(2, 3, 4)),
            E("dtypes", RuntimeError, r"expected scalar type Float but found Double", "ij,jk", make(2, 3),
              make(3, 4).astype(np.float64))]


def _tensordot_ref(a, b, dims=2):
    return np.tensordot(a, b, axes=dims)


ROWS += [
    OpInfo("einsum", lambda m, eq, *ops: m.einsum(eq, *ops), _einsum_ref, _einsum_samples, api=("einsum",),
           dtypes=FI, error_inputs=_einsum_errors),
    OpInfo("tensordot", lambda m, a, b, **kw: m.tensordot(a, b, **kw), _tensordot_ref,
           lambda make: [S("dims2", make(2, 3, 4), make(3, 4, 2)), S("default", make(2, 3, 4), make(3, 4, 2)),
                         S("dims1", make(2, 3), make(3, 4), dims=1), S("dims0", make(2, 3), make(2), dims=0),
                         S("lists", make(2, 3, 4), make(4, 3, 2), dims=([1, 2], [1, 0])),
                         S("neg", make(2, 3), make(4, 3), dims=([-1], [1]))],
           api=("tensordot",), dtypes=FI,
           error_inputs=lambda make: [
               E("mismatch", RuntimeError, r"contracted dimensions need to match, but first has size 3 in dim -1 and "
                 r"second has size 4 in dim 0", make(2, 3), make(4, 5), dims=1),
               E("negative", RuntimeError, r"tensordot expects dims >= 0, but got dims=-1", make(2, 3), make(3, 2),
                 dims=-1),
               E("dtypes", RuntimeError, r"both inputs should have same dtype", make(2, 3),
                 make(3, 2).astype(np.float64), dims=1)]),
]


# ---- addmm, addmv, baddbmm, kron ----------------------------------------------------------------------------
def _fused_ref(product):
    def ref(input, x, y, beta=1, alpha=1):
        if x.dtype.kind == "i":
            beta, alpha = int(beta), int(alpha)
        p = alpha * product(x, y)
        return (p if beta == 0 else beta * input + p).astype(x.dtype)
    return ref


def _fused_samples(inp, x, y, bcast):
    def gen(make):
        nan = np.full(inp, np.nan, dtype=make(1).dtype) if make(1).dtype.kind == "f" else make(*inp)
        return [S("plain", make(*inp), make(*x), make(*y)),
                S("scaled", make(*inp), make(*x), make(*y), beta=0.5, alpha=2),
                S("int_scales", make(*inp), make(*x), make(*y), beta=2, alpha=3),
                S("bcast", make(*bcast), make(*x), make(*y)),
                S("beta0_nan", nan, make(*x), make(*y), beta=0, gradcheck=False)]
    return gen


def _fused_row(name, inp, x, y, bcast, product, errors):
    return OpInfo(name, lambda m, i, a, b, **kw: getattr(m, name)(i, a, b, **kw), _fused_ref(product),
                  _fused_samples(inp, x, y, bcast), api=(name,), dtypes=FI, error_inputs=errors)


def _inplace_fused_row(name, inp, x, y, product):
    return OpInfo(name + "_", lambda m, i, a, b, **kw: getattr(i.clone(), name + "_")(a, b, **kw),
                  _fused_ref(product),
                  lambda make: [S("plain", make(*inp), make(*x), make(*y)),
                                S("scaled", make(*inp), make(*x), make(*y), beta=0.5, alpha=2)],
                  api=(name + "_",))


def _kron_ref(a, b):
    return np.kron(a, b)


ROWS += [
    _fused_row("addmm", (3, 2), (3, 4), (4, 2), (2,), np.matmul, lambda make: [
        E("mismatch", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(3x4 and 5x2\)", make(3, 2),
          make(3, 4), make(5, 2)),
        E("input", RuntimeError, r"The expanded size of the tensor \(2\) must match the existing size \(3\) at "
          r"non-singleton dimension 1", make(3), make(3, 4), make(4, 2)),
        E("dtypes", RuntimeError, r"self and mat2 must have the same dtype, but got Float and Double", make(3, 2),
          make(3, 4).astype(np.float64), make(4, 2).astype(np.float64))]),
    _fused_row("addmv", (3,), (3, 4), (4,), (1,), np.matmul, lambda make: [
        E("mismatch", RuntimeError, r"size mismatch, got input \(3\), mat \(3x4\), vec \(5\)", make(3), make(3, 4),
          make(5))]),
    _fused_row("baddbmm", (2, 3, 2), (2, 3, 4), (2, 4, 2), (3, 2), np.matmul, lambda make: [
        E("batch", RuntimeError, r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: "
          r"\[3, 4\]", make(2, 3, 2), make(2, 3, 4), make(3, 4, 2))]),
    _inplace_fused_row("addmm", (3, 2), (3, 4), (4, 2), np.matmul),
    _inplace_fused_row("addmv", (3,), (3, 4), (4,), np.matmul),
    _inplace_fused_row("baddbmm", (2, 3, 2), (2, 3, 4), (2, 4, 2), np.matmul),
    OpInfo("kron", lambda m, a, b: m.kron(a, b), _kron_ref,
           lambda make: [S("2d", make(2, 3), make(2, 2)), S("1d", make(3), make(2)), S("3d&2d", make(2, 1, 2),
                                                                                      make(3, 2)),
                         S("0d&1d", make(), make(3)), S("int&float", make(2, 2).round().astype(np.int64), make(2)),
                         S("empty", make(0, 2), make(2, 2))],
           api=("kron",), dtypes=FI),
]


# ---- trace, diag, diag_embed, tril, triu, cross ---------------------------------------------------------------
def _diag_embed_ref(x, offset=0, dim1=-2, dim2=-1):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n), x.dtype)
    i = np.arange(x.shape[-1])
    out[..., i + max(-offset, 0), i + max(offset, 0)] = x
    return np.moveaxis(out, (-2, -1), (dim1 % (x.ndim + 1), dim2 % (x.ndim + 1)))


def _tri_samples(make):
    return [S("default", make(3, 4)), S("k1", make(3, 4), diagonal=1), S("k-1", make(4, 3), diagonal=-1),
            S("batch", make(2, 3, 3), diagonal=-1), S("k_big", make(2, 3), diagonal=5), S("empty", make(0, 3))]


def _tri_row(name, ref, inplace=False):
    if inplace:
        op = lambda m, x, **kw: getattr(x.clone(), name + "_")(**kw)  # noqa: E731
    else:
        op = lambda m, x, **kw: getattr(m, name)(x, **kw)  # noqa: E731
    return OpInfo(name + ("_" if inplace else ""), op, lambda x, diagonal=0: ref(x, diagonal), _tri_samples,
                  api=(name + ("_" if inplace else ""),), dtypes=FI,
                  error_inputs=lambda make: [E("1d", RuntimeError, rf"{name}: input tensor must have at least 2 "
                                               r"dimensions", make(3))])


def _cross_samples(make):
    return [S("2x3", make(2, 3), make(2, 3)), S("dim0", make(3, 2), make(3, 2), dim=0),
            S("bcast", make(2, 1, 3), make(1, 4, 3), dim=-1), S("1d", make(3), make(3), dim=0)]


ROWS += [
    OpInfo("trace", lambda m, x: m.trace(x), lambda x: np.asarray(np.trace(x)),
           lambda make: [S("3x3", make(3, 3)), S("2x4", make(2, 4)), S("empty", make(0, 2))], api=("trace",),
           dtypes=FI, error_inputs=lambda make: [E("3d", RuntimeError, r"trace: expected a matrix, but got tensor "
                                                   r"with dim 3", make(2, 3, 3))]),
    OpInfo("diag", lambda m, x, *a: m.diag(x, *a), lambda x, k=0: np.diag(x, k),
           lambda make: [S("1d", make(3)), S("1d_k1", make(3), 1), S("1d_k-2", make(2), -2), S("2d", make(3, 3)),
                         S("2d_k1", make(3, 4), 1), S("2d_k-1", make(4, 3), -1), S("2d_far", make(2, 3), 4),
                         S("empty", make(0))],
           api=("diag",), dtypes=FI,
           error_inputs=lambda make: [E("3d", RuntimeError, r"diag\(\): Supports 1D or 2D tensors. Got 3D",
                                        make(2, 3, 3))]),
    OpInfo("diag_embed", lambda m, x, **kw: m.diag_embed(x, **kw), _diag_embed_ref,
           lambda make: [S("2x3", make(2, 3)), S("k1", make(2, 3), offset=1), S("k-1_dims", make(2, 3), offset=-1,
                                                                                 dim1=0, dim2=2),
                         S("swapped", make(2, 3), dim1=-1, dim2=0), S("1d", make(3)), S("empty", make(2, 0))],
           api=("diag_embed",), dtypes=FI,
           error_inputs=lambda make: [E("same", RuntimeError, r"diagonal dimensions cannot be identical 1, 1",
                                        make(2, 3), dim1=1, dim2=1)]),
    _tri_row("tril", np.tril), _tri_row("triu", np.triu),
    _tri_row("tril", np.tril, inplace=True), _tri_row("triu", np.triu, inplace=True),
    OpInfo("linalg.cross", lambda m, x, y, **kw: m.linalg.cross(x, y, **kw),
           lambda x, y, dim=-1: np.cross(x, y, axis=dim),
           _cross_samples, api=("linalg.cross",), dtypes=FI,
           error_inputs=lambda make: [
               E("length", RuntimeError, r"linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4",
                 make(2, 4), make(2, 4)),
               E("ndim", RuntimeError, r"linalg.cross: inputs must have the same number of dimensions", make(2, 1, 3),
                 make(4, 3))]),
    OpInfo("cross", lambda m, x, y, *a: m.cross(x, y, *a), lambda x, y, dim=None: np.cross(
               x, y, axis=dim if dim is not None else x.shape.index(3)),
           lambda make: [S("dim1", make(2, 3), make(2, 3), 1), S("no_dim", make(3, 2), make(3, 2)),
                         S("dim-1", make(2, 3), make(2, 3), -1)],
           api=("cross",), dtypes=FI,
           error_inputs=lambda make: [E("no3", RuntimeError, r"no dimension of size 3 in input", make(2, 4),
                                        make(2, 4))]),
]
