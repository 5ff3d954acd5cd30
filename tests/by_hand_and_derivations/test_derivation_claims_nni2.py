"""The numeric claims of derivations/nni2_theory.tex (sheet nni2), one test per claim (the tex file
names its test)."""

import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.by_hand_and_derivations.derivation_claims_helpers import F64, RNG
from tinygrad_edu.hessian import gradient as engine_gradient, hessian
from tinygrad_edu.nn.functional import circular_angle_loss
from torch_ref.losses import circular_angle_loss as torch_circular_angle_loss


# --- nni2 ----------------------------------------------------------------------------------

def test_nni2_correlation_noise_floor():
    N, d = 2000, 30
    R = np.corrcoef(RNG.normal(size=(N, d)), rowvar=False)
    mean_abs = np.abs(R[np.triu_indices(d, 1)]).mean()
    assert abs(mean_abs - np.sqrt(2 / (np.pi * N))) < 0.15 * np.sqrt(2 / (np.pi * N))
    mixed = RNG.normal(size=(N, d)) @ RNG.normal(size=(d, d))       # redundant coordinates
    assert np.abs(np.corrcoef(mixed, rowvar=False)[np.triu_indices(d, 1)]).mean() > 5 * mean_abs


def test_nni2_composition_of_affine_maps():
    A, a, B, b = RNG.normal(size=(4, 3)), RNG.normal(size=4), RNG.normal(size=(2, 4)), RNG.normal(size=2)
    x, y, alpha, beta = RNG.normal(size=3), RNG.normal(size=3), 0.7, -1.3
    assert np.allclose(B @ (A @ x + a) + b, (B @ A) @ x + (B @ a + b))
    lin = lambda v: B @ (A @ v)
    assert np.allclose(lin(alpha * x + beta * y), alpha * lin(x) + beta * lin(y))
    aff = lambda v: B @ (A @ v + a) + b                              # affine, not linear
    assert not np.allclose(aff(alpha * x + beta * y), alpha * aff(x) + beta * aff(y))


def test_nni2_taylor_needs_one_half():
    f_np = lambda v: np.exp(v[0]) * v[1] ** 2 + v[0] ** 3 * v[1]
    x0 = np.array([0.3, -0.7])
    g = engine_gradient(lambda t: t[0].exp() * t[1] ** 2 + t[0] ** 3 * t[1], x0)
    H = hessian(lambda t: t[0].exp() * t[1] ** 2 + t[0] ** 3 * t[1], x0)
    direction = np.array([0.6, 0.8])
    def errors(h):
        dx = h * direction
        exact = f_np(x0 + dx)
        return abs(exact - (f_np(x0) + g @ dx + 0.5 * dx @ H @ dx)), abs(exact - (f_np(x0) + g @ dx + dx @ H @ dx))
    (half_1, sheet_1), (half_2, sheet_2) = errors(1e-2), errors(5e-3)
    assert 7 < half_1 / half_2 < 9            # O(h^3) with the 1/2
    assert 3.5 < sheet_1 / sheet_2 < 4.5      # only O(h^2) as the sheet writes it
    assert half_1 < sheet_1 / 5


def test_nni2_circular_angle_loss():
    two = te.tensor([2.0], dtype=te.float64)
    assert circular_angle_loss(two, [360.0]).item() == 2.0
    assert torch_circular_angle_loss(torch.tensor([2.0], dtype=F64), [360.0]).item() == 2.0
    assert circular_angle_loss(te.tensor([0.5], dtype=te.float64), [2 * np.pi], period=2 * np.pi).item() == 0.5
    pred, target = RNG.uniform(-1000, 1000, 64), RNG.uniform(0, 360, 64)
    ours = circular_angle_loss(te.tensor(pred), target, reduction="none").numpy()
    theirs = torch_circular_angle_loss(torch.tensor(pred), target, reduction="none").numpy()
    assert np.allclose(ours, theirs, atol=1e-9) and np.all((ours >= 0) & (ours <= 180))
    shifted = circular_angle_loss(te.tensor(pred + 720.0), target - 360.0, reduction="none").numpy()
    assert np.allclose(shifted, ours, atol=1e-9)
    # gradient: engine against torch and against central differences (kinks avoided)
    p = te.tensor(pred, requires_grad=True)
    (g,) = te.grad(circular_angle_loss(p, target), p)
    p_t = torch.tensor(pred, requires_grad=True)
    (g_t,) = torch.autograd.grad(torch_circular_angle_loss(p_t, torch.tensor(target)), p_t)
    h, loss = 1e-6, lambda v: circular_angle_loss(te.tensor(v), target).item()
    fd = np.array([(loss(pred + h * e) - loss(pred - h * e)) / (2 * h) for e in np.eye(64)])
    assert np.allclose(g.numpy(), g_t.numpy(), atol=1e-15) and np.allclose(g.numpy(), fd, atol=1e-7)
    assert np.allclose(np.abs(g.numpy()), 1 / 64)
    at_kink = te.tensor([10.0, 370.0], dtype=te.float64, requires_grad=True)      # w = 0 exactly
    (g0,) = te.grad(circular_angle_loss(at_kink, [10.0, 10.0]), at_kink)
    k_t = torch.tensor([10.0, 370.0], dtype=F64, requires_grad=True)
    (g0_t,) = torch.autograd.grad(torch_circular_angle_loss(k_t, [10.0, 10.0]), k_t)
    assert np.array_equal(g0.numpy(), [0.0, 0.0]) and np.array_equal(g0_t.numpy(), [0.0, 0.0])
    assert circular_angle_loss(te.tensor(pred), target, reduction="sum").item() == pytest.approx(ours.sum())
    with pytest.raises(ValueError, match="reduction"):
        circular_angle_loss(two, [0.0], reduction="max")


def _chain_cases(lib):
    """(a)-(d) of nni2.T4 as (expression of x, analytic derivative); f's built from tensor ops."""
    x0, y0, z0 = 0.4, -0.3, 0.8
    # (a) f(u1, u2, u3) = u1^2 u2 + exp(u2 u3) + u1 u3
    fa = lambda u1, u2, u3: u1 ** 2 * u2 + (u2 * u3).exp() + u1 * u3
    u = (x0 + y0, 2 * x0, z0)
    da = (2 * u[0] * u[1] + u[2]) + 2 * (u[0] ** 2 + u[2] * np.exp(u[1] * u[2]))
    # (b) f1(f2(f3(f4(x)))) with tanh, sigmoid, t^2, exp
    fs = [lambda t: t.tanh(), lambda t: t.sigmoid(), lambda t: t ** 2, lambda t: t.exp()]
    ds = [lambda v: 1 - np.tanh(v) ** 2, lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2, lambda v: 2 * v, np.exp]
    vs = [np.exp(x0)]
    vs = [vs[0] ** 2] + vs
    vs = [1 / (1 + np.exp(-vs[0]))] + vs + [x0]          # inner values g_2, g_3, g_4, g_5 = x
    db = np.prod([ds[i](vs[i]) for i in range(4)])
    # (c) f_i(x, u) = x u + tanh(u) (i < n), f_n(x) = x^2, n = 4: recursion g_i' = d1 f_i + d2 f_i g_{i+1}'
    g, dg = x0 ** 2, 2 * x0
    for _ in range(3):
        g, dg = x0 * g + np.tanh(g), g + (x0 + 1 - np.tanh(g) ** 2) * dg
    dc = dg
    # (d) f = tanh, g = sigmoid, h = x^3
    inner = x0 + x0 ** 3
    sig = 1 / (1 + np.exp(-inner))
    dd = (1 - np.tanh(x0 + sig) ** 2) * (1 + sig * (1 - sig) * (1 + 3 * x0 ** 2))

    def fc(x):
        g = x ** 2
        for _ in range(3):
            g = x * g + g.tanh()
        return g
    return [(lambda x: fa(x + y0, x * 2.0, lib.tensor(z0, dtype=lib.float64)), da),
            (lambda x: fs[0](fs[1](fs[2](fs[3](x)))), db), (fc, dc),
            (lambda x: (x + (x + x ** 3).sigmoid()).tanh(), dd)], x0


@pytest.mark.parametrize("lib", ["torch", "engine"])
def test_nni2_chain_rule(lib):
    module = torch if lib == "torch" else te
    cases, x0 = _chain_cases(module)
    for expression, expected in cases:
        x = module.tensor(x0, dtype=module.float64, requires_grad=True)
        out = expression(x)
        (g,) = torch.autograd.grad(out, x) if lib == "torch" else te.grad(out, x)
        assert np.isclose(g.item(), expected, rtol=1e-12, atol=1e-14)
