# Each target sets up its own virtual environment, so both work on a fresh clone.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test venv test-venv bench bench-ops bench-explain

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -e '.[demo]'

test-venv: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

demo: venv
	$(BIN)/python examples/seed_scenarios.py
	$(BIN)/python examples/train_digits.py

# the op suites hold ~20,000 checks: one worker per core (pytest-xdist)
test: test-venv
	$(BIN)/python -m pytest -n auto

# glassgrad next to PyTorch, MyGrad and HIPS autograd: each workload in fresh processes, systems interleaved
# (~7 min; rewrites bench/results.md, the README's table). `$(BIN)/python -m bench --help` for options.
bench: test-venv
	$(BIN)/python -m bench

# conv2d and matmul forward+backward next to PyTorch (the README's table)
bench-ops: test-venv
	$(BIN)/python bench/ops.py

# the cost of recording for explanations: per-op chain, training and evaluation steps, on versus off
bench-explain: test-venv
	$(BIN)/python -m bench.explain_overhead
