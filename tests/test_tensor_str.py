"""format_tensor must reproduce PyTorch's repr(tensor) character for character.

torch is the oracle: every case builds the same data as a numpy array and as a
torch tensor and compares the two strings.
"""

import importlib.util
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

try:
    from glassgrad._tensor_str import format_tensor
except Exception:  # the rest of the package may be missing or mid-rewrite
    _path = pathlib.Path(__file__).resolve().parents[1] / "src" / "glassgrad" / "_tensor_str.py"
    _spec = importlib.util.spec_from_file_location("_glassgrad_tensor_str", _path)
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
    format_tensor = _mod.format_tensor


FLOAT_NAMES = ("float16", "float32", "float64")
INT_NAMES = ("int64", "int32", "int16", "int8", "uint8")
ALL_NAMES = FLOAT_NAMES + INT_NAMES + ("bool",)


def _report(arr, name, extras, expected, actual):
    with np.printoptions(threshold=50, edgeitems=3):
        shown = repr(arr)
    return (f"\narray (dtype name {name!r}, shape {arr.shape}, extras {tuple(extras)}):\n"
            f"{shown}\n--- expected (torch) ---\n{expected}\n--- actual ---\n{actual}")


def check(arr, name=None):
    """Compare against torch with no extras, and with requires_grad / grad_fn."""
    arr = np.asarray(arr)
    if name is None:
        name = str(arr.dtype)
    arr = arr.astype(name)
    t = torch.from_numpy(arr.copy())
    assert str(t.dtype) == f"torch.{name}"

    variants = [((), t)]
    if name in FLOAT_NAMES:
        leaf = torch.from_numpy(arr.copy()).requires_grad_()
        variants.append((("requires_grad=True",), leaf))
        variants.append((("grad_fn=<MulBackward0>",), leaf * 1))
    for extras, tensor in variants:
        expected = repr(tensor)
        actual = format_tensor(arr, name, extras)
        assert actual == expected, _report(arr, name, extras, expected, actual)


nan, inf = float("nan"), float("inf")

CASES = {
    # 0-d
    "scalar_int_float": (np.array(3.0, dtype=np.float32), None),
    "scalar_frac": (np.array(3.14159, dtype=np.float32), None),
    "scalar_f64": (np.array(2.5), None),
    "scalar_int": (np.array(7), None),
    "scalar_neg_int8": (np.array(-7, dtype=np.int8), None),
    "scalar_bool": (np.array(True), None),
    "scalar_nan": (np.array(nan, dtype=np.float32), None),
    "scalar_neg_inf": (np.array(-inf, dtype=np.float32), None),
    "scalar_neg_zero": (np.array(-0.0, dtype=np.float32), None),
    "scalar_tiny": (np.array(1e-7, dtype=np.float32), None),
    "scalar_huge": (np.array(1e10, dtype=np.float32), None),
    "scalar_huge_frac": (np.array(1.5e10), None),
    "scalar_half": (np.array(0.1, dtype=np.float16), None),
    # empty
    "empty_f32": (np.zeros(0, dtype=np.float32), None),
    "empty_f64": (np.zeros(0), None),
    "empty_int": (np.zeros(0, dtype=np.int64), None),
    "empty_bool": (np.zeros(0, dtype=bool), None),
    "empty_0x3": (np.zeros((0, 3), dtype=np.float32), None),
    "empty_3x0_int8": (np.zeros((3, 0), dtype=np.int8), None),
    "empty_2x0x4": (np.zeros((2, 0, 4), dtype=np.float16), None),
    # integer-valued floats
    "int_mode": (np.array([1.0, 2.0, -3.0], dtype=np.float32), None),
    "int_mode_zeros": (np.zeros(4, dtype=np.float32), None),
    "int_mode_neg_zero": (np.array([0.0, -0.0, 5.0], dtype=np.float32), None),
    "int_mode_nan_inf": (np.array([1.0, nan, inf, -inf], dtype=np.float32), None),
    "only_nan_inf": (np.array([nan, inf, -inf, 0.0], dtype=np.float32), None),
    "int_mode_sci_range": (np.array([1.0, 1001.0], dtype=np.float32), None),
    "int_mode_ratio_1000": (np.array([1.0, 1000.0], dtype=np.float32), None),
    "int_mode_big": (np.array([1e8, 3.0], dtype=np.float64), None),
    "int_mode_bigger": (np.array([2e8, 3e8], dtype=np.float64), None),
    # fixed point and scientific
    "fixed": (np.array([1.5, -2.25, 0.125], dtype=np.float32), None),
    "fixed_nan": (np.array([1.5, nan, 0.0, -0.0], dtype=np.float32), None),
    "fixed_rounding": (np.array([0.00015, 0.99995, 123.45675]), None),
    "sci_tiny": (np.array([1e-5, 1.0], dtype=np.float32), None),
    "sci_huge": (np.array([1e9, 0.5], dtype=np.float32), None),
    "sci_nan_inf": (np.array([1e-9, nan, -inf, 0.0, -0.0], dtype=np.float64), None),
    "sci_ratio": (np.array([0.5, 600.25]), None),
    "sci_extremes": (np.array([5e-324, 1.7e308, -1e-300]), None),
    "half_values": (np.array([65504.0, 0.000061, -1.5], dtype=np.float16), None),
    # integers and bools
    "ints": (np.array([1, -20, 300], dtype=np.int64), None),
    "int32": (np.array([1, 2, 3], dtype=np.int32), None),
    "int16": (np.array([-32768, 32767], dtype=np.int16), None),
    "uint8": (np.array([0, 255, 7], dtype=np.uint8), None),
    "int64_extremes": (np.array([-(2**63), 2**63 - 1], dtype=np.int64), None),
    "bools": (np.array([True, False]), None),
    "bools_all_true": (np.array([True, True]), None),
    "bools_2d": (np.array([[True, False], [False, False]]), None),
    # nesting
    "matrix": (np.arange(6, dtype=np.float32).reshape(2, 3) / 7, None),
    "cube": (np.arange(24, dtype=np.float32).reshape(2, 3, 4), None),
    "four_d": (np.arange(16, dtype=np.int64).reshape(2, 2, 2, 2), None),
    "five_d": (np.arange(32, dtype=np.float64).reshape(2, 2, 2, 2, 2) - 3.5, None),
    "singleton_dims": (np.ones((1, 1, 1), dtype=np.float32), None),
    # wrapping of long rows
    "wrap_fixed": (np.linspace(-1, 1, 40, dtype=np.float32), None),
    "wrap_ints": (np.arange(100, dtype=np.int64) * 12345, None),
    "wrap_in_matrix": (np.linspace(0, 3, 60).reshape(2, 30), None),
    "wrap_sci_3d": (np.geomspace(1e-6, 1e6, 90).reshape(3, 1, 30), None),
    "wrap_bools": (np.arange(50) % 3 == 0, None),
    "wrap_very_wide": (np.array([-1.7e308, 1.0, 2.0] * 10), None),
    # summarisation (more than 1000 elements)
    "summ_1d": (np.arange(2000, dtype=np.float32), None),
    "summ_1d_ints": (np.arange(1001, dtype=np.int64), None),
    "not_summ_1000": (np.arange(1000, dtype=np.int32), None),
    "summ_2d": (np.arange(40 * 40, dtype=np.float64).reshape(40, 40) / 3, None),
    "summ_2d_narrow": (np.arange(1004, dtype=np.int16).reshape(251, 4), None),
    "summ_2d_wide": (np.arange(1004, dtype=np.int16).reshape(4, 251), None),
    "summ_3d": (np.arange(11 * 12 * 13, dtype=np.float32).reshape(11, 12, 13), None),
    "summ_4d": (np.linspace(-1, 1, 7 * 5 * 6 * 8).reshape(7, 5, 6, 8), None),
    "summ_hidden_width": (np.concatenate([[1.5], np.zeros(1500), [1e9], [2.5]]), None),
    "summ_bool": (np.arange(3000).reshape(30, 100) % 7 == 0, None),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_table(key):
    arr, name = CASES[key]
    check(arr, name)


def test_long_suffixes_wrap():
    # A last line near the width limit pushes dtype / grad items onto new lines.
    arr = np.linspace(0.5, 1.5, 11, dtype=np.float64)
    for n in range(1, 30):
        check(arr[:n] * 3)
        check(np.arange(n * 7, dtype=np.int8).reshape(n, 7) % 100)
    for extras in [("grad_fn=<MulBackward0>",), ("requires_grad=True",)]:
        long_extra = ("grad_fn=<" + "X" * 70 + ">",)
        out = format_tensor(np.ones(3, dtype=np.float64), "float64", extras + long_extra)
        assert out == ("tensor([1., 1., 1.], dtype=torch.float64, " + extras[0] + ",\n"
                       + " " * 7 + long_extra[0] + ")")


def test_extras_after_size_and_dtype():
    out = format_tensor(np.zeros((0, 3)), "float64", ("requires_grad=True",))
    assert out == "tensor([], size=(0, 3), dtype=torch.float64, requires_grad=True)"


# ---------------------------------------------------------------- property test

SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)
LARGE_SHAPES = st.sampled_from([(1001,), (2000,), (33, 31), (7, 150), (150, 7),
                                (11, 10, 10), (4, 5, 6, 9), (1, 1200), (1200, 1)])
DISTRIBUTIONS = ("normal", "tiny", "huge", "integers", "mixed_scale", "special", "small_ints")


def _values(rng, dist, shape):
    size = int(np.prod(shape))
    if dist == "normal":
        v = rng.normal(size=size)
    elif dist == "tiny":
        v = rng.normal(size=size) * 1e-6
    elif dist == "huge":
        v = rng.normal(size=size) * 1e10
    elif dist == "integers":
        v = rng.integers(-100, 100, size=size).astype(np.float64)
    elif dist == "small_ints":
        v = rng.integers(0, 3, size=size).astype(np.float64)
    elif dist == "mixed_scale":
        v = rng.normal(size=size) * 10.0 ** rng.integers(-6, 7, size=size)
    else:  # sprinkle nan/inf/-0 over normal values
        v = rng.normal(size=size) * 10.0 ** rng.integers(-2, 3, size=size)
        special = np.array([nan, inf, -inf, 0.0, -0.0, 1.0])
        mask = rng.random(size) < 0.3
        v[mask] = rng.choice(special, size=int(mask.sum()))
    return v.reshape(shape)


def _cast(values, name):
    if name == "bool":
        return values > 0
    if name in FLOAT_NAMES:
        with np.errstate(over="ignore"):
            return values.astype(name)
    info = np.iinfo(name)
    clean = np.nan_to_num(values, nan=0.0, posinf=info.max, neginf=info.min)
    # Clip inside +-2**62 so that the float bound itself still fits int64.
    lo, hi = max(info.min, -(2**62)), min(info.max, 2**62)
    return np.clip(np.round(clean), lo, hi).astype(name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.one_of(SMALL_SHAPES, SMALL_SHAPES, LARGE_SHAPES),
    name=st.sampled_from(ALL_NAMES),
    dist=st.sampled_from(DISTRIBUTIONS),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_arrays(shape, name, dist, seed):
    rng = np.random.default_rng(seed)
    check(_cast(_values(rng, dist, shape), name), name)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(FLOAT_NAMES),
    data=st.data(),
)
def test_arbitrary_floats(name, data):
    # Hypothesis' own float generation reaches subnormals, rounding boundaries
    # and signed zeros that the distributions above rarely hit.
    width = {"float16": 16, "float32": 32, "float64": 64}[name]
    arr = data.draw(hnp.arrays(np.dtype(name),
                               hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
                               elements=st.floats(width=width)))
    check(arr, name)
