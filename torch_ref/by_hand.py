"""EE-411 part 1 in PyTorch: the reference for :mod:`tinygrad_edu.by_hand`.

The same four functions with the same shapes (``z1``: B x K, ``z2`` and ``y_hat`` squeezed to B),
but the gradient comes from torch's autograd instead of hand-written backprop. Inputs may be torch
tensors or NumPy arrays; outputs are torch tensors.
"""
import torch

__all__ = ["predict", "logistic_loss", "stable_logistic_loss", "gradient"]


def _t(a, dtype=None):
    return a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=dtype)


def _labels(y, like):
    y = _t(y).to(like.dtype)
    if y.numel() != like.numel():
        raise ValueError(f"expected {like.numel()} labels, got shape {tuple(y.shape)}")
    return y.reshape(like.shape)


def predict(X, W):
    """``(z1, z2, y_hat)`` with ``z1 = X w_1`` (B x K), ``z2 = sigmoid(z1) w_2`` squeezed to (B,)."""
    X = _t(X)
    w_1, w_2 = _t(W["w_1"]), _t(W["w_2"]).reshape(-1, 1)
    z1 = X @ w_1
    z2 = (torch.sigmoid(z1) @ w_2)[:, 0]
    return z1, z2, torch.sigmoid(z2)


def logistic_loss(y, y_hat):
    """The naive mean logistic loss, as the sheet writes it (``nan`` at ``y_hat = y = 0``)."""
    y_hat = _t(y_hat)
    y = _labels(y, y_hat)
    return torch.mean(-y * torch.log(y_hat) - (1 - y) * torch.log(1 - y_hat))


def stable_logistic_loss(y, z2):
    """Mean of ``y softplus(-z2) + (1 - y) softplus(z2)`` with ``softplus(t) = logaddexp(0, t)``."""
    z2 = _t(z2)
    y = _labels(y, z2)
    zero = torch.zeros_like(z2)
    return torch.mean(y * torch.logaddexp(zero, -z2) + (1 - y) * torch.logaddexp(zero, z2))


def gradient(X, y, W):
    """Gradient of the mean stable loss with respect to ``w_1`` and ``w_2``, by torch autograd."""
    leaves = {k: _t(v).detach().clone().requires_grad_(True) for k, v in W.items()}
    _, z2, _ = predict(_t(X), leaves)
    loss = stable_logistic_loss(y, z2)
    grads = torch.autograd.grad(loss, [leaves["w_1"], leaves["w_2"]])
    return {"w_1": grads[0], "w_2": grads[1]}
