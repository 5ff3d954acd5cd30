"""tinygrad_edu.optim: every optimizer and option against torch.optim, step by step.

For each configuration both libraries take 20 steps from the same float64 weights on the same loss
(its gradients change from step to step, so the state matters); the parameters and every state
entry must agree to rtol 1e-10. Then: torch's names, signatures, defaults, group keys and error
messages; state dicts saved by one library load into the other and continue identically.
"""
import inspect

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import optim
from tinygrad_edu.nn import Parameter

torch = pytest.importorskip("torch")

SHAPES = [(4, 3), (3,), (2, 2, 2)]
NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"]
RTOL, ATOL = 1e-10, 1e-12

CONFIGS = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, betas=(0.3, 0.8), maximize=True)),  # lerp weight >= 0.5: torch's other formula
    ("AdamW", dict()),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.5, betas=(0.5, 0.9), eps=1e-4, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=1e-2, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=1e-2, centered=True)),
    ("RMSprop", dict(lr=1e-2, momentum=0.9)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2, alpha=0.3, centered=True, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(lr=0.1, rho=0.99, maximize=True)),
]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in SHAPES], [rng.standard_normal(s) for s in SHAPES]


def _loss(params, targets, lib, step, maximize=False):
    """Quadratic plus quartic, its weight growing with the step; negated for maximize."""
    total = 0
    for p, t in zip(params, targets):
        d = p - (te.tensor(t) if lib is te else torch.from_numpy(t))
        total = total + (d * d * (1 + 0.1 * step)).sum() + (d * d * d * d).sum() * 0.01
    return -total if maximize else total


def _build(lib, name, kwargs, inits, groups=None):
    if lib is te:
        params = [Parameter(te.tensor(a)) for a in inits]
        cls = getattr(optim, name)
    else:
        params = [torch.tensor(a, requires_grad=True) for a in inits]
        cls = getattr(torch.optim, name)
    return params, cls(groups(params) if groups else params, **kwargs)


def _train(lib, params, opt, targets, steps, maximize=False):
    for step in steps:
        opt.zero_grad()
        _loss(params, targets, lib, step, maximize).backward()
        opt.step()


def _numpy(v):
    if isinstance(v, te.Tensor):
        return np.array(v.array)
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    return np.asarray(v)


def _assert_same(ours, ours_opt, theirs, theirs_opt):
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.array, q.detach().numpy(), rtol=RTOL, atol=ATOL)
        mine, its = ours_opt.state.get(p, {}), theirs_opt.state.get(q, {})
        assert sorted(mine) == sorted(its)
        for key in its:
            np.testing.assert_allclose(_numpy(mine[key]), _numpy(its[key]), rtol=RTOL, atol=ATOL, err_msg=key)
    for mine, its in zip(ours_opt.param_groups, theirs_opt.param_groups):
        assert {k: v for k, v in mine.items() if k != "params"} == {k: v for k, v in its.items() if k != "params"}


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_twenty_steps_match_torch(name, kwargs):
    inits, targets = _problem()
    maximize = kwargs.get("maximize", False)
    ours, ours_opt = _build(te, name, kwargs, inits)
    theirs, theirs_opt = _build(torch, name, kwargs, inits)
    _train(te, ours, ours_opt, targets, range(20), maximize)
    _train(torch, theirs, theirs_opt, targets, range(20), maximize)
    _assert_same(ours, ours_opt, theirs, theirs_opt)
    assert not np.allclose(ours[0].array, inits[0])  # it moved


@pytest.mark.parametrize("name", NAMES[1:])
def test_parameter_groups_with_their_own_options(name):
    inits, targets = _problem(1)
    extra = {"Adam": dict(amsgrad=True), "AdamW": dict(weight_decay=0.5), "RMSprop": dict(momentum=0.5, centered=True),
             "Adagrad": dict(lr_decay=0.1), "Adadelta": dict(rho=0.5)}[name]

    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003, **extra}]

    ours, ours_opt = _build(te, name, dict(lr=0.01), inits, groups)
    theirs, theirs_opt = _build(torch, name, dict(lr=0.01), inits, groups)
    _train(te, ours, ours_opt, targets, range(10))
    _train(torch, theirs, theirs_opt, targets, range(10))
    _assert_same(ours, ours_opt, theirs, theirs_opt)


def test_params_without_grad_are_skipped_like_torch():
    """A parameter with no gradient is not moved and (except Adagrad's, made eagerly) gets no state."""
    inits, targets = _problem(2)
    for name in NAMES:
        ours, ours_opt = _build(te, name, dict(lr=0.1), inits)
        theirs, theirs_opt = _build(torch, name, dict(lr=0.1), inits)
        for lib, params, opt in ((te, ours, ours_opt), (torch, theirs, theirs_opt)):
            opt.zero_grad()
            _loss(params[:2], targets[:2], lib, 0).backward()
            opt.step()
        _assert_same(ours, ours_opt, theirs, theirs_opt)
        np.testing.assert_array_equal(ours[2].array, inits[2])


@pytest.mark.parametrize("name", NAMES)
def test_signature_defaults_and_group_keys_are_torchs(name):
    ours, theirs = inspect.signature(getattr(optim, name)), inspect.signature(getattr(torch.optim, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
    inits, _ = _problem()
    _, ours_opt = _build(te, name, {}, inits)
    _, theirs_opt = _build(torch, name, {}, inits)
    assert ours_opt.defaults == theirs_opt.defaults
    assert ours_opt.state_dict()["param_groups"] == theirs_opt.state_dict()["param_groups"]
    assert list(ours_opt.state_dict()["param_groups"][0]) == list(theirs_opt.state_dict()["param_groups"][0])


BAD = [("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1)),
       ("SGD", dict(nesterov=True)), ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True)),
       ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))),
       ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1)), ("AdamW", dict(lr=-0.1)),
       ("AdamW", dict(betas=(0.9, 1.5))), ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)),
       ("RMSprop", dict(momentum=-1)), ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
       ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
       ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)), ("Adadelta", dict(lr=-1)),
       ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1)), ("Adadelta", dict(weight_decay=-1))]


@pytest.mark.parametrize("name, kwargs", BAD, ids=[f"{n}-{k}" for n, k in BAD])
def test_invalid_arguments_raise_torchs_error(name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([Parameter(te.zeros(2))], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("option", ["differentiable", "capturable"])
def test_torch_only_options_are_refused_not_ignored(option):
    with pytest.raises(NotImplementedError, match=f"not supported in tinygrad_edu: Adam\\({option}=True\\)"):
        optim.Adam([Parameter(te.zeros(2))], **{option: True})
    optim.Adam([Parameter(te.zeros(2))], foreach=True)  # foreach only picks torch's implementation: same rule


@pytest.mark.parametrize("name", NAMES)
def test_each_step_counts_one_version(name):
    p = Parameter(te.tensor(np.ones(3)))
    opt = getattr(optim, name)([p], lr=0.1)
    before = p._version
    for _ in range(3):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert p._version == before + 3


def _to_numpy_state(sd):
    """torch's state_dict with its tensors as NumPy arrays (what a checkpoint for either library holds)."""
    return {"state": {k: {n: _numpy(v) if isinstance(v, torch.Tensor) else v for n, v in s.items()}
                      for k, s in sd["state"].items()},
            "param_groups": sd["param_groups"]}


def _to_torch_state(sd):
    return {"state": {k: {n: torch.from_numpy(_numpy(v).copy()) if isinstance(v, te.Tensor) else v
                          for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


@pytest.mark.parametrize("name, kwargs", CONFIGS[::2], ids=[f"{n}-{k}" for n, k in CONFIGS[::2]])
@pytest.mark.parametrize("direction", ["torch-to-edu", "edu-to-torch"])
def test_state_dict_moves_between_libraries(name, kwargs, direction):
    """10 steps in one library, its state_dict (and weights) loaded into the other, 10 more steps
    there: equal to 20 steps in the first."""
    inits, targets = _problem(3)
    maximize = kwargs.get("maximize", False)
    src_lib, dst_lib = (torch, te) if direction == "torch-to-edu" else (te, torch)
    src, src_opt = _build(src_lib, name, kwargs, inits)
    _train(src_lib, src, src_opt, targets, range(10), maximize)
    halfway = [_numpy(p) for p in src]
    saved = src_opt.state_dict()
    dst, dst_opt = _build(dst_lib, name, kwargs, halfway)
    dst_opt.load_state_dict(_to_numpy_state(saved) if src_lib is torch else _to_torch_state(saved))
    _train(src_lib, src, src_opt, targets, range(10, 20), maximize)
    _train(dst_lib, dst, dst_opt, targets, range(10, 20), maximize)
    ours, ours_opt, theirs, theirs_opt = (dst, dst_opt, src, src_opt) if dst_lib is te else (src, src_opt, dst, dst_opt)
    _assert_same(ours, ours_opt, theirs, theirs_opt)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_and_keys_are_torchs(name):
    inits, targets = _problem(4)
    kwargs = {"SGD": dict(momentum=0.9), "Adam": dict(amsgrad=True), "AdamW": dict(amsgrad=True),
              "RMSprop": dict(momentum=0.9, centered=True)}.get(name, {})
    ours, ours_opt = _build(te, name, kwargs, inits)
    theirs, theirs_opt = _build(torch, name, kwargs, inits)
    _train(te, ours, ours_opt, targets, range(2))
    _train(torch, theirs, theirs_opt, targets, range(2))
    mine, its = ours_opt.state_dict(), theirs_opt.state_dict()
    assert list(mine["state"]) == list(its["state"]) == [0, 1, 2]
    for k in its["state"]:
        assert list(mine["state"][k]) == list(its["state"][k])
        if "step" in its["state"][k]:
            step = mine["state"][k]["step"]
            assert step.shape == () and step.dtype == np.float32 and step.item() == its["state"][k]["step"].item()


def test_imports_that_worked_before_still_work():
    from tinygrad_edu.optim import SGD, Adam, Optimizer  # noqa: F401
    from tinygrad_edu.optim.lr_scheduler import StepLR  # noqa: F401
    assert te.optim.SGD is SGD and issubclass(te.optim.AdamW, Adam) and issubclass(te.optim.RMSprop, Optimizer)


def test_named_parameters_and_state_as_torchs():
    """``Optimizer(model.named_parameters())`` keeps the names in ``param_names``, as torch 2.13 does;
    ``opt.state`` is a defaultdict (``opt.state[p]`` of a parameter without state is ``{}``)."""
    inits, targets = _problem(5)
    ours = [Parameter(te.tensor(a)) for a in inits]
    theirs = [torch.tensor(a, requires_grad=True) for a in inits]
    ours_opt = optim.RMSprop([(f"w{i}", p) for i, p in enumerate(ours)], lr=0.01, momentum=0.5)
    theirs_opt = torch.optim.RMSprop([(f"w{i}", p) for i, p in enumerate(theirs)], lr=0.01, momentum=0.5)
    assert ours_opt.state[ours[0]] == {} and len(theirs_opt.state[theirs[0]]) == 0
    _train(te, ours, ours_opt, targets, range(5))
    _train(torch, theirs, theirs_opt, targets, range(5))
    _assert_same(ours, ours_opt, theirs, theirs_opt)
    assert ours_opt.state_dict()["param_groups"] == theirs_opt.state_dict()["param_groups"]


@pytest.mark.gpu
@pytest.mark.parametrize("name, kwargs", CONFIGS[::3], ids=[f"{n}-{k}" for n, k in CONFIGS[::3]])
def test_optimizers_on_cuda_match_cpu(name, kwargs):
    """The same rules on CuPy arrays: 10 steps on the device equal 10 on the CPU; the state_dict
    taken on the device loads into a CPU optimizer."""
    inits, targets = _problem(6)
    results = []
    for device in ("cpu", "cuda"):
        params = [Parameter(te.tensor(a, device=device)) for a in inits]
        opt = getattr(optim, name)(params, **kwargs)
        goal = [te.tensor(t, device=device) for t in targets]
        for step in range(10):
            opt.zero_grad()
            sum(((p - t) * (p - t) * (1 + 0.1 * step)).sum() for p, t in zip(params, goal)).backward()
            opt.step()
        results.append(([p.detach().cpu().numpy() for p in params], opt.state_dict()))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    cpu_opt = getattr(optim, name)([Parameter(te.tensor(a)) for a in results[1][0]], **kwargs)
    cpu_opt.load_state_dict(results[1][1])
    for state, saved in zip(cpu_opt.state.values(), results[0][1]["state"].values()):
        for key in saved:
            np.testing.assert_allclose(np.asarray(state[key]), _numpy(saved[key]), rtol=1e-10, atol=1e-12)
