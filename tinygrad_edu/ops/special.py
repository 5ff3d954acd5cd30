r"""Special functions: the error function (exact GELU needs it; NumPy has none).

    $\operatorname{erf}(x) = \frac{2}{\sqrt\pi}\int_0^x e^{-t^2}\,dt$,
    $\frac{d}{dx}\operatorname{erf}(x) = \frac{2}{\sqrt\pi} e^{-x^2}$.

Computed in float64 with two expansions that need no cancellation, each to about 1e-16:

- $|x| < 3$: $\operatorname{erf}(x) = \frac{2}{\sqrt\pi} e^{-x^2} \sum_{n \ge 0}
  \frac{2^n x^{2n+1}}{1 \cdot 3 \cdots (2n+1)}$ (every term positive; 80 terms);
- $|x| \ge 3$: $\operatorname{erfc}(x) = \frac{e^{-x^2}}{\sqrt\pi}\,
  \cfrac{1}{x + \cfrac{1/2}{x + \cfrac{1}{x + \cfrac{3/2}{x + \cdots}}}}$ (a continued fraction,
  evaluated from its 60th level up), and $\operatorname{erf} = 1 - \operatorname{erfc}$.

Both are plain array arithmetic, so the same code runs on NumPy and CuPy.
"""
import math

import numpy as np

from ..autograd import Function
from ..backend import array_module

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def erf_array(x):
    """erf of an array (any float dtype; computed in float64, returned in x's dtype)."""
    xp = array_module(x)
    a = xp.abs(x.astype(np.float64))
    small = xp.minimum(a, 3.0)  # each branch sees only values it is accurate for
    term, total = small.copy(), small.copy()
    for n in range(1, 80):
        term = term * (2.0 * small * small) / (2 * n + 1)
        total = total + term
    series = _TWO_OVER_SQRT_PI * xp.exp(-small * small) * total
    large = xp.maximum(a, 3.0)
    fraction = large.copy()
    for n in range(60, 0, -1):
        fraction = large + (n / 2.0) / fraction
    tail = 1.0 - xp.exp(-large * large) / (math.sqrt(math.pi) * fraction)
    value = xp.where(a < 3.0, series, tail)
    return (xp.sign(x) * value).astype(x.dtype)


class Erf(Function):
    r"""$z = \operatorname{erf}(x)$; $\bar x = \bar z\,\frac{2}{\sqrt\pi} e^{-x^2}$."""

    def forward(self, x):
        return erf_array(x)

    def backward(self, g):
        (x,) = self.inputs
        return (g * ((-(x * x)).exp() * _TWO_OVER_SQRT_PI),)


class Softplus(Function):
    r"""$z = \log(1 + e^x)$ computed as ``logaddexp(0, x)`` (no overflow for any x);
    $\bar x = \bar z\,\sigma(x)$. The logistic loss and ``F.softplus`` are built on it."""

    def forward(self, x):
        return array_module(x).logaddexp(0, x)

    def backward(self, g):  # torch's softplus_backward kernel: a ZeroTensor g is real zeros there
        return (g._materialized() * self.inputs[0].sigmoid(),)


class SelfXlogy(Function):
    r"""$z = t \log t$, 0 at $t = 0$ (torch's ``xlogy(t, t)``, the entropy term of ``kl_div``), with
    torch's gradient as xlogy's two halves: $\bar t = \mathrm{xlogy}(\bar z, t)$, 0 where $t = 0$
    or $\bar z = 0$, plus $\bar z\, t / t$ (so NaN at $t = 0$, as in torch)."""

    def forward(self, t):
        xp = array_module(t)
        with np.errstate(invalid="ignore", divide="ignore"):
            return xp.where(t == 0, 0, t * xp.log(xp.where(t == 0, 1, t))).astype(t.dtype)

    def backward(self, g):
        (t,) = self.inputs
        log_part = (g * t.log()).where((g.array != 0) & (t.array != 0), 0.0)
        return (log_part + g * t / t,)
