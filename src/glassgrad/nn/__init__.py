"""glassgrad.nn: PyTorch's torch.nn names. The functional interface lives in nn.functional."""
from . import functional
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer  # noqa: F401
from .modules.module import Module  # noqa: F401
from .modules.container import (  # noqa: F401
    Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict,
)

__all__ = ["functional", "Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "Module",
           "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]

from .modules.layers import *      # noqa: F401,F403  (Linear, Conv, norms, activations, losses ...)
from .modules.rnn import *         # noqa: F401,F403  (RNN, LSTM, GRU, cells, attention, transformer)
from . import init, utils          # noqa: E402
