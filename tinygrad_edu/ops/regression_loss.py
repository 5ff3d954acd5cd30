r"""The Huber and smooth L1 losses as one op each, with torch's kernels and derivative formulas.
With $d = x - t$ (input minus target, already broadcast to one shape) and $z = |d|$:

    huber       $\ell = \frac12 z^2$ where $z < \delta$, else $\delta\,(z - \frac12\delta)$;
                $\partial\ell/\partial x = \mathrm{clamp}(d, -\delta, \delta)$
    smooth_l1   $\ell = \frac12 z^2 / \beta$ where $z < \beta$, else $z - \frac12\beta$;
                $\partial\ell/\partial x = \mathrm{clamp}(d, -\beta, \beta) / \beta$

reduced by ``reduction`` (``mean``: the sum divided by the count, so the gradient has the factor
$1/n$). Torch's first derivative *selects* the slope (an infinite $d$ has the finite gradient
$\pm\delta\bar\ell$), while its second derivative *multiplies* by the mask: huber_loss_double_backward
is $\bar{\bar x}\,\bar\ell\,[z < \delta]$, so an infinite product gives inf * 0 = NaN in the linear
region, where the composed form (a ``where`` of the two branches) selected and kept it infinite.
Both are here: the slope is an op (:class:`LossSlope`) whose value selects and whose backward
multiplies. Like torch, the target's gradient is its own slope of $t - x$ (torch calls the
backward with the two swapped), not the negated input gradient.
"""
from ..autograd import Function
from ..backend import array_module


class HuberLoss(Function):
    r"""The Huber loss of ``x`` against ``t`` (module docstring; ``bound`` is $\delta$); $\bar x =
    \mathrm{LossSlope}(x - t)\,c\,\bar\ell$ and $\bar t = \mathrm{LossSlope}(t - x)\,c\,\bar\ell$
    ($c = 1/n$ for ``mean``, else 1), built from Tensor ops, so differentiable again."""

    smooth = False  # SmoothL1Loss: the loss and the slope divided by the bound

    def forward(self, x, t, bound, reduction):
        self.bound, self.reduction = bound, reduction
        z = array_module(x).abs(x - t)
        half = 0.5 * z * z
        if self.smooth:
            loss = array_module(x).where(z < bound, half / bound, z - 0.5 * bound)
        else:
            loss = array_module(x).where(z < bound, half, bound * (z - 0.5 * bound))
        if reduction == "none":
            return loss
        total = loss.sum()
        return total / float(loss.size) if reduction == "mean" else total  # 0 / 0 = NaN when empty

    def backward(self, g):
        x, t = self.inputs
        g = g._materialized()  # torch's huber_loss_backward kernel: a ZeroTensor g is real zeros there
        gx = self._gradient(x - t, g) if self.next[0] is not None else None
        gt = self._gradient(t - x, g) if self.next[1] is not None else None
        return gx, gt

    def _gradient(self, d, g):
        slope = LossSlope.apply(d, bound=self.bound, smooth=self.smooth)
        if self.reduction == "mean":
            slope = slope * (1.0 / max(d.numel(), 1))  # torch's norm (1 / numel), times the slope first
        return slope * g


class SmoothL1Loss(HuberLoss):
    r"""The smooth L1 loss (``bound`` is $\beta > 0$): the Huber loss divided by $\beta$, and so
    its slope."""

    smooth = True


class LossSlope(Function):
    r"""$z = \mathrm{clamp}(d, -b, b)$ ($/b$ if ``smooth``; NaN stays NaN), the selected slope of
    torch's huber/smooth_l1 backward; $\bar d = \bar z\,[|d| < b]$ ($/b$), multiplied by the mask
    as torch's double backward multiplies (inf * 0 = NaN outside)."""

    def forward(self, d, bound, smooth):
        self.bound, self.smooth = bound, smooth
        z = array_module(d).clip(d, -bound, bound)
        return z / bound if smooth else z

    def backward(self, g):
        d = self.inputs[0]
        inside = g * g._wrap((array_module(d.array).abs(d.array) < self.bound).astype(g.array.dtype))
        return (inside / self.bound if self.smooth else inside,)
