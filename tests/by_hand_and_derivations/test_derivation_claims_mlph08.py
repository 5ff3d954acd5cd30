"""The numeric claims of derivations/mlph08_galaxy_cnn.tex and mlph08_infonce_posenc.tex (sheet
mlph08), one test per claim (the tex files name their tests)."""

import copy

import numpy as np
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from torch_ref.losses import info_nce_loss as torch_info_nce


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
