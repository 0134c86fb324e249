"""torch.backends.cpu: the vector instruction set PyTorch's CPU kernels would pick on this machine."""
__all__ = ["get_cpu_capability"]


def get_cpu_capability():
    """'AVX512', 'AVX2' or 'DEFAULT' from the CPU's flags on x86 Linux (PyTorch's choice there); 'DEFAULT'
    where they cannot be read. NOTE: PyTorch also honours ATEN_CPU_CAPABILITY, and names other architectures'
    sets (VSX, SVE256...); glassgrad reports only what NumPy's own dispatch would also see."""
    try:
        with open("/proc/cpuinfo") as f:
            line = next((ln for ln in f if ln.startswith("flags")), "")
    except OSError:
        return "DEFAULT"
    have = set(line.split(":", 1)[-1].split())
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= have:
        return "AVX512"
    if {"avx2", "fma"} <= have:
        return "AVX2"
    return "DEFAULT"


from .._missing import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
