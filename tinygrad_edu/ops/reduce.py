"""Reductions: sum, max/min (with torch's tie rules), logsumexp. Formulas: derivations/engine_ops.tex."""
import numpy as np

from ..autograd import Function
from ..backend import array_module
from .elementwise import Div
from .movement import Expand, Reshape


def _keepdim_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _drop_axes(shape, axes):
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class Sum(Function):
    r"""$z = \sum_{i \in \text{axes}} x_i$; $\bar x_i = \bar z$ for every summed element ($\bar z$
    broadcast back over the summed axes)."""

    saves_inputs = False

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        by_product = _sum_by_product(x, axes)
        if by_product is None:
            return x.sum(axis=axes, keepdims=keepdim)
        return by_product.reshape(_keepdim_shape(x.shape, axes) if keepdim else by_product.shape)

    def backward(self, g):
        shape = self.inputs[0].shape  # the ops themselves: the arguments are known to be valid
        kept = g if self.keepdim else Reshape.apply(g, shape=_keepdim_shape(shape, self.axes))
        return (Expand.apply(kept, shape=tuple(shape)),)


PRODUCT_SUM_MIN = 1 << 16  # elements from which a sum keeping one axis is a matrix-vector product


def _sum_by_product(x, axes):
    """The sum over every axis but one, as a matrix-vector product with ones, when the kept axis is
    the innermost or the outermost in memory (a conv's bias gradient, channels-last or channel-
    major): NumPy's reduction then walks the other axes in short strided loops (measured here
    1.04 ms for the Galaxy CNN's second layer against 0.05 ms, no less accurate: 1.7e-6 against
    6.9e-6 relative to a float64 sum). Inf and NaN add up as in the sum (1 * x is exact). None
    where it does not apply."""
    if type(x) is not np.ndarray or x.dtype.kind != "f" or x.size < PRODUCT_SUM_MIN or axes is None:
        return None
    summed = {axis % x.ndim for axis in axes}
    kept = [axis for axis in range(x.ndim) if axis not in summed]
    if len(kept) != 1:
        return None
    last = np.moveaxis(x, kept[0], -1)
    if last.flags.c_contiguous:
        rows = last.reshape(-1, last.shape[-1])
        return np.ones(len(rows), dtype=x.dtype) @ rows
    first = np.moveaxis(x, kept[0], 0)
    if first.flags.c_contiguous:
        cols = first.reshape(first.shape[0], -1)
        return cols @ np.ones(cols.shape[1], dtype=x.dtype)
    return None


class Mean(Div):
    r"""A mean's last step, $z = s / n$ for the sum $s$ and the count $n$: Div's values and
    gradients, but a ZeroTensor gradient (zero_tensor.py) becomes real zeros first, as in torch's
    ``mean_backward``, which divides by the count as a C++ Scalar (``div.Scalar`` has no ZeroTensor
    kernel), where a division by a tensor keeps it."""

    def backward(self, g):
        return super().backward(g._materialized())


class Extremum(Function):
    r"""$z = \max_{i \in \text{axes}} x_i$ (or min) (``x.max()``, ``amax``); $\bar x_i = \bar z\,
    [x_i = z] / \#\{j : x_j = z\}$: tied elements share the gradient evenly, torch's rule for
    these. torch's two differ at infinities and NaN, and so do these: ``amax`` multiplies by the
    share (an infinite gradient gives NaN off the maximum, a NaN maximum gives NaN everywhere);
    ``x.max()`` (``select=True``) selects the maximal elements (NaN ones when the maximum is NaN)
    and gives 0 elsewhere."""

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
    r"""$z_j = x_{\text{index}_j}$ along one axis (``x.max(dim)``, with the index from argmax);
    $\bar x_i = \bar z_j$ where $i$ is the taken element, 0 elsewhere (so the gradient goes to the
    first of tied elements, torch's rule for ``max(dim)``)."""

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


class Variance(Function):
    r"""$z = \sum (x - \bar x)^2 / (n - c)$ over the axes ($n$ elements, correction $c$), with torch's
    gradient $\bar x = \bar z\, 2 (x - \bar x) / (n - c)$ written as one formula (composed, the mean's
    own backward would add $\infty - \infty$ = nan next to an infinite element). With no degrees of
    freedom left ($n \le c$) the value is inf (nan for 0 / 0) and, as in torch, the gradient over
    given dims keeps the formula with the signed $n - c$, while over all elements (``dim=None``)
    it is $\bar z \cdot (x = \bar x\ ?\ \text{nan} : \infty)$, a constant factor."""

    # keeps x: backward reads its values (x - mean)

    def forward(self, x, axes, keepdim, dof, all_elements):
        xp = array_module(x)
        self.axes, self.dof, self.all_elements = axes, dof, all_elements
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = x.mean(axis=axes, keepdims=True) if x.size else xp.full(_keepdim_shape(x.shape, axes), np.nan, x.dtype)
            squares = ((x - mean) ** 2).sum(axis=axes, keepdims=keepdim)
            if x.size:  # equal finite values: exactly 0, as torch's Welford pass (the mean may be an ulp off)
                top = x.max(axis=axes, keepdims=keepdim)
                squares = xp.where((top == x.min(axis=axes, keepdims=keepdim)) & xp.isfinite(top), 0, squares)
            if dof > 0:
                return squares / x.dtype.type(dof)
            if all_elements:
                self.factor = xp.where(x == mean, np.nan, np.inf).astype(x.dtype)
            return (squares * np.inf).astype(x.dtype)

    def backward(self, g):
        x = self.inputs[0]
        g = g.reshape(_keepdim_shape(x.shape, self.axes)).expand(x.shape)
        if self.dof <= 0 and self.all_elements:
            return (g * x._wrap(self.factor),)
        scale = 2.0 / self.dof if self.dof else float("inf")
        return (g * (x - x.mean(self.axes, keepdim=True)) * scale,)
