"""The differential test's own rules for excusing a difference (``compare`` of test_differential.py):
an ill-conditioned step after agreeing values, pinned values that excuse magnified rounding, and the
float64 reference for torch's NaN second order (differential_deliberate.SECOND_ORDER_NAN). Each shows
a program that compares clean and, where one is planted, an engine error that still fails."""
import numpy as np
import torch

import tinygrad_edu as te
from tests.fidelity.regression_helpers import f32, f64


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


# ---- a value beyond float32's range: inf, -inf and NaN all agree (the order of the sums decides) ----
def test_overflow_beyond_the_range_is_not_a_mismatch_but_a_wrong_sign_in_range_is():
    """conv2d(padding='same') of values near 1e4, cubed, to second order: the exact second-order
    values (float64 twin) are 1.5e39 to 6.6e41, beyond float32's 3.4e38, and torch (products
    rounded to inf, then inf - inf) gives NaN where NumPy's BLAS (fused multiply-adds) keeps an inf:
    the program compares clean. The same rule never excuses a non-finite value whose exact value
    fits: differ() still reports an inf against a finite torch value, and inf against NaN where
    the twin is in range."""
    from tests.fidelity.differential_programs import Program, Step
    from tests.fidelity.test_differential import compare, differ
    x = f32([[[[1257.30224609375, -1321.048583984375, 6404.2265625, 1049.001220703125, -5356.69384765625], [3615.950439453125, 13040.0, 9470.8095703125, -7037.3525390625, -12654.21484375], [-6232.74462890625, 413.2597961425781, -23250.30859375, -2187.916748046875, -12459.109375], [-7322.67333984375, -5442.58984375, -3163.00146484375, 4116.30517578125, 10425.1337890625]]]]).reshape((1, 1, 4, 5))
    w = f32([[[[-6517.91162109375, -1747.1729736328125, 16637.240234375], [6591.4775390625, -16413.97265625, -52.03264236450195], [-6234.63720703125, 1486.315185546875, -16081.8779296875]]], [[[2417.71875, 2353.80908203125, 15756.2607421875], [3166.4501953125, 5105.466796875, -14931.1669921875], [22527.291015625, -19156.455078125, 11018.0185546875]]]]).reshape((2, 1, 3, 3))
    program = Program([x, w], [Step("F.conv2d", (0, 1), dict(padding="same")), Step("pow_int", (2,))],
                      upstream_seed=0, second_order=True)
    assert compare(program) is None
    big = (f64([1e39, 1.0]), "float64", (2,))
    both = ((f32([np.inf, 1.0]), "float32", (2,)), (f32([np.nan, 1.0]), "float32", (2,)))
    assert differ(*both, 2e-4, lambda: big) is None
    assert differ(*both, 2e-4, lambda: (f64([1e30, 1.0]), "float64", (2,))) is not None
    assert differ(*both, 2e-4) is not None
    assert differ((f32([np.inf, 1.0]), "float32", (2,)), (f32([3e38, 1.0]), "float32", (2,)), 2e-4,
                  lambda: big) is not None
