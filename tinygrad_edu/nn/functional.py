"""torch's ``torch.nn.functional``, ``F``: every layer, activation, norm and loss as a function, with
PyTorch's names and argument order (``import tinygrad_edu.nn.functional as F``). Every ``F``
function is importable from here; each checks its arguments once, before any work, and the
errors name the function, what was expected and what was given.

Written in this file: linear, conv2d, conv_transpose2d, max_pool2d, avg_pool2d, interpolate,
upsample_nearest, pad, dropout, dropout2d, relu, sigmoid, tanh, softmax, log_softmax, one_hot.
Linear, convolution and pooling apply the fused ops of ``ops/linear.py``, ``ops/conv.py`` and
``ops/pool.py``. Written in the private package ``nn/_functional/`` (re-exported here):

- ``activation.py``: leaky_relu, elu, celu, gelu, silu, mish, softplus, hardtanh, relu6, hardswish,
  softsign (the ops of ``ops/activation.py`` where a composition would not give torch's gradient);
- ``normalization.py``: batch_norm, layer_norm, group_norm;
- ``pooling.py``: adaptive_avg_pool2d, adaptive_max_pool2d;
- ``fold.py``: unfold, fold (the ops of ``ops/fold.py``);
- ``sparse.py``: embedding;
- ``loss.py``: cross_entropy, nll_loss, binary_cross_entropy(_with_logits), mse_loss, l1_loss,
  smooth_l1_loss, huber_loss, kl_div, info_nce_loss and circular_angle_loss;
  ``distance.py``: cosine_similarity and normalize.

Everything not a fused op is composed from engine ops, so its gradient (and gradient of gradient)
comes from theirs.
"""
import numbers
import warnings

import numpy as np

from .. import creation
from ..errors import EngineError, EngineTypeError
from ..creation import pad  # noqa: F401  (F.pad, torch's convention: pairs from the last dim)
from ..ops import conv as C
from ..ops import linear as L
from ..ops import pool as P
from ..tensor import Tensor

__all__ = ["linear", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "interpolate",
           "upsample_nearest", "pad", "dropout", "dropout2d", "relu", "sigmoid", "tanh", "softmax",
           "log_softmax", "one_hot"]


_CONVERT = "(convert with tinygrad_edu.tensor(...) first)"


def _checked_pair(value, name, op, minimum):
    """An int or a pair of ints as an (h, w) tuple, each at least ``minimum``."""
    try:
        pair = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    except TypeError:  # a float, None, ...: not an int and not a pair
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and v >= minimum for v in pair):
        raise EngineError(f"{op}: {name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _batched(input, op):
    """(N, C, H, W) input, and whether it was an unbatched (C, H, W) one (torch accepts both)."""
    if not isinstance(input, Tensor):
        raise EngineTypeError(f"{op}: expected a Tensor input, got {type(input).__name__} {_CONVERT}")
    if input.ndim == 3:
        return input.unsqueeze(0), True
    if input.ndim != 4:
        raise EngineError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}")
    return input, False


def _check_floats(op, *tensors):
    """Input, weight and bias (where given) share one floating dtype, as torch requires."""
    dtypes = {t.dtype for t in tensors if t is not None}
    if len(dtypes) > 1 or any(d.kind != "f" for d in dtypes):
        raise EngineTypeError(f"{op}: input, weight and bias must share one floating dtype, got "
                              + ", ".join(str(t.dtype) for t in tensors if t is not None))


def _check_fits(op, input, kernel, padding, dilation):
    """The kernel, dilation included, must fit in the padded (N, C, H, W) input along H and W."""
    for axis, (k, p, d) in enumerate(zip(kernel, padding, dilation)):
        size, extent = input.shape[2 + axis], d * (k - 1) + 1
        if extent > size + 2 * p:
            raise EngineError(f"{op}: the kernel ({'x'.join(map(str, kernel))}, dilation {dilation}) spans {extent} "
                              f"along {'HW'[axis]}, larger than the padded input ({size} + 2*{p} = {size + 2 * p}); "
                              f"input shape {tuple(input.shape)}, padding {padding}")


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` (weight is (out_features, in_features), like torch)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor) or not isinstance(bias, (Tensor, type(None))):
        raise EngineTypeError(f"linear: expected Tensor input, weight and bias, got {type(input).__name__}, "
                              f"{type(weight).__name__} and {type(bias).__name__} {_CONVERT}")
    x, w = input.array, weight.array  # (the raw arrays: these checks run at every call)
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[-1]:
        raise EngineError(f"linear: input has {x.shape[-1] if x.ndim else 0} features (shape "
                          f"{tuple(x.shape)}) but the weight of shape {tuple(w.shape)} expects "
                          f"in_features={w.shape[-1]}")
    if bias is not None and bias.array.shape != w.shape[:1]:
        raise EngineError(f"linear: bias of shape {tuple(bias.shape)} does not match out_features={w.shape[0]}")
    if x.dtype != w.dtype or x.dtype.kind != "f" or (bias is not None and bias.array.dtype != x.dtype):
        _check_floats("linear", input, weight, bias)
    return L.Linear.apply(input, weight) if bias is None else L.Linear.apply(input, weight, bias)


def _conv_args(op, input, weight, bias, stride, dilation, groups, transposed):
    """Checks shared by conv2d and conv_transpose2d; returns (x, unbatched, stride, dilation)."""
    x, unbatched = _batched(input, op)
    _check_floats(op, x, weight, bias)
    layout = "(in, out/groups, kh, kw)" if transposed else "(out, in/groups, kh, kw)"
    if weight.ndim != 4:
        raise EngineError(f"{op}: expected a 4-D weight {layout}, got {tuple(weight.shape)}")
    if not isinstance(groups, numbers.Integral) or groups < 1 or weight.shape[0] % groups:
        raise EngineError(f"{op}: groups={groups!r} must be a positive int dividing weight.shape[0]={weight.shape[0]}")
    channels, out_channels = (weight.shape[0], weight.shape[1] * groups) if transposed else \
        (weight.shape[1] * groups, weight.shape[0])
    if x.shape[1] != channels:
        raise EngineError(f"{op}: given groups={groups} and a weight of shape {tuple(weight.shape)}, expected an "
                          f"input with {channels} channels (in_channels={channels}), but the input of shape "
                          f"{tuple(input.shape)} has {x.shape[1]} channels")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise EngineError(f"{op}: bias of shape {tuple(bias.shape)} does not match out_channels={out_channels}")
    return x, unbatched, _checked_pair(stride, "stride", op, 1), _checked_pair(dilation, "dilation", op, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation (torch's conv2d); ``padding`` may be an int, a pair, "valid" or "same"."""
    x, unbatched, stride, dilation = _conv_args("conv2d", input, weight, bias, stride, dilation, groups, False)
    if padding == "valid":
        padding = 0
    elif padding == "same":
        if stride != (1, 1):
            raise EngineError(f"conv2d: padding='same' needs stride 1, got stride {stride}")
        total = [d * (k - 1) for k, d in zip(weight.shape[2:], dilation)]
        if any(t % 2 for t in total):  # torch puts the odd extra row/column at the end
            x = pad(x, (0, total[1] % 2, 0, total[0] % 2))
        padding = (total[0] // 2, total[1] // 2)
    padding = _checked_pair(padding, "padding", "conv2d", 0)
    _check_fits("conv2d", x, weight.shape[2:], padding, dilation)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = C.Conv2d.apply(*inputs, stride=stride, padding=padding, dilation=dilation, groups=int(groups))
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (torch's conv_transpose2d, the input-gradient of conv2d); weight is
    (in_channels, out_channels/groups, kh, kw); output size (H-1)s - 2p + d(k-1) + output_padding + 1."""
    op = "conv_transpose2d"
    x, unbatched, stride, dilation = _conv_args(op, input, weight, bias, stride, dilation, groups, True)
    padding = _checked_pair(padding, "padding", op, 0)
    output_padding = _checked_pair(output_padding, "output_padding", op, 0)
    if any(o >= s and o >= d for o, s, d in zip(output_padding, stride, dilation)):
        raise EngineError(f"{op}: output_padding {output_padding} must be smaller than either stride {stride} "
                          f"or dilation {dilation}")
    out_hw = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                   zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding))
    if min(out_hw) < 1:
        raise EngineError(f"{op}: the output size {out_hw} is not positive (input {tuple(x.shape)}, weight "
                          f"{tuple(weight.shape)}, stride {stride}, padding {padding})")
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = C.ConvTranspose2d.apply(*inputs, out_hw=out_hw, stride=stride, padding=padding, dilation=dilation,
                                  groups=int(groups))
    return out.squeeze(0) if unbatched else out


def _pool_windows(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    """The checked geometry of a pooling of the (N, C, H, W) input ``x``; stride defaults to the kernel."""
    if ceil_mode:
        raise EngineError(f"not supported in tinygrad_edu: {op} with ceil_mode=True")
    kernel = _checked_pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None or stride == [] or stride == () else _checked_pair(stride, "stride", op, 1)
    padding, dilation = _checked_pair(padding, "padding", op, 0), _checked_pair(dilation, "dilation", op, 1)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise EngineError(f"{op}: padding {padding} should be at most half of the kernel size {kernel}")
    _check_fits(op, x, kernel, padding, dilation)
    return P._Windows(x.shape, kernel, stride, padding, dilation)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows (padding counts as -inf); stride defaults to the kernel size. The gradient goes
    to the first maximum of each window in row-major order, like torch."""
    if return_indices:
        raise EngineError("not supported in tinygrad_edu: max_pool2d with return_indices=True")
    x, unbatched = _batched(input, "max_pool2d")
    windows = _pool_windows("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    out = P.MaxPool2d.apply(x, windows=windows)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows; with ``count_include_pad=True`` (torch's default) the zero padding counts."""
    x, unbatched = _batched(input, "avg_pool2d")
    windows = _pool_windows("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    kh, kw = windows.kernel
    if divisor_override is not None:
        out = P.WindowGather.apply(x, windows=windows, masks=None, scale=1.0 / divisor_override)
    elif count_include_pad or windows.padding == (0, 0):
        out = P.WindowGather.apply(x, windows=windows, masks=None, scale=1.0 / (kh * kw))
    else:  # divide by the number of real (unpadded) elements in each window
        ones = Tensor._wrap(x._xp.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype))
        count = P.WindowGather.apply(ones, windows=P._Windows(ones.shape, *windows.geometry), masks=None, scale=1.0)
        out = P.WindowGather.apply(x, windows=windows, masks=None, scale=1.0) / count
    return out.squeeze(0) if unbatched else out


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Nearest-neighbour upsampling of an (N, C, H, W) tensor by integer factors: every pixel becomes a
    kh x kw block, and the gradient sums over each block."""
    op = "interpolate"
    if mode != "nearest":
        raise EngineError(f"not supported in tinygrad_edu: {op} with mode={mode!r} (only mode='nearest')")
    if getattr(input, "ndim", 0) != 4:  # torch reads a 3-D input as (N, C, L): 1-D resizing
        raise EngineError(f"{op}: only 4-D (N, C, H, W) inputs are supported, got shape "
                          f"{tuple(getattr(input, 'shape', ()))}")
    x, h, w = input, input.shape[2], input.shape[3]
    if (size is None) == (scale_factor is None):
        raise EngineError(f"{op}: give exactly one of size and scale_factor (got size={size!r}, "
                          f"scale_factor={scale_factor!r})")
    if size is not None:
        size = _checked_pair(size, "size", op, 1)
        if size[0] % h or size[1] % w:
            raise EngineError(f"{op}: size {size} is not an integer multiple of the input size {(h, w)}; only "
                              "integer scale factors are supported")
        kh, kw = size[0] // h, size[1] // w
    else:
        kh, kw = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor, scale_factor)
        if not all(isinstance(k, numbers.Real) and not isinstance(k, bool) and k >= 1 and float(k) == int(k)
                   for k in (kh, kw)):
            raise EngineError(f"{op}: only positive integer scale factors are supported for nearest upsampling, "
                              f"got scale_factor={scale_factor!r}")
        kh, kw = int(kh), int(kw)
    # pixel (p, q) fills the block (p*kh.., q*kw..): a window scatter with kernel = stride = scale,
    # whose adjoint (the gradient) sums each block: a window gather (faster than reshape-and-sum)
    windows = P._Windows(x.shape[:2] + (h * kh, w * kw), (kh, kw), (kh, kw), (0, 0), (1, 1))
    return P.WindowScatter.apply(x, windows=windows, masks=None, scale=1.0)


def upsample_nearest(input, size=None, scale_factor=None):
    """``torch.nn.functional.upsample_nearest`` (an alias of ``interpolate(mode="nearest")``)."""
    return interpolate(input, size, scale_factor, mode="nearest")


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p), so the
    expectation is unchanged; the identity when not training. Draws from the engine's seeded generator."""
    if not 0 <= p <= 1:
        raise EngineError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return _masked("dropout_", input, None, inplace)
    keep = creation.default_generator().random(input.shape) >= p
    return _masked("dropout_", input, (keep * (1.0 / (1.0 - p))).astype(input.dtype), inplace)


def _masked(op, input, mask, inplace):
    """``input * mask`` (a NumPy array of 0 and 1/(1-p); None for all zeros), written into input's
    storage with ``inplace=True`` (torch's in-place rules: tensor_inplace.py)."""
    def compute(x):
        return x * 0.0 if mask is None else x * Tensor._wrap(x._xp.asarray(mask))
    return input._inplace(op, compute) if inplace else compute(input)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout: zero each whole channel ``input[n, c]`` with probability p, scale the rest by
    1/(1-p). Like torch, a 3-D input is read as (N, C, L) (with torch's warning), and other ranks
    but 4 are deprecated (warned) but dropped out along dims 0 and 1 all the same."""
    if not 0 <= p <= 1:
        raise EngineError(f"dropout2d: dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim. Use dropout1d for that behaviour.", stacklevel=2)
    elif input.ndim != 4:
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release (torch's warning).", stacklevel=2)
    if not training or p == 0:
        return input
    if input.ndim < 2:
        raise EngineError(f"dropout2d: Feature dropout requires at least 2 dimensions in the input, got shape "
                          f"{tuple(input.shape)}")
    if p == 1:
        return _masked("feature_dropout_", input, None, inplace)
    keep = creation.default_generator().random(input.shape[:2]) >= p
    mask = (keep * (1.0 / (1.0 - p))).astype(input.dtype).reshape(input.shape[:2] + (1,) * (input.ndim - 2))
    return _masked("feature_dropout_", input, mask, inplace)


def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def softmax(input, dim=None, dtype=None):
    if dim is None:
        raise EngineError("not supported in tinygrad_edu: softmax without dim (torch's implicit choice of dim is "
                          "deprecated); pass dim explicitly")
    return (input if dtype is None else input.to(dtype)).softmax(dim)


def log_softmax(input, dim=None, dtype=None):
    if dim is None:
        raise EngineError("not supported in tinygrad_edu: log_softmax without dim (torch's implicit choice of dim "
                          "is deprecated); pass dim explicitly")
    return (input if dtype is None else input.to(dtype)).log_softmax(dim)


def one_hot(tensor, num_classes=-1):
    """int64 tensor with a trailing axis of length num_classes (max + 1 when -1), like torch."""
    if tensor.dtype.kind not in "iu":
        raise EngineTypeError(f"one_hot: expected an integer (class index) tensor, got {tensor.dtype}")
    xp, data = tensor._xp, tensor.array
    if num_classes == -1:
        num_classes = int(data.max()) + 1 if data.size else 0
    if data.size and (int(data.min()) < 0 or int(data.max()) >= num_classes):
        raise EngineError(f"one_hot: class values must be in [0, {num_classes}), got min {int(data.min())} and "
                          f"max {int(data.max())}")
    return Tensor._wrap((data[..., None] == xp.arange(num_classes)).astype(np.int64))


# The functions written in nn/_functional/ (imported last: they use _checked_pair and max_pool2d).
from ._functional.activation import *  # noqa: E402,F401,F403
from ._functional.activation import __all__ as _activation_names  # noqa: E402
from ._functional.distance import cosine_similarity, normalize  # noqa: E402,F401
from ._functional.fold import fold, unfold  # noqa: E402,F401
from ._functional.loss import *  # noqa: E402,F401,F403
from ._functional.loss import __all__ as _loss_names  # noqa: E402
from ._functional.normalization import batch_norm, group_norm, layer_norm  # noqa: E402,F401
from ._functional.pooling import adaptive_avg_pool2d, adaptive_max_pool2d  # noqa: E402,F401
from ._functional.sparse import embedding  # noqa: E402,F401

__all__ += _loss_names + _activation_names + ["cosine_similarity", "normalize", "batch_norm", "layer_norm", "group_norm", "adaptive_avg_pool2d",
                                              "adaptive_max_pool2d", "unfold", "fold", "embedding"]
