"""nn.parallel.DistributedDataParallel for a single-process job (see glassgrad.distributed): it needs an
initialized process group as in PyTorch, wraps the module (`.module`, state_dict keys prefixed 'module.'),
passes forward through, and averages gradients over the one rank, which leaves them as they are.

What PyTorch's reducer checks is checked too: without find_unused_parameters, a parameter that got no gradient
in a backward pass makes the next forward fail with PyTorch's error; `no_sync()` turns the bookkeeping off for
gradient accumulation steps.
"""
import contextlib
import warnings

from ...autograd.grad_mode import is_grad_enabled
from ...distributed import distributed_c10d as _c10d
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_MSG_UNUSED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all `forward` function outputs participate "
    "in calculating loss. \nIf you already have done the above, then the distributed data parallel module wasn't "
    "able to locate the output tensors in the return value of your module's `forward` function. Please include "
    "the loss function and the structure of the return value of `forward` of your module when reporting this "
    "issue (e.g. list, dict, iterable).\nParameter indices which did not receive grad for rank 0: {}\n In "
    "addition, you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL to print out "
    "information about which particular parameters did not receive gradient on this rank as part of this error")
_MSG_BROADCAST_BUFFERS = (
    "`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. IMPORTANT: unlike "
    "`broadcast_buffers=False`, `forward_sync_buffers=False` still syncs buffers at init. If you rely on buffers "
    "NOT being synced at init (e.g. rank-local buffers), keep using `broadcast_buffers=False` until "
    "`init_sync_buffers` is available.")


class _Reduction:
    """Which parameters have received their gradient since the last forward that expects a backward pass."""
    __slots__ = ("expected", "ready", "active")

    def __init__(self, count):
        self.expected = count
        self.ready = set()
        self.active = False  # a forward prepared a backward pass and no gradient has been missed yet

    def unfinished(self):
        """The indices still waiting, if a backward pass started (some gradient arrived) but left them out."""
        if not self.active or not self.ready:
            return []
        return [i for i in range(self.expected) if i not in self.ready]


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, bucket_cap_mb_list=None, batched_grad_copy=False,
                 forward_sync_buffers=None):
        super().__init__()
        if (delay_all_reduce_named_params is None) != (param_to_hook_all_reduce is None):
            raise ValueError("delay_all_reduce_named_params and param_to_hook_all_reduce need to be set at the same "
                             "time.")
        self.process_group = _c10d._default_group() if process_group is None else process_group
        ignored = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        self.parameters_to_ignore = ignored
        params = [p for n, p in module.named_parameters() if n not in ignored]
        if not any(p.requires_grad for p in params):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        devices = {p.device for p in params}
        self.is_multi_device_module = len(devices) > 1
        kinds = {d.type for d in devices}
        if len(kinds) != 1:
            raise ValueError(f"DistributedDataParallel's input module must be on the same type of devices, but input "
                             f"module parameters locate in {kinds}.")
        self.device_type = next(iter(kinds))
        if not device_ids or self.device_type == "cpu" or self.is_multi_device_module:
            # NOTE: truthiness as in PyTorch: output_device=0 with a CPU module passes
            if device_ids or output_device:
                raise ValueError(
                    "DistributedDataParallel device_ids and output_device arguments only work with "
                    "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                    f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
            self.device_ids = None
            self.output_device = None
        else:
            self.device_ids = [_index(d) for d in device_ids]
            self.output_device = _index(device_ids[0] if output_device is None else output_device)
        self.static_graph = False
        self.dim = dim
        self.module = module
        self.device = params[0].device
        if broadcast_buffers is not None:
            if forward_sync_buffers is not None:
                warnings.warn("Both `broadcast_buffers` and `forward_sync_buffers` were specified. "
                              "`broadcast_buffers` is deprecated and its value is ignored when "
                              "`forward_sync_buffers` is provided.", FutureWarning, stacklevel=2)
            else:
                warnings.warn(_MSG_BROADCAST_BUFFERS, FutureWarning, stacklevel=2)
        if forward_sync_buffers is None:
            forward_sync_buffers = True if broadcast_buffers is None else broadcast_buffers
        self.forward_sync_buffers = forward_sync_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.mixed_precision = mixed_precision
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is deprecated. Please "
                          "avoid using it.", FutureWarning, stacklevel=2)
        tracked = [p for p in params if p.requires_grad]
        self._reduction = _Reduction(len(tracked))
        for i, p in enumerate(tracked):
            p.register_post_accumulate_grad_hook(_ready_hook(self._reduction, i))
        if static_graph:
            self._set_static_graph()

    def _set_static_graph(self):
        self.static_graph = True

    def forward(self, *inputs, **kwargs):
        if is_grad_enabled() and self.require_backward_grad_sync:
            missing = self._reduction.unfinished()
            if missing and not self.find_unused_parameters:
                raise RuntimeError(_MSG_UNUSED.format(" ".join(str(i) for i in missing)))
            self._reduction.ready = set()
            self._reduction.active = True
        else:
            self._reduction.active = False
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Gradients accumulate locally for the block (no reduction is expected; none is needed with one rank)."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old


def _ready_hook(reduction, index):
    def hook(param):
        if reduction.active:
            reduction.ready.add(index)
            if len(reduction.ready) == reduction.expected:
                reduction.active = False  # the reduction finished
    return hook


def _index(d):
    from ...device import device
    if isinstance(d, int):
        return d
    return device(d).index if not isinstance(d, device) else d.index
