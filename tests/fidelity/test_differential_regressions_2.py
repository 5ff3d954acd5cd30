"""More ops at the inputs where the differential test's large profile found the engine and torch
apart (beside test_differential_regressions_*.py): the normalisations' gradients with an infinite
or overflowing upstream (group_norm, layer_norm, batch_norm), first order inside create_graph and
second order; and huber_loss / smooth_l1_loss, whose double backward multiplies by the mask. Each
runs the same code on both libraries from the same arrays and compares values and gradients, the
NaN and inf pattern included (assert_allclose: NaN where NaN, the same infinities)."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.regression_helpers import check_second_order, f32, f64, inf, nan
from tests.fidelity.same_in_both import check

# ---- group_norm then exp (overflowing): the first-order gradient inside create_graph ----------------
def test_group_norm_gradient_in_a_graph_with_an_overflowing_exp():
    """The differential test's program: exp overflows to inf, so the upstream of group_norm holds
    inf. Torch's first order inside create_graph (its differentiable group_norm backward, the
    kernel's form) is NaN over every group with an inf; the composed form kept some entries
    infinite."""
    x = f64([[[[3.0, -1.0], [0.0, -1.0]], [[0.5, -1e4], [2.0, 0.0]], [[0.5, -100.0], [-1e4, 1e4]],
              [[-3.0, 1.0], [3.0, 0.0]], [[100.0, -1.0], [1.0, -100.0]], [[-1.0, 100.0], [-1.0, 0.0]]],
             [[[1e4, 2.0], [1e4, 1e4]], [[-3.0, 2.0], [1.0, -100.0]], [[-3.0, -3.0], [3.0, 1e4]],
              [[0.5, 0.5], [0.0, 1.0]], [[-1.0, 0.5], [100.0, 100.0]], [[1e4, 3.0], [3.0, -1e4]]]])
    w, b = f64([-1e4, 1e4, 2.0, 3.0, -100.0, 100.0]), f64([-1.0, 3.0, -1e4, 1e4, 1e4, 1e4])
    up = np.random.default_rng(125).standard_normal(x.shape)
    check_second_order(lambda ns, x, w, b: ns.nn.functional.group_norm(x, 3, w, b, eps=1e-3).exp(), x, w, b,
                       upstream=up)


NORMS = {  # (fn, whether it takes a weight and bias)
    "layer_norm": (lambda ns, x: ns.nn.functional.layer_norm(x, (6,)), False),
    "layer_norm_weight": (lambda ns, x, w, b: ns.nn.functional.layer_norm(x, (6,), w, b), True),
    "group_norm": (lambda ns, x: ns.nn.functional.group_norm(x.reshape(2, 3, 2), 1).reshape(2, 6), False),
    "group_norm_weight": (lambda ns, x, w, b: ns.nn.functional.group_norm(x.reshape(2, 6, 1), 2, w, b)
                          .reshape(2, 6), True),
    "batch_norm": (lambda ns, x: ns.nn.functional.batch_norm(x.reshape(4, 3), None, None, training=True)
                   .reshape(2, 6), False),
}


@pytest.mark.parametrize("dtype", [f64, f32])
@pytest.mark.parametrize("name", list(NORMS))
def test_normalisation_with_an_infinite_upstream_to_second_order(name, dtype):
    """First order inside create_graph is torch's kernel (layer_norm, batch_norm) or its
    differentiable form (group_norm): NaN over a row with an inf. Second order: torch's rstd has
    var_mean_backward's derivative (InvStd) and layer_norm's weight gradient is differentiated as
    layer_norm_double_backward does it (RowScale), so the infinities of the weight's gradient
    reach the other rows as torch's do (+-inf, not inf - inf = NaN everywhere). batch_norm agreed
    before (checked alongside)."""
    x = dtype([[2.0, 1e4, -1.0, 0.5, -1e4, -1.0], [-1.0, -1.0, 2.0, 3.0, 2.0, -3.0]])
    w, b = dtype([1.0, 0.5, 3.0, 3.0, -2.0, 0.25]), dtype([0.5, -1.0, 0.0, 2.0, 1.0, -0.5])
    up = dtype([[-1.1, -0.2, 1.1, -0.9, -inf, -0.9], [1.0, 0.3, -0.2, inf, -1.5, 1.4]])
    tol = 1e-4 if dtype == f32 else 1e-6
    fn, affine = NORMS[name]
    check_second_order(fn, *((x, w, b) if affine else (x,)), upstream=up, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["layer_norm", "group_norm", "batch_norm"])
def test_normalisation_float32_gradient_with_an_overflowing_upstream(name):
    """A float32 upstream of 1e38 times an input of 1e4 overflows in torch's kernels: torch's
    layer_norm and group_norm kernels form db mean - ds as one fused multiply-add (no inf - inf
    there) and batch_norm's sums (x - mean) dy before scaling, so the row or channel becomes
    +-inf / NaN in torch's pattern (the engine's earlier grouping gave finite values or NaN)."""
    x = f32([[2.0, 0.0, -3.0, 1e4, 100.0, 2.0], [-1e4, 2.0, 0.0, 0.0, -1.0, -1e4]])
    up = f32([[0.35, -0.24, -2.6, 1.88, -0.8, 0.43], [1e38, 0.87, -0.36, 0.93, 0.11, 1.46]])
    fn = {"layer_norm": lambda ns, x: ns.nn.functional.layer_norm(x.reshape(1, 12), (12,)).reshape(2, 6),
          "group_norm": lambda ns, x: ns.nn.functional.group_norm(x.reshape(1, 2, 6), 1).reshape(2, 6),
          "batch_norm": lambda ns, x: ns.nn.functional.batch_norm(x.reshape(6, 2), None, None,
                                                                  training=True).reshape(2, 6)}[name]
    check(fn, x, upstream=up, rtol=1e-4, atol=1e-5)
    check_second_order(fn, x, upstream=up, rtol=1e-4, atol=1e-5)
    row = f32([-0.18952683, -2.0124278, 1.104022, 0.3624182, -0.03672898, 0.4928247])  # b itself overflows
    x2, up2 = np.stack([row, row[::-1]]), f32([[0.53, 1e38, -0.07, 0.51, 0.77, -0.1], [1.0] * 6])
    check(lambda ns, x: ns.nn.functional.layer_norm(x, (6,)), x2, upstream=up2, rtol=1e-4, atol=1e-5)


# ---- huber_loss / smooth_l1_loss: torch's double backward multiplies by the mask -------------------
def test_huber_loss_second_order_past_an_overflow():
    """The differential test's program: huber (sum, delta 0.5), expm1 twice, 2 - y. The gradients
    are about 1e162, so the second-order pass overflows: torch's huber_loss_double_backward is
    grad * (|d| < delta), so inf * 0 = NaN where |d| >= delta and inf inside; the composed form's
    ``where`` selected and kept inf everywhere."""
    x = f64([1.5910116355243564, -0.3362644480486448, 3.2525238493755486, -2.8266280373313055,
             2.0939662385307534, -0.08385215186824423])
    t = f64([0.24968687286703645, -0.5070409424404958, -1.6124130710600206, -0.2592938363681202,
             -1.6224486225968826, 0.4744482804783023])
    up = np.random.default_rng(64050).standard_normal(())
    check_second_order(lambda ns, x, t: 2.0 - ns.nn.functional.huber_loss(x, t, delta=0.5, reduction="sum")
                       .expm1().expm1(), x, t, upstream=up)


LOSS_X = [2.0, -inf, inf, nan, 0.25, -0.5, 1e4, 0.0, -3.0]
LOSS_T = [0.0, 1.0, -2.0, 0.5, inf, 0.0, -1e4, 0.1, -3.5]


def _loss(name, reduction):
    return {"huber": lambda ns, x, t: ns.nn.functional.huber_loss(x, t, reduction=reduction, delta=0.5),
            "huber_weight": lambda ns, x, t: ns.nn.functional.huber_loss(x, t, reduction=reduction, delta=1.5,
                                                                         weight=ns.tensor(np.linspace(-1, 2, 9))
                                                                         .to(x.dtype)),
            "smooth_l1": lambda ns, x, t: ns.nn.functional.smooth_l1_loss(x, t, reduction=reduction, beta=0.5),
            "mse": lambda ns, x, t: ns.nn.functional.mse_loss(x, t, reduction=reduction),
            "l1": lambda ns, x, t: ns.nn.functional.l1_loss(x, t, reduction=reduction)}[name]


@pytest.mark.parametrize("dtype", [f64, f32])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", ["huber", "huber_weight", "smooth_l1", "mse", "l1"])
def test_regression_losses_at_infinities_to_second_order(name, reduction, dtype):
    """First order: torch's huber/smooth_l1 backward selects the slope (an infinite difference has
    the finite gradient +-delta, where the composed ``where`` gave NaN). Second order: it multiplies
    by the mask (NaN where an infinite gradient meets |d| >= delta). mse and l1 agree as they were
    (checked alongside). An infinite upstream in an unreduced loss, and a finite one otherwise."""
    x, t = dtype(LOSS_X), dtype(LOSS_T)
    up = dtype([1.0, -2.0, 0.5, 1.0, 3.0, -inf, 2.0, inf, -1.0]) if reduction == "none" else dtype(-0.75)
    check(_loss(name, reduction), x, t, upstream=up)
    check_second_order(_loss(name, reduction), x, t, upstream=up)


@pytest.mark.parametrize("broadcast", [False, True])
@pytest.mark.parametrize("name", ["huber", "smooth_l1"])
def test_regression_losses_second_order_with_an_overflowing_upstream(name, broadcast):
    """Finite inputs, gradients of about 1e200 (through exp): the second-order pass overflows, NaN
    outside |d| < delta and inf inside, as torch's; also with a broadcast target (torch's
    broadcast_tensors)."""
    x, t = f64([1.5, -0.3, 3.25, -2.8, 0.1, -0.08]), f64([0.25, -0.5, -1.6, -0.25, 0.3, 0.47])
    loss = _loss(name, "sum")
    fn = (lambda ns, x, t: loss(ns, x.reshape(2, 3), t[:3])) if broadcast else loss
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warning for the broadcast target
        scale = 460.0 / float(fn(torch, torch.tensor(x), torch.tensor(t)))  # exp(460) = 1e200
    check_second_order(lambda ns, x, t: (fn(ns, x, t) * scale).exp(), x, t)
