"""Variable-length sequences for the recurrent layers: PackedSequence, packing and padding, as torch.nn.utils.rnn.

A packed sequence keeps only the real time steps of a batch: `data` holds, time step after time step, the rows
of the sequences that are still running (the longest first), and `batch_sizes[t]` says how many there are.

    >>> import glassgrad as torch
    >>> from glassgrad.nn.utils.rnn import pack_sequence, pad_packed_sequence, pad_sequence
    >>> pad_sequence([torch.ones(1), torch.ones(2)], batch_first=True)
    tensor([[1., 0.],
            [1., 1.]])
    >>> packed = pack_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5]), torch.tensor([6])])
    >>> packed.data, packed.batch_sizes
    (tensor([1, 4, 6, 2, 5, 3]), tensor([3, 2, 1]))
    >>> pad_packed_sequence(packed, batch_first=True)[0]
    tensor([[1, 2, 3],
            [4, 5, 0],
            [6, 0, 0]])
"""
from collections.abc import Iterable
from typing import NamedTuple, Optional

import numpy as np

from ... import _dtype as D
from ...ops import creation as C
from ...ops.creation import full, tensor, arange
from ...ops.registry import apply, defvjp, primitive, records
from ...ops.shape import cat
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


# ---- PackedSequence ------------------------------------------------------------------------------------
class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """The packed rows of a batch of sequences (`data`), the number of sequences still running at each time step
    (`batch_sizes`, an int64 CPU tensor) and, for a batch that was sorted by length to pack it, the permutation
    (`sorted_indices`) and its inverse (`unsorted_indices`). Made by pack_padded_sequence / pack_sequence; every
    recurrent layer takes one and returns one."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_packed_sequence_init_args(data, batch_sizes, sorted_indices,
                                                                unsorted_indices))

    def pin_memory(self):
        def pin(t):
            return t.pin_memory()
        return type(self)(self.data.pin_memory(), self.batch_sizes, _bind(self.sorted_indices, pin),
                          _bind(self.unsorted_indices, pin))

    def to(self, *args, **kwargs):
        """`data.to(*args, **kwargs)`; the index tensors follow data's device. Returns self when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def call_to(t):
            return t.to(data.device)
        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, call_to),
                          _bind(self.unsorted_indices, call_to))

    def cuda(self, *args, **kwargs):
        ex = C.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.is_cuda:
            return self.to(*args, **kwargs)
        kwargs["device"] = "cuda"
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        ex = C.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.device.type == "cpu":
            return self.to(*args, **kwargs)
        kwargs["device"] = "cpu"
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=D.float64)

    def float(self):
        return self.to(dtype=D.float32)

    def half(self):
        return self.to(dtype=D.float16)

    def long(self):
        return self.to(dtype=D.int64)

    def int(self):
        return self.to(dtype=D.int32)

    def short(self):
        return self.to(dtype=D.int16)

    def char(self):
        return self.to(dtype=D.int8)

    def byte(self):
        return self.to(dtype=D.uint8)

    @property
    def is_cuda(self):
        """Whether `data` is on a GPU."""
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be created "
                             "manually. They should be instantiated by functions like pack_sequence and "
                             "pack_padded_sequences in nn.utils.rnn. "
                             "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return data, batch_sizes, sorted_indices, unsorted_indices
    # PackedSequence((data, batch_sizes)): the form older code (and PyTorch's own pickles) use
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


def invert_permutation(permutation):
    """The inverse of the 1-D index tensor `permutation` (None for None)."""
    if permutation is None:
        return None
    output = C.empty_like(permutation)
    output.scatter_(0, permutation, arange(0, permutation.numel(), device=permutation.device))
    return output


# ---- packing ---------------------------------------------------------------------------------------------
def _pack_rows_fwd(xp, input, *, indices, batch_sizes, batch_first):
    return input[indices]


def _pack_rows_vjp(grad, input_shape, indices, batch_sizes, batch_first, xp):
    if records(xp):
        return _pack_rows_vjp_graph(grad, input_shape, batch_sizes, batch_first, xp)
    # NOTE: every (time, batch) position is packed at most once, so a plain assignment scatters the gradient back
    out = xp.zeros(input_shape, dtype=grad.dtype)
    out[indices] = grad
    return out


def _pack_rows_vjp_graph(grad, input_shape, batch_sizes, batch_first, xp):
    """The VJP as a graph (create_graph=True), built as PyTorch's _pack_padded_sequence_backward builds it (so its
    grad_fn is CopySlices, or TransposeBackward0 for batch_first): each step's rows copied into a zero tensor."""
    shape = list(input_shape)
    if batch_first:
        shape[0], shape[1] = shape[1], shape[0]
    out = xp.zeros(tuple(shape), dtype=grad.dtype)
    out.zero_()  # NOTE: PyTorch's kernel zero-fills in place, which its _version counts
    offset = 0
    for t, size in enumerate(batch_sizes[:shape[0]]):
        out[t].narrow(0, 0, size).copy_(grad.narrow(0, offset, size))
        offset += size
    return out.transpose(0, 1) if batch_first else out


# NOTE: one gather, declared here so that the packed data's grad_fn is PyTorch's PackPaddedSequenceBackward0 (a
# composite of index ops would show IndexBackward0)
_PACK_ROWS = primitive("pack_padded_sequence", _pack_rows_fwd, kw_saved=True, node="PackPaddedSequenceBackward0")
defvjp(_PACK_ROWS, input=_pack_rows_vjp)


def _pack_layout(lengths, steps):
    """(time indices, batch indices, batch_sizes) of the packed rows for `lengths` sorted in decreasing order,
    of a padded input with `steps` time steps. As PyTorch, the sequences are scanned from the shortest: each
    time the length grows, the block of time steps it adds is taken for every sequence at least that long."""
    batch = len(lengths)
    times, rows, sizes = [], [], []
    prev = 0
    for i in range(batch):
        length = lengths[batch - 1 - i]
        if length > prev:
            running = batch - i
            # NOTE: a length beyond the padded input takes the steps that exist and still counts them in
            # batch_sizes, as PyTorch does (its slices clamp to the input)
            t = np.arange(min(prev, steps), min(length, steps))
            times.append(np.repeat(t, running))
            rows.append(np.tile(np.arange(running), len(t)))
            sizes += [running] * (length - prev)
            prev = length
    # the blocks come from the shortest sequences first but time runs forward: sort the rows by time, keeping
    # each block's batch order (a stable sort)
    times, rows = np.concatenate(times), np.concatenate(rows)
    order = np.argsort(times, kind="stable")
    return times[order], rows[order], sizes


def _pack_padded(input, lengths, batch_first):
    """PyTorch's _pack_padded_sequence: (data, batch_sizes) of `input` (T, B, *) or (B, T, *), `lengths` a 1-D
    int64 tensor in decreasing order."""
    if input.numel() <= 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if lengths.dim() != 1 or lengths.dtype is not D.int64 or lengths.device.type != "cpu":
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D "
                           f"{lengths.device.type} {lengths.dtype.scalar_name} tensor")
    batch_size = input.size(0 if batch_first else 1)
    steps = input.size(1 if batch_first else 0)
    lens = [int(v) for v in lengths.tolist()]
    if len(lens) != batch_size:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
                           f"(batch_size={batch_size})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if any(a < b for a, b in zip(lens, lens[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
                           "this requirement if you do not need ONNX exportability.")
    times, rows, sizes = _pack_layout(lens, steps)
    indices = (rows, times) if batch_first else (times, rows)
    data = apply(_PACK_ROWS, (input,), {"indices": indices, "batch_sizes": tuple(sizes), "batch_first": batch_first})
    return data, tensor(sizes, dtype=D.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch `input` of shape (T, B, *) (or (B, T, *) with batch_first) whose sequences have the
    given `lengths` (a list or a CPU tensor). With enforce_sorted=True the lengths must be in decreasing order;
    otherwise the batch is sorted first and the PackedSequence records the permutation."""
    if not isinstance(lengths, Tensor):
        lengths = C.as_tensor(lengths, dtype=D.int64, device="cpu")
    else:
        lengths = lengths.to(dtype=D.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = lengths.sort(descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack_padded(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *) tensor, lengths int64 tensor), in
    the batch's original order. `total_length` pads to that many time steps (at least the longest sequence)."""
    max_seq_length = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {max_seq_length}")
        max_seq_length = total_length
    padded_output, lengths = _pad_packed(sequence.data, sequence.batch_sizes, batch_first, padding_value,
                                         max_seq_length)
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        return padded_output.index_select(batch_dim, unsorted_indices), lengths[unsorted_indices.cpu()]
    return padded_output, lengths


def _pad_packed(data, batch_sizes, batch_first, padding_value, total_length):
    """PyTorch's _pad_packed_sequence, with its graph: the padded tensor is filled, then each run of time steps
    with one batch size is copied in as one block (CopySlices), then transposed for batch_first."""
    sizes = [int(v) for v in batch_sizes.tolist()]
    max_batch = sizes[0]
    trailing = tuple(data.shape[1:])
    output = C.empty((total_length, max_batch) + trailing, dtype=data.dtype, device=data.device)
    output.fill_(padding_value)  # NOTE: not full(): PyTorch's fill is an in-place op, counted in output._version
    lengths = [0] * max_batch
    offset, prev_i, prev_bs = 0, 0, max_batch
    for i in range(len(sizes) + 1):
        bs = sizes[i] if i < len(sizes) else 0
        if bs != prev_bs:
            n = prev_bs * (i - prev_i)
            block = data[offset:offset + n].view((i - prev_i, prev_bs) + trailing)
            # narrow, not output[...] = block: a full-range slice must still be a view, so that the copy is
            # recorded as CopySlices as in PyTorch
            output.narrow(0, prev_i, i - prev_i).narrow(1, 0, prev_bs).copy_(block)
            offset += n
            prev_i = i
        for b in range(bs, prev_bs):  # the sequences that ended before step i
            lengths[b] = i
        prev_bs = bs
    if batch_first:
        output = output.transpose(0, 1)
    return output, tensor(lengths, dtype=D.int64)


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of sequences of shapes (L_i, *): pad_sequence, then pack_padded_sequence."""
    lengths = C.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences that pack_sequence packed, in their original order."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)


# ---- padding -------------------------------------------------------------------------------------------
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
    """The list of sequences pad_sequence(..., batch_first) padded (lengths: a 1-D tensor).

    NOTE: PyTorch transposes a time-first `padded_sequences` in place (the caller's tensor comes back
    batch-first); glassgrad has no transpose_ yet and leaves it as it was."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    idx = arange(padded_sequences.shape[1])
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]
