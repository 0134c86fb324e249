"""torch._standard_gamma and torch._sample_dirichlet with PyTorch's CPU streams, and their reparameterised
gradients (_standard_gamma_grad, _dirichlet_grad): what Gamma, Beta, Dirichlet (and Chi2, StudentT) sample with.

Sampling is Marsaglia and Tsang's rejection method (2000), with alpha < 1 boosted to alpha + 1 by a uniform
power, run value by value in row-major order on the generator's stream: float64 uniforms (53 bits of a 64-bit
draw) and the scalar Box-Muller normal sampler, whose spare value stays cached in the generator. The arithmetic
repeats PyTorch's kernel, whose literal constants are float32 (1/3, 0.0331) even when it computes in float64,
so that the same seed gives the same values. A Dirichlet draw is a row of float64 gamma draws over their sum.

The gradients are the implicit reparameterisation -(d cdf / d alpha) / pdf, in the approximations PyTorch uses
(Jankowiak and Obermeyer, "Pathwise derivatives beyond the reparameterization trick", 2018): a Taylor series for
small x, a Rice saddle-point expansion for large alpha, and fitted rational corrections elsewhere; the fitted
coefficients are theirs. Each runs in the precision PyTorch's kernel uses (float64, except the Taylor series of
the Dirichlet gradient, which run in the inputs' dtype), so that gradients match to the last bit or two.

    >>> import glassgrad as torch
    >>> from glassgrad.distributions._gamma import standard_gamma
    >>> _ = torch.manual_seed(0)
    >>> standard_gamma(torch.tensor([0.5, 2.0]))
    tensor([0.0008, 0.6315])
"""
import math

import numpy as np

from ..ops.registry import apply, call, defvjp, primitive
from ..random.draws import _Reader
from ..tensor import Tensor

__all__ = ["standard_gamma", "sample_dirichlet", "standard_gamma_grad", "dirichlet_grad"]

_THIRD_F = float(np.float32(1.0) / np.float32(3.0))  # the kernel's 1.0f / 3.0f
_C_F = float(np.float32(0.0331))  # the kernel's 0.0331f
_TWO_PI = 2.0 * math.pi


class _Stream(_Reader):
    """_Reader's float64 uniforms, plus scalar normals from them; close() leaves the normal sampler's spare value
    where PyTorch's leaves it."""
    __slots__ = ("spare",)

    def __init__(self, gen):
        super().__init__(gen)
        self.spare = gen.normal_cache

    uniform = _Reader.__call__

    def normal(self):
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        u1 = self.uniform()
        u2 = self.uniform()
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = _TWO_PI * u1
        self.spare = r * math.sin(theta)
        return r * math.cos(theta)

    def close(self):
        super().close()
        self.gen.normal_cache = self.spare


def _gamma_one(alpha, single, s):
    """One Gamma(alpha, 1) draw in float64 (`single`: alpha is a float32, whose arithmetic the kernel does in
    float32 before moving to float64)."""
    if alpha != alpha:
        return alpha  # NOTE: PyTorch's loop never ends on a NaN concentration; glassgrad returns NaN
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        power = float(np.float32(1.0) / np.float32(alpha)) if single else 1.0 / alpha
        scale *= math.pow(1 - s.uniform(), power)
        alpha = float(np.float32(alpha) + np.float32(1.0)) if single else alpha + 1.0
    d = float(np.float32(alpha) - np.float32(_THIRD_F)) if single else alpha - _THIRD_F
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = s.normal()
            y = 1.0 + c * x
            if not y <= 0:
                break
        v = y * y * y
        u = 1 - s.uniform()
        xx = x * x
        if u < 1.0 - _C_F * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _generator(generator):
    from ..ops.distributions import draw_generator
    return draw_generator(generator, "_standard_gamma")


def _gamma_draws(alpha, gen, single):
    """Gamma draws for each value of the flat float64 array `alpha`, in order."""
    s = _Stream(gen)
    try:
        return np.array([_gamma_one(a, single, s) for a in alpha.tolist()], np.float64)
    finally:
        s.close()


def _values(xp, alpha, *, values):
    return values


def _gamma_grad_fwd(xp, alpha, x):
    return standard_gamma_grad(xp, alpha, x)


def _dirichlet_grad_fwd(xp, x, alpha, total):
    return dirichlet_grad(xp, x, alpha, total)


STANDARD_GAMMA_GRAD = primitive("_standard_gamma_grad", _gamma_grad_fwd, node="StandardGammaGradBackward0")
DIRICHLET_GRAD = primitive("_dirichlet_grad", _dirichlet_grad_fwd, node="DirichletGradBackward0")
STANDARD_GAMMA = primitive("_standard_gamma", _values, node="StandardGammaBackward0")
defvjp(STANDARD_GAMMA, alpha=lambda grad, alpha, result, xp: grad * call(xp, STANDARD_GAMMA_GRAD, alpha, result))


def _no_dirichlet_derivative(grad):
    raise RuntimeError("derivative for aten::_sample_dirichlet is not implemented")


# as in PyTorch, the raw Dirichlet sampler has no derivative (Dirichlet.rsample wraps it in a Function that has)
SAMPLE_DIRICHLET = primitive("_sample_dirichlet", _values, node="NotImplemented")
defvjp(SAMPLE_DIRICHLET, alpha=_no_dirichlet_derivative)
SAMPLE_DIRICHLET.node_cls.name = lambda self: "torch::autograd::NotImplemented"


def _check_float(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): argument 'self' (position 1) must be Tensor, not {type(t).__name__}")
    if not t.dtype.is_floating_point or t.dtype.itemsize < 4:
        raise NotImplementedError(f"\"{name}\" not implemented for '{t.dtype.scalar_name}'")


def standard_gamma(alpha, generator=None):
    """torch._standard_gamma: a Gamma(alpha, 1) draw for each element, at least the dtype's smallest normal
    number. Reparameterised: its gradient with respect to alpha is _standard_gamma_grad."""
    _check_float(alpha, "gamma_cpu")
    gen = _generator(generator)
    arr = alpha._data
    single = arr.dtype == np.float32
    draws = _gamma_draws(np.asarray(arr, np.float64).ravel(), gen, single)
    values = np.maximum(draws.astype(arr.dtype), np.finfo(arr.dtype).tiny).reshape(arr.shape)
    return apply(STANDARD_GAMMA, (alpha,), {"values": values})


def sample_dirichlet(alpha, generator=None):
    """torch._sample_dirichlet: one Dirichlet(alpha) draw per row of the last dimension, drawn as float64 gammas
    (at least the smallest normal float64) divided by their row sum, kept inside (0, 1) in alpha's dtype."""
    _check_float(alpha, "dirichlet")
    gen = _generator(generator)
    arr = alpha._data
    gamma = np.maximum(_gamma_draws(np.asarray(arr, np.float64).ravel(), gen, False),
                       np.finfo(np.float64).tiny).reshape(arr.shape)
    if gamma.size:
        gamma = gamma / _row_sums(gamma.reshape(-1, gamma.shape[-1])).reshape(gamma.shape[:-1] + (1,))
    ratio = gamma.astype(arr.dtype)
    info = np.finfo(arr.dtype)
    values = np.clip(ratio, info.tiny, np.nextafter(arr.dtype.type(1), arr.dtype.type(0)))
    return apply(SAMPLE_DIRICHLET, (alpha,), {"values": values})


# ---- PyTorch's sum over the last dimension (the Dirichlet normaliser), in its order of additions --------------
def _multi_row_sum(rows):
    """The sums over axis 1 of `rows` (n, size, ...) in PyTorch's cascade: runs of `step` items accumulate into
    level 0, which is carried up levels as the count crosses multiples of step, step^2 ... (4 levels)."""
    size = rows.shape[1]
    power = max(4, (size - 1).bit_length() // 4)
    step, mask = 1 << power, (1 << power) - 1
    acc = [np.zeros((rows.shape[0],) + rows.shape[2:]) for _ in range(4)]
    i = 0
    while i + step <= size:
        for _ in range(step):
            acc[0] = acc[0] + rows[:, i]
            i += 1
        for j in range(1, 4):
            acc[j] = acc[j] + acc[j - 1]
            acc[j - 1] = np.zeros_like(acc[j - 1])
            if i & (mask << (j * power)):
                break
    for k in range(i, size):
        acc[0] = acc[0] + rows[:, k]
    for j in range(1, 4):
        acc[0] = acc[0] + acc[j]
    return acc[0]


def _row_sum4(items):
    """The sum over axis 1 of `items` (n, size, ...) with 4 interleaved accumulators (PyTorch's row_sum)."""
    n, size = items.shape[:2]
    ilp = size // 4
    partial = _multi_row_sum(items[:, :ilp * 4].reshape((n, ilp, 4) + items.shape[2:]))
    total = partial[:, 0]
    for k in range(ilp * 4, size):
        total = total + items[:, k]
    for k in range(1, 4):
        total = total + partial[:, k]
    return total


def _row_sums(m):
    """The sum of each row of the float64 matrix `m` as PyTorch's CPU kernel adds it: vectors of 4 lanes summed
    lane-wise when a row holds one, the leftover elements then the lanes added after; scalars with 4
    accumulators otherwise. (Other orders differ in the last bit, which a Dirichlet draw shows. 4 lanes also on
    an AVX512 machine: found by experiment.)"""
    lanes = 4
    n, size = m.shape
    if size < lanes:
        return _row_sum4(m) if size else np.zeros(n)
    vecs = size // lanes
    acc = _row_sum4(m[:, :vecs * lanes].reshape(n, vecs, lanes))
    total = np.zeros(n)
    for k in range(vecs * lanes, size):
        total = total + m[:, k]
    for k in range(lanes):
        total = total + acc[:, k]
    return total


# ---- the reparameterised gradients, on arrays ----------------------------------------------------------------
_PSI_10 = 2.25175258906672110764  # digamma(10)
_DIGAMMA_SERIES = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                   -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                   8.33333333333333333333E-2)


def _digamma(xp, x, single=False):
    """digamma as these kernels compute it: shifted up to x >= 10, then the asymptotic series (reflection below
    0). `single`: x is float32, and the kernel's float32 steps (1 / x, x + 1, log x, 0.5 / x) are kept."""
    f64 = xp.float64
    if single:
        x = x.astype(xp.float32)
    neg = x < 0
    extra = xp.where(neg & (x != xp.floor(x)), -math.pi / xp.tan(math.pi * x.astype(f64)), 0.0)
    x = xp.where(neg, 1 - x, x)
    result = xp.zeros(x.shape, f64)
    for _ in range(11):  # x > 0 reaches 10 in at most 10 steps
        low = x < 10
        result = xp.where(low, result - (1 / x).astype(f64), result)
        x = xp.where(low, x + 1, x)
    z = 1.0 / (x * x).astype(f64)
    poly = xp.full_like(z, _DIGAMMA_SERIES[0])
    for a in _DIGAMMA_SERIES[1:]:
        poly = poly * z + a
    y = xp.where(x < 1.0e17, z * poly, 0.0)
    out = xp.where(x == 10, result + _PSI_10 + extra,
                   result + xp.log(x).astype(f64) - (0.5 / x).astype(f64) - y + extra)
    out = xp.where((x == 0) | (neg & (x == xp.floor(x))), xp.inf, out)
    return out.astype(xp.float32) if single else out


# Jankowiak and Obermeyer's fit of the Gamma gradient in u = log(x / alpha), v = log(alpha): coef_uv[k][i]
_GAMMA_UV = ((0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
             (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
              -0.00058392623),
             (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326,
              0.00085092367, -1.5247877e-07))


def _quiet(fn):
    """Runs an approximation whose unused branches may overflow or divide by zero (they are masked away)."""
    def wrapped(xp, *args):
        if xp is np:
            with np.errstate(all="ignore"):
                return fn(xp, *args)
        return fn(xp, *args)
    wrapped.__doc__ = fn.__doc__
    return wrapped


@_quiet
def standard_gamma_grad(xp, alpha_in, x_in):
    """d x / d alpha for x drawn from Gamma(alpha, 1), in the dtype of the inputs."""
    alpha = alpha_in.astype(xp.float64)
    x = x_in.astype(xp.float64)
    # small x: the Taylor series of the incomplete gamma function
    numer, denom = xp.ones_like(x), alpha
    s1, s2 = numer / denom, numer / (denom * denom)
    for i in range(1, 6):
        numer = numer * (-x / float(i))
        denom = denom + 1
        s1 = s1 + numer / denom
        s2 = s2 + numer / (denom * denom)
    pow_x_alpha = x ** alpha
    pdf = x ** (alpha - 1) * xp.exp(-x)
    cdf_alpha = (xp.log(x) - _digamma(xp, alpha)) * (pow_x_alpha * s1) - pow_x_alpha * s2
    taylor = -cdf_alpha / pdf
    taylor = xp.where(xp.isnan(taylor), 0.0, taylor)
    # large alpha: Rice's saddle-point expansion, with its own form near the mode
    near = (float(np.float32(0.9)) * alpha <= x) & (x <= float(np.float32(1.1)) * alpha)
    numer_1 = 1 + 24 * alpha * (1 + 12 * alpha)
    numer_2 = 1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x)
    at_mode = numer_1 * numer_2 / (1244160 * (alpha * alpha) * (alpha * alpha))
    denom = xp.sqrt(8 * alpha)
    term2 = denom / (alpha - x)
    term3 = (x - alpha - alpha * xp.log(x / alpha)) ** -1.5
    term23 = xp.where(x < alpha, term2 - term3, term2 + term3)
    term1 = xp.log(x / alpha) * term23 - xp.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x))
    stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
    saddle = xp.where(near, at_mode, -stirling * (x * term1) / denom)
    # otherwise: the fitted rational function
    u, v = xp.log(x / alpha), xp.log(alpha)
    cv = [c0 + u * (c1 + u * c2) for c0, c1, c2 in zip(*_GAMMA_UV)]
    p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
    q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
    rational = xp.exp(p / q)
    out = xp.where(x < float(np.float32(0.8)), taylor, xp.where(alpha > 8.0, saddle, rational))
    return out.astype(alpha_in.dtype)


def _beta_grad_alpha_small(xp, x, alpha, beta):
    """Near x = 0: a Taylor series (in the inputs' dtype, as PyTorch's kernel)."""
    single = x.dtype == xp.float32
    factor = _digamma(xp, alpha, single) - _digamma(xp, alpha + beta, single) - xp.log(x)
    numer = xp.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    out = x * (1 - x) ** -beta * series
    return xp.where(xp.isnan(out), 0.0, out)


def _beta_grad_beta_small(xp, x, alpha, beta):
    """The gradient in beta near x = 0 (used mirrored, for x near 1): a Taylor series (in the inputs' dtype)."""
    single = x.dtype == xp.float32
    factor = _digamma(xp, alpha + beta, single) - _digamma(xp, beta, single)
    numer, betas, dbetas = xp.ones_like(x), xp.ones_like(x), xp.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    out = -((1 - x) ** (1 - beta)) * series
    return xp.where(xp.isnan(out), 0.0, out)


def _beta_grad_alpha_mid(xp, x, alpha, beta):
    """alpha and beta both large: Rice's saddle-point expansion, a polynomial form near the mean."""
    total = alpha + beta
    mean = alpha / total
    std = xp.sqrt(alpha * beta / (total + 1)) / total
    near = (mean - 0.1 * std <= x) & (x <= mean + 0.1 * std)
    bb = beta * beta
    poly = 47 * x * bb * bb + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * bb * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * bb + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))))
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    at_mean = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / xp.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    axbx = alpha * (x - 1) + beta * x
    term1 = ((2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * bb)
             / (xp.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx))
    term2 = 0.5 * xp.log(alpha / (total * x))
    term3 = xp.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4 = (beta * xp.log(beta / (total * (1 - x))) + alpha * xp.log(alpha / (total * x))) ** -1.5
    away = stirling * prefactor * (term1 + term2 * (term3 + xp.where(x < mean, term4, -term4)))
    return xp.where(near, at_mean, away)


# the fitted rational correction of the Beta gradient: _BETA_C[numerator or denominator][i][j] are the
# coefficients, a cubic in b, of u^i a^j (u = log x, a = log alpha - u, b = log total - a)
_BETA_C = (
    (((1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
      (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
      (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013)),
     ((0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
      (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
      (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05)),
     ((-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
      (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
      (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05))),
    (((1, -0.02924021934, -0.04438342661, 0.007285809825),
      (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
      (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149)),
     ((0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
      (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
      (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05)),
     ((0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
      (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
      (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06))))


def _beta_grad_rational(xp, x, alpha, total, single):
    u = xp.log(x)
    a = xp.log(alpha) - u
    b = xp.log(total) - a
    pow_u, pow_a = (1.0, u, u * u), (1.0, a, a * a)
    p = q = 0.0
    for i in range(3):
        for j in range(3):
            ua = pow_u[i] * pow_a[j]
            c, d = _BETA_C[0][i][j], _BETA_C[1][i][j]
            p = p + ua * (c[0] + b * (c[1] + b * (c[2] + b * c[3])))
            q = q + ua * (d[0] + b * (d[1] + b * (d[2] + b * d[3])))
    # NOTE: the kernel's digamma here takes (and returns) the inputs' dtype, the rest is float64
    approx = x * (_digamma(xp, total, single) - _digamma(xp, alpha, single)).astype(xp.float64) / (total - alpha)
    return p / q * approx


@_quiet
def dirichlet_grad(xp, x_in, alpha_in, total_in):
    """-(d cdf / d alpha) / pdf / (1 - x) for x drawn from Beta(alpha, total - alpha): the piece of the
    Dirichlet gradient each coordinate contributes. The branch tests and the Taylor series run in the inputs'
    dtype, the other approximations in float64, as in PyTorch's kernel."""
    x, alpha, total = xp.broadcast_arrays(x_in, alpha_in, total_in)
    single = x.dtype == xp.float32
    beta = total - alpha
    boundary = total * x * (1 - x)
    x64, alpha64, total64 = (t.astype(xp.float64) for t in (x, alpha, total))
    out = xp.where((x <= 0.5) & (boundary < 2.5), _beta_grad_alpha_small(xp, x, alpha, beta),
                   xp.where((x >= 0.5) & (boundary < 0.75), -_beta_grad_beta_small(xp, 1 - x, beta, alpha),
                            xp.where((alpha > 6) & (beta > 6),
                                     _beta_grad_alpha_mid(xp, x64, alpha64, total64 - alpha64),
                                     _beta_grad_rational(xp, x64, alpha64, total64, single))))
    return out.astype(x_in.dtype)
