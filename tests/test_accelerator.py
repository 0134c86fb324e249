"""torch.accelerator on a machine without one: glassgrad answers as PyTorch's CPU build does."""
import warnings

import pytest
import torch

import glassgrad

ACC = glassgrad.accelerator


def outcome(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(*args)
            result = ("value", value if not isinstance(value, torch.device) else str(value))
        except Exception as e:  # noqa: BLE001 - the class and text are what is compared
            result = ("raises", type(e).__name__, str(e))
    return result, [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.parametrize("name, args", [
    ("is_available", ()), ("current_accelerator", ()), ("current_accelerator", (True,)), ("device_count", ()),
    ("current_device_index", ()), ("current_device_idx", ()), ("set_device_index", (0,)),
    ("set_device_index", (None,)), ("synchronize", ()), ("empty_cache", ()), ("memory_allocated", ()),
    ("max_memory_allocated", ()), ("memory_stats", ()), ("reset_peak_memory_stats", ()),
    ("get_memory_info", ()), ("get_device_capability", ()), ("current_stream", ()),
])
def test_calls_answer_as_pytorch(name, args):
    assert outcome(getattr(ACC, name), *args) == outcome(getattr(torch.accelerator, name), *args)


def test_device_index_context():
    with ACC.device_index(None):
        pass
    with pytest.raises(RuntimeError, match="^Cannot access accelerator device when none is available.$"):
        with ACC.device_index(0):
            pass
    with pytest.raises(RuntimeError):
        with torch.accelerator.device_index(0):
            pass
