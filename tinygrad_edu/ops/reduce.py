"""Reductions: sum, max/min (with torch's tie rules), logsumexp. Formulas: derivations/engine_ops.tex."""
from ..autograd import Function
from ..backend import array_module


def _keepdim_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _drop_axes(shape, axes):
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class Sum(Function):
    r"""$z = \sum_{i \in \text{axes}} x_i$; every summed element gets the upstream gradient."""

    saves_inputs = False

    def forward(self, x, axes, keepdim):
        self.axes = axes
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, g):
        x = self.inputs[0]
        return (g.reshape(_keepdim_shape(x.shape, self.axes)).expand(x.shape),)


class Extremum(Function):
    """max or min over axes (``x.max()``, ``amax``): tied elements share the gradient evenly,
    torch's rule for these. torch's two differ at infinities and NaN, and so do these: ``amax``
    multiplies by the share (an infinite gradient gives NaN off the maximum, a NaN maximum gives
    NaN everywhere); ``x.max()`` (``select=True``) selects the maximal elements (NaN ones when the
    maximum is NaN) and gives 0 elsewhere."""

    saves_inputs = False

    def forward(self, x, axes, keepdim, largest, select=False):
        xp = array_module(x)
        self.axes, self.select = axes, select
        values = (x.max if largest else x.min)(axis=axes, keepdims=True)
        tied = x == values
        if select and xp.isnan(values).any():
            tied = xp.where(xp.isnan(values), xp.isnan(x), tied)
        self.tied = tied
        self.share = tied.astype(x.dtype) / tied.sum(axis=axes, keepdims=True)
        return values if keepdim else values.reshape(_drop_axes(values.shape, axes))

    def backward(self, g):
        x = self.inputs[0]
        g = g.reshape(_keepdim_shape(x.shape, self.axes)) * self.share
        return (g.where(self.tied, 0.0) if self.select else g,)


class TakeAlong(Function):
    """The elements at ``index`` along one axis (``x.max(dim)`` picks them with argmax, so the
    gradient goes to the first of tied elements, torch's rule for ``max(dim)``)."""

    saves_inputs = False

    def forward(self, x, index, axis, keepdim):
        xp = array_module(x)
        self.axis = axis
        self.picked = xp.zeros(x.shape, dtype=bool)
        xp.put_along_axis(self.picked, index, True, axis=axis)
        values = xp.take_along_axis(x, index, axis=axis)
        return values if keepdim else values.squeeze(axis)

    def backward(self, g):
        x = self.inputs[0]  # selected, not multiplied by 0/1: an infinite g gives no inf * 0 = NaN
        return (g.reshape(_keepdim_shape(x.shape, (self.axis,))).expand(x.shape).where(self.picked, 0.0),)


class LogSumExp(Function):
    r"""$z = \log\sum_i e^{x_i} = m + \log\sum_i e^{x_i - m}$ with $m = \max_i x_i$, so nothing
    overflows; $\bar x_i = \bar z\, e^{x_i - z}$ (the softmax)."""
    saves_output = True

    def forward(self, x, axes, keepdim):
        xp = array_module(x)
        self.axes = axes
        if any(x.shape[a] == 0 for a in axes):  # an empty sum: log 0 = -inf, like torch
            m = xp.zeros(_keepdim_shape(x.shape, axes), dtype=x.dtype)
        else:
            m = x.max(axis=axes, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or +inf) rows: keep them out of the shift
        out = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        return out if keepdim else out.reshape(_drop_axes(out.shape, axes))

    def backward(self, g):
        x = self.inputs[0]
        shape = _keepdim_shape(x.shape, self.axes)
        return (g.reshape(shape) * (x - self.output().reshape(shape)).exp(),)
