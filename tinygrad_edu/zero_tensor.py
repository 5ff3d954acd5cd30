r"""torch's ZeroTensor (``at::_efficientzerotensor``): the gradient that torch's ``sgn`` gives a real
input (``sgn_backward`` in torch/csrc/autograd/FunctionsManual.cpp), a zero that products do not
turn into NaN.

Where it matters: under create_graph, abs' backward multiplies by ``x.sgn()`` in the graph (torch's
``grad * self.sgn()``; the 1-, fractional and inf-norms' backward too), so differentiating the
gradient again sends this zero back through the backward of the ops before the abs. A real zero
meets their infinite derivatives there (0 * inf = NaN at asin(1) or sinh(1e4)); torch's ZeroTensor
stays zero through the products: asin(x).abs() at x = 1 has the second-order gradient inf in
torch, not NaN.

torch's rules (its ZeroTensor kernels, aten/src/ATen/native/BinaryOps.cpp, and the fallback,
aten/src/ATen/ZeroTensorFallback.cpp), which :class:`ZeroTensor` follows:

- ``Z * x``, ``x * Z``, ``Z / x`` (any x, also 0, inf or NaN): Z, in the broadcast shape and the
  result dtype;
- ``x / Z``: inf, ``Z / Z``: NaN (ordinary tensors; a number over Z is the number over 0);
- ``Z + x``, ``x + Z``, ``x - Z``: x's values, ``Z - x``: -x (ordinary); ``Z + Z``, ``Z - Z``: Z;
- a view of Z (reshape, permute, expand, a slice): Z;
- every other op (neg, sum, where, ``to(dtype)``, matmul, ...) sees ordinary zeros (torch's
  fallback makes them real), so from there on 0 * inf is NaN again, as in torch.

So an op's backward written with torch's formula keeps Z or not as torch's does. Where torch's
backward is a kernel of its own (sigmoid, tanh, softplus, the fused activations, mean, pad,
huber/smooth_l1, mse_loss) and the engine's a product, the op takes ``g._materialized()``: real
zeros, as that kernel sees them. Z is immutable, as torch's: an in-place op on it raises torch's
error (adding a later backward's gradient into a Z ``.grad`` makes a new tensor, where torch
raises).
"""
import numpy as np

from .tensor import Tensor


def zeros(like, shape):
    """A ZeroTensor of ``shape`` in ``like``'s dtype and device (torch's ``_efficientzerotensor``)."""
    out = Tensor._wrap(_read_only_zeros(like._xp, shape, like.array.dtype))
    out.__class__ = ZeroTensor
    return out


class ZeroTensor(Tensor):
    """A tensor of zeros that the operators above keep zero (see the module's docstring)."""

    __slots__ = ()

    @classmethod
    def _wrap(cls, array):
        return Tensor._wrap(array)  # what another op makes of Z is an ordinary tensor

    def _is_zerotensor(self):
        return True

    def _materialized(self):
        """Real zeros at the same place of the graph (torch's fallback before an op of its own)."""
        out = Tensor._wrap(self._xp.zeros(self.shape, dtype=self.array.dtype))
        out._ctx, out.requires_grad = self._ctx, self.requires_grad
        return out

    def _zeros(self, shape):
        """Another ZeroTensor, of ``shape``."""
        return zeros(self, shape)

    def __mul__(self, other):
        return _as_zero(_quietly(Tensor.__mul__, self, other))

    def __rmul__(self, other):
        return _as_zero(_quietly(Tensor.__rmul__, self, other))

    def __truediv__(self, other):
        out = _quietly(Tensor.__truediv__, self, other)
        return _filled(out, np.nan) if isinstance(other, ZeroTensor) else _as_zero(out)

    def __rtruediv__(self, other):  # other is no ZeroTensor (Z / Z runs __truediv__)
        out = _quietly(Tensor.__rtruediv__, self, other)
        return out if isinstance(other, (bool, int, float)) else _filled(out, np.inf)

    def __add__(self, other):
        return _plus(_quietly(Tensor.__add__, self, other), other, 1)

    def __radd__(self, other):
        return _plus(_quietly(Tensor.__radd__, self, other), other, 1)

    def __sub__(self, other):
        return _plus(_quietly(Tensor.__sub__, self, other), other, -1)

    def __rsub__(self, other):
        return _plus(_quietly(Tensor.__rsub__, self, other), other, 1)

    def _share_storage(self, view):
        """A view of Z is Z (an advanced index copies: ordinary zeros, as torch's)."""
        super()._share_storage(view)
        if view.array.base is not None and view._xp.may_share_memory(view.array, self.array):
            view.__class__ = ZeroTensor

    def _write(self, new, op):
        raise RuntimeError(f"{op}: ZeroTensors are immutable. Please use the materialized zero tensor obtained "
                           "using .clone() if you want a mutable tensor.")


def _read_only_zeros(xp, shape, dtype):
    array = xp.zeros(shape, dtype=dtype)
    if isinstance(array, np.ndarray):  # in-place writes fail (CuPy has no such flag)
        array.flags.writeable = False
    return array


def _quietly(operator, a, b):
    """``operator(a, b)``, recorded in the graph as usual, without NumPy's warnings for the values
    that are replaced next (0 * inf)."""
    with np.errstate(all="ignore"):
        return operator(a, b)


def _replace_values(out, array):
    out.array = array
    ctx = out._ctx
    if ctx is not None and ctx.saves_output:
        ctx._output_array = array
    return out


def _as_zero(out):
    """``out``, just made by an op, as a ZeroTensor."""
    out = _replace_values(out, _read_only_zeros(out._xp, out.shape, out.array.dtype))
    out.__class__ = ZeroTensor
    return out


def _filled(out, value):
    return _replace_values(out, out._xp.full(out.shape, value, dtype=out.array.dtype))


def _plus(out, other, sign):
    """Z + other (sign 1) or Z - other (-1): other's values exactly (so -0.0 stays -0.0), Z for Z ± Z."""
    if isinstance(other, ZeroTensor):
        return _as_zero(out)
    values = other.array if isinstance(other, Tensor) else np.asarray(other)
    values = out._xp.broadcast_to(out._xp.asarray(values, dtype=out.array.dtype), out.shape).copy()
    return _replace_values(out, values if sign > 0 else -values)
