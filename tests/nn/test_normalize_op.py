"""The fused normalisation op (ops/normalize.py) against its composed reference and torch: values,
first-order and second-order gradients, batch_norm's running statistics, and an in-place change
of its output (allowed, as in torch)."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tinygrad_edu.nn._functional.normalization import normalise_composed
from tinygrad_edu.ops.normalize import Normalize

CASES = [((8, 3, 5, 5), (0, 2, 3)), ((6, 4), (0,)), ((2, 3, 7), (2,)), ((2, 6, 4), (1, 2)), ((5, 1, 3, 3), (0, 2, 3))]


def _second_order(x, g, fn):
    xe = te.tensor(x, requires_grad=True)
    (gx,) = te.grad([(fn(xe) * te.tensor(g)).sum()], [xe], create_graph=True)
    (g2,) = te.grad([(gx * gx).sum()], [xe])
    return gx.array, g2.array


@pytest.mark.parametrize("form", ["batch_norm", "layer_norm", "group_norm"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axes", CASES)
def test_fused_normalize_equals_the_composed_form(shape, axes, dtype, form):
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    fused = Normalize.apply(te.tensor(x), axes=axes, eps=1e-5, form=form)
    composed, _, _ = normalise_composed(te.tensor(x), axes, 1e-5)
    assert np.array_equal(fused.array, composed.array)  # the same rounding: values unchanged by fusing
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for a, b in zip(_second_order(x, g, lambda t: Normalize.apply(t, axes=axes, eps=1e-5, form=form)),
                    _second_order(x, g, lambda t: normalise_composed(t, axes, 1e-5)[0])):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape,axes", CASES[:2])
def test_batch_norm_matches_torch_to_second_order(shape, axes):
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    results = []
    for ns in (te, torch):
        xt = ns.tensor(x, requires_grad=True)
        rm, rv = ns.zeros(shape[1], dtype=ns.float64), ns.ones(shape[1], dtype=ns.float64)
        y = ns.nn.functional.batch_norm(xt, rm, rv, ns.tensor(w), ns.tensor(b), training=True, momentum=0.3)
        grad = te.grad if ns is te else torch.autograd.grad
        (gx,) = grad([(y * ns.tensor(g)).sum()], [xt], create_graph=True)
        (g2,) = grad([(gx * gx).sum()], [xt])
        results.append([np.asarray(t.detach().numpy() if ns is torch else t.array) for t in (y, gx, g2, rm, rv)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_output_changed_in_place_keeps_the_gradient_right():
    """torch's batch_norm keeps its input, not its output, so relu(inplace=True) after it is fine."""
    x = np.random.default_rng(2).standard_normal((6, 3))
    grads = []
    for ns in (te, torch):
        xt = ns.tensor(x, requires_grad=True)
        y = ns.nn.functional.batch_norm(xt, None, None, training=True)
        ns.nn.functional.relu(y, inplace=True).sum().backward()
        grads.append(xt.grad.numpy() if ns is torch else xt.grad.array)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-12)
