"""glassgrad: the PyTorch adapter's code, run with `import glassgrad as torch`."""
import glassgrad as torch

from bench.systems import torch_api

VERSION = torch.__version__

_api = torch_api.bind(torch)
setup, op_chain, mlp_step, conv_step, matmul, deep_chain = (
    _api.setup, _api.op_chain, _api.mlp_step, _api.conv_step, _api.matmul, _api.deep_chain)
