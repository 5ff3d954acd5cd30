"""tinygrad_edu.by_hand (ee411.1): the by-hand two-layer sigmoid network, its losses and gradient,
against finite differences, the engine and torch (torch_ref.by_hand)."""
import ast
import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu import backend, by_hand

import torch  # noqa: E402  (the `torch` extra: a required test dependency, failing loudly)
from torch_ref import by_hand as torch_by_hand  # noqa: E402

pytestmark = pytest.mark.ee411

D, K = 5, 6  # the sheet's sizes
REL_TOL = 1e-8


def _weights(rng, d=D, k=K, scale=1.0):
    return {"w_1": rng.normal(0, scale, (d, k)), "w_2": rng.normal(0, scale, (k, 1))}


def _rel_err(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


def _finite_difference(X, y, W, h=1e-3):
    """Five-point central differences of the mean stable loss, entry by entry (float64)."""
    def loss(weights):
        return by_hand.stable_logistic_loss(y, by_hand.predict(X, weights)[1])
    grads = {}
    for key, value in W.items():
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            values = []
            for step in (-2, -1, 1, 2):
                shifted = {k: v.copy() for k, v in W.items()}
                shifted[key][index] += step * h
                values.append(loss(shifted))
            g[index] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * h)
        grads[key] = g
    return grads


def _engine_gradient(X, y, W):
    """The same loss composed from tinygrad_edu ops, differentiated by the engine."""
    import tinygrad_edu as te
    w_1 = te.tensor(W["w_1"], requires_grad=True)
    w_2 = te.tensor(W["w_2"], requires_grad=True)
    z2 = (te.tensor(X) @ w_1).sigmoid() @ w_2                       # B x 1

    def softplus(t):                      # log(e^0 + e^t) by the engine's fused logsumexp
        return te.stack([te.zeros_like(t), t], dim=-1).logsumexp(dim=-1)

    y_col = te.tensor(y.reshape(-1, 1))
    not_y = te.tensor(1.0 - y.reshape(-1, 1))
    loss = (y_col * softplus(z2 * -1.0) + not_y * softplus(z2)).mean()
    g_1, g_2 = te.grad(loss, [w_1, w_2])
    return {"w_1": g_1.numpy(), "w_2": g_2.numpy()}


batches = st.integers(1, 6).flatmap(lambda b: st.tuples(
    arrays(np.float64, (b, D), elements=st.floats(-2, 2)),
    arrays(np.float64, (b,), elements=st.sampled_from([0.0, 1.0])),
    arrays(np.float64, (D, K), elements=st.floats(-2, 2)),
    arrays(np.float64, (K, 1), elements=st.floats(-2, 2)),
))


# --- ee411.1.1: predict --------------------------------------------------------------------------

def test_predict_shapes_and_values_match_the_sheet():
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(7, D)), _weights(rng)
    z1, z2, y_hat = by_hand.predict(X, W)
    assert z1.shape == (7, K) and z2.shape == (7,) and y_hat.shape == (7,)
    # one sample at a time, written as the sheet's equations (1) and (2) with W^(1) = w_1^T
    for i in range(7):
        x1 = 1 / (1 + np.exp(-(W["w_1"].T @ X[i])))
        z2_i = W["w_2"][:, 0] @ x1
        assert np.allclose(z1[i], W["w_1"].T @ X[i], rtol=1e-14, atol=0)
        assert np.isclose(z2[i], z2_i, rtol=1e-13, atol=1e-15)
        assert np.isclose(y_hat[i], 1 / (1 + np.exp(-z2_i)), rtol=1e-13, atol=0)


def test_predict_agrees_with_torch_and_rejects_bad_shapes():
    rng = np.random.default_rng(1)
    X, W = rng.normal(size=(3, D)), _weights(rng)
    for ours, theirs in zip(by_hand.predict(X, W), torch_by_hand.predict(X, W)):
        assert _rel_err(ours, theirs.numpy()) <= 1e-14
    with pytest.raises(ValueError, match="w_1 must be D x K"):
        by_hand.predict(X, {"w_1": W["w_1"].T, "w_2": W["w_2"]})
    with pytest.raises(ValueError, match="w_2 must be K x 1"):
        by_hand.predict(X, {"w_1": W["w_1"], "w_2": np.ones((K + 1, 1))})
    with pytest.raises(ValueError, match="labels"):
        by_hand.stable_logistic_loss(np.zeros(4), np.zeros(3))


def test_by_hand_module_has_no_python_loops():
    tree = ast.parse(inspect.getsource(by_hand))
    loops = [node for node in ast.walk(tree)
             if isinstance(node, (ast.For, ast.While, ast.comprehension))]
    assert loops == [], f"by_hand.py must be loop-free, found loops at lines {[n.lineno for n in loops if hasattr(n, 'lineno')]}"


# --- ee411.1.2 and ee411.1.3: the sheet's numeric cases ------------------------------------------

def test_naive_loss_at_y_hat_0_and_y_0_is_nan_per_ieee():
    y = np.zeros(4)
    y_hat = np.zeros(4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = by_hand.logistic_loss(y, y_hat)
    assert np.isnan(value)
    messages = " ".join(str(w.message) for w in caught)
    assert "divide by zero" in messages and "invalid value" in messages
    # the culprit is the first term alone: log(0) = -inf, and 0 * (-inf) = nan
    with np.errstate(all="ignore"):
        assert np.log(0.0) == -np.inf and np.isnan(0.0 * np.log(0.0))
        assert np.log(1 - 0.0) == 0.0
    assert torch.isnan(torch_by_hand.logistic_loss(torch.zeros(4, dtype=torch.float64),
                                                   torch.zeros(4, dtype=torch.float64)))


@pytest.mark.parametrize("label, expected", [(0.0, 0.0), (1.0, 1e10)])
def test_stable_loss_at_z2_minus_1e10(label, expected):
    z2 = np.full(5, -1e10)
    y = np.full(5, label)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = by_hand.stable_logistic_loss(y, z2)
    assert value == expected
    assert torch_by_hand.stable_logistic_loss(torch.tensor(y), torch.tensor(z2)).item() == expected
    # the naive formula on the rounded probability sigma(-1e10) = 0 fails either way:
    # y = 0 is the nan of ee411.1.2, y = 1 gives inf instead of 1e10
    with np.errstate(all="ignore"):
        naive = by_hand.logistic_loss(y, by_hand.sigmoid(z2))
    assert np.isnan(naive) if label == 0.0 else naive == np.inf


def test_stable_loss_keeps_precision_where_a_difference_would_cancel():
    # y = 1, z2 = 40: the loss is log(1 + e^-40) = 4.25e-18; softplus(40) - 40 would give 0
    value = by_hand.stable_logistic_loss(np.ones(1), np.array([40.0]))
    assert value > 0 and abs(value - np.log1p(np.exp(-40.0))) <= 1e-30


def test_sigmoid_is_stable_at_plus_minus_1e10():
    z = np.array([-1e10, -800.0, 0.0, 800.0, 1e10])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = by_hand.sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert np.all(np.isfinite(s)) and np.allclose(s + by_hand.sigmoid(-z), 1.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_value_and_gradient_finite_at_logits_1e10(sign):
    X = np.array([[1.0, -1.0, 0.5, 2.0, 0.0]])
    columns = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])      # hidden units saturate at 1 and 0
    W = {"w_1": 1e10 * np.outer(np.ones(D), columns), "w_2": sign * 1e10 * np.ones((K, 1))}
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        z1, z2, _ = by_hand.predict(X, W)
        assert np.all(np.abs(z1) >= 1e10) and z2[0] == sign * 3e10
        for label in (0.0, 1.0):
            value = by_hand.stable_logistic_loss(np.array([label]), z2)
            grads = by_hand.gradient(X, np.array([label]), W)
            assert np.isfinite(value)
            assert all(np.all(np.isfinite(g)) for g in grads.values())
    # torch agrees on the finite values
    ours = by_hand.gradient(X, np.array([1.0]), W)
    theirs = torch_by_hand.gradient(X, np.array([1.0]), W)
    for key in ours:
        assert np.allclose(ours[key], theirs[key].numpy(), rtol=1e-12, atol=0)


# --- ee411.1.5: the gradient -------------------------------------------------------------------

def test_gradient_on_a_single_sample_batch():
    rng = np.random.default_rng(2)
    X, W, y = rng.normal(size=(1, D)), _weights(rng), np.array([1.0])
    grads = by_hand.gradient(X, y, W)
    assert grads["w_1"].shape == (D, K) and grads["w_2"].shape == (K, 1)
    assert _rel_err(grads["w_1"], _finite_difference(X, y, W)["w_1"]) <= REL_TOL


@given(batches)
def test_gradient_matches_finite_differences_and_torch(batch):
    X, y, w_1, w_2 = batch
    W = {"w_1": w_1, "w_2": w_2}
    ours = by_hand.gradient(X, y, W)
    fd = _finite_difference(X, y, W)
    theirs = torch_by_hand.gradient(X, y, W)
    for key in W:
        assert ours[key].shape == W[key].shape
        assert np.linalg.norm(ours[key] - fd[key]) <= REL_TOL * np.linalg.norm(fd[key]) + 1e-11
        assert _rel_err(ours[key], theirs[key].numpy()) <= REL_TOL or \
            np.linalg.norm(ours[key] - theirs[key].numpy()) <= 1e-16


@given(batches)
def test_gradient_matches_the_engine(batch):
    X, y, w_1, w_2 = batch
    W = {"w_1": w_1, "w_2": w_2}
    ours = by_hand.gradient(X, y, W)
    engine = _engine_gradient(X, y, W)
    for key in W:
        assert np.linalg.norm(ours[key] - engine[key]) <= REL_TOL * np.linalg.norm(engine[key]) + 1e-16


def test_gradient_on_random_sizes_matches_torch():
    rng = np.random.default_rng(3)
    for b, d, k in [(1, 1, 1), (9, 3, 2), (64, 5, 6), (2, 10, 1)]:
        X, W = rng.normal(size=(b, d)), _weights(rng, d, k)
        y = rng.integers(0, 2, b).astype(np.float64)
        ours, theirs = by_hand.gradient(X, y, W), torch_by_hand.gradient(X, y, W)
        assert all(_rel_err(ours[key], theirs[key].numpy()) <= REL_TOL for key in W)


@pytest.mark.gpu
def test_cupy_arrays_give_the_numpy_results():
    cp = backend.xp_for("cuda")
    rng = np.random.default_rng(4)
    X, W, y = rng.normal(size=(8, D)), _weights(rng), rng.integers(0, 2, 8).astype(np.float64)
    on_gpu = by_hand.gradient(cp.asarray(X), cp.asarray(y), {k: cp.asarray(v) for k, v in W.items()})
    on_cpu = by_hand.gradient(X, y, W)
    for key in W:
        assert isinstance(on_gpu[key], cp.ndarray)
        assert _rel_err(cp.asnumpy(on_gpu[key]), on_cpu[key]) <= 1e-12
    value = by_hand.stable_logistic_loss(cp.asarray(y), by_hand.predict(cp.asarray(X), {k: cp.asarray(v) for k, v in W.items()})[1])
    assert abs(float(value) - by_hand.stable_logistic_loss(y, by_hand.predict(X, W)[1])) <= 1e-12
