r"""Gradient clipping (torch's ``torch/nn/utils/clip_grad.py``), in place on ``.grad``, outside the graph.

``clip_grad_norm_`` takes the $p$-norm of all gradients together, $\|g\| = (\sum_i \|g_i\|_p^p)^{1/p}$
(for $p = \infty$: $\max_i \max |g_i|$), and multiplies every gradient by
$\min(1, \text{max\_norm} / (\|g\| + 10^{-6}))$; it returns $\|g\|$ as a 0-d tensor.
``clip_grad_value_`` clamps every gradient entry to $[-v, v]$.
"""
import math

import numpy as np

from ...autograd import no_grad
from ...errors import EngineError
from ...backend import to_numpy
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients in place so that their total ``norm_type``-norm is at most ``max_norm``;
    returns the total norm before clipping (a 0-d tensor of the gradients' dtype)."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if norm_type <= 0:
        raise EngineError(f"not supported in tinygrad_edu: clip_grad_norm_ with norm_type={norm_type} (use a "
                          "positive p or inf)")
    if not grads:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    xp = grads[0]._xp
    if norm_type == math.inf:
        norms = [abs(g.array).max() if g.numel() else xp.asarray(0.0, dtype=g.dtype) for g in grads]
        total = xp.max(xp.stack([xp.asarray(n) for n in norms]))
    else:
        norms = [(abs(g.array) ** norm_type).sum() ** (1.0 / norm_type) for g in grads]
        total = (xp.stack([xp.asarray(n) for n in norms]) ** norm_type).sum() ** (1.0 / norm_type)
    total = total.astype(grads[0].dtype)
    if error_if_nonfinite and not np.isfinite(to_numpy(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    coef = float(max_norm) / (float(total) + 1e-6)
    coef = coef if math.isnan(coef) else min(coef, 1.0)  # torch's clamp(max=1): a NaN stays NaN
    with no_grad():
        for g in grads:
            g.mul_(coef)
    return Tensor._wrap(xp.asarray(total))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry to ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
