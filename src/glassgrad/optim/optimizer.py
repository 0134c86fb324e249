"""Optimizer: the base class every glassgrad optimizer shares, with PyTorch's param groups, state and
state_dict format.

>>> import glassgrad as torch
>>> from glassgrad import optim
>>> w = torch.tensor([1., 2.], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
tensor([0.8000, 1.6000], requires_grad=True)
"""
import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from copy import deepcopy
from itertools import chain

from ..explain.events import tracking_event, why
from ..tensor import Tensor
from .._typename import typename
from ..ops.creation import zeros_like
from ..ops.creation import tensor
from ..autograd.graph import RemovableHandle
from ..autograd.grad_mode import enable_grad, set_grad_enabled
from .._dtype import float32, float64, get_default_dtype

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook", "required"]


class _HookDict(OrderedDict):
    """An OrderedDict a RemovableHandle can reference weakly (a plain OrderedDict cannot be)."""


_global_optimizer_pre_hooks = _HookDict()
_global_optimizer_post_hooks = _HookDict()


class _RequiredParameter:
    """Marks a hyper-parameter every param group must give (SGD's lr once was)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()




def _use_grad_for_differentiable(func):
    """Runs step() with grad mode set to the optimizer's `differentiable` flag (no_grad by default)."""
    @functools.wraps(func)
    def _use_grad(self, *args, **kwargs):
        with set_grad_enabled(bool(self.defaults["differentiable"])):
            return func(self, *args, **kwargs)
    return _use_grad


def _closure_loss(closure):
    """Re-evaluates the model through `closure` with grad mode on (step() itself runs under no_grad)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _get_value(x):
    return x.item() if isinstance(x, Tensor) else x


def _to_scalar(x):
    """A 1-element hyper-parameter tensor becomes 0-d; anything else is kept."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _get_scalar_dtype(is_fused=None):
    if is_fused:
        return float32
    return float64 if get_default_dtype() == float64 else float32


def zero_grads(params, set_to_none=True):
    """Optimizer.zero_grad's and Module.zero_grad's work: each gradient set to None, or detached and zeroed in
    place."""
    for p in params:
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if g.grad_fn is not None:
                g.detach_()
            else:
                g.requires_grad_(False)
            g.zero_()


def _step_tensor(group, value=0.0):
    """The per-parameter `step` counter: a 0-d float tensor (float32, or float64 under a float64 default),
    as PyTorch keeps it since 1.12 so that capturable/fused kernels can read it."""
    fused = group.get("fused")
    if group.get("capturable") or fused:
        return tensor(float(value), dtype=_get_scalar_dtype(is_fused=fused))
    return tensor(float(value), dtype=_get_scalar_dtype())


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_nonneg(name, value):
    """The 'Invalid <name> value: <value>' checks PyTorch's optimizers share."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def register_optimizer_step_pre_hook(hook):
    """Registers hook(optimizer, args, kwargs) -> None or (args, kwargs), run before every optimizer's step."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """Registers hook(optimizer, args, kwargs), run after every optimizer's step."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


class Optimizer:
    r"""Base class for all optimizers.

    Args:
        params: an iterable of tensors (or of (name, tensor) pairs), or of dicts defining parameter groups
        defaults: the default value of each optimization option, used where a group does not give it
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = _HookDict()
        self._optimizer_step_post_hooks = _HookDict()
        self._optimizer_state_dict_pre_hooks = _HookDict()
        self._optimizer_state_dict_post_hooks = _HookDict()
        self._optimizer_load_state_dict_pre_hooks = _HookDict()
        self._optimizer_load_state_dict_post_hooks = _HookDict()
        self._patch_step_function()

        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + typename(params))

        self.state = defaultdict(dict)
        self.param_groups = []

        # NOTE: as in PyTorch, a top-level set is accepted (list() orders it); only a set inside a group dict
        # is refused, by add_param_group.
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, _HookDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)
        # NOTE: PyTorch's per-optimizer __setstate__: options that older state dicts lack get their defaults, and
        # step counts saved as numbers become tensors
        for group in self.param_groups:
            for key, value in self._GROUP_DEFAULTS.items():
                group.setdefault(key, value)
            for p in group["params"]:
                p_state = self.state.get(p)
                if p_state:
                    self._upgrade_state(group, p_state)

    _GROUP_DEFAULTS = {}  # per optimizer: {option: default} for param groups loaded from older state dicts

    def _gather(self, group, buffers):
        """The group's parameters that have a gradient, their gradients, one list per state buffer (created as
        zeros with a step counter on a parameter's first step) and the step counters."""
        params, grads, steps = [], [], []
        lists = [[] for _ in buffers]
        for p in group["params"]:
            if p.grad is None:
                continue
            params.append(p)
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor(group)
                for name in buffers:
                    state[name] = zeros_like(p)
            for out, name in zip(lists, buffers):
                out.append(state[name])
            steps.append(state["step"])
        return (params, grads, *lists, steps)

    def _upgrade_state(self, group, p_state):
        if "step" in p_state and not isinstance(p_state["step"], Tensor):
            p_state["step"] = _step_tensor(group, p_state["step"])

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        format_string += ")"
        return format_string

    # ---- step hooks ---------------------------------------------------------------------------------
    @staticmethod
    def profile_hook_step(func):
        """Wraps a class's step so that the global and per-instance step hooks run around it."""
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            for pre_hook in chain(_global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
                result = pre_hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{func} must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
            tracking_event("optimizer_step", "step", self, None)
            out = func(*args, **kwargs)
            for post_hook in chain(self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()):
                post_hook(self, args, kwargs)
            return out
        return wrapper

    def _patch_step_function(self):
        self._zero_grad_profile_name = f"Optimizer.zero_grad#{self.__class__.__name__}.zero_grad"
        if not getattr(self.__class__.step, "hooked", None):
            self.__class__.step = self.profile_hook_step(self.__class__.step)
            self.__class__.step.hooked = True

    def register_step_pre_hook(self, hook):
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    @staticmethod
    def _register(store, hook, prepend):
        handle = RemovableHandle(store)
        store[handle.id] = hook
        if prepend:
            store.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- state_dict ---------------------------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}.

        NOTE: as in PyTorch, the per-parameter state dicts and their tensors are the optimizer's own objects,
        not copies: save them (glassgrad.save) or deep-copy them to keep a snapshot.
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update({id(p): i for i, p in enumerate(group["params"], start_index)
                                   if id(p) not in param_mappings})
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            hook_result = post_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups, key=None):
        # NOTE: floating state follows the parameter's dtype; `step` is never cast unless fused/capturable
        # (pytorch/pytorch#74424). Like Tensor.to, an unchanged dtype returns the very same tensor.
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if (capturable or fused) and value.dtype != float32:
                return value.to(float32)
            return value
        if param.is_floating_point() and value.dtype != param.dtype:
            return value.to(param.dtype)
        return value

    def load_state_dict(self, state_dict):
        """Loads a state_dict() result: state is matched to this optimizer's parameters by order."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            hook_result = pre_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def _cast(param, value, param_id=None, param_groups=None, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(param, value, param_id, param_groups,
                                                                          key)
            if isinstance(value, dict):
                return {k: _cast(param, v, param_id=param_id, param_groups=param_groups, key=k)
                        for k, v in value.items()}
            if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
                return type(value)(_cast(param, v, param_id=param_id, param_groups=param_groups) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v, param_id=k, param_groups=state_dict["param_groups"])
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # ---- gradients and groups -----------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Sets every parameter's .grad to None (default) or zeros it in place, detached."""
        tracking_event("zero_grad", "zero_grad", self, None)
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Adds a group (a dict with 'params' and optional per-group options) to param_groups."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) == len(tensors):
                param_group["param_names"] = names
            else:
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor" + why("optimizer_non_leaf", param))

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          UserWarning, stacklevel=3)

        param_set = set()
        for group in self.param_groups:
            param_set.update(set(group["params"]))
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {current} to the optimizer")
        if not param_set.isdisjoint(set(param_group["params"])):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
