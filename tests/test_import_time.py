"""`import glassgrad` loads only what every program needs (issue 6): nn, optim, data loading, serialization, the graph
drawing and numpy.random load on first use. CI times nothing, so these tests read what a fresh interpreter holds in
sys.modules after an import, and check that every deferred name still resolves as it did, with torch's names."""
import ast
import subprocess
import sys
import textwrap

import pytest

from difftools import glassgrad, torch

# modules that `import glassgrad` must not load: heavy, optional, or only needed when asked for
DEFERRED_BY_GLASSGRAD = [
    "glassgrad.nn", "glassgrad.optim", "glassgrad.utils", "glassgrad.utils.data", "glassgrad.utils.checkpoint",
    "glassgrad.serialization", "glassgrad.explain.draw", "glassgrad.explain.report", "glassgrad.optim.lr_scheduler",
    "glassgrad.nn.modules.rnn", "glassgrad.nn.modules.transformer", "glassgrad.testing", "glassgrad.torch_compat",
    "graphviz", "safetensors", "json", "html", "numpy.random", "secrets", "torch", "hypothesis", "scipy", "sklearn"]
# ... nor these imports of a part of glassgrad, which loads the rest of that part only when used
DEFERRED_BY_PART = {
    "glassgrad.nn": ["glassgrad.nn.modules.rnn", "glassgrad.nn.modules.transformer", "glassgrad.nn.utils.parametrize",
                     "glassgrad.nn.utils.parametrizations", "glassgrad.optim", "glassgrad.utils"],
    "glassgrad.optim": ["glassgrad.optim.lr_scheduler", "glassgrad.optim._cyclic", "glassgrad.nn"],
    "glassgrad.utils.data": ["glassgrad.utils.checkpoint", "glassgrad.nn"],
}


def _run(code):
    """Runs `code` in a fresh interpreter; the value of its last line's printed repr."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return ast.literal_eval(out.stdout.splitlines()[-1])


def _loaded_by(stmt):
    # what was already there (a sitecustomize, say) is not the import's doing
    return set(_run(f"""
        import sys
        before = set(sys.modules)
        {stmt}
        print(sorted(set(sys.modules) - before))
        """))


def test_import_glassgrad_defers_the_heavy_modules():
    loaded = _loaded_by("import glassgrad")
    assert "glassgrad.ops.elementwise" in loaded  # the check sees what the import loads
    assert sorted(loaded & set(DEFERRED_BY_GLASSGRAD)) == []


@pytest.mark.parametrize("part", sorted(DEFERRED_BY_PART))
def test_importing_a_part_defers_the_rest_of_it(part):
    loaded = _loaded_by(f"import {part}")
    assert part in loaded
    assert sorted(loaded & set(DEFERRED_BY_PART[part])) == []


def test_deferred_names_are_listed_before_they_load():
    # dir() reads the same before and after first use, and holds torch's names
    before, after = _run("""
        import glassgrad
        names = lambda: {m: dir(eval(m)) for m in ("glassgrad", "glassgrad.explain")}
        before = names()
        import glassgrad.nn, glassgrad.optim, glassgrad.utils.data, glassgrad.utils.checkpoint, glassgrad.serialization
        glassgrad.explain.draw, glassgrad.explain.grad_report
        print((before, names()))
        """)
    assert before == after
    for name in ("nn", "optim", "utils", "save", "load", "serialization"):
        assert name in dir(torch) and name in before["glassgrad"], name
    for name in ("draw", "html_report", "grad_report", "report"):
        assert name in before["glassgrad.explain"], name


def test_deferred_names_resolve_to_the_defining_objects():
    import glassgrad.nn.modules.rnn as rnn
    import glassgrad.serialization as serialization
    assert sorted(glassgrad.nn._RNN) == sorted(rnn.__all__)  # the lazy table lists every recurrent layer
    for name in rnn.__all__:
        assert getattr(glassgrad.nn, name) is getattr(rnn, name), name
        assert hasattr(torch.nn, name), name
    assert glassgrad.save is serialization.save and glassgrad.load is serialization.load
    assert glassgrad.nn.modules.transformer.Transformer is glassgrad.nn.Transformer
    assert glassgrad.optim.lr_scheduler.StepLR.__module__ == "glassgrad.optim.lr_scheduler"
    assert glassgrad.utils.data.DataLoader.__name__ == torch.utils.data.DataLoader.__name__
    assert callable(glassgrad.utils.checkpoint.checkpoint)
    assert glassgrad.nn.utils.parametrizations.weight_norm.__name__ == "weight_norm"
    assert "lr_scheduler" in glassgrad.optim.__all__ and "lr_scheduler" in torch.optim.__all__


def test_star_import_gives_the_deferred_names():
    names = set(_run("""
        ns = {}
        exec("from glassgrad import *", ns)
        print(sorted(ns))
        """))
    real = {}
    exec("from torch import *", real)
    for name in ("save", "load", "tensor", "Tensor"):
        assert name in real and name in names, name
    assert {"nn", "optim", "utils", "serialization", "explain", "autograd"} <= names


@pytest.mark.parametrize("module", ["", ".nn", ".optim", ".utils", ".nn.utils"])
def test_unknown_name_fails_as_in_pytorch(module):
    expected = pytest.raises(AttributeError, match=f"^module 'torch{module}' has no attribute 'no_such_name'$")
    with expected:
        eval(f"torch{module}.no_such_name")
    with pytest.raises(AttributeError, match=f"^module 'glassgrad{module}' has no attribute 'no_such_name'$"):
        eval(f"glassgrad{module}.no_such_name")


def test_explain_draw_stays_the_function_after_its_module_is_imported():
    # importing the submodule glassgrad.explain.draw sets the package's `draw`; the function must win
    kinds = _run("""
        import types
        import glassgrad.explain.draw
        from glassgrad.explain.report import grad_report
        import glassgrad
        e = glassgrad.explain
        print([isinstance(f, types.FunctionType) for f in (e.draw, e.html_report, e.grad_report)]
              + [isinstance(e.report, types.ModuleType)])
        """)
    assert kinds == [True, True, True, True]


def test_explain_draw_can_be_monkeypatched(monkeypatch):
    real = glassgrad.explain.draw
    monkeypatch.setattr(glassgrad.explain, "draw", len)
    assert glassgrad.explain.draw is len
    monkeypatch.undo()
    assert glassgrad.explain.draw is real


def test_default_generator_loads_numpy_random_on_its_first_draw():
    # as PyTorch's, the default generator starts from a random seed; its MT19937 state is made on the first draw,
    # giving the same stream as if made at import
    first, again, loaded_before = _run("""
        import sys
        import glassgrad
        loaded = "numpy.random" in sys.modules
        first = glassgrad.rand(4).tolist()
        glassgrad.manual_seed(glassgrad.initial_seed())
        print((first, glassgrad.rand(4).tolist(), loaded))
        """)
    assert not loaded_before
    assert first == again


def test_torch_compat_imports_deferred_modules():
    names = _run("""
        import glassgrad
        from glassgrad import torch_compat
        with torch_compat.enabled():
            import torch.optim.lr_scheduler as S
            import torch.nn.modules.rnn as R
            from torch.utils.checkpoint import checkpoint
            from torch import save
        print([S.__name__, R.__name__, checkpoint.__module__, save.__module__])
        """)
    assert names == ["glassgrad.optim.lr_scheduler", "glassgrad.nn.modules.rnn", "glassgrad.utils.checkpoint",
                     "glassgrad.serialization"]
