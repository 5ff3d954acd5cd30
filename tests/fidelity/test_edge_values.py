"""Values and gradients at the edges, the same code run on the engine and on torch from the same
arrays: cosine_similarity's broadcasting and eps, infinite and NaN upstream gradients through masks
(relu, clamp, max, abs), zero vectors and constant inputs (normalize, std, var), infinite logits, and
empty or fully ignored batches (losses, max, linear). Output value, dtype and shape and every input
gradient must agree, NaN and inf included."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F  # noqa: F401  (makes te.nn.functional resolve)
from tests.fidelity.same_in_both import check

inf, nan = float("inf"), float("nan")
f32, f64 = np.float32, np.float64


# ---- cosine_similarity broadcasts first ---------------------------------------------------
@pytest.mark.parametrize("s1,s2,dim", [((3, 4), (3, 1), 1), ((2,), (), 0), ((3, 4), (4,), 1), ((2, 1, 3), (4, 3), -1)])
def test_cosine_similarity_broadcasts_before_normalising(s1, s2, dim):
    rng = np.random.default_rng(0)
    check(lambda ns, a, b: ns.nn.functional.cosine_similarity(a, b, dim=dim),
          rng.standard_normal(s1), rng.standard_normal(s2))


def test_cosine_similarity_of_a_vector_against_a_0d_tensor():
    check(lambda ns, a, b: ns.nn.functional.cosine_similarity(a, b, dim=0), f64([0.0, 1.0]), f64(-2.0))


@pytest.mark.parametrize("x1", [[0.0, 0.0], [1e-9, 0.0], [3.0, 4.0], [1e-8, 0.0]])
def test_cosine_similarity_below_eps_and_of_zero_vectors(x1):
    check(lambda ns, a, b: ns.nn.functional.cosine_similarity(a, b, dim=0), f64(x1), f64([1.0, 0.0]), rtol=1e-9)


# ---- masked gradients select --------------------------------------------------------------
INF_UP = f32(inf)


@pytest.mark.parametrize("fn", [
    lambda ns, x: x.relu(), lambda ns, x: x.clamp(-0.5, 0.5), lambda ns, x: x.clamp(min=0.0),
    lambda ns, x: ns.maximum(x, x * 0.0 + 1.0), lambda ns, x: ns.minimum(x, x * 0.0 + 1.0),
    lambda ns, x: x.max(1).values, lambda ns, x: x.min(0, keepdim=True).values, lambda ns, x: x.max(),
    lambda ns, x: x.amax(1), lambda ns, x: x.abs()], ids=["relu", "clamp", "clamp_min", "maximum", "minimum",
                                                         "max_dim", "min_dim", "max_all", "amax", "abs"])
def test_an_infinite_upstream_gradient_does_not_leak_through_zeros(fn):
    check(fn, f32([[100.0, -1.0], [0.0, 2.0]]), upstream=INF_UP)


def test_max_dim_exp_sum_with_a_large_value():
    check(lambda ns, x: x.max(1).values.exp().sum(), f32([[100.0, 1.0], [2.0, 3.0]]))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_with_nan_and_ties(name):
    check(lambda ns, a, b: getattr(ns, name)(a, b), f64([nan, 1.0, 2.0, 3.0]), f64([1.0, nan, 2.0, 4.0]))


@pytest.mark.parametrize("fn", [lambda ns, x: x.relu(), lambda ns, x: x.clamp(0.0, 0.5), lambda ns, x: x.max(),
                                lambda ns, x: x.max(0).values, lambda ns, x: x.amax()])
def test_nan_inputs_pass_gradients_like_torch(fn):
    check(fn, f64([nan, 1.0, 1.0]))


def test_abs_of_nan_gets_gradient_zero():  # found by the differential test (minimum(abs(log(-1)), ...))
    check(lambda ns, x: ns.minimum(x.log().abs(), x.log()), f64([-1.1361942533410152, 2.0]))


def test_masked_backwards_stay_differentiable():
    x = te.tensor(f64([[1.0, -2.0], [3.0, 0.5]]), requires_grad=True)
    tx = torch.tensor(x.array, requires_grad=True)
    for ns, t in ((te, x), (torch, tx)):
        y = (t.relu() ** 2).sum() + (t.max(1).values ** 3).sum() + (ns.maximum(t, t * 0.5) ** 2).sum()
        (g,) = ns.autograd.grad(y, [t], create_graph=True) if ns is torch else te.grad(y, [t], create_graph=True)
        (g * g).sum().backward()
    np.testing.assert_allclose(x.grad.array, tx.grad.numpy(), rtol=1e-12)


# ---- singular points ------------------------------------------------------------------------
@pytest.mark.parametrize("x", [[0.0, 0.0], [3.0, 4.0], [1e-13, 0.0]])
def test_normalize_of_a_zero_vector(x):
    check(lambda ns, t: ns.nn.functional.normalize(t, dim=0), f64(x), upstream=f64([1.0, 2.0]), rtol=1e-9)


@pytest.mark.parametrize("fn", [lambda ns, x: x.std(), lambda ns, x: x.var(), lambda ns, x: x.std(1),
                                lambda ns, x: x.std(0, correction=0)])
def test_std_and_var_of_a_constant_vector(fn):
    check(fn, f64([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))


@pytest.mark.parametrize("x", [[2.0, 3.0, 7.0], [2.0, 2.0, 2.0]])
@pytest.mark.parametrize("correction", [3, 5])
def test_var_with_correction_at_or_above_the_count(x, correction):
    check(lambda ns, t: t.var(correction=correction), f64(x))
    check(lambda ns, t: t.std(correction=correction), f64(x))
    check(lambda ns, t: t.var(0, correction=correction, keepdim=True), f64([x, x]).T)


@pytest.mark.parametrize("shape,dim", [((), None), ((1,), None), ((2, 1), 1), ((1, 3), 0), ((0,), None)])
def test_var_of_one_element_and_its_second_order(shape, dim):
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * 0.5 + 0.25
    check(lambda ns, t: t.var(dim), x)
    results = []
    for ns in (te, torch):
        t = ns.tensor(x, requires_grad=True)
        (g,) = (torch.autograd.grad if ns is torch else te.grad)([t.var(dim)], [t], create_graph=True,
                                                                    grad_outputs=[ns.ones_like(t.var(dim))])
        if not g.requires_grad:  # no graph behind the gradient: its derivative is 0
            results.append(np.zeros(shape))
            continue
        (g2,) = (torch.autograd.grad if ns is torch else te.grad)([(g * g).sum()], [t], allow_unused=True)
        results.append(np.zeros(shape) if g2 is None else (g2.detach().numpy() if ns is torch else g2.array))
    np.testing.assert_equal(results[0], results[1])


def test_float32_var_of_equal_large_values_is_zero():
    x = np.full(7, 1e4 + 0.3, dtype=np.float32)
    check(lambda ns, t: t.var(), x, atol=0, rtol=0)
    check(lambda ns, t: t.mean(), x, atol=0, rtol=0)


@pytest.mark.parametrize("pos_weight", [None, 2.0])
def test_bce_with_logits_at_infinite_logits(pos_weight):
    def fn(ns, z, t):
        pw = None if pos_weight is None else ns.tensor(pos_weight)
        return ns.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="none", pos_weight=pw)
    check(fn, f32([inf, -inf, inf, -inf, 30.0, -30.0]), f32([1.0, 1.0, 0.0, 0.5, 0.3, 0.7]), grads=(0,))


# ---- empty and fully ignored batches --------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_losses_with_every_label_ignored_or_an_empty_batch(loss, reduction):
    def fn(target):
        return lambda ns, x: getattr(ns.nn.functional, loss)(x, ns.tensor(target), reduction=reduction)
    check(fn(np.full(3, -100)), np.random.default_rng(1).standard_normal((3, 4)))
    check(fn(np.full(3, 2)), np.random.default_rng(1).standard_normal((3, 4)), rtol=1e-6)
    check(fn(np.zeros(0, dtype=np.int64)), np.zeros((0, 4)))


def test_max_dim_over_an_empty_other_dim():
    check(lambda ns, x: x.max(1).values, np.zeros((0, 3)))
    check(lambda ns, x: x.min(-1, keepdim=True).values, np.zeros((2, 0, 3)))
    with pytest.raises(Exception):
        te.zeros(0, 3).max(0)


@pytest.mark.parametrize("shape", [(2, 3), (4, 2, 3), (3,)])
def test_linear_with_no_output_features(shape):
    rng = np.random.default_rng(0)
    check(lambda ns, x, w, b: ns.nn.functional.linear(x, w, b), rng.standard_normal(shape), np.zeros((0, 3)),
          np.zeros(0))
