"""The layers and loss modules, thin wrappers around ``tinygrad_edu.nn.functional``.

Each layer checks what it is given before calling the functional op, so a wrong input names the
layer (its repr), what it expected and what it got; ``Module.__call__`` adds the layer's path in
the model (``GalaxyCNN.fc1``). Default initialisation follows torch's distributions exactly:
weights ``kaiming_uniform_(a=sqrt(5))`` = U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and biases
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), with torch's fan_in (dim 1 of the weight times the kernel size:
in_channels/groups * kh * kw for Conv2d, out_channels/groups * kh * kw for ConvTranspose2d).
"""
import math

import numpy as np

from .. import creation
from ..autograd import EngineError
from . import init
from .modules import Module, Parameter


class _LazyFunctional:
    """``F.name`` resolved at call time, so this package imports before functional.py exists."""

    def __getattr__(self, name):
        from . import functional
        return getattr(functional, name)


F = _LazyFunctional()


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _empty(*shape, dtype=None, device=None):
    return Parameter(creation.zeros(*shape, dtype=dtype or np.float32, device=device))


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
        self.weight = _empty(out_features, in_features, dtype=dtype, device=device)
        self.bias = _empty(out_features, dtype=dtype, device=device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise EngineError(f"{self!r}: expected an input whose last dimension is in_features="
                              f"{self.in_features}, got an input of shape {tuple(x.shape)}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


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
        self.kernel_size, self.stride, self.dilation = _pair(kernel_size), _pair(stride), _pair(dilation)
        self.padding = padding if isinstance(padding, str) else _pair(padding)
        self.output_padding, self.padding_mode = _pair(output_padding), padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = _empty(*shape, dtype=dtype, device=device)
        self.bias = _empty(out_channels, dtype=dtype, device=device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x):
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise EngineError(f"{self!r}: expected an input of shape (N, {self.in_channels}, H, W) or "
                              f"({self.in_channels}, H, W) with in_channels={self.in_channels}, "
                              f"got an input of shape {tuple(x.shape)}")
        if not self.transposed and not isinstance(self.padding, str):
            for size, k, p, d, axis in zip(x.shape[-2:], self.kernel_size, self.padding, self.dilation, "HW"):
                if size + 2 * p < d * (k - 1) + 1:
                    raise EngineError(f"{self!r}: the kernel ({d * (k - 1) + 1} wide along {axis}, dilation "
                                      f"included) is larger than the padded input ({size} + 2*{p} = "
                                      f"{size + 2 * p}); input shape {tuple(x.shape)}")

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


def _batched(layer, x, run):
    """Run a 4-D op on a 3-D (unbatched) input too, like torch."""
    if x.ndim == 3:
        return run(x.unsqueeze(0)).squeeze(0)
    return run(x)


class Conv2d(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, x):
        self._check_input(x)
        return _batched(self, x, lambda x4: F.conv2d(x4, self.weight, self.bias, self.stride, self.padding,
                                                     self.dilation, self.groups))


class ConvTranspose2d(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def forward(self, x, output_size=None):
        if output_size is not None:
            raise EngineError(f"{self!r}: output_size is not supported; set output_padding instead")
        self._check_input(x)
        return _batched(self, x, lambda x4: F.conv_transpose2d(
            x4, self.weight, self.bias, self.stride, self.padding, self.output_padding, self.groups, self.dilation))


class Upsample(Module):
    """Nearest-neighbour upsampling by an integer factor (or to a size that is an integer multiple)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: only mode='nearest' is implemented, got mode={mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        if scale_factor is not None:
            factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,)
            for f in factors:
                if float(f) != int(f) or f < 1:
                    raise ValueError(f"Upsample: scale_factor must be a positive integer for mode='nearest' "
                                     f"in this engine, got scale_factor={scale_factor!r}")
            scale_factor = (tuple(float(f) for f in scale_factor) if isinstance(scale_factor, (tuple, list))
                            else float(scale_factor))
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners

    def forward(self, x):
        if self.scale_factor is None:
            return F.interpolate(x, size=self.size, mode=self.mode)
        scale = (tuple(int(f) for f in self.scale_factor) if isinstance(self.scale_factor, tuple)
                 else int(self.scale_factor))
        return F.interpolate(x, scale_factor=scale, mode=self.mode)

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        dim = self.dim % x.ndim
        if int(np.prod(self.unflattened_size)) != x.shape[dim] and -1 not in self.unflattened_size:
            raise EngineError(f"{self!r}: dim {self.dim} of the input has size {x.shape[dim]}, which does not "
                              f"match unflattened_size={self.unflattened_size} (product "
                              f"{int(np.prod(self.unflattened_size))}); input shape {tuple(x.shape)}")
        return x.reshape(x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


# The activations, pooling, dropout and loss modules now live in files named like torch's; these
# names stay importable from here.
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh  # noqa: E402,F401
from .dropout import Dropout  # noqa: E402,F401
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss  # noqa: E402,F401
from .pooling import AvgPool2d, MaxPool2d  # noqa: E402,F401
