r"""Adaptive pooling as functions (``F.adaptive_avg_pool2d``, ``F.adaptive_max_pool2d``).

Adaptive pooling cuts each spatial axis of length $H$ into $O$ windows, window $i$ covering
$[\lfloor iH/O \rfloor, \lceil (i+1)H/O \rceil)$ (torch's formula: windows may overlap and differ
in length).

- average: the op pair of ``ops/adaptive_pool.py`` (the window's sum divided by its two lengths,
  as torch's kernel rounds it; its adjoint spreads each window's share back), and an output of
  1 x 1 is the mean over the plane, torch's shortcut;
- max: when $O$ divides $H$ on both axes the windows are a plain pooling grid (kernel = stride
  = $H/O$) and the fused max pooling op runs; otherwise every window is gathered into a $(k_h, k_w)$ block of the largest window size (positions
  past a window's end are masked to $-\infty$) and reduced with ``max(dim)``, whose gradient goes
  to the first maximum in row-major order, like torch's.
"""
import numbers

import numpy as np

from ...errors import EngineError, EngineTypeError
from ...ops.adaptive_pool import AdaptiveAvgPool2d
from ...tensor import Tensor
from ..functional import max_pool2d

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d"]


def _output_size(op, input, output_size):
    if not isinstance(input, Tensor):
        raise EngineTypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise EngineError(f"{op}(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    if any(n == 0 for n in input.shape[-3:]):
        raise EngineError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                          f"has sizes {list(input.shape)}")
    pair = (output_size, output_size) if output_size is None or isinstance(output_size, numbers.Integral) \
        else tuple(output_size)
    if len(pair) != 2:
        raise EngineError(f"{op}: output_size must be an int, None or a pair, got {output_size!r}")
    out = tuple(int(n) if o is None else o for o, n in zip(pair, input.shape[-2:]))
    if not all(isinstance(o, numbers.Integral) and o >= 0 for o in out):
        raise EngineError(f"{op}: output_size must be non-negative ints (or None), got {output_size!r}")
    return out


def _adaptive_windows(size, out):
    """(start, end) of each of ``out`` adaptive windows over ``size`` elements."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def adaptive_avg_pool2d(input, output_size):
    oh, ow = _output_size("adaptive_avg_pool2d", input, output_size)
    if (oh, ow) == (1, 1):  # torch's shortcut: the mean over the plane (rounded as mean rounds)
        return input.mean((-2, -1), keepdim=True)
    h, w = input.shape[-2:]
    return AdaptiveAvgPool2d.apply(input, rows=_adaptive_windows(h, oh), cols=_adaptive_windows(w, ow))


def _gather_index(size, out):
    """Per window, the positions of its block (clipped to the window) and which of them are real."""
    windows = _adaptive_windows(size, out)
    k = max([end - start for start, end in windows] + [1])
    pos = np.array([[min(start + r, end - 1) for r in range(k)] for start, end in windows], dtype=np.int64)
    real = np.array([[start + r < end for r in range(k)] for start, end in windows], dtype=bool)
    return pos.reshape(out, k), real.reshape(out, k), k


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over each adaptive window; ``return_indices=True`` also gives each maximum's flat index
    ``h * W + w`` in its input plane (int64), like torch."""
    oh, ow = _output_size("adaptive_max_pool2d", input, output_size)
    h, w = input.shape[-2:]
    if not return_indices and oh and ow and h % oh == 0 and w % ow == 0:
        return max_pool2d(input, (h // oh, w // ow))
    x, xp = (input.unsqueeze(0) if input.ndim == 3 else input), input._xp
    rows, real_rows, kh = _gather_index(h, oh)
    cols, real_cols, kw = _gather_index(w, ow)
    rows, cols = xp.asarray(rows[:, None, :, None]), xp.asarray(cols[None, :, None, :])
    blocks = x[:, :, rows, cols]  # (N, C, oh, ow, kh, kw)
    real = xp.asarray(real_rows[:, None, :, None] & real_cols[None, :, None, :])
    flat = blocks.where(real, float("-inf")).reshape(x.shape[:2] + (oh, ow, kh * kw))
    values, pick = flat.max(dim=-1)
    if input.ndim == 3:
        values, pick = values.squeeze(0), pick.squeeze(0)
    if not return_indices:
        return values
    plane = (rows * w + cols).reshape(oh, ow, kh * kw)  # each block position's flat index h * W + w
    k = pick.array
    index = plane[xp.arange(oh)[:, None], xp.arange(ow)[None, :], k] if k.size else k
    return values, Tensor._wrap(index.astype(np.int64))
