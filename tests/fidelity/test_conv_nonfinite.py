r"""conv2d and conv_transpose2d with inf and NaN in the input, the weight or the upstream gradient,
against torch.

- The input gradient (and conv_transpose2d's output) sums only the (tap, output) pairs that
  exist, as in torch: the engine's stride-1 fast path (a full correlation, which
  multiplies the weight by zeros around the upstream gradient) once gave NaN where torch is finite.
- Where a weight tap or an upstream gradient meets the zero padding, torch is inconsistent with
  itself (a deliberate difference, differential_deliberate.py): the engine multiplies the padding's
  zeros always, torch's float64 answer and its answer for an input padded with F.pad; the torch
  substitutes (tests/fidelity/conv_columns.py) give the engine's values.
"""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional  # noqa: F401  (te.nn.functional)
from tests.fidelity.conv_columns import conv2d_columns, conv_transpose2d_columns
from tests.fidelity.differential_programs import Program, Step
from tests.fidelity.test_differential import _difference, compare, execute
from tests.fidelity.regression_helpers import second_order

inf, nan = float("inf"), float("nan")


def _run(ns, fn, x, w, up, **kwargs):
    """(output, input gradient, weight gradient) of ``fn(x, w, **kwargs)`` with upstream ``up``."""
    grad = torch.autograd.grad if ns is torch else te.grad
    tx, tw = ns.tensor(x, requires_grad=True), ns.tensor(w, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = fn(ns)(tx, tw, **kwargs)
        gs = grad([y], [tx, tw], grad_outputs=[ns.tensor(up(tuple(y.shape)).astype(x.dtype))])
    return [np.asarray(t.detach().numpy()) for t in (y, *gs)]


def _conv2d(ns):
    return ns.nn.functional.conv2d


def _conv_transpose2d(ns):
    return ns.nn.functional.conv_transpose2d


def _assert_same(engine, reference, dtype):
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for name, e, t in zip(("output", "input gradient", "weight gradient"), engine, reference):
        np.testing.assert_allclose(e, t, rtol=tol, atol=tol, equal_nan=True, err_msg=name)


def _arrays(seed, x_shape, w_shape, dtype, bad_weight_taps=()):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    for tap, value in bad_weight_taps:
        w[tap] = value
    return x, w, lambda shape: np.random.default_rng(seed + 1).standard_normal(shape)


STRIDE_ONE = [  # stride 1: the engine's input gradient may take the full-correlation path
    ((2, 2, 5, 6), (3, 2, 3, 3), dict(padding=1)),
    ((1, 2, 5, 4), (2, 2, 1, 2), dict()),
    ((2, 4, 5, 5), (4, 2, 2, 3), dict(padding=(1, 2), dilation=(2, 1), groups=2)),
    ((1, 1, 4, 5), (2, 1, 2, 2), dict(padding="same")),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape,w_shape,kwargs", STRIDE_ONE)
def test_input_gradient_with_a_nonfinite_weight_sums_only_the_taps_that_exist(x_shape, w_shape, kwargs, dtype, conv_layout):
    # a NaN and an inf at the last tap: no output reads the first row or column through it
    bad = [((0, 0, -1, -1), nan), ((-1, -1, -1, -1), -inf)]
    x, w, up = _arrays(0, x_shape, w_shape, dtype, bad)
    engine, reference = _run(te, _conv2d, x, w, up, **kwargs), _run(torch, _conv2d, x, w, up, **kwargs)
    assert np.isfinite(reference[1]).any()
    np.testing.assert_allclose(engine[1], reference[1], rtol=1e-4, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [dict(), dict(padding=1), dict(dilation=(1, 2), output_padding=(0, 1))])
def test_conv_transpose2d_with_a_nonfinite_weight_sums_only_the_taps_that_exist(kwargs, dtype, conv_layout):
    x, w, up = _arrays(2, (2, 2, 4, 5), (2, 3, 3, 2), dtype, [((0, 1, 0, 0), inf), ((1, 2, 2, 1), nan)])
    engine = _run(te, _conv_transpose2d, x, w, up, **kwargs)
    reference = _run(torch, _conv_transpose2d, x, w, up, **kwargs)
    assert np.isfinite(reference[0]).any()
    np.testing.assert_allclose(engine[0], reference[0], rtol=1e-4, atol=1e-5, equal_nan=True)


def _weight_grad_nan_taps(ns, dtype, batch, padded_by_hand=False):
    """Which kernel columns of conv2d(stride=2, padding=1)'s weight gradient are NaN when the
    upstream gradient is NaN at the first output column (the one whose kw=0 tap reads padding)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 2, 6, 5)).astype(dtype)
    w = ns.tensor(rng.standard_normal((2, 2, 3, 2)).astype(dtype), requires_grad=True)
    tx = ns.tensor(x)
    if padded_by_hand:
        y = ns.nn.functional.conv2d(ns.nn.functional.pad(tx, (1, 1, 1, 1)), w, stride=2)
    else:
        y = ns.nn.functional.conv2d(tx, w, stride=2, padding=1)
    up = rng.standard_normal(tuple(y.shape)).astype(dtype)
    up[..., 0] = nan
    (gw,) = (torch.autograd.grad if ns is torch else te.grad)([y], [w], grad_outputs=[ns.tensor(up)])
    return tuple(bool(v) for v in np.isnan(np.asarray(gw.detach().numpy())).any(axis=(0, 1, 2)))


def test_deliberate_torch_multiplies_the_padding_by_kernel_and_dtype(conv_layout):
    """torch's float32 weight gradient skips the padding for a batch of 2 (oneDNN's direct kernel)
    and multiplies it for a batch of 1 (thnn's im2col), as its float64 kernel always and any torch
    conv of an input padded with F.pad; the engine multiplies it always."""
    torch_nan = {(dtype, batch): _weight_grad_nan_taps(torch, dtype, batch)
                 for dtype in (np.float32, np.float64) for batch in (1, 2)}
    assert torch_nan == {(np.float32, 1): (True, True), (np.float32, 2): (False, True),
                         (np.float64, 1): (True, True), (np.float64, 2): (True, True)}
    for dtype in (np.float32, np.float64):
        for batch in (1, 2):
            assert _weight_grad_nan_taps(torch, dtype, batch, padded_by_hand=True) == (True, True)
            assert _weight_grad_nan_taps(te, dtype, batch) == (True, True)


def _nonfinite_case(seed):
    """A random small conv2d or conv_transpose2d with 1-2 infs or NaNs in x, w or the upstream."""
    rng = np.random.default_rng(seed)
    transposed, dtype = bool(seed % 2), (np.float32, np.float64)[seed // 2 % 2]
    groups = int(rng.choice([1, 1, 2]))
    c, o = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kernel = tuple(int(v) for v in rng.integers(1, 4, 2))
    pair = lambda values: tuple(int(v) for v in values)  # noqa: E731
    kwargs = dict(stride=pair(rng.integers(1, 3, 2)), padding=pair(rng.integers(0, 3, 2)),
                  dilation=pair(rng.choice([1, 1, 2], 2)), groups=groups)
    if transposed:
        kwargs["output_padding"] = pair(rng.integers(0, max(s, d)) for s, d in zip(kwargs["stride"], kwargs["dilation"]))
    x = rng.standard_normal((int(rng.integers(1, 4)), c) + pair(rng.integers(5, 8, 2)))
    w = rng.standard_normal(((c, o // groups) if transposed else (o, c // groups)) + kernel)
    ups = rng.standard_normal(4096)
    where = ("x", "w", "up")[seed // 4 % 3]
    target = dict(x=x, w=w, up=ups[:8])[where]
    for _ in range(int(rng.integers(1, 3))):
        target.reshape(-1)[rng.integers(0, target.size)] = rng.choice([nan, inf, -inf])
    up = lambda shape: ups[:int(np.prod(shape))].reshape(shape)  # noqa: E731  (NaN/inf among the first 8)
    return (_conv_transpose2d if transposed else _conv2d), x.astype(dtype), w.astype(dtype), up, kwargs


def _substituted(fn):
    def torch_fn(ns):
        return conv_transpose2d_columns if fn is _conv_transpose2d else conv2d_columns
    return torch_fn


@pytest.mark.parametrize("seed", range(48))
def test_the_substitutes_give_the_engines_values_and_torch_float64s(seed, conv_layout):
    """The deliberate entry's torch substitutes (unfold/fold and a matmul) agree with the engine on
    random convolutions with infs and NaNs, and in float64 with torch's own conv as well."""
    fn, x, w, up, kwargs = _nonfinite_case(seed)
    substitute = _run(torch, _substituted(fn), x, w, up, **kwargs)
    _assert_same(_run(te, fn, x, w, up, **kwargs), substitute, x.dtype)
    if x.dtype == np.float64:
        _assert_same(_run(torch, fn, x, w, up, **kwargs), substitute, x.dtype)


@pytest.mark.parametrize("seed", range(0, 96, 4))
def test_the_substitutes_give_the_engines_second_order(seed, conv_layout):
    """... and gradients of sum(g * g) through them (the differential test's second-order pass)."""
    fn, x, w, up, kwargs = _nonfinite_case(seed)
    with np.errstate(all="ignore"):
        upstream = up(tuple(fn(te)(te.tensor(x), te.tensor(w), **kwargs).shape)).astype(x.dtype)
    engine = second_order(lambda ns, a, b: fn(ns)(a, b, **kwargs), x, w, upstream=upstream)
    reference = second_order(lambda ns, a, b: _substituted(fn)(ns)(a, b, **kwargs), x, w, upstream=upstream, ns=torch)
    tol = 1e-3 if x.dtype == np.float32 else 1e-9
    for k, (e, t) in enumerate(zip(engine, reference)):
        np.testing.assert_allclose(e, t, rtol=tol, atol=tol, equal_nan=True, err_msg=f"output {k}")


def test_the_conv_program_that_found_it_compares_clean():
    """The differential program: conv2d(stride=2, padding=1), the first output column, then x**1.5
    (NaN gradient at the negative outputs): torch's float32 weight gradient (batch 2, oneDNN's
    direct kernel) is 0 at the taps on the padding, the engine's NaN; the deliberate entry's
    substitute gives the engine's."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 2, 6, 5)).astype(np.float32), rng.standard_normal((2, 2, 3, 2)).astype(np.float32)
    steps = [Step("F.conv2d", (0, 1), dict(stride=2, padding=1)), Step("move:getitem_step", (2,)),
             Step("move:getitem_step", (3,)), Step("pow_fraction", (4,))]
    program = Program([x, w], steps, upstream_seed=336)
    assert _difference(program, execute(torch, program), execute(te, program)) is not None  # torch differs
    assert compare(program) is None


_OVERFLOW_X = [[[[1257.30224609375, -1321.048583984375, 6404.2265625, 1049.001220703125, -5356.69384765625],
                 [3615.950439453125, 13040.0, 9470.8095703125, -7037.3525390625, -12654.21484375],
                 [-6232.74462890625, 413.2597961425781, -23250.30859375, -2187.916748046875, -12459.109375],
                 [-7322.67333984375, -5442.58984375, -3163.00146484375, 4116.30517578125, 10425.1337890625]]]]
_OVERFLOW_W = [[[[-6517.91162109375, -1747.1729736328125, 16637.240234375],
                 [6591.4775390625, -16413.97265625, -52.03264236450195],
                 [-6234.63720703125, 1486.315185546875, -16081.8779296875]]],
               [[[2417.71875, 2353.80908203125, 15756.2607421875],
                 [3166.4501953125, 5105.466796875, -14931.1669921875],
                 [22527.291015625, -19156.455078125, 11018.0185546875]]]]


def test_second_order_beyond_float32s_range_is_an_overflow_not_the_padding():
    """The differential program conv2d(padding='same') of +-1e4 values, then x ** 3, to second
    order: torch's float32 grads2 are all NaN, the engine's a mix of +-inf and NaN. Not a
    difference of semantics: the exact grads2 (float64, where the engine and torch agree) exceed
    float32's range everywhere, so any float32 answer overflows, and whether inf or NaN comes out is
    the summation order of a finite first-order conv backward (upstream ~1e37, weights ~1e4):
    OpenBLAS's fused multiply-adds keep the sign of the first partial sum that overflows, torch's
    kernels round each product to inf first and meet inf - inf. The padding plays no part: torch
    gives its all-NaN answer also for an input padded with F.pad and with the unfold substitute."""
    def program(conv):
        return lambda ns, x, w: conv(ns, x, w) ** 3
    same = program(lambda ns, x, w: ns.nn.functional.conv2d(x, w, padding="same"))
    padded = program(lambda ns, x, w: ns.nn.functional.conv2d(ns.nn.functional.pad(x, (1, 1, 1, 1)), w))
    columns = program(lambda ns, x, w: conv2d_columns(x, w, padding="same"))
    up = np.random.default_rng(0).standard_normal((1, 2, 4, 5))
    x64, w64 = np.array(_OVERFLOW_X), np.array(_OVERFLOW_W)
    engine64, torch64 = second_order(same, x64, w64, upstream=up), second_order(same, x64, w64, upstream=up, ns=torch)
    for k, (e, t) in enumerate(zip(engine64, torch64)):
        np.testing.assert_allclose(e, t, rtol=1e-9, err_msg=f"float64 output {k}")
    assert all((np.abs(g) > np.finfo(np.float32).max).all() for g in torch64[3:])  # grads2: beyond float32
    x32, w32, up32 = x64.astype(np.float32), w64.astype(np.float32), up.astype(np.float32)
    for fn in (same, padded, columns):
        assert all(np.isnan(g).all() for g in second_order(fn, x32, w32, upstream=up32, ns=torch)[3:])
    assert not any(np.isfinite(g).any() for g in second_order(same, x32, w32, upstream=up32)[3:])
