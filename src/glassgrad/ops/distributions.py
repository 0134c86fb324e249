"""Random sampling ops: the in-place fillers (uniform_, normal_, bernoulli_, random_, exponential_, ...) and
torch.normal / bernoulli / multinomial / poisson, with PyTorch's checks, messages and graph nodes. The numbers come
from glassgrad.random (PyTorch's CPU streams: the same values as PyTorch for the same seed and calls), which also
does the host-side array work, so that this op family imports no NumPy.

    >>> import glassgrad as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.empty(3).uniform_(-1, 1)
    tensor([-0.0075,  0.5364, -0.8230])
    >>> torch.multinomial(torch.tensor([0.1, 0.0, 0.9]), 2)
    tensor([2, 0])
"""
import math
import operator
import warnings

from .. import _dtype as D
from ..random import draws as R
from ..random.generator import Generator, default_generator
from ..tensor import Tensor, _new
from .registry import primitive, defvjp, apply, ZERO_GRAD
from . import inplace as IP

__all__ = ["uniform_", "normal_", "bernoulli_", "bernoulli", "random_", "exponential_", "geometric_", "cauchy_",
           "log_normal_", "normal", "multinomial", "poisson", "get_rng_state", "set_rng_state", "draw_generator"]

API = {"torch": ("normal", "bernoulli", "multinomial", "poisson", "get_rng_state", "set_rng_state"),
       "Tensor": ("uniform_", "normal_", "bernoulli_", "bernoulli", "random_", "exponential_", "geometric_",
                  "cauchy_", "log_normal_", "multinomial"),
       "nn.functional": (), "linalg": (), "special": ()}


def _values(xp, x, *, values):
    return values


def _sampler(name, node):
    """The registry op of a sampler: its output is `values`, drawn beforehand; every gradient is zero."""
    op = primitive(name, _values, node=node)
    defvjp(op, x=ZERO_GRAD)
    return op


UNIFORM = _sampler("uniform", "UniformBackward0")
NORMAL = _sampler("normal", "NormalBackward0")
BERNOULLI_P = _sampler("bernoulli_float", "BernoulliBackward2")
RANDOM_FROM_TO = _sampler("random_from_to", "RandomBackward0")
RANDOM_TO = _sampler("random_to", "RandomBackward1")
RANDOM = _sampler("random", "RandomBackward2")
EXPONENTIAL = _sampler("exponential", "ExponentialBackward0")
GEOMETRIC = _sampler("geometric", "GeometricBackward0")
CAUCHY = _sampler("cauchy", "CauchyBackward0")
LOG_NORMAL = _sampler("log_normal", "LogNormalBackward0")
BERNOULLI = _sampler("bernoulli", "BernoulliBackward0")  # torch.bernoulli(p): zero gradient for p
POISSON = _sampler("poisson", "PoissonBackward0")
BERNOULLI_T = primitive("bernoulli_tensor", lambda xp, x, p, *, values: values, node="BernoulliBackward1")
defvjp(BERNOULLI_T, x=ZERO_GRAD, p=ZERO_GRAD)
NORMAL_TT = primitive("normal_tensor_tensor", lambda xp, mean, std, *, values: values, node="NormalBackward3")
defvjp(NORMAL_TT, mean=ZERO_GRAD, std=ZERO_GRAD)
NORMAL_TF = _sampler("normal_tensor_float", "NormalBackward1")
NORMAL_FT = _sampler("normal_float_tensor", "NormalBackward2")


def _no_bernoulli_derivative(grad):
    raise RuntimeError("derivative for aten::bernoulli is not implemented")


# torch.bernoulli(input, p) has no derivative: its output requires grad and backward raises
BERNOULLI_PX = primitive("bernoulli_p", _values, node="NotImplemented")
defvjp(BERNOULLI_PX, x=_no_bernoulli_derivative)
BERNOULLI_PX.node_cls.name = lambda self: "torch::autograd::NotImplemented"


# ---- shared pieces -------------------------------------------------------------------------------------
def draw_generator(generator, fn="uniform_"):
    """The Generator to draw from: `generator`, or the default one."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"{fn}(): argument 'generator' must be torch.Generator, not {type(generator).__name__}")
    return generator


def _fill(op, self, draw, others=()):
    """Runs the in-place sampler `op` on `self`: PyTorch's in-place checks first (nothing is drawn for a refused
    op), then `draw(n, contiguous)` gives the values in the order PyTorch walks `self`."""
    IP.check_inplace(self, IP.will_record(op, (self,) + tuple(others)))
    arr = self._data
    if arr.size == 0:
        return self
    axes = R.layout(arr)
    values = draw(arr.size, axes is None).astype(arr.dtype, copy=False)
    return IP.apply_inplace(op, self, others, {"values": R.place(values, arr.shape, axes)})


def _g(x):
    """A number as PyTorch's messages print a double (C++'s default stream format)."""
    return f"{float(x):g}"


# ---- uniform_ / normal_ ----------------------------------------------------------------------------------
def uniform_(self, from_=0, to=1, *, generator=None):
    """Fills `self` with values drawn uniformly from [from_, to)."""
    dt = self._dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{dt.scalar_name}'")
    lo, hi = R.dtype_range(dt.np)
    from_, to = float(from_), float(to)
    if not lo <= from_ <= hi:
        raise RuntimeError(f"from is out of bounds for {dt.cpp_name}")
    if not lo <= to <= hi:
        raise RuntimeError(f"to is out of bounds for {dt.cpp_name}")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_g(from_)} > "
                           f"to={_g(to)}")
    if to - from_ > hi:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{dt.scalar_name}>::max(), but found "
                           f"to={_g(to)} and from={_g(from_)} which result in to-from to exceed the limit")
    gen = draw_generator(generator)
    return _fill(UNIFORM, self, lambda n, contiguous: R.uniform(gen, n, dt.np, from_, to))


def _check_std(std):
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")


def normal_(self, mean=0, std=1, *, generator=None):
    """Fills `self` with values drawn from N(mean, std**2)."""
    _check_std(std)
    dt = self._dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{dt.scalar_name}'")
    gen = draw_generator(generator, "normal_")
    return _fill(NORMAL, self, lambda n, contiguous: R.normal(gen, n, dt.np, mean, std, contiguous))


# ---- bernoulli -------------------------------------------------------------------------------------------
def bernoulli_(self, p=0.5, *, generator=None):
    """Fills `self` with 0/1 draws, 1 with probability `p` (a number, or a tensor broadcast to `self`)."""
    gen = draw_generator(generator, "bernoulli_")
    if isinstance(p, Tensor):
        return _bernoulli_tensor_(self, p, gen)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_g(p)}")
    if self._dtype is D.float16:
        raise NotImplementedError("\"bernoulli_scalar_cpu_\" not implemented for 'Half'")
    return _fill(BERNOULLI_P, self, lambda n, contiguous: R.bernoulli_p(gen, n, p))


def _bernoulli_tensor_(self, p, gen):
    if not p._dtype.is_floating_point or p._dtype is D.float16:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{p._dtype.scalar_name}'")
    if self._dtype is D.float16:
        raise NotImplementedError("\"bernoulli_tensor_cpu_self_\" not implemented for 'Half'")
    from .shape import expand
    probs = expand(p, tuple(self._data.shape))._data

    def draw(n, contiguous):
        axes = R.layout(self._data)
        values = R.bernoulli_checked(gen, (probs if axes is None else probs.transpose(axes)).ravel())
        if values is None:
            raise RuntimeError(MSG_P_RANGE)
        return values
    return _fill(BERNOULLI_T, self, draw, others=(p,))


def bernoulli(input, p=None, *, generator=None, out=None):
    """torch.bernoulli(input): 0/1 draws with the probabilities in `input`; bernoulli(input, p): with probability
    `p` for every element. The result has `input`'s shape and dtype."""
    gen = draw_generator(generator, "bernoulli")
    if p is None:
        if not input._dtype.is_floating_point or input._dtype is D.float16:
            raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                      f"'{input._dtype.scalar_name}'")
        probs = input._data
        values = R.bernoulli_checked(gen, probs.ravel())
        if values is None:
            raise RuntimeError(MSG_P_RANGE)
        values = values.reshape(probs.shape).astype(probs.dtype)
        result = apply(BERNOULLI, (input,), {"values": values})
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_g(p)}")
        values = R.bernoulli_p(gen, input._data.size, p).reshape(input._data.shape).astype(input._data.dtype)
        result = apply(BERNOULLI_PX, (input,), {"values": values})
    return _to_out(result, out)


MSG_P_RANGE = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  "
               "If so, please report an enhancement request to PyTorch.)")


def _to_out(result, out):
    if out is None:
        return result
    IP.copy_(out, result)
    return out


# ---- random_ (integers) ------------------------------------------------------------------------------------
_RANDOM_SIGNATURES = ("random_() received an invalid combination of arguments - got ({}), but expected one of:\n"
                      " * (*, torch.Generator generator = None)\n"
                      " * (int from, int to, *, torch.Generator generator = None)\n"
                      " * (int to, *, torch.Generator generator = None)\n")
_DIGITS = {"float16": 11, "float32": 24, "float64": 53}
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def random_(self, *args, generator=None, **kwargs):
    """random_(): integers over the dtype's range ([0, 2**mantissa] for floats); random_(to): [0, to);
    random_(from, to): [from, to), `to=None` meaning up to the dtype's maximum."""
    bounds = list(args) + [kwargs.pop(k) for k in ("from", "to") if k in kwargs]
    if kwargs or len(bounds) > 2 or not all(b is None or _is_int(b) for b in bounds):
        got = ", ".join(type(b).__name__ for b in bounds)
        raise TypeError(_RANDOM_SIGNATURES.format(got))
    gen = draw_generator(generator, "random_")
    dt = self._dtype
    npdt = dt.np
    if not bounds:
        return _fill(RANDOM, self, lambda n, contiguous: R.ints_default(gen, n, npdt))
    if len(bounds) == 1:
        op, from_, to = RANDOM_TO, 0, int(bounds[0])
    else:
        op, from_, to = RANDOM_FROM_TO, int(bounds[0]), None if bounds[1] is None else int(bounds[1])
    if to is None and from_ == _I64_MIN:
        if dt not in (D.int64, D.float32, D.float64):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16")
        return _fill(op, self, lambda n, contiguous: R.ints_full_range(gen, n))
    from_, to_inc = _random_bounds(dt, from_, to)
    return _fill(op, self, lambda n, contiguous: R.ints_from_to(gen, n, to_inc - from_ + 1, from_))


def _is_int(x):
    """An integer argument: a Python or NumPy integer, or a 0-d integer tensor (bools and floats are refused)."""
    if isinstance(x, Tensor):
        return x._data.ndim == 0 and x._dtype._cat == 1
    if isinstance(x, (bool, float)):
        return False
    try:
        operator.index(x)
    except TypeError:
        return False
    return True


def _random_bounds(dt, from_, to):
    """[from_, to_inc] after PyTorch's adjustments and checks for the dtype."""
    if to is not None:
        if from_ >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        if dt.is_floating_point:
            from_, to = _float_from(dt, from_), _float_to(dt, to)
            if from_ >= to:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, "
                                   f"but got from={from_} >= to={to}")
        to_inc = to - 1
    elif dt.is_floating_point:
        to_inc = min(1 << _DIGITS[dt.name], _I64_MAX)
        from_ = _float_from(dt, from_)
        if from_ >= to_inc:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted "
                               f"to dtype, but got from={from_} > to_inc={to_inc}")
    else:
        to_inc = R.dtype_range(dt.np)[1]
    _check_in_range(dt, from_, to_inc)
    return from_, to_inc


def _float_from(dt, from_):
    """PyTorch moves a `from` that its dtype rounds down to the next value the dtype holds."""
    plus1 = R.round_trip(from_ + 1, dt.np)
    if plus1 < from_:
        n = abs(from_ + 1).bit_length() - 1
        from_ = plus1 + (1 << (n - _DIGITS[dt.name] + 1))
    return from_


def _float_to(dt, to):
    minus1 = R.round_trip(to - 1, dt.np)
    if minus1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = minus1 - (1 << (n - _DIGITS[dt.name] + 1))
    return to


def _check_in_range(dt, from_, to_inc):
    lo, hi = R.dtype_range(dt.np)
    if not lo <= from_ <= hi:
        raise RuntimeError(f"from is out of bounds for {dt.cpp_name}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {dt.cpp_name}")
    if dt.is_floating_point:
        digits = _DIGITS[dt.name]
        for value, name in ((from_, "from"), (to_inc, "to - 1")):
            if not -(1 << digits) <= value <= 1 << digits:
                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                              f"{dt.cpp_name} can support discrete uniform distribution only within this range. "
                              f"This warning will become an error in version 1.7 release, please fix the code in "
                              f"advance", UserWarning, stacklevel=4)


# ---- the other in-place samplers ----------------------------------------------------------------------------
def exponential_(self, lambd=1.0, *, generator=None):
    """Fills `self` with draws from Exp(lambd)."""
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    if not self._dtype.is_floating_point:
        raise RuntimeError(f"Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {self._dtype.scalar_name}")
    gen = draw_generator(generator, "exponential_")
    return _fill(EXPONENTIAL, self, lambda n, contiguous: R.exponential(gen, n, lambd))


def geometric_(self, p, *, generator=None):
    """Fills `self` with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    if self._dtype is D.bool_:
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    gen = draw_generator(generator, "geometric_")
    return _fill(GEOMETRIC, self, lambda n, contiguous: R.geometric(gen, n, p))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fills `self` with draws from the Cauchy distribution."""
    if not self._dtype.is_floating_point:
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {self._dtype.cpp_name}")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    gen = draw_generator(generator, "cauchy_")
    return _fill(CAUCHY, self, lambda n, contiguous: R.cauchy(gen, n, median, sigma))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fills `self` with exp(N(mean, std**2)) draws."""
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    if not self._dtype.is_floating_point:
        raise NotImplementedError(f"\"log_normal_cpu\" not implemented for '{self._dtype.scalar_name}'")
    gen = draw_generator(generator, "log_normal_")
    return _fill(LOG_NORMAL, self, lambda n, contiguous: R.log_normal(gen, n, mean, std))


# ---- torch.normal ------------------------------------------------------------------------------------------
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """torch.normal: tensor means and/or stds (broadcast together), or numbers with a `size`."""
    gen = draw_generator(generator, "normal")
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_t and not std_t:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got ({type(mean).__name__}, "
                            f"{type(std).__name__}), but expected one of:")
        _check_std(std)
        dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
        if not dt.is_floating_point:
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{dt.scalar_name}'")
        shape = tuple(size) if isinstance(size, (tuple, list)) else (int(size),)
        values = R.normal(gen, math.prod(shape), dt.np, mean, std).reshape(shape)
        result = _new(values, dt)
        if requires_grad:
            result.requires_grad_(True)
        return _to_out(result, out)
    if std_t and std._data.size and not bool((std._data >= 0).all()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not std_t:
        _check_std(std)
    base = mean if mean_t else std
    if not base._dtype.is_floating_point:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{base._dtype.scalar_name}'")
    shape = _broadcast_or_raise(mean._data.shape if mean_t else (), std._data.shape if std_t else ())
    dt = base._dtype.np
    n = math.prod(shape)
    if mean_t and not std_t:
        # PyTorch draws N(0, std) into the output, then adds the means
        z = R.normal(gen, n, dt, 0.0, std).reshape(shape)
        values = (z + mean._data).astype(dt)
        result = apply(NORMAL_TF, (mean,), {"values": values})
    else:
        # a standard normal draw, scaled by the stds, then the means added (two separate roundings)
        z = R.normal(gen, n, dt).reshape(shape)
        m = mean._data if mean_t else float(mean)  # a number is added in the tensor's dtype
        values = ((z * std._data).astype(dt) + m).astype(dt)
        result = apply(NORMAL_TT, (mean, std), {"values": values}) if mean_t else \
            apply(NORMAL_FT, (std,), {"values": values})
    return _to_out(result, out)


def _broadcast_or_raise(a, b):
    shape = R.broadcast(a, b)
    if shape is None:
        from .inplace import broadcast_error
        raise broadcast_error(a, b)
    return shape


# ---- multinomial / poisson -----------------------------------------------------------------------------------
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from each row of `input` (1-D or 2-D), with probabilities proportional to its entries."""
    p = input._data
    if not 1 <= p.ndim <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input._dtype.scalar_name}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    k = p.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if k > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    gen = draw_generator(generator, "multinomial")
    rows = p.reshape(-1, k)
    if not replacement or num_samples == 1:
        if not (rows.size and rows.max() < math.inf and rows.min() >= 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (rows.sum(axis=1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        # NOTE: the Exp(1) draws fill a tensor made like `input`, so they walk it in its memory order
        axes = R.like_layout(p)
        q = R.place(R.exponential(gen, p.size, 1.0), p.shape, axes).reshape(-1, k)
        idx = R.multinomial_race(rows, q.astype(p.dtype), num_samples)
    else:
        idx = R.multinomial_cdf(gen, rows, num_samples, _check_row)
    result = _new(idx.reshape(p.shape[:-1] + (num_samples,)), D.int64)
    return _to_out(result, out)


def _check_row(row, total):
    """PyTorch's checks of one row, made as the row's cumulative sum is built (before its draws)."""
    bad = (~((row >= 0) & (row < math.inf))).nonzero()[0]
    if bad.size:  # the first bad entry decides the message (NaN fails the `>= 0` test first)
        if not row[bad[0]] >= 0:
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
    if not total > 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def poisson(input, generator=None):
    """Draws from Poisson(rate) for each rate in `input`."""
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{input._dtype.scalar_name}'")
    gen = draw_generator(generator, "poisson")
    rates = input._data
    values = R.poisson(gen, rates.astype("float64").ravel()).reshape(rates.shape).astype(rates.dtype)
    return apply(POISSON, (input,), {"values": values})


# ---- the default generator's state ---------------------------------------------------------------------------
def get_rng_state():
    """The default generator's state (a uint8 tensor in PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restores the default generator to a state from get_rng_state (glassgrad's or PyTorch's)."""
    default_generator.set_state(new_state)
