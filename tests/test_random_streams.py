"""PyTorch's CPU random streams: with the same seed and the same calls, glassgrad draws PyTorch's numbers, bit for
bit (rand, randn, randint, randperm, the in-place samplers, bernoulli, multinomial, poisson, normal, dropout masks,
nn.init, random_split and DataLoader shuffling), and its generator state is PyTorch's, byte for byte. Every program
ends with one more draw, so that a call that consumed a different number of values than PyTorch's shows up.

Known difference (the stream stays the same, tested as such): orthogonal_'s QR (LAPACK) differs in the last bits.
"""
import copy
import pickle
import warnings

import numpy as np
import pytest

from difftools import assert_same, glassgrad, torch

SEEDS = [0, 1, 42, 2 ** 32 + 7, -3]


def _arrays(out):
    out = out if isinstance(out, (list, tuple)) else [out]
    return [o.detach().numpy().copy() if hasattr(o, "detach") else np.asarray(o) for o in out]


def same_bits(program):
    """program(torch) and program(glassgrad) give the same values, bit for bit (dtype, shape, NaN included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, got = _arrays(program(torch)), _arrays(program(glassgrad))
    assert len(expected) == len(got)
    for i, (e, g) in enumerate(zip(expected, got)):
        assert (e.dtype, e.shape) == (g.dtype, g.shape), f"output {i}: torch {e.dtype}{e.shape}, glassgrad " \
                                                         f"{g.dtype}{g.shape}"
        bad = ~((e == g) | (np.isnan(e) & np.isnan(g))) if e.dtype.kind == "f" else e != g
        if bad.any():
            where = np.flatnonzero(bad.ravel())
            raise AssertionError(f"output {i}: {where.size} of {e.size} values differ, first at {where[:5]}:\n"
                                 f"torch:     {e.ravel()[where[:5]]!r}\nglassgrad: {g.ravel()[where[:5]]!r}")


# ---- the factories -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_first_10000_values_of_the_factories(seed):
    def program(m):
        m.manual_seed(seed)
        return [m.rand(10000), m.rand(10000, dtype=m.float64), m.randn(10000), m.randn(10000, dtype=m.float64),
                m.randint(0, 10, (10000,)), m.randint(-5, 2 ** 40, (10000,)), m.randperm(10000), m.rand(3)]
    same_bits(program)


@pytest.mark.parametrize("shape", [(1,), (5,), (15,), (16,), (17,), (33,), (100, 3), (2, 3, 7)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_shapes_and_dtypes(shape, dtype):
    # fewer than 16 values take the scalar normal sampler (which keeps its second value for the next call); 16 and
    # more the blocks of 16, the last 16 drawn again when the size is not a multiple of 16
    def program(m):
        m.manual_seed(7)
        dt = getattr(m, dtype)
        return [m.randn(*shape, dtype=dt), m.rand(*shape, dtype=dt), m.randn(*shape, dtype=dt),
                m.randn(3, dtype=m.float64), m.rand(2)]
    same_bits(program)


def test_randn_float32_is_exact_over_a_million_values():
    # the AVX2 Box-Muller's float32 log and sin/cos polynomials, with the compiler's fused multiply-adds
    same_bits(lambda m: [m.manual_seed(3), m.randn(1000000), m.empty(20000).normal_(-1.5, 0.3)][1:])


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float32", "float64", "float16"])
def test_randint_and_randperm_dtypes(dtype):
    def program(m):
        m.manual_seed(11)
        dt = getattr(m, dtype)
        hi = 2 if dtype == "bool" else 100
        out = [m.randint(0, hi, (300,), dtype=dt), m.randint(hi, (7,), dtype=dt)]
        if dtype not in ("bool",):
            out.append(m.randperm(50, dtype=dt))
        return out + [m.rand(2)]
    same_bits(program)


@pytest.mark.parametrize("dtype,span", [(dt, span) for dt in ("int64", "int32", "float64")
                                        for span in (2, 2 ** 16 + 1, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 33)
                                        if dt != "int32" or span < 2 ** 31])
def test_randint_switches_to_64_bit_draws_at_2_to_28(dtype, span):
    same_bits(lambda m: [m.manual_seed(5), m.randint(-1, span - 1, (50,), dtype=getattr(m, dtype)), m.rand(2)][1:])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 1000, 60000])
def test_randperm(n):
    same_bits(lambda m: [m.manual_seed(2), m.randperm(n), m.randperm(n, generator=m.Generator().manual_seed(9)),
                         m.rand(2)][1:])


def test_like_factories_follow_the_input_layout():
    # preserve_format: a transposed input gives a transposed result, filled in memory order (and, not being
    # contiguous, randn_like takes the scalar normal sampler)
    def program(m):
        m.manual_seed(5)
        x = m.empty(8, 5).t()
        return [m.rand_like(x), m.randn_like(x), m.randn_like(m.empty(40, 30).t()), m.randint_like(x, 10),
                m.randint_like(x, 3, 9), m.randn_like(m.empty(20)), m.rand_like(x, dtype=m.float64), m.rand(2)]
    same_bits(program)


# ---- the in-place samplers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_inplace_samplers(dtype):
    def program(m):
        m.manual_seed(1)
        dt = getattr(m, dtype)
        out = [m.empty(1000, dtype=dt).uniform_(-1 / 3, 1.4), m.empty(1000, dtype=dt).normal_(0.5, 2.5),
               m.empty(15, dtype=dt).normal_(0.5, 2.5), m.empty(500, dtype=dt).exponential_(1.5),
               m.empty(500, dtype=dt).geometric_(0.2), m.empty(500, dtype=dt).cauchy_(0.5, 2.0),
               m.empty(501, dtype=dt).log_normal_(0.5, 0.75), m.empty(300, dtype=dt).random_(),
               m.empty(300, dtype=dt).random_(-7, 100), m.empty(100, dtype=dt).random_(1000),
               m.empty(50, dtype=dt).random_(3, None)]
        if dtype != "float16":  # PyTorch has no float16 bernoulli on the CPU
            out += [m.empty(500, dtype=dt).bernoulli_(0.3), m.bernoulli(m.rand(300, dtype=dt)),
                    m.empty(30, dtype=dt).bernoulli_(m.rand(30, dtype=dt))]
        return out + [m.rand(2)]
    same_bits(program)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool"])
def test_random_overloads_on_integers(dtype):
    def program(m):
        m.manual_seed(2)
        dt = getattr(m, dtype)
        out = [m.empty(100, dtype=dt).random_(), m.empty(100, dtype=dt).random_(0, 2), m.empty(50, dtype=dt).random_(2),
               m.empty(60, dtype=dt).random_(1, None), m.empty(40, dtype=dt).bernoulli_(0.6)]
        if dtype != "bool":
            out.append(m.empty(30, dtype=dt).geometric_(0.3))
        if dtype == "int64":
            out += [m.empty(100, dtype=dt).random_(-2 ** 63, None), m.empty(100, dtype=dt).random_(-2 ** 40, 2 ** 50)]
        return out + [m.rand(2)]
    same_bits(program)


def test_samplers_walk_a_non_contiguous_tensor_in_memory_order():
    def program(m):
        m.manual_seed(5)
        return [m.empty(8, 5).t().normal_(), m.empty(6, 7)[:, 2].normal_(), m.empty(20, 30).t().uniform_(),
                m.empty(4, 6).t().random_(9), m.empty(4, 6).t().bernoulli_(m.rand(6, 4)), m.rand(2)]
    same_bits(program)


# ---- normal, bernoulli, multinomial, poisson ------------------------------------------------------------------
def test_normal_overloads():
    def program(m):
        m.manual_seed(5)
        return [m.normal(m.zeros(20), m.ones(20) * 2), m.normal(m.zeros(20), 3.0), m.normal(1.0, m.ones(20)),
                m.normal(2.0, 3.0, (30,)), m.normal(m.zeros(5), m.ones(5)), m.normal(m.zeros(2, 1), m.ones(3)),
                m.normal(m.zeros(2, 1, dtype=m.float64), m.ones(3)), m.normal(0.5, 2.0, [3, 2], dtype=m.float64),
                m.normal(1.5, m.ones(20, dtype=m.float64)), m.rand(2)]
    same_bits(program)


@pytest.mark.parametrize("seed", [0, 3])
def test_multinomial(seed):
    def program(m):
        m.manual_seed(seed)
        w = m.rand(4, 30)
        return [m.multinomial(w, 10), m.multinomial(w, 1), m.multinomial(w, 50, True), m.multinomial(w[0], 5),
                m.multinomial(w.double(), 7, True), m.multinomial(w[1], 1, True), w.t().multinomial(3),
                m.multinomial(m.tensor([0.1, 0.0, 0.9]), 2), m.rand(2)]
    same_bits(program)


def test_multinomial_orders_ties_as_pytorch():
    # zero-probability categories all get the key 0: PyTorch's topk leaves them in the order of C++'s
    # nth_element / partial_sort (both paths: k * 64 <= n or not)
    def program(m):
        m.manual_seed(0)
        p = m.tensor([0.5, 0, 0, 0.5, 0, 0.2])
        big = m.zeros(300)
        big[::7] = 1
        return [m.multinomial(p, 6), m.multinomial(m.stack([p, p.flip(0)]), 5), m.multinomial(big, 4),
                m.multinomial(big, 100), m.multinomial(m.ones(40), 40), m.rand(2)]
    same_bits(program)


def test_poisson():
    same_bits(lambda m: [m.manual_seed(4), m.poisson(m.rand(200) * 20), m.poisson(m.rand(3, 5, dtype=m.float64) * 5),
                         m.poisson(m.tensor([0.0, 9.99, 10.0, 150.0])), m.rand(2)][1:])


# ---- dropout, rrelu, nn.init, data --------------------------------------------------------------------------
def test_dropout_masks_and_rrelu():
    def program(m):
        m.manual_seed(4)
        F = m.nn.functional
        x, x4 = m.randn(20, 30), m.randn(4, 6, 5, 5)
        y = x.clone()
        F.dropout(y, 0.3, inplace=True)
        return [F.dropout(x, 0.2), m.nn.Dropout(0.5)(x), F.dropout(x.t(), 0.4), F.dropout(x, 1.0), y,
                F.dropout2d(x4, 0.5), m.nn.Dropout2d(0.3)(x4), F.dropout1d(m.randn(3, 4, 7), 0.5),
                F.dropout3d(m.randn(2, 3, 2, 2, 2), 0.5), F.rrelu(x, training=True),
                F.rrelu(m.randn(50, dtype=m.float64), 0.1, 0.6, training=True), m.nn.RReLU()(x), m.rand(2)]
    same_bits(program)


def test_nn_init_and_default_module_initialisation():
    def program(m):
        m.manual_seed(8)
        init, out = m.nn.init, []
        for shape in [(30, 20), (5, 3, 3, 3)]:
            w = m.empty(*shape)
            out += [init.uniform_(w.clone(), -0.2, 0.3), init.normal_(w.clone(), 0.1, 0.5),
                    init.xavier_uniform_(w.clone()), init.xavier_normal_(w.clone(), gain=2.0),
                    init.kaiming_uniform_(w.clone(), a=5 ** 0.5), init.kaiming_normal_(w.clone(), mode="fan_out"),
                    init.trunc_normal_(w.clone(), std=0.02), init.trunc_normal_(w.clone(), 0.0, 1.0, -0.1, 0.1),
                    init.trunc_normal_(w.clone(), mean=1.0, std=2.0, a=-1, b=5)]
        out.append(init.sparse_(m.empty(10, 6), 0.3))
        lin, conv, emb, lstm = m.nn.Linear(20, 30), m.nn.Conv2d(3, 8, 3), m.nn.Embedding(10, 4), m.nn.LSTM(4, 6, 2)
        return out + [lin.weight, lin.bias, conv.weight, conv.bias, emb.weight] + list(lstm.parameters()) + [m.rand(2)]
    same_bits(program)


def test_orthogonal_draws_the_same_stream_and_values_up_to_lapack():
    def program(m):
        m.manual_seed(8)
        return [m.nn.init.orthogonal_(m.empty(6, 10)), m.nn.init.orthogonal_(m.empty(10, 6), gain=2), m.rand(3)]
    t, g = _arrays(program(torch)), _arrays(program(glassgrad))
    for a, b in zip(t[:2], g[:2]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(t[2], g[2])


def test_random_split_and_dataloader_shuffling():
    def program(m):
        m.manual_seed(0)
        D = m.utils.data
        ds = D.TensorDataset(m.arange(20))
        a, b = D.random_split(ds, [0.7, 0.3])
        c, d = D.random_split(range(10), [4, 6], generator=m.Generator().manual_seed(42))
        order = [x[0] for x in D.DataLoader(ds, batch_size=5, shuffle=True)]
        return [m.tensor(list(s.indices)) for s in (a, b, c, d)] + order + [m.rand(2)]
    same_bits(program)


def test_checkpoint_replays_the_forward_dropout_mask():
    def program(m):
        m.manual_seed(6)
        from importlib import import_module
        checkpoint = import_module(m.__name__ + ".utils.checkpoint").checkpoint
        lin = m.nn.Linear(8, 8)
        x = m.randn(4, 8, requires_grad=True)
        grads = []
        for reentrant in (True, False):
            y = checkpoint(lambda t: m.nn.functional.dropout(lin(t), 0.5), x, use_reentrant=reentrant)
            y.sum().backward()
            grads.append(x.grad.clone())
        return grads + [m.rand(2)]
    same_bits(program)


# ---- the fused multiply-add PyTorch's kernels are compiled with ------------------------------------------------
def test_fused_multiply_add_rounds_once():
    from fractions import Fraction
    from glassgrad.random.fmath import fma32, fma64
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 2000))
    exact = [Fraction(x) * Fraction(y) + Fraction(z) for x, y, z in zip(a, b, c)]
    np.testing.assert_array_equal(fma64(a, b, c), [float(e) for e in exact])
    np.testing.assert_array_equal(fma64(a, b, -(a * b)), [float(Fraction(x) * Fraction(y) - Fraction(x * y))
                                                        for x, y in zip(a, b)])
    # (1 + 2**-23) * 2**-16 * (1 - 2**-23) + (256 + 2**-15) lies just below a float32 midpoint, which its float64
    # sum rounds onto: rounded twice, it would go up to 256 + 2**-14
    f = np.float32
    got = fma32(np.array([1 + 2 ** -23], f), np.array([2 ** -16 * (1 - 2 ** -23)], f), np.array([256 + 2 ** -15], f))
    assert got[0] == f(256 + 2 ** -15)


# ---- the generator and its state ------------------------------------------------------------------------------
def test_generator_arguments_leave_the_default_stream_alone():
    def program(m):
        m.manual_seed(0)
        g = m.Generator().manual_seed(21)
        x = m.empty(40)
        out = [m.rand(5, generator=g), m.randn(20, generator=g), m.randint(0, 9, (5,), generator=g),
               m.randperm(9, generator=g), m.rand_like(x, generator=g), m.randn_like(x, generator=g),
               m.randint_like(x, 5, generator=g), x.clone().uniform_(generator=g), x.clone().normal_(generator=g),
               x.clone().bernoulli_(0.4, generator=g), x.clone().random_(7, generator=g),
               x.clone().exponential_(generator=g), x.clone().geometric_(0.5, generator=g),
               x.clone().cauchy_(generator=g), x.clone().log_normal_(generator=g),
               m.normal(0.0, 1.0, (5,), generator=g), m.normal(m.zeros(5), 2.0, generator=g),
               m.bernoulli(m.rand(5), generator=g), m.multinomial(m.rand(6), 3, generator=g),
               m.poisson(m.rand(5) * 4, generator=g), m.nn.init.kaiming_uniform_(m.empty(4, 3), generator=g),
               m.nn.init.trunc_normal_(m.empty(4, 3), generator=g)]
        return out + [g.get_state(), m.rand(3)]  # the default generator is where manual_seed(0) left it
    same_bits(program)


def test_state_bytes_are_pytorchs():
    def program(m):
        out = []
        m.manual_seed(7)
        out.append(m.get_rng_state())  # seeded, not drawn from: PyTorch's `next` field is 0 here, 624 later
        for draw in (lambda: m.rand(3), lambda: m.randn(1, dtype=m.float64), lambda: m.randn(1), lambda: m.rand(621),
                     lambda: m.rand(1)):
            draw()
            out.append(m.get_rng_state())  # the scalar normal sampler's cached value included
        g = m.Generator()
        out.append(g.get_state())
        m.randn(3, generator=g)
        out += [g.get_state(), g.manual_seed(-5).get_state(), m.tensor(g.initial_seed() % 2 ** 63)]
        return out
    same_bits(program)


def test_states_load_across_libraries():
    torch.manual_seed(11)
    torch.randn(3, dtype=torch.float64)  # leaves a cached normal value in the state
    glassgrad.set_rng_state(glassgrad.tensor(torch.get_rng_state().numpy()))
    np.testing.assert_array_equal(torch.randn(5, dtype=torch.float64).numpy(),
                                  glassgrad.randn(5, dtype=glassgrad.float64).numpy())
    assert glassgrad.initial_seed() == torch.initial_seed() == 11
    glassgrad.manual_seed(12)
    glassgrad.rand(700)
    glassgrad.randn(1, dtype=glassgrad.float64)
    torch.set_rng_state(torch.from_numpy(glassgrad.get_rng_state().numpy()))
    np.testing.assert_array_equal(torch.randn(5, dtype=torch.float64).numpy(),
                                  glassgrad.randn(5, dtype=glassgrad.float64).numpy())
    np.testing.assert_array_equal(torch.rand(1000).numpy(), glassgrad.rand(1000).numpy())


def test_generator_api():
    g = glassgrad.Generator().manual_seed(3)
    assert g.initial_seed() == 3 and str(g.device) == "cpu"
    glassgrad.rand(2, generator=g)
    for twin in (copy.deepcopy(g), pickle.loads(pickle.dumps(g)), g.clone_state()):
        assert glassgrad.equal(glassgrad.rand(5, generator=twin), glassgrad.rand(5, generator=g.clone_state()))
    state = g.get_state()
    a = glassgrad.randn(20, generator=g)
    assert glassgrad.equal(a, glassgrad.randn(20, generator=g.set_state(state)))
    s = glassgrad.seed()
    assert glassgrad.initial_seed() == s and 0 <= s < 2 ** 64
    with glassgrad.random.fork_rng():
        inside = glassgrad.rand(3)
    assert glassgrad.equal(inside, glassgrad.rand(3))
    assert glassgrad.random.manual_seed(4) is glassgrad.default_generator is glassgrad.random.default_generator
    assert glassgrad.random.__all__ == torch.random.__all__
    assert glassgrad.random.thread_safe_generator() is None


def test_seeds_as_pytorch_reads_them():
    # the low 32 bits seed the engine; negative seeds are taken modulo 2**64; torch.manual_seed applies int()
    same_bits(lambda m: [m.tensor([m.manual_seed(s).initial_seed() % 2 ** 63 for s in (-1, 2 ** 64 - 1, 2 ** 32 + 5,
                                                                                        True, 3.7, "9")]),
                         m.manual_seed(2 ** 32 + 5) and m.rand(3), m.manual_seed(-1) and m.rand(3)])


# ---- graph nodes, errors and warnings: as PyTorch --------------------------------------------------------------
def test_samplers_record_pytorchs_nodes():
    def program(m):
        m.manual_seed(0)
        x = m.randn(4, 5, requires_grad=True)
        y = x * 2
        outs = [y.clone().uniform_(), y.clone().normal_(), y.clone().bernoulli_(0.3),
                y.clone().bernoulli_(m.rand(4, 5)), y.clone().exponential_(), y.clone().geometric_(0.4),
                y.clone().cauchy_(), y.clone().log_normal_(),
                y.clone().random_(), y.clone().random_(5), y.clone().random_(2, 9), m.normal(y, y.abs()),
                m.normal(y, 2.0), m.normal(2.0, y.abs()), m.bernoulli(y.sigmoid()), m.poisson(y.abs()),
                m.bernoulli(y.sigmoid(), 0.3), m.normal(1.0, 2.0, (3,), requires_grad=True)]
        sum(t.sum() for t in outs[:-2]).backward()
        return outs + [x.grad]
    assert_same(program)


ERRORS = {
    "uniform from > to": lambda m: m.empty(3).uniform_(2, 1),
    "uniform integer": lambda m: m.empty(3, dtype=m.int64).uniform_(),
    "uniform to inf": lambda m: m.empty(3).uniform_(0, float("inf")),
    "uniform range too wide": lambda m: m.empty(3).uniform_(-3e38, 3e38),
    "uniform half out of range": lambda m: m.empty(3, dtype=m.float16).uniform_(0, 70000),
    "normal_ std < 0": lambda m: m.empty(3).normal_(0, -1),
    "normal_ std nan": lambda m: m.empty(3).normal_(0, float("nan")),
    "normal integer": lambda m: m.empty(3, dtype=m.int64).normal_(),
    "randn integer": lambda m: m.randn(3, dtype=m.int64),
    "rand integer": lambda m: m.rand(3, dtype=m.int64),
    "bernoulli p > 1": lambda m: m.empty(3).bernoulli_(1.5),
    "bernoulli tensor p > 1": lambda m: m.bernoulli(m.tensor([0.5, 1.5])),
    "bernoulli integer probabilities": lambda m: m.bernoulli(m.tensor([1])),
    "bernoulli_ p does not broadcast": lambda m: m.empty(3).bernoulli_(m.full((2,), 0.5)),
    "bernoulli p backward": lambda m: m.bernoulli(m.randn(3, requires_grad=True).sigmoid(), 0.3).sum().backward(),
    "exponential lambda < 0": lambda m: m.empty(3).exponential_(-1),
    "exponential integer": lambda m: m.empty(3, dtype=m.int64).exponential_(),
    "geometric p = 1": lambda m: m.empty(3).geometric_(1),
    "cauchy integer": lambda m: m.empty(3, dtype=m.int64).cauchy_(),
    "cauchy sigma 0": lambda m: m.empty(3).cauchy_(0, 0),
    "log_normal std 0": lambda m: m.empty(3).log_normal_(0, 0),
    "log_normal integer": lambda m: m.empty(3, dtype=m.int64).log_normal_(),
    "random_ from >= to": lambda m: m.empty(3).random_(5, 5),
    "random_ past uint8": lambda m: m.empty(3, dtype=m.uint8).random_(0, 300),
    "random_ below uint8": lambda m: m.empty(3, dtype=m.uint8).random_(-1, 3),
    "random_ past bool": lambda m: m.empty(3, dtype=m.bool).random_(0, 3),
    "random_ full range int32": lambda m: m.empty(3, dtype=m.int32).random_(-2 ** 63, None),
    "random_ float past 2**24 warns": lambda m: [m.manual_seed(0), m.empty(5).random_(0, 2 ** 25)][1],
    "random_ float from past 2**24": lambda m: [m.manual_seed(0), m.empty(5).random_(2 ** 24 + 1, 2 ** 25)][1],
    "random_ half past 2**11": lambda m: [m.manual_seed(0), m.empty(5, dtype=m.float16).random_(0, 5000)][1],
    "random_ double to 2**60": lambda m: [m.manual_seed(0), m.empty(5, dtype=m.float64).random_(0, 2 ** 60)][1],
    "randint low >= high": lambda m: m.randint(5, 3, (2,)),
    "randint without size": lambda m: m.randint(5),
    "randint integer size": lambda m: m.randint(3, 10, 5),
    "randint requires_grad": lambda m: m.randint(0, 3, (2,), requires_grad=True),
    "randint keywords": lambda m: [m.manual_seed(0), m.randint(low=2, high=9, size=(4,)), m.randint(9, size=(4,))][1:],
    "randperm negative": lambda m: m.randperm(-1),
    "randperm past int8": lambda m: m.randperm(129, dtype=m.int8),
    "randperm past half": lambda m: m.randperm(3000, dtype=m.float16),
    "randperm bool": lambda m: m.randperm(3, dtype=m.bool),
    "randperm requires_grad": lambda m: m.randperm(3, requires_grad=True),
    "multinomial negative": lambda m: m.multinomial(m.tensor([-1.0, 1.0]), 1),
    "multinomial all zero": lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    "multinomial too many": lambda m: m.multinomial(m.tensor([1.0, 1.0]), 3),
    "multinomial no samples": lambda m: m.multinomial(m.tensor([1.0, 1.0]), 0),
    "multinomial 3-d": lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    "multinomial integer": lambda m: m.multinomial(m.tensor([1, 2]), 1),
    "multinomial inf": lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 1),
    "multinomial inf with replacement": lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 2, True),
    "multinomial nan with replacement": lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 2, True),
    "multinomial zero row with replacement": lambda m: m.multinomial(m.tensor([[1.0, 1.0], [0.0, 0.0]]), 2, True),
    "poisson negative rate": lambda m: m.poisson(m.tensor([1.0, -1.0])),
    "poisson integer": lambda m: m.poisson(m.tensor([1])),
    "normal tensor std < 0": lambda m: m.normal(m.zeros(3), -m.ones(3)),
    "normal std < 0": lambda m: m.normal(m.zeros(3), -1.0),
    "normal shapes": lambda m: m.normal(m.zeros(3), m.ones(4)),
    "normal integer mean": lambda m: m.normal(m.zeros(3, dtype=m.int64), 1.0),
    "manual_seed past 2**64": lambda m: m.manual_seed(2 ** 64),
    "manual_seed text": lambda m: m.manual_seed("a"),
    "Generator.manual_seed float": lambda m: m.Generator().manual_seed(1.5),
    "set_state wrong size": lambda m: m.Generator().set_state(m.zeros(10, dtype=m.uint8)),
    "set_state wrong dtype": lambda m: m.Generator().set_state(m.zeros(5056)),
    "set_state invalid": lambda m: m.Generator().set_state(m.zeros(5056, dtype=m.uint8)),
    "set_state list": lambda m: m.Generator().set_state([1, 2]),
    "get_offset": lambda m: m.Generator().get_offset(),
    "Generator meta": lambda m: m.Generator(device="meta"),
    "in place on a leaf": lambda m: m.ones(3, requires_grad=True).uniform_(),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_and_warnings(name):
    assert_same(ERRORS[name])


def test_a_refused_call_draws_nothing():
    # PyTorch checks before drawing (or, for bernoulli and poisson's per-value checks, draws for the values before)
    def program(m):
        m.manual_seed(1)
        for bad in (lambda: m.ones(3, requires_grad=True).normal_(), lambda: m.empty(3).uniform_(2, 1),
                    lambda: m.bernoulli(m.tensor([0.2, 0.4, 2.0])), lambda: m.poisson(m.tensor([3.0, 30.0, -1.0]))):
            try:
                bad()
            except RuntimeError:
                pass
        return m.rand(5)
    same_bits(program)
