"""The deliberate differences of differential_deliberate.py (the documented list of where the engine
departs from torch on purpose): their claims still hold, against torch itself. Each checks torch's
behaviour and the engine's as the list states them and, where the list gives evidence for the
engine's (a limit, central differences of torch's own first-order gradient, torch run with the
list's substitute), that evidence too."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.differential_deliberate import _elu_selected
from tests.fidelity.regression_helpers import check_second_order, f32, f64, inf, nan, second_order
from tests.fidelity.same_in_both import check


def _substituted(**functions):
    """A context in which torch.nn.functional's ``functions`` are the given substitutes."""
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


@pytest.mark.parametrize("name", ["elu", "celu"])
def test_deliberate_elu_nan_gradient_depends_on_size_in_torch(name):
    def nan_grad(ns, size, dtype):
        x = ns.tensor(np.full(size, nan, dtype=dtype), requires_grad=True)
        getattr(ns.nn.functional, name)(x).sum().backward()
        return float(x.grad[0])
    assert nan_grad(torch, 4, f64) == 1.0 and np.isnan(nan_grad(torch, 16, f64)) and nan_grad(torch, 16, f32) == 1.0
    assert (nan_grad(te, 4, f64), nan_grad(te, 16, f64), nan_grad(te, 16, f32)) == (1.0, 1.0, 1.0)


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
