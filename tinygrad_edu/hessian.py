"""nni2.T2: the Hessian of a scalar function from the engine's second-order gradients.

The derivation (derivations/nni2_theory.tex, section nni2.T2) shows that at a stationary point
(``grad f = 0``) the second-order Taylor term ``1/2 dx^T H dx`` decides the type of the point:
all eigenvalues of ``H`` positive gives a strict local minimum, all negative a strict local
maximum, both signs a saddle, and a zero eigenvalue with no sign change leaves the second-order
test inconclusive.

:func:`hessian` differentiates twice with ``te.grad``: the gradient ``g(x)`` is computed with
``create_graph=True``, so it is itself a differentiable function of ``x``, and row ``i`` of the
Hessian is the gradient of ``g_i`` (obtained as the vector-Jacobian product of ``g`` with the
unit vector ``e_i``).
"""
import numpy as np

import tinygrad_edu as te

__all__ = ["hessian", "gradient", "classify_stationary_point"]

KINDS = ("minimum", "maximum", "saddle", "inconclusive")


def _leaf(x):
    data = x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)
    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 1:
        raise ValueError(f"hessian: x must be a 1-D vector, got shape {data.shape}")
    return te.tensor(data, requires_grad=True)


def _scalar_value(f, x):
    value = f(x)
    if tuple(value.shape) not in ((), (1,)):
        raise ValueError(f"hessian: f must return a scalar, got shape {tuple(value.shape)}")
    return value


def gradient(f, x):
    """``grad f(x)`` as a float64 NumPy vector (the quantity of the stopping condition)."""
    leaf = _leaf(x)
    value = _scalar_value(f, leaf)
    if not value.requires_grad:          # f does not depend on x at all
        return np.zeros(leaf.shape, dtype=np.float64)
    (g,) = te.grad(value, leaf, allow_unused=True)
    return np.zeros(leaf.shape) if g is None else np.asarray(g.numpy(), dtype=np.float64)


def hessian(f, x):
    """The n x n Hessian ``H_ij = d^2 f / dx_i dx_j`` of a scalar ``f`` at the 1-D point ``x``.

    ``f`` maps a 1-D ``tinygrad_edu`` tensor to a scalar tensor using engine ops; ``x`` is a 1-D
    array, list or tensor (it is copied into a fresh float64 leaf). Returns a float64 NumPy array.
    """
    leaf = _leaf(x)
    n = leaf.shape[0]
    H = np.zeros((n, n), dtype=np.float64)
    value = _scalar_value(f, leaf)
    if not value.requires_grad:
        return H
    (g,) = te.grad(value, leaf, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:  # f is affine in x (or constant): H = 0
        return H
    for i in range(n):
        unit = np.zeros(n, dtype=np.float64)
        unit[i] = 1.0
        (row,) = te.grad(g, leaf, grad_outputs=te.tensor(unit), retain_graph=True,
                         allow_unused=True)
        if row is not None:
            H[i] = np.asarray(row.numpy(), dtype=np.float64)
    return H


def classify_stationary_point(H, tol=1e-8):
    """Classify a stationary point from its Hessian's eigenvalues.

    Returns ``"minimum"`` (all eigenvalues > tol), ``"maximum"`` (all < -tol), ``"saddle"`` (some
    > tol and some < -tol) or ``"inconclusive"`` (an eigenvalue within tol of zero and no sign
    change: higher-order terms decide, e.g. ``x^4`` against ``-x^4`` against ``x^3``). The matrix
    is symmetrised first (``(H + H^T) / 2``), which removes round-off asymmetry.
    """
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"classify_stationary_point: H must be square, got shape {H.shape}")
    eigenvalues = np.linalg.eigvalsh(0.5 * (H + H.T))
    positive, negative = eigenvalues > tol, eigenvalues < -tol
    if positive.any() and negative.any():
        return "saddle"
    if positive.all():
        return "minimum"
    if negative.all():
        return "maximum"
    return "inconclusive"
