"""Elementwise ops. Each forward works on arrays; each backward returns Tensors built from
differentiable ops, so gradients of gradients work. Broadcasting is undone for all of them in one
place (``autograd.sum_to_shape``). Formulas: derivations/engine_ops.tex; in the docstrings $\bar z$
is the upstream gradient (of the loss with respect to the output $z$) and $\bar a$ what backward
returns for the input $a$."""
import numpy as np

from ..autograd import Function
from ..backend import array_module
from ..dtypes import result_type
from ..grad_mode import is_grad_enabled


class Add(Function):
    r"""$z = a + b$; $\bar a = \bar z$, $\bar b = \bar z$."""

    saves_inputs = False  # backward needs no input values

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    r"""$z = a - b$; $\bar a = \bar z$, $\bar b = -\bar z$."""

    saves_inputs = False  # backward needs no input values

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, -g


class Mul(Function):
    r"""$z = a b$; $\bar a = \bar z\, b$, $\bar b = \bar z\, a$."""

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs
        return g * b, g * a


class Div(Function):
    r"""$z = a / b$; $\bar a = \bar z / b$, $\bar b = -\bar z\, a / b^2 = -\bar z\, (z / b)$ (grouped as
    torch groups it, so that it rounds as torch's)."""
    saves_output = True

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        _, b = self.inputs
        return g / b, -g * (self.output() / b)


class Neg(Function):
    r"""$z = -x$; $\bar x = -\bar z$."""

    saves_inputs = False  # backward needs no input values

    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


# torch's kernels for these exponents of float32/float64 tensors (sqrt, 1 / sqrt, products),
# which round otherwise than a general power: x^-0.5 x^0.5 is then 1 as in torch, not 1 - 1 ulp
_TORCH_POWERS = {0.5: lambda xp, x: xp.sqrt(x), -0.5: lambda xp, x: 1 / xp.sqrt(x), -1.0: lambda xp, x: 1 / x,
                 2.0: lambda xp, x: x * x, 3.0: lambda xp, x: x * x * x, -2.0: lambda xp, x: 1 / (x * x)}


def _power(x, exponent):
    special = _TORCH_POWERS.get(exponent) if x.dtype in (np.float32, np.float64) else None
    if special is not None:
        return special(array_module(x), x)
    if x.dtype == np.float32:  # NumPy's float32 power is often 1 ulp off torch's (a fifth of the values);
        return (x.astype(np.float64) ** exponent).astype(np.float32)  # rounded from float64 it agrees on 98%
    return x ** exponent


class PowScalar(Function):
    r"""$z = x^c$ for a constant $c$; $\bar x = \bar z\, c\, x^{c-1}$; for $c = 0$ zeros that do not
    depend on $\bar z$ (torch's ``zeros_like(self)``: 0 also for an infinite $\bar z$)."""

    def forward(self, x, exponent):
        self.exponent = exponent
        return _power(x, exponent)

    def backward(self, g):
        (x,) = self.inputs
        c = self.exponent
        if c == 0:
            return (x._wrap(array_module(x.array).zeros(x.shape, dtype=g.array.dtype)),)
        return (g * (x ** (c - 1) * c),)


class Pow(Function):
    r"""$z = a^b$ for tensors; $\bar a = \bar z\, b\, a^{b-1}$ (0 where $b = 0$),
    $\bar b = \bar z\, z \log a$ (0 where $a = 0 \le b$): torch's conventions at those points,
    written as torch's: $\bar z \cdot \mathrm{where}(a = 0 \le b, 0, z \log a)$, so that, as in
    torch, the second order at $a = 0$ is NaN ($z \log a$ is $0 \cdot (-\infty)$ there)."""
    saves_output = True

    def forward(self, a, b):
        return a ** b

    def backward(self, g):
        a, b = self.inputs
        zero_base = (a.array == 0) & (b.array >= 0)
        return (g * b * a ** (b - 1)).where(b.array != 0, 0.0), g * (self.output() * a.log()).where(~zero_base, 0.0)


class Exp(Function):
    r"""$z = e^x$; $\bar x = \bar z\, z$."""

    saves_inputs, saves_output = False, True  # backward reads only the output

    def forward(self, x):
        return array_module(x).exp(x)

    def backward(self, g):
        return (g * self.output(),)


class Log(Function):
    r"""$z = \log x$; $\bar x = \bar z / x$."""

    def forward(self, x):
        return array_module(x).log(x)

    def backward(self, g):
        return (g / self.inputs[0],)


class Sqrt(Function):
    r"""$z = \sqrt x$; $\bar x = \bar z / (2 z)$."""

    saves_inputs, saves_output = False, True  # backward reads only the output

    def forward(self, x):
        return array_module(x).sqrt(x)

    def backward(self, g):
        return (g / (self.output() * 2.0),)


class Rsqrt(Function):
    r"""$z = 1 / \sqrt x$; $\bar x = -\frac12 \bar z\, z^3$, torch's formula and grouping (a ZeroTensor
    $\bar z$ stays one; the composition 1 / sqrt would negate it, an op that makes it real)."""

    saves_inputs, saves_output = False, True  # backward reads only the output

    def forward(self, x):
        return 1 / array_module(x).sqrt(x)

    def backward(self, g):
        return (g * -0.5 * self.output() ** 3,)


def _sign(x):
    xp = array_module(x)
    return xp.where(xp.isnan(x), 0, xp.sign(x)).astype(x.dtype)  # sign(nan) is 0, as in torch


class Abs(Function):
    r"""$z = |x|$; $\bar x = \bar z\,\mathrm{sign}(x)$ (0 at $x = 0$, like torch). In a graph
    (create_graph) the sign is the op ``x.sgn()``, as torch's ``grad * self.sgn()``: in second order
    its gradient, torch's ZeroTensor, flows back into x's own graph and stays zero through products
    (an infinite derivative there gives no 0 * inf = NaN), until an op such as a where or a sum
    makes it a real zero (zero_tensor.py)."""

    def forward(self, x):
        return abs(x)

    def backward(self, g):
        if is_grad_enabled():
            return (g * self.inputs[0].sgn(),)
        return (g * _sign(self.inputs[0].array),)


def _overflow_edge(dtype):
    """The largest x of ``dtype`` whose e^-x overflows to inf in that dtype."""
    down, up = dtype(-np.inf), dtype(0)
    x = np.array(-np.log(np.finfo(dtype).max), dtype=dtype)
    with np.errstate(over="ignore"):
        while not np.isinf(np.exp(-x)):
            x = np.nextafter(x, down)
        while np.isinf(np.exp(-np.nextafter(x, up))):
            x = np.nextafter(x, up)
    return x


# torch computes sigmoid as 1 / (1 + e^-x) in float32 and float64: 0 exactly where e^-x overflows
_SIGMOID_ZERO_AT_OR_BELOW = {np.dtype(t): _overflow_edge(t) for t in (np.float32, np.float64)}


class Sigmoid(Function):
    r"""$\sigma(x) = 1/(1+e^{-x})$, computed without overflow; $\bar x = \bar z\,\sigma(1-\sigma)$.
    As torch's it is exactly 0 where $e^{-x}$ overflows (float32 $x < -88.72$), not the denormal
    $e^x$ (torch's formula divides by inf there)."""

    saves_inputs, saves_output = False, True  # backward reads only the output

    def forward(self, x):
        xp = array_module(x)
        e = xp.exp(-abs(x))  # in (0, 1]: never overflows
        s = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        edge = _SIGMOID_ZERO_AT_OR_BELOW.get(x.dtype)
        return s if edge is None else xp.where(x <= edge, s.dtype.type(0), s)

    def backward(self, g):  # torch's sigmoid_backward kernel: a ZeroTensor g is real zeros there
        s = self.output()
        return (g._materialized() * s * (1.0 - s),)


class Tanh(Function):
    r"""$z = \tanh x$; $\bar x = \bar z (1 - z^2)$."""

    saves_inputs, saves_output = False, True  # backward reads only the output

    def forward(self, x):
        xp = array_module(x)
        if x.dtype == xp.float32:  # NumPy's float32 tanh is often 1 ulp off (a third of the values
            # differ from torch's); the float64 value rounded to float32 agrees with torch's on 99.9%
            return xp.tanh(x.astype(xp.float64)).astype(xp.float32)
        return xp.tanh(x)

    def backward(self, g):  # torch's tanh_backward kernel: a ZeroTensor g is real zeros there
        t = self.output()
        return (g._materialized() * (1.0 - t * t),)


class Clamp(Function):
    r"""$z = \min(\max(x, lo), hi)$ for number bounds; $\bar x = \bar z$ where $lo \le x \le hi$, 0
    elsewhere (torch's rule: a tie with a bound passes the gradient)."""

    saves_inputs = False  # backward needs no input values

    def forward(self, x, lo=None, hi=None):
        xp = array_module(x)
        mask = xp.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        self.mask = mask
        return xp.clip(x, lo, hi)

    def backward(self, g):
        return (g.where(self.mask, 0.0),)  # selected: an infinite g stays out of the clamped part


class ClampBounds(Function):
    r"""$z = \min(\max(x, lo), hi)$ with tensor bounds (``which``: "lo", "hi" or "both"; a NaN
    anywhere gives NaN). Torch's rule hands out whole gradients, never halves: $\bar x = \bar z$
    where $lo \le x \le hi$ (a tie goes to $x$), $\bar{lo} = \bar z$ where $x < lo < hi$,
    $\bar{hi} = \bar z$ where $x > hi$ or $hi < lo$ (then $z = hi$), 0 elsewhere.

    The value is computed with the bounds rounded to x's dtype, the masks from the bounds as
    given, each comparison in torch's result type of its pair: as torch's kernel and backward do.
    So a float32 x between a 0-d float32 hi and a 0-d float64 lo = hi + 1.5 (equal in float32)
    gives hi the gradient, since hi < lo in float64."""

    saves_inputs = False  # backward needs only the masks

    def forward(self, x, *bounds, which):
        xp = array_module(x)
        lo = bounds[0] if which != "hi" else None
        hi = bounds[-1] if which != "lo" else None
        out = x if lo is None else xp.maximum(x, lo.astype(x.dtype, copy=False))
        out = out if hi is None else xp.minimum(out, hi.astype(x.dtype, copy=False))
        keep = xp.ones(out.shape, dtype=bool)
        if lo is not None:
            keep &= _compared(x, lo, xp.greater_equal)
        if hi is not None:
            keep &= _compared(x, hi, xp.less_equal)
        self.masks = [keep]
        both = lo is not None and hi is not None
        if lo is not None:
            below = _compared(x, lo, xp.less)
            self.masks.append(xp.broadcast_to(below & _compared(lo, hi, xp.less) if both else below, out.shape))
        if hi is not None:
            above = _compared(x, hi, xp.greater)
            self.masks.append(xp.broadcast_to(above | _compared(hi, lo, xp.less) if both else above, out.shape))
        return out

    def backward(self, g):
        return tuple(g.where(mask, 0.0) for mask in self.masks)


def _compared(a, b, comparison):
    """``comparison(a, b)`` in torch's result type of the two (a 0-d array does not widen a
    dimensioned one of its category, dtypes.py)."""
    dtype = result_type(a, b)
    return comparison(a.astype(dtype, copy=False), b.astype(dtype, copy=False))


class Maximum(Function):
    r"""$z = \max(a, b)$; $\bar a = \bar z$ where $a > b$, $\bar z / 2$ on ties, 0 where $a < b$ (and
    $\bar b$ likewise): torch's rule, so a NaN operand (neither larger nor smaller) gets $\bar z$ on
    both sides. Selected with ``where``, never multiplied by a 0/1 mask: no inf * 0 = NaN."""

    saves_inputs = False  # backward needs no input values
    largest = True

    def forward(self, a, b):
        self.tie = a == b
        self.a_loses, self.b_loses = (a < b, a > b) if self.largest else (a > b, a < b)
        return (array_module(a).maximum if self.largest else array_module(a).minimum)(a, b)

    def backward(self, g):
        shared = (g * 0.5).where(self.tie, g)
        return shared.where(~self.a_loses, 0.0), shared.where(~self.b_loses, 0.0)


class Minimum(Maximum):
    r"""$z = \min(a, b)$; the gradient goes to the smaller input, split in half on ties (as Maximum)."""

    largest = False


class Where(Function):
    r"""$z = c ? a : b$ for a boolean array $c$; $\bar a = c ? \bar z : 0$, $\bar b = c ? 0 : \bar z$."""

    saves_inputs = False  # backward needs no input values

    def forward(self, a, b, condition):
        self.condition = condition
        return array_module(a).where(condition, a, b)

    def backward(self, g):
        return g.where(self.condition, 0.0), g.where(~self.condition, 0.0)


class Cast(Function):
    r"""$z = x$ in another dtype (``x.to(dtype)``); $\bar x = \bar z$ cast back to x's dtype."""

    saves_inputs = False  # backward needs no input values

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return (g.to(self.inputs[0].dtype),)


class OwnKernel(Function):
    r"""$z = x$ (a copy): the end of a composition that torch computes as one op with a backward
    kernel of its own (``mse_loss``), and named as torch's node (``torch_name``); $\bar x = \bar z$,
    but a ZeroTensor $\bar z$ (zero_tensor.py) as real zeros, as torch's kernel sees it."""

    saves_inputs = False  # backward needs no input values

    def forward(self, x, torch_name):
        self.torch_name = torch_name
        return x.copy()

    def backward(self, g):
        return (g._materialized(),)

    def name(self):
        return self.torch_name
