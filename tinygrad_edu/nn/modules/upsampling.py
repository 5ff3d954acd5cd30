"""``Upsample`` (torch's ``torch/nn/modules/upsampling.py``): ``F.interpolate`` as a layer, nearest
neighbour only, by an integer factor (or to a size that is an integer multiple of the input's)."""
from .. import functional as F
from .module import Module

__all__ = ["Upsample"]


class Upsample(Module):
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
