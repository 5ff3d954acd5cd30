"""The fused cross-entropy op (ops/cross_entropy.py) against torch and against the composed form it
replaces (nll_loss of log_softmax): values, first- and second-order gradients, with class weights,
ignore_index, every reduction and extreme logits."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops.cross_entropy import CrossEntropy


def _case(seed, dtype, extreme=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 5)) * 3
    if extreme:
        x[0, 1], x[1] = 1e4, -1e4
        x[2, 3] = -np.inf
    t = rng.integers(0, 5, 6)
    t[4] = -100  # ignored
    return x.astype(dtype), t, rng.uniform(0.5, 2, 5).astype(dtype), rng.normal(size=6).astype(dtype)


def _engine(x, t, w, up, reduction, composed, weighted):
    xe = te.tensor(x, requires_grad=True)
    kw = dict(weight=te.tensor(w) if weighted else None, reduction=reduction)
    if composed:
        loss = F.nll_loss(xe.log_softmax(1), te.tensor(t), **kw)
    else:
        loss = F.cross_entropy(xe, te.tensor(t), **kw)
        assert isinstance(loss.grad_fn, CrossEntropy)
    g = te.tensor(up if reduction == "none" else up[0])
    (gx,) = te.autograd.grad(loss, xe, g, create_graph=True)
    (gg,) = te.autograd.grad((gx * gx).sum(), xe)
    return loss.detach().numpy(), gx.detach().numpy(), gg.numpy()


def _torch(x, t, w, up, reduction, weighted):
    xt = torch.tensor(x, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(xt, torch.tensor(t), weight=torch.tensor(w) if weighted else None,
                                             reduction=reduction)
    g = torch.tensor(up if reduction == "none" else up[0])
    (gx,) = torch.autograd.grad(loss, xt, g, create_graph=True)
    (gg,) = torch.autograd.grad((gx * gx).sum(), xt)
    return loss.detach().numpy(), gx.detach().numpy(), gg.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_cross_entropy_matches_torch_and_the_composed_form(reduction, weighted, dtype):
    x, t, w, up = _case(0, dtype)
    fused = _engine(x, t, w, up, reduction, False, weighted)
    composed = _engine(x, t, w, up, reduction, True, weighted)
    reference = _torch(x, t, w, up, reduction, weighted)
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    for name, f, c, r in zip(("loss", "grad", "grad2"), fused, composed, reference):
        assert f.dtype == r.dtype and f.shape == r.shape, name
        np.testing.assert_allclose(f, r, **tol, err_msg=name)
        np.testing.assert_allclose(f, c, **tol, err_msg=name)


def test_fused_cross_entropy_at_extreme_logits_matches_torch():
    x, t, w, up = _case(1, np.float64, extreme=True)
    t[2] = 3  # the target's own logit is -inf: an infinite loss
    for reduction in ("none", "sum"):
        xe, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        le = F.cross_entropy(xe, te.tensor(t), reduction=reduction)
        lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t), reduction=reduction)
        np.testing.assert_array_equal(le.detach().numpy(), lt.detach().numpy())
        g = up if reduction == "none" else up[0]
        le.backward(te.tensor(g))
        lt.backward(torch.tensor(g))
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_fused_cross_entropy_gradient_matches_finite_differences():
    x, t, w, _ = _case(2, np.float64)
    xe = te.tensor(x, requires_grad=True)
    F.cross_entropy(xe, te.tensor(t), weight=te.tensor(w)).backward()
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[i] += 1e-6
        lo[i] -= 1e-6
        f = [float(F.cross_entropy(te.tensor(a), te.tensor(t), weight=te.tensor(w)).item()) for a in (hi, lo)]
        numeric[i] = (f[0] - f[1]) / 2e-6
    np.testing.assert_allclose(xe.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)
