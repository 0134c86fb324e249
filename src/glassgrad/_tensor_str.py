"""Render tensors the way PyTorch's ``repr(tensor)`` does.

Self-contained on purpose (numpy + stdlib only) so that it can be imported and
tested without the rest of glassgrad.  The public entry point is
:func:`format_tensor`; everything else is an implementation detail.

Only PyTorch's *default* print options are reproduced (precision 4, threshold
1000, edgeitems 3, linewidth 80, automatic scientific mode).
"""

from __future__ import annotations

import math
from typing import Iterable, List, Sequence

import numpy as np

__all__ = ["format_tensor"]

PRECISION = 4
THRESHOLD = 1000  # tensors with more elements than this are summarised
EDGEITEMS = 3  # items kept at each end of a summarised dimension
LINEWIDTH = 80

_PREFIX = "tensor("
# PyTorch omits ``dtype=`` for the default float dtype and for int64/bool,
# because those are what ``torch.tensor`` infers from Python literals.
_IMPLIED_DTYPES = frozenset({"float32", "int64", "bool"})
_DEFAULT_FLOAT = "float32"

# numpy equivalents, used only to coerce an array whose dtype disagrees with
# the dtype name it is printed under (e.g. a float64 buffer shown as float32).
_NUMPY_DTYPES = {
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "int32": np.int32,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "bool": np.bool_,
}


def _is_floating(dtype_name: str) -> bool:
    return dtype_name.startswith(("float", "bfloat"))


class _ElementFormatter:
    """Decides one layout (width, integer mode, scientific mode) for a tensor.

    The decision is made once from all printed values, so every element of a
    tensor lines up in the same column width.
    """

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True  # float tensor whose finite values are integers
        self.sci_mode = False
        self.width = 1

        flat = values.ravel()
        if not floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return

        # Statistics are taken in float64, whatever the storage dtype, so that
        # float16 cannot overflow in the max/min ratio below.
        with np.errstate(invalid="ignore"):  # signalling-NaN payloads warn
            flat = flat.astype(np.float64)
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            # Only zeros / nan / inf: keep integer mode and width 1.  Those
            # values are then printed unpadded ('0.', 'nan', 'inf').
            return

        mags = np.abs(vals)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        # Wide dynamic range or large magnitudes switch to scientific notation;
        # tiny magnitudes do too, but only when the values are not integral.
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
        if not self.int_mode and lo < 1.0e-4:
            self.sci_mode = True

        # Note: only non-zero finite values size the column; 'nan', 'inf' and
        # '-0.' etc. are padded to it (or overflow it) when printed.
        for v in vals.tolist():
            if self.sci_mode:
                text = f"{v:.{PRECISION}e}"
            elif self.int_mode:
                text = f"{v:.0f}."
            else:
                text = f"{v:.{PRECISION}f}"
            self.width = max(self.width, len(text))

    def __call__(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):  # the trailing '.' marks a float dtype
                text += "."
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _edge_indices(n: int) -> List[int]:
    return list(range(EDGEITEMS)) + list(range(n - EDGEITEMS, n))


def _summarized(arr: np.ndarray) -> np.ndarray:
    """Just the elements that a summarised print shows (the edges of each axis)."""
    for axis, n in enumerate(arr.shape):
        if n > 2 * EDGEITEMS:
            arr = np.take(arr, _edge_indices(n), axis=axis)
    return arr


def _format_row(vec: np.ndarray, indent: int, summarize: bool,
                fmt: _ElementFormatter) -> str:
    # Each element costs its width plus ', '; rows wrap to fit LINEWIDTH,
    # counting from the current indent.
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and vec.shape[0] > 2 * EDGEITEMS:
        # The ellipsis takes an element's slot when rows are wrapped.
        items = ([fmt(v) for v in vec[:EDGEITEMS].tolist()] + [" ..."]
                 + [fmt(v) for v in vec[-EDGEITEMS:].tolist()])
    else:
        items = [fmt(v) for v in vec.tolist()]
    lines = [", ".join(items[i:i + per_line])
             for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _format_block(arr: np.ndarray, indent: int, summarize: bool,
                  fmt: _ElementFormatter) -> str:
    if arr.ndim == 0:
        return fmt(arr.item())
    if arr.ndim == 1:
        return _format_row(arr, indent, summarize, fmt)

    n = arr.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        picks = list(range(EDGEITEMS)) + [None] + list(range(n - EDGEITEMS, n))
    else:
        picks = list(range(n))
    parts = ["..." if i is None else _format_block(arr[i], indent + 1, summarize, fmt)
             for i in picks]
    # Sub-blocks of a k-d block are separated by k-1 newlines, i.e. blank
    # lines between matrices from 3-d upwards.
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def _append_suffixes(text: str, suffixes: Sequence[str], indent: int) -> str:
    """Append ', suffix' items, moving one to its own line when it would not fit.

    The running line length deliberately starts two characters long (PyTorch
    counts from the character before the last newline and adds one), so wrapping
    triggers at exactly the same point as in PyTorch.
    """
    pieces = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > LINEWIDTH:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_len += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def format_tensor(array, dtype_name: str, extras: Iterable[str] = ()) -> str:
    """Return what PyTorch's ``repr`` prints for a CPU tensor holding ``array``.

    ``dtype_name`` is the torch dtype without the ``torch.`` prefix (e.g.
    ``'float64'``).  ``extras`` are pre-formatted trailing items such as
    ``'requires_grad=True'`` or ``'grad_fn=<MulBackward0>'``; they follow any
    ``size=``/``dtype=`` items, in the order given.
    """
    arr = np.asarray(array)
    np_dtype = _NUMPY_DTYPES.get(dtype_name)
    if np_dtype is not None and arr.dtype != np_dtype:
        arr = arr.astype(np_dtype)
    floating = _is_floating(dtype_name)
    indent = len(_PREFIX)

    suffixes: List[str] = []
    if arr.size == 0:
        # Nothing to infer a shape or dtype from, so both are spelled out
        # (the shape only when it is not the plain (0,)).
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(int(d) for d in arr.shape)}")
        if dtype_name != _DEFAULT_FLOAT:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if dtype_name not in _IMPLIED_DTYPES:
            suffixes.append(f"dtype=torch.{dtype_name}")
        summarize = arr.size > THRESHOLD
        shown = _summarized(arr) if summarize else arr
        fmt = _ElementFormatter(shown, floating)
        body = _format_block(arr, indent, summarize, fmt)

    suffixes.extend(extras)
    return _append_suffixes(_PREFIX + body, suffixes, indent)
