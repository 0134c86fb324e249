"""pad_sequence and unpad_sequence: a list of variable-length sequences as one padded tensor, and back.

    >>> import glassgrad as torch
    >>> from glassgrad.nn.utils.rnn import pad_sequence
    >>> pad_sequence([torch.ones(1), torch.ones(2)], batch_first=True)
    tensor([[1., 0.],
            [1., 1.]])
"""
from collections.abc import Iterable

import numpy as np

from ...ops.creation import full, tensor, arange
from ...ops.shape import cat

__all__ = ["pad_sequence", "unpad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks sequences of shapes (L_i, *) into (max L, B, *) (or (B, max L, *) with batch_first), padding with
    padding_value on the right (or the left); the result has the first sequence's dtype."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    lengths = np.array([s.size(0) for s in sequences])
    max_len = int(lengths.max())
    first = sequences[0]
    # NOTE: one scatter of all the rows (index_put), not a pad per sequence: batch item b's row t lands at
    # time t (+ the left padding) of column b
    which = np.repeat(np.arange(len(sequences)), lengths)
    t = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    if padding_side == "left":
        t = t + np.repeat(max_len - lengths, lengths)
    rows = cat(sequences).to(first.dtype)
    trailing = tuple(first.shape[1:])
    if batch_first:
        out = full((len(sequences), max_len) + trailing, padding_value, dtype=first.dtype)
        return out.index_put((tensor(which), tensor(t)), rows)
    out = full((max_len, len(sequences)) + trailing, padding_value, dtype=first.dtype)
    return out.index_put((tensor(t), tensor(which)), rows)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences pad_sequence(..., batch_first) padded (lengths: a 1-D tensor)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    idx = arange(padded_sequences.shape[1])
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]
