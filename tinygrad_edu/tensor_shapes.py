"""The shape and indexing methods of ``Tensor`` (reshape, permute, expand, getitem, ...), kept
apart from tensor.py so that each file reads at a glance. The maths is in ops/movement.py."""
import numpy as np

from .autograd import EngineError, EngineIndexError, EngineTypeError
from .ops import movement as M


class ShapeMethods:
    __slots__ = ()

    def reshape(self, *shape, _op="reshape", **keyword):
        shape = _sizes(shape, keyword, "shape", _op)
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
        shape = _sizes(shape, keyword, "size", "view")
        if self._base is not None and not self.array.flags.c_contiguous:
            target = shape
            if not _reshapes_without_copy(self.array, target):
                raise EngineError(f"view: view size {tuple(target)} is not compatible with the memory layout of "
                                  f"this tensor of shape {tuple(self.shape)} (a transposed or sliced view); "
                                  "use .reshape(...) instead, or .contiguous().view(...)")
        return self.reshape(*shape, _op="view")

    def view_as(self, other):
        return self.view(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            self._axis(start_dim, "flatten"), self._axis(end_dim, "flatten")
            return self.reshape(1)
        start, end = self._axis(start_dim, "flatten"), self._axis(end_dim, "flatten")
        if start > end:
            raise EngineError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor of "
                              f"shape {tuple(self.shape)}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def squeeze(self, dim=None):
        axes = [a for a in self._axes(dim, "squeeze") if self.shape[a] == 1]
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
        dims = _sizes(dims, keyword, "dims", "permute")
        if len(dims) != self.ndim:
            raise EngineError(f"permute: {dims} names {len(dims)} dims, but the tensor of shape {tuple(self.shape)} "
                              f"has {self.ndim}")
        axes = tuple(self._axis(d, "permute") for d in dims)
        if len(set(axes)) != len(axes):
            raise EngineError(f"permute: {dims} repeats a dim; expected a permutation of the {self.ndim} dims of "
                              f"shape {tuple(self.shape)}")
        return self if axes == tuple(range(self.ndim)) else M.Permute.apply(self, axes=axes)

    def transpose(self, dim0, dim1):
        axes = list(range(self.ndim))
        a, b = self._axis(dim0, "transpose"), self._axis(dim1, "transpose")
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(*axes)

    def expand(self, *shape, **keyword):
        shape = _sizes(shape, keyword, "size", "expand")
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
        return M.GetItem.apply(self, index=_normalise_index(index, self, "getitem"))

    def __setitem__(self, index, value):
        """``x[index] = value`` in place (torch's rules: see tensor_inplace.py); in a graph the
        gradient flows to ``value`` through the written elements and to the old ``x`` elsewhere."""
        index = _normalise_index(index, self, "setitem")
        value = self._operand(value)
        self._inplace("setitem", lambda s: M.IndexPut.apply(s, value.to(s.dtype, device=s.device), index=index),
                      value)

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


def _sizes(positional, keyword, name, op):
    """The sizes (or dims) given as ``f(2, 3)``, ``f((2, 3))`` or torch's keyword ``f(name=(2, 3))``."""
    if keyword:
        if positional or set(keyword) != {name}:
            raise EngineTypeError(f"{op}: expected the sizes as positional ints, a tuple, or {name}=...; got "
                                  f"{positional} and keywords {sorted(keyword)}")
        positional = (keyword[name],)
    return tuple(positional[0]) if len(positional) == 1 and isinstance(positional[0], (tuple, list)) else positional


def _normalise_index(index, tensor, op):
    """Check an index and turn tensors and lists in it into arrays; anything else is an error."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if hasattr(p, "requires_grad"):
            p = p.array
        elif isinstance(p, list):
            p = tensor._xp.asarray(p) if p else tensor._xp.zeros(0, dtype=np.int64)
        elif isinstance(p, range):  # like the list of its ints (x[range(n), target])
            p = tensor._xp.arange(p.start, p.stop, p.step, dtype=np.int64)
        if hasattr(p, "dtype") and not isinstance(p, np.generic):
            if p.dtype.kind not in "iub":
                raise EngineTypeError(f"{op}: tensors used as indices must be integer or boolean, got {p.dtype}")
        elif isinstance(p, np.integer):
            p = int(p)
        elif isinstance(p, slice):
            if p.step is not None and p.step <= 0:
                raise EngineError(f"{op}: slice step must be greater than zero, got {p.step} (torch has no "
                                  "negative steps; use .flip(dim))")
        elif not (p is None or p is Ellipsis or isinstance(p, int)) or isinstance(p, float):
            raise EngineTypeError(f"{op}: unsupported index {p!r} of type {type(p).__name__} for a tensor of "
                                  f"shape {tuple(tensor.shape)}; use ints, slices, None, ..., or integer/boolean tensors")
        out.append(p)
    if len(parts) > 1 and sum(p is Ellipsis for p in parts) > 1:
        raise EngineIndexError(f"not supported in tinygrad_edu: {op} with more than one ellipsis (...) in the index")
    return tuple(out) if isinstance(index, tuple) else out[0]
