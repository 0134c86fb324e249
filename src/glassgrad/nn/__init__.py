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
# issue 7 (fill): padding, 3-D and LP pooling, unpooling, fold, RMSNorm, LRN, alpha dropout, channel shuffle,
# margin losses, lazy conv / norm layers
from .modules.padding import *             # noqa: F401,F403,E402
from .modules.pooling3d import *           # noqa: F401,F403,E402
from .modules.fold import *                # noqa: F401,F403,E402
from .modules.rmsnorm import *             # noqa: F401,F403,E402
from .modules.local_response_norm import * # noqa: F401,F403,E402
from .modules.alpha_dropout import *       # noqa: F401,F403,E402
from .modules.channelshuffle import *      # noqa: F401,F403,E402
from .modules.margin_losses import *       # noqa: F401,F403,E402
from .modules.lazy_layers import *         # noqa: F401,F403,E402
from . import init, utils          # noqa: E402
from .._lazy import lazy_attributes as _lazy_attributes  # noqa: E402

# NOTE: the recurrent, attention and transformer layers (modules/rnn.py, modules/transformer.py) are imported on
# first use: they are a fifth of `import glassgrad.nn`. The names are modules.rnn.__all__ (a test checks it).
_RNN = ("RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention",
        "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer")
# nn.parallel (DataParallel, DistributedDataParallel) on first use too: it brings glassgrad.distributed
_PARALLEL = {"parallel": (".parallel", None), "DataParallel": (".parallel", "DataParallel")}
__getattr__, __dir__ = _lazy_attributes(__name__, {**{name: (".modules.rnn", name) for name in _RNN}, **_PARALLEL})
