"""tinygrad_edu.backend's CuPy device: the same ops on a CUDA device agree with the NumPy backend. Without CuPy and a
GPU, "cuda" is the CPU stand-in (tinygrad_edu/fake_cuda.py, switched on for `gpu`-marked tests by
tests/conftest.py), whose arrays refuse NumPy: a NumPy-only call on the device path fails here."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu.gradcheck.oracle import max_errors
from tinygrad_edu.registry import REGISTRY

pytestmark = pytest.mark.gpu


def _run(spec, arrays, kwargs, device):
    tensors = [te.tensor(a, device=device, requires_grad=True) for a in arrays]
    out = spec.call(te, *tensors, **kwargs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    grads = te.grad([o.sum() for o in outs], tensors, allow_unused=True) if outs[0].requires_grad else []
    return [o.detach().cpu().numpy() for o in outs], [g.cpu().numpy() if g is not None else None for g in grads]


@pytest.mark.gpu
@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in REGISTRY.values()])
def test_cuda_matches_cpu(spec):
    case = spec.cases[0]
    arrays = spec.inputs(case.shapes, np.random.default_rng(0))
    cpu_out, cpu_grads = _run(spec, arrays, case.kwargs, "cpu")
    gpu_out, gpu_grads = _run(spec, arrays, case.kwargs, "cuda")
    assert min(max_errors(gpu_out, cpu_out)) < 1e-9
    assert min(max_errors(gpu_grads, cpu_grads)) < 1e-9


@pytest.mark.gpu
def test_tensor_moves_between_devices_with_its_gradient():
    x = te.tensor([1.0, 2.0], requires_grad=True)
    (x.cuda() * 3.0).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [3.0, 3.0]


def test_device_arrays_refuse_numpy():
    """The device's arrays (CuPy's, or the stand-in's) never turn into NumPy arrays implicitly: data
    leaves the device only through .cpu() (backend.to_numpy)."""
    t = te.ones(2, 3, device="cuda")
    for implicit in (np.asarray, np.exp, lambda a: np.concatenate([a]), lambda a: a + np.ones(3), float):
        with pytest.raises(TypeError):
            implicit(t.array)
    with pytest.raises(TypeError, match="cuda"):
        t.numpy()
    assert t.sum().item() == 6.0 and t.cpu().numpy().tolist() == [[1.0] * 3] * 2


def test_a_training_step_on_the_device_matches_the_cpu():
    """Modules, a loss, backward and an optimizer on device="cuda" give the CPU's parameters."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(8, 1, 6, 6)).astype(np.float32), rng.integers(0, 3, 8)
    results = []
    for device in ("cpu", "cuda"):
        te.manual_seed(0)
        model = te.nn.Sequential(te.nn.Conv2d(1, 2, 3), te.nn.ReLU(), te.nn.MaxPool2d(2), te.nn.Flatten(),
                                 te.nn.Linear(8, 3)).to(device)
        opt = te.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(3):
            opt.zero_grad()
            te.nn.functional.cross_entropy(model(te.tensor(x, device=device)), te.tensor(y, device=device)).backward()
            opt.step()
        results.append([p.detach().cpu().numpy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kwargs", [dict(momentum=0.9, nesterov=True), dict(momentum=0.9), dict()])
def test_sgd_on_the_device_updates_large_parameters_a_block_at_a_time_as_the_cpu(kwargs):
    """SGD's update of a parameter larger than UPDATE_BLOCK (optim/sgd.py) on the device: the blocks
    and their scratch go through the device's array module, and the result is the CPU's."""
    from tinygrad_edu.optim.sgd import UPDATE_BLOCK
    start = np.random.default_rng(4).normal(size=(3, UPDATE_BLOCK // 2 + 5)).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        w = te.tensor(start, device=device, requires_grad=True)
        opt = te.optim.SGD([w], lr=0.1, **kwargs)
        for _ in range(3):
            opt.zero_grad()
            (w * w * w).sum().backward()
            opt.step()
        results.append(w.detach().cpu().numpy())
    np.testing.assert_array_equal(results[1], results[0])
    assert not np.any(results[0] == start)


@pytest.mark.gpu
@pytest.mark.parametrize("channels,kwargs", [(8, dict(padding=1)), (2, dict(padding=1)), (3, dict(stride=2)),
                                             (8, dict(padding=(0, 2), dilation=2))])
def test_convolutions_on_the_device_match_the_cpu_in_every_column_layout(channels, kwargs, conv_layout):
    """conv2d's forward, input and weight gradients (and so its flipped-kernel and col2im input
    gradients) on the device, through each column layout of ops/conv.py (conv_layout fixture)."""
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(3, channels, 7, 6)), rng.normal(size=(4, channels, 3, 3))
    results = []
    for device in ("cpu", "cuda"):
        tx, tw = te.tensor(x, device=device, requires_grad=True), te.tensor(w, device=device, requires_grad=True)
        y = te.nn.functional.conv2d(tx, tw, **kwargs)
        gx, gw = te.grad([(y * y).sum()], [tx, tw])
        results.append([a.detach().cpu().numpy() for a in (y, gx, gw)])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
