"""The shape methods of ``Tensor``: ``reshape view view_as flatten squeeze unsqueeze permute
transpose expand expand_as`` and ``x[index]``, with torch's arguments and errors. Reshapes, permutes,
expands and basic indices are views, as torch's. The maths is in ops/movement.py; sizes, dims and
indices are read by tensor_args.py (``x[index] = v`` is an in-place op: tensor_inplace.py). It
relies on the Tensor core for ``array``, ``shape`` and ``_base``."""
import numpy as np

from .errors import EngineError, EngineIndexError, EngineTypeError
from .ops import movement as M
from .tensor_args import dim_axes, dim_axis, normalise_index, size_arguments


class ShapeMethods:
    """The shape methods of a Tensor (a mixin: see the module docstring)."""

    __slots__ = ()

    def reshape(self, *shape, _op="reshape", **keyword):
        """The same elements in ``shape`` (one size may be -1: inferred); a view where NumPy can."""
        shape = size_arguments(shape, keyword, "shape", _op)
        if not all(type(n) is int for n in shape) and not all(isinstance(n, (int, np.integer)) and
                                                             not isinstance(n, bool) for n in shape):
            raise EngineTypeError(f"{_op}: the shape must be ints, got {tuple(shape)}")
        if shape == self.shape:
            return self
        size, known = self.numel(), int(np.prod([n for n in shape if n != -1]))
        inferred = list(shape).count(-1)
        valid = all(n >= -1 for n in shape) and (
            known == size if inferred == 0 else inferred == 1 and known != 0 and size % known == 0)
        if not valid:
            raise EngineError(f"{_op}: shape {tuple(shape)} is invalid for a tensor of shape "
                              f"{tuple(self.shape)} ({size} elements)")
        return M.Reshape.apply(self, shape=shape)

    def view(self, *shape, **keyword):
        """``reshape`` that never copies: like torch, it refuses a shape that the memory layout of a
        view (a transpose, a column slice) cannot give without a copy; use ``reshape`` there."""
        shape = size_arguments(shape, keyword, "size", "view")
        if self._base is not None and not self.array.flags.c_contiguous:
            if not _reshapes_without_copy(self.array, shape):
                raise EngineError(f"view: view size {tuple(shape)} is not compatible with the memory layout of "
                                  f"this tensor of shape {tuple(self.shape)} (a transposed or sliced view); "
                                  "use .reshape(...) instead, or .contiguous().view(...)")
        return self.reshape(*shape, _op="view")

    def view_as(self, other):
        return self.view(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            dim_axis(self, start_dim, "flatten"), dim_axis(self, end_dim, "flatten")
            return self.reshape(1)
        start, end = dim_axis(self, start_dim, "flatten"), dim_axis(self, end_dim, "flatten")
        if start > end:
            raise EngineError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor of "
                              f"shape {tuple(self.shape)}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def squeeze(self, dim=None):
        axes = [a for a in dim_axes(self, dim, "squeeze") if self.shape[a] == 1]
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, dim, _op="unsqueeze"):
        n = self.ndim + 1
        if type(dim) is not int and not (isinstance(dim, np.integer) and not isinstance(dim, bool)):
            raise EngineTypeError(f"{_op}: dim must be an int, got {dim!r}")
        if not -n <= dim < n:
            raise EngineIndexError(f"{_op}: dim {dim} is out of range for a tensor of shape "
                                   f"{tuple(self.shape)} (expected [{-n}, {n - 1}])")
        dim %= n
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def permute(self, *dims, **keyword):
        dims = size_arguments(dims, keyword, "dims", "permute")
        if len(dims) != self.ndim:
            raise EngineError(f"permute: {dims} names {len(dims)} dims, but the tensor of shape {tuple(self.shape)} "
                              f"has {self.ndim}")
        axes = tuple(dim_axis(self, d, "permute") for d in dims)
        if len(set(axes)) != len(axes):
            raise EngineError(f"permute: {dims} repeats a dim; expected a permutation of the {self.ndim} dims of "
                              f"shape {tuple(self.shape)}")
        return self if axes == tuple(range(self.ndim)) else M.Permute.apply(self, axes=axes)

    def transpose(self, dim0, dim1):
        axes = list(range(self.ndim))
        a, b = dim_axis(self, dim0, "transpose"), dim_axis(self, dim1, "transpose")
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(*axes)

    def expand(self, *shape, **keyword):
        shape = size_arguments(shape, keyword, "size", "expand")
        lead = len(shape) - self.ndim
        if lead < 0 or any(s < 0 and (i < lead or s != -1) for i, s in enumerate(shape)):
            raise EngineError(f"expand: a tensor of shape {tuple(self.shape)} cannot be expanded to {tuple(shape)} "
                              "(the sizes must be at least as many as the dims, and -1 only keeps an existing dim)")
        full = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        if any(n != 1 and n != s for n, s in zip(self.shape, full[lead:])):
            raise EngineError(f"expand: a tensor of shape {tuple(self.shape)} cannot be expanded to {tuple(shape)}")
        return self if full == self.shape else M.Expand.apply(self, shape=full)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        return M.GetItem.apply(self, index=normalise_index(index, self, "getitem"))


def _reshapes_without_copy(array, shape):
    """True when NumPy can give ``array`` the ``shape`` as a view (torch's rule for ``view``)."""
    try:
        np.reshape(array, shape, copy=False)
    except ValueError:
        return False
    except TypeError:  # an array module whose reshape has no ``copy`` (CuPy): try assigning the shape
        probe = array.view()
        try:
            probe.shape = shape
        except (AttributeError, ValueError):
            return False
    return True
