"""Moving tensors between devices: `Tensor.cuda()`, `.cpu()`, the device part of `.to()`, and `device=` of
the factories.

glassgrad computes on the CPU only. As on a CPU-only PyTorch build, a move to "cuda" raises
`AssertionError: Torch not compiled with CUDA enabled`, and a move to the CPU of a CPU tensor returns the
tensor itself. With CUDA emulation on (`glassgrad.device.emulate_cuda(True)`, which `explain --torch-compat`
turns on), a move to "cuda" makes what a real device copy makes: a new tensor with copied data, recorded as
`ToCopyBackward0` when the source requires grad (so `w = torch.randn(3, requires_grad=True).cuda()` is a
non-leaf, the classic way to lose `.grad`), and gradient flows back through it to the source. The copy
remembers its device, so `.device` says `cuda:0` and `.is_cuda` is True, and `.cpu()` copies it back.

    >>> import glassgrad as torch
    >>> from glassgrad.device import emulate_cuda
    >>> x = torch.ones(2, requires_grad=True)
    >>> with emulate_cuda(True):
    ...     y = x.cuda()
    >>> y.device, y.grad_fn.name(), y.is_leaf
    (device(type='cuda', index=0), 'ToCopyBackward0', False)
    >>> y.sum().backward(); x.grad
    tensor([1., 1.])

Limitations of the emulation (it is a label, not a second memory):
- Only the copies made here (and factory results given `device="cuda"`) carry the mark. Results of ops on
  them (`y * 2`, `y.detach()`, views, gradients) report the CPU; mixing devices in one op is not refused.
- `torch.cuda.is_available()` stays False, and any CUDA index is accepted (no device count to check).
- `memory_format` and `non_blocking` are accepted and have nothing to do.
"""
from .. import _dtype as D
from ..device import cpu as _cpu, device as _device, is_cuda_emulated
from ..explain.events import tracking_event
from ..tensor import _extra
from .creation import TO_COPY
from .registry import apply

__all__ = ["device_of", "cuda", "cpu", "to_device", "place", "is_cuda", "get_device", "check_target"]

MSG_NO_CUDA = "Torch not compiled with CUDA enabled"
MSG_NOT_CUDA = "Invalid device, must be cuda device"
# device types PyTorch knows but a CPU build has no backend for, and what it says for each
_NOT_LINKED = ("ipu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla", "vulkan", "mps")


def device_of(t):
    """The device a tensor reports: its mark (set by a move or a factory), else the CPU."""
    e = t._extra
    if e is not None:
        # NOTE: getattr, so that this reads the CPU before _Extra has a `device` slot
        d = getattr(e, "device", None)
        if d is not None:
            return d
    return _cpu


def is_cuda(t):
    return device_of(t).type == "cuda"


def get_device(t):
    d = device_of(t)
    return -1 if d.type == "cpu" else d.index


def as_device(d):
    """A `device` from what PyTorch accepts as one: a device, a string, or an index."""
    return d if isinstance(d, _device) else _device(d)


def check_target(d):
    """Raises what PyTorch raises for a move to `d` that this build cannot make; returns `d` with its index
    filled in (a bare "cuda" means the current GPU, cuda:0)."""
    t = d.type
    if t == "cpu":
        return d
    if t == "cuda":
        if not is_cuda_emulated():
            raise AssertionError(MSG_NO_CUDA)
        return d if d.index is not None else _device("cuda", 0)
    if t == "xpu":
        raise AssertionError("Torch not compiled with XPU enabled")
    if t in _NOT_LINKED:
        raise RuntimeError(f"PyTorch is not linked with support for {t} devices")
    raise NotImplementedError(f"glassgrad does not implement {t} tensors")


def to_device(input, device=None, dtype=None, copy=False, op="to"):
    """`input.to(device, dtype, copy=copy)`: `input` itself when neither its device nor its dtype changes
    (and no copy is asked for), else one copy (ToCopyBackward0) on `device` (None: where `input` is)."""
    target = device_of(input) if device is None else check_target(as_device(device))
    dt = D.to_dtype(dtype) if dtype is not None else input._dtype
    # NOTE: device("cpu:0") differs from the CPU tensor's device("cpu"), so PyTorch copies: so does this
    if not copy and dt is input._dtype and device_of(input) == target:
        return input
    out = apply(TO_COPY, (input,), {"dtype": dt.np})
    if target.type != "cpu":
        _extra(out).device = target
    if out._grad_fn is not None and input._grad_fn is None and input._requires_grad:
        tracking_event("nonleaf_copy", op, input, out)
    return out


def cuda(t, device=None, non_blocking=False, memory_format=None):
    """`Tensor.cuda(device=None)`: a copy on the GPU (cuda:0 unless `device` says), `t` if it is there."""
    d = _device("cuda", 0) if device is None else as_device(device)
    if d.type != "cuda":
        raise RuntimeError(MSG_NOT_CUDA)
    return to_device(t, d, op="cuda")


def cpu(t, memory_format=None):
    """`Tensor.cpu()`: `t` itself on the CPU, else a copy back (ToCopyBackward0)."""
    return to_device(t, _cpu, op="cpu")


def place(t, device):
    """The `device=` of a factory (zeros, tensor, ...): validates it, marks `t` (a fresh tensor) as living
    there, and returns it. No copy and no graph node: a factory's result is a leaf wherever it lives."""
    if device is None:
        return t
    target = check_target(as_device(device))
    if target.type != "cpu":
        _extra(t).device = target
    return t
