"""Ops that reorder or copy elements: ``flip``, ``roll``, ``repeat``, and the index arrays that
``gather``/``scatter`` use (their gradients come from ops/movement.py: picking elements with an
index array is GetItem, adding them into zeros is IndexBackward, writing them is IndexPut).
Each output is a copy, as torch's are (a NumPy view would let an in-place change leak back)."""
from ..autograd import Function
from ..backend import array_module


class Flip(Function):
    r"""Reverse the order along ``axes``; $\bar x$ is $\bar z$ flipped back along the same axes."""

    saves_inputs = False

    def forward(self, x, axes):
        self.axes = axes
        return array_module(x).flip(x, axis=axes).copy()

    def backward(self, g):
        return (Flip.apply(g, axes=self.axes),)


class Roll(Function):
    r"""$z_{i + s} = x_i$ cyclically along each axis (or along the flattened tensor when ``axes`` is
    None); $\bar x$ is $\bar z$ rolled by $-s$."""

    saves_inputs = False

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return array_module(x).roll(x, shifts, axis=axes)

    def backward(self, g):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (Roll.apply(g, shifts=back, axes=self.axes),)


class Repeat(Function):
    r"""Tile the tensor ``reps[d]`` times along each dim (``reps`` may add leading dims):
    $z[k n + i] = x[i]$. Every copy gets its share of the gradient: $\bar z$ seen with shape
    $(r_0, n_0, r_1, n_1, \dots)$ and summed over the $r$ axes."""

    saves_inputs = False

    def forward(self, x, reps):
        self.reps = reps
        return array_module(x).tile(x, reps)

    def backward(self, g):
        x = self.inputs[0]
        shape = (1,) * (len(self.reps) - x.ndim) + tuple(x.shape)
        split = tuple(n for pair in zip(self.reps, shape) for n in pair)
        summed = g.reshape(split).sum(tuple(range(0, 2 * len(shape), 2)))
        return (summed.reshape(x.shape),)


def along_dim_index(index, axis):
    """The advanced index that picks ``x[..., index[i, j, k], ...]`` (``index`` at ``axis``, the
    position of each element elsewhere): ``x[along_dim_index(index, 1)][i, j, k] = x[i, index[i, j, k], k]``,
    torch's ``gather`` rule."""
    xp = array_module(index)
    nd = index.ndim
    grids = [xp.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1)) for d, n in enumerate(index.shape)]
    grids[axis] = index
    return tuple(grids)
