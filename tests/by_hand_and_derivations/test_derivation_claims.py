"""The numeric claims of derivations/*.tex, one test per claim (each tex file names its test), in a
section per sheet."""

import copy

import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tinygrad_edu.hessian import gradient as engine_gradient, hessian
from tinygrad_edu.nn.functional import circular_angle_loss
from torch_ref.losses import circular_angle_loss as torch_circular_angle_loss, info_nce_loss as torch_info_nce

F64 = torch.float64
RNG = np.random.default_rng(12345)   # the cpsc663 and nni2 claims draw from it in file order


def _count(model):
    return sum(p.numel() for p in model.parameters())


# --- ee411 -----------------------------------------------------------------------------------

def test_ee411_parameter_counts():
    nn = torch.nn
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))
    assert _count(mlp) == 89_610

    def cnn(pad):
        blocks = []
        for c_in, c_out in [(1, 16), (16, 32), (32, 64)]:
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=pad), nn.ReLU(), nn.MaxPool2d(2)]
        features = nn.Sequential(*blocks, nn.Flatten())
        width = features(torch.zeros(1, 1, 28, 28)).shape[1]
        return nn.Sequential(features, nn.Linear(width, 10)), width
    (padded, w1), (unpadded, w0) = cnn(1), cnn(0)
    assert (w1, w0) == (64 * 3 * 3, 64)
    assert (_count(padded), _count(unpadded)) == (29_066, 23_946)
    assert _count(padded) < _count(mlp) / 3 + 100


def test_ee411_permutation_is_invisible_to_an_mlp():
    torch.manual_seed(0)
    x, target = torch.rand(8, 784, dtype=F64), torch.randint(0, 10, (8,))
    perm = torch.randperm(784)
    W, rest = torch.randn(100, 784, dtype=F64), torch.nn.Linear(100, 10).double()
    W_b = torch.empty_like(W)
    W_b[:, perm] = W                          # the relabelled first layer, (W P) in the derivation
    grads, outs = [], []
    for weight, data in [(W, x[:, perm]), (W_b, x)]:
        weight = weight.clone().requires_grad_(True)
        out = rest(torch.relu(data @ weight.T))
        torch.nn.functional.cross_entropy(out, target).backward()
        grads.append(weight.grad)
        outs.append(out.detach())
    assert torch.allclose(outs[0], outs[1], rtol=1e-12, atol=1e-12)
    assert torch.allclose(grads[1][:, perm], grads[0], rtol=1e-12, atol=1e-14)


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


# --- mlph08 (mlph08_galaxy_cnn.tex, mlph08_infonce_posenc.tex) ---------------------------------


RNG_MLPH08 = np.random.default_rng(8)   # the mlph08 claims' own stream


def test_mlph08_train_split_normalisation():
    images = RNG_MLPH08.integers(0, 256, (50, 69, 69, 3), dtype=np.uint8)
    images[..., 1] //= 2                                            # channels differ
    x = np.moveaxis(images.astype(np.float64), -1, 1)               # N, C, H, W
    order = RNG_MLPH08.permutation(50)
    train, val = x[order[:40]], x[order[40:45]]
    mean, std = train.mean(axis=(0, 2, 3)), train.std(axis=(0, 2, 3))
    normalise = lambda batch: (batch - mean[:, None, None]) / std[:, None, None]
    assert mean.shape == std.shape == (3,) and mean[1] < 0.6 * mean[0]
    assert np.allclose(normalise(train).mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert np.allclose(normalise(train).std(axis=(0, 2, 3)), 1, atol=1e-12)
    assert not np.allclose(normalise(val).mean(axis=(0, 2, 3)), 0, atol=1e-6)


def test_mlph08_cross_entropy_keeps_learning():
    logits = torch.tensor([[10.0, -10.0]], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([1])
    (ce,) = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, target), logits)
    p = torch.softmax(logits, dim=1)
    (mse,) = torch.autograd.grad(((p - torch.tensor([[0.0, 1.0]], dtype=torch.float64)) ** 2).sum(), logits)
    assert 1.4 < ce.norm() < 1.42 and mse.norm() < 2e-8


def test_mlph08_rotation_average_is_invariant():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 10 * 10, 5)).double()
    average = lambda x: sum(net(torch.rot90(x, k, dims=(2, 3))) for k in range(4)) / 4
    x = torch.randn(2, 3, 12, 12, dtype=torch.float64)
    rotated = torch.rot90(x, 1, dims=(2, 3))
    with torch.no_grad():
        assert torch.allclose(average(rotated), average(x), rtol=0, atol=1e-12)
        assert (net(rotated) - net(x)).abs().max() > 1e-3


def test_mlph08_state_dict_aliases_live_weights():
    model = torch.nn.Linear(3, 2)
    aliased, copied = model.state_dict(), copy.deepcopy(model.state_dict())
    before = model.weight.detach().clone()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.randn(4, 3)).pow(2).sum().backward()
    optimiser.step()
    assert not torch.equal(model.weight, before)
    assert torch.equal(aliased["weight"], model.weight)           # 001's "checkpoint" moved along
    assert torch.equal(copied["weight"], before)                  # a real copy did not


def _similarities(z, tau):
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    return z @ z.T / tau


def _nt_xent(z, tau):
    """(2c): rows 2i and 2i+1 are the two views of sample i."""
    s = _similarities(z, tau)
    m = len(z)
    np.fill_diagonal(s, -np.inf)
    partner = np.arange(m) ^ 1
    return np.mean(-s[np.arange(m), partner] + np.log(np.exp(s).sum(axis=1)))


def test_mlph08_infonce_per_anchor():
    z, tau, m = RNG_MLPH08.normal(size=(8, 5)), 0.5, 8
    s = _similarities(z, tau)
    masked = np.where(np.eye(m, dtype=bool), -np.inf, s)
    per_anchor = np.exp(masked) / np.exp(masked).sum(axis=1, keepdims=True)          # (2a)
    global_norm = np.exp(masked) / np.exp(masked).sum()                              # 001's version
    assert np.allclose(per_anchor.sum(axis=1), 1) and not np.allclose(global_norm.sum(axis=1), 1)
    labels = np.zeros((m, m))
    labels[np.arange(m), np.arange(m) ^ 1] = 1                                        # y = delta_ij
    with np.errstate(divide="ignore", invalid="ignore"):
        full = -np.nansum(labels * np.log(per_anchor), axis=1).mean()                 # (2b)
    assert np.isclose(full, _nt_xent(z, tau), rtol=1e-12)                            # = (2c)
    logits = torch.tensor(masked)
    reference = torch.nn.functional.cross_entropy(logits, torch.tensor(np.arange(m) ^ 1))
    assert np.isclose(reference.item(), full, rtol=1e-12)


def test_mlph08_engine_infonce_is_the_derived_loss():
    """The engine's and torch_ref's NT-Xent (views stacked as [all first views; all second views])
    equal (2c) written out in NumPy (views interleaved)."""
    z, tau = RNG_MLPH08.normal(size=(8, 5)), 0.3
    stacked = np.concatenate([z[0::2], z[1::2]])
    expected = _nt_xent(z, tau)
    assert np.isclose(F.info_nce_loss(te.tensor(stacked), tau).item(), expected, rtol=1e-12)
    assert np.isclose(torch_info_nce(torch.tensor(stacked), tau).item(), expected, rtol=1e-12)


def test_mlph08_collapse_is_not_a_minimum():
    n, tau = 4, 0.5
    collapsed = np.tile(RNG_MLPH08.normal(size=(1, 6)), (2 * n, 1))
    assert np.isclose(_nt_xent(collapsed, tau), np.log(2 * n - 1), rtol=1e-12)
    spread = np.repeat(np.eye(6)[:n], 2, axis=0)                    # partners equal, others orthogonal
    assert _nt_xent(spread, tau) < np.log(2 * n - 1) - 1


def test_mlph08_concatenation_has_no_cross_terms():
    X, E = RNG_MLPH08.normal(size=(16, 10)), RNG_MLPH08.normal(size=(16, 10))
    added, joined = (X + E).T @ (X + E), np.vstack([X, E]).T @ np.vstack([X, E])
    assert np.allclose(joined, X.T @ X + E.T @ E, rtol=1e-12)
    cross = X.T @ E + E.T @ X
    assert np.allclose(added, X.T @ X + E.T @ E + cross, rtol=1e-12)
    assert np.linalg.norm(cross) > 0.3 * np.linalg.norm(X.T @ X + E.T @ E)


def _posenc(p, n, misplaced_division=False):
    k, i = np.arange(p // 2), np.arange(n)
    freq = np.exp(-2 * k * np.log(1e4)) / p if misplaced_division else np.exp(-2 * k * np.log(1e4) / p)
    E = np.zeros((p, n))
    E[0::2], E[1::2] = np.sin(np.outer(freq, i)), np.cos(np.outer(freq, i))
    return E


def test_mlph08_posenc_formula():
    right, wrong = _posenc(256, 64), _posenc(256, 64, misplaced_division=True)
    G, G_wrong = right.T @ right, wrong.T @ wrong
    assert np.allclose(np.diag(G), 128) and G[0, 63] < 70 and G[0, 1] > G[0, 10] > G[0, 40]
    assert np.abs(wrong[2:] - wrong[2:, :1]).max() < 1e-8           # rows k >= 1 are constant
    assert G_wrong.min() > 127.9 and G_wrong.max() <= 128 + 1e-9    # E^T E is flat


def test_mlph08_random_subspaces_are_nearly_orthogonal():
    r, ratios = 8, []
    for p in (16, 64, 256, 1024):
        U, V = (np.linalg.qr(RNG_MLPH08.normal(size=(p, r)))[0] for _ in range(2))
        cosines = np.linalg.svd(U.T @ V, compute_uv=False)
        X, E = U @ RNG_MLPH08.normal(size=(r, 64)), V @ RNG_MLPH08.normal(size=(r, 64))
        ratios.append(np.linalg.norm(X.T @ E + E.T @ X) / np.linalg.norm(X.T @ X + E.T @ E))
        if p == 1024:
            assert cosines.max() < 2.5 * np.sqrt(r) / np.sqrt(p) and ratios[-1] < 0.12
    assert all(a > b for a, b in zip(ratios, ratios[1:])) and ratios[0] > 0.4
