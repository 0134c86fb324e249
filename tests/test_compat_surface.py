"""The compatibility surface scripts touch, against PyTorch's CPU build: torch.backends flags, thread counts, the
float32 matmul precision, deterministic algorithms, torch.version, torch.cuda and torch.cpu without CUDA, and the
modules that must import and then say plainly what glassgrad does not do (jit, compile, onnx, hub, tensorboard,
multiprocessing). Every test restores the process-wide state it changes, in both libraries."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from difftools import assert_same, capture_exc, glassgrad, torch

LIBS = [torch, glassgrad]


def _flags(lib):
    b = lib.backends
    m = b.cuda.matmul
    return {"cudnn": (b.cudnn.enabled, b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.allow_tf32,
                      b.cudnn.depthwise_kernel),
            "mkldnn": (b.mkldnn.enabled, b.mkldnn.deterministic),
            "matmul": (m.allow_fp16_reduced_precision_reduction, m.allow_fp16_reduced_precision_reduction_split_k,
                       m.allow_bf16_reduced_precision_reduction, m.allow_bf16_reduced_precision_reduction_split_k,
                       m.allow_fp16_accumulation),
            "sdp": (b.cuda.flash_sdp_enabled(), b.cuda.mem_efficient_sdp_enabled(), b.cuda.math_sdp_enabled(),
                    b.cuda.cudnn_sdp_enabled(), b.cuda.fp16_bf16_reduction_math_sdp_allowed()),
            "precision": lib.get_float32_matmul_precision(),
            "deterministic": (lib.are_deterministic_algorithms_enabled(),
                              lib.is_deterministic_algorithms_warn_only_enabled()),
            "threads": lib.get_num_threads()}


def _restore(lib, saved):
    b = lib.backends
    (b.cudnn.enabled, b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.allow_tf32,
     b.cudnn.depthwise_kernel) = saved["cudnn"]
    b.mkldnn.enabled, b.mkldnn.deterministic = saved["mkldnn"]
    fp16, fp16_k, bf16, bf16_k, acc = saved["matmul"]
    b.cuda.matmul.allow_fp16_reduced_precision_reduction = (fp16, fp16_k)
    b.cuda.matmul.allow_bf16_reduced_precision_reduction = (bf16, bf16_k)
    b.cuda.matmul.allow_fp16_accumulation = acc
    for enable, value in zip((b.cuda.enable_flash_sdp, b.cuda.enable_mem_efficient_sdp, b.cuda.enable_math_sdp,
                              b.cuda.enable_cudnn_sdp, b.cuda.allow_fp16_bf16_reduction_math_sdp), saved["sdp"]):
        enable(value)
    lib.set_float32_matmul_precision(saved["precision"])
    lib.use_deterministic_algorithms(saved["deterministic"][0], warn_only=saved["deterministic"][1])
    if lib.get_num_threads() != saved["threads"]:
        lib.set_num_threads(saved["threads"])


@pytest.fixture(autouse=True)
def restore_global_state():
    saved = {lib: _flags(lib) for lib in LIBS}
    yield
    for lib in LIBS:
        _restore(lib, saved[lib])
    assert {lib: _flags(lib) for lib in LIBS} == saved


def _run(code, env=None):
    """The repr printed on the last line of `code` run in a fresh interpreter (with `env` added)."""
    full_env = {**os.environ, **(env or {})}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=full_env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


# ---- torch.backends ----------------------------------------------------------------------------------------------
def test_backend_defaults_and_availability():
    def program(lib):
        b = lib.backends
        return (_flags(lib)["cudnn"], _flags(lib)["mkldnn"], _flags(lib)["matmul"], _flags(lib)["sdp"],
                b.cudnn.is_available(), b.cudnn.version(), b.cudnn.benchmark_limit, b.cuda.is_built(),
                b.cuda.matmul.allow_tf32, b.cuda.is_flash_attention_available(), b.mps.is_available(),
                b.mps.is_built(), b.mkldnn.is_available(), b.mkldnn.allow_tf32, b.mkl.is_available(),
                b.openmp.is_available(), b.opt_einsum.is_available(), b.opt_einsum.enabled, b.opt_einsum.strategy,
                b.opt_einsum.get_opt_einsum() is None, b.cpu.get_cpu_capability())

    assert_same(program)


FLAG_ASSIGNMENTS = [("cudnn", name, value) for name in ("benchmark", "deterministic", "enabled", "allow_tf32")
                    for value in (True, False, 1, "x", None, np.bool_(True))]
FLAG_ASSIGNMENTS += [("cudnn", "depthwise_kernel", v) for v in ("native", "cudnn", "auto", "foo", 3)]
FLAG_ASSIGNMENTS += [("mkldnn", name, v) for name in ("enabled", "deterministic") for v in (False, True, 0)]
FLAG_ASSIGNMENTS += [("cudnn", "benchmark_limit", 3), ("cudnn", "not_a_flag", 3), ("mkldnn", "allow_tf32", True),
                     ("mkldnn", "allow_tf32", 1)]


@pytest.mark.parametrize("module,name,value", FLAG_ASSIGNMENTS, ids=repr)
def test_backend_flag_assignment(module, name, value):
    def program(lib):
        mod = getattr(lib.backends, module)
        before = getattr(mod, name, "missing")
        try:
            setattr(mod, name, value)
            return before, getattr(mod, name)
        finally:
            # put back what was there, so that the next program starts from the defaults
            if name in ("benchmark_limit", "not_a_flag"):
                object.__setattr__(mod, name, before) if before != "missing" else vars(mod).pop(name, None)
            elif before not in ("missing", None):
                setattr(mod, name, before)

    assert_same(program)


@pytest.mark.parametrize("module", ["cudnn", "cuda", "mps", "mkldnn"])
def test_unknown_backend_attribute(module):
    # NOTE: glassgrad's modules name themselves (module 'glassgrad.backends.cudnn'), as everywhere in glassgrad
    def program(lib):
        return capture_exc(lambda: getattr(lib.backends, module).no_such_flag)[1].replace("glassgrad", "torch")

    assert_same(program)
    with pytest.raises(NotImplementedError, match=r"^torch\.backends\.cudnn\.rnn is part of PyTorch's API"):
        glassgrad.backends.cudnn.rnn


def test_backend_flag_contexts():
    def program(lib):
        b = lib.backends
        seen = []
        with b.cudnn.flags():
            seen.append(_flags(lib)["cudnn"])
            with b.cudnn.flags(enabled=True, benchmark=True, deterministic=True, allow_tf32=False):
                seen.append(_flags(lib)["cudnn"])
            seen.append(_flags(lib)["cudnn"])
        seen.append(_flags(lib)["cudnn"])
        with b.mkldnn.flags(enabled=False, deterministic=True):
            seen.append(_flags(lib)["mkldnn"])
        seen.append(_flags(lib)["mkldnn"])
        try:
            with b.cudnn.flags(benchmark=1):
                pass
        except RuntimeError as e:
            seen.append(str(e))
        seen.append(_flags(lib)["cudnn"])  # a failing check leaves the flags set before it
        b.cudnn.enabled = True
        return seen

    assert_same(program)


def test_cudnn_is_acceptable():
    def program(lib):
        return lib.backends.cudnn.is_acceptable(lib.ones(2)), capture_exc(lambda: lib.backends.cudnn.is_acceptable(1))

    assert_same(program)
    # a tensor cuDNN would take (an emulated CUDA float tensor) gets PyTorch's warning about the missing library
    from glassgrad.device import emulate_cuda
    with emulate_cuda(True):
        x = glassgrad.ones(2).cuda()
    with pytest.warns(UserWarning, match="^PyTorch was compiled without cuDNN/MIOpen support"):
        assert glassgrad.backends.cudnn.is_acceptable(x) is False


MATMUL_ASSIGNMENTS = [("allow_tf32", v) for v in (True, False, 1, "a")]
MATMUL_ASSIGNMENTS += [(f"allow_{k}_reduced_precision_reduction", v) for k in ("fp16", "bf16")
                       for v in (False, (False, False), (True, False), [True], [], [True, True, True], [1], [True, 1],
                                 1, None)]
MATMUL_ASSIGNMENTS += [("allow_fp16_accumulation", v) for v in (True, 1)] + [("foo", 1)]


@pytest.mark.parametrize("name,value", MATMUL_ASSIGNMENTS, ids=repr)
def test_cuda_matmul_flags(name, value):
    def program(lib):
        m = lib.backends.cuda.matmul
        setattr(m, name, value)
        return (m.allow_tf32, m.allow_fp16_reduced_precision_reduction,
                m.allow_fp16_reduced_precision_reduction_split_k, m.allow_bf16_reduced_precision_reduction, m.allow_bf16_reduced_precision_reduction_split_k,
                m.allow_fp16_accumulation, lib.get_float32_matmul_precision())

    assert_same(program)


def test_cuda_matmul_unknown_attribute():
    assert_same(lambda lib: lib.backends.cuda.matmul.no_such_flag)


@pytest.mark.parametrize("switch", ["flash", "mem_efficient", "math", "cudnn"])
@pytest.mark.parametrize("value", [False, True, 1, None])
def test_sdp_switches(switch, value):
    def program(lib):
        c = lib.backends.cuda
        out = getattr(c, f"enable_{switch}_sdp")(value)
        return out, getattr(c, f"{switch}_sdp_enabled")()

    assert_same(program)


def test_sdp_fp16_reduction_and_sdp_kernel():
    def program(lib):
        c = lib.backends.cuda
        c.allow_fp16_bf16_reduction_math_sdp(True)
        seen = [c.fp16_bf16_reduction_math_sdp_allowed(), capture_exc(lambda: c.allow_fp16_bf16_reduction_math_sdp(1))]
        with c.sdp_kernel(enable_flash=False, enable_math=True, enable_mem_efficient=False):
            seen.append([c.flash_sdp_enabled(), c.math_sdp_enabled(), c.mem_efficient_sdp_enabled(),
                         c.cudnn_sdp_enabled()])
        seen.append([c.flash_sdp_enabled(), c.math_sdp_enabled(), c.mem_efficient_sdp_enabled()])
        return seen

    assert_same(program)


def test_backends_load_on_first_use():
    # `import torch; torch.backends.cudnn.benchmark = True` with nothing else imported
    assert _run("""
        import sys
        import glassgrad as torch
        loaded = "glassgrad.backends.cudnn" in sys.modules
        torch.backends.cudnn.benchmark = True
        import glassgrad.backends.mps as mps
        print((loaded, torch.backends.cudnn.benchmark, mps.is_built(), "cudnn" in dir(torch.backends)))
        """) == "(False, True, False, True)"
    assert _run("""
        from glassgrad import torch_compat
        torch_compat.install()
        import torch
        import torch.backends.cudnn as cudnn
        from torch.backends import cuda
        cudnn.deterministic = True
        print((torch.backends.cudnn.deterministic, cuda.matmul.allow_tf32, cudnn.__name__))
        """) == "(True, False, 'glassgrad.backends.cudnn')"
    # glassgrad's own array-module helpers are still there
    from glassgrad import backends
    assert backends.get_array_module(np.ones(1)) is np and callable(backends.quiet)


# ---- matmul precision, threads, determinism ---------------------------------------------------------------------
def test_float32_matmul_precision():
    def program(lib):
        m = lib.backends.cuda.matmul

        def state():
            return (capture_exc(lambda: lib.get_float32_matmul_precision()) or lib.get_float32_matmul_precision(),
                    capture_exc(lambda: m.allow_tf32) or m.allow_tf32, m.fp32_precision)
        seen = [state()]
        for p in ("medium", "high", "HIGH", "low", "highest", 1, None):
            seen.append((capture_exc(lambda: lib.set_float32_matmul_precision(p)), state()))
        steps = [lambda: setattr(m, "allow_tf32", True), lambda: lib.set_float32_matmul_precision("medium"),
                 lambda: setattr(m, "allow_tf32", False),  # leaves oneDNN at bf16: the records disagree
                 lambda: lib.set_float32_matmul_precision(precision="high"),
                 lambda: setattr(m, "fp32_precision", "ieee"), lambda: setattr(m, "fp32_precision", "none"),
                 lambda: setattr(m, "fp32_precision", "tf32"), lambda: setattr(m, "fp32_precision", "bf16"),
                 lambda: setattr(m, "fp32_precision", "IEEE"), lambda: setattr(m, "fp32_precision", 1),
                 lambda: lib.set_float32_matmul_precision("highest"), lambda: lib.set_float32_matmul_precision(),
                 lambda: lib.get_float32_matmul_precision(1)]
        for step in steps:
            seen.append((capture_exc(step), state()))
        return seen

    assert_same(program)


def test_num_threads_checks():
    def program(lib):
        seen = []
        for n in (0, -1, 1.5, "2", True, 2 ** 31, -2 ** 31 - 1, np.int64(1), lib.tensor(1), 1):
            seen.append((capture_exc(lambda: lib.set_num_threads(n)), lib.get_num_threads()))
        return seen

    assert_same(program)


@pytest.mark.parametrize("env", [{}, {"OMP_NUM_THREADS": "1"}, {"MKL_NUM_THREADS": "1", "OMP_NUM_THREADS": "2"},
                                 {"OMP_NUM_THREADS": "64"}], ids=repr)
def test_default_num_threads(env):
    code = "import {} as t; print((t.get_num_threads(), t.get_num_interop_threads()))"
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")} | env

    def run(mod):
        out = subprocess.run([sys.executable, "-c", code.format(mod)], capture_output=True, text=True, env=clean)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert run("glassgrad") == run("torch")


def test_set_num_threads_limits_numpys_blas():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    before = glassgrad.get_num_threads()
    glassgrad.set_num_threads(1)
    try:
        assert glassgrad.get_num_threads() == 1 and blas_threads() == {1}
    finally:
        glassgrad.set_num_threads(before)
    assert blas_threads() == {before}


def test_interop_threads_can_be_set_once():
    code = """
        import {} as t
        def outcome(f):
            try:
                return ("ok", f())
            except Exception as e:
                return (type(e).__name__, str(e))
        print([t.get_num_interop_threads(), outcome(lambda: t.set_num_interop_threads(0)),
               outcome(lambda: t.set_num_interop_threads(1.0)), outcome(lambda: t.set_num_interop_threads(True)),
               outcome(lambda: t.set_num_interop_threads(2 ** 31)), outcome(lambda: t.set_num_interop_threads(3)),
               t.get_num_interop_threads(), outcome(lambda: t.set_num_interop_threads(4)),
               t.get_num_interop_threads()])
        """
    assert _run(code.format("glassgrad")) == _run(code.format("torch"))


def test_deterministic_algorithms():
    def program(lib):
        seen = [(lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled(),
                 lib.get_deterministic_debug_mode())]
        calls = [lambda: lib.use_deterministic_algorithms(True), lambda: lib.use_deterministic_algorithms(True,
                 warn_only=True), lambda: lib.use_deterministic_algorithms(False, warn_only=True),
                 lambda: lib.use_deterministic_algorithms(mode=True), lambda: lib.use_deterministic_algorithms(1),
                 lambda: lib.use_deterministic_algorithms(None), lambda: lib.use_deterministic_algorithms(np.bool_(1)),
                 lambda: lib.use_deterministic_algorithms(True, 1),
                 lambda: lib.use_deterministic_algorithms(True, warn_only=1),
                 lambda: lib.use_deterministic_algorithms(), lambda: lib.set_deterministic_debug_mode("warn"),
                 lambda: lib.set_deterministic_debug_mode("error"), lambda: lib.set_deterministic_debug_mode(0),
                 lambda: lib.set_deterministic_debug_mode(1), lambda: lib.set_deterministic_debug_mode("x"),
                 lambda: lib.set_deterministic_debug_mode(5), lambda: lib.set_deterministic_debug_mode(-1),
                 lambda: lib.set_deterministic_debug_mode(1.0), lambda: lib.set_deterministic_debug_mode(None),
                 lambda: lib.set_deterministic_debug_mode(True), lambda: lib.set_deterministic_debug_mode("default")]
        for call in calls:
            seen.append((capture_exc(call), lib.are_deterministic_algorithms_enabled(),
                         lib.is_deterministic_algorithms_warn_only_enabled(), lib.get_deterministic_debug_mode()))
        return seen

    assert_same(program)


# ---- torch.version -----------------------------------------------------------------------------------------------
def test_version_module():
    def program(lib):
        v = lib.version
        return v.cuda, v.hip, v.rocm, v.xpu, v.debug, sorted(v.__all__), isinstance(v.git_version, str), \
            isinstance(v.__version__, str)

    assert_same(program)
    assert glassgrad.version.__version__ == glassgrad.__version__
    assert glassgrad.version.pytorch == torch.__version__.split("+")[0]


# ---- torch.cuda and torch.cpu without CUDA ----------------------------------------------------------------------
CUDA_CALLS = {
    "is_available": (), "device_count": (), "is_initialized": (), "init": (), "synchronize": (),
    "current_device": (), "get_device_name": (0,), "get_device_properties": (0,), "get_device_capability": (),
    "memory_allocated": (), "max_memory_allocated": (0,), "memory_reserved": (), "max_memory_reserved": (),
    "memory_cached": (), "max_memory_cached": (), "memory_stats": (), "memory_stats_as_nested_dict": (),
    "memory_summary": (), "mem_get_info": (), "reset_peak_memory_stats": (), "reset_max_memory_allocated": (),
    "reset_max_memory_cached": (), "reset_accumulated_memory_stats": (), "empty_cache": (), "ipc_collect": (),
    "set_per_process_memory_fraction": (0.5,), "get_per_process_memory_fraction": (), "is_bf16_supported": (),
    "is_tf32_supported": (), "can_device_access_peer": (0, 1), "manual_seed": (0,), "manual_seed_all": (0,),
    "seed": (), "seed_all": (), "initial_seed": (), "get_rng_state": (), "get_rng_state_all": (),
    "set_rng_state_all": ([],), "get_arch_list": (), "get_gencode_flags": (), "list_gpu_processes": (),
    "utilization": (), "temperature": (), "power_draw": (), "clock_rate": (), "memory_usage": (),
    "device_memory_used": (), "current_stream": (), "default_stream": (), "set_stream": (None,),
    "is_current_stream_capturing": (), "set_device": (0,), "Stream": (), "Event": (),
}


@pytest.mark.parametrize("name", CUDA_CALLS)
def test_cuda_without_cuda(name):
    assert_same(lambda lib: getattr(lib.cuda, name)(*CUDA_CALLS[name]))


@pytest.mark.parametrize("arg", [-1, 0, 2, "cuda", "cuda:1", "cpu", None, 1.5], ids=repr)
def test_cuda_device_selection(arg):
    def program(lib):
        def enter():
            with lib.cuda.device(arg):
                return "entered"
        return (capture_exc(lambda: lib.cuda.set_device(arg)), capture_exc(lambda: lib.cuda.device(arg).idx),
                capture_exc(enter))

    assert_same(program)


def test_cuda_streams_tensor_types_and_errors():
    def program(lib):
        def enter(ctx):
            with ctx:
                return "entered"
        return (capture_exc(lambda: enter(lib.cuda.stream(None))),
                capture_exc(lambda: enter(lib.cuda.device_of(lib.ones(1)))),
                capture_exc(lambda: lib.cuda.FloatTensor(2)), capture_exc(lambda: lib.cuda.LongTensor([1])),
                isinstance(lib.ones(1), lib.cuda.FloatTensor), issubclass(lib.cuda.OutOfMemoryError, RuntimeError),
                lib.cuda.OutOfMemoryError is lib.OutOfMemoryError, lib.cuda.has_half, lib.cuda.has_magma,
                lib.cuda.default_generators, capture_exc(lambda: lib.cuda.nvtx.range_push("a")),
                capture_exc(lambda: lib.cuda.nvtx.range_pop()), lib.cuda.is_bf16_supported(including_emulation=False),
                capture_exc(lambda: lib.cuda.set_rng_state(lib.ones(5, dtype=lib.uint8))))

    assert_same(program)


def test_cuda_amp_submodule_loads_on_first_use():
    assert _run("""
        import sys
        import glassgrad as torch
        before = "glassgrad.cuda.amp" in sys.modules or "glassgrad.amp" in sys.modules
        print((before, torch.cuda.amp.GradScaler.__name__, torch.cuda.amp.autocast.__mro__[1].__module__))
        """) == "(False, 'GradScaler', 'glassgrad.amp.autocast_mode')"


def test_cpu_device_module():
    def program(lib):
        c = lib.cpu

        def enter():
            with c.stream(c.current_stream()):
                return "entered"
        return (c.is_available(), c.device_count(), c.current_device(), c.synchronize(), c.is_initialized(),
                c.set_device(0), enter(), type(c.Stream()).__name__, type(c.Event()).__name__, c.Event().query(),
                c.current_stream().query())

    assert_same(program)


# ---- jit and compile: programs run eagerly ----------------------------------------------------------------------
def _double(x):
    return x * 2


def _deprecations(f):
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = f()
    return result, [str(w.message) for w in caught if w.category is DeprecationWarning]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", ["script", "trace"])
def test_jit_script_and_trace_return_their_argument(name):
    args = (glassgrad.ones(1),) if name == "trace" else ()
    result, deprecations = _deprecations(lambda: getattr(glassgrad.jit, name)(_double, *args))
    _, torch_deprecations = _deprecations(lambda: getattr(torch.jit, name)(_double, *((torch.ones(1),) if args
                                                                                       else ())))
    assert result is _double
    assert deprecations == torch_deprecations[:1]  # PyTorch's own deprecation, then ours
    with pytest.warns(glassgrad.jit.EagerWarning, match=f"^glassgrad: torch.jit.{name} returns _double unchanged: "
                                                        "glassgrad has no TorchScript and runs it eagerly"):
        getattr(glassgrad.jit, name)(_double, *args)


def test_jit_decorators_and_annotations():
    def program(lib):
        j = lib.jit

        @j.ignore
        def a(x):
            return x + 1

        @j.unused
        def b(x):
            return x + 2

        @j.export
        def c(x):
            return x + 3

        d = j.ignore(drop=False)(lambda x: x + 4)
        return (a(1), b(1), c(1), d(1), j.is_scripting(), j.is_tracing(), j.annotate(int, 3), j.Final,
                tuple(j.Attribute(1, int)), j.Attribute(1, int).value, j.wait(j.fork(lambda x: x * 5, 2)))

    assert_same(program)


def test_jit_ignore_drop_warns_as_pytorch():
    assert_same(lambda lib: lib.jit.ignore(drop=True)(_double)(3))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_jit_save_and_load_are_not_implemented(tmp_path):
    with pytest.raises(NotImplementedError, match=r"^torch\.jit\.save is part of PyTorch's API, but glassgrad does not "
                                                  r"implement it"):
        glassgrad.jit.save(_double, tmp_path / "f.pt")
    with pytest.raises(NotImplementedError, match=r"^torch\.jit\.load is part of PyTorch's API"):
        glassgrad.jit.load(tmp_path / "f.pt")
    assert not isinstance(glassgrad.jit.script, glassgrad.jit.ScriptModule)


def _module(lib):
    class Affine(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = lib.nn.Parameter(lib.tensor([[0.5, -1.0], [2.0, 0.25]]))
            self.bias = lib.nn.Parameter(lib.tensor([0.1, -0.2]))
            self.scale = 3

        def forward(self, x):
            return (x @ self.weight.t() + self.bias) * self.scale

    return Affine()


@pytest.fixture
def keep_torch_distribution_validation():
    # NOTE: real torch.compile imports torch._dynamo, which switches torch.distributions' argument validation off
    # for the whole process; later tests in this worker compare against validating PyTorch
    saved = torch.distributions.Distribution._validate_args
    yield
    torch.distributions.Distribution.set_default_validate_args(saved)


@pytest.mark.usefixtures("keep_torch_distribution_validation")
def test_compile_arguments():
    def program(lib):
        f = _double
        return (lib.compile(f, disable=True) is f, capture_exc(lambda: lib.compile(1)),
                capture_exc(lambda: lib.compile(f, mode="bad")),
                capture_exc(lambda: lib.compile(f, mode="default", options={})),
                capture_exc(lambda: lib.compile(f, mode="bad", options={})),
                type(lib.compile(mode="max-autotune")).__name__, lib.compile(_module(lib), disable=True).scale)

    assert_same(program)


def test_compile_returns_functions_unchanged():
    f = _double
    assert glassgrad.compile(f) is f and glassgrad.compile()(f) is f and glassgrad.compile(fullgraph=True)(f) is f

    @glassgrad.compile
    def g(x):
        return x + 1

    @glassgrad.compile(mode="reduce-overhead", dynamic=True)
    def h(x):
        return x + 2

    assert g(1) == 2 and h(1) == 3 and g.__name__ == "g"


@pytest.mark.usefixtures("keep_torch_distribution_validation")
def test_compiled_module_is_wrapped_as_in_pytorch():
    def program(lib):
        m = _module(lib)
        c = lib.compile(m)
        return (type(c).__name__, repr(c).replace("glassgrad", "torch"), list(c.state_dict()), c.weight is m.weight,
                c._orig_mod is m, c.scale, capture_exc(lambda: c.no_such_attribute), c.training,
                c.train(False) is c, m.training, [n for n, _ in c.named_parameters()])

    assert_same(program)
    m = _module(glassgrad)
    c = glassgrad.compile(m)
    x = glassgrad.tensor([[1.0, 2.0]])
    assert glassgrad.equal(c(x), m(x))


# ---- modules that import and then refuse -------------------------------------------------------------------------
def test_onnx():
    assert glassgrad.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match=r"^torch\.onnx\.export is part of PyTorch's API, but glassgrad does "
                                                  r"not implement it"):
        glassgrad.onnx.export(_module(glassgrad), glassgrad.ones(1, 2), "model.onnx")


@pytest.mark.parametrize("env", [{}, {"TORCH_HOME": "/tmp/th"}, {"XDG_CACHE_HOME": "/tmp/xdg"},
                                 {"TORCH_HOME": "~/th2", "XDG_CACHE_HOME": "/tmp/xdg"}], ids=repr)
def test_hub_dir(env, monkeypatch):
    for name in ("TORCH_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert glassgrad.hub.get_dir() == torch.hub.get_dir()
    try:
        for lib in LIBS:
            lib.hub.set_dir("~/somewhere")
        assert glassgrad.hub.get_dir() == torch.hub.get_dir()
    finally:
        torch.hub._hub_dir = None
        glassgrad.hub._hub_dir = None


@pytest.mark.parametrize("call", ["list('a/b')", "help('a/b', 'm')", "load('a/b', 'm')",
                                  "download_url_to_file('http://x/y.pth', '/tmp/y')",
                                  "load_state_dict_from_url('http://x/y.pth')"])
def test_hub_downloads_are_not_implemented(call):
    name = call.split("(")[0]
    with pytest.raises(NotImplementedError, match=rf"^torch\.hub\.{name} is part of PyTorch's API, but glassgrad does "
                                                  r"not implement it: glassgrad does not download"):
        eval(f"glassgrad.hub.{call}")


def test_tensorboard_imports_and_refuses_to_log():
    assert _run("""
        from glassgrad import torch_compat
        torch_compat.install()
        from torch.utils.tensorboard import SummaryWriter
        import torch.utils.tensorboard as tb
        try:
            SummaryWriter("runs/x")
        except NotImplementedError as e:
            print((tb.__name__, str(e).startswith("torch.utils.tensorboard.SummaryWriter is part of PyTorch's API, "
                                                  "but glassgrad does not implement TensorBoard logging")))
        """) == "('glassgrad.utils.tensorboard', True)"


def test_multiprocessing_sharing_strategy():
    def program(lib):
        mp = lib.multiprocessing
        before = mp.get_sharing_strategy()
        try:
            mp.set_sharing_strategy("file_system")
            after = mp.get_sharing_strategy()
            bad = capture_exc(lambda: mp.set_sharing_strategy("bad"))
        finally:
            mp.set_sharing_strategy(before)
        return (before, after, sorted(mp.get_all_sharing_strategies()), bad[0], bad[1].split(",")[0],
                mp.cpu_count() > 0, mp.Process.__name__, callable(mp.Queue), callable(mp.spawn),
                [c.__name__ for c in mp.ProcessRaisedException.__mro__[1:]])

    assert_same(program)


def _child(i, path):
    with open(path, "w") as f:
        f.write(f"child {i} of {os.getpid()}")


def _failing_child(i):
    raise ValueError(f"child {i} failed")


def test_multiprocessing_spawn(tmp_path):
    path = tmp_path / "out.txt"
    assert glassgrad.multiprocessing.spawn(_child, args=(str(path),), nprocs=1, start_method="fork") is None
    assert path.read_text().startswith("child 0 of ")
    with pytest.raises(glassgrad.multiprocessing.ProcessRaisedException, match=r"(?s)-- Process 0 terminated with "
                                                                                r"the following error:.*ValueError: "
                                                                                r"child 0 failed"):
        glassgrad.multiprocessing.spawn(_failing_child, nprocs=1, start_method="fork")
    context = glassgrad.multiprocessing.spawn(_child, args=(str(path),), nprocs=1, join=False, start_method="fork")
    assert len(context.pids()) == 1
    while not context.join():
        pass


def test_star_import_and_dir_list_the_new_names():
    names = _run("""
        import glassgrad
        ns = {}
        exec("from glassgrad import *", ns)
        print(sorted(set(ns) & {"autocast", "compile", "GradScaler", "set_num_threads", "is_autocast_enabled"}))
        """)
    assert names == "['GradScaler', 'autocast', 'compile', 'is_autocast_enabled', 'set_num_threads']"
    for name in ("amp", "cpu", "distributed", "hub", "jit", "multiprocessing", "onnx", "version", "autocast",
                 "GradScaler", "compile", "is_autocast_enabled", "get_autocast_gpu_dtype", "OutOfMemoryError"):
        assert name in dir(glassgrad) and hasattr(torch, name), name
