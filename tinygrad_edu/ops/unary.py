"""Trigonometric, hyperbolic and logarithmic elementwise ops, and the piecewise-constant ones
(sign, sgn, floor, ceil, round, trunc) whose gradient is zero. Each backward is written with Tensor
ops, so it is differentiable again (second order); the formulas are the ones torch uses, so that
NaN and inf appear at the same points (outside the domain, at the poles)."""
import math

from ..autograd import Function
from ..backend import array_module


class Sin(Function):
    r"""$z = \sin x$; $\bar x = \bar z \cos x$."""

    def forward(self, x):
        return array_module(x).sin(x)

    def backward(self, g):
        return (g * self.inputs[0].cos(),)


class Cos(Function):
    r"""$z = \cos x$; $\bar x = \bar z \cdot (-\sin x)$ (torch's grouping: a ZeroTensor $\bar z$ stays one)."""

    def forward(self, x):
        return array_module(x).cos(x)

    def backward(self, g):
        return (g * -self.inputs[0].sin(),)


class Tan(Function):
    r"""$z = \tan x$; $\bar x = \bar z (1 + z^2)$."""

    saves_inputs, saves_output = False, True

    def forward(self, x):
        return array_module(x).tan(x)

    def backward(self, g):
        z = self.output()
        return (g * (z * z + 1.0),)


class Asin(Function):
    r"""$z = \arcsin x$; $\bar x = \bar z / \sqrt{1 - x^2}$, as torch's ``(-x * x + 1).rsqrt()`` (the same
    values; a ZeroTensor reaching $1 - x^2$ becomes real zeros at the negation, not before the
    product with x, as in ``1 - x * x``)."""

    def forward(self, x):
        return array_module(x).arcsin(x)

    def backward(self, g):
        x = self.inputs[0]
        return (g * (-x * x + 1.0).rsqrt(),)


class Acos(Function):
    r"""$z = \arccos x$; $\bar x = \bar z \cdot (-1 / \sqrt{1 - x^2})$ (torch's grouping: a ZeroTensor
    $\bar z$ stays one)."""

    def forward(self, x):
        return array_module(x).arccos(x)

    def backward(self, g):
        x = self.inputs[0]
        return (g * -(-x * x + 1.0).rsqrt(),)  # torch's grouping, as Asin's


class Atan(Function):
    r"""$z = \arctan x$; $\bar x = \bar z / (1 + x^2)$."""

    def forward(self, x):
        return array_module(x).arctan(x)

    def backward(self, g):
        x = self.inputs[0]
        return (g / (x * x + 1.0),)


class Atan2(Function):
    r"""$z = \operatorname{atan2}(a, b)$ (the angle of the point $(b, a)$);
    $\bar a = \bar z\, b / (a^2 + b^2)$, $\bar b = -\bar z\, a / (a^2 + b^2)$; at the origin the
    factor $1 / (a^2 + b^2)$ is taken as 0, as torch's is: both gradients are then $\bar z \cdot 0$
    (0, or NaN for an infinite $\bar z$), and the second order is NaN there, as torch's."""

    def forward(self, a, b):
        return array_module(a).arctan2(a, b)

    def backward(self, g):
        a, b = self.inputs
        r2 = a * a + b * b
        origin = r2.array == 0
        recip = (1.0 / r2).where(~origin, 0.0)
        return g * (b * recip), g * -(a * recip)


class Sinh(Function):
    r"""$z = \sinh x$; $\bar x = \bar z \cosh x$."""

    def forward(self, x):
        return array_module(x).sinh(x)

    def backward(self, g):
        return (g * self.inputs[0].cosh(),)


class Cosh(Function):
    r"""$z = \cosh x$; $\bar x = \bar z \sinh x$."""

    def forward(self, x):
        return array_module(x).cosh(x)

    def backward(self, g):
        return (g * self.inputs[0].sinh(),)


class Asinh(Function):
    r"""$z = \operatorname{asinh} x$; $\bar x = \bar z / \sqrt{x^2 + 1}$."""

    def forward(self, x):
        return array_module(x).arcsinh(x)

    def backward(self, g):
        x = self.inputs[0]
        return (g * (x * x + 1.0).rsqrt(),)


class Acosh(Function):
    r"""$z = \operatorname{acosh} x$ ($x \ge 1$); $\bar x = \bar z / \sqrt{x^2 - 1}$."""

    def forward(self, x):
        return array_module(x).arccosh(x)

    def backward(self, g):
        x = self.inputs[0]
        return (g * (x * x - 1.0).rsqrt(),)


class Atanh(Function):
    r"""$z = \operatorname{atanh} x$ ($|x| < 1$); $\bar x = \bar z / (1 - x^2)$."""

    def forward(self, x):
        return array_module(x).arctanh(x)

    def backward(self, g):
        x = self.inputs[0]
        return (g / (1.0 - x * x),)


class Log2(Function):
    r"""$z = \log_2 x$; $\bar x = \bar z / (x \ln 2)$."""

    def forward(self, x):
        return array_module(x).log2(x)

    def backward(self, g):
        return (g / (self.inputs[0] * math.log(2.0)),)


class Log10(Function):
    r"""$z = \log_{10} x$; $\bar x = \bar z / (x \ln 10)$."""

    def forward(self, x):
        return array_module(x).log10(x)

    def backward(self, g):
        return (g / (self.inputs[0] * math.log(10.0)),)


class Log1p(Function):
    r"""$z = \log(1 + x)$, accurate for small $x$; $\bar x = \bar z / (1 + x)$."""

    def forward(self, x):
        return array_module(x).log1p(x)

    def backward(self, g):
        return (g / (self.inputs[0] + 1.0),)


class Expm1(Function):
    r"""$z = e^x - 1$, accurate for small $x$; $\bar x = \bar z (z + 1)$."""

    saves_inputs, saves_output = False, True

    def forward(self, x):
        return array_module(x).expm1(x)

    def backward(self, g):
        return (g * (self.output() + 1.0),)


class ZeroGradient(Function):
    r"""A piecewise-constant function of $x$, computed by ``fn``: $\bar x = 0$ everywhere
    (torch's convention, also at the jumps). The output stays in the graph, so backward through
    it alone runs and gives zeros, as in torch. The subclasses only name the function."""

    saves_inputs = False

    def forward(self, *arrays, fn):
        return fn(*arrays)

    def backward(self, g):
        xp = array_module(g.array)
        return tuple(g._wrap(xp.zeros(t.shape, dtype=g.dtype)) for t in self.inputs)


class Sign(ZeroGradient):
    r"""$z = \mathrm{sign}(x) \in \{-1, 0, 1\}$; $\bar x = 0$ (real zeros: torch's ``zeros_like(grad)``)."""


class Sgn(Sign):
    r"""$z = \mathrm{sgn}(x)$, for a real x its sign; $\bar x = 0$ as torch's ZeroTensor (its
    ``sgn_backward`` for a real input: ``at::_efficientzerotensor``), a zero that stays zero
    through products and quotients (zero_tensor.py), where Sign's real zeros meet an infinite
    derivative as 0 * inf = NaN. abs' backward and the norms' multiply by it in a graph."""

    def backward(self, g):
        from ..zero_tensor import zeros  # here: zero_tensor imports tensor, which imports the ops
        return (zeros(g, self.inputs[0].shape),)


class Floor(ZeroGradient):
    r"""$z = \lfloor x \rfloor$; $\bar x = 0$."""


class Ceil(ZeroGradient):
    r"""$z = \lceil x \rceil$; $\bar x = 0$."""


class Round(ZeroGradient):
    r"""$z$ = x rounded half to even; $\bar x = 0$."""


class Trunc(ZeroGradient):
    r"""$z$ = x rounded towards 0; $\bar x = 0$."""


class CountNonzero(ZeroGradient):
    r"""$z = \#\{i : x_i \ne 0\}$ (the 0-"norm"); $\bar x = 0$."""
