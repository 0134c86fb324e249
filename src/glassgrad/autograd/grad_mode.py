"""Grad modes: thread-local switches, usable as context managers and as decorators."""
import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State(threading.local):
    # NOTE: class attributes are the defaults every new thread starts from.
    grad_enabled = True
    inference = False
    anomaly = False
    anomaly_check_nan = True


state = _State()


def is_grad_enabled():
    return state.grad_enabled


def is_inference_mode_enabled():
    return state.inference


class _Mode:
    """Base of the grad-mode managers: subclasses set `_enter`/`_exit`; decoration re-enters per call."""

    def __call__(self, func):
        if inspect.isclass(func):
            import warnings
            warnings.warn("Decorating classes is deprecated and will be disabled in future versions. You should "
                          "only decorate functions or methods. To preserve the current behavior of class "
                          "decoration, you can directly decorate the `__init__` method and nothing else.",
                          FutureWarning, stacklevel=2)
            func.__init__ = self(func.__init__)
            return func
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return decorated

    def _wrap_generator(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            gen = func(*args, **kwargs)
            with self.clone():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with self.clone():
                        gen.close()
                    raise
                except BaseException as exc:
                    with self.clone():
                        response = gen.throw(exc)
                else:
                    try:
                        with self.clone():
                            response = gen.send(request)
                    except StopIteration as stop:
                        return stop.value
        return decorated

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    __slots__ = ("prev",)

    def __new__(cls, orig_func=None):
        # Supports the bare `@no_grad` form as well as `@no_grad()`.
        self = super().__new__(cls)
        self.prev = None
        if orig_func is not None and callable(orig_func):
            return self(orig_func)
        return self

    def __init__(self, orig_func=None):
        pass

    def __enter__(self):
        self.prev = state.grad_enabled
        state.grad_enabled = False

    def __exit__(self, *exc):
        state.grad_enabled = self.prev


class enable_grad(no_grad):
    __slots__ = ()

    def __enter__(self):
        self.prev = state.grad_enabled
        state.grad_enabled = True


class set_grad_enabled(_Mode):
    """Sets grad mode immediately (like torch: it works as a plain function call too)."""
    __slots__ = ("prev", "mode")

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not "
                            f"{type(mode).__name__}")
        self.prev = state.grad_enabled
        self.mode = mode
        state.grad_enabled = self.mode

    def __call__(self, func):
        state.grad_enabled = self.prev
        return super().__call__(func)

    def clone(self):
        prev = state.grad_enabled
        c = type(self)(self.mode)
        c.prev = prev
        state.grad_enabled = prev
        return c

    def __enter__(self):
        state.grad_enabled = self.mode

    def __exit__(self, *exc):
        state.grad_enabled = self.prev


class inference_mode(_Mode):
    __slots__ = ("mode", "prev")

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self.mode = True
            self.prev = None
            return self(mode)
        return self

    def __init__(self, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return
        self.mode = bool(mode)
        self.prev = None

    def clone(self):
        return type(self)(self.mode)

    def __enter__(self):
        self.prev = (state.grad_enabled, state.inference)
        # NOTE: inference_mode(False) turns grad mode back on, as PyTorch's InferenceMode guard does.
        state.grad_enabled = not self.mode
        state.inference = self.mode

    def __exit__(self, *exc):
        state.grad_enabled, state.inference = self.prev
