"""``Flatten`` and ``Unflatten`` (torch's ``torch/nn/modules/flatten.py``): reshapes, no parameters."""
import numpy as np

from ...errors import EngineError
from .module import Module

__all__ = ["Flatten", "Unflatten"]


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
