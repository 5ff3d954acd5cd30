r"""Normalisation layers as functions (``F.batch_norm``, ``F.layer_norm``, ``F.group_norm``). Each is

    $y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}\, w + b$

with the mean $\mu$ and the *biased* variance $\sigma^2$ taken over (batch_norm) every dim but the
channel dim 1, (layer_norm) the trailing ``normalized_shape`` dims, (group_norm) each sample's
group of ``C / G`` channels and their spatial dims; $w, b$ are per channel (per element of
``normalized_shape`` for layer_norm).

batch_norm in training also updates the running statistics in place, as torch does, with the
*unbiased* variance: $r_\mu \leftarrow (1 - m) r_\mu + m \mu$,
$r_{\sigma^2} \leftarrow (1 - m) r_{\sigma^2} + m \frac{n}{n - 1}\sigma^2$ ($n$ values per channel).
In evaluation it normalises with the running statistics instead (constants for the gradient).

The normalisation itself is one fused op, ``ops/normalize.py`` (its backward is the closed form);
``normalise_composed`` below is the same computation from engine ops, the reference that the
fused op is tested against.
"""
import numpy as np

from ...autograd import no_grad
from ...errors import EngineError, EngineTypeError
from ...ops.normalize import GroupScale, Normalize, RowScale
from ...tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _check_tensor(op, input, min_dims):
    if not isinstance(input, Tensor):
        raise EngineTypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise EngineTypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if input.ndim < min_dims:
        raise EngineError(f"{op}: expected an input with at least {min_dims} dims, got shape {tuple(input.shape)}")


def _check_vector(op, name, tensor, shape):
    if tensor is not None and tuple(tensor.shape) != tuple(shape):
        raise EngineError(f"{op}: {name} should have shape {tuple(shape)} (one entry per "
                          f"{'channel' if len(shape) == 1 else 'normalized element'}), got {tuple(tensor.shape)}")


def _normalise(x, axes, eps, form):
    """(x - mean) / sqrt(biased var + eps) over ``axes`` (the fused op); also the mean and biased
    variance (kept dims, no graph). ``form``: whose backward formula (ops/normalize.py)."""
    stats = {}
    y = Normalize.apply(x, axes=axes, eps=eps, form=form, stats=stats)
    return y, Tensor._wrap(stats["mean"]), Tensor._wrap(stats["var"])


def normalise_composed(x, axes, eps):
    """The same as ``_normalise`` from engine ops (mean, subtract, square, mean, sqrt, divide):
    the reference for the fused op."""
    mean = x.mean(axes, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(axes, keepdim=True)
    return centred / (var + eps).sqrt(), mean, var


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    op = "batch_norm"
    _check_tensor(op, input, 2)
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.numel() != channels:
            raise EngineError(f"{op}: {name} should contain {channels} elements not {t.numel()} (the input of "
                              f"shape {tuple(input.shape)} has {channels} channels on dim 1)")
    _check_vector(op, "weight", weight, (channels,))
    _check_vector(op, "bias", bias, (channels,))
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    count = input.numel() // max(channels, 1)
    if training:
        if count == 1:
            raise EngineError(f"{op}: Expected more than 1 value per channel when training, got input size "
                              f"{tuple(input.shape)}")
        y, mean, var = _normalise(input, axes, eps, "batch_norm")
        _update_running(running_mean, running_var, mean, var, momentum, count)
    else:
        if running_mean is None or running_var is None:
            raise EngineError(f"{op}: running_mean and running_var must be defined in evaluation mode "
                              "(training=False)")
        mean, var = running_mean.detach().reshape(shape), running_var.detach().reshape(shape)
        y = (input - mean) / (var + eps).sqrt()
    return _affine(y, weight, bias, shape)


def _update_running(running_mean, running_var, mean, var, momentum, count):
    """The in-place update of the running statistics (no graph; the unbiased variance)."""
    with no_grad():
        if running_mean is not None:
            new = running_mean * (1.0 - momentum) + mean.detach().reshape(-1).to(running_mean.dtype) * momentum
            running_mean.copy_(new)
        if running_var is not None:
            unbiased = var.detach().reshape(-1).to(running_var.dtype) * (count / (count - 1))
            running_var.copy_(running_var * (1.0 - momentum) + unbiased * momentum)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    op = "layer_norm"
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    _check_tensor(op, input, len(shape))
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise EngineError(f"{op}: Given normalized_shape={list(shape)}, expected input with shape "
                          f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    _check_vector(op, "weight", weight, shape)
    _check_vector(op, "bias", bias, shape)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    if not axes:  # normalized_shape=(): every element is its own group (torch gives 0 + bias)
        return _affine(input * 0.0, weight, bias, shape)
    y, _, _ = _normalise(input, axes, eps, "layer_norm")
    if weight is not None:  # torch's form of the weight's gradient (ops/normalize.py)
        y, weight = RowScale.apply(y, weight, input, axes=axes, eps=eps), None
    return _affine(y, weight, bias, shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    op = "group_norm"
    _check_tensor(op, input, 2)
    n, channels = input.shape[:2]
    if not isinstance(num_groups, (int, np.integer)) or num_groups <= 0 or channels % num_groups:
        raise EngineError(f"{op}: Expected number of channels in input to be divisible by num_groups, but got "
                          f"input of shape {list(input.shape)} and num_groups={num_groups}")
    _check_vector(op, "weight", weight, (channels,))
    _check_vector(op, "bias", bias, (channels,))
    grouped = input.reshape(n, num_groups, int(np.prod(input.shape[1:])) // num_groups)  # no -1: n may be 0
    y, _, _ = _normalise(grouped, (2,), eps, "group_norm")
    y = y.reshape(input.shape)
    if weight is not None:  # torch's form of the weight's gradient (ops/normalize.py)
        y, weight = GroupScale.apply(y, weight, input, groups=num_groups, eps=eps), None
    return _affine(y, weight, bias, (1, channels) + (1,) * (input.ndim - 2))
