r"""Normalisation over some axes as one op (batch_norm, layer_norm and group_norm use it), and
group_norm's per-channel weight with torch's form of its gradient (``GroupScale``).

Composed from engine ops, normalisation costs about ten nodes and their backward passes; fused, it
is one node whose backward is the closed form. The composed form stays beside it in
``nn/_functional/normalization.py`` (``normalise_composed``) as the reference a test compares it with
(tests check both against torch, first and second order).
"""
import numpy as np

from ..autograd import Function
from ..backend import array_module
from ..grad_mode import is_grad_enabled


def _moments(x, axes, count):
    """The mean and the biased variance over ``axes`` (kept dims), rounded as ``Tensor.mean``
    rounds: a sum divided by the count."""
    mean = x.sum(axis=axes, keepdims=True) / count
    centred = x - mean
    return mean, centred, (centred * centred).sum(axis=axes, keepdims=True) / count


class Normalize(Function):
    r"""$\hat x = (x - \mu)\, s$, $s = 1 / \sqrt{\sigma^2 + \epsilon}$, with the mean $\mu$ and the
    biased variance $\sigma^2$ over ``axes`` ($n$ values each).

    $\bar x = s\,\big(\bar{\hat x} - \langle \bar{\hat x} \rangle - \hat x\,\langle \bar{\hat x}\,
    \hat x \rangle\big)$, where $\langle\cdot\rangle$ is the mean over ``axes``: the gradient of
    the mean and of the variance, folded in. Like torch's it keeps the input, $\mu$ and $s$ (not
    the output, which may then be changed in place, ``relu(inplace=True)``). Outside
    ``create_graph`` it runs on those arrays; inside, the same formula is built from $x$ with
    Tensor ops, so that it is differentiable again (second order).

    ``stats``: a dict that forward fills with the batch's ``mean`` and ``var`` arrays (kept dims),
    for the running statistics of batch_norm. ``rowwise`` (layer_norm, group_norm): the first-order
    gradient written as torch's kernels for those write it, $\bar x = s \bar{\hat x} + b x + c$ with
    $b = (\langle \bar{\hat x} \rangle \mu - \langle \bar{\hat x} x \rangle) s^3$ and $c = -b \mu -
    \langle \bar{\hat x} \rangle s$ (the same value; an inf in $\bar{\hat x}$ then gives NaN over the
    whole row, as in torch, where the form above keeps some entries infinite).
    """

    def forward(self, x, axes, eps, stats=None, rowwise=False):
        count = 1
        for a in axes:
            count *= x.shape[a]
        mean, centred, var = _moments(x, axes, count)
        if stats is not None:
            stats.update(mean=mean, var=var)
        self.axes, self.eps, self.count, self.mean, self.rowwise = axes, eps, count, mean, rowwise
        root = array_module(x).sqrt(var + eps)
        self.scale = 1.0 / root
        return centred / root  # divided, as the composed form rounds it

    def backward(self, g):
        if is_grad_enabled():  # create_graph: differentiable in x and g
            return (self._backward_graph(g),)
        if self.rowwise:
            return (g._wrap(self._backward_rowwise(g.array)),)
        s, axes = self.scale, self.axes
        xhat, ga = (self.inputs[0].array - self.mean) * s, g.array
        mean_g = ga.sum(axis=axes, keepdims=True) / self.count
        mean_gx = (ga * xhat).sum(axis=axes, keepdims=True) / self.count
        return (g._wrap((ga - mean_g - xhat * mean_gx) * s),)

    def _backward_rowwise(self, ga):
        x, a, mean, axes = self.inputs[0].array, self.scale, self.mean, self.axes
        scale = 1.0 / self.count
        ds, db = (ga * x).sum(axis=axes, keepdims=True), ga.sum(axis=axes, keepdims=True)
        b = (db * mean - ds) * a * a * a * scale
        c = -b * mean - db * a * scale
        return (a * ga + b * x + c).astype(x.dtype)

    def _backward_graph(self, g):
        x, axes = self.inputs[0], self.axes
        centred = x - x.mean(axes, keepdim=True)
        s = 1.0 / ((centred * centred).mean(axes, keepdim=True) + self.eps).sqrt()
        xhat = centred * s
        return (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * s


class GroupScale(Function):
    r"""group_norm's weight: $z = \hat x\, w_c$ per channel, with the input $x$ (of shape
    $(N, C, \ldots)$, grouped as $(N, G, C/G, \ldots)$) as a third input that gets no gradient
    here. $\bar{\hat x} = \bar z\, w_c$, and $\bar w_c = \sum_n (\sum_{hw} \bar z x - \mu
    \sum_{hw} \bar z)\, s$ (the spatial sums $hw$ per channel, $\mu$ and $s$ the group's), as
    torch's kernel forms it: the same value as $\sum \bar z \hat x$, but an inf in $\bar z$ gives
    inf - inf = NaN where $x$ and $\mu$ have one sign. Built from Tensor ops, differentiable in
    $\bar z$ and $x$ (second order)."""

    def forward(self, y, w, x, groups, eps):
        self.groups, self.eps = groups, eps
        return y * w.reshape((1, -1) + (1,) * (y.ndim - 2))

    def backward(self, g):
        _, w, x = self.inputs
        gy = g * w.reshape((1, -1) + (1,) * (x.ndim - 2))
        if self.next[1] is None:  # the weight needs no gradient
            return gy, None, None
        n, c = x.shape[:2]
        xs = x.reshape(n, self.groups, c // self.groups, int(np.prod(x.shape[2:])))  # (N, G, C/G, HW)
        gs = g.reshape(xs.shape)
        mean = xs.mean((2, 3), keepdim=True)
        centred = xs - mean
        s = 1.0 / ((centred * centred).mean((2, 3), keepdim=True) + self.eps).sqrt()
        ds, db = (gs * xs).sum(3, keepdim=True), gs.sum(3, keepdim=True)
        return gy, ((ds - db * mean) * s).sum(0).reshape(c), None
