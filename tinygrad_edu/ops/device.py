"""Moving a tensor between devices (CPU NumPy, GPU CuPy)."""
from ..autograd import Function
from ..backend import device_of, to_device


class ToDevice(Function):
    """Copy between CPU and GPU; the gradient goes back to the input's device."""

    saves_inputs = False

    def forward(self, x, device):
        self.source = device_of(x)
        return to_device(x, device)

    def backward(self, g):
        return (g.to(self.source),)
