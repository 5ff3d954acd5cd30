"""``Conv2d`` and ``ConvTranspose2d`` (torch's ``torch/nn/modules/conv.py``).

``Conv2d(...)(x)`` is ``F.conv2d(x, weight, bias, ...)``: functional.py checks the input against
the weight once (channels, kernel size against the padded input, dtypes) and applies the fused op
of ``ops/conv.py``. Default initialisation is torch's: the weight ``kaiming_uniform_(a=sqrt(5))``
= U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and the bias from the same distribution, with torch's fan_in
(dim 1 of the weight times the kernel size: in_channels/groups * kh * kw for Conv2d,
out_channels/groups * kh * kw for ConvTranspose2d).
"""
import math

from ...errors import EngineError
from .. import functional as F
from .. import init
from .module import Module
from .utils import _as_pair, _zeros_parameter

__all__ = ["Conv2d", "ConvTranspose2d"]


class _ConvNd(Module):
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, output_padding, device, dtype):
        super().__init__()
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{type(self).__name__}: in_channels={in_channels} and out_channels={out_channels} "
                             f"must both be divisible by groups={groups}")
        if padding_mode != "zeros":
            raise ValueError(f"{type(self).__name__}: only padding_mode='zeros' is implemented, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = _as_pair(kernel_size), _as_pair(stride), _as_pair(dilation)
        self.padding = padding if isinstance(padding, str) else _as_pair(padding)
        self.output_padding, self.padding_mode = _as_pair(output_padding), padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = _zeros_parameter(*shape, dtype=dtype, device=device)
        self.bias = _zeros_parameter(out_channels, dtype=dtype, device=device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def forward(self, x, output_size=None):
        if output_size is not None:
            raise EngineError(f"{self!r}: output_size is not supported; set output_padding instead")
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)
