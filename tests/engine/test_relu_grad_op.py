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
