"""Benchmarks. `python -m bench` (bench/run.py) compares glassgrad with PyTorch, MyGrad and HIPS autograd;
bench/ops.py and bench/explain_overhead.py are standalone scripts."""
