"""torch.amp.GradScaler: loss scaling for mixed-precision training, with PyTorch's state machine, errors and
state_dict.

A scaler for "cuda" switches itself off on a machine without CUDA, with PyTorch's UserWarning, and then passes
everything through (scale() returns its input, step() calls optimizer.step()), so GPU scripts train as they do
on PyTorch's CPU build. A scaler for "cpu" (or any other device type) is on, as in PyTorch: it multiplies the
loss by the scale, divides the gradients back before the step, skips steps whose gradients hold inf or NaN, and
grows or backs off the scale (all in float32, as PyTorch computes them).

    >>> import glassgrad as torch
    >>> w = torch.nn.Parameter(torch.ones(2))
    >>> opt = torch.optim.SGD([w], lr=0.5)
    >>> scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    >>> scaler.scale((w * 3).sum()).backward()
    >>> w.grad
    tensor([3072., 3072.])
    >>> scaler.step(opt)
    >>> scaler.update()
    >>> w.detach(), scaler.get_scale()
    (tensor([-0.5000, -0.5000]), 1024.0)
"""
import collections
import enum
import warnings

import numpy as np

__all__ = ["OptState", "GradScaler"]

MSG_CUDA_OFF = "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling."
_HINT = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_optimizer_state():
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            from .. import cuda
            if not cuda.is_available():
                # NOTE: at the caller's line, also through the torch.cuda.amp / torch.cpu.amp subclasses
                warnings.warn(MSG_CUDA_OFF, UserWarning, stacklevel=2 if type(self) is GradScaler else 3)
                self._enabled = False
        if not self._enabled:
            return
        if growth_factor <= 1.0:
            raise AssertionError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._scale = None  # a float32 0-d tensor, made on first scale()
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._growth_tracker = None  # an int32 0-d tensor: steps since the scale last changed
        self._per_optimizer_states = collections.defaultdict(_fresh_optimizer_state)

    # ---- scaling -------------------------------------------------------------------------------------------
    def _ensure_scale(self):
        if self._scale is None:
            from .. import _dtype, full
            if self._growth_tracker is not None:
                raise AssertionError("_growth_tracker initialized before _scale")
            self._scale = full((), self._init_scale, dtype=_dtype.float32)
            self._growth_tracker = full((), self._init_growth_tracker, dtype=_dtype.int32)
        return self._scale

    def scale(self, outputs):
        """`outputs` (a tensor, or tensors in lists/tuples/iterables) multiplied by the current scale."""
        if not self._enabled:
            return outputs
        from ..tensor import Tensor
        if isinstance(outputs, Tensor):
            return outputs * self._ensure_scale()

        def scaled(value):
            if isinstance(value, Tensor):
                return value * self._ensure_scale()
            if isinstance(value, collections.abc.Iterable):
                items = map(scaled, value)
                return type(value)(items) if isinstance(value, (list, tuple)) else items
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return scaled(outputs)

    def _check_scale_growth_tracker(self, funcname):
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + _HINT)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + _HINT)
        return self._scale, self._growth_tracker

    def _unscale_grads_(self, optimizer, inv_scale, allow_fp16):
        """Multiplies every gradient by `inv_scale` (a float32) in place; {device: float32 0-d tensor, 1 if any
        gradient there holds inf or NaN}. Devices without gradients have no entry."""
        from .. import _dtype, full, no_grad
        from ..backends import get_array_module
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        if not allow_fp16 and any(g.dtype is _dtype.float16 for g in grads):
            raise ValueError("Attempting to unscale FP16 gradients.")
        found = {}
        inv = np.float32(inv_scale)
        with no_grad():
            for grad in grads:
                flag = found.get(grad.device)
                if flag is None:
                    flag = found[grad.device] = full((), 0.0, dtype=_dtype.float32)
                data = grad._data
                xp = get_array_module(data)
                if not bool(xp.isfinite(data).all()):
                    flag.fill_(1.0)
                # NOTE: PyTorch's fused kernel rescales in place without moving the gradient's version counter
                with np.errstate(all="ignore"):
                    if data.flags.writeable:
                        xp.multiply(data, inv.astype(data.dtype), out=data)
                    else:  # a gradient glassgrad stored as a read-only view: replace it
                        grad._data = data * inv.astype(data.dtype)
        return found

    def unscale_(self, optimizer):
        """Divides the optimizer's gradients by the scale, once per step (for clipping them before step())."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # NOTE: the reciprocal is taken in float64 and rounded to float32, as PyTorch does
        inv = np.float32(1.0 / np.float64(self._scale.item()))
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv, False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step(*args, **kwargs) unless the gradients (unscaled first if need be) hold inf or NaN;
        returns what step returned, or None when skipped."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if not state["found_inf_per_device"]:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            result = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return result

    def update(self, new_scale=None):
        """Sets the scale for the next iteration: `new_scale`, or backed off after a skipped step, grown after
        `growth_interval` steps without one."""
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                scale.fill_(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or torch.FloatTensor "
                          "with requires_grad=False.")
                if new_scale.device.type != self._device or new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError(reason)
                scale.copy_(new_scale)
        else:
            found = [f for s in self._per_optimizer_states.values() for f in s["found_inf_per_device"].values()]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            self._update_scale(scale, tracker, sum(f.item() for f in found))
        self._per_optimizer_states = collections.defaultdict(_fresh_optimizer_state)

    def _update_scale(self, scale, tracker, found_inf):
        # NOTE: PyTorch's update in float32: a backoff resets the count; growth happens on the growth_interval-th
        # clean step, and only if the grown scale is finite
        current = np.float64(scale.item())
        if found_inf:
            with np.errstate(all="ignore"):
                scale.fill_(float(np.float32(current * self._backoff_factor)))
            tracker.fill_(0)
            return
        successful = int(tracker.item()) + 1
        if successful == self._growth_interval:
            with np.errstate(all="ignore"):
                grown = np.float32(current * self._growth_factor)
            if np.isfinite(grown):
                scale.fill_(float(grown))
            tracker.fill_(0)
        else:
            tracker.fill_(successful)

    # ---- settings and state ------------------------------------------------------------------------------
    def get_scale(self):
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else int(self._growth_tracker.item())

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning of an iteration, "
                                     "or at the end after scaler.update().")
            # the tensors are rebuilt from these on first use after unpickling
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
