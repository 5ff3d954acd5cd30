"""The numeric claims of derivations/cpsc663_theory.tex (sheet cpsc663), one test per claim (the tex
file names its test)."""

import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tests.by_hand_and_derivations.derivation_claims_helpers import F64, RNG


# --- cpsc663 -------------------------------------------------------------------------------

def test_cpsc663_gradient_descent_on_a_parabola():
    a = 2.0                                              # C = a v^2 / 2, C' = a v
    def run(eta, steps=30):
        v = [1.0]
        for _ in range(steps):
            v.append(v[-1] - eta * a * v[-1])
        return np.array(v)
    mono, osc, div = run(0.25), run(0.75), run(1.1)
    assert np.all(np.diff(mono) < 0) and np.all(mono > 0) and abs(mono[-1]) < 1e-6
    assert np.all(np.sign(osc[1:]) == -np.sign(osc[:-1])) and abs(osc[-1]) < 1e-6
    assert abs(div[-1]) > 10
    assert 0.5 * a * (1 - 0.01 * a) ** 2 < 0.5 * a           # a small step lowers C


def test_cpsc663_minibatch_variance():
    per_example = RNG.normal(3.0, 2.0, 200_000)          # per-example gradients at a fixed point
    singles = RNG.choice(per_example, 40_000)
    batches = RNG.choice(per_example, (40_000, 20)).mean(axis=1)
    assert abs(singles.var() / batches.var() - 20) < 2


def test_cpsc663_modified_neuron():
    torch.manual_seed(1)
    x, y = torch.randn(3, dtype=F64), torch.rand(2, dtype=F64)
    W1, b1, W2, b2 = (torch.randn(s, dtype=F64, requires_grad=True) for s in [(3, 3), (3,), (2, 3), (2,)])
    act1 = lambda z: torch.cat([torch.sigmoid(z[:1]), torch.tanh(z[1:2]), torch.sigmoid(z[2:])])  # neuron 2 uses f
    act2 = lambda z: torch.cat([torch.tanh(z[:1]), torch.sigmoid(z[1:])])                      # output 1 uses f
    z1 = W1 @ x + b1; a1 = act1(z1); z2 = W2 @ a1 + b2; a2 = act2(z2)
    (0.5 * ((a2 - y) ** 2).sum()).backward()
    with torch.no_grad():
        s = lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z))
        d1 = s(z1).clone(); d1[1] = 1 - torch.tanh(z1[1]) ** 2      # f'(z) replaces sigma'(z)
        d2 = s(z2).clone(); d2[0] = 1 - torch.tanh(z2[0]) ** 2
        delta2 = (a2 - y) * d2
        delta1 = (W2.T @ delta2) * d1
        assert torch.allclose(W2.grad, torch.outer(delta2, a1)) and torch.allclose(b2.grad, delta2)
        assert torch.allclose(W1.grad, torch.outer(delta1, x)) and torch.allclose(b1.grad, delta1)


@pytest.mark.parametrize("lib", ["torch", "engine"])
def test_cpsc663_softmax_delta(lib):
    z_np = RNG.normal(size=(4, 5)) * 3
    for y_np in (np.eye(5)[[0, 3, 4, 1]], RNG.dirichlet(np.ones(5), 4)):    # one-hot and soft targets
        if lib == "torch":
            z = torch.tensor(z_np, requires_grad=True)
            C = -(torch.tensor(y_np) * torch.log_softmax(z, dim=1)).sum()
            (g,) = torch.autograd.grad(C, z)
            g = g.numpy()
        else:
            z = te.tensor(z_np, requires_grad=True)
            C = (te.tensor(y_np) * z.log_softmax(dim=1)).sum() * -1.0
            (g,) = te.grad(C, z)
            g = g.numpy()
        a = np.exp(z_np) / np.exp(z_np).sum(axis=1, keepdims=True)
        assert np.allclose(g, a - y_np, rtol=1e-12, atol=1e-14)


def test_cpsc663_linear_network_backprop():
    torch.manual_seed(2)
    x, y = torch.randn(4, dtype=F64), torch.randn(2, dtype=F64)
    Ws = [torch.randn(s, dtype=F64, requires_grad=True) for s in [(5, 4), (3, 5), (2, 3)]]
    bs = [torch.randn(s[0], dtype=F64, requires_grad=True) for s in [(5,), (3,), (2,)]]
    acts = [x]
    for W, b in zip(Ws, bs):
        acts.append(W @ acts[-1] + b)
    (0.5 * ((acts[-1] - y) ** 2).sum()).backward()
    with torch.no_grad():
        delta = acts[-1] - y                                     # sigma' = 1 everywhere
        for l in (2, 1, 0):
            assert torch.allclose(Ws[l].grad, torch.outer(delta, acts[l])) and torch.allclose(bs[l].grad, delta)
            delta = Ws[l].T @ delta
        A = Ws[2] @ Ws[1] @ Ws[0]; c = Ws[2] @ (Ws[1] @ bs[0] + bs[1]) + bs[2]
        assert torch.allclose(acts[-1], A @ x + c)                 # one affine map


def test_cpsc663_roles_of_y_and_a():
    a = np.array([0.1, 0.5, 0.9])
    with np.errstate(all="ignore"):
        wrong = lambda y, a: -(a * np.log(y) + (1 - a) * np.log(1 - y))
        right = lambda y, a: -(y * np.log(a) + (1 - y) * np.log(1 - a))
        assert np.all(wrong(0.0, a) == np.inf) and np.all(wrong(1.0, a) == np.inf)
        assert np.isnan(wrong(0.0, 0.0))
        assert np.all(np.isfinite(right(0.0, a))) and np.all(np.isfinite(right(1.0, a)))


def test_cpsc663_cross_entropy_minimum():
    y = np.array([0.1, 0.35, 0.5, 0.8, 0.97])
    z = np.linspace(-12, 12, 480_001)[:, None]
    a = 1 / (1 + np.exp(-z))
    C = -(y * np.log(a) + (1 - y) * np.log1p(-a))
    best = np.argmin(C, axis=0)
    entropy = -(y * np.log(y) + (1 - y) * np.log(1 - y))
    assert np.allclose(z[best, 0], np.log(y / (1 - y)), atol=1e-4)          # sigma(z) = y
    assert np.allclose(C[best, np.arange(5)], entropy, rtol=1e-9)             # the stated minimum
    assert np.all(entropy > 0) and np.isclose(C.min(axis=0).mean(), entropy.mean())
    assert np.all(np.diff(np.sign(np.diff(C, axis=0)), axis=0).sum(axis=0) == 2)   # one minimum, convex


def _out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


SIZES = [("conv", 4, 1, 1, 49), ("conv", 8, 5, 0, 9), ("pool", 10, 2, 2, 23), ("pool", 2, 1, 0, 49)]


def test_cpsc663_output_sizes():
    x = torch.zeros(1, 1, 50, 50)
    for kind, k, s, p, expected in SIZES:
        assert _out_size(50, k, s, p) == expected
        layer = torch.nn.Conv2d(1, 3, k, s, p) if kind == "conv" else torch.nn.MaxPool2d(k, s, p)
        assert tuple(layer(x).shape[-2:]) == (expected, expected)


def test_cpsc663_output_sizes_with_the_engines_layers():
    x = te.zeros(1, 1, 50, 50)
    for kind, k, s, p, expected in SIZES:
        if kind == "conv":
            out = F.conv2d(x, te.zeros(3, 1, k, k), stride=s, padding=p)
        else:
            out = F.max_pool2d(x, k, stride=s, padding=p)
        assert tuple(out.shape[-2:]) == (expected, expected)


def test_cpsc663_denoising_beats_identity():
    d, k, sigma, n = 10, 2, 0.3, 20_000
    basis = np.linalg.qr(RNG.normal(size=(d, k)))[0]
    x = RNG.normal(size=(n, k)) * 3 @ basis.T
    noisy = x + RNG.normal(0, sigma, (n, d))
    identity_error = ((noisy - x) ** 2).sum(axis=1).mean()
    projected_error = ((noisy @ basis @ basis.T - x) ** 2).sum(axis=1).mean()
    assert abs(identity_error - d * sigma**2) < 0.03 and abs(projected_error - k * sigma**2) < 0.01


def test_cpsc663_corruption_statistics():
    sigma, x = 0.2, np.linspace(-1, 1, 50_000)
    clean = np.stack([x, x**2], axis=1)
    noise = clean + RNG.normal(0, sigma, clean.shape) - clean
    assert np.all(np.abs(noise.mean(axis=0)) < 0.005) and np.allclose(noise.std(axis=0), sigma, rtol=0.02)


def test_cpsc663_linear_autoencoder_is_pca():
    d, k, n = 6, 2, 4000
    Q = np.linalg.qr(RNG.normal(size=(d, d)))[0]
    X = RNG.normal(size=(n, d)) * np.sqrt([9, 4, 1, 0.25, 0.1, 0.05]) @ Q.T
    X -= X.mean(axis=0)
    lam, U = np.linalg.eigh(X.T @ X / n)
    lam, U = lam[::-1], U[:, ::-1]
    Uk = U[:, :k]
    pca_error = ((X - X @ Uk @ Uk.T) ** 2).sum() / n
    assert np.isclose(pca_error, lam[k:].sum(), rtol=1e-10)
    for _ in range(5):                                             # any other k-plane is worse
        V = np.linalg.qr(RNG.normal(size=(d, k)))[0]
        assert ((X - X @ V @ V.T) ** 2).sum() / n > pca_error
    E, D = RNG.normal(0, 0.1, (k, d)), RNG.normal(0, 0.1, (d, k))  # train x_hat = D E x by GD
    for _ in range(3000):
        code = X @ E.T
        R = code @ D.T - X
        D, E = D - 0.02 * 2 * R.T @ code / n, E - 0.02 * 2 * (R @ D).T @ X / n
    ae_error = ((X @ E.T @ D.T - X) ** 2).sum() / n
    cosines = np.linalg.svd(Uk.T @ np.linalg.qr(D)[0], compute_uv=False)
    assert ae_error < pca_error * 1.001 and np.all(cosines > 0.999)


def test_cpsc663_noise_readings():
    z = RNG.normal(size=200_000)
    as_std, as_var = 0.3 * z, np.sqrt(0.3) * z
    assert np.isclose(as_std.std(), 0.3, rtol=0.01) and np.isclose(as_var.std(), 0.5477, rtol=0.01)
    assert np.isclose(as_var.var(), 0.3, rtol=0.02) and np.isclose(np.sqrt(0.3) / 0.3, 1.83, atol=0.01)


def test_cpsc663_softmax_name():
    z = np.array([0.3, 1.2, -0.5, 1.0])
    softmax = lambda v: np.exp(v - v.max()) / np.exp(v - v.max()).sum()
    assert softmax(100 * z)[1] > 1 - 1e-6 and np.allclose(softmax(1e-6 * z), 0.25, atol=1e-6)
    for c in (1.0, 10.0, 100.0):
        smooth_max = np.log(np.exp(c * z).sum()) / c
        assert z.max() <= smooth_max <= z.max() + np.log(4) / c
