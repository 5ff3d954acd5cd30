"""Losses as functions, with PyTorch's names and argument order (re-exported by
``tinygrad_edu.nn.functional``). Composed from engine ops, so their gradients (and gradients of
gradients) come from those; cross_entropy of (N, C) logits, the logistic loss (ops/logistic_loss.py)
and huber / smooth_l1 (ops/regression_loss.py) are single ops with torch's derivative formulas.
Beyond torch: ``info_nce_loss`` (mlph08.2d) and ``circular_angle_loss`` (nni2.T3)."""
import warnings

import numpy as np

from ... import creation
from ...errors import EngineError, EngineIndexError, EngineTypeError
from ...autograd import is_grad_enabled
from ...ops.cross_entropy import CrossEntropy
from ...ops.elementwise import OwnKernel
from ...ops.logistic_loss import BinaryCrossEntropyWithLogits
from ...ops.regression_loss import HuberLoss, SmoothL1Loss
from ...ops.special import SelfXlogy
from ...tensor import Tensor
from .distance import normalize

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "info_nce_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
           "circular_angle_loss"]
_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction, op):
    if reduction not in _REDUCTIONS:
        raise EngineError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _class_targets(op, target, input):
    """Check that ``target`` holds class indices: int64 (or uint8), as torch requires (a float
    target of the input's shape holds class probabilities, which torch accepts)."""
    dtype = getattr(target, "dtype", None)
    if isinstance(target, Tensor) and dtype.kind == "f" and target.shape == input.shape:
        raise EngineTypeError(f"not supported in tinygrad_edu: {op} with class probabilities (a {dtype} target); "
                              "give class indices as an int64 tensor")
    if not isinstance(target, Tensor) or dtype not in (np.int64, np.uint8):
        raise EngineTypeError(f"{op}: expected class indices as an integer tensor (int64, or uint8), got "
                              f"{dtype if dtype is not None else type(target).__name__}")
    if target.device != input.device:  # torch's rule; NumPy indices would be refused by a CuPy input anyway
        raise RuntimeError(f"{op}: expected all tensors on the same device, got the input on {input.device} and "
                           f"the target on {target.device}")
    return op


def _class_weights(op, weight, classes, device):
    if weight is not None and tuple(weight.shape) != (classes,):
        raise EngineError(f"{op}: the weight must hold one value per class ({classes} classes), got a weight of "
                          f"shape {tuple(weight.shape)}")
    if weight is not None and weight.device != device:
        raise RuntimeError(f"{op}: expected all tensors on the same device, got the input on {device} and the "
                           f"weight on {weight.device}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
             _op="nll_loss"):
    """``-input[i, target[i]]`` (input holds log-probabilities, classes on dim 1), optionally weighted
    per class; the mean divides by the summed weights of the targets that are not ``ignore_index``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    op = _class_targets(_op, target, input)
    valid, safe, coef = _checked_targets(op, input, target, weight, ignore_index)
    classes, t = (input.shape[1] if input.ndim >= 2 else input.shape[0]), target.array
    logp = input if input.ndim <= 2 else input.permute(0, *range(2, input.ndim), 1)  # classes last
    rows = logp.reshape(-1, classes)
    picked = rows[input._xp.arange(safe.shape[0]), safe]  # a gather: never touches -inf logits of other classes
    loss = -(picked * Tensor._wrap(coef))
    if not valid.all():
        loss = loss.where(valid.reshape(-1), 0.0)
    if reduction == "mean":  # every target ignored (or none at all): 0 / 0 = nan, like torch
        total = coef.sum()
        return loss.sum() / Tensor._wrap(total) if total else loss.sum() * float("nan")
    return _reduce(loss.reshape(t.shape), reduction, op)


def _checked_targets(op, input, target, weight, ignore_index):
    """torch's checks of class-index targets; returns ``valid`` (not ignore_index), ``safe`` (the
    targets, flat, 0 where ignored) and ``coef`` (flat: the class weight of each target, 0 where ignored)."""
    batch = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if tuple(target.shape) != tuple(batch):
        raise EngineError(f"{op}: input of shape {tuple(input.shape)} needs a target of shape {tuple(batch)}, got "
                          f"{tuple(target.shape)}")
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    _class_weights(op, weight, classes, input.device)
    xp, t = input._xp, target.array
    if weight is None and t.size and not 0 <= ignore_index < classes and 0 <= t.min() and t.max() < classes:
        # the usual case, in two reductions: every target a class index, none ignored, no weights
        return xp.ones(t.shape, dtype=bool), t.reshape(-1).copy(), xp.ones(t.size, dtype=input.dtype)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= classes))
    if bad.any():
        raise EngineIndexError(f"{op}: target values must be class indices in [0, {classes}) (or ignore_index="
                               f"{ignore_index}); got {sorted(set(int(v) for v in t[bad].ravel()))[:5]} "
                               f"with {classes} classes")
    safe = xp.where(valid, t, 0).reshape(-1)
    w = xp.ones(classes, dtype=input.dtype) if weight is None else weight.array.astype(input.dtype)
    return valid, safe, w[safe] * valid.reshape(-1)


def _fused_cross_entropy(input, target, weight, ignore_index, reduction):
    """cross_entropy of (N, C) logits as one op (ops/cross_entropy.py), or None where the composed
    form is the one to use (other shapes, no elements, a mean over no weight)."""
    if input.ndim != 2 or not input.numel() or input.dtype.kind != "f" or reduction not in _REDUCTIONS:
        return None
    valid, safe, coef = _checked_targets("cross_entropy", input, target, weight, ignore_index)
    total = coef.sum()
    if reduction == "mean" and not total:
        return None
    return CrossEntropy.apply(input, targets=safe, coef=coef, valid=valid, total=total, reduction=reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)``: class indices (int64), logits on dim 1. log_softmax
    subtracts logsumexp, so logits of +-1e4 stay finite."""
    if label_smoothing and weight is not None:
        raise EngineError("not supported in tinygrad_edu: cross_entropy with label_smoothing and a class weight")
    _class_targets("cross_entropy", target, input)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    fused = None if label_smoothing else _fused_cross_entropy(input, target, weight, ignore_index, reduction)
    if fused is not None:
        return fused
    class_dim = 1 if input.ndim >= 2 else 0
    logp = input.log_softmax(class_dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction, _op="cross_entropy")
    if not label_smoothing:
        return nll
    return (1.0 - label_smoothing) * nll + label_smoothing * _uniform_target_loss(logp, target, class_dim,
                                                                                  ignore_index, reduction)


def _uniform_target_loss(logp, target, class_dim, ignore_index, reduction):
    """The cross-entropy against the uniform distribution, ``-(1/C) sum_c log p_c`` per sample
    (label smoothing's second term, torch's form: ``(1-e) nll + e * this``), 0 at ignored targets."""
    valid = target.array != ignore_index
    per_sample = (logp.sum(class_dim) * (-1.0 / logp.shape[class_dim])).where(valid, 0.0)
    if reduction == "mean":
        return per_sample.sum() / float(valid.sum())
    return per_sample.sum() if reduction == "sum" else per_sample


def _same_shape(op, input, target):
    if not isinstance(target, Tensor):
        target = input._operand(target)
    if target.dtype.kind != "f":
        raise EngineTypeError(f"{op}: expected a floating point target (probabilities), got {target.dtype}")
    if tuple(target.shape) != tuple(input.shape):
        raise EngineError(f"{op}: target of shape {tuple(target.shape)} must have the input's shape "
                          f"{tuple(input.shape)}")
    return target


def _check_probabilities(op, input, target):
    """torch's check, element by element in order (input first): every input and target value in
    [0, 1] (NaN is not)."""
    outside = [~((t.array >= 0) & (t.array <= 1)).reshape(-1) for t in (input, target)]
    first = [int(bad.argmax()) if bad.any() else None for bad in outside]
    if first == [None, None]:
        return
    name = "input" if first[1] is None or (first[0] is not None and first[0] <= first[1]) else "target"
    bad = input if name == "input" else target
    raise EngineError(f"{op}: all elements of {name} should be between 0 and 1 (probabilities), got "
                      f"min {float(bad.array.min())}, max {float(bad.array.max())}")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """``-(y log x + (1-y) log(1-x))`` with each log clamped at -100, like torch (so x = 0 or 1 gives a
    finite loss). Use binary_cross_entropy_with_logits on logits: it is stable without clamping."""
    op, reduction = "binary_cross_entropy", _legacy_reduction(size_average, reduce, reduction)
    target = _same_shape(op, input, target)
    _check_probabilities(op, input, target)

    def clamped_log(p):  # log(p) floored at -100; the log never sees 0, so no inf * 0 in backward
        positive = p.array > 0
        return p.where(positive, 1.0).log().where(positive, -100.0).clamp(min=-100.0)
    loss = -(target * clamped_log(input) + (1.0 - target) * clamped_log(1.0 - input))
    return _reduce(loss if weight is None else loss * weight, reduction, op)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """The stable logistic loss ``softplus(z) - y z`` (= max(z,0) - y z + log(1 + e^{-|z|})): finite value
    and gradient ``sigmoid(z) - y`` for any logit, +-1e10 included. With pos_weight p:
    ``(1-y) z + (1 + (p-1) y) softplus(-z)``, torch's form. One op (ops/logistic_loss.py), whose
    gradients are torch's single products."""
    op, reduction = "binary_cross_entropy_with_logits", _legacy_reduction(size_average, reduce, reduction)
    target = _same_shape(op, input, target)
    if reduction not in _REDUCTIONS:
        raise EngineError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    named = {k: v for k, v in (("weight", weight), ("pos_weight", pos_weight)) if v is not None}
    for kind, factor in named.items():
        _check_factor(op, kind, factor, input)
    return BinaryCrossEntropyWithLogits.apply(input, target, *named.values(), kinds=tuple(named),
                                              reduction=reduction)


def _check_factor(op, kind, factor, input):
    """torch's rules for ``weight`` and ``pos_weight``: a tensor that broadcasts to the input's shape
    (the loss is computed into it) and needs no gradient (torch has none for them)."""
    if not isinstance(factor, Tensor):
        raise EngineTypeError(f"{op}: {kind} must be a Tensor, not {type(factor).__name__}")
    if factor.ndim > input.ndim or any(f not in (1, n) for f, n in zip(factor.shape[::-1], input.shape[::-1])):
        raise EngineError(f"{op}: the {kind} of shape {tuple(factor.shape)} does not broadcast to the input's "
                          f"shape {tuple(input.shape)}")
    if factor.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{kind}'. "
                           "This input cannot have requires_grad True.")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    try:
        diff = input - target
    except ValueError:  # shapes that do not broadcast (torch broadcasts, with a warning)
        raise EngineError(f"mse_loss: the target of shape {tuple(getattr(target, 'shape', ()))} does not broadcast "
                          f"with the input of shape {tuple(input.shape)}") from None
    loss = _reduce(diff * diff, _legacy_reduction(size_average, reduce, reduction), "mse_loss")
    return OwnKernel.apply(loss, torch_name="MseLossBackward0")  # torch's mse_loss_backward is a kernel


def info_nce_loss(z, temperature=0.5):
    """NT-Xent (SimCLR, task mlph08.2d). ``z`` is (2N, D): rows 0..N-1 one view of N images, rows
    N..2N-1 the other. Logits are cosine similarities / temperature with each row's self-similarity
    removed; the positive of row i is row (i + N) mod 2N; the loss is cross-entropy averaged over
    the 2N anchors."""
    if z.ndim != 2 or z.shape[0] % 2 or z.shape[0] < 2:
        raise EngineError(f"info_nce_loss: expected z of shape (2N, D) with the two views stacked, got "
                          f"{tuple(z.shape)}")
    if not temperature > 0:
        raise EngineError(f"info_nce_loss: temperature must be positive, got {temperature!r}")
    xp, rows = z._xp, z.shape[0]
    zn = normalize(z, 2, 1, 1e-8)
    logits = (zn @ zn.T) * (1.0 / temperature)
    logits = logits.where(~xp.eye(rows, dtype=bool), float("-inf"))  # exp(-inf) = 0: no self-pair
    target = Tensor._wrap((xp.arange(rows) + rows // 2) % rows)
    return cross_entropy(logits, target)


def _legacy_reduction(size_average, reduce, reduction):
    """torch's old ``size_average``/``reduce`` flags, when given, override ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average, reduce = size_average is not False, reduce is not False
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def _broadcast_pair(op, input, target):
    """torch warns (and broadcasts) when the target's shape differs from the input's."""
    target = target if isinstance(target, Tensor) else input._operand(target)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"{op}: Using a target size ({tuple(target.shape)}) that is different to the input size "
                      f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)
    return target


def _weighted(op, loss, weight, input, reduction, mean_by_weight):
    """torch's optional elementwise ``weight`` of l1_loss (mean = sum(w l) / sum(w)) and huber_loss
    (mean = mean(w l))."""
    if weight is None:
        return _reduce(loss, reduction, op)
    if tuple(weight.shape) != tuple(input.shape):
        raise EngineError(f"{op}: Weights and input must have the same size: weight {tuple(weight.shape)}, "
                          f"input {tuple(input.shape)}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction, op)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """``|input - target|`` (broadcast, with torch's warning, when the shapes differ)."""
    target = _broadcast_pair("l1_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _weighted("l1_loss", (input - target).abs(), weight, input, reduction, mean_by_weight=True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    r"""$\frac12 d^2 / \beta$ where $|d| < \beta$, else $|d| - \beta/2$ ($d$ = input - target), as
    one op (ops/regression_loss.py); ``beta=0`` is the L1 loss."""
    if beta < 0:
        raise EngineError(f"smooth_l1_loss does not support negative values for beta, got beta={beta}")
    target = _broadcast_pair("smooth_l1_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta == 0:
        return _reduce((input - target).abs(), reduction, "smooth_l1_loss")
    return _pointwise_loss(SmoothL1Loss, "smooth_l1_loss", input, target, beta, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    r"""$\frac12 d^2$ where $|d| < \delta$, else $\delta (|d| - \delta/2)$: ``delta`` times
    smooth_l1_loss with ``beta=delta``, as one op (ops/regression_loss.py)."""
    if not delta > 0:
        raise EngineError(f"huber_loss does not support non-positive values for delta, got delta={delta}")
    target = _broadcast_pair("huber_loss", input, target)
    return _pointwise_loss(HuberLoss, "huber_loss", input, target, delta, reduction, weight)


def _pointwise_loss(op_class, op, input, target, bound, reduction, weight=None):
    """huber / smooth_l1 as their op, on the input and target broadcast to one shape (torch's
    ``broadcast_tensors``); with a weight, torch's unreduced loss times the weight, then reduced."""
    if reduction not in _REDUCTIONS:
        raise EngineError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    x, t = input._pair(target)
    try:
        shape = np.broadcast_shapes(tuple(x.shape), tuple(t.shape))
    except ValueError:
        raise EngineError(f"{op}: the target of shape {tuple(t.shape)} does not broadcast with the input of "
                          f"shape {tuple(x.shape)}") from None
    x, t = x.expand(*shape), t.expand(*shape)
    if weight is None:
        return op_class.apply(x, t, bound=bound, reduction=reduction)
    loss = op_class.apply(x, t, bound=bound, reduction="none")
    return _weighted(op, loss, weight, input, reduction, mean_by_weight=False)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    r"""Pointwise $t (\log t - x)$ with $0 \log 0 = 0$ (input $x$ holds log-probabilities), or
    $e^t (t - x)$ with ``log_target=True``. ``reduction='batchmean'`` divides the sum by the batch
    size (the KL divergence); ``'mean'`` divides by the number of elements, with torch's warning."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise EngineError(f"kl_div: {reduction} is not a valid value for reduction (expected 'mean', "
                          "'batchmean', 'sum' or 'none')")
    if reduction == "mean" and size_average is None and reduce is None:
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    target = target if isinstance(target, Tensor) else input._operand(target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = SelfXlogy.apply(target) - target * input
    if reduction == "batchmean":
        return loss.sum() * (1.0 / input.shape[0]) if input.ndim else loss.sum()
    return _reduce(loss, reduction, "kl_div")


def _constant_like(values, like):
    """A constant tensor with the dtype (and device, where the engine has one) of ``like``."""
    device = getattr(like, "device", None)
    kwargs = {"dtype": like.dtype}
    if device is not None and str(getattr(device, "type", device)).startswith("cuda"):
        kwargs["device"] = "cuda"
    return creation.tensor(values, **kwargs)


def circular_angle_loss(pred, target, period=360.0, reduction="mean"):
    """nni2.T3: the shortest-arc distance between angles ``pred`` and ``target`` (same units as
    ``period``), a loss that respects circularity (derivations/nni2_theory.tex, section nni2.T3):

        d = pred - target
        w = d - period * round(d / period)      # the wrapped difference, in [-period/2, period/2]
        loss = |w|

    so 2 against 360 degrees gives |(-358) - 360 * (-1)| = 2, not 358. ``round(d / period)`` is an
    integer, constant between the jumps at ``d = (k + 1/2) period``, so it is computed on the data
    as a constant: the gradient is ``sign(w)`` for ``pred`` (``-sign(w)`` for ``target``) except at
    the kinks ``w = 0`` (``abs`` gives 0 there) and ``|w| = period/2`` (the antipode, where both
    arcs are equally short); the rest is engine ops.

    ``pred`` is a tensor; ``target`` a tensor, array or number broadcastable to it. ``reduction``
    is ``"mean"`` (default), ``"sum"`` or ``"none"`` (per element), as in torch's losses.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"circular_angle_loss: reduction must be one of {_REDUCTIONS}, "
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
