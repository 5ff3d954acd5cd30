"""Losses as functions, with PyTorch's names and argument order (re-exported by
``tinygrad_edu.nn.functional``). Composed from engine ops, so their gradients (and gradients of
gradients) come from those; the logistic loss uses the stable softplus op (ops/special.py)."""
import warnings

from ..autograd import EngineError, EngineIndexError, EngineTypeError
from ..ops.special import Softplus
from ..tensor import Tensor
from .angle import circular_angle_loss  # noqa: F401  (nni2.T3, derived in derivations/nni2_theory.tex)

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "cosine_similarity", "normalize", "info_nce_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]
_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction, op):
    if reduction not in _REDUCTIONS:
        raise EngineError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _class_targets(op, target):
    if not isinstance(target, Tensor) or target.dtype.kind not in "iu":
        raise EngineTypeError(f"{op}: expected class indices as an integer (int64) tensor, got "
                              f"{getattr(target, 'dtype', type(target).__name__)}; class probabilities "
                              "(float targets) are not supported")
    return op


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """``-input[i, target[i]]`` (input holds log-probabilities, classes on dim 1), optionally weighted
    per class; the mean divides by the summed weights of the targets that are not ``ignore_index``."""
    op = _class_targets("nll_loss", target)
    batch = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if tuple(target.shape) != tuple(batch):
        raise EngineError(f"{op}: input of shape {tuple(input.shape)} needs a target of shape {tuple(batch)}, got "
                          f"{tuple(target.shape)}")
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    xp, t = input._xp, target.array
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= classes))
    if bad.any():
        raise EngineIndexError(f"{op}: target values must be class indices in [0, {classes}) (or ignore_index="
                               f"{ignore_index}); got {sorted(set(int(v) for v in t[bad].ravel()))[:5]} "
                               f"with {classes} classes")
    logp = input if input.ndim <= 2 else input.permute(0, *range(2, input.ndim), 1)  # classes last
    rows, safe = logp.reshape(-1, classes), xp.where(valid, t, 0).reshape(-1)
    picked = rows[xp.arange(safe.shape[0]), safe]  # a gather: never touches -inf logits of other classes
    w = xp.ones(classes, dtype=input.dtype) if weight is None else weight.array.astype(input.dtype)
    coef = w[safe] * valid.reshape(-1)  # w[target], and 0 where the target is ignore_index
    loss = -(picked * Tensor._wrap(coef))
    if not valid.all():
        loss = loss.where(valid.reshape(-1), 0.0)
    if reduction == "mean":
        return loss.sum() * (1.0 / float(coef.sum()))
    return _reduce(loss.reshape(t.shape), reduction, op)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)``: class indices (int64), logits on dim 1. log_softmax
    subtracts logsumexp, so logits of +-1e4 stay finite."""
    if label_smoothing:
        raise EngineError(f"cross_entropy: label_smoothing={label_smoothing} is not implemented")
    _class_targets("cross_entropy", target)
    return nll_loss(input.log_softmax(1 if input.ndim >= 2 else 0), target, weight, ignore_index=ignore_index,
                    reduction=reduction)


def _same_shape(op, input, target):
    if not isinstance(target, Tensor):
        target = input._operand(target)
    if tuple(target.shape) != tuple(input.shape):
        raise EngineError(f"{op}: target of shape {tuple(target.shape)} must have the input's shape "
                          f"{tuple(input.shape)}")
    return target


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """``-(y log x + (1-y) log(1-x))`` with each log clamped at -100, like torch (so x = 0 or 1 gives a
    finite loss). Use binary_cross_entropy_with_logits on logits: it is stable without clamping."""
    op = "binary_cross_entropy"
    target = _same_shape(op, input, target)
    if ((input.array < 0) | (input.array > 1)).any():
        raise EngineError(f"{op}: all elements of input should be between 0 and 1 (probabilities), got "
                          f"min {float(input.array.min())}, max {float(input.array.max())}")

    def clamped_log(p):  # log(p) floored at -100; the log never sees 0, so no inf * 0 in backward
        positive = p.array > 0
        return p.where(positive, 1.0).log().where(positive, -100.0).clamp(min=-100.0)
    loss = -(target * clamped_log(input) + (1.0 - target) * clamped_log(1.0 - input))
    return _reduce(loss if weight is None else loss * weight, reduction, op)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """The stable logistic loss ``softplus(z) - y z`` (= max(z,0) - y z + log(1 + e^{-|z|})): finite value
    and gradient ``sigmoid(z) - y`` for any logit, +-1e10 included. With pos_weight p:
    ``(1-y) z + (1 + (p-1) y) softplus(-z)``, torch's form."""
    op = "binary_cross_entropy_with_logits"
    target = _same_shape(op, input, target)
    if pos_weight is None:
        loss = Softplus.apply(input) - target * input
    else:
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * Softplus.apply(-input)
    return _reduce(loss if weight is None else loss * weight, reduction, op)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """``input / max(||input||_p, eps)`` along dim (torch's F.normalize)."""
    if p == 2:
        norm = (input * input).sum(dim, keepdim=True).sqrt()
    else:
        norm = (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p)
    return input / norm.clamp(min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps))`` along dim (torch 2's form; broadcasts)."""
    return (normalize(x1, 2, dim, eps) * normalize(x2, 2, dim, eps)).sum(dim)


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
    r"""$rac12 d^2 / eta$ where $|d| < eta$, else $|d| - eta/2$ ($d$ = input - target);
    ``beta=0`` is the L1 loss."""
    if beta < 0:
        raise EngineError(f"smooth_l1_loss does not support negative values for beta, got beta={beta}")
    target = _broadcast_pair("smooth_l1_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction, "smooth_l1_loss")
    loss = (d * d * (0.5 / beta)).where(d.abs().array < beta, d.abs() - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    r"""$rac12 d^2$ where $|d| < \delta$, else $\delta (|d| - \delta/2)$: ``delta`` times
    smooth_l1_loss with ``beta=delta``."""
    if not delta > 0:
        raise EngineError(f"huber_loss does not support non-positive values for delta, got delta={delta}")
    target = _broadcast_pair("huber_loss", input, target)
    d = input - target
    loss = (d * d * 0.5).where(d.abs().array < delta, (d.abs() - 0.5 * delta) * delta)
    return _weighted("huber_loss", loss, weight, input, reduction, mean_by_weight=False)


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
        zero = target.array == 0
        loss = (target * target.where(~zero, 1.0).log()).where(~zero, 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() * (1.0 / input.shape[0]) if input.ndim else loss.sum()
    return _reduce(loss, reduction, "kl_div")


__all__.append("circular_angle_loss")
