"""Recurrent layers (RNN, LSTM, GRU and their cells) with PyTorch's parameters, gate order and results.

The layers loop over time steps only: the input projection of every step is one matrix product per layer and
direction (as PyTorch's CPU kernel does), and each step adds the hidden projection and applies the gates. A
PackedSequence input (nn.utils.rnn) runs each step on the sequences still running at that step, and comes back
packed, with the final states of every sequence at its own last step.

    >>> import glassgrad as torch
    >>> lstm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    >>> output, (h_n, c_n) = lstm(torch.randn(5, 2, 3))
    >>> tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape)
    ((5, 2, 8), (4, 2, 4), (4, 2, 4))

This module also exports MultiheadAttention and the Transformer modules (transformer.py), since
glassgrad.nn imports its recurrent and attention layers from here.
"""
import math
import numbers
import warnings

from ...ops import creation as C
from ...ops.shape import cat, stack
from .. import functional as F, init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module
from .transformer import (MultiheadAttention, Transformer, TransformerDecoder,  # noqa: F401 (re-exported)
                          TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer)

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
           "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
           "TransformerEncoderLayer", "TransformerDecoderLayer"]


# ---- one time step: gi is the input projection x W_ih^T + b_ih, state the previous (h,) or (h, c) -----------
def _tanh_cell(gi, state, w_hh, b_hh, w_hr=None):
    return ((F.linear(state[0], w_hh, b_hh) + gi).tanh(),)


def _relu_cell(gi, state, w_hh, b_hh, w_hr=None):
    return (F.relu(F.linear(state[0], w_hh, b_hh) + gi),)


def _lstm_cell(gi, state, w_hh, b_hh, w_hr=None):
    """Gates in PyTorch's order (input, forget, cell, output); with w_hr the hidden state is projected."""
    hx, cx = state
    i, f, g, o = (F.linear(hx, w_hh, b_hh) + gi).chunk(4, -1)
    cy = f.sigmoid() * cx + i.sigmoid() * g.tanh()
    hy = o.sigmoid() * cy.tanh()
    if w_hr is not None:
        hy = F.linear(hy, w_hr)
    return hy, cy


def _gru_cell(gi, state, w_hh, b_hh, w_hr=None):
    """Gates in PyTorch's order (reset, update, new); the reset gate scales the hidden projection,
    bias included, and h' = (h - n) * z + n as ATen writes (1 - z) * n + z * h."""
    hx = state[0]
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = F.linear(hx, w_hh, b_hh).chunk(3, -1)
    r = (h_r + i_r).sigmoid()
    z = (h_z + i_z).sigmoid()
    n = (i_n + h_n * r).tanh()
    return ((hx - n) * z + n,)


_CELLS = {"RNN_TANH": _tanh_cell, "RNN_RELU": _relu_cell, "LSTM": _lstm_cell, "GRU": _gru_cell}
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _padded_direction(cell, gi, state, weights, reverse):
    """One direction over every time step of gi (seq, batch, gates); returns (outputs (seq, batch, h), state)."""
    gi = gi.unbind(0)
    steps = range(len(gi) - 1, -1, -1) if reverse else range(len(gi))
    out = [None] * len(gi)
    for t in steps:
        state = cell(gi[t], state, *weights)
        out[t] = state[0]
    return stack(out), state


def _packed_direction(cell, gi, state, weights, reverse, batch_sizes):
    """One direction over packed rows gi (total, gates), batch_sizes[t] of them at step t; returns (packed
    outputs (total, h), final state of every sequence).

    Forward in time, a sequence that has ended leaves the batch with its state as its final one; backward in
    time, a sequence joins the batch at its own last step, from its initial state (PyTorch's PackedLayer and
    ReversedPackedLayer)."""
    gi = gi.split(batch_sizes)
    out = [None] * len(gi)
    if not reverse:
        ended = []  # the final states of the sequences that ended, latest first
        running = batch_sizes[0]
        for t, size in enumerate(batch_sizes):
            if size < running:
                ended.insert(0, tuple(s[size:running] for s in state))
                state = tuple(s[:size] for s in state)
                running = size
            state = cell(gi[t], state, *weights)
            out[t] = state[0]
        if ended:
            state = tuple(cat(parts) for parts in zip(state, *ended))
        return cat(out), state
    initial = state
    running = batch_sizes[-1]
    if running < initial[0].size(0):
        state = tuple(s[:running] for s in initial)
    for t in range(len(gi) - 1, -1, -1):
        size = batch_sizes[t]
        if size > running:
            state = tuple(cat([s, s0[running:size]]) for s, s0 in zip(state, initial))
            running = size
        state = cell(gi[t], state, *weights)
        out[t] = state[0]
    return cat(out), state


def _mini_batch(rnn, input, batch_sizes):
    if batch_sizes is not None:
        return int(batch_sizes[0])
    return input.size(0) if rnn.batch_first else input.size(1)


def _reset_uniform(module, hidden_size):
    stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


class RNNBase(Module):
    """The parameters and the multi-layer, bidirectional time loop shared by RNN, LSTM and GRU.

    Parameters are named as PyTorch's: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and
    weight_hr_l{k} for an LSTM with proj_size), with the suffix _reverse for the backward direction."""
    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
            for direction in range(num_directions):
                shapes = [(gate_size, layer_input_size), (gate_size, real_hidden_size)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(C.empty(shape, device=device, dtype=dtype)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters of each layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op, as on PyTorch's CPU (it packs weights for cuDNN)."""

    def reset_parameters(self):
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        _reset_uniform(self, self.hidden_size)

    def check_input(self, input, batch_sizes):
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                             f"Convert input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        mini_batch = _mini_batch(self, input, batch_sizes)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if hx.size() != expected_hidden_size:
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx.index_select(1, permutation)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _layer_weights(self, index):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of layer-direction `index` (None for the absent ones)."""
        names = self._all_weights[index]
        w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
        b_ih, b_hh = (getattr(self, names[2]), getattr(self, names[3])) if self.bias else (None, None)
        w_hr = getattr(self, names[-1]) if self.proj_size > 0 else None
        return w_ih, w_hh, b_ih, b_hh, w_hr

    def _run(self, input, hx, batch_sizes=None):
        """The layers over (seq, batch, feature) input, or over packed rows (total, feature) when `batch_sizes`
        (a list of ints) is given; hx is a tuple of (layers * directions, batch, size) states ((h,) or (h, c)).
        Returns the last layer's output and the tuple of final states."""
        cell = _CELLS[self.mode]
        num_directions = 2 if self.bidirectional else 1
        finals = [[] for _ in hx]
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                index = layer * num_directions + direction
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(index)
                gi = F.linear(layer_input, w_ih, b_ih)
                state = tuple(s[index] for s in hx)
                if batch_sizes is None:
                    out, state = _padded_direction(cell, gi, state, (w_hh, b_hh, w_hr), direction == 1)
                else:
                    out, state = _packed_direction(cell, gi, state, (w_hh, b_hh, w_hr), direction == 1, batch_sizes)
                outputs.append(out)
                for final, s in zip(finals, state):
                    final.append(s)
            layer_output = outputs[0] if num_directions == 1 else cat(outputs, -1)
            if self.dropout != 0 and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        return layer_input, tuple(stack(f) for f in finals)

    def _forward_packed(self, packed, hx, state_sizes):
        """forward() on a PackedSequence: hx (in the caller's batch order, or None) is put in the packed
        (sorted) order, and the final states back in the caller's. Returns (PackedSequence, states as hx is)."""
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        single = len(state_sizes) == 1  # RNN, GRU: hx is h; LSTM: hx is (h, c)
        if hx is None:
            zeros = tuple(self._zeros(data, int(batch_sizes[0]), size) for size in state_sizes)
            hx = zeros[0] if single else zeros
        else:
            hx = self.permute_hidden(hx, sorted_indices)
        self._check_packed_args(data, hx, batch_sizes)
        output, states = self._run(data, (hx,) if single else tuple(hx), [int(b) for b in batch_sizes])
        states = states[0] if single else states
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), \
            self.permute_hidden(states, unsorted_indices)

    def _check_packed_args(self, data, hx, batch_sizes):
        self.check_forward_args(data, hx, batch_sizes)

    def _prepare(self, input, name):
        """Checks the input's rank; returns (input as (seq, batch, feature), is_batched, batch size)."""
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             f"{'instead' if name == 'LSTM' else 'tensor instead'}")
        is_batched = input.dim() == 3
        if not is_batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        return input, is_batched, input.size(0) if self.batch_first else input.size(1)

    def _zeros(self, input, batch, size):
        num_directions = 2 if self.bidirectional else 1
        return C.zeros((self.num_layers * num_directions, batch, size), dtype=input.dtype, device=input.device)

    def _finish(self, input, hx, is_batched):
        """Runs the loop with batch_first handled; returns (output, states) in the caller's layout."""
        x = input.transpose(0, 1) if self.batch_first else input
        output, states = self._run(x, hx)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            states = tuple(s.squeeze(1) for s in states)
        return output, states


class _SingleStateRNN(RNNBase):
    """RNN and GRU: one hidden state h."""

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, (self.hidden_size,))
        input, is_batched, batch = self._prepare(input, self._name)
        if hx is not None:
            if not is_batched and hx.dim() != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
            if is_batched and hx.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
            if not is_batched:
                hx = hx.unsqueeze(1)
        else:
            hx = self._zeros(input, batch, self.hidden_size)
        self.check_forward_args(input, hx, None)
        output, (h_n,) = self._finish(input, (hx,), is_batched)
        return output, h_n


class RNN(_SingleStateRNN):
    """An Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), with num_layers, bias,
    batch_first, dropout between layers and bidirectional as torch.nn.RNN; forward(input, hx=None) returns
    (output, h_n)."""
    _name = "RNN"

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class GRU(_SingleStateRNN):
    """A gated recurrent unit RNN (gates r, z, n in PyTorch's order); forward(input, hx=None) returns
    (output, h_n)."""
    _name = "GRU"

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class LSTM(RNNBase):
    """A long short-term memory RNN (gates i, f, g, o in PyTorch's order; proj_size projects h);
    forward(input, (h_0, c_0)=None) returns (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        mini_batch = _mini_batch(self, input, batch_sizes)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)

    def _check_packed_args(self, data, hx, batch_sizes):
        """PyTorch's LSTM skips check_forward_args for a PackedSequence: what it checks is what its kernel does,
        so are the errors (a state of the wrong batch size fails in the first step's addition)."""
        h, c = hx
        weights = self._flat_weights
        # NOTE: the kernel infers projections from h and c having different sizes, then groups the weights
        per_layer = (4 if self.bias else 2) + (1 if h.size(2) != c.size(2) else 0)
        if len(weights) % per_layer != 0:
            raise RuntimeError("got an incorrect number of RNN parameters")
        num_directions = 2 if self.bidirectional else 1
        if num_directions == 2 and h.size(0) % 2 != 0:
            raise RuntimeError("Odd number of params or hiddens given to a bidirectional RNN")
        if h.size(0) != self.num_layers * num_directions:
            raise RuntimeError("Expected more hidden states in stacked_rnn")
        if data.dtype != weights[0].dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {data.dtype.scalar_name} and "
                               f"{weights[0].dtype.scalar_name}")

    def forward(self, input, hx=None):
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        if isinstance(input, PackedSequence):
            output, (h_n, c_n) = self._forward_packed(input, hx, (real_hidden_size, self.hidden_size))
            return output, (h_n, c_n)
        input, is_batched, batch = self._prepare(input, "LSTM")
        if hx is None:
            hx = (self._zeros(input, batch, real_hidden_size), self._zeros(input, batch, self.hidden_size))
        elif is_batched:
            if hx[0].dim() != 3 or hx[1].dim() != 3:
                raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        else:
            if hx[0].dim() != 2 or hx[1].dim() != 2:
                raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self.check_forward_args(input, hx, None)
        output, (h_n, c_n) = self._finish(input, tuple(hx), is_batched)
        return output, (h_n, c_n)


# ---- cells -------------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """weight_ih, weight_hh (and bias_ih, bias_hh) of one step, for num_chunks gates."""
    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(C.empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(C.empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(C.empty((num_chunks * hidden_size,), device=device, dtype=dtype))
            self.bias_hh = Parameter(C.empty((num_chunks * hidden_size,), device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        _reset_uniform(self, self.hidden_size)

    def _step(self, cell, input, state):
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        return cell(gi, state, self.weight_hh, self.bias_hh)

    def _check_rank(self, input, hx, what="hidden"):
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {hx.dim()}D instead")

    def _zeros(self, input):
        return C.zeros((input.size(0), self.hidden_size), dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""
    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        self._check_rank(input, hx)
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        hx = self._zeros(input) if hx is None else (hx if is_batched else hx.unsqueeze(0))
        if self.nonlinearity == "tanh":
            cell = _tanh_cell
        elif self.nonlinearity == "relu":
            cell = _relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        (ret,) = self._step(cell, input, (hx,))
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; forward(input, (h, c)=None) returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        self._check_rank(input, None)
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = self._zeros(input)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        hy, cy = self._step(_lstm_cell, input, tuple(hx))
        return (hy, cy) if is_batched else (hy.squeeze(0), cy.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; forward(input, hx=None) returns h'."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        self._check_rank(input, hx)
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        hx = self._zeros(input) if hx is None else (hx if is_batched else hx.unsqueeze(0))
        (ret,) = self._step(_gru_cell, input, (hx,))
        return ret if is_batched else ret.squeeze(0)
