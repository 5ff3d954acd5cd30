"""The methods of ``Tensor`` that reorder, select and split elements: ``flip fliplr flipud roll
repeat tril triu sum_to_size gather scatter scatter_add index_select masked_select narrow split
chunk unbind``, with torch's arguments and errors. The copying ops are in ops/select.py; the rest
are compositions (slices are views, as torch's; gather is an advanced index, its gradient a
scatter-add). It relies on the Tensor core for ``array``, ``shape``, ``_xp`` and ``_operand``."""
import numpy as np

from . import autograd
from .errors import EngineError, EngineIndexError
from .ops import movement as M
from .ops import select as S
from .tensor_args import dim_axes, int_arguments


def _index_array(index, op, xp, dims=None):
    """The integer array of an index tensor (torch wants int64; int32 is accepted too), as an
    array of ``xp`` (the indexed tensor's NumPy or CuPy)."""
    array = getattr(index, "array", None)
    if array is None or array.dtype.kind not in "iu":
        got = getattr(array, "dtype", type(index).__name__)
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {got}")
    if dims is not None and array.ndim != dims:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index {tuple(array.shape)}, input has {dims} dims)")
    return xp.asarray(array)


class SelectMethods:
    """The selecting methods of a Tensor (a mixin: see the module docstring)."""

    __slots__ = ()

    def _dim(self, dim, op):
        """One dim as an axis (0 for a 0-d tensor)."""
        (axis,) = dim_axes(self, dim, op) or (0,)
        return axis

    def flip(self, *dims):
        """Reverse the order of elements along ``dims`` (a copy)."""
        dims = int_arguments(dims, "flip")
        axes = [self._dim(d, "flip") for d in dims]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"flip: a dim appears multiple times in the list of dims {dims}")
        return S.Flip.apply(self, axes=tuple(axes)) if self.ndim else self.clone()

    def fliplr(self):
        return self.flip(1)

    def flipud(self):
        return self.flip(0)

    def roll(self, shifts, dims=None):
        """Shift elements cyclically along ``dims`` (along the flattened tensor when None)."""
        if dims is None:
            if not isinstance(shifts, (int, np.integer)):
                shifts = int_arguments((shifts,), "roll")
                if len(shifts) != 1:
                    raise RuntimeError(f"roll: shifts {shifts} need dims of the same length")
                shifts = shifts[0]
            return S.Roll.apply(self, shifts=int(shifts), axes=None)
        shifts, dims = int_arguments((shifts,), "roll"), int_arguments((dims,), "roll")
        if len(shifts) != len(dims):
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        return S.Roll.apply(self, shifts=shifts, axes=tuple(self._dim(d, "roll") for d in dims))

    def repeat(self, *sizes):
        """Tile the tensor ``sizes[d]`` times along each dim (extra sizes add leading dims)."""
        reps = int_arguments(sizes, "repeat")
        if len(reps) < self.ndim:
            raise RuntimeError(f"repeat: Number of dimensions of repeat dims ({len(reps)}) can not be smaller than "
                               f"number of dimensions of tensor ({self.ndim}, shape {tuple(self.shape)})")
        if any(r < 0 for r in reps):
            raise RuntimeError(f"repeat: repeats must be non-negative, got {reps}")
        return S.Repeat.apply(self, reps=reps)

    def _triangle(self, diagonal, lower, op):
        if self.ndim < 2:
            raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape {tuple(self.shape)}")
        n, m = self.shape[-2:]
        xp = self._xp
        keep = (xp.arange(m)[None, :] - xp.arange(n)[:, None]) <= diagonal if lower else \
            (xp.arange(m)[None, :] - xp.arange(n)[:, None]) >= diagonal
        return self.where(keep, self._operand(0).to(self.dtype))

    def tril(self, diagonal=0):
        """The elements on and below the ``diagonal``-th diagonal of the last two dims; zeros above."""
        return self._triangle(diagonal, True, "tril")

    def triu(self, diagonal=0):
        """The elements on and above the ``diagonal``-th diagonal of the last two dims; zeros below."""
        return self._triangle(diagonal, False, "triu")

    def sum_to_size(self, *size):
        """Sum to ``size``, which must be expandable to self's shape (the reverse of ``expand``)."""
        size = int_arguments(size, "sum_to_size")
        lead = self.ndim - len(size)
        if lead < 0 or any(s != 1 and s != n for s, n in zip(size, self.shape[lead:])):
            raise RuntimeError(f"sum_to_size: size {{{list(size)}}} is not expandable to size {{{list(self.shape)}}}.")
        return autograd.sum_to_shape(self, size)

    def gather(self, dim, index):
        """``out[i][j][k] = self[index[i][j][k]][j][k]`` for dim 0 (and so on): ``index`` has
        self's number of dims and is no larger than self apart from ``dim``."""
        axis = self._dim(dim, "gather")
        picked = self._along_dim(axis, index, "gather")
        return M.GetItem.apply(self, index=picked)

    def _along_dim(self, axis, index, op):
        if self.ndim == 0:
            raise EngineError(f"not supported in tinygrad_edu: {op} on a 0-d tensor; reshape it to 1-D first")
        array = _index_array(index, op, self._xp, dims=self.ndim)
        for d, (i, n) in enumerate(zip(array.shape, self.shape)):
            if d != axis and i > n:
                raise RuntimeError(f"{op}(): Size does not match at dimension {d} expected index "
                                   f"{list(array.shape)} to be no larger than self {list(self.shape)} "
                                   f"apart from dimension {axis}")
        if array.size and (array.min() < -self.shape[axis] or array.max() >= self.shape[axis]):
            bad = array.max() if array.max() >= self.shape[axis] else array.min()
            raise RuntimeError(f"{op}(): index {int(bad)} is out of bounds for dimension {axis} with size "
                               f"{self.shape[axis]}")
        return S.along_dim_index(array, axis)

    def scatter_add(self, dim, index, src):
        """A copy of self with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` (for dim 0);
        repeated indices add up. Gradients: self gets the upstream gradient, src its gather."""
        axis = self._dim(dim, "scatter_add")
        where = self._along_dim(axis, index, "scatter_add")
        part = src[tuple(slice(0, n) for n in tuple(index.shape))]
        return self + M.IndexBackward.apply(part.to(self.dtype), index=where, shape=self.shape)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        """A copy of self with ``src`` (a tensor, or a number) written at ``index`` along ``dim``.
        Where an index repeats, which write wins is unspecified (as in torch)."""
        if reduce is not None:
            raise EngineError(f"not supported in tinygrad_edu: scatter(reduce={reduce!r}); use scatter_add")
        src = value if src is None else src
        axis = self._dim(dim, "scatter")
        where = self._along_dim(axis, index, "scatter")
        if hasattr(src, "requires_grad"):
            src = src[tuple(slice(0, n) for n in tuple(index.shape))].to(self.dtype)
        else:
            src = self._operand(src).to(self.dtype).expand(tuple(index.shape))
        return M.IndexPut.apply(self, src, index=where)

    def index_select(self, dim, index):
        """The entries ``index`` (a 1-D or 0-d integer tensor) along ``dim``."""
        array = _index_array(index, "index_select", self._xp)
        if array.ndim > 1:
            raise EngineIndexError(f"index_select(): Index is supposed to be a vector, got shape {tuple(array.shape)}")
        axis = self._dim(dim, "index_select")
        if array.size and (array.min() < -self.shape[axis] or array.max() >= self.shape[axis]):
            raise EngineIndexError(f"index_select(): index out of range in self: indices {array.tolist()} for "
                                   f"dim {axis} of size {self.shape[axis]}")
        return M.GetItem.apply(self, index=(slice(None),) * axis + (array.reshape(-1),))

    def masked_select(self, mask):
        """The elements where the boolean ``mask`` (broadcast with self) is true, as a 1-D tensor."""
        array = getattr(mask, "array", mask)
        if getattr(array, "dtype", None) != np.bool_:
            raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {getattr(array, 'dtype', type(mask))}")
        shape = np.broadcast_shapes(self.shape, array.shape)
        full = self.expand(shape) if shape != self.shape else self
        return M.GetItem.apply(full, index=self._xp.broadcast_to(self._xp.asarray(array), shape))

    # ---- splitting into views ----
    def narrow(self, dim, start, length):
        """The ``length`` entries from ``start`` along ``dim`` (a view; negative ``start`` counts from the end)."""
        if self.ndim == 0:
            raise RuntimeError("narrow: cannot be applied to a 0-dim tensor")
        axis = self._dim(dim, "narrow")
        n = self.shape[axis]
        if not -n <= start <= n:
            raise EngineIndexError(f"narrow: start out of range (expected to be in range of [{-n}, {n}], but got {start})")
        start = start % n if start < 0 else start
        if length < 0 or start + length > n:
            raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}).")
        return self[(slice(None),) * axis + (slice(start, start + length),)]

    def split(self, split_size_or_sections, dim=0):
        """Pieces of ``split_size`` along ``dim`` (the last one smaller), or of the listed sizes."""
        axis = self._dim(dim, "split")
        n = self.shape[axis]
        sizes = split_size_or_sections
        if isinstance(sizes, (int, np.integer)):
            if sizes < 0:
                raise RuntimeError(f"split expects split_size be non-negative, but got split_size={sizes}")
            if sizes == 0 and n:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
            sizes = [min(sizes, n - s) for s in range(0, n, sizes)] if sizes else [0]
        elif sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {axis}), but got split_sizes={list(sizes)}")
        starts = np.cumsum([0] + list(sizes))
        return tuple(self.narrow(axis, int(a), int(s)) for a, s in zip(starts, sizes))

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces of equal size (ceil(n / chunks)) along ``dim``, the last smaller."""
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        n = self.shape[self._dim(dim, "chunk")]
        return self.split(max(-(-n // chunks), 1) if n else 0, dim)

    def unbind(self, dim=0):
        """The slices along ``dim``, with that dim removed, as a tuple."""
        if self.ndim == 0:
            raise EngineIndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
        axis = self._dim(dim, "unbind")
        return tuple(self[(slice(None),) * axis + (i,)] for i in range(self.shape[axis]))

