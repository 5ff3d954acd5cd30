"""Regressions of the differential test (its large profile found the engine and torch apart at these
inputs), pooling, convolution and losses: max pooling, adaptive average pooling, conv_transpose2d,
kl_div, binary_cross_entropy. Each runs the same code on both libraries from the same arrays and
compares values, dtypes, gradients and, where the cause was second order, gradients of gradients."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.regression_helpers import check_second_order, f32, f64, inf, nan
from tests.fidelity.same_in_both import check


# ---- max pooling selects its gradient: an inf or NaN upstream stays at the window's maximum ------
@pytest.mark.parametrize("kwargs", [dict(kernel_size=(2, 3), stride=1, dilation=(2, 1)), dict(kernel_size=2),
                                    dict(kernel_size=2, stride=1, padding=1)])
def test_max_pool_gradient_is_selected_not_multiplied(kwargs):
    x = np.random.default_rng(0).choice(f64([1.0, 100.0, -100.0, 1e4, -1e4, 0.0, 3.0]), size=(1, 2, 5, 6))
    check(lambda ns, x: ns.nn.functional.max_pool2d(x, **kwargs).exp(), x)
    check_second_order(lambda ns, x: (ns.nn.functional.max_pool2d(x, **kwargs) * 50.0).exp(), x * 0.1)


# ---- kl_div's target gradient: torch's xlogy halves (NaN at t = 0, 0 at t < 0 under a zero upstream) --
@pytest.mark.parametrize("up", [0.0, 1.0, 2.5])
def test_kl_div_target_gradient_at_zero_and_negative_targets(up):
    check(lambda ns, x, t: ns.nn.functional.kl_div(x, t, reduction="none"), f64([0.5, 0.5, 0.5, -1.0]),
          f64([-2.0, 0.0, 2.0, 0.3]), upstream=f64([up, up, up, 0.0]))
    check_second_order(lambda ns, x, t: ns.nn.functional.kl_div(x, t, reduction="sum"), f64([0.5, -1.0]), f64([2.0, 0.3]))


# ---- adaptive average pooling rounds as torch: the window's sum, divided by its two lengths --------
@pytest.mark.parametrize("size", [(None, 2), (2, 3), (1, 1), (5, 5), (3, 2)])
def test_adaptive_avg_pool_rounds_like_torch(size):
    x = f32([3.0, -100.0, 100.0, -1.0, -1.0, 0.0, 0.0, 0.0, 1.0, -1e4, -100.0, 3.0, 100.0, -100.0, -3.0, 1e4,
             -100.0, 100.0, 100.0, -3.0, -1.0, -1e4, 1e4, 0.0, 0.5]).reshape(1, 1, 5, 5)
    for ns in (torch, te):
        pooled = ns.nn.functional.adaptive_avg_pool2d(ns.tensor(x), size)
        if ns is torch:
            expected = pooled.numpy()
    assert np.array_equal(pooled.array, expected), (pooled.array, expected)  # bit for bit: celu'' jumps at 0
    check_second_order(lambda ns, x: ns.nn.functional.celu(ns.nn.functional.adaptive_avg_pool2d(x, size), alpha=2.0),
                       x, rtol=1e-4, atol=1e-5)


# ---- adaptive average pooling's gradient stays in its window: a NaN upstream does not spread -------
def test_adaptive_avg_pool_gradient_stays_in_its_window():
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 6)).astype(f32)
    up = np.zeros((2, 1, 2, 3), dtype=f32)
    up[0, 0, 0, 0], up[1, 0, 1, 2] = nan, inf
    check(lambda ns, x: ns.nn.functional.adaptive_avg_pool2d(x, (2, 3)), x, upstream=up)
    check(lambda ns, x: ns.nn.functional.adaptive_avg_pool2d(x, (3, 4)), x[:, :, :, :5], upstream=np.ones((2, 1, 3, 4), f32))
    check_second_order(lambda ns, x: ns.nn.functional.adaptive_avg_pool2d(x, (3, 2)) ** 3, x.astype(f64))


# ---- conv_transpose2d: the rows that output_padding adds take no part in the gradients -------------
@pytest.mark.parametrize("dtype", [f32, f64])
def test_conv_transpose_output_padding_rows_stay_out_of_the_gradients(dtype):
    rng = np.random.default_rng(1)
    y, w = rng.standard_normal((1, 1, 2, 3)).astype(dtype), rng.standard_normal((1, 2, 2, 2)).astype(dtype)
    fn = lambda ns, y, w: ns.nn.functional.conv_transpose2d(y, w, dilation=2, output_padding=1) ** -2  # inf there
    check(fn, y, w, rtol=1e-4)
    check_second_order(fn, y.astype(f64), w.astype(f64), rtol=1e-6, atol=1e-3)


# ---- binary_cross_entropy checks its target as torch does (NaN is not between 0 and 1) --------------
@pytest.mark.parametrize("input,target", [([0.5, 0.5], [0.0, 2.0]), ([0.5, 0.5], [nan, 0.0]), ([nan, 0.5], [0.0, 1.0]),
                                          ([0.5, 2.0], [3.0, 0.0]), ([2.0, 0.5], [0.0, 3.0])])
def test_binary_cross_entropy_checks_input_and_target_in_order(input, target):
    messages = []
    for ns in (torch, te):
        with pytest.raises(Exception) as error:  # torch: RuntimeError; the engine: EngineError
            ns.nn.functional.binary_cross_entropy(ns.tensor(input), ns.tensor(target))
        messages.append(str(error.value))
    assert messages[0] in messages[1], messages
