"""``LayerNorm`` and ``GroupNorm`` (torch's ``torch/nn/modules/normalization.py``): per-sample
normalisation, the same in training and evaluation (no running statistics). The maths is
``F.layer_norm`` / ``F.group_norm`` (nn/_functional/normalization.py)."""
import numbers

import numpy as np

from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm"]


def _affine_parameters(module, shape, affine, bias, dtype, device):
    dtype = dtype or np.float32
    if affine:
        module.weight = Parameter(creation.ones(*shape, dtype=dtype, device=device))
        module.bias = Parameter(creation.zeros(*shape, dtype=dtype, device=device)) if bias else None
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset(module):
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """Normalises over the trailing ``normalized_shape`` dims of each sample, then (with
    ``elementwise_affine``) scales and shifts elementwise."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else normalized_shape
        self.normalized_shape, self.eps = tuple(int(n) for n in shape), eps
        self.elementwise_affine, self.use_bias = elementwise_affine, bias
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype, device)

    def reset_parameters(self):
        _reset(self)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.use_bias}")


class GroupNorm(Module):
    """Normalises each sample's ``num_groups`` groups of ``num_channels / num_groups`` channels."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.use_bias = bias
        _affine_parameters(self, (num_channels,), affine, bias, dtype, device)

    def reset_parameters(self):
        _reset(self)

    def forward(self, x):
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.use_bias}"
