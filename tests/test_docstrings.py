"""The examples in docstrings run (STYLE.md: docstring examples are tested)."""
import doctest
import importlib
import pkgutil

import pytest

import glassgrad

MODULES = sorted(m.name for m in pkgutil.walk_packages(glassgrad.__path__, "glassgrad.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", ["glassgrad"] + MODULES)
def test_docstring_examples(name):
    if name.startswith("glassgrad.testing"):
        pytest.importorskip("torch")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
