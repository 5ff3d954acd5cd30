r"""The logistic loss of logits $x$ against targets $t$ as one op (``F.binary_cross_entropy_with_logits``),
with an optional ``weight`` $w$ and ``pos_weight`` $p$ (both broadcast to $x$'s shape; $w = p = 1$
where absent). Elementwise, in torch's form (finite for any finite $x$, and $\pm\infty$ at
$x = \pm\infty$ as in torch):

    loss        $L = w\,\big((1 - t)\,x + (1 + (p - 1)\,t)\operatorname{softplus}(-x)\big)$
    gradients   $\bar x = \big((p t + 1 - t)\,\sigma(x) - p t\big)\,\bar L\,w$
                (with no $p$: $(\sigma(x) - t)\,\bar L\,w$)
                $\bar t = \big(p \operatorname{softplus}(-x) - \operatorname{softplus}(x)\big)\,\bar L\,w$
                (with no $p$: $-x\,\bar L\,w$; $\operatorname{softplus}(-x) - \operatorname{softplus}(x) = -x$)

then summed (``sum``) or averaged (``mean``: both gradients divided by $x$'s numel). These are
torch's ``binary_cross_entropy_with_logits_backward`` and ``..._target_backward``, ONE product
each, in torch's order. The composed loss's gradient is a sum of its terms' gradients instead, so
an infinite $\bar L$ gave inf - inf = NaN where torch gives $\pm\infty$. The backward is built of
Tensor ops: the second order is autograd through it, as in torch. torch has no gradient for $w$
or $p$ (it refuses them with requires_grad: nn/_functional/loss.py does the same).
"""
from ..autograd import Function
from ..backend import array_module
from .special import Softplus


class BinaryCrossEntropyWithLogits(Function):
    r"""$L$ of the module docstring, of inputs ``(x, t, *factors)``, ``factors`` the tensors named in
    ``kinds`` ("weight", "pos_weight"); the result has $t$'s dtype (torch computes into ``1 - t``)."""

    def forward(self, x, t, *factors, kinds, reduction):
        xp = array_module(x)
        self.kinds, self.reduction = kinds, reduction
        named = dict(zip(kinds, factors))
        softplus = xp.logaddexp(0, -x)
        if "pos_weight" in named:
            softplus = (1 + (named["pos_weight"] - 1) * t) * softplus
        loss = (1 - t) * x + softplus
        if "weight" in named:
            loss = loss * named["weight"]
        loss = loss.astype(t.dtype, copy=False)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return loss.sum()
        return loss.sum() / loss.size if loss.size else loss.sum() * xp.nan  # the mean of nothing: NaN

    def backward(self, g):
        x, t, *factors = self.inputs
        named = dict(zip(self.kinds, factors))
        p, w = named.get("pos_weight"), named.get("weight")
        gx = gt = None
        if self.next[0] is not None:
            if p is None:
                gx = (x.sigmoid() - t) * g
            else:
                pt = p * t
                gx = ((pt + 1.0 - t) * x.sigmoid() - pt) * g
        if self.next[1] is not None:
            gt = (-x if p is None else Softplus.apply(-x) * p - Softplus.apply(x)) * g
        return (self._scaled(gx, w), self._scaled(gt, w)) + (None,) * len(factors)

    def _scaled(self, grad, w):
        """``grad * w``, then ``/ numel`` for the mean (torch's order)."""
        if grad is None:
            return None
        if w is not None:
            grad = grad * w
        return grad / float(self.inputs[0].numel()) if self.reduction == "mean" else grad
