"""``F.unfold`` and ``F.fold``: the argument checks, with torch's errors, of the ops of
``ops/fold.py``. ``unfold`` copies the sliding (kh, kw) blocks of an image into columns; ``fold``
adds columns back into an image, overlaps summed, and is unfold's adjoint (each op's gradient is
the other)."""
import math

from ...errors import EngineError
from ...ops import fold as FO
from ...tensor import Tensor
from ..functional import _checked_pair

__all__ = ["unfold", "fold"]


def _geometry(op, kernel_size, dilation, padding, stride):
    return (_checked_pair(kernel_size, "kernel_size", op, 1), _checked_pair(dilation, "dilation", op, 1),
            _checked_pair(padding, "padding", op, 0), _checked_pair(stride, "stride", op, 1))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding (kh, kw) blocks of an (N, C, H, W) (or unbatched (C, H, W)) input as columns:
    (N, C kh kw, L), L the number of blocks."""
    op = "unfold"
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        raise EngineError(f"{op}: Input Error: Only 3D or 4D input Tensors are supported (got "
                          f"{getattr(input, 'ndim', type(input).__name__)}D)")
    kernel, dilation, padding, stride = _geometry(op, kernel_size, dilation, padding, stride)
    x = input.unsqueeze(0) if input.ndim == 3 else input
    blocks = FO.blocks(x.shape[2:], kernel, stride, padding, dilation)
    if min(blocks) < 1:
        raise EngineError(f"{op}: Given input with spatial size {tuple(x.shape[2:])}, kernel_size={kernel}, "
                          f"dilation={dilation}, padding={padding}, calculated shape of the array of sliding "
                          f"blocks as {blocks}, but its components must be at least one.")
    out = FO.Unfold.apply(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return out.squeeze(0) if input.ndim == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns (N, C kh kw, L) (or unbatched (C kh kw, L)) added back into an (N, C, *output_size)
    image, overlaps summed: the adjoint of unfold."""
    op = "fold"
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise EngineError(f"{op}: Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                          f"(got {getattr(input, 'ndim', type(input).__name__)}D)")
    size = _checked_pair(output_size, "output_size", op, 1)
    kernel, dilation, padding, stride = _geometry(op, kernel_size, dilation, padding, stride)
    x = input.unsqueeze(0) if input.ndim == 2 else input
    if x.shape[1] % (kernel[0] * kernel[1]):
        raise EngineError(f"{op}: Expected size of input's dimension 1 to be divisible by the product of "
                          f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size={kernel}.")
    blocks = FO.blocks(size, kernel, stride, padding, dilation)
    if min(blocks) < 1 or x.shape[2] != math.prod(blocks):
        raise EngineError(f"{op}: Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                          f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match "
                          f"the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                          f"{math.prod(blocks)}, but got input.size(2)={x.shape[2]}.")
    out = FO.Fold.apply(x, output_size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return out.squeeze(0) if input.ndim == 2 else out
