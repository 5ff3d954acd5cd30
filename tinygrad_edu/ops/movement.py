"""Ops that move, select or combine elements without arithmetic. Each backward puts the gradient
back where the element came from. Formulas: derivations/engine_ops.tex."""
from ..autograd import Function
from ..backend import array_module, scatter_add


class Reshape(Function):
    def forward(self, x, shape):
        return x.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.inputs[0].shape),)


class Permute(Function):
    """Reorder axes; the gradient is permuted back by the inverse permutation."""

    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return (g.permute(*inverse),)


class Expand(Function):
    """Broadcast to a larger shape (a view); the engine sums the gradient back (sum_to_shape)."""

    def forward(self, x, shape):
        return array_module(x).broadcast_to(x, shape)

    def backward(self, g):
        return (g,)


class GetItem(Function):
    """``x[index]``: the gradient is scattered back into a zero tensor of x's shape."""

    def forward(self, x, index):
        self.index = index
        return x[index]

    def backward(self, g):
        return (IndexBackward.apply(g, index=self.index, shape=self.inputs[0].shape),)


class IndexBackward(Function):
    """Adds ``g`` into zeros at ``index`` (repeated indices add up); its own backward is ``g[index]``."""

    def forward(self, g, index, shape):
        self.index = index
        out = array_module(g).zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            scatter_add(out, index, g)
        return out

    def backward(self, gg):
        return (gg[self.index],)


def _is_basic(index):
    """True when ``index`` only has ints, slices, None and Ellipsis (no element is hit twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class Cat(Function):
    """Concatenate along an axis; each input gets back its slice of the gradient."""

    def forward(self, *arrays, axis):
        self.axis = axis
        return array_module(arrays[0]).concatenate(arrays, axis=axis)

    def backward(self, g):
        grads, start = [], 0
        lead = (slice(None),) * self.axis
        for t in self.inputs:
            stop = start + t.shape[self.axis]
            grads.append(g[lead + (slice(start, stop),)])
            start = stop
        return tuple(grads)


class Pad(Function):
    """Constant padding; ``widths`` is one (before, after) pair per axis. The gradient is the
    un-padded middle of the upstream gradient."""

    def forward(self, x, widths, value):
        self.middle = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return array_module(x).pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g):
        return (g[self.middle],)
