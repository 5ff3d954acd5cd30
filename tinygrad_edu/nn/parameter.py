"""``Parameter``, like torch's ``torch/nn/parameter.py``: the tensor type a Module registers as a
learnable weight."""
import numpy as np

from ..tensor import Tensor, as_array

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that a Module registers as a learnable weight (``requires_grad=True`` by default).

    ``Parameter(t)`` shares ``t``'s array, like torch. Ops on a Parameter give plain Tensors."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        self.array = data.array if isinstance(data, Tensor) else as_array(data, copy=False)
        self.grad, self._ctx, self._retains_grad, self.name = None, None, False, None
        self._vbox = self._base = None
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    @classmethod
    def _wrap(cls, array):  # the result of an op on a Parameter is a plain Tensor, as in torch
        return Tensor._wrap(array)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):  # copy.deepcopy / pickle
        return (Parameter, (Tensor._wrap(self.array.copy()), self.requires_grad))

    def __deepcopy__(self, memo):
        p = Parameter(self.array.copy(), self.requires_grad)
        memo[id(self)] = p
        return p
