"""PyTorch: the reference every other system is compared with (the ratio column)."""
import re

import torch

from bench.systems import torch_api

VERSION = torch.__version__

_api = torch_api.bind(torch)
setup, op_chain, mlp_step, conv_step, matmul, deep_chain = (
    _api.setup, _api.op_chain, _api.mlp_step, _api.conv_step, _api.matmul, _api.deep_chain)


def blas():
    """PyTorch computes with the BLAS built into it (MKL on x86 wheels), not NumPy's."""
    found = re.search(r"Math Kernel Library Version ([\w.]+)", torch.__config__.show())
    lib = f"MKL {found.group(1)}" if found else "its own BLAS"
    n = torch.get_num_threads()
    return f"{lib} (built in), {n} thread{'s' * (n != 1)}"
