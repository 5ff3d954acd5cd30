"""Moving a tensor between devices (CPU NumPy, GPU CuPy)."""
from ..autograd import Function
from ..backend import device_of, to_device


class ToDevice(Function):
    r"""$z = x$ on another device (CPU NumPy, GPU CuPy); $\bar x = \bar z$ copied back to x's device."""

    saves_inputs = False

    def forward(self, x, device):
        self.source = device_of(x)
        return to_device(x, device)

    def backward(self, g):
        return (g.to(self.source),)
