"""Regressions of the differential test (its large profile found the engine and torch apart at these
inputs), activations and other elementwise ops: clamp with tensor bounds, the elu family, hardswish,
gelu, silu, mish, softplus, tanh, sigmoid, relu and its masked kin, atan2, sign, pow, abs, division.
Each runs the same code on both libraries from the same arrays and compares values, dtypes,
gradients and, where the cause was second order, gradients of gradients."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.regression_helpers import check_second_order, f32, f64, inf, nan
from tests.fidelity.same_in_both import check


# ---- clamp with tensor bounds: torch's whole gradients, never halves ---------------------------
CLAMP_X = f64([1.0, 2.0, 3.0, nan, 0.0, 5.0, -1.0])
CLAMP_LO = f64([1.0, nan, 0.0, 0.0, 4.0, 2.0, 0.5])
CLAMP_HI = f64([2.0, 3.0, nan, 1.0, 3.0, 5.0, 0.5])


def test_clamp_with_tensor_bounds_gives_ties_to_the_input():
    check(lambda ns, x, lo, hi: ns.clamp(x, lo, hi), CLAMP_X, CLAMP_LO, CLAMP_HI, upstream=np.arange(1.0, 8.0))


@pytest.mark.parametrize("side", ["min", "max"])
def test_clamp_with_one_tensor_bound_gives_ties_to_the_input(side):
    check(lambda ns, x, b: x.clamp(**{side: b}), CLAMP_X, CLAMP_LO, upstream=np.arange(1.0, 8.0))


def test_clamp_with_a_tensor_bound_broadcasts_and_promotes():
    check(lambda ns, x, lo, hi: x.clamp(min=lo, max=hi), f32([[0.5, 2.0, -1.0], [1.0, 0.0, 3.0]]), f64([0.0, 0.0, 0.5]),
          f64(1.0))
    check(lambda ns, x, lo: x.clamp(min=lo), f32([[0.5, 2.0], [1.0, 0.0]]), f64(0.5))


def test_clamp_bounds_are_compared_in_their_own_dtypes():
    """hi = 1e8 (0-d float32) and lo = hi + 1.5 (0-d float64) are equal once rounded to float32, so
    the value is hi; but torch's backward compares the bounds as given (in float64: lo > hi), so hi
    gets the whole gradient; and x against lo in float32 (a 0-d bound does not widen x), where
    1e8 >= lo: x = 1e8 keeps its gradient too."""
    hi = f32(1e8)
    lo = f64(float(hi) + 1.5)
    for x in (f32([1.0, 2e8, -3.0]), f32([1e8, 5.0])):
        check(lambda ns, x, lo, hi: ns.clamp(x, lo, hi), x, lo, hi, upstream=np.arange(1.0, 1.0 + x.size))
    check(lambda ns, x, lo, hi: ns.clamp(x, lo, hi), f32([1e8, 5.0]), lo, f32(2e8), upstream=f32([1.0, 2.0]))


def test_clamp_mixing_a_tensor_and_a_number_bound_is_torch_s():
    x = f32([0.5, 2.0, -1.0])
    check(lambda ns, x: x.clamp(min=ns.tensor(0.0, dtype=ns.float64), max=1), x)  # a 0-d tensor reads as a number
    for ns in (torch, te):
        with pytest.raises(TypeError, match="clamp"):
            ns.tensor(x).clamp(min=ns.tensor([0.0, 0.0, 0.0]), max=1.0)


# ---- elu/celu at exactly 0: torch's first derivative (the negative side's), second derivative 0 --
@pytest.mark.parametrize("fn", [lambda ns, x: ns.nn.functional.celu(x, alpha=2.0), lambda ns, x: ns.nn.functional.elu(x),
                                lambda ns, x: ns.nn.functional.elu(x, alpha=0.5)], ids=["celu", "elu", "elu_alpha"])
def test_elu_family_at_zero_matches_torch_to_second_order(fn):
    check_second_order(fn, f64([0.0, -0.0, 1.0, -1.0, 0.5]), upstream=f64([1.0, -0.5, 2.0, 1.0, 3.0]))


# ---- hardswish: torch's formula (NaN at -inf and NaN) and torch's gradient at -3 and 3 ----------
def test_hardswish_values_and_gradients_at_the_edges_and_infinities():
    x = f64([-inf, inf, nan, -3.0, 3.0, 0.0, -1e30, 1e30, -2.0, 2.5])
    check(lambda ns, x: ns.nn.functional.hardswish(x), x)
    check_second_order(lambda ns, x: ns.nn.functional.hardswish(x), f64([-3.0, 3.0, 0.0, -4.0, 4.0, 1.5]),
                       upstream=f64([1.0, 2.0, -1.0, 1.0, 1.0, 0.5]))


# ---- elu/celu of tiny negatives: expm1, not exp - 1 (which rounds to 0, so log gives -inf) ------
@pytest.mark.parametrize("fn", [lambda ns, x: ns.nn.functional.elu(x, alpha=0.5).log(),
                                lambda ns, x: ns.nn.functional.celu(x, alpha=2.0)], ids=["elu_log", "celu"])
def test_elu_family_of_tiny_negatives(fn):
    check(fn, f32([-3.3e-32, -1e-10, -1e-20, -0.0, -2.0]), rtol=1e-6, atol=0)


# ---- atan2 at the origin: first order 0, second order NaN, as torch's ---------------------------
def test_atan2_at_the_origin_to_second_order():
    x = f64([1.0, 0.0, -1.0, 0.0])
    check_second_order(lambda ns, a: ns.atan2(a, a)[0], x)
    check_second_order(lambda ns, a, b: ns.atan2(a, b), x, f64([0.0, 0.0, 2.0, 1.0]), upstream=f64([1.0, 0.5, -1.0, 2.0]))


# ---- gelu, silu, mish: one product in backward (torch's fused form), so inf upstream stays inf --
@pytest.mark.parametrize("name,kwargs", [("gelu", {}), ("gelu", dict(approximate="tanh")), ("silu", {}), ("mish", {})])
def test_fused_activations_keep_an_infinite_upstream_gradient(name, kwargs):
    fn = lambda ns, x: getattr(ns.nn.functional, name)(x, **kwargs).expm1()  # expm1' = inf at large values
    check(fn, f32([6710.6, 100.0, 0.5, -2.0, -30.0]), rtol=1e-5)
    check_second_order(lambda ns, x: getattr(ns.nn.functional, name)(x, **kwargs), f64([0.5, -2.0, 3.0, 0.0]),
                       upstream=f64([1.0, -0.5, 2.0, 1.5]))


# ---- gelu(tanh)'s second derivative: torch's formula, sech from cosh (no 1 - tanh^2 cancellation) --
def test_gelu_tanh_second_order_in_float32_is_torch_s():
    gelu = lambda ns, x: ns.nn.functional.gelu(ns.nn.functional.gelu(x * 3.0, approximate="tanh"), approximate="tanh")
    x = f32([1.622351250504282, 1.5, 1.0, 0.1, -1.6, -0.4])  # 3x = 4.87: tanh(u) rounds to 1 in float32
    check_second_order(gelu, x, upstream=f32([1.0, -0.5, 2.0, 1.5, 0.7, -1.2]), rtol=2e-6, atol=1e-9)


def test_sign_of_nan_is_zero_like_torch():
    check(lambda ns, x: x.log2().sign() * x, f64([-1.0, 0.0, 2.0, 0.5]))


# ---- softplus exactly at its threshold: torch's slope there, second order 0 ----------------------
def test_softplus_at_the_threshold_to_second_order():
    fn = lambda ns, x: ns.nn.functional.softplus(x, beta=2.0, threshold=2.0)
    check_second_order(fn, f64([1.0, -1.0, 0.99, 1.01, 5.0]), upstream=f64([1.0, 2.0, -1.0, 0.5, 1.0]))
    check_second_order(lambda ns, x: ns.nn.functional.softplus(x, threshold=3.0), f64([3.0, 2.0, 4.0]))


@pytest.mark.parametrize("fn", [lambda ns, x: ns.nn.functional.elu(x.log2(), alpha=0.5),
                                lambda ns, x: ns.nn.functional.celu(x.log10(), alpha=2.0)], ids=["elu", "celu"])
def test_elu_family_gradient_at_nan_takes_the_positive_side(fn):
    check(fn, f64([-1.0, 0.5, 2.0, -3.0]), upstream=f64([1.0, 2.0, -1.0, 3.0]))


# ---- hardswish's gradient is selected: a NaN or inf upstream gives 0 where x <= -3 -----------------
def test_hardswish_gradient_is_selected_below_minus_three():
    x = f64([-1.06e8, -3.0, -5.0, 1e4, 2.0])
    check(lambda ns, x: ns.nn.functional.hardswish(x) / ns.nn.functional.hardswish(x), x)  # 0 / 0: NaN upstream
    check(lambda ns, x: ns.nn.functional.hardswish(x).cosh(), f64([1e4, -1e4, 2.0]))  # inf upstream


# ---- float32 tanh is torch's to the last bit (NumPy's own is often 1 ulp off) ---------------------
def test_float32_tanh_agrees_with_torch_bit_for_bit():
    x = (np.random.default_rng(0).standard_normal(100_000) * 4).astype(f32)
    same = te.tensor(x).tanh().array == torch.tensor(x).tanh().numpy()
    assert same.mean() > 0.995, same.mean()   # NumPy's float32 tanh agrees on about 68%
    assert te.tensor(f32([9.152444])).tanh().item() == 1.0
    check_second_order(lambda ns, x: ns.nn.functional.mish(ns.nn.functional.mish(x)), f32([1.413277, 17.36139, 9.152338]),
                       rtol=1e-5, atol=1e-6)


# ---- atan2 at the origin: the factor 1 / (a^2 + b^2) is 0 there, so an inf upstream gives NaN ------
def test_atan2_at_the_origin_with_an_infinite_upstream():
    a, b = f64([0.0, 1.0, 0.0]), f64([0.0, 1.0, 2.0])
    check(lambda ns, a, b: ns.atan2(a, b), a, b, upstream=f64([inf, 1.0, inf]))
    check(lambda ns, a, b: ns.atan2(a, b).log(), a, b)  # log(0) = -inf: the upstream is inf at the origin


# ---- sigmoid where torch's 1 / (1 + e^-x) divides by inf: exactly 0, not the denormal e^x ---------
@pytest.mark.parametrize("x", [f32([-88.5, -88.72284, -88.72285, -95.0, -103.0, -110.0, 0.0, 5.0, -inf]),
                               f64([-709.0, -709.78, -709.79, -720.0, -744.0, 3.0])], ids=["float32", "float64"])
def test_sigmoid_underflows_to_zero_where_torch_s_does(x):
    x = np.tile(x, 5)  # torch's vectorised lanes and its scalar tail
    engine, reference = te.tensor(x).sigmoid().array, torch.tensor(x).sigmoid().numpy()
    np.testing.assert_array_equal(engine == 0, reference == 0)
    np.testing.assert_allclose(engine, reference, rtol=1e-6, atol=0)


def test_sigmoid_of_a_large_negative_value_then_log_has_torch_s_gradient():
    fn = lambda ns, x: ns.nn.functional.elu(ns.nn.functional.mish(x.sigmoid()), alpha=0.5).log()
    check(fn, f32([-100.0, -90.0, -88.0, 1.0]), rtol=1e-5)  # torch: log(0) = -inf, gradient inf * 0 = NaN


# ---- pow's exponent gradient at a zero base: torch's where(a == 0 <= b, 0, z log a), NaN in second order
def test_pow_second_order_at_a_zero_base_is_torch_s():
    a, b = f64([0.0, 0.0, 0.0, 1.0, 2.0]), f64([2.0, 0.5, 3.0, 2.0, -1.0])
    check_second_order(lambda ns, a, b: a ** b, a, b, upstream=f64([1.0, 2.0, -1.0, 0.5, 1.5]))
    check(lambda ns, a, b: a ** b, a, b, upstream=f64([inf, 1.0, nan, 1.0, 1.0]))


# ---- abs in second order: torch's sgn_backward, (g - s^2 g) / 2|x|: NaN for an infinite g ---------------
def test_abs_second_order_with_an_infinite_first_order_gradient():
    x = f64([2.0, -2.0, -1.0, -0.5, 0.0])
    check_second_order(lambda ns, x: ns.clamp(x.log1p(), max=x).abs(), x, upstream=f64([1.0, -0.5, 2.0, 1.0, 3.0]))
    check_second_order(lambda ns, x: (x.log1p() * 2.0).abs() * x, x)
    check_second_order(lambda ns, x: (x * x).abs(), f64([0.0, -3.0, 1e200, nan]))


def test_division_gradient_rounds_as_torch_s():
    r = np.random.default_rng(0)
    for dtype in (f32, f64):
        a, b, g = (r.standard_normal(1000).astype(dtype) for _ in range(3))
        check(lambda ns, a, b: a / b, a, b, upstream=g, rtol=0, atol=0)


# ---- powers of float32 tensors: torch's kernels (sqrt, 1 / sqrt, products) and its rounding ----------
def test_float32_powers_agree_with_torch():
    x = np.abs(np.random.default_rng(0).standard_normal(20_000) * 100).astype(f32) + f32(1e-3)
    for c in (-0.5, -1.0, 2.0, 3.0, -2.0):
        np.testing.assert_array_equal((te.tensor(x) ** c).array, (torch.tensor(x) ** c).numpy(), err_msg=f"x ** {c}")
    for c in (1.5, -1.5, 0.25, 4.0):
        same = (te.tensor(x) ** c).array == (torch.tensor(x) ** c).numpy()
        assert same.mean() > 0.97, (c, same.mean())  # NumPy's float32 power agrees on about 80%


# ---- relu, leaky_relu, hardtanh in second order: torch gives their input zeros, which x's own backward meets --
@pytest.mark.parametrize("act", [lambda ns, x: ns.nn.functional.leaky_relu(x), lambda ns, x: x.relu(),
                                 lambda ns, x: ns.nn.functional.leaky_relu(x, 0.2),
                                 lambda ns, x: ns.nn.functional.hardtanh(x, -0.5, 2.0), lambda ns, x: ns.nn.functional.relu6(x)],
                         ids=["leaky", "relu", "leaky_0.2", "hardtanh", "relu6"])
def test_masked_activation_second_order_reaches_the_input_s_graph(act):
    """log1p(-1) = -inf: the first-order gradient is inf there, and torch's zero gradient from the
    activation's double backward meets 0 / (1 + x) = NaN in log1p's backward (the engine: the same)."""
    x = f64([-1.0, 2.0, -0.5, 0.0, 3.0])
    check_second_order(lambda ns, x: act(ns, ns.clamp(x.log1p() * 3, max=x * 10)), x, upstream=f64([1.0, -2.0, 0.5, 1.0, 2.0]))
    check_second_order(lambda ns, x: act(ns, -x.log1p()), x)
    check(lambda ns, x: act(ns, x.log1p()), f64([-1.0, 5.0, 0.5, 0.0, 1.0]), upstream=f64([1.0, 2.0, inf, nan, 1.0]))
