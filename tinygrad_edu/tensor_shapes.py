"""The shape and indexing methods of ``Tensor`` (reshape, permute, expand, getitem, ...), kept
apart from tensor.py so that each file reads at a glance. The maths is in ops/movement.py."""
import numpy as np

from .autograd import EngineError, EngineIndexError, EngineTypeError
from .ops import movement as M


class ShapeMethods:
    __slots__ = ()

    def reshape(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        if shape == self.shape:
            return self
        size, known = self.numel(), int(np.prod([n for n in shape if n != -1]))
        inferred = list(shape).count(-1)
        valid = all(isinstance(n, (int, np.integer)) and n >= -1 for n in shape) and (
            known == size if inferred == 0 else inferred == 1 and known != 0 and size % known == 0)
        if not valid:
            raise EngineError(f"reshape: shape {tuple(shape)} is invalid for a tensor of shape "
                              f"{tuple(self.shape)} ({size} elements)")
        return M.Reshape.apply(self, shape=shape)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def squeeze(self, dim=None):
        axes = [a for a in self._axes(dim, "squeeze") if self.shape[a] == 1]
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, dim):
        n = self.ndim + 1
        if not -n <= dim < n:
            raise EngineIndexError(f"unsqueeze: dim {dim} is out of range for a tensor of shape "
                                   f"{tuple(self.shape)} (expected [{-n}, {n - 1}])")
        dim %= n
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def permute(self, *dims):
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise EngineError(f"permute: {dims} is not a permutation of the {self.ndim} dims of shape "
                              f"{tuple(self.shape)}")
        axes = tuple(d % self.ndim for d in dims)
        return self if axes == tuple(range(self.ndim)) else M.Permute.apply(self, axes=axes)

    def transpose(self, dim0, dim1):
        axes = list(range(self.ndim))
        (a,), (b,) = self._axes(dim0, "transpose"), self._axes(dim1, "transpose")
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(*axes)

    def expand(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        lead = len(shape) - self.ndim
        full = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        if lead < 0 or any(n != 1 and n != s for n, s in zip(self.shape, full[lead:])):
            raise EngineError(f"expand: a tensor of shape {tuple(self.shape)} cannot be expanded to {tuple(shape)}")
        return self if full == self.shape else M.Expand.apply(self, shape=full)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        return M.GetItem.apply(self, index=_normalise_index(index, self))

    def __setitem__(self, index, value):
        """``x[index] = value`` in place (torch's rules: see tensor_inplace.py); in a graph the
        gradient flows to ``value`` through the written elements and to the old ``x`` elsewhere."""
        index = _normalise_index(index, self)
        value = self._operand(value)
        self._inplace("setitem", lambda s: M.IndexPut.apply(s, value.to(s.dtype, device=s.device), index=index),
                      value)

def _normalise_index(index, tensor):
    """Check an index and turn tensors and lists in it into arrays; anything else is an error."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if hasattr(p, "requires_grad"):
            p = p.array
        elif isinstance(p, list):
            p = tensor._xp.asarray(p)
        if hasattr(p, "dtype") and not isinstance(p, np.generic):
            if p.dtype.kind not in "iub":
                raise EngineTypeError(f"getitem: tensors used as indices must be integer or boolean, got {p.dtype}")
        elif isinstance(p, np.integer):
            p = int(p)
        elif not (p is None or p is Ellipsis or isinstance(p, (int, slice))) or isinstance(p, float):
            raise EngineTypeError(f"getitem: unsupported index {p!r} of type {type(p).__name__} for a tensor of "
                                  f"shape {tuple(tensor.shape)}; use ints, slices, None, ..., or integer/boolean tensors")
        out.append(p)
    return tuple(out) if isinstance(index, tuple) else out[0]
