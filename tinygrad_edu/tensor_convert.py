"""The conversion methods of ``Tensor``: to Python values and NumPy (``item``, ``tolist``,
``numpy``, ``float(x)``, ``bool(x)``), to another dtype or device (``to``, ``float``, ``cuda``, ...),
new tensors like this one (``new_zeros``, ...) and copies (``clone``, ``contiguous``). It relies on
the Tensor core for ``array``, ``shape``, ``dtype``, ``device`` and ``_wrap``."""
import numpy as np

from . import autograd
from .errors import EngineError
from .backend import array_module, device_of, parse_device, to_numpy
from .ops import elementwise as E
from .ops.device import ToDevice

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int32, int64, bool_ = np.dtype("int32"), np.dtype("int64"), np.dtype("bool")


def to_arguments(args, dtype=None, device=None):
    """(dtype, device) from the positional arguments of ``.to(...)``: a dtype, a device name or
    object, or a tensor whose dtype and device to take (shared by Tensor.to and Module.to)."""
    for a in args:
        if isinstance(a, ConversionMethods):
            dtype, device = a.dtype, a.device
        elif isinstance(a, str) or isinstance(getattr(a, "type", None), str):  # a name or a torch.device
            device = a
        else:
            dtype = a
    return dtype, device


class ConversionMethods:
    """The conversion methods of a Tensor (a mixin: see the module docstring)."""

    __slots__ = ()

    def item(self):
        if self.array.size != 1:
            raise EngineError(f"item: only a tensor with one element can be converted to a Python "
                              f"number, this one has shape {tuple(self.shape)}")
        return self.array.reshape(()).item()

    def __float__(self):
        """``float(x)`` of a one-element tensor."""
        return float(self.item())

    def __int__(self):
        """``int(x)`` of a one-element tensor."""
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor with {self.array.size} elements (shape "
                               f"{tuple(self.shape)}) is ambiguous; use .any() or .all()")
        return bool(self.item())

    def tolist(self):
        return to_numpy(self.array).tolist()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        if self.device != "cpu":
            raise TypeError("numpy: the tensor is on cuda; copy it to the CPU first with .cpu()")
        return self.array

    def __array__(self, dtype=None, copy=None):
        array = to_numpy(self.array)
        return array if dtype is None else array.astype(dtype)

    # ----- dtype and device ----------------------------------------------------------------
    def to(self, *args, dtype=None, device=None):
        """``to(dtype)``, ``to(device)``, ``to(other_tensor)``, or keywords, like torch."""
        dtype, device = to_arguments(args, dtype, device)
        out = self
        if device is not None and device_of(self.array) != parse_device(device, "to"):
            out = ToDevice.apply(out, device=device)
        if dtype is not None and np.dtype(dtype) != out.dtype:
            out = E.Cast.apply(out, dtype=np.dtype(dtype))
        return out

    def float(self):
        """A float32 copy (self when it is float32 already)."""
        return self.to(float32)

    def double(self):
        """A float64 copy (self when it is float64 already)."""
        return self.to(float64)

    def half(self):
        """A float16 copy (self when it is float16 already)."""
        return self.to(float16)

    def long(self):
        """An int64 copy (self when it is int64 already)."""
        return self.to(int64)

    def int(self):
        """An int32 copy (self when it is int32 already)."""
        return self.to(int32)

    def bool(self):
        """A boolean copy (self when it is boolean already)."""
        return self.to(bool_)

    def cpu(self):
        """A copy on the CPU (self when it is there already)."""
        return self.to("cpu")

    def cuda(self):
        """A copy on the GPU (self when it is there already)."""
        return self.to("cuda")

    def type_as(self, other):
        """Self in ``other``'s dtype."""
        return self.to(other.dtype)

    # ----- new tensors with this one's dtype and device (unless given), like torch's Tensor.new_* -----
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    new_empty = new_zeros  # torch leaves the values undefined; zeros are one choice of them

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from .creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def contiguous(self):
        """Self when its memory is in row-major order, else a row-major copy (so ``view`` works)."""
        return self if self.array.flags.c_contiguous else _Contiguous.apply(self)

    def clone(self):
        return self * 1 if self.requires_grad else self._wrap(self.array.copy())


class _Contiguous(autograd.Function):
    r"""A row-major copy (``contiguous``): $z = x$ (another memory layout); $\bar x = \bar z$."""

    saves_inputs = False

    def forward(self, x):
        return array_module(x).ascontiguousarray(x)

    def backward(self, g):
        return (g,)
