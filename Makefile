# Each target sets up its own virtual environment, so both work on a fresh clone.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test venv test-venv

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -e .

test-venv: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

demo: venv
	$(BIN)/python examples/seed_scenarios.py

test: test-venv
	$(BIN)/python -m pytest
