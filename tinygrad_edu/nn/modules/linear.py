"""``Identity`` and ``Linear`` (torch's ``torch/nn/modules/linear.py``).

Linear's default initialisation is torch's: the weight ``kaiming_uniform_(a=sqrt(5))``, which is
U(-1/sqrt(in_features), 1/sqrt(in_features)), and the bias from the same distribution. Its
forward is ``F.linear``, which checks the input and applies the fused op of ``ops/linear.py``.
"""
import math

from ...errors import EngineError
from .. import functional as F
from .. import init
from .module import Module
from .utils import _zeros_parameter

__all__ = ["Identity", "Linear"]


class Identity(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features), like torch."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        if min(in_features, out_features) < 0:
            raise EngineError(f"Linear: in_features={in_features} and out_features={out_features} must be >= 0")
        self.in_features, self.out_features = in_features, out_features
        self.weight = _zeros_parameter(out_features, in_features, dtype=dtype, device=device)
        self.bias = _zeros_parameter(out_features, dtype=dtype, device=device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
