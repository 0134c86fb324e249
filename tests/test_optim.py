"""glassgrad.optim against torch.optim: the same start parameters and the same loss in each library, ten
steps, then parameters (1e-5 relative), version counters and the whole state_dict (keys, dtypes, step counts,
state values) compared; param groups, grads that stay None, state_dict round trips and the errors PyTorch
raises for invalid arguments.
"""
import copy

import numpy as np
import pytest

from difftools import assert_same, bug, fresh, glassgrad, torch
import glassgrad.optim  # noqa: F401  (glassgrad.optim is a submodule until glassgrad/__init__ imports it)

RTOL, ATOL = 1e-5, 1e-6
_rng = np.random.default_rng(0)
W0 = _rng.standard_normal((3, 4)).astype(np.float32)
B0 = _rng.standard_normal(4).astype(np.float32)
U0 = _rng.standard_normal(2).astype(np.float32)
X = _rng.standard_normal((5, 3)).astype(np.float32)
T = _rng.standard_normal((5, 4)).astype(np.float32)


def make_params(mod, dtype=np.float32):
    """W and b take part in the loss; u never gets a gradient."""
    return [mod.tensor(a.astype(dtype), requires_grad=True) for a in (W0, B0, U0)]


def loss_fn(mod, params):
    w, b, _ = params
    y = (mod.tensor(X).to(w.dtype) @ w + b).tanh()
    return ((y - mod.tensor(T).to(w.dtype)) ** 2).mean() + 0.05 * (w * w).sum()


def train(mod, name, kwargs, steps=10, params=None, groups=None, opt=None):
    params = make_params(mod) if params is None else params
    if opt is None:
        opt = getattr(mod.optim, name)(params if groups is None else groups(params), **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(mod, params).backward()
        opt.step()
    return params, opt


def _np(t):
    return t.detach().numpy()


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


def compare_state_dicts(t_sd, g_sd, exact=False, versions=True):
    t_groups = [dict(g) for g in t_sd["param_groups"]]
    g_groups = [dict(g) for g in g_sd["param_groups"]]
    assert [list(g) for g in t_groups] == [list(g) for g in g_groups], "param_group keys (and their order) differ"
    assert t_groups == g_groups, f"param_groups differ:\ntorch:     {t_groups}\nglassgrad: {g_groups}"
    assert list(t_sd["state"]) == list(g_sd["state"]), "state indices differ"
    for i, t_state in t_sd["state"].items():
        g_state = g_sd["state"][i]
        assert list(t_state) == list(g_state), f"state[{i}] keys differ: {list(t_state)} vs {list(g_state)}"
        for k, tv in t_state.items():
            gv = g_state[k]
            assert isinstance(gv, glassgrad.Tensor), f"state[{i}][{k!r}] is {type(gv).__name__}, not a Tensor"
            assert (_dtype(tv), tuple(tv.shape)) == (_dtype(gv), tuple(gv.shape)), f"state[{i}][{k!r}]"
            if versions:
                assert tv._version == gv._version, f"state[{i}][{k!r}] version: {tv._version} vs {gv._version}"
            if k == "step" or exact:
                np.testing.assert_array_equal(_np(gv), _np(tv), err_msg=f"state[{i}][{k!r}]")
            else:
                np.testing.assert_allclose(_np(gv), _np(tv), rtol=RTOL, atol=ATOL, err_msg=f"state[{i}][{k!r}]")


def compare_runs(t_run, g_run, versions=True):
    """versions=False for fused=True: PyTorch's fused CPU kernels write without bumping version counters;
    glassgrad runs the per-tensor update, whose in-place ops do bump them."""
    (t_params, t_opt), (g_params, g_opt) = t_run, g_run
    for i, (tp, gp) in enumerate(zip(t_params, g_params)):
        np.testing.assert_allclose(_np(gp), _np(tp), rtol=RTOL, atol=ATOL, err_msg=f"parameter {i}")
        assert (gp.is_leaf, gp.requires_grad, gp.grad_fn) == (True, True, None), f"parameter {i}: flags"
        if versions:
            assert gp._version == tp._version, f"parameter {i}: version {gp._version} vs torch {tp._version}"
    compare_state_dicts(t_opt.state_dict(), g_opt.state_dict(), versions=versions)


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "maximize": True, "foreach": False}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.5}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "centered": True, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-5, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "fused": True}),
    ("Adam", {"fused": True}),
    ("AdamW", {"fused": True, "amsgrad": True}),
    ("Adagrad", {"fused": True}),
]


def _id(case):
    return case[0] + "-" + "-".join(f"{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize("name,kwargs", CASES, ids=[_id(c) for c in CASES])
def test_ten_steps_match_torch(name, kwargs):
    """Parameters, version counters and state after 10 steps; u (grad None) is untouched and (except for
    Adagrad, which creates every state at construction, as PyTorch does) has no state."""
    t_run, g_run = train(torch, name, kwargs), train(glassgrad, name, kwargs)
    compare_runs(t_run, g_run, versions=not kwargs.get("fused"))
    g_params, g_opt = g_run
    np.testing.assert_array_equal(_np(g_params[2]), U0)
    assert g_params[2]._version == 0 and g_params[2].grad is None
    assert (g_params[2] in g_opt.state) == (name == "Adagrad")


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam"])
def test_param_groups_with_their_own_options(name):
    extra = {"SGD": {"momentum": 0.5}, "Adam": {"betas": (0.5, 0.9)}, "RMSprop": {"centered": True},
             "Adagrad": {"lr_decay": 0.5}, "NAdam": {"momentum_decay": 0.1}}[name]

    def groups(params):
        return [{"params": [params[0]], **extra}, {"params": [params[1], params[2]], "lr": 0.2}]
    compare_runs(train(torch, name, {"lr": 0.05}, groups=groups), train(glassgrad, name, {"lr": 0.05}, groups=groups))


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"amsgrad": True}),
                                         ("NAdam", {}), ("Adagrad", {}), ("RMSprop", {"centered": True})])
def test_state_dict_round_trip_continues_identically(name, kwargs):
    # uninterrupted: 8 steps
    ref_params, _ = train(glassgrad, name, kwargs, steps=8)
    # 4 steps, a checkpoint (deep-copied, as saving does), a new optimizer on new parameter objects, 4 steps
    params, opt = train(glassgrad, name, kwargs, steps=4)
    saved = copy.deepcopy(opt.state_dict())
    params2 = [glassgrad.tensor(_np(p).copy(), requires_grad=True) for p in params]
    opt2 = getattr(glassgrad.optim, name)(params2, **kwargs)
    opt2.load_state_dict(saved)
    assert [list(opt2.state[p]) for p in params2] == [list(saved["state"].get(i, {})) for i in range(3)]
    train(glassgrad, name, kwargs, steps=4, params=params2, opt=opt2)
    for p, q in zip(ref_params, params2):
        np.testing.assert_array_equal(_np(q), _np(p))
    # and the same checkpoint in torch continues to the same place
    t_params, t_opt = train(torch, name, kwargs, steps=4)
    t_saved = copy.deepcopy(t_opt.state_dict())
    t_params2 = [torch.tensor(_np(p).copy(), requires_grad=True) for p in t_params]
    t_opt2 = getattr(torch.optim, name)(t_params2, **kwargs)
    t_opt2.load_state_dict(t_saved)
    train(torch, name, kwargs, steps=4, params=t_params2, opt=t_opt2)
    for tp, gp in zip(t_params2, params2):
        np.testing.assert_allclose(_np(gp), _np(tp), rtol=RTOL, atol=ATOL)


def _load_semantics(mod):
    """load_state_dict shares same-dtype state tensors (as Tensor.to does), casts them to a float64
    parameter's dtype, and never casts `step`; state_dict() hands out the live state."""
    p = mod.tensor([1., 2.], requires_grad=True)
    opt = mod.optim.Adam([p], lr=0.1)
    p.grad = mod.tensor([0.5, -1.])
    opt.step()
    sd = opt.state_dict()
    q = mod.tensor([1., 2.], requires_grad=True)
    opt2 = mod.optim.Adam([q])
    opt2.load_state_dict(sd)
    r = mod.tensor([1., 2.], dtype=mod.float64, requires_grad=True)
    opt3 = mod.optim.Adam([r])
    opt3.load_state_dict(sd)
    return (sd["state"][0] is opt.state[p], opt2.state[q]["exp_avg"] is opt.state[p]["exp_avg"],
            opt2.param_groups[0]["lr"], opt2.param_groups[0]["params"][0] is q,
            opt3.state[r]["exp_avg"].dtype, opt3.state[r]["step"].dtype, opt3.state[r]["exp_avg_sq"],
            opt2.param_groups[0] is sd["param_groups"][0])


def test_load_state_dict_sharing_and_casting():
    assert_same(_load_semantics)


def _load_mismatch(n_groups, sizes):
    def program(mod):
        ps = [mod.zeros(2, requires_grad=True) for _ in range(3)]
        src = mod.optim.SGD([{"params": ps[:2]}, {"params": ps[2:]}], lr=0.1)
        groups = [{"params": ps[:k]} for k in sizes][:n_groups]
        mod.optim.SGD(groups, lr=0.1).load_state_dict(src.state_dict())
    return program


@pytest.mark.parametrize("n_groups,sizes", [(1, [3]), (2, [1, 2]), (2, [2, 1])])
def test_load_state_dict_errors(n_groups, sizes):
    assert_same(_load_mismatch(n_groups, sizes))


def _zero_grad(set_to_none):
    def program(mod):
        p = mod.tensor([1., 2.], requires_grad=True)
        opt = mod.optim.SGD([p], lr=0.1)
        (p * p).sum().backward()
        g = p.grad
        v0 = g._version  # NOTE: an accumulated grad's absolute version is a PyTorch buffer artifact
        opt.zero_grad(set_to_none=set_to_none)
        return fresh(p.grad), p.grad is g, fresh(g), g._version - v0, g.requires_grad
    return program


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    assert_same(_zero_grad(set_to_none))


def _step_semantics(mod):
    """step() runs under no_grad (the parameter stays a leaf), its closure with grad on, and returns the loss."""
    p = mod.tensor([1., -2.], requires_grad=True)
    opt = mod.optim.SGD([p], lr=0.1, momentum=0.9)
    seen = []

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        seen.append(mod.is_grad_enabled())
        loss.backward()
        return loss
    loss = opt.step(closure)
    return (loss.detach(), seen, p.detach(), p._version, p.is_leaf, p.grad_fn, mod.is_grad_enabled(),
            opt.state[p]["momentum_buffer"])


def test_step_closure_and_no_grad():
    assert_same(_step_semantics)


def _step_hooks(mod):
    p = mod.tensor([1.], requires_grad=True)
    opt = mod.optim.Adam([p])
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", type(o).__name__)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", len(o.state))))
    p.grad = mod.ones(1)
    opt.step()
    h1.remove()
    opt.step()
    return calls


def test_step_hooks():
    assert_same(_step_hooks)


def _global_step_hooks(mod):
    from importlib import import_module
    optimizer = import_module(mod.__name__ + ".optim.optimizer")
    calls = []
    pre = optimizer.register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", args[1:])))
    post = optimizer.register_optimizer_step_post_hook(lambda o, args, kwargs: calls.append(("post", kwargs)))
    try:
        p = mod.tensor([1.], requires_grad=True)
        opt = mod.optim.SGD([p], lr=0.1)
        opt.step()
        opt.step(closure=None)
    finally:
        pre.remove()
        post.remove()
    opt.step()
    return calls


def test_global_step_hooks():
    assert_same(_global_step_hooks)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                                  "RAdam"])
def test_repr_and_defaults(name):
    def program(mod):
        opt = getattr(mod.optim, name)([mod.zeros(2, requires_grad=True)])
        return repr(opt), opt.defaults
    assert_same(program)


def test_step_dtype_follows_default_dtype():
    def program(mod):
        old = mod.get_default_dtype()
        mod.set_default_dtype(mod.float64)
        try:
            p = mod.tensor([1., 2.], requires_grad=True)
            opt = mod.optim.Adam([p])
            p.grad = mod.ones(2, dtype=p.dtype)
            opt.step()
            return opt.state[p]["step"], p
        finally:
            mod.set_default_dtype(old)
    assert_same(program)


def _error(build):
    def program(mod):
        p = mod.zeros(2, requires_grad=True)
        build(mod, p)
    return program


ERRORS = {
    "non_leaf": lambda m, p: m.optim.SGD([p * 2], lr=0.1),
    "empty": lambda m, p: m.optim.Adam([]),
    "tensor_not_iterable": lambda m, p: m.optim.SGD(p, lr=0.1),
    "not_a_tensor": lambda m, p: m.optim.SGD([p, 3], lr=0.1),
    "set_in_group": lambda m, p: m.optim.SGD([{"params": {p}}], lr=0.1),
    "top_level_set_is_accepted": lambda m, p: m.optim.SGD({p}, lr=0.1).param_groups[0]["params"][0] is p,
    "two_groups": lambda m, p: m.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
    "duplicate_warns": lambda m, p: m.optim.SGD([p, p], lr=0.1),
    "group_not_dict": lambda m, p: m.optim.SGD([p], lr=0.1).add_param_group([p]),
    "add_group_overlap": lambda m, p: m.optim.SGD([p], lr=0.1).add_param_group({"params": p}),
    "names_mixed": lambda m, p: m.optim.SGD([("a", p), m.zeros(1, requires_grad=True)], lr=0.1),
    "sgd_momentum": lambda m, p: m.optim.SGD([p], momentum=-0.5),
    "sgd_weight_decay": lambda m, p: m.optim.SGD([p], weight_decay=-1e-3),
    "sgd_nesterov_no_momentum": lambda m, p: m.optim.SGD([p], nesterov=True),
    "sgd_nesterov_dampening": lambda m, p: m.optim.SGD([p], momentum=0.9, dampening=0.1, nesterov=True),
    "sgd_fused_foreach": lambda m, p: m.optim.SGD([p], fused=True, foreach=True),
    "adam_beta0": lambda m, p: m.optim.Adam([p], betas=(1.0, 0.999)),
    "adam_beta1": lambda m, p: m.optim.Adam([p], betas=(0.9, -0.1)),
    "adam_int_betas": lambda m, p: m.optim.Adam([p], betas=(0, 0.9)),
    "adam_eps": lambda m, p: m.optim.Adam([p], eps=-1e-8),
    "adam_weight_decay": lambda m, p: m.optim.Adam([p], weight_decay=-0.1),
    "adamw_beta": lambda m, p: m.optim.AdamW([p], betas=(0.9, 1.5)),
    "rmsprop_alpha": lambda m, p: m.optim.RMSprop([p], alpha=-0.1),
    "rmsprop_momentum": lambda m, p: m.optim.RMSprop([p], momentum=-0.1),
    "rmsprop_eps": lambda m, p: m.optim.RMSprop([p], eps=-1.0),
    "adagrad_lr_decay": lambda m, p: m.optim.Adagrad([p], lr_decay=-0.1),
    "adagrad_initial_acc": lambda m, p: m.optim.Adagrad([p], initial_accumulator_value=-0.1),
    "adadelta_rho": lambda m, p: m.optim.Adadelta([p], rho=1.1),
    "adamax_eps": lambda m, p: m.optim.Adamax([p], eps=-1.0),
    "nadam_momentum_decay": lambda m, p: m.optim.NAdam([p], momentum_decay=-0.1),
    "radam_beta": lambda m, p: m.optim.RAdam([p], betas=(0.9, 1.0)),
    "sgd_nan_lr_is_accepted": lambda m, p: m.optim.SGD([p], lr=float("nan")).defaults["lr"] != 0,
    "adam_nan_lr": lambda m, p: m.optim.Adam([p], lr=float("nan")),
    "tensor_lr_2_elements": lambda m, p: m.optim.SGD([p], lr=m.tensor([0.1, 0.2])),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_and_warnings(case):
    assert_same(_error(ERRORS[case]))


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                                  "RAdam"])
def test_negative_learning_rate(name):
    assert_same(_error(lambda m, p: getattr(m.optim, name)([p], lr=-0.1)))


def test_named_parameters_are_kept_in_state_dict():
    def program(mod):
        p, q = mod.zeros(2, requires_grad=True), mod.ones(1, requires_grad=True)
        opt = mod.optim.SGD([("w", p), ("b", q)], lr=0.1)
        return opt.state_dict()["param_groups"][0]["param_names"], opt.param_groups[0]["params"][1] is q
    assert_same(program)


def test_tensor_lr_is_accepted():
    def program(mod):
        p = mod.tensor([1., 2.], requires_grad=True)
        opt = mod.optim.Adam([p], lr=mod.tensor(0.1))
        for _ in range(3):
            p.grad = p.detach() * 2
            opt.step()
        return p
    assert_same(program)


def _differentiable(name, kwargs):
    def program(mod):
        w = mod.tensor([1., -2., 3.], requires_grad=True)
        p = w.clone()  # differentiable=True accepts a non-leaf parameter and records the update
        opt = getattr(mod.optim, name)([p], differentiable=True, **kwargs)
        for i in range(3):
            p.grad = mod.tensor([0.5, -1., 2.]) * (i + 1)
            opt.step()
        p.sum().backward()
        return p.detach(), p.grad_fn is not None, fresh(w.grad)
    return program


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.1}), ("Adam", {"lr": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.1}), ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {}), ("Adadelta", {}),
    pytest.param("Adamax", {}, marks=bug("PyTorch's addcdiv_ saves tensor2 (exp_inf) even though it needs no "
                                         "grad, so torch's own differentiable Adamax fails at backward after 3 "
                                         "steps ('modified by an inplace operation'); glassgrad's autograd saves "
                                         "only what a needed VJP reads and returns the gradient")),
    ("NAdam", {}), ("RAdam", {})])
def test_differentiable_step(name, kwargs):
    assert_same(_differentiable(name, kwargs))


def test_differentiable_with_a_leaf_parameter_raises():
    """A leaf that requires grad with differentiable=True: the in-place update raises in both."""
    def program(mod):
        p = mod.tensor([1., 2.], requires_grad=True)
        opt = mod.optim.SGD([p], lr=0.1, differentiable=True)
        p.grad = mod.ones(2)
        opt.step()
    assert_same(program)
