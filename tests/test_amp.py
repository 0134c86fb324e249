"""Mixed precision against PyTorch's CPU build: torch.autocast (construction, warnings, state functions, nesting,
decorators, threads), the deprecated torch.cuda.amp / torch.cpu.amp spellings, custom_fwd/custom_bwd, and
GradScaler, which switches itself off for CUDA and really scales on the CPU (training loops compared step by step,
skipped steps, scale growth and backoff, state_dict and its errors).

glassgrad has no bfloat16: where PyTorch's CPU autocast dtype is torch.bfloat16, glassgrad reports None (the
stand-in documented in glassgrad.amp.autocast_mode); `_name` maps both to "bfloat16" so the rest is compared."""
import pickle
import threading
import warnings

import pytest

from difftools import assert_same, capture_exc, fresh, glassgrad, torch

import glassgrad.amp.autocast_mode as gg_autocast

LIBS = [torch, glassgrad]


def _name(dtype):
    return "bfloat16" if dtype is None else str(dtype).replace("torch.", "")


def _bf16(lib):
    return getattr(lib, "bfloat16", None)


def _autocast_state(lib):
    return {d: (lib.is_autocast_enabled(d), _name(lib.get_autocast_dtype(d))) for d in ("cpu", "cuda", "mps", "xpu")}


@pytest.fixture(autouse=True)
def restore_autocast_state(monkeypatch):
    # the full-precision note is shown once per process: each test starts as a fresh process would
    monkeypatch.setattr(gg_autocast, "_warned_full_precision", False)
    saved = {lib: (_autocast_state(lib), lib.is_autocast_cache_enabled()) for lib in LIBS}
    gg_saved = (dict(gg_autocast._state.enabled), dict(gg_autocast._state.dtypes), gg_autocast._state.nesting)
    t_dtypes = {d: torch.get_autocast_dtype(d) for d in ("cpu", "cuda", "mps", "xpu")}
    yield
    for device, (enabled, _) in saved[torch][0].items():
        torch.set_autocast_enabled(device, enabled)
        torch.set_autocast_dtype(device, t_dtypes[device])
    torch.set_autocast_cache_enabled(saved[torch][1])
    gg_autocast._state.enabled, gg_autocast._state.dtypes, gg_autocast._state.nesting = gg_saved
    gg_autocast._state.cache_enabled = saved[glassgrad][1]
    assert {lib: (_autocast_state(lib), lib.is_autocast_cache_enabled()) for lib in LIBS} == saved


def _without_full_precision_note(program):
    """program, with glassgrad's note on CPU autocast filtered out (it is tested on its own)."""
    def run(lib):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=gg_autocast.FullPrecisionAutocastWarning)
            return program(lib)
    return run


# ---- torch.autocast ----------------------------------------------------------------------------------------------
AUTOCAST_ARGS = [
    ("cpu", {}), ("cuda", {}), ("cuda", {"dtype": "float16"}), ("cuda", {"enabled": False}), ("cpu", {"dtype":
    "float16"}), ("cpu", {"dtype": "float32"}), ("cpu", {"dtype": "float64"}), ("cpu", {"dtype": "int64"}),
    ("cpu", {"dtype": "bfloat16"}), ("cpu", {"enabled": False, "dtype": "float32"}), ("mps", {}), ("xpu", {}),
    ("mps", {"dtype": "float64"}), ("cuda:0", {}), ("gpu", {}), ("meta", {}), ("lazy", {}), ("opengl", {}),
    ("xla", {}), ("hpu", {}), ("privateuseone", {}), (1, {}), ("cpu", {"enabled": 1}), ("cpu", {"cache_enabled": 0}),
    ("cpu", {"cache_enabled": None}), ("cuda", {"dtype": 1}), ("cpu", {"dtype": 1}),
]


@pytest.mark.parametrize("device,kwargs", AUTOCAST_ARGS, ids=repr)
def test_autocast_construction(device, kwargs):
    def program(lib):
        kw = dict(kwargs)
        if isinstance(kw.get("dtype"), str):
            kw["dtype"] = _bf16(lib) if kw["dtype"] == "bfloat16" else getattr(lib, kw["dtype"])
        a = lib.autocast(device, **kw)
        dtype = a.fast_dtype
        return (a.device, a._enabled, a._cache_enabled,
                _name(dtype) if dtype is None or isinstance(dtype, lib.dtype) else dtype)

    if kwargs.get("dtype") == "bfloat16" and _bf16(glassgrad) is None:
        pytest.skip("glassgrad has no bfloat16 to pass")
    assert_same(program)


def test_autocast_needs_a_device_type_and_a_callable():
    assert_same(lambda lib: lib.autocast())
    assert_same(lambda lib: lib.autocast("cpu", enabled=False)(1))
    assert_same(lambda lib: lib.amp.autocast is lib.autocast)


STATE_CALLS = [
    ("is_autocast_enabled", ()), ("is_autocast_enabled", ("cpu",)), ("is_autocast_enabled", ("mps",)),
    ("is_autocast_enabled", ("meta",)), ("is_autocast_enabled", ("gpu",)), ("is_autocast_enabled", (1,)),
    ("set_autocast_enabled", (True,)), ("set_autocast_enabled", ("cpu", True)), ("set_autocast_enabled", (1,)),
    ("set_autocast_enabled", ("cpu", 1)), ("set_autocast_enabled", ("lazy", True)),
    ("set_autocast_enabled", ("gpu", True)), ("set_autocast_enabled", ()), ("set_autocast_enabled", (1, 2)),
    ("get_autocast_dtype", ("cuda",)), ("get_autocast_dtype", ("mps",)), ("get_autocast_dtype", ("xpu",)),
    ("get_autocast_dtype", ("hpu",)), ("get_autocast_dtype", ("xla",)), ("get_autocast_dtype", ("ipu",)),
    ("get_autocast_dtype", ("mtia",)), ("get_autocast_dtype", ("maia",)), ("get_autocast_dtype", ("meta",)),
    ("get_autocast_dtype", ("cuda:0",)), ("get_autocast_dtype", (1,)), ("get_autocast_dtype", ()),
    ("set_autocast_dtype", ("cuda", "float32")), ("set_autocast_dtype", ("cuda", 1)),
    ("set_autocast_dtype", ("cuda",)), ("set_autocast_cache_enabled", (False,)),
    ("set_autocast_cache_enabled", (1,)), ("set_autocast_cache_enabled", ()), ("is_autocast_cache_enabled", (1,)),
    ("clear_autocast_cache", ()), ("get_autocast_gpu_dtype", ()), ("set_autocast_gpu_dtype", ("float32",)),
    ("is_autocast_cpu_enabled", ()), ("set_autocast_cpu_enabled", (True,)), ("set_autocast_cpu_enabled", (1,)),
    ("get_autocast_xla_dtype", ()), ("is_autocast_xla_enabled", ()), ("is_autocast_ipu_enabled", ()),
    ("set_autocast_ipu_enabled", (True,)),
]


@pytest.mark.parametrize("name,args", STATE_CALLS, ids=repr)
def test_autocast_state_functions(name, args):
    def program(lib):
        real = tuple(getattr(lib, a) if a in ("float32", "float16") else a for a in args)
        out = getattr(lib, name)(*real)
        is_dtype = isinstance(out, lib.dtype) or (out is None and "dtype" in name and name.startswith("get"))
        return (_name(out) if is_dtype else out), _autocast_state(lib)

    assert_same(program)


def test_autocast_availability():
    # NOTE: not "mkldnn": PyTorch warns about that device name once per process, which test_device.py checks
    devices = "cpu cuda mps meta xla hpu ipu xpu mtia maia privateuseone lazy opengl hip vulkan cuda:1".split()
    assert_same(lambda lib: [lib.amp.is_autocast_available(d) for d in devices])
    assert_same(lambda lib: lib.amp.is_autocast_available("gpu"))


def test_autocast_nesting():
    def program(lib):
        seen = [lib.autocast_increment_nesting(), lib.autocast_increment_nesting(), lib.autocast_decrement_nesting(),
                lib.autocast_decrement_nesting()]
        with lib.autocast("cpu", dtype=lib.float16, cache_enabled=False):
            seen.append((_autocast_state(lib), lib.is_autocast_cache_enabled()))
            with lib.autocast("cpu", enabled=False):
                seen.append(_autocast_state(lib))
                with lib.autocast("cuda"):
                    seen.append(_autocast_state(lib))
                seen.append(_autocast_state(lib))
            seen.append(_autocast_state(lib))
        seen.append((_autocast_state(lib), lib.is_autocast_cache_enabled()))
        return seen

    assert_same(_without_full_precision_note(program))


def test_autocast_decorator_and_exceptions():
    def program(lib):
        @lib.autocast("cpu", dtype=lib.float16)
        def inside(x):
            return lib.is_autocast_enabled("cpu"), _name(lib.get_autocast_dtype("cpu")), x

        @lib.amp.autocast(device_type="cpu", enabled=False)
        def off():
            raise KeyError("inside")

        seen = [inside(3), inside.__name__, lib.is_autocast_enabled("cpu"), capture_exc(off),
                lib.is_autocast_enabled("cpu")]
        try:
            with lib.autocast("cpu"):
                raise ValueError("boom")
        except ValueError:
            seen.append(_autocast_state(lib))
        return seen

    assert_same(_without_full_precision_note(program))


def test_entering_with_a_bad_dtype():
    def program(lib):
        a = lib.autocast("cpu", dtype=1)  # disabled, with PyTorch's warning; entering checks the dtype
        return capture_exc(a.__enter__), _autocast_state(lib)

    assert_same(program)


def test_autocast_state_is_per_thread():
    for lib in LIBS:
        seen = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autocast("cpu", dtype=lib.float16):
                t = threading.Thread(target=lambda: seen.append(_autocast_state(lib)))
                t.start()
                t.join()
        assert seen == [_autocast_state(lib)], lib.__name__


def test_cpu_autocast_runs_in_full_precision_with_a_note():
    x = glassgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.warns(gg_autocast.FullPrecisionAutocastWarning,
                      match="^glassgrad: CPU autocast runs in full precision: PyTorch would compute matmuls, "
                            "convolutions and linear layers in this region in bfloat16"):
        with glassgrad.autocast("cpu"):
            y = x @ x
            assert glassgrad.is_autocast_enabled("cpu")
    assert y.dtype is glassgrad.float32 and y.tolist() == [[7.0, 10.0], [15.0, 22.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        with glassgrad.autocast("cpu", dtype=glassgrad.float16):
            pass
        with glassgrad.autocast("cuda", enabled=False), glassgrad.autocast("cpu", enabled=False):
            pass
    assert issubclass(gg_autocast.FullPrecisionAutocastWarning, UserWarning)


def test_cuda_autocast_without_cuda_is_off():
    def program(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        with lib.autocast(device_type="cuda", dtype=lib.float16):
            y = lib.nn.functional.linear(x, x) @ x
            state = _autocast_state(lib)
        y.sum().backward()
        return y, fresh(x.grad), state

    assert_same(program)


# ---- the deprecated spellings ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    "cuda.amp.autocast()", "cuda.amp.autocast(enabled=False)", "cuda.amp.autocast(dtype=lib.float32)",
    "cpu.amp.autocast()", "cpu.amp.autocast(dtype=lib.float16)", "cpu.amp.autocast(dtype=lib.float64)",
    "cuda.amp.GradScaler()", "cuda.amp.GradScaler(enabled=False)", "cpu.amp.GradScaler()",
    "cpu.amp.GradScaler(init_scale=8.0)"])
def test_deprecated_amp_spellings(make):
    def program(lib):
        obj = eval("lib." + make, {"lib": lib})
        if hasattr(obj, "fast_dtype"):
            with obj:
                state = _autocast_state(lib)
            return type(obj).__mro__[1].__name__, obj.device, obj._enabled, _name(obj.fast_dtype), state
        return type(obj).__mro__[1].__name__, obj.is_enabled(), obj.get_scale(), obj.state_dict()

    assert_same(_without_full_precision_note(program))


def test_deprecated_custom_fwd_bwd():
    assert_same(lambda lib: callable(lib.cuda.amp.custom_fwd(cast_inputs=lib.float32)))
    assert_same(lambda lib: lib.cuda.amp.custom_bwd(lambda ctx: 1).__name__)


# ---- custom_fwd / custom_bwd ------------------------------------------------------------------------------------
def _scaled_square(lib, cast_inputs):
    class ScaledSquare(lib.autograd.Function):
        @staticmethod
        @lib.amp.custom_fwd(device_type="cpu", cast_inputs=cast_inputs)
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            ctx.seen = (lib.is_autocast_enabled("cpu"), _name(ctx._dtype), ctx._fwd_used_autocast, _name(x.dtype))
            return x * x * k

        @staticmethod
        @lib.amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            ctx.seen_bwd = lib.is_autocast_enabled("cpu")
            return grad * 2 * x * ctx.k, None

    return ScaledSquare


@pytest.mark.parametrize("cast", [None, "float32", "float64"])
@pytest.mark.parametrize("region", [None, "cpu_off", "cpu_on"])
def test_custom_fwd_bwd(cast, region):
    def program(lib):
        fn = _scaled_square(lib, None if cast is None else getattr(lib, cast))
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        if region is None:
            y = fn.apply(x, 3.0)
        else:
            with lib.autocast("cpu", enabled=region == "cpu_on"):
                y = fn.apply(x, 3.0)
        y.sum().backward()
        return y.detach(), x.grad, y.grad_fn.seen, y.grad_fn.seen_bwd

    assert_same(_without_full_precision_note(program))


def test_custom_fwd_checks():
    assert_same(lambda lib: lib.amp.custom_fwd(lambda ctx: 0))
    assert_same(lambda lib: lib.amp.custom_fwd(device_type=1))
    assert_same(lambda lib: lib.amp.custom_bwd(device_type=1))


# ---- GradScaler ------------------------------------------------------------------------------------------------
SCALER_CASES = ["()", "('cuda')", "('cpu')", "('cpu', init_scale=16.0)", "('cpu', enabled=False)",
                "('cuda', enabled=False)", "('mps')", "('gpu')", "('cpu', growth_factor=1.0)",
                "('cpu', backoff_factor=1.0)", "('cuda', growth_factor=1.0)"]


@pytest.mark.parametrize("args", SCALER_CASES)
def test_grad_scaler_construction(args):
    def program(lib):
        s = eval(f"lib.amp.GradScaler{args}", {"lib": lib})
        return (s.is_enabled(), s.get_scale(), s.state_dict(), s._device, capture_exc(lambda: s.get_growth_factor()),
                s._get_growth_tracker(), lib.GradScaler is lib.amp.GradScaler)

    assert_same(program)


def _problem(lib):
    w = lib.nn.Parameter(lib.tensor([[0.5, -1.0], [0.25, 2.0]]))
    b = lib.nn.Parameter(lib.tensor([0.1, -0.3]))
    frozen = lib.nn.Parameter(lib.tensor([1.0]))  # never gets a gradient
    x = lib.tensor([[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0]])
    target = lib.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    return [w, b, frozen], lambda: ((x @ w.t() + b - target) ** 2).mean()


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("clip", [False, True])
def test_grad_scaler_training_loop(device, clip):
    def program(lib):
        params, loss_fn = _problem(lib)
        opt = lib.optim.SGD(params, lr=0.1, momentum=0.9)
        scaler = lib.amp.GradScaler(device, init_scale=2.0 ** 10, growth_interval=3)
        seen = []
        for step in range(8):
            opt.zero_grad()
            with lib.autocast(device_type=device, enabled=device == "cuda"):
                loss = loss_fn()
            scaled = scaler.scale(loss)
            scaled.backward()
            if step == 4:
                params[0].grad[0, 0] = float("inf")  # a non-finite gradient: the step is skipped
            if step == 6:
                params[1].grad[1] = float("nan")
            if clip:
                scaler.unscale_(opt)
                seen.append(lib.nn.utils.clip_grad_norm_(params[:2], 0.5))
            result = scaler.step(opt)
            scaler.update()
            seen.append((scaled.detach(), params[0].grad, params[1].grad, params[0].detach().clone(),
                         params[1].detach().clone(), scaler.get_scale(), scaler.state_dict(), result))
        return seen

    assert_same(program)


def test_grad_scaler_scale_values_and_containers():
    def program(lib):
        s = lib.amp.GradScaler("cpu", init_scale=4.0)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        doubled = lib.tensor([1.0], dtype=lib.float64)
        return (s.scale(h), s.scale([h, h * 2]), s.scale((h,)), list(s.scale(iter([h]))), s.scale(doubled),
                type(s.scale(iter([h]))).__name__, capture_exc(lambda: s.scale(3)),
                capture_exc(lambda: s.scale([h, 3])), s.scale([[h], (h,)]))

    assert_same(program)


def test_grad_scaler_state_errors():
    def program(lib):
        params, loss_fn = _problem(lib)
        opt = lib.optim.SGD(params, lr=0.1)
        s = lib.amp.GradScaler("cpu")
        seen = [capture_exc(lambda: s.unscale_(opt)), capture_exc(lambda: s.step(opt)),
                capture_exc(lambda: s.update()), capture_exc(lambda: s.load_state_dict({}))]
        s.scale(loss_fn()).backward()
        s.unscale_(opt)
        seen.append(capture_exc(lambda: s.unscale_(opt)))
        seen.append(capture_exc(lambda: pickle.dumps(s)))
        seen.append(capture_exc(lambda: s.step(opt, closure=lambda: 0)))
        s.step(opt)
        seen += [capture_exc(lambda: s.step(opt)), capture_exc(lambda: s.unscale_(opt))]
        s.update()
        opt2 = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        s.scale(loss_fn())
        seen.append(capture_exc(lambda: s.step(opt2)))  # no gradients at all: no inf check recorded
        s2 = lib.amp.GradScaler("cpu")
        s2.scale(loss_fn())
        seen.append(capture_exc(lambda: s2.update()))
        return seen

    assert_same(program)


def test_grad_scaler_new_scale_and_state_dict():
    def program(lib):
        params, loss_fn = _problem(lib)
        opt = lib.optim.SGD(params, lr=0.1)
        s = lib.amp.GradScaler("cpu", init_scale=64.0, growth_factor=4.0, backoff_factor=0.25, growth_interval=5)
        seen = [s.get_scale()]
        s.scale(loss_fn()).backward()
        s.step(opt)
        s.update(new_scale=8.0)
        seen.append((s.get_scale(), s.state_dict()))
        s.scale(loss_fn()).backward()
        s.step(opt)
        s.update(lib.tensor(2.0))
        seen.append(s.get_scale())
        s.scale(loss_fn())
        seen.append(capture_exc(lambda: s.update(lib.tensor([1.0, 2.0]))))
        seen.append(capture_exc(lambda: s.update(lib.tensor(1.0, requires_grad=True))))
        other = lib.amp.GradScaler("cpu")
        other.load_state_dict(s.state_dict())
        seen.append((other.get_scale(), other.state_dict(), other.get_growth_factor(), other.get_backoff_factor(),
                     other.get_growth_interval()))
        other.set_growth_factor(3.0)
        other.set_backoff_factor(0.1)
        other.set_growth_interval(7)
        back = pickle.loads(pickle.dumps(other))
        seen.append((back.state_dict(), back.is_enabled()))
        disabled = lib.amp.GradScaler("cpu", enabled=False)
        disabled.load_state_dict({})
        seen.append((disabled.state_dict(), disabled.get_scale(), disabled.scale(3), disabled.update()))
        return seen

    assert_same(program)


def test_grad_scaler_scale_growth_saturates():
    # growth that would overflow float32 leaves the scale as it is; backoff multiplies in float32
    def program(lib):
        w = lib.nn.Parameter(lib.tensor([1.0]))
        opt = lib.optim.SGD([w], lr=0.0)
        s = lib.amp.GradScaler("cpu", init_scale=2.0 ** 127, growth_factor=2.0, growth_interval=1)
        seen = []
        for _ in range(3):
            s.scale((w * 1e-38).sum()).backward()
            s.step(opt)
            s.update()
            seen.append(s.get_scale())
            opt.zero_grad()
        s2 = lib.amp.GradScaler("cpu", init_scale=3.0, backoff_factor=0.1)
        w.grad = None
        s2.scale((w * float("inf")).sum()).backward()
        s2.step(opt)
        s2.update()
        seen.append(s2.get_scale())
        return seen

    assert_same(program)


def test_grad_scaler_refuses_fp16_gradients():
    def program(lib):
        w = lib.nn.Parameter(lib.tensor([1.0, 2.0], dtype=lib.float16))
        opt = lib.optim.SGD([w], lr=0.1)
        s = lib.amp.GradScaler("cpu")
        s.scale(w.float().sum()).backward()
        return capture_exc(lambda: s.unscale_(opt)), w.grad

    assert_same(program)


def test_disabled_scaler_passes_through():
    def program(lib):
        params, loss_fn = _problem(lib)
        opt = lib.optim.SGD(params, lr=0.1)
        s = lib.amp.GradScaler()  # CUDA: off, with PyTorch's warning
        loss = loss_fn()
        out = s.scale(loss)
        out.backward()
        s.unscale_(opt)
        r = s.step(opt)
        s.update()
        return out is loss, r, params[0].detach(), s.get_scale(), s.state_dict(), s._get_growth_tracker()

    assert_same(program)
