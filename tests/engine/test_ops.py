"""Every op of tinygrad_edu.registry against two independent oracles: central finite
differences in float64 and torch's autograd (float32 and float64, forward, backward with a random
upstream gradient, and second order). Adding an op to the registry adds it here."""
import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis.extra.numpy import arrays

import tinygrad_edu as te
from tinygrad_edu.gradcheck.oracle import evaluate, fd_errors, max_errors, torch_errors
from tinygrad_edu.registry import REGISTRY
from tests.engine.strategies import KIND_STRATEGIES

SPECS = list(REGISTRY.values())
FIXED = [pytest.param(spec, case, id=f"{spec.name}-{i}") for spec in SPECS for i, case in enumerate(spec.cases)]
DRAWN = [pytest.param(spec, id=spec.name) for spec in SPECS if spec.kind in KIND_STRATEGIES]
FLOAT64_TOL, FLOAT32_TOL = 1e-9, 2e-4


def _assert_close_to_torch(errors, tol, context):
    for part, (abs_err, rel_err) in errors.items():
        assert min(abs_err, rel_err) <= tol, f"{context}: {part} differs from torch: abs {abs_err}, rel {rel_err}"


@pytest.mark.parametrize("spec,case", FIXED)
def test_fixed_case_matches_finite_differences(spec, case):
    arrays_ = spec.inputs(case.shapes, np.random.default_rng(0))
    result = fd_errors(spec, arrays_, case.kwargs, second_order=spec.second_order)
    for order, cmp in result.items():
        assert not cmp.failure, f"{spec.name} {case.shapes} {order} order: {cmp.failure}"


@pytest.mark.parametrize("spec,case", FIXED)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fixed_case_matches_torch(spec, case, dtype):
    arrays_ = [a.astype(dtype) for a in spec.inputs(case.shapes, np.random.default_rng(1))]
    errors = torch_errors(spec, arrays_, case.kwargs, seed=2, second_order=spec.second_order)
    _assert_close_to_torch(errors, FLOAT64_TOL if dtype == np.float64 else FLOAT32_TOL, f"{spec.name} {case.shapes}")


class _MadeByAnOp:
    """``spec`` with every differentiable input first passed through ``* 1`` (exact): the op then
    gets inputs made by another op, which is where autograd keeps only the shapes of inputs whose
    values no backward needs (autograd._without_values)."""

    def __init__(self, spec):
        self.spec = spec

    def __getattr__(self, name):
        return getattr(self.spec, name)

    def call(self, ns, *tensors, **kwargs):
        return self.spec.call(ns, *[t * 1 if t.requires_grad else t for t in tensors], **kwargs)


@pytest.mark.parametrize("spec,case", FIXED)
def test_ops_keep_what_their_backward_reads(spec, case, monkeypatch):
    """With every input made by an op and no size limit on freeing (FREED_FROM = 0), an op whose
    backward read a value it did not keep would read NaN: torch's values, gradients and second
    order must still come out."""
    monkeypatch.setattr(te.autograd, "FREED_FROM", 0)
    arrays_ = spec.inputs(case.shapes, np.random.default_rng(1))
    errors = torch_errors(_MadeByAnOp(spec), arrays_, case.kwargs, seed=2, second_order=spec.second_order)
    _assert_close_to_torch(errors, FLOAT64_TOL, f"{spec.name} {case.shapes} (inputs made by an op)")


@pytest.mark.parametrize("spec", DRAWN)
@given(data=st.data())
def test_drawn_shapes_match_torch_and_finite_differences(spec, data):
    """Shapes from hypothesis (broadcasting, size-1 and empty dims, batch matmul, every dim form);
    values from the op's domain."""
    case = data.draw(KIND_STRATEGIES[spec.kind], label="case")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    arrays_ = spec.inputs(case.shapes, np.random.default_rng(seed))
    _assert_close_to_torch(torch_errors(spec, arrays_, case.kwargs, seed, spec.second_order), FLOAT64_TOL,
                           f"{spec.name} {case}")
    if sum(a.size for a in arrays_) <= 48:  # finite differences cost two forwards per element
        cmp = fd_errors(spec, arrays_, case.kwargs, second_order=False)["first"]
        assert not cmp.failure, f"{spec.name} {case}: {cmp.failure}"


EXTREME = st.one_of(st.floats(-50, 50, allow_nan=False), st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e4, -1e4, 88.0]))
RAW_KINDS = {"unary", "binary", "reduce", "reduce_nonempty", "dim"}


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in SPECS if s.kind in RAW_KINDS])
@given(data=st.data())
def test_raw_values_match_torch(spec, data):
    """Values straight from hypothesis, outside any tidy domain: zeros, ties, negatives, +-1e4.
    The engine must agree with torch, NaN and inf included (no finite differences here)."""
    case = data.draw(KIND_STRATEGIES[spec.kind], label="case")
    arrays_ = [data.draw(arrays(np.float64, shape, elements=EXTREME), label=f"input{i}")
               for i, shape in enumerate(case.shapes)]
    with np.errstate(all="ignore"):
        ours = evaluate(te, spec, arrays_, case.kwargs, seed=3)
    theirs = evaluate(torch, spec, arrays_, case.kwargs, seed=3)
    for part in ("outputs", "grads"):
        abs_err, rel_err = max_errors(ours[part], theirs[part])
        assert min(abs_err, rel_err) <= 1e-9, f"{spec.name} {part}: abs {abs_err} rel {rel_err} for {arrays_}"


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalisers_finite_at_huge_logits(op, dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    x = te.tensor(logits, requires_grad=True)
    out = getattr(x, op)(dim=1)
    upstream = np.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    out.backward(te.tensor(upstream))
    assert np.isfinite(out.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    xt = torch.tensor(logits, requires_grad=True)
    ot = getattr(xt, op)(dim=1)
    ot.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.detach().numpy(), ot.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_every_registered_op_has_a_torch_counterpart_that_runs():
    """The registry is the single list the report walks: each spec must run on both libraries."""
    for spec in SPECS:
        case = spec.cases[0]
        arrays_ = spec.inputs(case.shapes, np.random.default_rng(0))
        assert evaluate(torch, spec, arrays_, case.kwargs)["outputs"], spec.name


def test_variance_of_a_large_computed_tensor_matches_torch():
    """Regression: var's backward reads x, so var must keep it; marked as needing no input values it
    got the NaN stand-in for a computed input of FREED_FROM elements or more (a NaN gradient)."""
    x = np.random.default_rng(0).normal(size=(300, 400))
    assert x.size >= te.autograd.FREED_FROM
    xe, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (xe * 2).var().backward()
    (xt * 2).var().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-20)
