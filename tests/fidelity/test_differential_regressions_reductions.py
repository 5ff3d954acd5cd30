"""Regressions of the differential test (its large profile found the engine and torch apart at these
inputs), norms, normalisation and reductions: p-norms, vector_norm, var and std, einsum, prod,
layer_norm, group_norm, cosine_similarity. Each runs the same code on both libraries from the same
arrays and compares values, dtypes, gradients and, where the cause was second order, gradients of
gradients."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.regression_helpers import check_second_order, f32, f64, inf, nan, second_order
from tests.fidelity.same_in_both import check


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


# ---- the inf-norms: amax's gradient, but a NaN norm passes none (torch's rule) --------------------
@pytest.mark.parametrize("p", [inf, -inf])
@pytest.mark.parametrize("x,up", [([[3.0, -3.0, 1.0], [nan, 2.0, -5.0]], 1.0), ([[3.0, -3.0, 1.0], [nan, 2.0, 1.0]], inf),
                                  ([[3.0, -3.0, 1.0], [2.0, 2.0, 1.0]], nan)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_inf_norm_gradient_with_nan_and_inf(p, x, up, keepdim):
    check(lambda ns, x: ns.linalg.vector_norm(x, p, dim=1, keepdim=keepdim), f64(x), upstream=f64(up))
    check(lambda ns, x: ns.linalg.vector_norm(x, p), f64(x), upstream=f64(up))


@pytest.mark.parametrize("dtype", [f32, f64])
def test_var_and_std_of_equal_values_are_exactly_zero(dtype):
    x = dtype([[-0.4848108630131541] * 3, [1.1484124204775177] * 3, [1e4, 1e4, 1e4], [inf, inf, inf]])
    check(lambda ns, x: x.var(dim=1), x)
    check(lambda ns, x: x.std(dim=1, keepdim=True) + x, x[:3])


# ---- prod of everything with two or more zeros: torch's zeros outside create_graph -----------------
def test_prod_of_everything_with_several_zeros_passes_no_nan_upstream():
    x = f64([[2.0, -1.0], [0.0, 2.0], [100.0, 0.0]])
    check(lambda ns, x: x.prod().acosh(), x)  # acosh(0) is NaN, so the upstream of prod is NaN
    check(lambda ns, x: x.prod(dim=1).acosh(), x)  # along a dim torch multiplies: NaN stays
    check(lambda ns, x: x.prod().acosh(), f64([3.0, 0.0, 2.0]))  # one zero: NaN * 0 is NaN in torch too
    check_second_order(lambda ns, x: x.prod(), f64([0.0, 3.0, 0.0, 2.0]), upstream=f64(1.5))


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


def test_norm_below_one_of_one_element_to_second_order():
    """|x|^-0.5 * |x|^0.5 is 1 exactly in torch (1 / sqrt and sqrt), and its second derivative 0, which
    a program with a large factor after it (floor(x) * x twice: 2e12) would magnify."""
    x = f32(14821.5498046875)
    check_second_order(lambda ns, x: ns.linalg.vector_norm(x, 0.5) * 3e12, x, rtol=1e-6, atol=0)
    check_second_order(lambda ns, x: ns.linalg.vector_norm(x.reshape(1), 0.5, dim=0, keepdim=True) * 3e12, x,
                       rtol=1e-6, atol=0)


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


# ---- einsum of three or more operands: torch's order, left to right (not NumPy's optimizer's) -----
def test_einsum_contracts_left_to_right_as_torch():
    """(A B) C overflows to inf and -inf whose sum is NaN; A (B C), the cheaper order that NumPy's
    optimizer picks for these shapes, would be 0. torch contracts left to right, so the value is
    NaN, and so are the gradients and gradients of gradients it gives."""
    a = f32([[1e30, 1e30]] * 4)
    b = f32([[1e10, -1e10], [1e10, -1e10]])
    c = f32([[1.0], [1.0]])
    check_second_order(lambda ns, a, b, c: ns.einsum("ij,jk,kl->il", a, b, c), a, b, c)
    x, y, z, w = (np.random.default_rng(k).standard_normal(s).astype(np.float32) for k, s in
                  enumerate([(2, 3), (3, 4), (4, 2), (2, 5)]))
    check_second_order(lambda ns, x, y, z, w: ns.einsum("ij,jk,kl,lm->im", x, y, z, w), x, y, z, w, rtol=1e-4)
