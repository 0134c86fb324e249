"""optim.LBFGS and optim.SparseAdam against torch.optim.

LBFGS runs the same problems from the same starting points in both libraries and compares, after every step(),
the returned loss, the number of closure calls so far and the parameters, then the optimizer's state.

NOTE on tolerances: glassgrad's `add_(alpha=)` rounds twice where PyTorch's CPU kernel uses one fused
multiply-add, and its float32 `dot` sums in another order, so iterates drift by an ulp per update. In float64 the
drift stays far below the tolerances (and every branch of the line search is taken alike: the call counts are
equal); in float32 it reaches the line search's decisions after a few iterations, so float32 is compared over the
first step only.
"""
import copy
import warnings

import numpy as np
import pytest

from difftools import assert_same, torch
import glassgrad

_rng = np.random.default_rng(0)
_X = _rng.standard_normal((32, 3))
_Y = np.sin(_X.sum(1, keepdims=True))
_MLP = [_rng.standard_normal((3, 8)) * 0.5, np.zeros(8), _rng.standard_normal((8, 1)) * 0.5, np.zeros(1)]


def _rosenbrock(mod, params):
    x = params[0]
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


def _mlp(mod, params):
    w1, b1, w2, b2 = params[:4]
    x, y = mod.tensor(_X, dtype=w1.dtype), mod.tensor(_Y, dtype=w1.dtype)
    return ((mod.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()


def _wavy(mod, params):
    x = params[0]
    return (mod.sin(3 * x) + 0.1 * x ** 2).sum()


def _quartic(mod, params):
    x = params[0]
    return (x ** 4 - 3 * x ** 2 + x).sum()


PROBLEMS = {
    "rosenbrock2": (_rosenbrock, [np.array([-1.5, 2.0])]),
    "rosenbrock6": (_rosenbrock, [np.array([-1.2, 1.0, -0.5, 0.8, 1.3, 0.3])]),
    "mlp": (_mlp, _MLP),
    # a parameter the loss never reads: no gradient, so zeros in the flat gradient
    "mlp_unused": (_mlp, _MLP + [np.ones(3)]),
    # non-convex: the strong Wolfe search extrapolates, zooms, moves off the bracket's ends, swaps its ends and
    # meets cubics without a minimiser
    "wavy": (_wavy, [np.array([0.54, -2.85, 1.04])]),
    "quartic": (_quartic, [np.array([0.04, 1.71, -1.23])]),
    "rosenbrock3": (_rosenbrock, [np.array([-2.72, -1.95, -1.85])]),
}

OPTIONS = {
    "defaults": {},
    "lr0.1": {"lr": 0.1},
    "wolfe": {"line_search_fn": "strong_wolfe"},
    "short_history": {"history_size": 3, "max_iter": 7, "lr": 0.5},
    "wolfe_short_history": {"line_search_fn": "strong_wolfe", "history_size": 4},
    "max_eval": {"line_search_fn": "strong_wolfe", "max_iter": 10, "max_eval": 6},
    "one_iteration": {"max_iter": 1},
}


def _setup(mod, problem, dtype, options):
    loss_fn, init = PROBLEMS[problem]
    params = [mod.tensor(a, dtype=getattr(mod, dtype), requires_grad=True) for a in init]
    opt = mod.optim.LBFGS(params, **options)
    calls = [0]

    def closure():
        calls[0] += 1
        for p in params:  # not opt.zero_grad(): a test may swap in reloaded parameters and optimizer
            p.grad = None
        loss = loss_fn(mod, params)
        loss.backward()
        return loss
    return params, opt, closure, calls


def _flat(params):
    return np.concatenate([p.detach().numpy().ravel() for p in params]).astype(np.float64)


def _detached(params):
    # NOTE: not the parameters themselves: describe() would compare their gradients' version counters, which
    # count PyTorch's internal in-place accumulation
    return [p.detach().clone() for p in params]


def _trajectory(mod, problem, dtype, options, steps):
    params, opt, closure, calls = _setup(mod, problem, dtype, options)
    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append((float(loss.detach()), calls[0], _flat(params)))
    return out, opt


def _compare_trajectories(t_run, g_run, rtol):
    loss_scale = max(1.0, abs(t_run[0][0]))  # near the optimum the loss is tiny: compare on the first loss's scale
    for i, ((t_loss, t_calls, t_x), (g_loss, g_calls, g_x)) in enumerate(zip(t_run, g_run)):
        where = f"step {i + 1}"
        assert t_calls == g_calls, f"{where}: closure calls: torch {t_calls}, glassgrad {g_calls}"
        assert np.isclose(t_loss, g_loss, rtol=0, atol=rtol * loss_scale), \
            f"{where}: loss torch {t_loss!r}, glassgrad {g_loss!r}"
        scale = max(1.0, np.abs(t_x).max())
        assert np.allclose(t_x, g_x, rtol=0, atol=rtol * scale), \
            f"{where}: parameters differ (atol={rtol * scale:.1e}):\ntorch:     {t_x!r}\nglassgrad: {g_x!r}"


@pytest.mark.parametrize("options", sorted(OPTIONS))
@pytest.mark.parametrize("problem", ["mlp", "mlp_unused", "rosenbrock2", "rosenbrock6"])
def test_float64_trajectories_match_torch(problem, options):
    # NOTE: with fixed unit steps, 2-d Rosenbrock amplifies an ulp by ~1e3 per step: two steps stay comparable
    steps = 2 if (problem, options) == ("rosenbrock2", "defaults") else 4
    t_run, _ = _trajectory(torch, problem, "float64", OPTIONS[options], steps)
    g_run, _ = _trajectory(glassgrad, problem, "float64", OPTIONS[options], steps)
    _compare_trajectories(t_run, g_run, rtol=1e-7)


@pytest.mark.parametrize("options", sorted(OPTIONS))
@pytest.mark.parametrize("problem", ["mlp", "mlp_unused", "rosenbrock2", "rosenbrock6"])
def test_float32_first_step_matches_torch(problem, options):
    t_run, _ = _trajectory(torch, problem, "float32", OPTIONS[options], 1)
    g_run, _ = _trajectory(glassgrad, problem, "float32", OPTIONS[options], 1)
    _compare_trajectories(t_run, g_run, rtol=2e-3)


@pytest.mark.parametrize("problem,lr", [("wavy", 1.0), ("wavy", 100.0), ("quartic", 0.1), ("quartic", 10.0),
                                        ("rosenbrock3", 0.1), ("rosenbrock2", 10.0), ("rosenbrock6", 100.0)])
def test_line_search_branches_match_torch(problem, lr):
    options = {"line_search_fn": "strong_wolfe", "lr": lr}
    t_run, _ = _trajectory(torch, problem, "float64", options, 3)
    g_run, _ = _trajectory(glassgrad, problem, "float64", options, 3)
    _compare_trajectories(t_run, g_run, rtol=1e-7)


def _describe_state(opt, mod):
    """The LBFGS state as plain data: key order, Python types, and values (tensors as float64 arrays)."""
    state = opt.state_dict()["state"]

    def value(v):
        if isinstance(v, mod.Tensor):
            return ("tensor", str(v.dtype).split(".")[-1], tuple(v.shape), v.detach().numpy().astype(np.float64))
        if isinstance(v, list):
            return ("list", [value(x) for x in v])
        return (type(v).__name__, v)
    return {k: [(key, value(v)) for key, v in s.items()] for k, s in state.items()}


def _compare_described(t, g, path="state"):
    if isinstance(t, np.ndarray):
        assert t.shape == g.shape and np.allclose(t, g, rtol=1e-7, atol=1e-12), f"{path}: torch {t}, glassgrad {g}"
    elif isinstance(t, (list, tuple)):
        assert type(t) is type(g) and len(t) == len(g), f"{path}: torch {t!r}\nglassgrad {g!r}"
        for i, (a, b) in enumerate(zip(t, g)):
            _compare_described(a, b, f"{path}[{i}]")
    elif isinstance(t, dict):
        assert list(t) == list(g), f"{path}: keys torch {list(t)}, glassgrad {list(g)}"
        for k in t:
            _compare_described(t[k], g[k], f"{path}.{k}")
    elif isinstance(t, float):
        assert np.isclose(t, g, rtol=1e-7), f"{path}: torch {t!r}, glassgrad {g!r}"
    else:
        assert t == g, f"{path}: torch {t!r}, glassgrad {g!r}"


@pytest.mark.parametrize("options", ["defaults", "wolfe", "short_history", "one_iteration"])
def test_state_matches_torch(options):
    # key order, types (t and H_diag are tensors or numbers as in PyTorch), history lengths and values
    _, t_opt = _trajectory(torch, "mlp", "float64", OPTIONS[options], 2)
    _, g_opt = _trajectory(glassgrad, "mlp", "float64", OPTIONS[options], 2)
    _compare_described(_describe_state(t_opt, torch), _describe_state(g_opt, glassgrad))
    t_groups, g_groups = t_opt.state_dict()["param_groups"], g_opt.state_dict()["param_groups"]
    assert t_groups == g_groups


def test_state_of_a_fresh_and_a_converged_optimizer():
    def program(mod):
        params, opt, closure, calls = _setup(mod, "rosenbrock2", "float64", {"tolerance_grad": 1e9})
        loss = opt.step(closure)  # the gradient is already below tolerance: one evaluation, nothing else
        return loss, calls[0], list(opt.state_dict()["state"][0].items()), _detached(params)
    assert_same(program)

    def no_iterations(mod):
        params, opt, closure, calls = _setup(mod, "rosenbrock2", "float64", {"max_iter": 0})
        opt.step(closure)
        return calls[0], list(opt.state_dict()["state"][0].items()), _detached(params)
    assert_same(no_iterations)


def test_step_returns_the_first_loss():
    def program(mod):
        params, opt, closure, calls = _setup(mod, "rosenbrock6", "float64", {})
        return opt.step(closure), calls[0]
    assert_same(program)


@pytest.mark.parametrize("options", ["defaults", "wolfe_short_history"])
def test_state_dict_round_trip_continues_identically(options):
    def run(mod, reload):
        params, opt, closure, calls = _setup(mod, "mlp", "float64", OPTIONS[options])
        opt.step(closure)
        opt.step(closure)
        if reload:
            saved = copy.deepcopy(opt.state_dict())
            params2 = [p.detach().clone().requires_grad_(True) for p in params]
            opt = mod.optim.LBFGS(params2, **OPTIONS[options])
            opt.load_state_dict(saved)
            params[:] = params2
        out = []
        for _ in range(2):
            opt.step(closure)
            out.append((calls[0], _flat(params)))
        return out
    g_plain, g_reloaded = run(glassgrad, False), run(glassgrad, True)
    for (a_calls, a_x), (b_calls, b_x) in zip(g_plain, g_reloaded):
        assert a_calls == b_calls and np.array_equal(a_x, b_x), "reloading the state must not change the iterates"
    t_reloaded = run(torch, True)
    _compare_trajectories([(0.0, c, x) for c, x in t_reloaded], [(0.0, c, x) for c, x in g_reloaded], rtol=1e-7)


def test_load_state_dict_casts_to_the_parameter_dtype():
    def program(mod):
        params, opt, closure, _ = _setup(mod, "rosenbrock2", "float64", {"max_iter": 3})
        opt.step(closure)
        p32 = [mod.tensor([0.5, 0.5], requires_grad=True)]
        opt32 = mod.optim.LBFGS(p32, max_iter=3)
        opt32.load_state_dict(opt.state_dict())
        state = opt32.state[p32[0]]
        return [state["d"].dtype, state["prev_flat_grad"].dtype, [t.dtype for t in state["old_dirs"]],
                type(state["t"]).__name__, state["n_iter"], state["func_evals"]]
    assert_same(program)


def test_tensor_lr_and_defaults_match_torch():
    def program(mod):
        params, opt, closure, calls = _setup(mod, "rosenbrock2", "float64", {"lr": 0.5, "max_iter": 4})
        opt2 = mod.optim.LBFGS([mod.tensor([-1.5, 2.0], dtype=mod.float64, requires_grad=True)],
                               lr=mod.tensor(0.5), max_iter=4)
        opt.step(closure)
        return sorted(opt.defaults.items()), list(opt2.defaults["lr"].shape), _detached(params), calls[0]
    assert_same(program)


def _error(mod, case):
    w = mod.tensor([1.0, 2.0], requires_grad=True)
    if case == "two_groups":
        return mod.optim.LBFGS([{"params": [w]}, {"params": [mod.zeros(1, requires_grad=True)]}])
    if case == "negative_lr":
        return mod.optim.LBFGS([w], lr=-1.0)
    if case == "tensor_lr_two_elements":
        return mod.optim.LBFGS([w], lr=mod.tensor([0.1, 0.2]))
    if case == "add_param_group":
        opt = mod.optim.LBFGS([w])
        opt.add_param_group({"params": [mod.zeros(1, requires_grad=True)]})
        return opt.step(lambda: (w * w).sum())
    if case == "unknown_line_search":
        calls = []
        opt = mod.optim.LBFGS([w], line_search_fn="armijo")

        def closure():
            calls.append(1)
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss
        try:
            opt.step(closure)
        finally:
            assert len(calls) == 1, calls  # raised after the first evaluation, as PyTorch
    if case == "no_closure":
        return mod.optim.LBFGS([w]).step()
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["two_groups", "negative_lr", "tensor_lr_two_elements", "add_param_group",
                                  "unknown_line_search", "no_closure"])
def test_errors_match_torch(case):
    assert_same(lambda mod: _error(mod, case))


def test_error_messages_are_pinned():
    w = glassgrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"^LBFGS doesn't support per-parameter options \(parameter groups\)$"):
        glassgrad.optim.LBFGS([{"params": [w]}, {"params": [glassgrad.zeros(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match=r"^only 'strong_wolfe' is supported$"):
        glassgrad.optim.LBFGS([w], line_search_fn="x").step(lambda: (w * w).sum().backward() or (w * w).sum())


def test_no_scalar_conversion_warning_inside_step():
    # PyTorch converts the closure's loss to a float under no_grad, which does not warn
    def program(mod):
        params, opt, closure, _ = _setup(mod, "rosenbrock2", "float64", {"line_search_fn": "strong_wolfe"})
        opt.step(closure)
        return _detached(params)
    assert_same(program)


# ---- SparseAdam --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [dict(lr=0.0), dict(lr=-1.0), dict(eps=0.0), dict(betas=(1.0, 0.9)),
                                    dict(betas=(0.9, -0.1)), dict(lr=[0.1, 0.2])])
def test_sparse_adam_option_errors_match_torch(kwargs):
    def program(mod):
        lr = kwargs.get("lr")
        kw = dict(kwargs, lr=mod.tensor(lr)) if isinstance(lr, list) else kwargs
        return mod.optim.SparseAdam([mod.zeros(2, requires_grad=True)], **kw)
    assert_same(program)


def test_sparse_adam_refuses_dense_gradients():
    def program(mod):
        w = mod.tensor([1.0, 2.0], requires_grad=True)
        unused = mod.zeros(1, requires_grad=True)
        opt = mod.optim.SparseAdam([unused, w], lr=0.1)
        opt.step()  # no gradients yet: nothing to do
        calls = []

        def closure():
            calls.append(1)
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss
        try:
            opt.step(closure)
        finally:
            assert calls == [1] and len(opt.state) == 0
    assert_same(program)
    with pytest.raises(RuntimeError, match=r"^SparseAdam does not support dense gradients, please consider Adam "
                                           r"instead$"):
        w = glassgrad.ones(2, requires_grad=True)
        w.sum().backward()
        glassgrad.optim.SparseAdam([w]).step()


def test_sparse_adam_defaults_and_state_dict_match_torch():
    def program(mod):
        opt = mod.optim.SparseAdam([mod.zeros(2, requires_grad=True)], lr=0.01, betas=(0.8, 0.9), maximize=True)
        sd = opt.state_dict()
        return sorted(opt.defaults.items()), sd["state"], sorted(sd["param_groups"][0].items())
    assert_same(program)


def test_public_names():
    for name in ("LBFGS", "SparseAdam"):
        assert name in glassgrad.optim.__all__ and getattr(glassgrad.optim, name).__name__ == name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        glassgrad.optim.LBFGS([glassgrad.zeros(1, requires_grad=True)])
