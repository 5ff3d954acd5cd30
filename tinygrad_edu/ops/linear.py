r"""The fully connected layer as one op (``F.linear``; the argument checks are in nn/functional.py).

    forward:  $y = x W^\top + b$, with $x$ of shape (..., in), $W$ (out, in), $b$ (out,)
    adjoint:  $\bar x = \bar y W$,  $\bar W = \bar y^\top x$ (the leading dims flattened into rows),
              $\bar b = \sum_{\text{rows}} \bar y$

Each gradient is computed only when its input requires it (composed from matmul, transpose and
add it was 3 ops forward, 7 backward, and an unneeded $\bar x$). The gradients are made of engine
ops, so the gradient of a gradient works.
"""
import math

from ..autograd import Function
from .reduce import Sum

__all__ = ["Linear", "LinearWeightGrad"]


class Linear(Function):
    r"""$y = x W^\top + b$ ($b$ optional); $\bar x = \bar y W$, $\bar W = \bar y^\top x$, $\bar b = \sum \bar y$."""

    def forward(self, x, w, *bias):
        y = x @ w.T
        if bias:
            y += bias[0]
        return y

    def backward(self, g):
        x, w = self.inputs[:2]
        gx = g @ w if x.requires_grad else None
        rows = math.prod(g.shape[:-1])  # not -1: that is ambiguous when out_features is 0
        g2, x2 = (g, x) if g.ndim == 2 else (g.reshape(rows, g.shape[-1]), x.reshape(rows, x.shape[-1]))
        gw = LinearWeightGrad.apply(g2, x2) if w.requires_grad else None
        gb = None
        if len(self.inputs) > 2 and self.inputs[2].requires_grad:
            gb = Sum.apply(g, axes=tuple(range(g.ndim - 1)), keepdim=False)
        return gx, gw, gb


class LinearWeightGrad(Function):
    r"""$Z = G^\top X$ for $G$ (rows, out) and $X$ (rows, in): the weight gradient of Linear as one
    op (a transpose and a matmul otherwise). Backward, with $H = \bar Z$ (out, in): $\bar G = X H^\top$
    (a Linear of X with weight H), $\bar X = G H$."""

    def forward(self, g, x):
        return g.T @ x

    def backward(self, h):
        g, x = self.inputs
        return (Linear.apply(x, h) if g.requires_grad else None), (g @ h if x.requires_grad else None)
