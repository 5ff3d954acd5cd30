"""tinygrad_edu.hessian (nni2.T2): the Hessian from the engine's second-order gradients, and the
stationary-point test."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu.hessian import classify_stationary_point, gradient, hessian

import torch  # noqa: E402  (the `torch` extra: a required test dependency, failing loudly)

pytestmark = pytest.mark.nni2


def _poly(x, lib):  # a cubic with all second derivatives non-zero and x-dependent
    return x[0] ** 3 * x[1] + 2.0 * x[1] ** 2 * x[2] - x[0] * x[2] + 0.5 * x[2] ** 4


def _smooth(x, lib):  # exp, log, tanh, sigmoid and a reduction
    return (x.tanh() * x.exp()).sum() + (1.0 + x[0] ** 2).log() * x[1].sigmoid()


def _rosenbrock(x, lib):
    return (1.0 - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2


def _quadratic(x, lib):  # f = 1/2 x^T A x + b^T x: the Hessian is exactly A (symmetrised)
    A = np.array([[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [-2.0, 0.5, 5.0]])
    b = np.array([1.0, -1.0, 2.0])
    A_t = lib.tensor(A, dtype=lib.float64)
    return 0.5 * (x * (A_t @ x)).sum() + (lib.tensor(b, dtype=lib.float64) * x).sum()


CASES = [(_poly, [0.7, -1.2, 0.4]), (_smooth, [0.3, -0.8, 1.1]), (_rosenbrock, [-0.5, 2.0]),
         (_rosenbrock, [1.0, 1.0]), (_quadratic, [0.1, 0.2, 0.3])]


def _torch_hessian(f, x):
    point = torch.tensor(x, dtype=torch.float64)
    return torch.autograd.functional.hessian(lambda t: f(t, torch), point).numpy()


@pytest.mark.parametrize("f, x", CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CASES)])
def test_hessian_matches_torch(f, x):
    ours = hessian(lambda t: f(t, te), x)
    theirs = _torch_hessian(f, x)
    assert ours.shape == (len(x), len(x))
    assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert np.allclose(ours, ours.T, rtol=0, atol=1e-12)      # Schwarz: mixed partials commute


def test_hessian_of_a_quadratic_is_its_matrix_and_affine_gives_zero():
    H = hessian(lambda t: _quadratic(t, te), [5.0, -3.0, 2.0])
    assert np.allclose(H, [[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [-2.0, 0.5, 5.0]], atol=1e-13)
    assert np.array_equal(hessian(lambda t: (t * 3.0).sum() + 1.0, [1.0, 2.0]), np.zeros((2, 2)))


def test_hessian_rejects_bad_input():
    with pytest.raises(ValueError, match="1-D"):
        hessian(lambda t: t.sum(), [[1.0, 2.0]])
    with pytest.raises(ValueError, match="scalar"):
        hessian(lambda t: t * 2.0, [1.0, 2.0])


def test_hessian_accepts_a_tensor_and_leaves_it_alone():
    x = te.tensor([0.5, -0.25], dtype=te.float64, requires_grad=True)
    H = hessian(lambda t: (t ** 4).sum(), x)
    assert np.allclose(H, np.diag(12 * np.array([0.5, -0.25]) ** 2))
    assert x.grad is None


# stationary points with known type: (f, point, expected classification)
STATIONARY = [
    (lambda t: (t ** 2).sum(), [0.0, 0.0], "minimum"),
    (lambda t: (t ** 2).sum() * -1.0, [0.0, 0.0, 0.0], "maximum"),
    (lambda t: t[0] ** 2 - t[1] ** 2, [0.0, 0.0], "saddle"),
    (lambda t: t[0] * t[1], [0.0, 0.0], "saddle"),                    # H has eigenvalues +-1
    (lambda t: t[0] ** 4 + t[1] ** 2, [0.0, 0.0], "inconclusive"),     # a minimum, but H singular
    (lambda t: t[0] ** 3 + t[1] ** 2, [0.0, 0.0], "inconclusive"),     # not an extremum at all
    (lambda t: _rosenbrock(t, te), [1.0, 1.0], "minimum"),
    (lambda t: (t[0] - 1.0) ** 2 * -1.0 - (t[0] * t[1]) ** 2, [1.0, 0.0], "maximum"),
]


@pytest.mark.parametrize("f, point, expected", STATIONARY)
def test_classification_of_known_stationary_points(f, point, expected):
    assert np.allclose(gradient(f, point), 0.0, atol=1e-12), "the test point must be stationary"
    assert classify_stationary_point(hessian(f, point)) == expected


def test_classifier_on_matrices_and_tolerance():
    assert classify_stationary_point(np.diag([1.0, 2.0])) == "minimum"
    assert classify_stationary_point(np.diag([-1.0, -2.0])) == "maximum"
    assert classify_stationary_point(np.array([[0.0, 1.0], [1.0, 0.0]])) == "saddle"
    assert classify_stationary_point(np.diag([1.0, 1e-12])) == "inconclusive"
    assert classify_stationary_point(np.diag([1.0, 1e-12]), tol=1e-14) == "minimum"
    # non-symmetric round-off is symmetrised away; the diagonal alone would mislead
    assert classify_stationary_point(np.array([[1.0, 3.0], [3.0, 1.0]])) == "saddle"
    with pytest.raises(ValueError, match="square"):
        classify_stationary_point(np.ones((2, 3)))


def test_gradient_is_the_stopping_quantity():
    g = gradient(lambda t: _rosenbrock(t, te), [0.0, 0.0])
    assert np.allclose(g, [-2.0, 0.0])
    assert np.allclose(gradient(lambda t: _rosenbrock(t, te), [1.0, 1.0]), 0.0)
