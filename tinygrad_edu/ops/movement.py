"""Ops that move, select or combine elements without arithmetic. Each backward puts the gradient
back where the element came from: the adjoint of a movement is the movement back. Formulas:
derivations/engine_ops.tex ($\bar z$: the upstream gradient)."""
from ..autograd import Function
from ..errors import EngineError, EngineIndexError
from ..backend import array_module, scatter_add


class Reshape(Function):
    r"""$z$ = the elements of $x$ in row-major order, in a new shape (a view where NumPy can);
    $\bar x = \bar z$ reshaped back to x's shape."""

    saves_inputs, is_view = False, True

    def forward(self, x, shape):
        return x.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.inputs[0].shape),)


class Permute(Function):
    r"""$z_{i_{\pi(0)} \dots i_{\pi(n-1)}} = x_{i_0 \dots i_{n-1}}$ (axes reordered by $\pi$, a view);
    $\bar x$ = $\bar z$ permuted by $\pi^{-1}$."""

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
    r"""$z$ = $x$ broadcast to a larger shape (a view: each element seen many times); $\bar x$ =
    $\bar z$ summed over the broadcast axes, which the engine does for every op (``sum_to_shape``),
    so backward passes $\bar z$ on as it is."""

    saves_inputs, is_view = False, True

    def forward(self, x, shape):
        return array_module(x).broadcast_to(x, shape)

    def backward(self, g):
        return (g,)


class GetItem(Function):
    r"""$z = x[\text{index}]$ (a view for basic indices); $\bar x$ = zeros of x's shape with
    $\bar z$ added at index (repeated indices add up): :class:`IndexBackward`."""

    saves_inputs, is_view = False, True

    def forward(self, x, index):
        self.index = index
        out = x[index]
        if type(out) is not type(x):  # NumPy gives a scalar copy for x[i] of 1-D x; x[i, ...] is a view
            out = x[(*index, ...) if isinstance(index, tuple) else (index, ...)]
        return out

    def backward(self, g):
        if g._is_zerotensor() and _new_axes_only(self.index):  # torch: unsqueezes, views: Z stays Z
            return (g.reshape(self.inputs[0].shape),)
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
    r"""$z$ = zeros of ``shape`` with $g$ added at index (repeated indices add up): GetItem's backward,
    linear in $g$; $\bar g = \bar z[\text{index}]$ (a GetItem again)."""

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


def _new_axes_only(index):
    """True when ``index`` only adds axes (None) and keeps the others whole (``...``, ``:``)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or (isinstance(p, slice) and p == slice(None)) for p in parts)


def _is_basic(index):
    """True when ``index`` only has ints, slices, None and Ellipsis (no element is hit twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class Cat(Function):
    r"""$z = [x^{(1)}, x^{(2)}, \dots]$ joined along ``axis``; $\bar x^{(k)}$ = the slice of $\bar z$
    where $x^{(k)}$ sits."""

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
    r"""$z$ = $x$ surrounded by ``value`` (``widths``: one (before, after) pair per axis); $\bar x$ =
    the middle of $\bar z$, where $x$ sits (the padding is a constant: no gradient)."""

    saves_inputs = False

    def forward(self, x, widths, value):
        self.middle = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return array_module(x).pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g):  # torch's constant_pad_nd with the negated widths, no view: real zeros for a ZeroTensor
        return (g._materialized()[self.middle],)
