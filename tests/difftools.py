"""Differential testing against real PyTorch: run the same program with both libraries, compare what a
user can observe (values, gradients, dtypes, shapes, flags, grad_fn names, exception classes and
messages, warning categories and messages).

    def program(torch):
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x * 2
        y.sum().backward()
        return x, y, x.grad

    assert_same(program)
"""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import glassgrad  # noqa: E402

__all__ = ["torch", "glassgrad", "observe", "assert_same", "describe", "bug", "capture_exc", "fresh"]


def describe(obj, mod, grads=True):
    """A plain-data description of what a user can observe about `obj`."""
    if isinstance(obj, mod.Tensor):
        d = {
            "type": "Tensor",
            "dtype": str(obj.dtype).replace("torch.", ""),
            "shape": tuple(obj.shape),
            "values": obj.detach().numpy().copy(),
            "requires_grad": obj.requires_grad,
            "is_leaf": obj.is_leaf,
            "grad_fn": None if obj.grad_fn is None else obj.grad_fn.name(),
            "version": obj._version,
        }
        if grads and obj.is_leaf:
            d["grad"] = None if obj.grad is None else describe(obj.grad, mod, grads=False)
        return d
    if isinstance(obj, (list, tuple)):
        return [describe(o, mod, grads) for o in obj]
    if isinstance(obj, dict):
        return {k: describe(v, mod, grads) for k, v in obj.items()}
    if isinstance(obj, mod.dtype):
        return ("dtype", str(obj).replace("torch.", ""))
    if isinstance(obj, (np.ndarray, np.generic)):
        return ("array", np.asarray(obj).dtype.str, np.asarray(obj).copy())
    if type(obj).__name__ == "Size":
        return ("Size", tuple(obj))
    return obj


def observe(program, mod):
    """Runs program(mod) and returns (outcome, warnings): outcome is ('ok', description) or
    ('raise', exception class name, message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", describe(program(mod), mod))
        except Exception as e:  # noqa: BLE001 - the exception is the observation
            result = ("raise", type(e).__name__, pytorch_part(str(e)))
    warns = [(w.category.__name__, _clean(str(w.message))) for w in caught
             if not issubclass(w.category, DeprecationWarning) or "torch" not in str(w.filename)]
    return result, warns


def _clean(msg):
    # PyTorch appends where in its C++ sources a warning was raised; that is not part of the message.
    i = msg.find(" (Triggered internally at")
    return msg[:i] if i >= 0 else msg


def _compare(a, b, path, rtol, atol):
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{path}: keys differ: torch {sorted(a)} vs glassgrad {sorted(b)}"
        for k in a:
            _compare(a[k], b[k], f"{path}.{k}", rtol, atol)
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: lengths differ: torch {len(a)} vs glassgrad {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{i}]", rtol, atol)
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a_, b_ = np.asarray(a), np.asarray(b)
        assert a_.shape == b_.shape, f"{path}: shapes differ: torch {a_.shape} vs glassgrad {b_.shape}"
        if a_.dtype.kind in "fc" or b_.dtype.kind in "fc":
            ok = np.allclose(a_.astype(np.float64), b_.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
        else:
            ok = np.array_equal(a_, b_)
        assert ok, f"{path}: values differ (rtol={rtol}, atol={atol}):\ntorch:     {a_!r}\nglassgrad: {b_!r}"
    elif isinstance(a, float) and isinstance(b, float):
        assert np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True), f"{path}: torch {a!r} vs glassgrad {b!r}"
    else:
        assert a == b, f"{path}: torch {a!r} vs glassgrad {b!r}"


def assert_same(program, *, rtol=1e-5, atol=1e-6, messages=True, warnings_=True):
    """Asserts that `program(torch)` and `program(glassgrad)` are indistinguishable to a user."""
    t_out, t_warn = observe(program, torch)
    g_out, g_warn = observe(program, glassgrad)
    if t_out[0] == "raise" or g_out[0] == "raise":
        assert t_out[0] == g_out[0], f"torch gave {t_out!r}\nglassgrad gave {g_out!r}"
        assert t_out[1] == g_out[1], f"exception classes differ: torch {t_out[1]}: {t_out[2]}\n" \
                                     f"glassgrad {g_out[1]}: {g_out[2]}"
        if messages:
            assert t_out[2] == g_out[2], f"messages differ:\ntorch:     {t_out[2]}\nglassgrad: {g_out[2]}"
    else:
        _compare(t_out[1], g_out[1], "result", rtol, atol)
    if warnings_:
        t_cat = [w for w in t_warn]
        g_cat = [w for w in g_warn]
        assert [c for c, _ in t_cat] == [c for c, _ in g_cat], f"warnings differ:\ntorch:     {t_cat}\nglassgrad: {g_cat}"
        if messages:
            assert [m for _, m in t_cat] == [m for _, m in g_cat], \
                f"warning texts differ:\ntorch:     {t_cat}\nglassgrad: {g_cat}"
    return t_out, g_out


def bug(reason):
    """Marks a known difference from PyTorch: a strict xfail, so that the fix shows up as XPASS."""
    return pytest.mark.xfail(strict=True, reason=f"BUG: {reason}")


def capture_exc(f):
    """Runs f(); returns (exception class name, message) if it raised, else None."""
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the exception is the observation
        return (type(e).__name__, pytorch_part(str(e)))
    return None


def pytorch_part(message):
    """An error message without the explanation glassgrad appends after PyTorch's text."""
    return message.split("\n\nglassgrad: ")[0]


def fresh(t):
    """A gradient as plain data (its _version is a PyTorch buffer artifact, not compared)."""
    return None if t is None else t.detach().clone()
