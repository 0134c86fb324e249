"""torch.testing.assert_close and the deprecated torch.testing.assert_allclose, with PyTorch's rules and messages.

Inputs are compared pairwise, recursing into sequences and mappings: None with None, bools by identity, Python (and
NumPy) numbers and tensor-likes (tensors, NumPy arrays) up to `rtol` and `atol`, which default by dtype. Tensors
must agree in shape and, unless told otherwise, dtype and device.

    >>> import glassgrad as torch
    >>> torch.testing.assert_close(torch.tensor([1., 2.]), torch.tensor([1., 2.000001]))
    >>> torch.testing.assert_close(torch.tensor([1., 2., 3.]), torch.tensor([1., 2.5, 3.]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 3 (33.3%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
"""
import cmath
import collections.abc
import math
import warnings

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# (rtol, atol) by dtype; other dtypes compare exactly
_TOLERANCES = {D.float16: (1e-3, 1e-5), D.float32: (1.3e-6, 1e-5), D.float64: (1e-7, 1e-7)}
_ALLCLOSE_TOLERANCES = {D.float16: (1e-3, 1e-3), D.float32: (1e-4, 1e-5), D.float64: (1e-5, 1e-8)}
_NUMBER_DTYPES = {int: D.int64, float: D.float64, complex: D.float64}


class _Failure(Exception):
    """A mismatch found while comparing: the exception to raise, its message, and where in nested inputs."""

    def __init__(self, kind, message, where=()):
        super().__init__(message)
        self.kind, self.message, self.where = kind, message, where

    def error(self, msg=None):
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.message
        if self.where:
            text += "\n\nThe failure occurred for item " + "".join(str([k]) for k in self.where)
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """A pair type that cannot handle the inputs: the next one is tried."""


def _type_repr(cls):
    """How PyTorch's messages show a type: glassgrad's tensor classes under their PyTorch names."""
    if cls is Tensor:
        return "<class 'torch.Tensor'>"
    if issubclass(cls, Tensor) and cls.__name__ == "Parameter":
        return "<class 'torch.nn.parameter.Parameter'>"
    return repr(cls)


def _tolerances(dtypes, rtol, atol, where, table=_TOLERANCES):
    if (rtol is None) != (atol is None):
        raise _Failure(ValueError, f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                                   f"{'rtol' if rtol is None else 'atol'}.", where)
    if rtol is not None:
        return rtol, atol
    pairs = [table.get(d, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _diff_message(identifier, extra, abs_diff, abs_at, atol, rel_diff, rel_at, rtol):
    equality = rtol == 0 and atol == 0

    def line(kind, diff, at, tol):
        if at is None:
            text = f"{kind.title()} difference: {diff}"
        else:
            text = f"Greatest {kind} difference: {diff} at index {at}"
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_at, atol) + line("relative", rel_diff, rel_at, rtol)
    return msg.strip()


def _scalar_message(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = math.inf if expected == 0 else abs_diff / abs(expected)
    return _diff_message("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff, None,
                         rtol)


# ---- the pairs ----------------------------------------------------------------------------------------------------
def _compare_none(actual, expected, where, opts):
    if not (actual is None and expected is None):
        raise _Failure(AssertionError, f"None mismatch: {actual} is not {expected}", where)


def _compare_bools(actual, expected, where, opts):
    a, e = (bool(v) for v in (actual, expected))
    if a is not e:
        raise _Failure(AssertionError, f"Booleans mismatch: {a} is not {e}", where)


def _number(v):
    return v.item() if isinstance(v, np.number) else v


def _compare_numbers(actual, expected, where, opts, tolerances):
    rtol, atol = tolerances
    if opts["check_dtype"] and type(actual) is not type(expected):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", where)
    if actual == expected:
        return
    if opts["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
        return
    diff = abs(actual - expected)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(expected):
        return
    raise _Failure(AssertionError, _scalar_message(actual, expected, rtol, atol), where)


def _as_tensor(v):
    if isinstance(v, Tensor):
        return v
    from ..ops.creation import as_tensor
    try:
        return as_tensor(v)
    except Exception:  # noqa: BLE001 - anything as_tensor refuses is not a tensor-like
        raise _Unsupported from None


def _attribute_mismatch(name, a, e, where):
    return _Failure(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", where)


def _close(a, e, rtol, atol, equal_nan):
    """torch.isclose on arrays of one dtype: equal, both nan (if asked), or a finite error within the tolerance,
    computed in the dtype (integers in float64)."""
    with np.errstate(all="ignore"):
        close = a == e
        if equal_nan and a.dtype.kind == "f":
            close |= np.isnan(a) & np.isnan(e)
        if rtol == 0 and atol == 0 or a.dtype.kind == "b":
            return close
        if a.dtype.kind != "f":
            a, e = a.astype(np.float64), e.astype(np.float64)
        error = np.abs(a - e)
        return close | (np.isfinite(error) & (error <= atol + np.abs(rtol * e)))


def _tensor_message(a, e, close):
    """(the mismatch count line, the greatest absolute difference and its flat index, the greatest relative one
    and its), over the mismatched elements only; nan counts as greatest, as torch.max has it."""
    n = close.size
    mismatched = n - int(close.sum())
    extra = f"Mismatched elements: {mismatched} / {n} ({mismatched / n:.1%})"
    a, e, close = a.reshape(-1), e.reshape(-1), close.reshape(-1)
    if a.dtype.kind != "f":
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[close] = 0
        # NOTE: PyTorch divides integer differences in the default float dtype
        if a.dtype.kind == "f":
            rel_diff = abs_diff / np.abs(e)
        else:
            fdt = D.get_default_dtype().np
            rel_diff = abs_diff.astype(fdt) / np.abs(e).astype(fdt)
        rel_diff[close] = 0
    abs_at, rel_at = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    return extra, abs_diff[abs_at].item(), abs_at, rel_diff[rel_at].item(), rel_at


def _compare_tensors(actual, expected, where, opts):
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if not related or (not opts["allow_subclasses"] and type(actual) is not type(expected)):
        raise _Unsupported
    actual, expected = _as_tensor(actual), _as_tensor(expected)
    rtol, atol = _tolerances((actual._dtype, expected._dtype), opts["rtol"], opts["atol"], where)
    return lambda: _check_tensors(actual, expected, where, opts, rtol, atol)


def _check_tensors(actual, expected, where, opts, rtol, atol):
    if actual.shape != expected.shape:
        raise _attribute_mismatch("shape", actual.shape, expected.shape, where)
    if opts["check_stride"] and actual.stride() != expected.stride():
        raise _attribute_mismatch("stride()", actual.stride(), expected.stride(), where)
    if opts["check_device"] and actual.device != expected.device:
        raise _attribute_mismatch("device", actual.device, expected.device, where)
    if opts["check_dtype"] and actual._dtype is not expected._dtype:
        raise _attribute_mismatch("dtype", actual._dtype, expected._dtype, where)
    a, e = actual._data, expected._data
    if actual._dtype is not expected._dtype:
        common = D.promote_types(actual._dtype, expected._dtype).np
        a, e = a.astype(common), e.astype(common)
    close = _close(a, e, rtol, atol, opts["equal_nan"])
    if close.all():
        return
    if a.ndim == 0:
        raise _Failure(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol), where)
    extra, abs_diff, abs_at, rel_diff, rel_at = _tensor_message(a, e, close)
    unravel = (lambda i: tuple(int(k) for k in np.unravel_index(i, a.shape)))
    raise _Failure(AssertionError, _diff_message("Tensor-likes", extra, abs_diff, unravel(abs_at), atol, rel_diff,
                                                 unravel(rel_at), rtol), where)


def _internal_error(pair, actual, expected, where):
    # NOTE: a bool with a number: PyTorch's number pair has no tolerance for bool and fails with this
    return RuntimeError(
        f"Originating a {pair}() at item {''.join(str([k]) for k in where)} with\n\n{type(actual).__name__}(): "
        f"{actual}\n\nand\n\n{type(expected).__name__}(): {expected}\n\nresulted in the unexpected exception "
        f"above. If you are a user and see this message during normal operation please file an issue at "
        f"https://github.com/pytorch/pytorch/issues. If you are a developer and working on the comparison functions, "
        f"please except the previous error and raise an expressive `ErrorMeta` instead.")


def _pair(actual, expected, where, opts):
    """The comparison of two leaves (a function to call), by the first pair type that handles them."""
    if actual is None or expected is None:
        return lambda: _compare_none(actual, expected, where, opts)
    bools = (bool, np.bool_)
    if isinstance(actual, bools) and isinstance(expected, bools):
        return lambda: _compare_bools(actual, expected, where, opts)
    numbers = (int, float, complex, np.number)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        a, e = _number(actual), _number(expected)
        if type(a) not in _NUMBER_DTYPES or type(e) not in _NUMBER_DTYPES:
            raise _internal_error("NumberPair", actual, expected, where)
        tolerances = _tolerances((_NUMBER_DTYPES[type(a)], _NUMBER_DTYPES[type(e)]), opts["rtol"], opts["atol"],
                                 where)
        return lambda: _compare_numbers(a, e, where, opts, tolerances)
    try:
        return _compare_tensors(actual, expected, where, opts)
    except _Unsupported:
        raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {_type_repr(type(actual))} "
                                  f"and {_type_repr(type(expected))}.", where) from None


def _pairs(actual, expected, where, opts):
    def seq(v):
        return isinstance(v, collections.abc.Sequence) and not isinstance(v, str)

    if seq(actual) and seq(expected):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                           where)
        return [p for i in range(len(actual)) for p in _pairs(actual[i], expected[i], where + (i,), opts)]
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        a_keys, e_keys = set(actual.keys()), set(expected.keys())
        if a_keys != e_keys:
            raise _Failure(AssertionError, f"The keys of the mappings do not match:\nMissing keys in the actual "
                                           f"mapping: {sorted(e_keys - a_keys)}\nAdditional keys in the actual "
                                           f"mapping: {sorted(a_keys - e_keys)}", where)
        try:
            keys = sorted(a_keys)
        except TypeError:
            keys = list(a_keys)
        return [p for k in keys for p in _pairs(actual[k], expected[k], where + (k,), opts)]
    return [_pair(actual, expected, where, opts)]


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False, check_device=True,
                 check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Asserts that `actual` and `expected` are close: |actual - expected| <= atol + rtol * |expected| elementwise,
    with tolerances by dtype unless both are given (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7 each; float16:
    1e-3, 1e-5; exact otherwise). `msg` replaces the message, or edits it when it is a callable."""
    __tracebackhide__ = True
    opts = {"allow_subclasses": allow_subclasses, "rtol": rtol, "atol": atol, "equal_nan": equal_nan,
            "check_device": check_device, "check_dtype": check_dtype, "check_stride": check_stride}
    try:
        checks = _pairs(actual, expected, (), opts)
    except _Failure as f:
        raise f.error() from None
    for check in checks:
        try:
            check()
        except _Failure as f:
            raise f.error(msg) from None


MSG_ALLCLOSE_DEPRECATED = (
    "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. Please use "
    "`torch.testing.assert_close()` instead. You can find detailed upgrade instructions in "
    "https://github.com/pytorch/pytorch/issues/61844.")


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated: assert_close with looser default tolerances, nan equal to nan and no dtype check."""
    __tracebackhide__ = True
    warnings.warn(MSG_ALLCLOSE_DEPRECATED, FutureWarning, stacklevel=2)
    from ..ops.creation import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual._dtype)
    if rtol is None and atol is None:
        rtol, atol = _tolerances((actual._dtype, expected._dtype), None, None, (), _ALLCLOSE_TOLERANCES)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)
