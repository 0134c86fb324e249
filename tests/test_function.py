"""Custom autograd.Function, gradcheck/gradgradcheck and anomaly mode."""
import pytest

from difftools import assert_same, observe, torch as real_torch, glassgrad
from difftools import bug, capture_exc as _exc, fresh as _fresh




def _leaf(torch, n=3, dtype=None, start=0.5):
    return (torch.arange(n, dtype=dtype or torch.float32) / 4 + start).requires_grad_()






# Each library gets its own Function classes (the bodies are the same).
def make_functions(torch):
    F = torch.autograd.Function
    ns = {}

    class MyExp(F):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class MulConst(F):
        @staticmethod
        def forward(ctx, x, c, note):
            ctx.c = c
            ctx.note = note
            return x * c

        @staticmethod
        def backward(ctx, g):
            return g * ctx.c, None, None

    class Mul(F):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            ctx.seen_needs = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ns["needs"] = ctx.needs_input_grad
            ga = g * b if ctx.needs_input_grad[0] else None
            gb = g * a if ctx.needs_input_grad[1] else None
            return ga, gb

    class AddOneInplace(F):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class SortLike(F):        # second output marked non-differentiable
        @staticmethod
        def forward(ctx, x):
            mask = x > 1.5
            ctx.mark_non_differentiable(mask)
            return x * 2, mask

        @staticmethod
        def backward(ctx, gv, gm):
            return gv * 2

    class TwoOut(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(ns.get("materialize", True))
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ns.setdefault("got", []).append((g1 is None, g2 is None))
            total = 0
            if g1 is not None:
                total = total + g1 * 2
            if g2 is not None:
                total = total + g2 * 3
            return total

    class WrongCount(F):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    class Square(F):          # differentiable backward: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class SquareOnce(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class SquareWrong(F):     # first order off by a factor
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * g

    class SquareWrongSecond(F):   # first order right, second order wrong (x detached)
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x.detach() * g

    class SaveInput(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2

    ns.update(MyExp=MyExp, MulConst=MulConst, Mul=Mul, AddOneInplace=AddOneInplace, SortLike=SortLike,
              TwoOut=TwoOut, WrongCount=WrongCount, Square=Square, SquareOnce=SquareOnce,
              SquareWrong=SquareWrong, SquareWrongSecond=SquareWrongSecond, SaveInput=SaveInput)
    return ns


# ---- Function basics ---------------------------------------------------------------------------------
def test_forward_backward_and_grad_fn_name():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        y = f["MyExp"].apply(x)
        y.sum().backward()
        return y, type(y.grad_fn).__name__, _fresh(x.grad)
    assert_same(program)


def test_non_tensor_arguments():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        y = f["MulConst"].apply(x, 3.0, "label")
        (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
        return y, _fresh(x.grad), y.grad_fn.note
    assert_same(program)


@pytest.mark.parametrize("which", ["both", "first", "second", "none"])
def test_needs_input_grad(which):
    def program(torch):
        f = make_functions(torch)
        a = torch.tensor([1.0, 2.0], requires_grad=which in ("both", "first"))
        b = torch.tensor([3.0, 4.0], requires_grad=which in ("both", "second"))
        y = f["Mul"].apply(a, b)
        if y.requires_grad:
            y.sum().backward()
        return y, f.get("needs"), a, b
    assert_same(program)


def test_saved_tensor_modified_in_place_error():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        h = x * 1
        y = f["SaveInput"].apply(h)
        h.mul_(2)
        return _exc(lambda: y.sum().backward())
    assert_same(program)


def test_saved_output_modified_in_place_error():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        y = f["MyExp"].apply(x)
        y.add_(1)
        return _exc(lambda: y.sum().backward())
    assert_same(program)


def test_saved_tensors_after_backward_error():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        y = f["MyExp"].apply(x)
        y.sum().backward()
        return _exc(lambda: y.grad_fn.saved_tensors), _exc(lambda: y.sum().backward())
    assert_same(program)


def test_mark_dirty_on_nonleaf():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        h = x * 2
        y = f["AddOneInplace"].apply(h)
        same = y is h
        (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
        return same, y, h, type(y.grad_fn).__name__, _fresh(x.grad)
    assert_same(program)


def test_mark_dirty_on_leaf_that_requires_grad():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        return _exc(lambda: f["AddOneInplace"].apply(x)), x
    assert_same(program)


def test_mark_non_differentiable():
    def program(torch):
        f = make_functions(torch)
        x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
        vals, idx = f["SortLike"].apply(x)
        (vals * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
        return vals, idx, _fresh(x.grad)
    assert_same(program)


def test_multiple_outputs_and_materialized_grads():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch)
        a, b = f["TwoOut"].apply(x)
        a.sum().backward()
        return a, b, a.output_nr if hasattr(a, "output_nr") else None, b.output_nr, f["got"], _fresh(x.grad)
    assert_same(program)


def test_set_materialize_grads_false_passes_none():
    def program(torch):
        f = make_functions(torch)
        f["materialize"] = False
        x = _leaf(torch)
        a, b = f["TwoOut"].apply(x)
        b.sum().backward()
        return f["got"], _fresh(x.grad)
    assert_same(program)


def test_wrong_number_of_gradients():
    def program(torch):
        f = make_functions(torch)
        a, b = _leaf(torch), _leaf(torch)
        y = f["WrongCount"].apply(a, b)
        return _exc(lambda: y.sum().backward())
    assert_same(program)


def test_function_without_grad_inputs_gives_plain_tensor():
    def program(torch):
        f = make_functions(torch)
        y = f["MyExp"].apply(torch.tensor([1.0, 2.0]))
        with torch.no_grad():
            z = f["MyExp"].apply(_leaf(torch))
        return y, z
    assert_same(program)


def test_double_backward_through_custom_function():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch, dtype=torch.float64)
        y = f["Square"].apply(x).sum()
        (g,) = torch.autograd.grad(y, x, create_graph=True)
        (gg,) = torch.autograd.grad(g.sum(), x)
        return _fresh(g), _fresh(gg)
    assert_same(program)


def test_once_differentiable_refuses_double_backward():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch, dtype=torch.float64)
        y = f["SquareOnce"].apply(x)
        v = torch.ones(3, dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(y, x, grad_outputs=v, create_graph=True)
        return _fresh(g), g.requires_grad, _exc(lambda: g.sum().backward())
    assert_same(program)


def test_once_differentiable_first_order():
    def program(torch):
        f = make_functions(torch)
        x = _leaf(torch, dtype=torch.float64)
        f["SquareOnce"].apply(x).sum().backward()
        return _fresh(x.grad)
    assert_same(program)


# ---- gradcheck / gradgradcheck ------------------------------------------------------------------------
def _check(torch, checker, fname, raise_exception):
    f = make_functions(torch)
    x = _leaf(torch, dtype=torch.float64)
    fn = getattr(torch.autograd, checker)
    if raise_exception:
        try:
            return fn(f[fname].apply, (x,))
        except Exception as e:  # noqa: BLE001
            return type(e).__name__
    return fn(f[fname].apply, (x,), raise_exception=False)


@pytest.mark.parametrize("checker,fname,expected", [
    ("gradcheck", "Square", True), ("gradcheck", "SquareWrong", False),
    ("gradgradcheck", "Square", True),
    ("gradgradcheck", "SquareWrongSecond", False),
    ("gradcheck", "SquareWrongSecond", True)])
@pytest.mark.parametrize("raise_exception", [False, True])
def test_gradcheck(checker, fname, expected, raise_exception):
    t = _check(real_torch, checker, fname, raise_exception)
    g = _check(glassgrad, checker, fname, raise_exception)
    want = expected if (expected or not raise_exception) else "GradcheckError"
    assert t == want, f"torch itself gave {t!r}"
    assert g == t, f"torch {t!r} vs glassgrad {g!r}"


def test_gradcheck_error_is_runtime_error_subclass():
    for mod in (real_torch, glassgrad):
        f = make_functions(mod)
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
            mod.autograd.gradcheck(f["SquareWrong"].apply, (_leaf(mod, dtype=mod.float64),))


def test_gradcheck_on_builtin_ops_float64():
    def program(torch):
        a = _leaf(torch, 4, dtype=torch.float64)
        b = _leaf(torch, 4, dtype=torch.float64, start=1.5)
        ok1 = torch.autograd.gradcheck(lambda a, b: (a * b.exp() / (1 + a ** 2)).sum(), (a, b))
        ok2 = torch.autograd.gradgradcheck(lambda a, b: (a.sin() * b ** 3), (a, b))
        return ok1, ok2
    assert_same(program)


def test_gradcheck_float32_warns():
    def program(torch):
        x = _leaf(torch, dtype=torch.float32)
        return torch.autograd.gradcheck(lambda x: x * 2, (x,), eps=1e-3, atol=1e-2, raise_exception=False)
    assert_same(program)


# ---- anomaly mode -----------------------------------------------------------------------------------
def _first_lines(warns):
    return [(c, m.split("\n")[0]) for c, m in warns]


def test_detect_anomaly_warning_text():
    def program(torch):
        with torch.autograd.detect_anomaly():
            pass
    assert_same(program)


def test_is_anomaly_enabled():
    def program(torch):
        with torch.autograd.detect_anomaly():
            enabled = torch.is_anomaly_enabled()
        return enabled, torch.is_anomaly_enabled()
    assert_same(program)


def test_anomaly_nan_detection_message():
    def program(torch):
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        with torch.autograd.detect_anomaly():
            y = (x / x).sum()
            y.backward()
    # the forward-trace warning carries file paths: compare the outcome here, the warnings below
    t, g = assert_same(program, warnings_=False)
    assert t[2] == "Function 'DivBackward0' returned nan values in its 1th output."
    tw, gw = observe(program, real_torch)[1], observe(program, glassgrad)[1]
    assert _first_lines(tw) == _first_lines(gw)


def test_anomaly_nan_check_disabled():
    def program(torch):
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        with torch.autograd.detect_anomaly(check_nan=False):
            (x / x).sum().backward()
        return _fresh(x.grad)
    assert_same(program)


def _anomaly_inplace_program(torch):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with torch.autograd.detect_anomaly():
        y = x.sigmoid()  # FORWARD-LINE-MARKER
        y.mul_(2)
        y.sum().backward()


def test_anomaly_inplace_error_hint_and_forward_trace():
    t, g = assert_same(_anomaly_inplace_program, warnings_=False)
    assert t[2].endswith("Hint: the backtrace further above shows the operation that failed to compute its "
                         "gradient. The variable in question was changed in there or anywhere later. Good luck!")
    tw, gw = observe(_anomaly_inplace_program, real_torch)[1], observe(_anomaly_inplace_program, glassgrad)[1]
    assert _first_lines(tw) == _first_lines(gw)
    # the trace names the forward call of the node that failed (the sigmoid), in both
    for ws in (tw, gw):
        trace = [m for c, m in ws if m.startswith("Error detected in")]
        assert trace and "FORWARD-LINE-MARKER" in trace[0], ws


def test_set_detect_anomaly_toggles():
    def program(torch):
        torch.autograd.set_detect_anomaly(True)
        on = torch.is_anomaly_enabled()
        torch.autograd.set_detect_anomaly(False)
        return on, torch.is_anomaly_enabled()
    assert_same(program)


def test_anomaly_error_in_custom_function_backward():
    def program(torch):
        f = make_functions(torch)
        a, b = _leaf(torch), _leaf(torch)
        with torch.autograd.detect_anomaly():
            y = f["WrongCount"].apply(a, b)
            y.sum().backward()
    t, g = assert_same(program, warnings_=False)
    tw, gw = observe(program, real_torch)[1], observe(program, glassgrad)[1]
    assert _first_lines(tw) == _first_lines(gw)


@pytest.mark.parametrize("y_requires_grad", [True, False])
def test_input_returned_as_non_differentiable_output(y_requires_grad):
    """An input marked non-differentiable and returned stays without grad: detached if it required grad, a view
    of the input otherwise, as in PyTorch."""
    def run(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.mark_non_differentiable(y)
                return x * 2, y

            @staticmethod
            def backward(ctx, g, gy):
                return g * 2, None
        x = m.ones(2, requires_grad=True)
        y = m.ones(2, requires_grad=y_requires_grad)
        a, b = F.apply(x, y)
        is_view = b._is_view() if hasattr(b, "_is_view") else b._base is not None
        return a.grad_fn is not None, b.requires_grad, b.grad_fn is None, b.is_leaf, is_view
    assert run(glassgrad) == run(real_torch)
