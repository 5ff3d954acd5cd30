"""Ops at the inputs where the differential test's large profile found the engine and torch apart
(clamp with tensor bounds, the elu family, hardswish, norms, max pooling, atan2, einsum, softplus,
kl_div, prod, adaptive pooling, tanh, gelu, group_norm, mish): each runs the same code on both
libraries from the same arrays and compares values, dtypes, gradients and, where the cause was
second order, gradients of gradients; and the deliberate differences of differential_deliberate.py still hold."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.differential_deliberate import _elu_selected
from tests.fidelity.same_in_both import check

inf, nan = float("inf"), float("nan")
f32, f64 = np.float32, np.float64


def second_order(fn, *arrays, upstream=None, ns=te):
    """(value, first-order gradients, gradient of sum(g * g)) of ``fn`` on one library, as NumPy."""
    grad = torch.autograd.grad if ns is torch else te.grad
    xs = [ns.tensor(np.asarray(a), requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(ns, *xs)
        up = np.ones(tuple(out.shape)) if upstream is None else np.broadcast_to(upstream, tuple(out.shape))
        gs = grad([out], xs, grad_outputs=[ns.tensor(np.asarray(up, dtype=np.asarray(arrays[0]).dtype))],
                  create_graph=True)
        g2 = grad([sum((g * g).sum() for g in gs)], xs, allow_unused=True)
    as_np = (lambda t: t.detach().numpy()) if ns is torch else (lambda t: t.array)
    return [as_np(out)] + [as_np(g) for g in gs] + [None if g is None else as_np(g) for g in g2]


def check_second_order(fn, *arrays, upstream=None, rtol=1e-6, atol=1e-6):
    engine, reference = second_order(fn, *arrays, upstream=upstream), second_order(fn, *arrays, upstream=upstream, ns=torch)
    for k, (e, t) in enumerate(zip(engine, reference)):
        if t is None or e is None:
            e, t = (np.zeros_like(t) if e is None else e), (np.zeros_like(e) if t is None else t)
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, err_msg=f"output {k} (value, grads, grads2)")


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


# ---- p-norms with p < 1 at zero elements: first order 0, second order NaN as torch's ----------
@pytest.mark.parametrize("p", [0.5, -1])
@pytest.mark.parametrize("x", [[[0.0, -0.86, 0.0], [0.0, 0.0, 0.0]], [[1.0, 0.0, 2.0]]], ids=["zero_rows", "one_zero"])
def test_norm_below_one_at_zero_elements_to_second_order(p, x):
    check_second_order(lambda ns, x: x.norm(p=p, dim=1, keepdim=True), f64(x), upstream=f64([[0.7]] * len(x)))


# ---- negative and infinite p-norms of nothing raise, as torch's ---------------------------------
@pytest.mark.parametrize("p", [-1, -0.5, float("-inf"), float("inf")])
@pytest.mark.parametrize("dim", [1, -1, None, (0, 1), 0])
def test_norm_without_identity_over_an_empty_dimension_raises_like_torch(p, dim):
    outcomes = []
    for ns in (torch, te):
        try:
            outcomes.append(tuple(ns.linalg.vector_norm(ns.zeros(2, 0), p, dim=dim).shape))
        except RuntimeError as error:
            outcomes.append(str(error).replace(" ", ""))  # torch's message lacks a space before "because"
    assert outcomes[0] == outcomes[1]


# ---- max pooling selects its gradient: an inf or NaN upstream stays at the window's maximum ------
@pytest.mark.parametrize("kwargs", [dict(kernel_size=(2, 3), stride=1, dilation=(2, 1)), dict(kernel_size=2),
                                    dict(kernel_size=2, stride=1, padding=1)])
def test_max_pool_gradient_is_selected_not_multiplied(kwargs):
    x = np.random.default_rng(0).choice(f64([1.0, 100.0, -100.0, 1e4, -1e4, 0.0, 3.0]), size=(1, 2, 5, 6))
    check(lambda ns, x: ns.nn.functional.max_pool2d(x, **kwargs).exp(), x)
    check_second_order(lambda ns, x: (ns.nn.functional.max_pool2d(x, **kwargs) * 50.0).exp(), x * 0.1)


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


# ---- einsum with a repeated letter: the gradient is selected onto the diagonal --------------------
def test_einsum_diagonal_gradient_is_selected():
    x = np.random.default_rng(0).standard_normal((3, 3))
    check(lambda ns, x: ns.einsum("ii->i", x).log2().log2(), x)
    check(lambda ns, x: ns.einsum("iji->j", x.reshape(3, 1, 3).expand(3, 2, 3)).log(), x)


# ---- the 2-norm at a zero vector: torch multiplies the upstream by the selected x / z --------------
@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf")])
@pytest.mark.parametrize("up", [nan, inf, 1.0])
def test_norm_at_a_zero_vector_with_a_non_finite_upstream(p, up):
    check(lambda ns, x: ns.linalg.vector_norm(x, p, dim=1), f64([[0.0, 0.0], [0.0, 1.0]]), upstream=f64([up, up]))
    if p not in (1, float("inf")):  # piecewise linear: no second order
        check_second_order(lambda ns, x: ns.linalg.vector_norm(x, p, dim=1, keepdim=True),
                           f64([[0.0, 0.0], [0.0, 1.0]]), upstream=f64([[0.7], [0.7]]))


# ---- the deliberate differences (differential_deliberate.py): their claims still hold ------
@pytest.mark.parametrize("name", ["hardtanh", "relu6"])
def test_deliberate_hardtanh_nan_gradient_depends_on_size_in_torch(name):
    def nan_grad(ns, size):
        x = ns.tensor(np.full(size, nan), requires_grad=True)
        getattr(ns.nn.functional, name)(x).sum().backward()
        return float(x.grad[0])
    assert (nan_grad(torch, 7), nan_grad(torch, 8)) == (1.0, 0.0)
    assert (nan_grad(te, 7), nan_grad(te, 8)) == (0.0, 0.0)


def test_deliberate_gelu_at_plus_inf():
    assert np.isnan(torch.nn.functional.gelu(torch.full((8,), inf))[0].item())  # float32, vectorised lanes
    assert torch.nn.functional.gelu(torch.tensor([inf], dtype=torch.float64))[0].item() == inf
    assert te.nn.functional.gelu(te.tensor([inf]))[0].item() == inf
    for ns in (torch, te):  # the limit: gelu(x) = x for huge x, in both
        assert ns.nn.functional.gelu(ns.tensor([1e300], dtype=ns.float64))[0].item() == 1e300


# ---- the inf-norms: amax's gradient, but a NaN norm passes none (torch's rule) --------------------
@pytest.mark.parametrize("p", [inf, -inf])
@pytest.mark.parametrize("x,up", [([[3.0, -3.0, 1.0], [nan, 2.0, -5.0]], 1.0), ([[3.0, -3.0, 1.0], [nan, 2.0, 1.0]], inf),
                                  ([[3.0, -3.0, 1.0], [2.0, 2.0, 1.0]], nan)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_inf_norm_gradient_with_nan_and_inf(p, x, up, keepdim):
    check(lambda ns, x: ns.linalg.vector_norm(x, p, dim=1, keepdim=keepdim), f64(x), upstream=f64(up))
    check(lambda ns, x: ns.linalg.vector_norm(x, p), f64(x), upstream=f64(up))


# ---- softplus exactly at its threshold: torch's slope there, second order 0 ----------------------
def test_softplus_at_the_threshold_to_second_order():
    fn = lambda ns, x: ns.nn.functional.softplus(x, beta=2.0, threshold=2.0)
    check_second_order(fn, f64([1.0, -1.0, 0.99, 1.01, 5.0]), upstream=f64([1.0, 2.0, -1.0, 0.5, 1.0]))
    check_second_order(lambda ns, x: ns.nn.functional.softplus(x, threshold=3.0), f64([3.0, 2.0, 4.0]))


def test_deliberate_normalize_second_order_at_a_zero_vector():
    """torch's second order is NaN at the zero row; the engine's equals float64 central differences
    of torch's own first-order gradient (steps far below eps, where normalize is x / eps)."""
    x, w = f64([[0.0, 0.0], [1.0, -2.0]]), f64([[0.5, -1.5], [2.0, 1.0]])
    fn = lambda ns, x: (ns.nn.functional.normalize(x, dim=1, eps=1e-8) * ns.tensor(w)).sum()

    def torch_objective(a):
        t = torch.tensor(a, requires_grad=True)
        g, = torch.autograd.grad(fn(torch, t), [t])
        return float((g * g).sum())
    engine = second_order(fn, x)[2]
    assert np.isnan(second_order(fn, x, ns=torch)[2][0]).all()
    h = 1e-12
    for j in range(2):
        up, down = x.copy(), x.copy()
        up[0, j] += h
        down[0, j] -= h
        reference = (torch_objective(up) - torch_objective(down)) / (2 * h)
        assert abs(engine[0, j] - reference) <= 1e-3 * max(1.0, abs(reference))


@pytest.mark.parametrize("fn", [lambda ns, x: ns.nn.functional.elu(x.log2(), alpha=0.5),
                                lambda ns, x: ns.nn.functional.celu(x.log10(), alpha=2.0)], ids=["elu", "celu"])
def test_elu_family_gradient_at_nan_takes_the_positive_side(fn):
    check(fn, f64([-1.0, 0.5, 2.0, -3.0]), upstream=f64([1.0, 2.0, -1.0, 3.0]))


@pytest.mark.parametrize("dtype", [f32, f64])
def test_var_and_std_of_equal_values_are_exactly_zero(dtype):
    x = dtype([[-0.4848108630131541] * 3, [1.1484124204775177] * 3, [1e4, 1e4, 1e4], [inf, inf, inf]])
    check(lambda ns, x: x.var(dim=1), x)
    check(lambda ns, x: x.std(dim=1, keepdim=True) + x, x[:3])


# ---- kl_div's target gradient: torch's xlogy halves (NaN at t = 0, 0 at t < 0 under a zero upstream) --
@pytest.mark.parametrize("up", [0.0, 1.0, 2.5])
def test_kl_div_target_gradient_at_zero_and_negative_targets(up):
    check(lambda ns, x, t: ns.nn.functional.kl_div(x, t, reduction="none"), f64([0.5, 0.5, 0.5, -1.0]),
          f64([-2.0, 0.0, 2.0, 0.3]), upstream=f64([up, up, up, 0.0]))
    check_second_order(lambda ns, x, t: ns.nn.functional.kl_div(x, t, reduction="sum"), f64([0.5, -1.0]), f64([2.0, 0.3]))


@pytest.mark.parametrize("name", ["elu", "celu"])
def test_deliberate_elu_nan_gradient_depends_on_size_in_torch(name):
    def nan_grad(ns, size, dtype):
        x = ns.tensor(np.full(size, nan, dtype=dtype), requires_grad=True)
        getattr(ns.nn.functional, name)(x).sum().backward()
        return float(x.grad[0])
    assert nan_grad(torch, 4, f64) == 1.0 and np.isnan(nan_grad(torch, 16, f64)) and nan_grad(torch, 16, f32) == 1.0
    assert (nan_grad(te, 4, f64), nan_grad(te, 16, f64), nan_grad(te, 16, f32)) == (1.0, 1.0, 1.0)


# ---- prod of everything with two or more zeros: torch's zeros outside create_graph -----------------
def test_prod_of_everything_with_several_zeros_passes_no_nan_upstream():
    x = f64([[2.0, -1.0], [0.0, 2.0], [100.0, 0.0]])
    check(lambda ns, x: x.prod().acosh(), x)  # acosh(0) is NaN, so the upstream of prod is NaN
    check(lambda ns, x: x.prod(dim=1).acosh(), x)  # along a dim torch multiplies: NaN stays
    check(lambda ns, x: x.prod().acosh(), f64([3.0, 0.0, 2.0]))  # one zero: NaN * 0 is NaN in torch too
    check_second_order(lambda ns, x: x.prod(), f64([0.0, 3.0, 0.0, 2.0]), upstream=f64(1.5))


# ---- hardswish's gradient is selected: a NaN or inf upstream gives 0 where x <= -3 -----------------
def test_hardswish_gradient_is_selected_below_minus_three():
    x = f64([-1.06e8, -3.0, -5.0, 1e4, 2.0])
    check(lambda ns, x: ns.nn.functional.hardswish(x) / ns.nn.functional.hardswish(x), x)  # 0 / 0: NaN upstream
    check(lambda ns, x: ns.nn.functional.hardswish(x).cosh(), f64([1e4, -1e4, 2.0]))  # inf upstream


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


# ---- float32 tanh is torch's to the last bit (NumPy's own is often 1 ulp off) ---------------------
def test_float32_tanh_agrees_with_torch_bit_for_bit():
    x = (np.random.default_rng(0).standard_normal(100_000) * 4).astype(f32)
    same = te.tensor(x).tanh().array == torch.tensor(x).tanh().numpy()
    assert same.mean() > 0.995, same.mean()   # NumPy's float32 tanh agrees on about 68%
    assert te.tensor(f32([9.152444])).tanh().item() == 1.0
    check_second_order(lambda ns, x: ns.nn.functional.mish(ns.nn.functional.mish(x)), f32([1.413277, 17.36139, 9.152338]),
                       rtol=1e-5, atol=1e-6)


# ---- elu/celu second order with an infinite first-order gradient (a deliberate difference) --------
def test_deliberate_elu_second_order_at_an_infinite_gradient():
    """torch: NaN (elu_double_backward multiplies inf by its x < 0 mask); the engine: +inf, the
    limit, which torch's own autograd of elu written with torch.where also gives."""
    x = f32([3363.7, 1551.2, -14665.7, 2.0])
    fn = lambda ns, x: ns.nn.functional.elu(x).expm1()
    torch_g2 = second_order(fn, x, ns=torch)[-1]
    engine_g2 = second_order(fn, x)[-1]
    assert np.isnan(torch_g2[:2]).all() and (engine_g2[:2] == inf).all()
    np.testing.assert_allclose(engine_g2[2:], torch_g2[2:], rtol=1e-5)
    saved = torch.nn.functional.elu
    try:
        torch.nn.functional.elu = _elu_selected(False)
        np.testing.assert_allclose(engine_g2, second_order(fn, x, ns=torch)[-1], rtol=1e-5)
    finally:
        torch.nn.functional.elu = saved


# ---- adaptive average pooling's gradient stays in its window: a NaN upstream does not spread -------
def test_adaptive_avg_pool_gradient_stays_in_its_window():
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 6)).astype(f32)
    up = np.zeros((2, 1, 2, 3), dtype=f32)
    up[0, 0, 0, 0], up[1, 0, 1, 2] = nan, inf
    check(lambda ns, x: ns.nn.functional.adaptive_avg_pool2d(x, (2, 3)), x, upstream=up)
    check(lambda ns, x: ns.nn.functional.adaptive_avg_pool2d(x, (3, 4)), x[:, :, :, :5], upstream=np.ones((2, 1, 3, 4), f32))
    check_second_order(lambda ns, x: ns.nn.functional.adaptive_avg_pool2d(x, (3, 2)) ** 3, x.astype(f64))


# ---- atan2 at the origin: the factor 1 / (a^2 + b^2) is 0 there, so an inf upstream gives NaN ------
def test_atan2_at_the_origin_with_an_infinite_upstream():
    a, b = f64([0.0, 1.0, 0.0]), f64([0.0, 1.0, 2.0])
    check(lambda ns, a, b: ns.atan2(a, b), a, b, upstream=f64([inf, 1.0, inf]))
    check(lambda ns, a, b: ns.atan2(a, b).log(), a, b)  # log(0) = -inf: the upstream is inf at the origin


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


# ---- the differential test's own rule: an ill-conditioned step magnifies earlier last-bit differences -
def test_an_ill_conditioned_step_after_agreeing_values_is_not_a_mismatch():
    """frac of values near 1e8 computed by matmul (each library rounds its products differently),
    and the mean of float32 values of 2e4 that cancel to -1: torch's op on the engine's own inputs
    gives the engine's value, so the difference is inherited, not the op's; an op that is wrong on
    the same inputs still fails."""
    from tests.fidelity.differential_programs import Program, Step
    from tests.fidelity.test_differential import compare
    r = np.random.default_rng(4)
    a, b = r.uniform(-2e4, 2e4, (2, 3, 4)), r.uniform(-2e4, 2e4, (2, 4, 5))
    assert compare(Program([a, b], [Step("bmm", (0, 1)), Step("frac", (2,)), Step("frac", (3,))], 0)) is None
    x = np.repeat(f32([[2294.3267, -18575.469, 19606.738]]), 8, axis=0) + r.standard_normal((8, 3)).astype(f32)
    assert compare(Program([x], [Step("mean", (0,), dict(dim=None, keepdim=True))], 1)) is None


def test_pinned_values_excuse_magnified_rounding_but_not_a_wrong_backward(monkeypatch):
    """layer_norm with a bias of 1e4, then cos: float32 rounding of the normalised values (an ulp
    of 1e4 is 1e-3) moves cos' gradient by 1e-3 in either library. torch run at the engine's
    values gives the engine's gradient, so the program compares clean; with a planted error in
    Cos.backward (1% off) it still fails."""
    from tests.fidelity.differential_programs import Program, Step
    from tests.fidelity.test_differential import _difference, compare, execute
    from tinygrad_edu.ops.unary import Cos
    r = np.random.default_rng(5)
    x = r.choice(f32([0.0, -100.0, 2.0, 1e4, -1e4, 3.0]), (2, 3, 4))
    w, b = (r.uniform(-3e4, 3e4, (3, 4)).astype(f32) for _ in range(2))
    program = Program([x, w, b], [Step("F.layer_norm", (0, 1, 2), dict(normalized_shape=(3, 4), eps=0.001)),
                                  Step("cos", (3,))], upstream_seed=13680)
    assert _difference(program, execute(torch, program), execute(te, program)).startswith("grads")  # as run
    assert compare(program) is None
    original = Cos.backward
    monkeypatch.setattr(Cos, "backward", lambda self, g: tuple(t * 1.01 for t in original(self, g)))
    assert compare(program) is not None


# ---- prod with zeros whose other elements overflow: the 0/1 cases are selected, not multiplied -----
def test_prod_with_zeros_and_an_overflowing_rest():
    x = f32([-3.0, 100.0, 100.0, 1.0, 2.0, -3.0, 0.0, -3.0, -3.0, -3.0, 3.0, -3.0])
    x = np.concatenate([x, 2 * x, 2 * x, 4 * x])  # four zeros; the rest multiplies to 6e43 (inf in float32)
    check(lambda ns, x: x.prod() * 3, x)
    check_second_order(lambda ns, x: x.prod() * 3, x)
    check(lambda ns, x: x.reshape(4, 12).prod(dim=1), x)



# ---- prod's first-order gradient with zeros: torch's running products, no division ----------------
@pytest.mark.parametrize("x,dim", [([[-1.0, 19.1, inf, 1.7], [0.6, 0.0, 2.0, 3.0]], 1),   # inf beside a zero elsewhere
                                   ([[0.0], [nan], [0.3]], 0),                              # NaN in a slice with a zero
                                   ([[-inf], [-inf], [0.0], [4.6]], 1)])                    # size-1 slices
def test_prod_gradient_with_zeros_uses_the_product_of_the_others(x, dim):
    check(lambda ns, x: x.prod(dim=dim), f64(x), upstream=np.arange(1.0, 1.0 + np.prod(f64(x).shape) // f64(x).shape[dim]))


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


# ---- the deliberate mean of layer_norm and group_norm -------------------------------------------------
def _welford_mean(row):
    """torch's scalar path of its fused normalisation kernels (a row shorter than one vector)."""
    mean = row.dtype.type(0)
    for k, x in enumerate(row, start=1):
        mean = mean + (x - mean) / row.dtype.type(k)
    return mean


def test_deliberate_layer_norm_mean_is_a_sum_divided_by_the_count():
    from fractions import Fraction
    from tests.fidelity.differential_deliberate import _group_norm_summed_mean, _layer_norm_summed_mean
    row = f32([0.0, -2.0, 0.0, 1.0, 1.0])
    torch_mean = torch.native_layer_norm(torch.tensor(row[None]), (5,), None, None, 1e-5)[1].item()
    assert torch_mean == _welford_mean(row) != 0 and sum(map(Fraction, row.tolist())) == 0
    assert torch.tensor(row).mean().item() == 0.0 and te.tensor(row).mean().item() == 0.0
    x = np.stack([row, f32([1.0, 2.0, -3.0, 0.5, 0.0])])
    w, b = f32([0.0, 1.0, 2.0, 0.5, 1.0]), f32([0.0, 1.0, 0.0, 0.0, 3.0])
    fn = lambda ns, x, w, b: ns.nn.functional.layer_norm(x, (5,), w, b).log2()
    assert te.nn.functional.layer_norm(te.tensor(x), (5,)).array[0, 0] == 0.0
    assert torch.nn.functional.layer_norm(torch.tensor(x), (5,))[0, 0].item() != 0.0
    with pytest.raises(AssertionError):  # weight 0 at a normalised 0: NaN (inf * 0) in the engine
        check(fn, x, w, b, rtol=1e-5)
    gn = lambda ns, x, w, b: ns.nn.functional.group_norm(x.reshape(1, 2, 5), 1, w[:2], b[:2]).log2()
    with _substituted(layer_norm=_layer_norm_summed_mean, group_norm=_group_norm_summed_mean):
        check(fn, x, w, b, rtol=1e-5)
        check(gn, x, w, b, rtol=1e-5)
        check_second_order(lambda ns, x, w, b: ns.nn.functional.group_norm(x.reshape(1, 2, 5), 2, w[:2], b[:2]).cosh(),
                           x.astype(f64), w.astype(f64), b.astype(f64))


def _substituted(**functions):
    import contextlib

    @contextlib.contextmanager
    def swap():
        saved = {name: getattr(torch.nn.functional, name) for name in functions}
        try:
            for name, fn in functions.items():
                setattr(torch.nn.functional, name, fn)
            yield
        finally:
            for name, fn in saved.items():
                setattr(torch.nn.functional, name, fn)
    return swap()


# ---- cosine_similarity with torch's norms: the rounding of x / ||x|| and torch's second order at zero --
def test_cosine_similarity_rounds_and_differentiates_as_torch():
    """cos(x, x) is 1 + 2e-16 in both; the gradient (0 exactly) is rounding, which log(log(cos))
    magnifies by 1e16: it agrees only if the backward is torch's op for op (the norm's x / norm,
    the division's -g (z / b)). At a zero vector the second order is NaN, as torch's."""
    x = f64([[0.0, -1.0, -1.0, -2.0], [1.0, 2.0, 0.0, 1.0], [0.3, -0.7, 2.0, 1e4]])
    check(lambda ns, x: ns.nn.functional.cosine_similarity(x, x, dim=1).log().log(), x, rtol=1e-6, atol=0)
    x1, x2 = f64([[-6113.2, -2452.0, 2368.7], [1530.8, 1310.8, -794.8]]), f64([[0.0, 0.0, 2.0], [0.0, 1.0, -2.0]])
    check_second_order(lambda ns, a, b: ns.nn.functional.cosine_similarity(a, b, dim=0) * 2.0, x1, x2,
                       upstream=f64([0.5, -1.5, 2.0]))


def test_division_gradient_rounds_as_torch_s():
    r = np.random.default_rng(0)
    for dtype in (f32, f64):
        a, b, g = (r.standard_normal(1000).astype(dtype) for _ in range(3))
        check(lambda ns, a, b: a / b, a, b, upstream=g, rtol=0, atol=0)


# ---- softplus' second order on its linear side with an overflowing gradient (a deliberate difference)
def test_deliberate_softplus_second_order_on_the_linear_side():
    """torch: NaN (its double backward multiplies an inf by the mask beta x < threshold); the engine:
    +inf, which torch's own autograd of softplus with the linear side selected by torch.where gives."""
    from tests.fidelity.differential_deliberate import _softplus_selected
    x = f32([2.0, 100.0, -3.0, 25.0])
    fn = lambda ns, x: 2.0 ** ns.nn.functional.softplus(x)
    torch_g2, engine_g2 = second_order(fn, x, ns=torch)[-1], second_order(fn, x)[-1]
    assert np.isnan(torch_g2[1]) and engine_g2[1] == inf
    np.testing.assert_allclose(engine_g2[[0, 2, 3]], torch_g2[[0, 2, 3]], rtol=1e-5)
    with _substituted(softplus=_softplus_selected):
        np.testing.assert_allclose(engine_g2, second_order(fn, x, ns=torch)[-1], rtol=1e-5)


def test_deliberate_mish_second_order_where_exp_overflows():
    """torch: NaN (its double backward takes softplus as log1p(exp(x))); the engine: 0, the float64
    central difference of torch's own first-order gradient, and torch with the engine's backward."""
    from tests.fidelity.differential_deliberate import _mish_logaddexp
    x = f64([1000.0, 800.0, 3.0, -2.0, -1000.0])
    fn = lambda ns, x: ns.nn.functional.mish(x)
    torch_g2, engine_g2 = second_order(fn, x, ns=torch)[-1], second_order(fn, x)[-1]
    assert np.isnan(torch_g2[:2]).all() and (engine_g2[:2] == 0).all()
    np.testing.assert_allclose(engine_g2[2:], torch_g2[2:], rtol=1e-12)

    def torch_first_order(v):
        t = torch.tensor(v, requires_grad=True)
        return torch.autograd.grad(torch.nn.functional.mish(t).sum(), t)[0].numpy()
    h = 1e-3
    difference = (torch_first_order(x + h) ** 2 - torch_first_order(x - h) ** 2) / (2 * h)
    assert (difference[:2] == 0).all()
    with _substituted(mish=_mish_logaddexp):
        np.testing.assert_allclose(engine_g2, second_order(fn, x, ns=torch)[-1], rtol=1e-12)
    for dtype in (f32, f64):
        check(lambda ns, x: fn(ns, x) * 2.0, dtype([100.0, 3.0, -2.0]))


# ---- prod inside create_graph with 3+ zeros and an inf: torch's running products, NaN beside the inf --
def test_prod_in_a_graph_with_many_zeros_and_an_inf():
    x = f32([-5653.8, -8829.4, 10398.6, -15873.6, 3658.6, -1720.9, 1.0, 2.0])  # exp: 0, 0, inf, 0, inf, 0, e, e^2
    check_second_order(lambda ns, x: x.exp().prod(), x)
    check_second_order(lambda ns, x: x.exp().reshape(2, 4).prod(dim=1), x)
    # prod over a size-1 dim of exp(1e4), exp(-1e4), exp(100): inf / inf must not enter the graph
    # (its backward would leak 0 * NaN into the second order)
    check_second_order(lambda ns, a, b: (a * b.exp().prod(dim=-3, keepdim=True)).sum(dim=-1, keepdim=True),
                       f32([[[0.0, -1.0, 0.0]]]), f32([[[0.0], [-10000.0], [100.0]]]))
    # a slice without zeros holding the inf, beside slices with zeros: torch's running products give
    # inf where P / inf is NaN (first order, in the graph), and its cumprod backward the second order
    fn = lambda ns, x: x.exp().reshape(2, 4).prod(dim=0)
    for e, t in zip(second_order(fn, x)[:2], second_order(fn, x, ns=torch)[:2]):
        np.testing.assert_allclose(e, t, rtol=1e-6)
    check_second_order(fn, x)


# ---- prod in a graph: torch's running products (cumprod and its backward) to second order ------------
@pytest.mark.parametrize("dim", [0, 1, None])
def test_prod_second_order_through_torch_s_running_products(dim):
    """A slice of two non-zero elements whose product is -1 or 1, where asin' is inf, beside slices
    that hold zeros: the second derivative is -inf or inf in torch (each factor reaches the other
    without a cancelling sum), NaN by the quotient z / x. And zeros, infs, NaN to third order."""
    x = f64([[-1.0, 1.0, 0.0, 2.0, 0.5], [1.0, 1.0, 2.0, 0.0, 0.0]])
    prod = (lambda ns, t: t.prod()) if dim is None else (lambda ns, t: t.prod(dim=dim))
    check_second_order(lambda ns, t: prod(ns, t).asin(), x, upstream=f64(0.7) if dim is None else None)
    check_second_order(lambda ns, t: prod(ns, t) * 3.0, f64([[0.0, inf, 2.0, nan, -1.0], [0.0, 0.0, 3.0, 1.0, 2.0]]))
    outs = []
    for ns in (torch, te):
        grad = torch.autograd.grad if ns is torch else te.grad
        t = ns.tensor(x * 1.5, requires_grad=True)
        g, = grad([prod(ns, t).sum()], [t], create_graph=True)
        g2, = grad([(g * g).sum()], [t], create_graph=True)
        outs.append([a.detach().numpy() if ns is torch else a.array for a in grad([(g2 * g2 * t).sum()], [t])])
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-12, atol=1e-12)


# ---- powers of float32 tensors: torch's kernels (sqrt, 1 / sqrt, products) and its rounding ----------
def test_float32_powers_agree_with_torch():
    x = np.abs(np.random.default_rng(0).standard_normal(20_000) * 100).astype(f32) + f32(1e-3)
    for c in (-0.5, -1.0, 2.0, 3.0, -2.0):
        np.testing.assert_array_equal((te.tensor(x) ** c).array, (torch.tensor(x) ** c).numpy(), err_msg=f"x ** {c}")
    for c in (1.5, -1.5, 0.25, 4.0):
        same = (te.tensor(x) ** c).array == (torch.tensor(x) ** c).numpy()
        assert same.mean() > 0.97, (c, same.mean())  # NumPy's float32 power agrees on about 80%


def test_norm_below_one_of_one_element_to_second_order():
    """|x|^-0.5 * |x|^0.5 is 1 exactly in torch (1 / sqrt and sqrt), and its second derivative 0, which
    a program with a large factor after it (floor(x) * x twice: 2e12) would magnify."""
    x = f32(14821.5498046875)
    check_second_order(lambda ns, x: ns.linalg.vector_norm(x, 0.5) * 3e12, x, rtol=1e-6, atol=0)
    check_second_order(lambda ns, x: ns.linalg.vector_norm(x.reshape(1), 0.5, dim=0, keepdim=True) * 3e12, x,
                       rtol=1e-6, atol=0)


# ---- the differential test's float64 reference for torch's NaN second order (SECOND_ORDER_NAN) ----------
def _program(arrays, steps, seed):
    from tests.fidelity.differential_programs import Program, Step
    return Program(arrays, [Step(*s) for s in steps], upstream_seed=seed, second_order=True)


def test_second_order_reference_at_the_program_s_own_float32_values(monkeypatch):
    """mish of 3 x (float32, x up to 4643), then tan: torch's mish double backward is NaN there. The
    reference must be taken at the program's own float32 values of 3 x (a float64 3 x differs by up
    to 5e-4, and tan's slope turns that into 1.5e-3) and with a step whose h^2 error is cancelled
    (Richardson): then it agrees with the engine to 1e-6. A planted error in the engine's mish
    second order (1%) still fails."""
    from tests.fidelity.differential_deliberate import second_order_reference
    from tests.fidelity.test_differential import compare, execute
    import tinygrad_edu.nn._functional.activation as activation
    x = f32([[2889.405029296875, -2648.25439453125, -4642.88037109375, 1702.3603515625]])
    program = _program([x], [("move:mul_py", (0,)), ("F.mish", (1,)), ("tan", (2,))], 1216)
    assert np.isnan(execute(torch, program)["grads2"][0][0]).any()
    engine = execute(te, program)["grads2"][0][0].reshape(-1)
    reference = second_order_reference(program, 0, [0, 3], execute)
    np.testing.assert_allclose(engine[[0, 3]], reference, rtol=1e-5)
    assert compare(program) is None
    slope = activation._mish_slope
    monkeypatch.setattr(activation, "_mish_slope", lambda v: slope(v) * (1.0 + 0.01 * (v - v.detach()).tanh()))
    assert compare(program) is not None


def test_second_order_reference_without_the_rounding_of_a_large_total():
    """kl_div into mish: the second order at the zero inputs is -2 up^2 (log t + 1) exactly (through
    the target's gradient), tiny beside the objective's other terms (1e8): taken element by element,
    the central difference keeps it to 1e-6 (a difference of totals was 3e-3 off)."""
    from tests.fidelity.differential_deliberate import second_order_reference
    from tests.fidelity.test_differential import compare, execute
    x = f32([[-2.0, -2.0, 1.0], [0.0, 0.0, 0.0]])
    t = f32([[-16114.09, -12544.07, -642.84], [3921.50439453125, 444.5640563964844, -17501.8]])
    program = _program([x, t], [("F.kl_div", (0, 1), dict(reduction="none")), ("F.mish", (2,))], 1833)
    up = np.random.default_rng(1833).standard_normal((2, 3)).astype(f32).astype(f64)
    exact = -2 * up[1, :2] ** 2 * (np.log(t[1, :2].astype(f64)) + 1)
    np.testing.assert_allclose(second_order_reference(program, 0, [3, 4], execute), exact, rtol=1e-6)
    assert compare(program) is None


def test_second_order_excuse_with_more_than_sixteen_positions():
    """linear, norm_1, floor(x) * x, mish (values up to 376): torch's second order is NaN at 20
    positions of one weight; each is checked against the reference, and all agree."""
    r = np.random.default_rng(7)
    x, w, b = (r.standard_normal(s).astype(f32) for s in ((3, 4), (5, 4), (5,)))
    x[2] *= 2.5
    program = _program([x, w, b], [("F.linear", (0, 1, 2)), ("norm_1", (3,), dict(dim=1, keepdim=True)),
                                   ("floor", (4,)), ("F.mish", (5,))], 65535)
    from tests.fidelity.test_differential import compare, execute
    torch_g2 = execute(torch, program)["grads2"]
    assert np.isnan(torch_g2[1][0]).sum() > 16
    assert compare(program) is None


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


# ---- layer_norm / group_norm backward in the form of torch's kernels: an inf upstream spoils the row ---
@pytest.mark.parametrize("norm", [lambda ns, x, w: ns.nn.functional.layer_norm(x, (6,), w),
                                  lambda ns, x, w: ns.nn.functional.group_norm(x.reshape(2, 3, 2), 3) * w[:2],
                                  lambda ns, x, w: ns.nn.functional.group_norm(x.reshape(2, 6, 1), 2) * w[0],
                                  lambda ns, x, w: ns.nn.functional.group_norm(x.reshape(2, 6, 1), 2, w, w * 0.5),
                                  lambda ns, x, w: ns.nn.functional.group_norm(x.reshape(1, 6, 2), 3, w * 2.0)],
                         ids=["layer_norm", "group_norm", "group_norm_2", "group_norm_weight", "group_norm_weight_2"])
def test_normalisation_gradient_with_an_infinite_upstream(norm):
    """group_norm's own weight gradient as torch's kernel forms it: (sum dy x - sum dy mean) rstd
    per channel, so an inf upstream gives inf - inf = NaN where x and the mean have one sign."""
    x = f64([[0.5, -1.0, 2.0, 3.0, -0.25, 1.0], [1.0, 2.0, -3.0, 0.5, 0.0, 4.0]])
    w = f64([1.0, 0.0, 2.0, -1.0, 0.5, 3.0])
    up = np.ones((2, 6))
    up[0, 2], up[1, 5] = inf, -inf
    check(lambda ns, x, w: norm(ns, x, w).reshape(2, 6), x, w, upstream=up)
    check(lambda ns, x, w: norm(ns, x, w).reshape(2, 6) ** 3, x, w, upstream=np.arange(12.0).reshape(2, 6))


def test_group_norm_weight_gradient_to_second_order():
    x = np.random.default_rng(5).standard_normal((2, 4, 3)).astype(np.float32) + 0.5
    w, b = f32([1.5, -0.5, 2.0, 0.25]), f32([0.1, -0.2, 0.3, 0.0])
    up = np.random.default_rng(6).standard_normal((2, 4, 3)).astype(np.float32)
    check_second_order(lambda ns, x, w, b: ns.nn.functional.group_norm(x, 2, w, b) ** 2, x, w, b, upstream=up,
                       rtol=1e-4, atol=1e-5)
    check_second_order(lambda ns, x, w: ns.nn.functional.group_norm(x, 4, w), x, w, upstream=up, rtol=1e-4, atol=1e-5)
    check(lambda ns, x, w: ns.nn.functional.group_norm(x, 2, w), np.zeros((0, 4, 3), np.float32), w)


def test_deliberate_hardswish_nan_gradient_depends_on_size_in_torch():
    from tests.fidelity.differential_deliberate import _hardswish_scalar_rule

    def nan_grad(ns, size, fn=None):
        x = ns.tensor(np.full(size, nan), requires_grad=True)
        (fn or ns.nn.functional.hardswish)(x).sum().backward()
        return float(x.grad[0])
    assert nan_grad(torch, 15) == 1.0 and np.isnan(nan_grad(torch, 16))  # float64: 2 vectors of 8 from 16
    assert nan_grad(te, 15) == nan_grad(te, 16) == 1.0
    assert nan_grad(torch, 16, _hardswish_scalar_rule) == 1.0
    x = f64([-4.0, -3.0, -1.0, 0.0, 2.0, 3.0, 5.0, nan] * 3)
    with _substituted(hardswish=_hardswish_scalar_rule):
        check_second_order(lambda ns, x: ns.nn.functional.hardswish(x * 2.0) * x, x)


# ---- prod along a contiguous dim in torch's order: whether an overflow meets a zero first ------------
@pytest.mark.parametrize("dtype", [f32, f64])
def test_prod_multiplies_in_torch_s_order(dtype):
    """1e4 in every lane and one zero: the exact product is 0, torch's is 0 or NaN (inf * 0) by the
    order of its lanes (4 accumulators of 8 float32 or 4 float64 lanes, then the tail), and so is
    the engine's; a product along dim 0 is sequential in both."""
    r = np.random.default_rng(0)
    big = dtype(1e4) if dtype == f32 else dtype(1e40)
    for n in (31, 32, 40, 72, 100, 129):
        for zero in (0, 5, n - 1):
            x = r.choice(np.array([big, -big, 3.0, 0.5], dtype=dtype), size=(3, n))
            x[:, zero] = 0
            check(lambda ns, x: x.prod(), x.reshape(-1), rtol=1e-6, atol=0)
            check(lambda ns, x: x.prod(dim=1), x, rtol=1e-6, atol=0)
            check(lambda ns, x: x.T.prod(dim=0), x, rtol=1e-6, atol=0)
