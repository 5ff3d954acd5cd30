"""nni2.T3: a loss for angles that respects circularity.

The loss is the geodesic (shortest-arc) distance on a circle of circumference ``period``:

    d = pred - target
    w = d - period * round(d / period)      # the wrapped difference, in [-period/2, period/2]
    loss = |w|

so 2 against 360 degrees gives |(-358) - 360 * (-1)| = 2, not 358 (derivations/nni2_theory.tex,
section nni2.T3). ``round(d / period)`` is an integer that is constant between the jumps at
``d = (k + 1/2) period``, so it is computed on the data as a constant: the gradient of the loss is
``sign(w)`` with respect to ``pred`` (and ``-sign(w)`` for ``target``) everywhere except the two
kinks ``w = 0`` (as in any L1 loss; the engine's ``abs`` gives 0 there) and ``|w| = period/2``
(the antipode, where both arcs are equally short). Everything else is composed from engine ops
(subtraction, multiplication by a constant, ``abs``, ``mean``/``sum``), so the gradient is the
engine's own and is checked against finite differences and torch in the tests.
"""
import numpy as np

import tinygrad_edu as te

__all__ = ["circular_angle_loss"]

REDUCTIONS = ("mean", "sum", "none")


def _constant_like(values, like):
    """A constant tensor with the dtype (and device, where the engine has one) of ``like``."""
    device = getattr(like, "device", None)
    kwargs = {"dtype": like.dtype}
    if device is not None and str(getattr(device, "type", device)).startswith("cuda"):
        kwargs["device"] = "cuda"
    return te.tensor(values, **kwargs)


def circular_angle_loss(pred, target, period=360.0, reduction="mean"):
    """Shortest-arc distance between angles ``pred`` and ``target`` (same units as ``period``).

    ``pred`` is a tensor; ``target`` a tensor, array or number broadcastable to it. ``reduction``
    is ``"mean"`` (default), ``"sum"`` or ``"none"`` (per element), as in torch's losses.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"circular_angle_loss: reduction must be one of {REDUCTIONS}, "
                         f"got {reduction!r}")
    if not period > 0:
        raise ValueError(f"circular_angle_loss: period must be positive, got {period!r}")
    if not isinstance(target, type(pred)):
        target = _constant_like(np.asarray(target, dtype=np.float64), pred)
    difference = pred - target
    turns = (difference.detach().double() / period).round()  # float64, on pred's device
    wrapped = difference - (turns * period).to(pred.dtype)
    loss = wrapped.abs()
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
