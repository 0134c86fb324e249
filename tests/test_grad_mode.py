"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode, as context managers, function calls
and decorators (functions, methods, generators), their nesting, and their thread-locality.

Every test is differential: `assert_same(program)` runs `program(torch)` and `program(glassgrad)`.
Known differences are kept as strict xfails whose reason starts with "BUG:".
"""
import threading

import pytest

from difftools import assert_same, glassgrad, torch


def bug(reason):
    return pytest.mark.xfail(strict=True, reason="BUG: " + reason)


@pytest.fixture(autouse=True)
def _reset_grad_mode():
    """A failing test must not leave grad mode off (or inference mode on) for the next one."""
    yield
    torch._C._set_grad_enabled(True)
    from glassgrad.autograd import grad_mode
    grad_mode.state.grad_enabled = True
    grad_mode.state.inference = False
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


def flags(x):
    """What a grad mode changes about a tensor."""
    return x.requires_grad, x.is_leaf, None if x.grad_fn is None else x.grad_fn.name(), x.is_inference()


def state(t):
    return t.is_grad_enabled(), t.is_inference_mode_enabled()


def _leaf(t):
    return t.tensor([1., 2.], requires_grad=True)


# =================================================================================================
# Context managers
# =================================================================================================
def _no_grad_ops(t):
    x = _leaf(t)
    with t.no_grad():
        inside = state(t)
        y = x * 2
        z = t.ones(2, requires_grad=True)
        w = z + 1
    return state(t), inside, flags(y), flags(z), flags(w), y, z, w


def _view_of_leaf_in(mode):
    def program(t):
        x = _leaf(t)
        with mode(t):
            views = [x[0], x.view(2), x[:1], x.unsqueeze(0)]
        return [flags(v) for v in views], [v._base is x for v in views]
    return program


def _no_grad_restores_after_exception(t):
    try:
        with t.no_grad():
            raise KeyError("boom")
    except KeyError:
        pass
    return state(t)


def _enable_grad_inside_no_grad(t):
    x = _leaf(t)
    with t.no_grad():
        with t.enable_grad():
            inside = state(t)
            y = x * 2
        after_inner = state(t)
        z = x * 2
    return inside, after_inner, state(t), flags(y), flags(z)


def _nested(t):
    log = []
    with t.no_grad():
        log.append(state(t))
        with t.no_grad():
            log.append(state(t))
            with t.enable_grad():
                log.append(state(t))
                with t.set_grad_enabled(False):
                    log.append(state(t))
                log.append(state(t))
            log.append(state(t))
        log.append(state(t))
    log.append(state(t))
    return log


def _context_value(t):
    with t.no_grad() as a, t.enable_grad() as b, t.set_grad_enabled(True) as c, t.inference_mode() as d:
        return a, b, c, d


def _reused_instance(t):
    ng = t.no_grad()
    log = []
    with ng:
        log.append(state(t))
    log.append(state(t))
    with ng:
        log.append(state(t))
    log.append(state(t))
    return log


def _backward_inside_no_grad(t):
    x = _leaf(t)
    y = (x * 3).sum()
    with t.no_grad():
        y.backward()
    return x


def _optimizer_step_in_no_grad(t):
    x = _leaf(t)
    (x * 3).sum().backward()
    with t.no_grad():
        x -= 0.1 * x.grad
        x.add_(1)
    (x * 3).sum().backward()
    return x, x._version


def _inplace_outside_no_grad_on_leaf(t):
    x = _leaf(t)
    x.add_(1)
    return x


CONTEXTS = {
    "default_state": state,
    "no_grad_ops": _no_grad_ops,
    "view_of_leaf_in_no_grad": _view_of_leaf_in(lambda t: t.no_grad()),
    "no_grad_restores_after_exception": _no_grad_restores_after_exception,
    "enable_grad_inside_no_grad": _enable_grad_inside_no_grad,
    "nested": _nested,
    "as_value_is_none": _context_value,
    "reused_instance": _reused_instance,
    "backward_inside_no_grad": _backward_inside_no_grad,
    "optimizer_step_in_no_grad": _optimizer_step_in_no_grad,
    "inplace_on_leaf_outside_no_grad": _inplace_outside_no_grad_on_leaf,
    "autograd_namespace": lambda t: (t.autograd.no_grad is t.no_grad, t.autograd.enable_grad is t.enable_grad,
                                     t.autograd.set_grad_enabled is t.set_grad_enabled,
                                     t.autograd.inference_mode is t.inference_mode),
}


CONTEXT_BUGS = {}


@pytest.mark.parametrize("program", [
    pytest.param(p, id=k, marks=[bug(CONTEXT_BUGS[k])] if k in CONTEXT_BUGS else [])
    for k, p in CONTEXTS.items()])
def test_context_managers(program):
    assert_same(program)


# =================================================================================================
# set_grad_enabled: function call, context manager, decorator
# =================================================================================================
def _set_as_call(t):
    x = _leaf(t)
    log = [state(t)]
    t.set_grad_enabled(False)
    log.append(state(t))
    y = x * 2
    t.set_grad_enabled(True)
    log.append(state(t))
    z = x * 2
    return log, flags(y), flags(z)


def _set_as_context(t):
    x = _leaf(t)
    with t.set_grad_enabled(False):
        inside = state(t)
        y = x * 2
    with t.no_grad():
        with t.set_grad_enabled(True):
            inside_true = state(t)
            z = x * 2
        after = state(t)
    return inside, inside_true, after, state(t), flags(y), flags(z)


def _set_call_then_with(t):
    """The mode is set by the constructor, and `prev` is read there too."""
    m = t.set_grad_enabled(False)
    between = state(t)
    with m:
        inside = state(t)
    return between, inside, state(t)


def _set_as_decorator(t):
    @t.set_grad_enabled(False)
    def f(x):
        return state(t), x * 2

    after_decoration = state(t)
    inside, y = f(_leaf(t))
    return after_decoration, inside, state(t), flags(y), f.__name__


def _set_decorator_inside_no_grad(t):
    with t.no_grad():
        @t.set_grad_enabled(True)
        def f():
            return state(t)
        after_decoration = state(t)
    return after_decoration, f(), state(t)


SET_GRAD_ENABLED = {
    "as_call": _set_as_call,
    "as_context": _set_as_context,
    "call_then_with": _set_call_then_with,
    "as_decorator": _set_as_decorator,
    "decorator_inside_no_grad": _set_decorator_inside_no_grad,
    "non_bool_mode": lambda t: t.set_grad_enabled(0),
    "none_mode": lambda t: t.set_grad_enabled(None),
    "no_argument": lambda t: t.set_grad_enabled(),
}

SET_GRAD_ENABLED_BUGS = {}


@pytest.mark.parametrize("program", [
    pytest.param(p, id=k, marks=[bug(SET_GRAD_ENABLED_BUGS[k])] if k in SET_GRAD_ENABLED_BUGS else [])
    for k, p in SET_GRAD_ENABLED.items()])
def test_set_grad_enabled(program):
    assert_same(program)


# =================================================================================================
# Decorators
# =================================================================================================
def _decorated(t, make):
    """`make(t)` returns a decorator; the decorated function reports the mode it ran in."""
    deco = make(t)

    @deco
    def f(x, *, k=1):
        """doc of f"""
        return state(t), flags(x * k)

    x = _leaf(t)
    inside, y = f(x, k=3)
    return inside, y, state(t), f.__name__, f.__doc__, f.__wrapped__.__name__


DECORATORS = {
    "no_grad_parens": lambda t: t.no_grad(),
    "no_grad_bare": lambda t: t.no_grad,
    "enable_grad_parens": lambda t: t.enable_grad(),
    "enable_grad_bare": lambda t: t.enable_grad,
    "set_grad_enabled_false": lambda t: t.set_grad_enabled(False),
    "set_grad_enabled_true": lambda t: t.set_grad_enabled(True),
    "inference_mode_parens": lambda t: t.inference_mode(),
    "inference_mode_bare": lambda t: t.inference_mode,
    "inference_mode_false": lambda t: t.inference_mode(False),
}


@pytest.mark.parametrize("make", list(DECORATORS.values()), ids=list(DECORATORS))
def test_decorator_on_function(make):
    assert_same(lambda t: _decorated(t, make))


@pytest.mark.parametrize("make", list(DECORATORS.values()), ids=list(DECORATORS))
def test_decorator_inside_no_grad(make):
    """The decorator applies its own mode, whatever mode the caller is in, and restores the caller's."""
    def program(t):
        with t.no_grad():
            return _decorated(t, make), state(t)
    assert_same(program)


def test_decorator_on_methods():
    def program(t):
        class Model:
            def __init__(self):
                self.w = _leaf(t)

            @t.no_grad()
            def predict(self, x):
                return self.w * x

            @t.no_grad
            def predict_bare(self, x):
                return self.w * x

            @t.enable_grad()
            def train_step(self, x):
                return self.w * x

            @staticmethod
            @t.no_grad()
            def helper(x):
                return state(t), x * 2

            @classmethod
            @t.inference_mode()
            def make(cls):
                return state(t)

        m = Model()
        with t.no_grad():
            trained = m.train_step(2.)
        return (flags(m.predict(2.)), flags(m.predict_bare(2.)), flags(trained), m.helper(_leaf(t))[0],
                flags(m.helper(_leaf(t))[1]), Model.make(), m.predict.__name__, state(t))
    assert_same(program)


def test_decorated_function_restores_mode_after_exception():
    def program(t):
        @t.no_grad()
        def f():
            raise ValueError("inside")
        try:
            f()
        except ValueError as e:
            return str(e), state(t)
    assert_same(program)


def test_decorated_function_is_reentrant():
    def program(t):
        log = []

        @t.no_grad()
        def f(n):
            log.append(state(t))
            if n:
                f(n - 1)
            log.append(state(t))
        f(2)
        return log, state(t)
    assert_same(program)


def test_decorating_a_class():
    def program(t):
        @t.no_grad()
        class C:
            def __init__(self):
                self.mode = state(t)
        return C().mode, state(t)
    assert_same(program)


# =================================================================================================
# Generator functions decorated with a grad mode: the mode holds inside the generator's frame only
# =================================================================================================
def _gen_program(make):
    def program(t):
        log = []

        @make(t)
        def gen(x):
            for i in range(3):
                log.append(("gen", i, state(t)))
                received = yield flags(x * 2)
                log.append(("received", received, state(t)))
            return "done"

        x = _leaf(t)
        g = gen(x)
        log.append(("before first next", state(t)))
        log.append(("first", next(g), state(t)))
        log.append(("send", g.send("hello"), state(t)))
        log.append(("next", next(g), state(t)))
        try:
            g.send("last")
        except StopIteration as stop:
            log.append(("stop", stop.value, state(t)))
        return log, gen.__name__
    return program


GEN_DECORATORS = {
    "no_grad": lambda t: t.no_grad(),
    "no_grad_bare": lambda t: t.no_grad,
    "enable_grad_inside_no_grad_caller": lambda t: t.enable_grad(),
    "inference_mode": lambda t: t.inference_mode(),
    "set_grad_enabled_false": lambda t: t.set_grad_enabled(False),
}


@pytest.mark.parametrize("make", list(GEN_DECORATORS.values()), ids=list(GEN_DECORATORS))
def test_decorated_generator(make):
    assert_same(_gen_program(make))


@pytest.mark.parametrize("make", list(GEN_DECORATORS.values()), ids=list(GEN_DECORATORS))
def test_decorated_generator_consumed_inside_no_grad(make):
    def program(t):
        with t.no_grad():
            return _gen_program(make)(t)
    assert_same(program)


def test_decorated_generator_throw_and_close():
    def program(t):
        log = []

        @t.no_grad()
        def gen():
            try:
                yield 1
            except KeyError as e:
                log.append(("caught", str(e), state(t)))
                yield 2
            finally:
                log.append(("finally", state(t)))

        g = gen()
        log.append(next(g))
        log.append(g.throw(KeyError("k")))
        log.append(state(t))
        g.close()
        log.append(state(t))
        return log
    assert_same(program)


def test_decorated_generator_for_loop_and_list():
    def program(t):
        @t.no_grad()
        def gen(x):
            for i in range(3):
                yield x * i

        x = _leaf(t)
        outs = list(gen(x))
        seen = []
        for y in gen(x):
            seen.append((flags(y), state(t)))
        return outs, seen
    assert_same(program)


# =================================================================================================
# Thread-locality
# =================================================================================================
def _in_thread(f):
    result = []
    th = threading.Thread(target=lambda: result.append(f()))
    th.start()
    th.join()
    return result[0]


def _thread_started_in_no_grad(t):
    x = _leaf(t)
    with t.no_grad():
        seen = _in_thread(lambda: (state(t), flags(x * 2)))
        main = state(t)
    return seen, main


def _thread_changes_do_not_leak(t):
    def work():
        t.set_grad_enabled(False)
        return state(t)
    seen = _in_thread(work)
    return seen, state(t)


def _thread_started_in_inference_mode(t):
    with t.inference_mode():
        seen = _in_thread(lambda: (state(t), t.ones(1).is_inference()))
    return seen


def _threads_interleaved(t):
    """Two threads in different modes at the same time."""
    a_in, b_done = threading.Event(), threading.Event()
    out = {}

    def a():
        with t.no_grad():
            a_in.set()
            b_done.wait(5)
            out["a"] = state(t)

    def b():
        a_in.wait(5)
        out["b"] = state(t)
        b_done.set()

    ths = [threading.Thread(target=a), threading.Thread(target=b)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    return out["a"], out["b"], state(t)


THREADS = {
    "started_in_no_grad": _thread_started_in_no_grad,
    "changes_do_not_leak": _thread_changes_do_not_leak,
    "started_in_inference_mode": _thread_started_in_inference_mode,
    "interleaved": _threads_interleaved,
}


@pytest.mark.parametrize("program", list(THREADS.values()), ids=list(THREADS))
def test_grad_mode_is_thread_local(program):
    assert_same(program)


# =================================================================================================
# inference_mode
# =================================================================================================
def _inference_results(t):
    x = _leaf(t)
    with t.inference_mode():
        inside = state(t)
        y = x * 2
        z = t.ones(2)
    return inside, state(t), flags(x), flags(y), flags(z), y.tolist()


def _inference_false(t):
    with t.inference_mode():
        with t.inference_mode(False):
            inside = state(t)
            z = t.ones(2)
        after = state(t)
    return inside, after, flags(z)


def _inference_in_no_grad(t):
    with t.no_grad():
        with t.inference_mode():
            inside = state(t)
        after = state(t)
    return inside, after, state(t)


def _enable_grad_in_inference(t):
    x = _leaf(t)
    with t.inference_mode():
        with t.enable_grad():
            inside = state(t)
            y = x * 2
    return inside, flags(y)


def _inference_tensor_in_autograd(t):
    with t.inference_mode():
        c = t.ones(2)
    x = _leaf(t)
    return x * c


def _inference_tensor_in_autograd_no_save(t):
    with t.inference_mode():
        c = t.ones(2)
    x = _leaf(t)
    y = x * 2 + c
    y.sum().backward()
    return flags(y), x.grad.tolist()


def _inplace_on_inference_tensor_outside(t):
    with t.inference_mode():
        c = t.ones(2)
    c.add_(1)
    return c


def _inplace_on_inference_tensor_inside(t):
    with t.inference_mode():
        c = t.ones(2)
        c.add_(1)
    return c.tolist(), flags(c)


def _inplace_on_normal_tensor_inside(t):
    x = t.ones(2)
    with t.inference_mode():
        x.add_(1)
    return x, flags(x), x._version


def _requires_grad_inside_inference(t):
    with t.inference_mode():
        z = t.ones(2, requires_grad=True)
        w = z * 2
    return flags(z), flags(w)


def _clone_of_inference_tensor(t):
    with t.inference_mode():
        c = t.ones(2)
    d = c.clone()
    return flags(d), d.requires_grad_().requires_grad, (d * 2).grad_fn is not None


def _version_of_clone_of_inference_tensor(t):
    with t.inference_mode():
        c = t.ones(2)
    return c.clone()._version


def _version_of_inference_tensor(t):
    with t.inference_mode():
        c = t.ones(2)
    return c._version


INFERENCE = {
    "results": _inference_results,
    "view_of_leaf": _view_of_leaf_in(lambda t: t.inference_mode()),
    "mode_false": _inference_false,
    "in_no_grad": _inference_in_no_grad,
    "enable_grad_inside": _enable_grad_in_inference,
    "inference_tensor_saved_for_backward": _inference_tensor_in_autograd,
    "inference_tensor_not_saved": _inference_tensor_in_autograd_no_save,
    "inplace_on_inference_tensor_outside": _inplace_on_inference_tensor_outside,
    "inplace_on_inference_tensor_inside": _inplace_on_inference_tensor_inside,
    "inplace_on_normal_tensor_inside": _inplace_on_normal_tensor_inside,
    "requires_grad_leaf_inside": _requires_grad_inside_inference,
    "clone_outside_is_normal": _clone_of_inference_tensor,
    "version_of_inference_tensor": _version_of_inference_tensor,
    "version_of_clone_of_inference_tensor": _version_of_clone_of_inference_tensor,
    "normal_tensor_is_not_inference": lambda t: (t.ones(1).is_inference(), t.is_inference_mode_enabled()),
}


INFERENCE_BUGS = {
    "version_of_clone_of_inference_tensor": "clone() of an inference tensor outside inference mode has _version 0; "
                                            "PyTorch gives 1",
}


@pytest.mark.parametrize("program", [
    pytest.param(p, id=k, marks=[bug(INFERENCE_BUGS[k])] if k in INFERENCE_BUGS else [])
    for k, p in INFERENCE.items()])
def test_inference_mode(program):
    assert_same(program)
