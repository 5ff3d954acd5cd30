"""Weight initialisation, with torch.nn.init's names, arguments and distributions.

Every function fills a tensor IN PLACE (its ``.array``), records no graph and returns the tensor,
like torch's. Random numbers come from the engine's seeded generator (``te.manual_seed``), drawn on
the CPU and moved to the tensor's device, so one seed gives the same weights on every device.

The default initialisation of ``Linear`` and ``Conv2d`` is ``kaiming_uniform_(w, a=sqrt(5))``:
gain = sqrt(2 / (1 + a^2)) = sqrt(1/3), std = gain / sqrt(fan_in), bound = sqrt(3) std, so the weights
are U(-1/sqrt(fan_in), 1/sqrt(fan_in)) -- the same distribution torch uses.
"""
import math

import numpy as np

from .. import creation
from ..backend import to_device

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]


def _fill(tensor, array):
    tensor.array[...] = to_device(np.asarray(array, dtype=tensor.dtype), tensor.device)
    tensor._changed_in_place()
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    """torch's rule: dim 1 is fan-in, dim 0 fan-out, both times the receptive field (dims 2:).

    For ConvTranspose2d, whose weight is (in, out/groups, kh, kw), this gives fan_in = out/groups *
    kh * kw, which is what torch uses for it too."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out can not be computed for a tensor with fewer than 2 dimensions "
                         f"(shape {tuple(tensor.shape)})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def calculate_gain(nonlinearity, param=None):
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return _fill(tensor, creation.rng_of(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    return _fill(tensor, creation.rng_of(generator).normal(mean, std, tensor.shape))


def constant_(tensor, val):
    tensor.array[...] = val
    tensor._changed_in_place()
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0)


def ones_(tensor):
    return constant_(tensor, 1)


def eye_(tensor):
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
