r"""torch's conv2d and conv_transpose2d written as the engine computes them (tinygrad_edu/ops/conv.py):
the columns of the zero-padded input (``F.unfold``) times the weight, one product per group, and
``F.fold`` (col2im) for the transposed convolution. These are the torch substitutes of the
deliberate difference "conv padding" (differential_deliberate.py): the padding's zeros are
multiplied like any input, so a NaN weight tap on the padding gives NaN (0 * NaN) in the output
and a NaN upstream gradient gives NaN in the weight gradient there, as in torch's float64 kernels,
its float32 im2col kernels and any torch conv of an input padded by F.pad, whereas oneDNN's
direct float32 kernels leave padded taps out. The input gradient (fold) sums only the (tap,
output) pairs that exist, as torch does (and unlike oneDNN's float32 brgconv_strided input
gradient, which adds NaN at positions no output reaches). torch's autograd through unfold, matmul
and fold gives the backward passes, second order included.
"""
import torch
from torch.nn.modules.utils import _pair

_F = torch.nn.functional


def _same_padding(x, weight, dilation):
    """``x`` zero-padded for padding="same" (torch's rule: the odd extra row/column at the end)."""
    total = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    return _F.pad(x, (total[1] // 2, total[1] - total[1] // 2, total[0] // 2, total[0] - total[0] // 2))


def conv2d_columns(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """conv2d: $y_g = W_g X_g$ with $X$ = unfold(x), the columns of the zero-padded input."""
    x = input if input.dim() == 4 else input.unsqueeze(0)
    stride, dilation = _pair(stride), _pair(dilation)
    if padding == "same":
        x, padding = _same_padding(x, weight, dilation), 0
    padding = (0, 0) if padding == "valid" else _pair(padding)
    o, cg, kh, kw = weight.shape
    oh, ow = ((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in
              zip(x.shape[2:], padding, dilation, (kh, kw), stride))
    cols = _F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    cols = cols.reshape(x.shape[0], groups, cg * kh * kw, oh * ow)
    y = (weight.reshape(groups, o // groups, cg * kh * kw) @ cols).reshape(x.shape[0], o, oh, ow)
    y = y if bias is None else y + bias.reshape(1, -1, 1, 1)
    return y if input.dim() == 4 else y.squeeze(0)


def conv_transpose2d_columns(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                             dilation=1):
    """conv_transpose2d: columns $W_g^T y_g$, added into the image by fold (col2im)."""
    y = input if input.dim() == 4 else input.unsqueeze(0)
    stride, padding, dilation, output_padding = map(_pair, (stride, padding, dilation, output_padding))
    cin, cog, kh, kw = weight.shape
    n, _, h, w = y.shape
    out_hw = tuple((m - 1) * s - 2 * p + d * (k - 1) + e + 1 for m, s, p, d, k, e in
                   zip((h, w), stride, padding, dilation, (kh, kw), output_padding))
    wt = weight.reshape(groups, cin // groups, cog * kh * kw).transpose(1, 2)
    cols = (wt @ y.reshape(n, groups, cin // groups, h * w)).reshape(n, groups * cog * kh * kw, h, w)
    # an output_padding of a stride or more (allowed below the dilation) makes blocks no input
    # reaches: zero columns there (added, not multiplied)
    blocks = [(m + 2 * p - d * (k - 1) - 1) // s + 1 for m, p, d, k, s in
              zip(out_hw, padding, dilation, (kh, kw), stride)]
    cols = _F.pad(cols, (0, blocks[1] - w, 0, blocks[0] - h)).reshape(n, groups * cog * kh * kw, -1)
    out = _F.fold(cols, out_hw, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = out if bias is None else out + bias.reshape(1, -1, 1, 1)
    return out if input.dim() == 4 else out.squeeze(0)
