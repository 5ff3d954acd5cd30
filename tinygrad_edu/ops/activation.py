r"""The two activation ops of ``F`` that are not compositions of engine ops (the activations
themselves, and their argument checks, are in nn/_functional/activation.py).

``Fused`` is any activation $z = f(x)$ whose backward is one product, $\bar x = \bar z\, f'(x)$,
as torch's fused kernels compute it (gelu, silu and mish use it); ``Hardswish`` is torch's
hardswish with its piecewise gradient.
"""
from ..autograd import Function
from ..backend import array_module

__all__ = ["Fused", "Hardswish"]


class Fused(Function):
    r"""$z = f(x)$; $\bar x = \bar z \cdot f'(x)$ in one product, as torch's fused activations
    compute it: an infinite $\bar z$ times a finite $f'$ stays infinite (the chain rule through
    $f$'s pieces would meet inf * 0 = NaN). ``value`` is $f(x)$, computed by the caller
    (``nn/_functional/activation.py``, without a graph), ``slope`` a Tensor function for $f'$,
    differentiable again (second order)."""

    def forward(self, x, value, slope):
        self.slope = slope
        return value

    def backward(self, g):
        return (g * self.slope(self.inputs[0]),)


class Hardswish(Function):
    r"""$z = x \min(\max(x + 3, 0), 6) / 6$ as torch computes it (so $-\infty$ and NaN give NaN);
    $\bar x = 0$ for $x \le -3$, $\bar z (x/3 + 1/2)$ for $-3 < x < 3$, $\bar z$ for $x \ge 3$
    (and NaN, torch's else-branch). Second order as torch: $1/3$ strictly inside, 0 outside."""

    def forward(self, x):
        xp = array_module(x)
        return x * xp.minimum(xp.maximum(x + 3.0, 0.0), 6.0) / 6.0

    def backward(self, g):
        (x,) = self.inputs
        inside = (x.array > -3.0) & (x.array < 3.0)
        slope = (x * (1.0 / 3.0) + 0.5).where(inside, 0.0)  # selected: no inf * 0 from outside
        # selected, not multiplied, as torch's kernel: a NaN or inf g gives 0 where x <= -3
        return ((g * slope).where(inside, g).where(~(x.array <= -3.0), 0.0),)
