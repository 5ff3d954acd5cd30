"""Ops that move, select or combine elements without arithmetic. Each backward puts the gradient
back where the element came from. Formulas: derivations/engine_ops.tex."""
from ..autograd import EngineError, EngineIndexError, Function
from ..backend import array_module, scatter_add


class Reshape(Function):
    saves_inputs, is_view = False, True

    def forward(self, x, shape):
        return x.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.inputs[0].shape),)


class Permute(Function):
    """Reorder axes; the gradient is permuted back by the inverse permutation."""

    saves_inputs, is_view = False, True

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

    saves_inputs, is_view = False, True

    def forward(self, x, shape):
        return array_module(x).broadcast_to(x, shape)

    def backward(self, g):
        return (g,)


class GetItem(Function):
    """``x[index]``: the gradient is scattered back into a zero tensor of x's shape."""

    saves_inputs, is_view = False, True

    def forward(self, x, index):
        self.index = index
        out = x[index]
        if type(out) is not type(x):  # NumPy gives a scalar copy for x[i] of 1-D x; x[i, ...] is a view
            out = x[(*index, ...) if isinstance(index, tuple) else (index, ...)]
        return out

    def backward(self, g):
        return (IndexBackward.apply(g, index=self.index, shape=self.inputs[0].shape),)


class IndexPut(Function):
    r"""$z = x$ with $z[\text{index}] = v$ (``x[index] = v`` out of place); $\bar x = \bar z$ with
    zeros at index, $\bar v = \bar z[\text{index}]$ (summed back to v's shape by the engine)."""

    saves_inputs = False

    def forward(self, x, v, index):
        self.index = index
        out = x.copy()
        try:
            out[index] = v
        except IndexError as error:
            raise EngineIndexError(f"setitem: {error} (the tensor has shape {tuple(x.shape)})") from None
        except ValueError as error:
            raise EngineError(f"setitem: shape mismatch: a value of shape {tuple(v.shape)} can't be broadcast "
                              f"to the indexing result of shape {tuple(out[index].shape)}") from error
        return out

    def backward(self, g):
        written = array_module(g.array).zeros(g.shape, dtype=bool)
        written[self.index] = True
        return g.where(~written, 0.0), g[self.index]


class IndexBackward(Function):
    """Adds ``g`` into zeros at ``index`` (repeated indices add up); its own backward is ``g[index]``."""

    saves_inputs = False

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

    saves_inputs = False

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

    saves_inputs = False

    def forward(self, x, widths, value):
        self.middle = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return array_module(x).pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g):
        return (g[self.middle],)
