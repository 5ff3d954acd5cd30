"""ReLU's backward op (ops/activation.py ReluGrad) on tensors large enough to be computed in blocks,
in the channel-major layout convolutions return and in plain layout, with NaN inputs, +-0 and
infinite upstream gradients: torch's gradients exactly, first and second order; and max pooling's
backward that feeds it (disjoint windows, selected into zeros)."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops import activation


def _arrays(channel_major):
    rng = np.random.default_rng(0)
    shape = (8, 64, 20, 20) if channel_major else (64, 8, 20, 20)
    x = rng.normal(size=shape).astype(np.float32)
    g = rng.normal(size=shape).astype(np.float32)
    if channel_major:
        x, g = x.transpose(1, 0, 2, 3), g.transpose(1, 0, 2, 3)
    x[0, 0, 0, :4] = [np.nan, 0.0, -0.0, 1.0]
    g[0, 0, 0, 3], g[1, 1, 1, 1] = np.inf, -np.inf
    return x, g


@pytest.mark.parametrize("channel_major", [True, False])
def test_relu_gradient_in_blocks_is_torchs(channel_major):
    x, g = _arrays(channel_major)
    assert x.size > activation.SELECT_BLOCK
    xe, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = F.relu(xe * 1.0), torch.relu(xt * 1.0)  # the input of ReLU made by an op, as in a network
    (ge,) = te.autograd.grad(ye, xe, te.tensor(g), create_graph=True)
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g), create_graph=True)
    np.testing.assert_array_equal(ge.detach().numpy(), gt.detach().numpy())
    h = np.random.default_rng(1).normal(size=x.shape).astype(np.float32)
    (he,) = te.autograd.grad((ge * te.tensor(h)).sum(), xe, allow_unused=True)
    (ht,) = torch.autograd.grad((gt * torch.tensor(h)).sum(), xt, allow_unused=True)
    # second order: 0 (ReLU is piecewise linear); zeros in both (torch's double backward gives ReLU's
    # output zeros_like, and so does the engine's, linked through OnesOf)
    assert he is not None and not ht.any()
    np.testing.assert_array_equal(he.detach().numpy(), ht.numpy())


def test_max_pool_gives_a_nan_windows_gradient_to_its_last_nan_as_torch():
    x = np.arange(50, dtype=np.float32).reshape(2, 1, 5, 5)
    x[0, 0, 1, 1] = x[0, 0, 2, 2] = x[1, 0, 0, 0] = x[1, 0, 0, 4] = np.nan
    for kernel, stride in ((2, 2), (3, 2), (3, 1)):
        xe, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        F.max_pool2d(xe, kernel, stride).sum().backward()
        torch.nn.functional.max_pool2d(xt, kernel, stride).sum().backward()
        np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_relu_then_max_pool_backward_is_torchs():
    x, g = _arrays(True)
    xe, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    up = np.random.default_rng(2).normal(size=(64, 8, 10, 10)).astype(np.float32)
    F.max_pool2d(F.relu(xe * 1.0), 2).backward(te.tensor(up))
    torch.nn.functional.max_pool2d(torch.relu(xt * 1.0), 2).backward(torch.tensor(up))
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def _relu_grad_reuses(monkeypatch):
    """Spy on ReluGrad.forward: the list of its into_g arguments (whether it wrote over g)."""
    seen, forward = [], activation.ReluGrad.forward

    def spy(self, g, z, into_g=False):
        seen.append(into_g)
        return forward(self, g, z, into_g)
    monkeypatch.setattr(activation.ReluGrad, "forward", spy)
    return seen


def _keep_hook(kept):
    return lambda g: kept.append(g)


def _both(ns, F, x, scenario, kept):
    x = ns.tensor(x, requires_grad=True)
    y = F.relu(x * 1.0)
    if scenario == "retain_grad":
        y.retain_grad()  # y.grad is the very gradient ReLU's backward gets: it must not be overwritten
    if scenario == "hook":
        y.register_hook(_keep_hook(kept))
    if scenario == "two_uses":  # the sum passes one gradient to both ReLUs: neither may overwrite it
        z = F.max_pool2d(y + F.relu(x * -2.0), 2)
    elif scenario == "retain_grad":  # y * 3's fresh gradient becomes y.grad itself (no copy)
        z = y
    else:
        z = F.max_pool2d(y, 2)
    (z * 3.0).sum().backward()
    held = [y.grad] if scenario == "retain_grad" else kept
    return [x.grad.numpy()] + [t.numpy() for t in held]


@pytest.mark.parametrize("scenario", ["plain", "retain_grad", "hook", "two_uses"])
def test_relu_backward_writes_over_a_gradient_only_when_backward_alone_holds_it(scenario, monkeypatch):
    """ReLU's backward writes its result over the incoming gradient when nothing else holds it
    (grad_holders.owned): the step's peak is lower by an array of that size. A gradient kept as
    .grad, by a hook or still owed to another op must come out as torch's."""
    x, _ = _arrays(False)
    seen = _relu_grad_reuses(monkeypatch)
    edu = _both(te, F, x, scenario, [])
    torch_kept = []
    ref = _both(torch, torch.nn.functional, x, scenario, torch_kept)
    assert len(edu) == len(ref) and all(np.array_equal(a, b) for a, b in zip(edu, ref))
    if scenario == "plain":
        assert seen == [True]  # the pooling's fresh gradient was written over
    if scenario in ("retain_grad", "hook"):
        assert seen == [False]  # .grad or the hook holds the gradient


def test_relu_backward_leaves_a_gradient_the_caller_gave_intact():
    """A seed gradient (``backward(gradient=...)``) straight into ReLU's backward is the caller's:
    neither it nor the NumPy array it shares (from_numpy) is written over."""
    x, _ = _arrays(False)
    seed = np.random.default_rng(3).normal(size=x.shape).astype(np.float32)
    before = seed.copy()
    xe, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    given = te.from_numpy(seed)
    F.relu(xe * 1.0).backward(given)
    torch.relu(xt * 1.0).backward(torch.tensor(before))
    np.testing.assert_array_equal(seed, before)
    np.testing.assert_array_equal(given.numpy(), before)
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())
