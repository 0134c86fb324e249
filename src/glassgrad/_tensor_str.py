"""Render tensors the way PyTorch's ``repr(tensor)`` does, under the print options of
``torch.set_printoptions``.

Self-contained on purpose (numpy + stdlib only) so that it can be imported and
tested without the rest of glassgrad.  The public entry points are
:func:`format_tensor` and :func:`set_printoptions`; everything else is an
implementation detail.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterable, List, Sequence

import numpy as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions", "PRINT_OPTS"]


class _PrintOptions:
    """The current print options (PyTorch's defaults to begin with)."""
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self) -> None:
        self.precision = 4  # digits after the point
        self.threshold = 1000  # tensors with more elements than this are summarised
        self.edgeitems = 3  # items kept at each end of a summarised dimension
        self.linewidth = 80
        self.sci_mode = None  # None: chosen from the values; True/False: forced


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Sets how tensors print: digits after the point (`precision`), the element count above which a tensor is
    summarised (`threshold`) and the items kept at each end then (`edgeitems`), the line width, a `profile`
    ('default', 'short' or 'full') that the other arguments override, and `sci_mode` (True/False forces scientific
    notation on or off; None, the default, lets the values decide). As in PyTorch, every call sets `sci_mode`.

    >>> import glassgrad as torch
    >>> torch.set_printoptions(precision=2)
    >>> torch.tensor([1.12345])
    tensor([1.12])
    >>> torch.set_printoptions(profile="default")
    """
    opts = PRINT_OPTS
    if profile is not None and profile in _PROFILES:
        opts.precision, opts.threshold, opts.edgeitems, opts.linewidth = _PROFILES[profile]
    if precision is not None:
        opts.precision = precision
    if threshold is not None:
        opts.threshold = threshold
    if edgeitems is not None:
        opts.edgeitems = edgeitems
    if linewidth is not None:
        opts.linewidth = linewidth
    opts.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keyword arguments of :func:`set_printoptions`."""
    return {name: getattr(PRINT_OPTS, name) for name in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Print options set for the duration of a ``with`` block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


_PREFIX = "tensor("

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
        # Wide dynamic range, large or tiny magnitudes switch to scientific
        # notation, unless the print options force it on or off.
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        # Note: only non-zero finite values size the column; 'nan', 'inf' and
        # '-0.' etc. are padded to it (or overflow it) when printed.
        precision = PRINT_OPTS.precision
        for v in vals.tolist():
            if self.sci_mode:
                text = f"{v:.{precision}e}"
            elif self.int_mode:
                text = f"{v:.0f}."
            else:
                text = f"{v:.{precision}f}"
            self.width = max(self.width, len(text))

    def __call__(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):  # the trailing '.' marks a float dtype
                text += "."
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.width)


def _edge_indices(n: int) -> List[int]:
    edge = PRINT_OPTS.edgeitems
    return list(range(edge)) + list(range(n - edge, n))


def _summarized(arr: np.ndarray) -> np.ndarray:
    """Just the elements that a summarised print shows (the edges of each axis)."""
    edge = PRINT_OPTS.edgeitems
    if not edge:
        # NOTE: PyTorch then sizes the columns from a 1-d tensor whole (its `t[-0:]` is all of it) and from no
        # element of a larger one
        return arr if arr.ndim == 1 else arr[(slice(0, 0),) * arr.ndim]
    for axis, n in enumerate(arr.shape):
        if n > 2 * edge:
            arr = np.take(arr, _edge_indices(n), axis=axis)
    return arr


def _format_row(vec: np.ndarray, indent: int, summarize: bool,
                fmt: _ElementFormatter) -> str:
    # Each element costs its width plus ', '; rows wrap to fit the line
    # width, counting from the current indent.
    edge = PRINT_OPTS.edgeitems
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (fmt.width + 2))
    if summarize and not edge:
        items = ["..."]
    elif summarize and vec.shape[0] > 2 * edge:
        # The ellipsis takes an element's slot when rows are wrapped.
        items = ([fmt(v) for v in vec[:edge].tolist()] + [" ..."]
                 + [fmt(v) for v in vec[-edge:].tolist()])
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
    edge = PRINT_OPTS.edgeitems
    if summarize and n > 2 * edge:
        picks = list(range(edge)) + [None] + list(range(n - edge, n))
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
        if line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_len += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def format_tensor(array, dtype_name: str, extras: Iterable[str] = (),
                  default_dtype: str = "float32") -> str:
    """Return what PyTorch's ``repr`` prints for a CPU tensor holding ``array``.

    ``dtype_name`` is the torch dtype without the ``torch.`` prefix (e.g.
    ``'float64'``).  ``extras`` are pre-formatted trailing items such as
    ``'requires_grad=True'`` or ``'grad_fn=<MulBackward0>'``; they follow any
    ``size=``/``dtype=`` items, in the order given.  ``default_dtype`` is the
    floating dtype ``torch.tensor`` gives Python floats (``dtype=`` is left out
    for it, as for int64 and bool, which Python ints and bools give).
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
        if dtype_name != default_dtype:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(int(d) for d in arr.shape)}")
        if dtype_name not in (default_dtype, "int64", "bool"):
            suffixes.append(f"dtype=torch.{dtype_name}")
        summarize = arr.size > PRINT_OPTS.threshold
        shown = _summarized(arr) if summarize else arr
        fmt = _ElementFormatter(shown, floating)
        body = _format_block(arr, indent, summarize, fmt)

    suffixes.extend(extras)
    return _append_suffixes(_PREFIX + body, suffixes, indent)
