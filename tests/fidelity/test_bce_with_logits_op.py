r"""F.binary_cross_entropy_with_logits as one op (ops/logistic_loss.py) against torch: values,
gradients of the input and the target, and gradients of ``sum(g * g)`` of both (second order),
for float32 and float64, each reduction, ``weight`` and ``pos_weight``, infinite logits, huge
targets and an infinite upstream gradient. The composed loss once gave the input gradient as a
sum of its terms' gradients, inf - inf = NaN where torch's single product gives +-inf (the
differential test's finding: huge targets, then ``2 ** loss``).
"""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional  # noqa: F401  (te.nn.functional)
from tests.fidelity.differential_programs import Program, Step
from tests.fidelity.test_differential import compare
from tinygrad_edu.ops.logistic_loss import BinaryCrossEntropyWithLogits

inf, nan = float("inf"), float("nan")
LOGITS = [-inf, -1e4, -100.0, -3.0, -0.5, 0.0, 0.5, 3.0, 100.0, 1e4, inf, 1.5]
TARGETS = [0.0, 1.0, 0.3, 0.7, 1e4, -1e4, 0.5, 0.0, 1.0, 0.2, 0.9, -2.0]


def _run(ns, x, t, up, factors, reduction):
    """(loss, input gradient, target gradient, their second-order gradients) as NumPy."""
    grad = torch.autograd.grad if ns is torch else te.grad
    tx, tt = ns.tensor(x, requires_grad=True), ns.tensor(t, requires_grad=True)
    named = {k: ns.tensor(v) for k, v in factors.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = ns.nn.functional.binary_cross_entropy_with_logits(tx, tt, reduction=reduction, **named)
        gs = grad([loss], [tx, tt], grad_outputs=[ns.tensor(np.asarray(up, dtype=x.dtype))],
                  create_graph=True)
        g2 = grad([sum((g * g).sum() for g in gs)], [tx, tt], allow_unused=True)
    return [np.asarray(v.detach().numpy()) for v in (loss, *gs, *g2)]


def _factors(which, dtype, columns):
    rng = np.random.default_rng(3)
    return {k: rng.uniform(0.2, 3.0, columns).astype(dtype) for k in which}


def _assert_same(x, t, up, factors, reduction):
    engine, reference = (_run(ns, x, t, up, factors, reduction) for ns in (te, torch))
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    for name, e, r in zip(("loss", "input grad", "target grad", "input grad2", "target grad2"), engine, reference):
        assert e.dtype == r.dtype, name
        np.testing.assert_allclose(e, r, rtol=tol, atol=tol, equal_nan=True, err_msg=name)
    return reference


FACTORS = [(), ("weight",), ("pos_weight",), ("weight", "pos_weight")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("which", FACTORS)
def test_matches_torch_to_second_order(which, reduction, dtype):
    """Finite upstream gradients; logits from -inf to inf, targets in [0, 1] and far outside it."""
    x = np.array(LOGITS, dtype=dtype).reshape(3, 4)
    t = np.array(TARGETS, dtype=dtype).reshape(3, 4)
    up = np.random.default_rng(1).standard_normal(x.shape if reduction == "none" else ())
    reference = _assert_same(x, t, up, _factors(which, dtype, 4), reduction)
    if reduction == "none":
        assert np.isinf(reference[0][0, 0]) or np.isinf(reference[0][2, 2])  # inf logits: an infinite loss


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("which", FACTORS)
def test_an_infinite_upstream_gives_torchs_infinities_not_nan(which, reduction, dtype):
    """torch's input gradient is one product (sigmoid(x) - t) * g: +-inf for an infinite g, where a
    sum of the terms' gradients is inf - inf = NaN."""
    x = np.array([[-3.0, 100.0, 0.0, 0.5], [-100.0, 2.0, 3.0, -1.0]], dtype=dtype)
    t = np.array([[-731.9, -6278.5, 9042.8, 0.3], [7078.0, 0.0, 1.0, 0.5]], dtype=dtype)
    up = np.array([[inf, -inf, inf, 1.0], [-inf, inf, 2.0, -inf]]) if reduction == "none" else np.array(inf)
    reference = _assert_same(x, t, up, _factors(which, dtype, 4), reduction)
    assert np.isinf(reference[1]).any()


@pytest.mark.parametrize("second", [False, True])
def test_the_program_that_found_it_compares_clean(second):
    """The differential program: huge targets, then 2 ** loss (an infinite upstream gradient)."""
    x = np.array([[-3.0, 100.0, 0.0, 0.5], [-100.0, 100.0, 3.0, -100.0], [0.5, -1e4, 100.0, 0.5]], dtype=np.float32)
    t = np.array([[-731.911376953125, -6278.49658203125, 9042.8251953125, 8975.724609375],
                  [7078.044921875, 5274.892578125, 25824.126953125, -2326.097412109375],
                  [9101.6435546875, 17713.423828125, -1771.940185546875, 20312.0390625]], dtype=np.float32)
    steps = [Step("F.binary_cross_entropy_with_logits", (0, 1), {}), Step("rpow", (2,))]
    assert compare(Program([x, t], steps, upstream_seed=191, second_order=second)) is None


def test_is_one_op_and_refuses_a_weight_that_needs_a_gradient():
    x, t = te.tensor([[0.5, -1.0]], requires_grad=True), te.tensor([[1.0, 0.0]])
    assert isinstance(te.nn.functional.binary_cross_entropy_with_logits(x, t).grad_fn, BinaryCrossEntropyWithLogits)
    for kind in ("weight", "pos_weight"):
        for ns in (torch, te):
            factor = ns.tensor([2.0, 3.0], requires_grad=True)
            with pytest.raises(RuntimeError, match=f"not differentiable with respect to argument '{kind}'"):
                ns.nn.functional.binary_cross_entropy_with_logits(ns.tensor([[0.5, -1.0]]), ns.tensor([[1.0, 0.0]]),
                                                                  **{kind: factor})


@pytest.mark.parametrize("dtypes", [(np.float64, np.float32, None), (np.float32, np.float64, None),
                                    (np.float32, np.float32, np.float64)])
def test_the_result_has_the_targets_dtype_as_in_torch(dtypes):
    """torch computes the loss into ``1 - target``: its dtype wins (also over a float64 weight)."""
    x_dtype, t_dtype, w_dtype = dtypes
    out = {}
    for ns in (torch, te):
        x = ns.tensor(np.array([[0.5, -2.0]], dtype=x_dtype), requires_grad=True)
        kw = {} if w_dtype is None else dict(weight=ns.tensor(np.array([1.5, 2.0], dtype=w_dtype)))
        loss = ns.nn.functional.binary_cross_entropy_with_logits(x, ns.tensor(np.array([[1.0, 0.2]], dtype=t_dtype)),
                                                                 **kw)
        (g,) = (torch.autograd.grad if ns is torch else te.grad)([loss], [x])
        out[ns] = (loss.detach().numpy(), g.detach().numpy())
    for e, r in zip(out[te], out[torch]):
        assert e.dtype == r.dtype
        np.testing.assert_allclose(e, r, rtol=1e-6)


def test_a_weight_larger_than_the_input_is_an_error_as_in_torch():
    for kind in ("weight", "pos_weight"):
        with pytest.raises(RuntimeError):
            torch.nn.functional.binary_cross_entropy_with_logits(torch.zeros(3, 4), torch.zeros(3, 4),
                                                                 **{kind: torch.ones(2, 3, 4)})
        with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
            te.nn.functional.binary_cross_entropy_with_logits(te.zeros(3, 4), te.zeros(3, 4),
                                                              **{kind: te.ones(2, 3, 4)})
