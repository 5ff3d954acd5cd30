"""tinygrad_edu.optim.SGD and Adam follow torch's update rules exactly, take parameter groups, build
no graph, and resume identically from their state dicts."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import optim, serialization
from tinygrad_edu.nn import Parameter

torch = pytest.importorskip("torch")

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s) for s in SHAPES]
    targets = [rng.standard_normal(s) for s in SHAPES]
    return inits, targets


def _loss(params, targets, lib, step):
    """A non-quadratic loss whose gradients change from step to step (so the state matters)."""
    total = 0
    for p, t in zip(params, targets):
        d = p - (lib.tensor(t) if lib is te else torch.from_numpy(t))
        total = total + (d * d * (1 + 0.1 * step)).sum() + (d * d * d * d).sum() * 0.01
    return total


def _run(lib, opt_cls, kwargs, steps, inits, targets, groups=None):
    if lib is te:
        params = [Parameter(te.tensor(a)) for a in inits]
        opt = getattr(optim, opt_cls)(groups(params) if groups else params, **kwargs)
    else:
        params = [torch.tensor(a, requires_grad=True) for a in inits]
        opt = getattr(torch.optim, opt_cls)(groups(params) if groups else params, **kwargs)
    for step in range(steps):
        opt.zero_grad()
        _loss(params, targets, lib, step).backward()
        opt.step()
    return [np.array(p.array if lib is te else p.detach().numpy()) for p in params]


CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1.0)),
    ("Adam", dict(lr=1e-2, betas=(0.5, 0.9), eps=1e-6)),
    ("Adam", dict(lr=1e-2, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True)),
]


@pytest.mark.parametrize("opt_cls, kwargs", CONFIGS, ids=[f"{c}-{k}" for c, k in CONFIGS])
def test_updates_match_torch(opt_cls, kwargs):
    inits, targets = _problem()
    ours = _run(te, opt_cls, kwargs, 15, inits, targets)
    theirs = _run(torch, opt_cls, kwargs, 15, inits, targets)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


SGD_CONFIGS = [c for c in CONFIGS if c[0] == "SGD"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("opt_cls, kwargs", SGD_CONFIGS, ids=[f"{c}-{k}" for c, k in SGD_CONFIGS])
def test_sgd_updates_of_parameters_larger_than_a_block_match_torch(opt_cls, kwargs, dtype):
    """SGD updates a parameter of more than UPDATE_BLOCK elements a block at a time (the last block
    partial); every element, in either dtype, is torch's (float32 to rounding: torch fuses into FMA)."""
    from tinygrad_edu.optim.sgd import UPDATE_BLOCK
    rng = np.random.default_rng(3)
    shapes = [(2 * UPDATE_BLOCK + 777,), (300, 300), (5,)]
    inits = [rng.standard_normal(s).astype(dtype) for s in shapes]
    targets = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = _run(te, opt_cls, kwargs, 4, inits, targets)
    theirs = _run(torch, opt_cls, kwargs, 4, inits, targets)
    tol = dict(rtol=1e-12, atol=1e-13) if dtype == "float64" else dict(rtol=2e-6, atol=1e-6)
    for a, b, start in zip(ours, theirs, inits):
        assert a.dtype == start.dtype and not np.any(a == start)  # every element moved
        np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=0.9), dict(momentum=0.9, nesterov=True)],
                         ids=["plain", "momentum", "nesterov"])
def test_sgd_step_allocates_at_most_a_block(kwargs):
    """SGD's update needs no temporary of a parameter's size (torch's ``add_`` makes none): the
    step's peak allocation (tracemalloc sees NumPy's) is at most one UPDATE_BLOCK of scratch."""
    import tracemalloc

    from tinygrad_edu.optim.sgd import UPDATE_BLOCK
    w = Parameter(te.tensor(np.random.default_rng(0).normal(size=(784, 100)).astype(np.float32)))
    opt = optim.SGD([w], lr=0.01, **kwargs)
    for _ in range(2):  # the second step finds its momentum buffer made
        opt.zero_grad()
        (w * w).sum().backward()
        tracemalloc.start()
        opt.step()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak <= UPDATE_BLOCK * 4 + 4096, f"{peak} bytes for a parameter of {w.numel() * 4}"


def test_parameter_groups_match_torch():
    inits, targets = _problem(1)

    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.001, "momentum": 0.5}]

    ours = _run(te, "SGD", dict(lr=0.05, momentum=0.9), 10, inits, targets, groups)
    theirs = _run(torch, "SGD", dict(lr=0.05, momentum=0.9), 10, inits, targets, groups)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_step_builds_no_graph_and_skips_params_without_grad():
    a, b = Parameter(te.randn(3)), Parameter(te.randn(3))
    before_b = b.array.copy()
    opt = optim.Adam([a, b], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert a.is_leaf and a.grad_fn is None and a.requires_grad
    np.testing.assert_array_equal(b.array, before_b)
    assert b not in opt.state
    opt.zero_grad()
    assert a.grad is None


@pytest.mark.parametrize("opt_cls, kwargs", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                             ("Adam", dict(lr=1e-2))])
def test_state_dict_resumes_identically(tmp_path, opt_cls, kwargs):
    inits, targets = _problem(2)

    def fresh():
        params = [Parameter(te.tensor(a)) for a in inits]
        return params, getattr(optim, opt_cls)(params, **kwargs)

    def train(params, opt, steps):
        for step in steps:
            opt.zero_grad()
            _loss(params, targets, te, step).backward()
            opt.step()

    straight, opt = fresh()
    train(straight, opt, range(10))

    params, opt = fresh()
    train(params, opt, range(5))
    path = tmp_path / "ckpt.npz"
    serialization.save({"params": [p.detach() for p in params], "optim": opt.state_dict()}, path)

    resumed, opt2 = fresh()  # a new process would build these from scratch
    ckpt = serialization.load(path)
    for p, saved in zip(resumed, ckpt["params"]):
        p.array[...] = saved.array
    opt2.load_state_dict(ckpt["optim"])
    train(resumed, opt2, range(5, 10))
    for a, b in zip(resumed, straight):
        np.testing.assert_array_equal(a.array, b.array)  # bit for bit


def test_state_dict_layout_is_torchs():
    inits, _ = _problem()
    params = [Parameter(te.tensor(a)) for a in inits]
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    (params[0] * params[0]).sum().backward()
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"} and sd["param_groups"][0]["params"] == [0, 1, 2]
    assert list(sd["state"]) == [0] and sd["state"][0]["momentum_buffer"].shape == (4, 3)
    tparams = [torch.tensor(a, requires_grad=True) for a in inits]
    tsd = torch.optim.SGD(tparams, lr=0.1, momentum=0.9).state_dict()
    assert set(tsd["param_groups"][0]) <= set(sd["param_groups"][0]) | {"foreach", "differentiable", "fused"}


def test_bad_arguments():
    p = Parameter(te.randn(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.Adam([p], lr=-1)
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(p, lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
