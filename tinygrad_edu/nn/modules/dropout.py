"""Dropout layers (torch's ``torch/nn/modules/dropout.py``): ``F.dropout`` / ``F.dropout2d`` in
training mode, the identity in evaluation mode (``model.eval()``)."""
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout2d"]


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout(x, self.p, training=self.training, inplace=self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zeroes whole channels (N, C, H, W) -> each (n, c) plane with probability p, the rest scaled
    by 1/(1-p)."""

    def forward(self, x):
        return F.dropout2d(x, self.p, training=self.training, inplace=self.inplace)
