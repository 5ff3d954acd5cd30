"""tinygrad_edu.autograd's semantics: accumulation, graph walks, higher order, and clear errors.
Gradients are compared with torch or with closed forms worked out by hand, never with the engine."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te


def test_gradients_accumulate_until_zeroed_like_torch():
    x = te.tensor([1.0, -2.0, 3.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * 2 * np.array([1.0, -2.0, 3.0]))
    x.grad = None
    (x * 4.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0, 4.0])


def test_reused_intermediate_gets_all_its_gradient():
    """y is used three times; its gradient is the sum over the uses (a diamond graph)."""
    x = te.tensor(1.5, dtype=te.float64, requires_grad=True)
    y = x.exp()
    z = y * y + y * 3.0 + y.log()
    z.backward()
    e = np.exp(1.5)  # d/dx [e^2x + 3 e^x + x] = 2 e^2x + 3 e^x + 1
    np.testing.assert_allclose(x.grad.item(), 2 * e * e + 3 * e + 1, rtol=1e-12)


def test_chain_of_100000_ops_needs_no_recursion():
    x = te.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing the deep graph must not overflow the stack either


def test_backward_twice_through_freed_graph_is_an_error_unless_retained():
    x = te.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    yt = (xt.exp() * xt).sum()
    yt.backward(retain_graph=True)
    yt.backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_no_grad_records_nothing_and_restores_state():
    x = te.tensor([1.0], requires_grad=True)
    with te.no_grad():
        y = x * 2.0
        assert not te.is_grad_enabled()
    assert te.is_grad_enabled() and not y.requires_grad and y.grad_fn is None

    @te.no_grad()
    def f(t):
        return t * 3.0
    assert not f(x).requires_grad


def test_grad_returns_gradients_without_touching_dot_grad():
    a = te.tensor([1.0, 2.0], requires_grad=True)
    b = te.tensor([3.0, 4.0], requires_grad=True)
    ga, gb = te.grad((a * b).sum(), [a, b])
    np.testing.assert_allclose(ga.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gb.numpy(), [1.0, 2.0])
    assert a.grad is None and b.grad is None


def test_third_derivative_of_a_cube_and_mixed_partials_match_torch():
    x = te.tensor(0.7, dtype=te.float64, requires_grad=True)
    (d1,) = te.grad(x ** 3, x, create_graph=True)
    (d2,) = te.grad(d1, x, create_graph=True)
    (d3,) = te.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == pytest.approx((3 * 0.49, 6 * 0.7, 6.0))

    def f(ns, u, v):
        return (u.sigmoid() * v.tanh() + (u * v).exp()).sum()
    rng = np.random.default_rng(0)
    u0, v0 = rng.standard_normal(3), rng.standard_normal(3)
    u, v = te.tensor(u0, requires_grad=True), te.tensor(v0, requires_grad=True)
    ut, vt = torch.tensor(u0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    (gu,) = te.grad(f(te, u, v), u, create_graph=True)
    (gut,) = torch.autograd.grad(f(torch, ut, vt), ut, create_graph=True)
    mixed = te.grad(gu.sum(), [u, v])
    mixed_t = torch.autograd.grad(gut.sum(), [ut, vt])
    for ours, theirs in zip(mixed, mixed_t):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = te.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])


def test_max_with_dim_returns_values_and_indices_like_torch():
    data = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]], dtype=np.float32)
    values, indices = te.tensor(data).max(dim=1)
    tv, ti = torch.tensor(data).max(dim=1)
    np.testing.assert_array_equal(values.numpy(), tv.numpy())
    np.testing.assert_array_equal(indices.numpy(), ti.numpy())


# ---- bad input: a clear error that names the op and the shapes, never a wrong answer ----
def test_mismatched_shapes_name_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"Add.*\(2, 3\).*\(4,\)"):
        te.ones(2, 3) + te.ones(4)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        te.ones(2, 3) @ te.ones(4, 5)
    with pytest.raises(ValueError, match=r"reshape.*\(5,\).*\(2, 3\)"):
        te.ones(2, 3).reshape(5)
    with pytest.raises(ValueError, match=r"cat.*\(2, 4\).*\(2, 3\)"):
        te.cat([te.ones(2, 3), te.ones(2, 4)], dim=0)


def test_backward_on_non_scalar_needs_a_gradient():
    x = te.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(3,\)"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(2,\).*\(3,\)"):
        (x * 2.0).backward(te.ones(2))


def test_backward_through_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (te.ones(3) * 2.0).sum().backward()
    with pytest.raises(RuntimeError, match="input 0.*does not require grad"):
        te.grad(te.ones(1, requires_grad=True).sum(), [te.ones(1)])


def test_unused_input_in_grad_is_an_error_unless_allowed():
    a, b = te.ones(2, requires_grad=True), te.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1.*not used"):
        te.grad(a.sum(), [a, b])
    assert te.grad(a.sum(), [a, b], allow_unused=True)[1] is None


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        te.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        te.tensor([1, 2]).requires_grad_()


def test_mixing_devices_is_an_error():
    class FakeGpuArray(np.ndarray):  # stands in for a CuPy array: a different array type
        pass
    gpu_like = te.Tensor._wrap(np.ones(3).view(FakeGpuArray))
    with pytest.raises(RuntimeError, match="same device"):
        te.ones(3) + gpu_like
    if not te.cuda_available():
        with pytest.raises(RuntimeError, match="cuda.*not available"):
            te.ones(2, device="cuda")


@pytest.mark.parametrize("index", [1.5, "a", {0: 1}, te.tensor([0.0, 1.0])])
def test_unsupported_index_types_are_errors(index):
    with pytest.raises(TypeError, match="getitem"):
        te.ones(3, 2)[index]


def test_out_of_range_index_and_dim_name_the_shape():
    with pytest.raises(IndexError, match=r"\(3, 2\)"):
        te.ones(3, 2)[5]
    with pytest.raises(IndexError, match=r"sum: dim 2 .*\(3, 2\)"):
        te.ones(3, 2).sum(dim=2)


def test_numpy_of_a_tensor_that_requires_grad_is_an_error_like_torch():
    with pytest.raises(RuntimeError, match="detach"):
        te.ones(2, requires_grad=True).numpy()


def test_a_fresh_gradient_becomes_grad_without_a_copy():
    """torch's AccumulateGrad steals a gradient that nothing else holds; the engine too (a copy per
    parameter per step otherwise): w.grad is the very array the weight-gradient op made."""
    import weakref
    from tinygrad_edu.ops import linear
    made = []  # weakly: a reference held here would make the gradient shared
    forward = linear.LinearWeightGrad.forward

    def spy(self, g, x):
        out = forward(self, g, x)
        made.append(weakref.ref(out))
        return out
    linear.LinearWeightGrad.forward = spy
    try:
        x, w = te.tensor(np.ones((3, 4), np.float32)), te.tensor(np.ones((2, 4), np.float32), requires_grad=True)
        te.nn.functional.linear(x, w).exp().sum().backward()
    finally:
        linear.LinearWeightGrad.forward = forward
    assert len(made) == 1 and w.grad.array is made[0]()


@pytest.mark.parametrize("keep", ["shared", "hook"])
def test_a_gradient_held_elsewhere_is_copied_into_grad(keep):
    """Add passes one gradient to both leaves, a hook may keep it: each .grad is then its own
    storage, as in torch (zeroing one leaves the other and the kept tensor alone)."""
    x = te.tensor([1.0, 2.0], requires_grad=True)
    y = te.tensor([3.0, 4.0], requires_grad=True)
    kept = []
    s = x + y
    if keep == "hook":
        s.register_hook(lambda g: kept.append(g))
    s.exp().sum().backward()
    expected = np.exp([4.0, 6.0], dtype=np.float32)
    x.grad.zero_()
    np.testing.assert_allclose(y.grad.numpy(), expected, rtol=1e-6)
    assert not np.shares_memory(x.grad.array, y.grad.array)
    for g in kept:
        np.testing.assert_allclose(g.numpy(), expected, rtol=1e-6)
