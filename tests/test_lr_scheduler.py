"""glassgrad.optim.lr_scheduler against torch.optim.lr_scheduler: each scheduler's learning rates (and
cycled momentum / beta1) over 30 steps, exactly equal to PyTorch's floats; ReduceLROnPlateau fed the same
metrics; the warnings PyTorch gives; state_dict contents and resuming; the errors for invalid arguments.
"""
import pytest

from difftools import assert_same, glassgrad, observe, torch
import glassgrad.optim  # noqa: F401  (glassgrad.optim is a submodule until glassgrad/__init__ imports it)

STEPS = 30


def _optimizer(mod, kind="SGD"):
    """Two param groups with different learning rates; no grads, so optimizer.step() changes nothing."""
    a, b = mod.zeros(2, requires_grad=True), mod.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return mod.optim.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(mod.optim, kind)(groups, lr=0.1)


def _observed(opt, sched):
    groups = opt.param_groups
    return ([g["lr"] for g in groups], list(sched.get_last_lr()), [g.get("momentum") for g in groups],
            [g.get("betas") for g in groups])


def _sequence(make, kind="SGD", steps=STEPS, metrics=None):
    def program(mod):
        opt = _optimizer(mod, kind)
        sched = make(mod.optim.lr_scheduler, opt)
        seq = [_observed(opt, sched)]
        for i in range(steps):
            opt.step()
            if metrics is None:
                sched.step()
            else:
                sched.step(metrics[i % len(metrics)])
            seq.append(_observed(opt, sched))
        return seq
    return program


def assert_exactly_same(program):
    """Both libraries compute these schedules with the same Python float arithmetic: equality, not closeness."""
    t_out, t_warn = observe(program, torch)
    g_out, g_warn = observe(program, glassgrad)
    assert t_out[0] == g_out[0] == "ok", f"torch: {t_out}\nglassgrad: {g_out}"
    for i, (t, g) in enumerate(zip(t_out[1], g_out[1])):
        assert t == g, f"step {i}:\ntorch:     {t}\nglassgrad: {g}"
    assert len(t_out[1]) == len(g_out[1])
    assert t_warn == g_warn, f"warnings differ:\ntorch:     {t_warn}\nglassgrad: {g_warn}"


SCHEDULES = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingLR_T7": lambda s, o: s.CosineAnnealingLR(o, T_max=7),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=1e-3),
    "CosineAnnealingWarmRestarts_T4": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=4),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR_per_group": lambda s, o: s.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5 * e]),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.9),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=8),
    "LinearLR_decay": lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=12, power=2.0),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS),
    "OneCycleLR_epochs_no_momentum": lambda s, o: s.OneCycleLR(o, max_lr=0.3, epochs=3, steps_per_epoch=10,
                                                               cycle_momentum=False),
    "CyclicLR_triangular2": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                    mode="triangular2"),
    "CyclicLR_exp_range": lambda s, o: s.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                                  step_size_down=5, mode="exp_range", gamma=0.9),
    "SequentialLR": lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=5),
                                                    s.CosineAnnealingLR(o, T_max=20)], milestones=[5]),
    "SequentialLR_three": lambda s, o: s.SequentialLR(o, [s.ConstantLR(o, factor=0.5, total_iters=2),
                                                          s.ExponentialLR(o, gamma=0.8),
                                                          s.StepLR(o, step_size=4)], milestones=[3, 10]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler([s.ConstantLR(o, factor=0.5, total_iters=4),
                                                         s.ExponentialLR(o, gamma=0.9)]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_lr_sequence_matches_torch(name):
    assert_exactly_same(_sequence(SCHEDULES[name]))


ADAM_SCHEDULES = {
    "OneCycleLR_betas_linear_three_phase": lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=STEPS,
                                                                     anneal_strategy="linear", three_phase=True,
                                                                     base_momentum=0.8, max_momentum=0.9),
    "OneCycleLR_betas_cos": lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 0.1], total_steps=STEPS, pct_start=0.4,
                                                      div_factor=10.0, final_div_factor=100.0),
    "CyclicLR_betas": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5),
}


@pytest.mark.parametrize("name", list(ADAM_SCHEDULES))
def test_beta1_cycled_with_adam(name):
    assert_exactly_same(_sequence(ADAM_SCHEDULES[name], kind="Adam"))


METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.5, 0.5, 0.5, 0.49995, 0.6, 0.7, 0.8, 0.3]
PLATEAUS = {
    "default_patience2": lambda s, o: s.ReduceLROnPlateau(o, patience=2),
    "max_abs_cooldown": lambda s, o: s.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=1,
                                                         threshold=0.05, threshold_mode="abs", cooldown=2),
    "min_lr_per_group": lambda s, o: s.ReduceLROnPlateau(o, factor=0.3, patience=0, min_lr=[0.01, 0.004],
                                                         eps=1e-4),
    "rel_threshold": lambda s, o: s.ReduceLROnPlateau(o, patience=1, threshold=0.1),
}


@pytest.mark.parametrize("name", list(PLATEAUS))
def test_reduce_lr_on_plateau_matches_torch(name):
    assert_exactly_same(_sequence(PLATEAUS[name], metrics=METRICS))


def _plateau_tensor_metric(mod):
    opt = _optimizer(mod)
    sched = mod.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    for v in [1.0, 2.0, 3.0]:
        sched.step(mod.tensor(v))
    return sched.get_last_lr(), sched.best, sched.num_bad_epochs, sched.last_epoch


def test_reduce_lr_on_plateau_takes_a_tensor_metric():
    assert_exactly_same(lambda mod: [_plateau_tensor_metric(mod)])


def _warm_restarts_float_epochs(mod):
    opt = _optimizer(mod)
    sched = mod.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)
    seq = []
    for i in range(STEPS):
        opt.step()
        sched.step(i * 0.7)
        seq.append((sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch))
    return seq


def test_warm_restarts_with_float_epochs():
    assert_exactly_same(_warm_restarts_float_epochs)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                  "ConstantLR", "PolynomialLR"])
def test_step_with_epoch_uses_closed_form_and_warns(name):
    def program(mod):
        opt = _optimizer(mod)
        sched = SCHEDULES[name](mod.optim.lr_scheduler, opt)
        out = []
        for epoch in [3, 1, 7, 12, 2]:
            opt.step()
            sched.step(epoch)
            out.append(sched.get_last_lr())
        return out
    assert_exactly_same(program)


def _scheduler_before_optimizer(mod):
    opt = _optimizer(mod)
    sched = mod.optim.lr_scheduler.StepLR(opt, step_size=1)
    sched.step()
    opt.step()
    sched.step()
    return sched.get_last_lr()


def _optimizer_step_overridden(mod):
    opt = _optimizer(mod)
    sched = mod.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step = lambda closure=None: None
    opt.step()
    sched.step()
    return sched.get_last_lr()


def _get_lr_outside_step(mod):
    opt = _optimizer(mod)
    sched = mod.optim.lr_scheduler.StepLR(opt, step_size=1)
    return sched.get_lr()


@pytest.mark.parametrize("program", [_scheduler_before_optimizer, _optimizer_step_overridden, _get_lr_outside_step])
def test_warnings(program):
    assert_same(program)


def _two_schedulers_one_wrap(mod):
    """A second scheduler does not wrap optimizer.step twice; stepping the optimizer once silences both."""
    opt = _optimizer(mod)
    s1 = mod.optim.lr_scheduler.StepLR(opt, step_size=2)
    wrapped = opt.step
    s2 = mod.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    opt.step()
    s1.step()
    s2.step()
    return opt.step is wrapped, opt.param_groups[0]["lr"], opt.param_groups[0]["initial_lr"]


def test_two_schedulers_on_one_optimizer():
    assert_same(_two_schedulers_one_wrap)


STATEFUL = ["StepLR", "MultiStepLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "LinearLR",
            "OneCycleLR", "CyclicLR_triangular2", "SequentialLR", "ChainedScheduler", "LambdaLR"]


def _plain(v):
    """State values as comparable data (functions and schedulers by type name)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    if callable(v):
        return type(v).__name__
    return v


@pytest.mark.parametrize("name", STATEFUL)
def test_state_dict_and_resume(name):
    make = SCHEDULES[name]

    def program(mod):
        opt = _optimizer(mod)
        sched = make(mod.optim.lr_scheduler, opt)
        for _ in range(7):
            opt.step()
            sched.step()
        sd = sched.state_dict()
        keys = sorted(sd)
        # resume: a fresh optimizer/scheduler pair loads both state dicts and continues
        opt2 = _optimizer(mod)
        sched2 = make(mod.optim.lr_scheduler, opt2)
        opt2.load_state_dict(opt.state_dict())
        sched2.load_state_dict(sched.state_dict())
        seq, seq2 = [], []
        for _ in range(10):
            opt.step()
            sched.step()
            opt2.step()
            sched2.step()
            seq.append(sched.get_last_lr())
            seq2.append(sched2.get_last_lr())
        return keys, _plain(sd), seq == seq2, seq
    assert_exactly_same(lambda mod: [program(mod)])


def _err(build):
    def program(mod):
        build(mod.optim.lr_scheduler, _optimizer(mod))
    return program


ERRORS = {
    "not_an_optimizer": lambda s, o: s.StepLR(3, step_size=1),
    "resume_without_initial_lr": lambda s, o: s.StepLR(o, step_size=1, last_epoch=4),
    "lambda_count": lambda s, o: s.LambdaLR(o, [lambda e: 1.0]),
    "multiplicative_not_callable": lambda s, o: s.MultiplicativeLR(o, [0.5, 0.5]),
    "constant_factor": lambda s, o: s.ConstantLR(o, factor=2.0),
    "linear_start": lambda s, o: s.LinearLR(o, start_factor=0.0),
    "linear_end": lambda s, o: s.LinearLR(o, end_factor=1.5),
    "onecycle_no_steps": lambda s, o: s.OneCycleLR(o, max_lr=0.1),
    "onecycle_total_steps": lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=0),
    "onecycle_epochs": lambda s, o: s.OneCycleLR(o, max_lr=0.1, epochs=2.5, steps_per_epoch=3),
    "onecycle_pct_start_int": lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1),
    "onecycle_anneal": lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
    "onecycle_max_lr_list": lambda s, o: s.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10),
    "onecycle_too_many_steps": lambda s, o: [s.OneCycleLR(o, max_lr=0.1, total_steps=3).step() for _ in range(4)],
    "cyclic_mode": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, mode="square"),
    "plateau_factor": lambda s, o: s.ReduceLROnPlateau(o, factor=1.0),
    "plateau_mode": lambda s, o: s.ReduceLROnPlateau(o, mode="median"),
    "plateau_threshold_mode": lambda s, o: s.ReduceLROnPlateau(o, threshold_mode="pct"),
    "plateau_min_lr_count": lambda s, o: s.ReduceLROnPlateau(o, min_lr=[0.1]),
    "warm_T0": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0),
    "warm_T_mult": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
    "warm_eta_min": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    "warm_negative_epoch": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    "sequential_milestones": lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2), s.StepLR(o, 3)], milestones=[]),
    "sequential_empty": lambda s, o: s.SequentialLR(o, [], milestones=[]),
    "sequential_plateau": lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2), s.ReduceLROnPlateau(o)], milestones=[2]),
    "chained_empty": lambda s, o: s.ChainedScheduler([]),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(case):
    assert_same(_err(ERRORS[case]))


def test_cycle_momentum_needs_momentum():
    def program(mod):
        opt = mod.optim.Adagrad([mod.zeros(2, requires_grad=True)])
        mod.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    assert_same(program)
