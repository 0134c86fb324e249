"""Functions some layers need that glassgrad.nn.functional does not have yet, composed from glassgrad ops.

NOTE: these belong in ops/ (as primitives with PyTorch's node names: PixelShuffleBackward0,
EmbeddingBagBackward0); until they are there, the layers use these compositions, whose values and gradients are
PyTorch's but whose grad_fn names are those of the ops they are made of. Each name below is taken from
nn.functional when it exists there, so the layers switch to the real op as soon as it is added.
"""
import warnings

import numpy as np

from ... import _dtype as D
from ...ops import creation as C
from ...ops.creation import zeros, tensor as _tensor
from .. import functional as F

__all__ = ["dropout1d", "dropout2d", "dropout3d", "pixel_shuffle", "pixel_unshuffle", "embedding_bag"]


# ---- channel-wise dropout ------------------------------------------------------------------------------
def _feature_dropout(input, p, train, inplace):
    """Zeroes whole channels (input[n, c]) with probability p and scales the rest by 1 / (1 - p)."""
    if not train or p == 0 or input.numel() == 0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    # PyTorch's mask: bernoulli_(1 - p) over a new (N, C, 1, ...) tensor, not drawn when p == 1
    noise = np.zeros(shape) if p == 1 else C._dropout_keep(np.empty(shape, bool), 1 - p) / (1 - p)
    noise = _tensor(noise.astype(input._dtype.np), dtype=input._dtype)
    return input.mul_(noise) if inplace else input * noise


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {inp_dim}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _unbatched(input, inp_dim == 3, p, training, inplace)


def _unbatched(input, is_batched, p, training, inplace):
    if is_batched:
        return _feature_dropout(input, p, training, inplace)
    input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _feature_dropout(input, p, training, inplace)
    return result.squeeze_(0) if inplace else result.squeeze(0)


def _dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated and will result in "
                      "an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def _dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {inp_dim}-D input to dropout3d, which is deprecated and will result in "
                      "an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    return _unbatched(input, inp_dim == 5, p, training, inplace)


# ---- pixel shuffle -------------------------------------------------------------------------------------
def _pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = upscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if c % (r * r) != 0:
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def _pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = downscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if h % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    n = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


# ---- embedding bag -------------------------------------------------------------------------------------
def _embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                   sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxes of embedding rows per bag: bag i holds input[offsets[i]:offsets[i + 1]] (a 2-D input
    is one bag per row). Entries equal to padding_idx are left out of their bag; empty bags give zeros."""
    if weight._dtype is D.int64 and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, input, "
                      "...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it must "
                         f"have the same shape as the input ({input.shape})")
    if not weight.dim() == 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        offsets_np = np.arange(0, input.numel(), input.size(1))
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offsets_np = offsets._data.astype(np.int64)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    if input._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding_bag)")
    if offsets_np.size and offsets_np[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {offsets_np[0]}")
    starts = offsets_np[:-1] if include_last_offset else offsets_np
    num_bags = len(starts)
    idx = input._data.astype(np.int64)
    # NOTE: the bag of every position at once; positions past include_last_offset's end belong to no bag
    bag = np.searchsorted(starts, np.arange(idx.size), side="right") - 1
    keep = bag < num_bags
    if include_last_offset and offsets_np.size:
        keep &= np.arange(idx.size) < offsets_np[-1]
    if padding_idx is not None:
        keep &= idx != padding_idx
    sel = np.flatnonzero(keep)
    rows = F.embedding(_tensor(idx[sel]), weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    bag_t = _tensor(bag[sel])
    out = zeros((num_bags, weight.size(1)), dtype=weight._dtype)
    if mode == "max":
        index = bag_t.unsqueeze(1).expand(-1, weight.size(1))
        return out.scatter_reduce(0, index, rows, "amax", include_self=False)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[_tensor(sel)].unsqueeze(1)
    out = out.index_add(0, bag_t, rows)
    if mode == "mean":
        counts = np.maximum(np.bincount(bag[sel], minlength=num_bags), 1)
        out = out / _tensor(counts[:, None].astype(weight._dtype.np))
    return out


dropout1d = getattr(F, "dropout1d", _dropout1d)
dropout2d = getattr(F, "dropout2d", _dropout2d)
dropout3d = getattr(F, "dropout3d", _dropout3d)
pixel_shuffle = getattr(F, "pixel_shuffle", _pixel_shuffle)
pixel_unshuffle = getattr(F, "pixel_unshuffle", _pixel_unshuffle)
embedding_bag = getattr(F, "embedding_bag", _embedding_bag)
