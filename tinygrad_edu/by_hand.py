"""EE-411 homework 3, part 1: a two-layer sigmoid network with backprop written out by hand.

No autograd and no Python loops: every function below is a handful of whole-array operations, so
it runs unchanged on NumPy arrays and on CuPy arrays (the array module comes from
:func:`tinygrad_edu.backend.array_module`). The derivation of every formula is in
``derivations/ee411_backprop.tex`` (sections ee411.1.2 to ee411.1.4).

Shapes follow the sheet's dictionary ``W = {"w_1": D x K, "w_2": K x 1}`` and a batch ``X`` of
shape ``B x D``:

* ``z1 = X @ w_1`` has shape ``B x K`` (so the sheet's matrix ``W^(1)`` in ``W^(1) x^(0)`` is
  ``w_1`` transposed);
* ``z2 = sigmoid(z1) @ w_2`` is **squeezed** to shape ``(B,)``, one logit per sample, and so is
  ``y_hat``; labels ``y`` are vectors of shape ``(B,)`` (any array with B elements is accepted
  and reshaped, never broadcast).
"""
from tinygrad_edu.backend import array_module

__all__ = ["sigmoid", "predict", "logistic_loss", "stable_logistic_loss", "gradient"]


def sigmoid(z):
    """Logistic function without overflow: ``sigma(z) = exp(-log(1 + exp(-z)))``.

    ``logaddexp(0, -z)`` is evaluated stably by NumPy/CuPy, so ``z = -1e10`` gives
    ``exp(-1e10) = 0`` (a silent underflow) and ``z = +1e10`` gives ``exp(-0) = 1``, with no
    overflow warning on either side.
    """
    xp = array_module(z)
    return xp.exp(-xp.logaddexp(0.0, -z))


def _check_weights(X, W):
    if set(W) != {"w_1", "w_2"}:
        raise KeyError(f"W must have exactly the keys 'w_1' and 'w_2', got {sorted(W)}")
    w_1, w_2 = W["w_1"], W["w_2"]
    if X.ndim != 2:
        raise ValueError(f"X must be a B x D matrix, got shape {tuple(X.shape)}")
    if w_1.ndim != 2 or w_1.shape[0] != X.shape[1]:
        raise ValueError(f"w_1 must be D x K with D = {X.shape[1]} (the columns of X), "
                         f"got shape {tuple(w_1.shape)}")
    if w_2.shape not in ((w_1.shape[1], 1), (w_1.shape[1],)):
        raise ValueError(f"w_2 must be K x 1 with K = {w_1.shape[1]} (the columns of w_1), "
                         f"got shape {tuple(w_2.shape)}")
    return w_1, w_2.reshape(-1, 1)


def _as_vector(y, like):
    """Labels as a vector shaped like ``like`` (B,); a size mismatch is an error, not a broadcast."""
    xp = array_module(like)
    y = xp.asarray(y, dtype=like.dtype)
    if y.size != like.size:
        raise ValueError(f"expected {like.size} labels (one per sample), got shape {tuple(y.shape)}")
    return y.reshape(like.shape)


def predict(X, W):
    """Forward pass for a batch: returns ``(z1, z2, y_hat)`` of shapes ``(B, K), (B,), (B,)``.

    ``z1 = X w_1``, ``x1 = sigma(z1)``, ``z2 = x1 w_2`` (squeezed), ``y_hat = sigma(z2)``.
    """
    w_1, w_2 = _check_weights(X, W)
    z1 = X @ w_1
    z2 = (sigmoid(z1) @ w_2)[:, 0]
    return z1, z2, sigmoid(z2)


def logistic_loss(y, y_hat):
    """Mean of ``-y log(y_hat) - (1 - y) log(1 - y_hat)``, written naively on purpose.

    This is the formula exactly as the sheet gives it (ee411.1.2). It is *not* safe: for
    ``y_hat = 0, y = 0`` the first term is ``0 * log(0) = 0 * (-inf) = nan`` under IEEE 754, so the
    mean is ``nan`` (with NumPy's "divide by zero" and "invalid value" warnings).
    """
    xp = array_module(y_hat)
    y = _as_vector(y, y_hat)
    return xp.mean(-y * xp.log(y_hat) - (1 - y) * xp.log(1 - y_hat))


def stable_logistic_loss(y, z2):
    """Mean logistic loss from the logits: ``y softplus(-z2) + (1 - y) softplus(z2)``.

    Uses ``-log(sigma(z)) = logaddexp(0, -z)`` and ``-log(1 - sigma(z)) = logaddexp(0, z)``, so
    no probability is ever formed: ``z2 = -1e10, y = 0`` gives exactly ``0`` and ``y = 1`` gives
    ``1e10`` (ee411.1.3). Each label picks the softplus whose argument has its own sign, so no two
    large numbers are subtracted.
    """
    xp = array_module(z2)
    y = _as_vector(y, z2)
    return xp.mean(y * xp.logaddexp(0.0, -z2) + (1 - y) * xp.logaddexp(0.0, z2))


def gradient(X, y, W):
    """Gradient of the mean stable logistic loss with respect to ``W``, vectorised (ee411.1.5).

    With ``e = y_hat - y`` (shape B, the derivative of the loss in ``z2``) and
    ``delta1 = (e w_2^T) * sigma(z1) * sigma(-z1)`` (shape B x K):

    * ``dL/dw_2 = x1^T e / B``        (K x 1)
    * ``dL/dw_1 = X^T delta1 / B``    (D x K)

    ``sigma'(z) = sigma(z) sigma(-z)`` is used instead of ``sigma (1 - sigma)`` because it keeps
    full relative precision for large positive ``z``. Returns a dict with the keys of ``W`` and
    arrays of the same shapes as ``W``'s.
    """
    w_1, w_2 = _check_weights(X, W)
    z1, z2, y_hat = predict(X, W)
    batch = X.shape[0]
    error = (y_hat - _as_vector(y, z2))[:, None]             # B x 1, dL_i/dz2_i
    x1 = sigmoid(z1)                                          # B x K
    delta1 = (error @ w_2.T) * x1 * sigmoid(-z1)              # B x K, dL_i/dz1_i
    return {
        "w_1": X.T @ delta1 / batch,
        "w_2": (x1.T @ error / batch).reshape(W["w_2"].shape),
    }
