r"""torch's ZeroTensor, the gradient of ``sgn`` (tinygrad_edu/zero_tensor.py), against torch.

Under create_graph, abs' backward is ``grad * self.sgn()`` (the 1-, fractional and inf-norms' too),
so the second-order pass sends sgn's gradient back through the backward of the ops before the abs.
torch's is a ZeroTensor: products, quotients and views keep it zero, so an infinite derivative
there (asin at 1, sinh at 1e4) gives no 0 * inf = NaN; the ops with a backward kernel of their own
(where, sum, neg, sigmoid, mean, pad, mse_loss, ...) make it real zeros, and then the NaN is
torch's too. The differential test found asin -> norm_1 second order: inf in torch, NaN in the
engine. Each test runs the same code on both libraries and compares values, gradients and
gradients of gradients, the NaN and inf pattern included."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as te

inf, nan = float("inf"), float("nan")
f64 = np.float64
F = lambda ns: ns.nn.functional  # noqa: E731


def _numpy(t, ns):
    if t is None:
        return None
    return t.detach().clone().numpy() if ns is torch else t.array  # clone: torch's ZeroTensor has no .numpy()


def second_order(fn, x, upstream=None, ns=te):
    """(value, gradient inside create_graph, gradient of sum(g * g)) of ``fn`` at ``x`` on one library."""
    grad = torch.autograd.grad if ns is torch else te.grad
    x = ns.tensor(np.asarray(x), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(ns, x)
        up = np.ones(tuple(out.shape)) if upstream is None else np.broadcast_to(upstream, tuple(out.shape))
        g, = grad([out], [x], grad_outputs=[ns.tensor(np.asarray(up, dtype=out.detach().numpy().dtype))],
                  create_graph=True)
        g2, = grad([(g * g).sum()], [x], allow_unused=True) if g.requires_grad else (None,)
    return [_numpy(out, ns), _numpy(g, ns), _numpy(g2, ns)]


def check(fn, x, upstream=None):
    engine, reference = second_order(fn, x, upstream), second_order(fn, x, upstream, ns=torch)
    for k, (e, t) in enumerate(zip(engine, reference)):
        if e is None and t is None:
            continue
        e, t = (np.zeros_like(t) if e is None else e), (np.zeros_like(e) if t is None else t)
        np.testing.assert_allclose(e, t, rtol=1e-6, atol=1e-9, err_msg=f"output {k} (value, grad, grad2)")


def test_asin_then_norm_1_second_order_is_inf_as_torch_s():
    """The differential test's program: asin(1) has an infinite derivative, the sgn path 0."""
    up = np.random.default_rng(417).standard_normal((1, 1, 1))
    x = f64([1.0, 100.0, 3.0]).reshape(1, 3, 1)
    check(lambda ns, x: x.asin().norm(p=1, dim=None, keepdim=True).double(), x, upstream=up)


STARTS = {"asin at 1": (lambda ns, x: x.asin(), f64([1.0, 0.5, -1.0, 0.25])),
          "sinh at 1e4": (lambda ns, x: x.sinh(), f64([1e4, 0.5, -1e4, 2.0]))}
HEADS = {"abs": lambda ns, b: b.abs(), "norm_1": lambda ns, b: b.norm(p=1),
         "vector_norm_1": lambda ns, b: ns.linalg.vector_norm(b, ord=1),
         "norm_1_dim": lambda ns, b: b.reshape(2, 2).norm(p=1, dim=1, keepdim=True),
         "norm_1.5": lambda ns, b: b.norm(p=1.5), "norm_0.5": lambda ns, b: b.norm(p=0.5),
         "norm_inf": lambda ns, b: b.norm(p=inf), "norm_-inf": lambda ns, b: b.norm(p=-inf),
         "l1_loss": lambda ns, b: F(ns).l1_loss(b, ns.zeros_like(b)), "softsign": lambda ns, b: F(ns).softsign(b)}


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("head", HEADS)
def test_sgn_path_stays_zero_through_an_infinite_derivative(start, head):
    begin, x = STARTS[start]
    check(lambda ns, x: HEADS[head](ns, begin(ns, x)), x)


# between asin(1) and the abs: the ops whose backward keeps torch's ZeroTensor (products, quotients,
# views, torch's own grouping of cos and acos, rsqrt's and frac's formulas) give inf; those that make
# it real zeros (a kernel, a where, neg, a broadcast sum) give NaN, as torch's
BETWEEN = {
    "mul": lambda ns, a: a * 2.0, "div": lambda ns, a: a / 3.0, "exp": lambda ns, a: a.exp(),
    "square": lambda ns, a: a * a, "reshape": lambda ns, a: a.reshape(2, 2), "new_axis": lambda ns, a: a[None],
    "permute": lambda ns, a: a.reshape(2, 2).permute(1, 0), "cat": lambda ns, a: ns.cat([a, a]),
    "sum": lambda ns, a: a.sum(), "amax": lambda ns, a: a.amax(0), "var": lambda ns, a: a.var(),
    "cos": lambda ns, a: a.cos(), "acos": lambda ns, a: (a * 0.5).acos(), "rsqrt": lambda ns, a: (a + 2.0).rsqrt(),
    "frac": lambda ns, a: a.frac(), "lse": lambda ns, a: a.logsumexp(0),
    "einsum_ji": lambda ns, a: ns.einsum("ij->ji", a.reshape(2, 2)),
    "einsum_sum": lambda ns, a: ns.einsum("ij->", a.reshape(2, 2)),
    "einsum_rows": lambda ns, a: ns.einsum("ij,j->ij", a.reshape(2, 2), ns.ones(2, dtype=ns.float64)),
    # real zeros from here on, in both
    "neg": lambda ns, a: -a, "rsub": lambda ns, a: 1.0 - a, "where": lambda ns, a: ns.where(a > 0, a, a * 3.0),
    "relu": lambda ns, a: a.relu(), "clamp": lambda ns, a: a.clamp(max=5.0), "expand": lambda ns, a: a.expand(3, 4),
    "slice": lambda ns, a: a[0:3], "to_float32": lambda ns, a: a.float(), "mean": lambda ns, a: a.mean(),
    "mean_dim": lambda ns, a: a.reshape(2, 2).mean(1), "pad": lambda ns, a: F(ns).pad(a, (1, 1)),
    "sigmoid": lambda ns, a: a.sigmoid(), "tanh": lambda ns, a: a.tanh(), "gelu": lambda ns, a: F(ns).gelu(a),
    "softplus": lambda ns, a: F(ns).softplus(a), "mm": lambda ns, a: a.reshape(2, 2) @ ns.ones(2, 2, dtype=ns.float64),
    "einsum_outer": lambda ns, a: ns.einsum("i,j->ij", a, ns.ones(2, dtype=ns.float64)),
    "mse_none": lambda ns, a: F(ns).mse_loss(a, ns.zeros_like(a), reduction="none"),
    "mse_sum": lambda ns, a: F(ns).mse_loss(a, ns.zeros_like(a), reduction="sum"),
    "huber": lambda ns, a: F(ns).huber_loss(a, ns.zeros_like(a), reduction="none"),
}


@pytest.mark.parametrize("op", BETWEEN)
@pytest.mark.parametrize("head", ["abs", "norm_1", "norm_inf"])
def test_sgn_path_through_the_op_between_as_torch(op, head):
    begin, x = STARTS["asin at 1"]
    check(lambda ns, x: HEADS[head](ns, BETWEEN[op](ns, begin(ns, x))), x)


@pytest.mark.parametrize("op", ["mul", "mse_none", "mse_sum", "mean"])
def test_sgn_path_at_sinh_1e4(op):
    begin, x = STARTS["sinh at 1e4"]
    check(lambda ns, x: BETWEEN[op](ns, begin(ns, x)).abs(), x)


def test_sgn_is_sign_with_a_zero_tensor_gradient():
    x = f64([1.0, 0.5, -1.0, nan, 0.0])
    check(lambda ns, x: x.asin().sgn(), x)  # first order: torch's ZeroTensor * inf = 0
    check(lambda ns, x: x.asin().sign(), x)  # sign's zeros_like: 0 * inf = NaN, in both
    check(lambda ns, x: ns.sgn(x * x) * x, x)
    assert te.tensor([1.0], requires_grad=True).sgn().grad_fn.name() == "SgnBackward0"


def _zero_gradient(ns, n):
    """sgn's gradient: a ZeroTensor in both libraries."""
    x = ns.tensor(np.arange(1.0, n + 1), requires_grad=True)
    return (torch.autograd.grad if ns is torch else te.grad)(x.sgn().sum(), x)[0]


RULES = {"z * inf": lambda ns, z: z * ns.tensor([inf, nan, -inf]),
         "nan * z": lambda ns, z: ns.tensor([nan, 1.0, 2.0]) * z,
         "z * number": lambda ns, z: z * inf, "z / 0": lambda ns, z: z / ns.tensor([0.0, nan, 2.0]),
         "x / z": lambda ns, z: ns.tensor([-1.0, 0.0, 2.0]) / z, "z / z": lambda ns, z: z / z,
         "z + x": lambda ns, z: z + ns.tensor([-0.0, inf, 1.0]), "x - z": lambda ns, z: ns.tensor([-0.0, 1.0, 2.0]) - z,
         "z - x": lambda ns, z: z - ns.tensor([0.0, 1.0, -inf]), "-z * inf": lambda ns, z: -z * inf,
         "view * inf": lambda ns, z: z.reshape(3, 1).permute(1, 0) * inf, "slice view * inf": lambda ns, z: z[1:] * inf,
         "index copy * inf": lambda ns, z: z[[0, 2]] * inf, "sum * inf": lambda ns, z: z.sum() * inf,
         "float32 * inf": lambda ns, z: z.float() * inf, "where * inf": lambda ns, z: ns.where(z > 1, z, z) * inf,
         "broadcast product": lambda ns, z: (z.reshape(3, 1) * ns.tensor([[inf, 1.0]])).flatten()}


@pytest.mark.parametrize("rule", RULES)
def test_zero_tensor_arithmetic_is_torch_s(rule):
    engine, reference = RULES[rule](te, _zero_gradient(te, 3)), RULES[rule](torch, _zero_gradient(torch, 3))
    assert str(engine.dtype) == str(reference.dtype) and tuple(engine.shape) == tuple(reference.shape)
    np.testing.assert_array_equal(engine.array, reference.detach().clone().numpy())
    np.testing.assert_array_equal(np.signbit(engine.array), np.signbit(reference.detach().clone().numpy()))


def test_zero_tensor_is_immutable_as_torch_s():
    for ns in (te, torch):
        with pytest.raises(RuntimeError, match="ZeroTensors are immutable"):
            _zero_gradient(ns, 3).add_(1.0)


def test_pow_0_gradient_is_zeros_for_an_infinite_upstream():
    check(lambda ns, x: x ** 0, f64([1.0, 0.0, -2.0]), upstream=f64([inf, nan, 1.0]))


def test_rsqrt_is_torch_s_op_to_second_order():
    check(lambda ns, x: x.rsqrt(), f64([0.0, 0.5, 4.0, inf, -1.0, 3e-300]))


def test_a_later_gradient_adds_into_a_zero_tensor_grad_without_writing_into_it():
    """torch raises here (its AccumulateGrad adds in place into the immutable ZeroTensor); the
    engine makes a new tensor, with the value of the sum, 0 + 3."""
    x = te.tensor([1.0, -2.0], requires_grad=True)
    x.sgn().sum().backward()
    first = x.grad
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])
    np.testing.assert_array_equal(first.array, [0.0, 0.0])
    np.testing.assert_array_equal((first * inf).array, [0.0, 0.0])  # still torch's zero
