"""tinygrad_edu.optim.lr_scheduler: every schedule's learning rates over 30 steps equal torch's.

Two parameter groups with different rates, the normal call order (optimizer.step() then
scheduler.step(), which must warn in neither library), the rates (and OneCycleLR's momentum) compared
exactly after every step; ``last_epoch``, ``get_last_lr()`` and ``state_dict()`` too; a state dict
saved half way by either library resumes in the other and continues identically.
"""
import copy
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import optim
from tinygrad_edu.nn import Parameter

torch = pytest.importorskip("torch")

STEPS = 30
METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.94, 0.96, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.7, 0.75, 0.75, 0.75,
           0.75, 0.75, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.5, 0.5, 0.5, 0.5]


def _decay(epoch):
    return 0.95 ** epoch


def _bump(epoch):
    return 1.0 / (1 + epoch) if epoch % 3 else 2.0


def _libs(lib):
    return (optim, optim.lr_scheduler) if lib is te else (torch.optim, torch.optim.lr_scheduler)


def _sequential(S, opt, parts, milestones):
    return S.SequentialLR(opt, [getattr(S, name)(opt, **kw) for name, kw in parts], milestones)


CONFIGS = {
    "StepLR": ("SGD", lambda S, o: S.StepLR(o, step_size=7, gamma=0.5)),
    "StepLR-default": ("SGD", lambda S, o: S.StepLR(o, 3)),
    "MultiStepLR": ("SGD", lambda S, o: S.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.3)),
    "ExponentialLR": ("SGD", lambda S, o: S.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": ("SGD", lambda S, o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "CosineAnnealingLR-7": ("Adam", lambda S, o: S.CosineAnnealingLR(o, 7)),
    "LambdaLR": ("SGD", lambda S, o: S.LambdaLR(o, _decay)),
    "LambdaLR-per-group": ("SGD", lambda S, o: S.LambdaLR(o, [_decay, _bump])),
    "LinearLR": ("SGD", lambda S, o: S.LinearLR(o, start_factor=0.25, total_iters=8)),
    "LinearLR-down": ("SGD", lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10)),
    "LinearLR-default": ("SGD", lambda S, o: S.LinearLR(o)),
    "OneCycleLR": ("SGD", lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS + 1)),
    "OneCycleLR-linear-3phase": ("SGD", lambda S, o: S.OneCycleLR(o, max_lr=0.3, epochs=4, steps_per_epoch=8,
                                                                  anneal_strategy="linear", three_phase=True)),
    "OneCycleLR-adam": ("Adam", lambda S, o: S.OneCycleLR(o, max_lr=0.01, total_steps=40, pct_start=0.25,
                                                          div_factor=10.0, final_div_factor=100.0)),
    "OneCycleLR-no-momentum": ("Adam", lambda S, o: S.OneCycleLR(o, max_lr=0.01, total_steps=40,
                                                                 cycle_momentum=False)),
    "MultiplicativeLR": ("SGD", lambda S, o: S.MultiplicativeLR(o, [_decay, _bump])),
    "ConstantLR": ("SGD", lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4)),
    "PolynomialLR": ("SGD", lambda S, o: S.PolynomialLR(o, total_iters=12, power=2.0)),
    "SequentialLR-constant": ("SGD", lambda S, o: _sequential(S, o, [("ConstantLR", dict(factor=0.2, total_iters=3)),
                                                                     ("PolynomialLR", dict(total_iters=10))], [6])),
    "SequentialLR": ("SGD", lambda S, o: _sequential(S, o, [("LinearLR", dict(start_factor=0.1, total_iters=5)),
                                                            ("ExponentialLR", dict(gamma=0.9))], [5])),
    "SequentialLR-three": ("SGD", lambda S, o: _sequential(S, o, [("LinearLR", dict(start_factor=0.5, total_iters=4)),
                                                                  ("StepLR", dict(step_size=3, gamma=0.5)),
                                                                  ("CosineAnnealingLR", dict(T_max=6))], [4, 12])),
    "ReduceLROnPlateau": ("SGD", lambda S, o: S.ReduceLROnPlateau(o, patience=2)),
    "ReduceLROnPlateau-max-abs": ("SGD", lambda S, o: S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=1,
                                                                          threshold=0.01, threshold_mode="abs")),
    "ReduceLROnPlateau-cooldown": ("Adam", lambda S, o: S.ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=2,
                                                                            min_lr=[0.01, 0.0005], eps=1e-3)),
    "ReduceLROnPlateau-rel": ("SGD", lambda S, o: S.ReduceLROnPlateau(o, factor=0.2, patience=0, threshold=0.1)),
}


def _setup(lib, key):
    opt_name, make = CONFIGS[key]
    O, S = _libs(lib)
    if lib is te:
        params = [Parameter(te.tensor(np.ones(3))), Parameter(te.tensor(np.ones(2)))]
    else:
        params = [torch.ones(3, dtype=torch.float64, requires_grad=True),
                  torch.ones(2, dtype=torch.float64, requires_grad=True)]
    extra = dict(momentum=0.9) if opt_name == "SGD" else {}
    opt = getattr(O, opt_name)([{"params": params[:1]}, {"params": params[1:], "lr": 0.02}], lr=0.1, **extra)
    return params, opt, make(S, opt)


def _one_step(params, opt, sched, step):
    opt.zero_grad()
    sum((p * p).sum() for p in params).backward()
    opt.step()
    if type(sched).__name__ == "ReduceLROnPlateau":
        sched.step(METRICS[step])
    else:
        sched.step()


def _seen(opt, sched):
    """What a step leaves behind: the groups' rates and momenta, get_last_lr(), last_epoch."""
    momenta = [g.get("momentum", g.get("betas")) for g in opt.param_groups]
    return [g["lr"] for g in opt.param_groups], momenta, list(sched.get_last_lr()), sched.last_epoch


def _run(lib, key, steps=range(STEPS), start=None):
    params, opt, sched = start or _setup(lib, key)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the normal call order warns in neither library
        for step in steps:
            _one_step(params, opt, sched, step)
            seen.append(_seen(opt, sched))
    return seen, (params, opt, sched)


@pytest.mark.parametrize("key", CONFIGS)
def test_rates_match_torch_step_by_step(key):
    ours, (_, ours_opt, ours_sched) = _run(te, key)
    theirs, (_, theirs_opt, theirs_sched) = _run(torch, key)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"step {step}: {a} != {b}"  # exactly equal floats
    assert len({tuple(s[0]) for s in theirs}) > 1  # the schedule does change the rates
    assert ours_sched.state_dict() == theirs_sched.state_dict()
    assert list(ours_sched.state_dict()) == list(theirs_sched.state_dict())


def test_initial_state_matches_torch():
    for key in CONFIGS:
        _, ours_opt, ours_sched = _setup(te, key)
        _, theirs_opt, theirs_sched = _setup(torch, key)
        assert ours_sched.get_last_lr() == theirs_sched.get_last_lr(), key
        assert ours_sched.state_dict() == theirs_sched.state_dict(), key
        for mine, its in zip(ours_opt.param_groups, theirs_opt.param_groups):
            assert {k: v for k, v in mine.items() if k != "params"} == \
                {k: v for k, v in its.items() if k != "params"}, key


@pytest.mark.parametrize("key", CONFIGS)
@pytest.mark.parametrize("direction", ["torch-to-edu", "edu-to-torch", "edu-to-edu"])
def test_state_dict_resumes_in_either_library(key, direction):
    """15 steps, the optimizer's and scheduler's state dicts into fresh ones (of the other library),
    15 more: the same rates as 30 steps straight."""
    src, dst = {"torch-to-edu": (torch, te), "edu-to-torch": (te, torch), "edu-to-edu": (te, te)}[direction]
    straight, _ = _run(src, key)
    _, (_, opt, sched) = _run(src, key, range(15))
    opt_state, sched_state = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    params, new_opt, new_sched = _setup(dst, key)
    opt_state["state"] = {}  # momentum buffers are not what this test is about (test_optim_parity moves them)
    new_opt.load_state_dict(opt_state)
    new_sched.load_state_dict(sched_state)
    resumed, _ = _run(dst, key, range(15, STEPS), (params, new_opt, new_sched))
    assert resumed == straight[15:]


def test_stepping_the_scheduler_first_warns_as_torch_does():
    messages = []
    for lib in (torch, te):
        O, S = _libs(lib)
        p = Parameter(te.zeros(2)) if lib is te else torch.zeros(2, requires_grad=True)
        opt = O.SGD([p], lr=0.1)
        sched = S.StepLR(opt, 2)
        with pytest.warns(UserWarning, match="optimizer.step\\(\\)` before `lr_scheduler.step\\(\\)") as record:
            sched.step()
        messages.append(str(record[0].message))
        with pytest.warns(UserWarning, match="get_last_lr"):
            sched.get_lr()
    assert messages[0] == messages[1]


def test_bad_arguments_raise_torchs_errors():
    cases = [("LinearLR", dict(start_factor=0)), ("LinearLR", dict(end_factor=1.5)),
             ("ReduceLROnPlateau", dict(factor=1.0)), ("ReduceLROnPlateau", dict(mode="up")),
             ("ReduceLROnPlateau", dict(threshold_mode="ratio")), ("ReduceLROnPlateau", dict(min_lr=[0, 0])),
             ("OneCycleLR", dict(max_lr=1.0)), ("OneCycleLR", dict(max_lr=1.0, total_steps=10, pct_start=1)),
             ("OneCycleLR", dict(max_lr=1.0, total_steps=0)),
             ("OneCycleLR", dict(max_lr=1.0, total_steps=10, anneal_strategy="exp")),
             ("LambdaLR", dict(lr_lambda=[_decay, _decay]))]
    for name, kwargs in cases:
        errors = []
        for lib in (torch, te):
            O, S = _libs(lib)
            p = Parameter(te.zeros(2)) if lib is te else torch.zeros(2, requires_grad=True)
            with pytest.raises(ValueError) as info:
                getattr(S, name)(O.SGD([p], lr=0.1), **kwargs)
            errors.append(str(info.value))
        assert errors[0] == errors[1], (name, kwargs)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        optim.lr_scheduler.StepLR([], 2)


def test_one_cycle_refuses_to_step_past_its_end():
    for lib in (torch, te):
        O, S = _libs(lib)
        p = Parameter(te.zeros(2)) if lib is te else torch.zeros(2, requires_grad=True)
        opt = O.SGD([p], lr=0.1, momentum=0.9)
        sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        opt.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            sched.step()


def test_names_exist_as_in_torch():
    S = optim.lr_scheduler
    for name in ["LRScheduler", "_LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                 "LambdaLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "MultiplicativeLR",
                 "ConstantLR", "PolynomialLR"]:
        assert hasattr(torch.optim.lr_scheduler, name) and issubclass(getattr(S, name), S.LRScheduler)
    assert S._LRScheduler.__name__ == "_LRScheduler"
