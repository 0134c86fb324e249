"""One adapter module per system, each doing the identical computation (see bench/workloads.py).

An adapter module has VERSION, setup(threads), and one function per workload taking NumPy inputs and returning
`run`: op_chain(v, turns), mlp_step(data), conv_step(data), matmul(x, w), deep_chain(v, turns). The modules are
named with_<system> so that none shadows the package it adapts.
"""
import importlib
import importlib.util

# key (for --systems) -> (name in the table, the package it needs, its adapter module)
SYSTEMS = {
    "glassgrad": ("glassgrad", "glassgrad", "bench.systems.with_glassgrad"),
    "torch": ("PyTorch", "torch", "bench.systems.with_torch"),
    "mygrad": ("MyGrad", "mygrad", "bench.systems.with_mygrad"),
    "autograd": ("HIPS autograd", "autograd", "bench.systems.with_autograd"),
}
REFERENCE = "torch"  # the ratios are to PyTorch's time


def installed(key):
    return importlib.util.find_spec(SYSTEMS[key][1]) is not None


def load(key):
    return importlib.import_module(SYSTEMS[key][2])
