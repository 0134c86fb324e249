"""Sampling at arbitrary positions: grid_sample (bilinear, nearest, bicubic; zeros, border, reflection padding;
2-d and 3-d) and affine_grid, the grid of an affine transform.

grid_sample reads, for each output point, a few input positions ("taps": 1 for nearest, 2 per axis for linear,
4 per axis for bicubic), each weighted by a product of per-axis weights of the sampling coordinate. The whole
family is three primitives over one tap table, parameterized by `orders`, how many times each per-axis weight is
differentiated along its grid coordinate:
  GATHER   out = sum_k w_k V_k               (V_k: the input at tap k; orders 0 is grid_sample itself)
  SCATTER  its adjoint in the input: each g w_k added back at tap k
  DGRID    its gradient in the grid: [sum_c g * GATHER_{orders + e_d}]_d, one channel-summed gather per tap
GATHER's input-VJP is SCATTER and its grid-VJP DGRID; SCATTER's are GATHER and DGRID; DGRID's are GATHER,
SCATTER and DGRID one order up. The weights are polynomials (degree 1 or 3), so orders past the degree vanish
and every order of gradient comes from the same code. Padding maps a coordinate piecewise linearly (slope 0 or
+-1), so the chain rule contributes one constant factor per axis (`mult`).

Coordinates follow PyTorch's CPU kernels: x = -1 and 1 are the outer edges of the corner pixels
(align_corners=False) or their centres (True); nearest rounds half to even; bicubic pads each tap's position
rather than the coordinate. An out-of-range tap reads 0 (zeros padding).
"""
import itertools
import math
import warnings

from .registry import primitive, defvjp, apply, call, records
from .creation import from_numpy
from ..backends import get_array_module, scatter_add

__all__ = ["grid_sample", "affine_grid", "grid_sampler"]

# Public names by namespace; glassgrad.ops installs them (see ops/__init__.py).
API = {"torch": ("grid_sampler",),  # the enum-coded entry point nn.functional.grid_sample calls
       "Tensor": (),
       "nn.functional": ("grid_sample", "affine_grid"),
       "linalg": (), "special": ()}

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_DEGREE = {"nearest": 0, "bilinear": 1, "bicubic": 3}  # a weight differentiated past its degree is 0
_A = -0.75  # PyTorch's cubic convolution coefficient
MSG_ALIGN = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
             "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for "
             "details.")


# ---- coordinates -----------------------------------------------------------------------------------------
def _unnormalize(xp, c, size, align, fused):
    """Grid coordinate in [-1, 1] -> input position in pixels, and its derivative (a number).
    NOTE: PyTorch's 2-d CPU kernel computes c*s + offset as one fused multiply-add (one rounding), its 3-d kernel
    with separate operations; float32 in float64 then rounded reproduces the fused result."""
    s = (size - 1) / 2 if align else size / 2
    if fused:
        off = s if align else s - 0.5
        if c.dtype == xp.float32:
            return (c.astype(xp.float64) * s + off).astype(xp.float32), s
        return c * s + off, s
    if align:
        return (c + 1) / 2 * (size - 1), s
    return ((c + 1) * size - 1) / 2, s


def _clip(xp, t, size):
    """t clamped to [0, size - 1] (NaN to 0, as PyTorch's kernels), and its derivative: 0 on and past the ends."""
    hi = size - 1
    inside = (t > 0) & (t < hi)
    return xp.where(t > 0, xp.where(t < hi, t, hi), 0).astype(t.dtype, copy=False), inside


def _reflect(xp, t, twice_lo, twice_hi):
    """t folded back and forth into [lo, hi] (mirrored at each end), and the sign of its derivative."""
    if twice_lo == twice_hi:
        return xp.zeros_like(t), xp.zeros_like(t)
    lo, span = twice_lo / 2, (twice_hi - twice_lo) / 2
    d = t - lo
    a = xp.abs(d)
    extra = xp.fmod(a, span)
    even = xp.fmod(xp.floor(a / span), 2) == 0
    out = xp.where(even, extra + lo, span - extra + lo).astype(t.dtype, copy=False)
    sign = xp.where(d < 0, -1, 1)
    return out, xp.where(even, sign, -sign).astype(t.dtype)


def _pad(xp, t, size, padding, align):
    """PyTorch's padding of a source position: (position, derivative factor or None for 1)."""
    if padding == "zeros":
        return t, None
    grad = None
    if padding == "reflection":
        t, grad = _reflect(xp, t, 0, 2 * (size - 1)) if align else _reflect(xp, t, -1, 2 * size - 1)
    t, inside = _clip(xp, t, size)
    return t, (inside if grad is None else grad * inside)


def _locate(xp, pos, size):
    """Integer index of a tap position (0 where out of range: PyTorch reads 0 there) and its in-range mask."""
    valid = (pos >= 0) & (pos <= size - 1)  # False for NaN
    return xp.where(valid, pos, 0).astype(xp.int64), valid


# ---- per-axis weights ------------------------------------------------------------------------------------
def _cubic_near(x, m):
    """The m-th derivative of the cubic kernel on |x| <= 1: (A+2)|x|^3 - (A+3)|x|^2 + 1."""
    if m == 0:
        return ((_A + 2) * x - (_A + 3)) * x * x + 1
    if m == 1:
        return (3 * (_A + 2) * x - 2 * (_A + 3)) * x
    if m == 2:
        return 6 * (_A + 2) * x - 2 * (_A + 3)
    return 6 * (_A + 2) + 0 * x


def _cubic_far(x, m):
    """The m-th derivative of the cubic kernel on 1 < |x| < 2: A|x|^3 - 5A|x|^2 + 8A|x| - 4A."""
    if m == 0:
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    if m == 1:
        return (3 * _A * x - 10 * _A) * x + 8 * _A
    if m == 2:
        return 6 * _A * x - 10 * _A
    return 6 * _A + 0 * x


class _Axis:
    """The taps of one grid coordinate: flat offsets (index times the axis stride), in-range masks (None: all
    in range), and what the weights derive from."""
    __slots__ = ("mode", "offsets", "valid", "t", "low", "mult")

    def weights(self, m):
        """The m-th derivative of each tap's weight along the grid coordinate (None for all zero)."""
        if m > _DEGREE[self.mode]:
            return None
        if self.mode == "nearest":
            return [1.0]
        t, low = self.t, self.low
        if self.mode == "bilinear":
            ws = [(low + 1) - t, t - low] if m == 0 else [-1.0, 1.0]
        else:
            f = t - low
            g = 1 - f
            sign = -1 if m % 2 else 1  # the last two taps' kernels run against t
            ws = [_cubic_far(f + 1, m), _cubic_near(f, m), sign * _cubic_near(g, m), sign * _cubic_far(g + 1, m)]
        return ws if m == 0 else [w * self.mult ** m for w in ws]


def _axes(xp, grid, sizes, mode, padding, align):
    """One _Axis per grid coordinate d of grid (N, P, nd): grid[..., d] indexes the d-th spatial axis from the
    last (x the width, y the height, z the depth)."""
    nd = grid.shape[-1]
    fused = nd == 2
    axes = []
    stride = 1
    for d in range(nd):
        size = sizes[nd - 1 - d]
        ax = _Axis()
        ax.mode = mode
        t, s = _unnormalize(xp, grid[..., d], size, align, fused)
        if mode == "bicubic":
            ax.mult = s
            low = xp.floor(t)
            taps = [_pad(xp, low + (j - 1), size, padding, align)[0] for j in range(4)]
        else:
            t, factor = _pad(xp, t, size, padding, align)
            ax.mult = s if factor is None else factor * t.dtype.type(s)
            low = xp.floor(t) if mode == "bilinear" else xp.rint(t)
            taps = [low, low + 1] if mode == "bilinear" else [low]
        located = [_locate(xp, p, size) for p in taps]
        ax.offsets = [i * stride if stride != 1 else i for i, _ in located]
        # border and reflection keep every tap in range, but for linear's second one at the last pixel
        ax.valid = None if padding != "zeros" and mode != "bilinear" else [v for _, v in located]
        ax.t, ax.low = t, low
        axes.append(ax)
        stride *= size
    return axes


def _combos(axes, order_sets):
    """Per tap combination: (flat offset, in-range mask or None, [its weight under each orders of `order_sets`,
    None where that vanishes])."""
    tables = [[ax.weights(m) for ax, m in zip(axes, orders)] for orders in order_sets]
    for combo in itertools.product(*(range(len(ax.offsets)) for ax in axes)):
        offset = valid = None
        for ax, j in zip(axes, combo):
            offset = ax.offsets[j] if offset is None else offset + ax.offsets[j]
            if ax.valid is not None:
                valid = ax.valid[j] if valid is None else valid & ax.valid[j]
        weights = []
        for table in tables:
            w = None
            if all(ws is not None for ws in table):
                for ws, j in zip(table, combo):
                    w = ws[j] if w is None else w * ws[j]
            weights.append(w)
        yield offset, valid, weights


# ---- the primitives ------------------------------------------------------------------------------------
def _work(xp, *arrays):
    """The arrays in the dtype to compute in: half precision runs in float32."""
    return tuple(a.astype(xp.float32) if a.dtype == xp.float16 else a for a in arrays)


def _flat(x):
    """(N, C, ...) -> (N, C, L). NOTE: sizes spelled out: -1 is ambiguous in an empty array."""
    return x.reshape(x.shape[:2] + (math.prod(x.shape[2:]),))


def _points(grid):
    """(N, ..., nd) -> (N, P, nd)."""
    return grid.reshape((grid.shape[0], math.prod(grid.shape[1:-1]), grid.shape[-1]))


def _per_point(w):
    """A weight (N, P), or a number, broadcast over the channels."""
    return w[:, None, :] if hasattr(w, "ndim") else w


def _gather(xp, xf, offset, valid):
    v = xp.take_along_axis(xf, offset[:, None, :], axis=2)
    return v if valid is None else xp.where(valid[:, None, :], v, 0)


def _gather_fwd(xp, x, grid, *, mode, padding, align, orders):
    dt = x.dtype
    x, grid = _work(xp, x, grid)
    g2 = _points(grid)
    xf = _flat(x)
    out = xp.zeros(xf.shape[:2] + g2.shape[1:2], x.dtype)
    for offset, valid, (w,) in _combos(_axes(xp, g2, x.shape[2:], mode, padding, align), (orders,)):
        if w is not None:
            # NOTE: an out-of-range tap reads 0 but is still weighted: a NaN weight gives NaN, as in PyTorch
            out += _gather(xp, xf, offset, valid) * _per_point(w)
    return out.reshape(x.shape[:2] + grid.shape[1:-1]).astype(dt, copy=False)


def _scatter_fwd(xp, g, grid, *, shape, mode, padding, align, orders):
    dt = g.dtype
    g, grid = _work(xp, g, grid)
    n, c = shape[:2]
    g2 = _points(grid)
    gf = _flat(g)
    size = math.prod(shape[2:])
    out = xp.zeros(n * c * size, g.dtype)
    base = (xp.arange(n)[:, None, None] * c + xp.arange(c)[None, :, None]) * size
    for offset, valid, (w,) in _combos(_axes(xp, g2, shape[2:], mode, padding, align), (orders,)):
        if w is None:
            continue
        vals = gf * _per_point(w)
        if valid is not None:
            vals = xp.where(valid[:, None, :], vals, 0)
        scatter_add(xp, out, (base + offset[:, None, :]).ravel(), vals.ravel())
    return out.reshape(shape).astype(dt, copy=False)


def _dgrid_fwd(xp, g, x, grid, *, mode, padding, align, orders):
    dt = grid.dtype
    g, x, grid = _work(xp, g, x, grid)
    nd = grid.shape[-1]
    g2 = _points(grid)
    gf, xf = _flat(g), _flat(x)
    acc = [xp.zeros(g2.shape[:2], x.dtype) for _ in range(nd)]
    axes = _axes(xp, g2, x.shape[2:], mode, padding, align)
    for offset, valid, ws in _combos(axes, [_bump(orders, d) for d in range(nd)]):
        if all(w is None for w in ws):
            continue
        s = (gf * _gather(xp, xf, offset, valid)).sum(axis=1)  # (N, P): the channel-summed tap
        for d, w in enumerate(ws):
            if w is not None:
                acc[d] += w * s
    return xp.stack(acc, -1).reshape(grid.shape).astype(dt, copy=False)


def _vanishes(mode, orders):
    return any(m > _DEGREE[mode] for m in orders)


def _bump(orders, d):
    return tuple(m + (e == d) for e, m in enumerate(orders))


def _gather_x_vjp(grad, x, grid, mode, padding, align, orders, xp):
    # NOTE: reads x, unused, so that it is saved (and version-checked) as PyTorch saves it
    return call(xp, _SCATTER[len(orders)], grad, grid, shape=tuple(x.shape), mode=mode, padding=padding, align=align,
                orders=orders)


def _gather_grid_vjp(grad, x, grid, mode, padding, align, orders, xp):
    return call(xp, _DGRID[len(orders)], grad, x, grid, mode=mode, padding=padding, align=align, orders=orders)


def _scatter_g_vjp(grad, grid, mode, padding, align, orders, xp):
    return call(xp, _GATHER[len(orders)], grad, grid, mode=mode, padding=padding, align=align, orders=orders)


def _scatter_grid_vjp(grad, g, grid, mode, padding, align, orders, xp):
    # <u, SCATTER(g)> = <GATHER(u), g>: the grid gradient of the latter, u standing for the input
    return call(xp, _DGRID[len(orders)], g, grad, grid, mode=mode, padding=padding, align=align, orders=orders)


def _dgrid_terms(mode, orders):
    """The grid coordinates d whose bumped orders (orders + e_d) do not vanish."""
    return [d for d in range(len(orders)) if not _vanishes(mode, _bump(orders, d))]


def _dgrid_g_vjp(grad, x, grid, mode, padding, align, orders, xp):
    # d/dg <v, DGRID(g, x)> = sum_d v_d GATHER_{orders + e_d}(x): the sample's derivative along v
    total = None
    for d in _dgrid_terms(mode, orders):
        term = xp.expand_dims(grad[..., d], 1) * call(xp, _GATHER[len(orders)], x, grid, mode=mode, padding=padding,
                                                      align=align, orders=_bump(orders, d))
        total = term if total is None else total + term
    return total


def _dgrid_x_vjp(grad, g, x, grid, mode, padding, align, orders, xp):
    total = None
    for d in _dgrid_terms(mode, orders):
        term = call(xp, _SCATTER[len(orders)], g * xp.expand_dims(grad[..., d], 1), grid, shape=tuple(x.shape),
                    mode=mode, padding=padding, align=align, orders=_bump(orders, d))
        total = term if total is None else total + term
    return total


def _dgrid_grid_vjp(grad, g, x, grid, mode, padding, align, orders, xp):
    total = None
    for d in _dgrid_terms(mode, orders):
        term = grad[..., d:d + 1] * call(xp, _DGRID[len(orders)], g, x, grid, mode=mode, padding=padding, align=align,
                                         orders=_bump(orders, d))
        total = term if total is None else total + term
    return total


_GATHER, _SCATTER, _DGRID = {}, {}, {}
for _nd in (2, 3):
    # quiet: non-finite grid positions are computed through (as PyTorch does), without NumPy's warnings
    _GATHER[_nd] = primitive("grid_sampler", _gather_fwd, node=f"GridSampler{_nd}DBackward0", quiet=True)
    _SCATTER[_nd] = primitive("grid_sampler_backward_input", _scatter_fwd,
                              node=f"GridSampler{_nd}DBackwardBackward0", quiet=True)
    _DGRID[_nd] = primitive("grid_sampler_backward_grid", _dgrid_fwd, node=f"GridSampler{_nd}DBackwardBackward0",
                            quiet=True)
    defvjp(_GATHER[_nd], x=_gather_x_vjp, grid=_gather_grid_vjp)
    defvjp(_SCATTER[_nd], g=_scatter_g_vjp, grid=_scatter_grid_vjp)
    defvjp(_DGRID[_nd], g=_dgrid_g_vjp, x=_dgrid_x_vjp, grid=_dgrid_grid_vjp)


# ---- grid_sample -----------------------------------------------------------------------------------------
def _check(input, grid, mode):
    """PyTorch's checks, in its order: batch, coordinate count, empty spatial axes, rank, mode, dtypes."""
    nd = input.ndim
    sizes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got {sizes}")
    if grid.shape[-1] != nd - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd - 2} in last dimension, but got grid "
                           f"with sizes {list(grid.shape)}")
    for i in range(2, nd):
        if input.shape[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {i} being empty")
    rank = 4 if nd == 4 else 5
    if nd != rank or grid.ndim != rank:
        raise RuntimeError(f"grid_sampler(): expected {rank}D input and grid with same number of dimensions, but got "
                           f"{sizes}")
    if rank == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    dt = input._dtype
    if not dt.is_floating_point:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if rank == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.scalar_name}'")
    if grid._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found {grid._dtype.scalar_name}")


def _sample(input, grid, mode, padding_mode, align_corners):
    if type(align_corners) is not bool:
        kind = type(align_corners)
        name = f"numpy.{kind.__name__}" if kind.__module__ == "numpy" else kind.__name__
        raise TypeError(f"grid_sampler(): argument 'align_corners' (position 5) must be bool, not {name}")
    _check(input, grid, mode)
    nd = input.ndim - 2
    return apply(_GATHER[nd], (input, grid), {"mode": mode, "padding": padding_mode, "align": align_corners,
                                              "orders": (0,) * nd})


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Samples `input` (N, C, H, W) or (N, C, D, H, W) at the normalized positions of `grid` (N, H', W', 2) or
    (N, D', H', W', 3), whose last axis holds (x, y[, z]) in [-1, 1]; differentiable in both.

        >>> import glassgrad as torch
        >>> x = torch.arange(4.).reshape(1, 1, 2, 2)
        >>> torch.nn.functional.grid_sample(x, torch.zeros(1, 1, 1, 2), align_corners=True)  # the centre
        tensor([[[[1.5000]]]])
    """
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(MSG_ALIGN, UserWarning, stacklevel=2)
        align_corners = False
    return _sample(input, grid, mode, padding_mode, align_corners)


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler: grid_sample with its modes as numbers (0, 1, 2 in the order of grid_sample's names)."""
    return _sample(input, grid, _MODES[interpolation_mode], _PADDINGS[padding_mode], align_corners)


# ---- affine_grid ---------------------------------------------------------------------------------------
def _linspace(xp, n, align, dt):
    """PyTorch's sampling positions along an axis of n pixels: linspace(-1, 1, n), scaled by (n - 1) / n unless
    align_corners; 0 for a single pixel.
    NOTE: PyTorch's linspace steps from both ends (the second half as end - step * (n - 1 - i)), with the step
    rounded to the dtype and each point one fused multiply-add: computed here in extended precision (where the
    platform has it) from the rounded step, then rounded once, to give the same numbers."""
    if n <= 1:
        return xp.zeros(max(n, 0), dt)
    wide = xp.longdouble if xp.__name__ == "numpy" else xp.float64  # CuPy has no extended precision
    step = xp.asarray(dt.type(2.0) / dt.type(n - 1), dtype=wide)
    i = xp.arange(n).astype(wide)
    r = xp.where(i < n // 2, -1 + step * i, 1 - step * (n - 1 - i)).astype(dt)
    if not align:
        r = (r * dt.type(n - 1)).astype(dt) / dt.type(n)
    return r.astype(dt, copy=False)


def _base_grid(xp, sizes, align, dt):
    """(P, nd + 1) rows (x, y[, z], 1) over the output positions, the last spatial axis fastest."""
    cols = [_linspace(xp, n, align, dt) for n in reversed(sizes)]  # x runs over the last axis
    mesh = xp.meshgrid(*reversed(cols), indexing="ij")  # in the order of `sizes`
    return xp.stack([m.ravel() for m in reversed(mesh)] + [xp.ones(math.prod(sizes), dt)], axis=1)


def _affine_fwd(xp, theta, *, sizes, align):
    dt = theta.dtype
    (theta,) = _work(xp, theta)
    base = _base_grid(xp, sizes, align, theta.dtype)
    out = xp.matmul(base, theta.swapaxes(1, 2))  # (N, P, nd)
    return out.reshape((theta.shape[0],) + tuple(sizes) + (len(sizes),)).astype(dt, copy=False)


def _affine_vjp(grad, sizes, align, xp):
    # NOTE: PyTorch's gradient is a bmm then a transpose, as ops that record: so is this one under create_graph
    n, nd = grad.shape[0], len(sizes)
    if records(xp):
        base = from_numpy(_base_grid(get_array_module(grad._data), sizes, align, grad._dtype.np))
    else:
        base = _base_grid(xp, sizes, align, grad.dtype)
    g = xp.reshape(grad, (n, math.prod(sizes), nd))
    return xp.swapaxes(xp.matmul(xp.swapaxes(base, 0, 1), g), 1, 2)


AFFINE = primitive("affine_grid_generator", _affine_fwd, node="AffineGridGeneratorBackward0")
defvjp(AFFINE, theta=_affine_vjp)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of a batch of affine maps theta (N, 2, 3) or (N, 3, 4),
    for grid_sample with an output of `size` (N, C, H, W) or (N, C, D, H, W)."""
    if align_corners is None:
        warnings.warn(MSG_ALIGN, UserWarning, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        # NOTE: as in PyTorch, this warning takes the place of the size check (a zero batch or channel passes)
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    sizes = tuple(int(s) for s in spatial)
    n = int(size[0])
    if theta.shape[0] != n:
        # NOTE: PyTorch multiplies a base grid of the requested batch by theta: the message is bmm's
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {len(sizes) + 1}] "
                           f"but got: [{theta.shape[0]}, {theta.shape[-1]}].")
    return apply(AFFINE, (theta,), {"sizes": sizes, "align": bool(align_corners)})
