r"""Normalisation over some axes as one op (batch_norm, layer_norm and group_norm use it), and
group_norm's and layer_norm's weights with torch's forms of their gradients (``GroupScale``,
``RowScale``), and the rstd with torch's derivative of it (``InvStd``), which both build on.

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
    ``create_graph`` it runs on those arrays; inside, it is built from $x$ with Tensor ops, so
    that it is differentiable again (second order).

    ``form``: the op whose torch backward it reproduces, each the value above grouped (rounded,
    overflowing and spreading an inf or NaN of $\bar{\hat x}$) as torch groups it:

    - ``batch_norm``: $\bar x = (\bar{\hat x} - \langle \bar{\hat x} \rangle - (x - \mu)\, k)\, s$
      with $k = \sum (x - \mu)\, \bar{\hat x}\; s^2 / n$ (torch's kernel, also under create_graph);
    - ``layer_norm``: $\bar x = s \bar{\hat x} + b x + c$ with $b = (\sum \bar{\hat x}\, \mu - \sum
      \bar{\hat x} x)\, s^3 / n$ and $c = -b \mu - \sum \bar{\hat x}\; s / n$, the first bracket
      rounded once, as the fused multiply-add of torch's CPU kernel (torch's kernel, also under
      create_graph): an inf in $\bar{\hat x}$ then gives NaN over the whole row, where the first
      form keeps some entries infinite, and a float32 overflow spreads as in torch;
    - ``group_norm``: that kernel outside create_graph; inside, torch's differentiable form of it
      (the same formula in the input's dtype, $s$ from :class:`InvStd`), whose second order is
      torch's.

    ``stats``: a dict that forward fills with the batch's ``mean`` and ``var`` arrays (kept dims),
    for the running statistics of batch_norm.
    """

    def forward(self, x, axes, eps, form, stats=None):
        count = 1
        for a in axes:
            count *= x.shape[a]
        mean, centred, var = _moments(x, axes, count)
        if stats is not None:
            stats.update(mean=mean, var=var)
        self.axes, self.eps, self.count, self.mean, self.form = axes, eps, count, mean, form
        root = array_module(x).sqrt(var + eps)
        self.scale = 1.0 / root
        return centred / root  # divided, as the composed form rounds it

    def backward(self, g):
        if is_grad_enabled():  # create_graph: differentiable in x and g
            return (self._backward_graph(g),)
        x, s, axes, ga = self.inputs[0].array, self.scale, self.axes, g.array
        if self.form == "batch_norm":
            centred = x - self.mean
            k = (centred * ga).sum(axis=axes, keepdims=True) * s * s / self.count
            return (g._wrap((ga - ga.sum(axis=axes, keepdims=True) / self.count - centred * k) * s),)
        ds, db = (ga * x).sum(axis=axes, keepdims=True), ga.sum(axis=axes, keepdims=True)
        lead = _fused_product_less(db, self.mean, ds)
        b, c = _row_coefficients(lead, db, self.mean, s, 1.0 / self.count, composed=False)
        return (g._wrap(s * ga + b * x + c),)

    def _backward_graph(self, g):
        x, axes = self.inputs[0], self.axes
        mean = x.mean(axes, keepdim=True)
        if self.form == "batch_norm":
            centred = x - mean
            s = 1.0 / ((centred * centred).mean(axes, keepdim=True) + self.eps).sqrt()
            k = (centred * g).sum(axes, keepdim=True) * s * s / self.count
            return (g - g.mean(axes, keepdim=True) - centred * k) * s
        s = InvStd.apply(x, axes=axes, eps=self.eps)
        ds, db = (g * x).sum(axes, keepdim=True), g.sum(axes, keepdim=True)
        composed = self.form == "group_norm"  # torch's differentiable form; layer_norm's is its kernel
        if composed or x.dtype != np.float32:
            lead = db * mean - ds
        else:  # the kernel's fused product (_fused_product_less)
            lead = (db.double() * mean.double() - ds.double()).to(x.dtype)
        b, c = _row_coefficients(lead, db, mean, s, 1.0 / self.count, composed)
        return s * g + b * x + c


def _row_coefficients(lead, db, mean, s, scale, composed):
    """b and c of layer_norm's and group_norm's kernel (Normalize), for arrays or Tensors, from
    ``lead`` = db mean - ds; ``composed``: grouped as torch's differentiable group_norm groups it."""
    b = lead * (s * s * s) * scale if composed else lead * s * s * s * scale
    return b, -b * mean - db * s * scale


def _fused_product_less(p, q, r):
    """p q - r rounded once, as the fused multiply-add of torch's compiled kernels computes it (so
    an overflowing p q does not make inf - inf): in a wider type, float64 for float32 arrays
    (exact products), NumPy's long double for float64 ones (wider exponents)."""
    xp = array_module(p)
    wide = np.float64 if p.dtype == np.float32 else np.longdouble if xp is np else None
    if wide is None:
        return p * q - r
    return (p.astype(wide) * q.astype(wide) - r.astype(wide)).astype(p.dtype)


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
        s = InvStd.apply(xs, axes=(2, 3), eps=self.eps)
        ds, db = (gs * xs).sum(3, keepdim=True), gs.sum(3, keepdim=True)
        return gy, ((ds - db * mean) * s).sum(0).reshape(c), None


class RowScale(Function):
    r"""layer_norm's weight: $z = \hat x\, w$, $w$ over the trailing ``axes`` (the normalised
    ones), with the input $x$ as a third input that gets no gradient here. $\bar{\hat x} = \bar z\,
    w$, and $\bar w = \sum_{rows} \bar z\, \hat x$; inside create_graph $\hat x$ is rebuilt as $s\,(x -
    \mu)$ from Tensor ops with $s$ = InvStd($x$), so that the second order has torch's form
    (layer_norm_double_backward's $\bar w$ terms: sums of $\bar z\, \bar{\bar w}\, (x - \mu)$, no
    inf - inf from differentiating the variance's own mean)."""

    def forward(self, y, w, x, axes, eps):
        self.axes, self.eps = axes, eps
        return y * w

    def backward(self, g):
        y, w, x = self.inputs
        gy = g * w
        if self.next[1] is None:  # the weight needs no gradient
            return gy, None, None
        rows = tuple(range(x.ndim - len(self.axes)))
        if not is_grad_enabled():  # the same value from the kept x-hat: one product, no graph
            return gy, (g * y).sum(rows), None
        s = InvStd.apply(x, axes=self.axes, eps=self.eps)
        return gy, (g * (s * (x - x.mean(self.axes, keepdim=True)))).sum(rows), None


class InvStd(Function):
    r"""$s = 1 / \sqrt{\sigma^2 + \epsilon}$ over ``axes`` (kept dims), from $x$: the rstd that
    torch's group_norm saves, with its derivative, var_mean_backward: $\bar x = \frac2n \bar v\,
    (x - \mu)$, $\bar v = -\frac12 s^3 \bar s$. The mean's own path ($\sum (x - \mu) = 0$) is
    left out, as in torch, so an infinite $\bar s$ leaves $\pm$inf where differentiating the
    composed variance would give inf - inf = NaN."""

    saves_output = True

    def forward(self, x, axes, eps):
        count = 1
        for a in axes:
            count *= x.shape[a]
        self.axes, self.count = axes, count
        return 1.0 / array_module(x).sqrt(_moments(x, axes, count)[2] + eps)

    def backward(self, g):
        x, s = self.inputs[0], self.output()
        dvar = -0.5 * (s * s * s) * g
        return ((2.0 / self.count) * dvar * (x - x.mean(self.axes, keepdim=True)),)
