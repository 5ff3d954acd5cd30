"""The vector p-norm over some axes, with torch's gradient conventions (0 where the norm is 0).
p = 1 and 0 are compositions (``tensor_math.vector_norm``); InfNorm covers inf and -inf, VectorNorm
the rest. Where torch's backward multiplies by ``self.sgn()``, so do these, in the graph: in second
order its gradient is torch's ZeroTensor (zero_tensor.py)."""
from ..autograd import Function
from ..backend import array_module


class VectorNorm(Function):
    r"""$z = \big(\sum_i |x_i|^p\big)^{1/p}$ over ``axes``.

    $\bar x_i = \bar z\, x_i |x_i|^{p-2} / z^{p-1}$ (for $p = 2$: $\bar z\, x_i / z$), and 0 where
    $z = 0$ (for $p = 2$ it is $\bar z \cdot 0$ there, NaN for a NaN or inf $\bar z$, as torch's); for $p < 1$ the zero elements get 0 and the rest $\bar z\,\mathrm{sign}(x_i) |x_i|^{p-1} z^{1-p}$
    (torch's rules, so that no 0/0 appears)."""

    saves_output = True

    def forward(self, x, p, axes, keepdim):
        xp = array_module(x)
        self.p, self.axes = p, axes
        a = abs(x)
        if all(x.shape[i] == 1 for i in axes):  # one element: |x| itself, without under/overflow (torch's value)
            return a.sum(axis=axes, keepdims=keepdim)
        if p == 2:
            return xp.sqrt((a * a).sum(axis=axes, keepdims=keepdim))
        return (a ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)

    def backward(self, g):
        x, p = self.inputs[0], self.p
        shape = tuple(1 if i in self.axes else n for i, n in enumerate(x.shape))
        g, z = g.reshape(shape), self.output().reshape(shape)
        if p < 1:  # |x|^(p-1) is inf at the zeros: selected away here, NaN in second order as torch's
            power = (x.abs() ** (p - 1)).where(x.array != 0, 0.0)
            return (power * x.sgn() * g * z ** (1 - p),)  # sgn in the graph, as torch's self.sgn()
        zero_norm = z.array == 0
        if p == 2:  # torch's form: g times the selected x / z (a NaN or inf g stays NaN at z = 0)
            return (g * (x / z).where(~zero_norm, 0.0),)
        scale = (g / z ** (p - 1)).where(~zero_norm, 0.0)  # as torch's: g/0 selected away
        if p < 2:
            return (x.abs() ** (p - 1) * x.sgn() * scale,)
        return (x * x.abs() ** (p - 2) * scale,)


class InfNorm(Function):
    r"""$z = \max_i |x_i|$ (or $\min_i |x_i|$) over ``axes``; $\bar x_i = \mathrm{sgn}(x_i)\,((\bar z / c)
    \, m_i)$ with torch's mask $m_i = [|x_i| = z \lor x_i = \mathrm{NaN}]$ and $c = \sum_j m_j$ (ties
    share evenly), products as in torch: an infinite $\bar z$ gives NaN off the extremum, and a NaN
    element has sgn 0. The sgn is an op in the graph, as torch's: its gradient is torch's
    ZeroTensor (zero_tensor.py)."""

    def forward(self, x, axes, keepdim, largest):
        xp = array_module(x)
        a = abs(x)
        z = (a.max if largest else a.min)(axis=axes, keepdims=True)
        mask = (a == z) | xp.isnan(a)
        self.mask, self.count = mask.astype(x.dtype), mask.sum(axis=axes, keepdims=True).astype(x.dtype)
        self.kept = z.shape
        return z if keepdim else z.reshape(tuple(n for i, n in enumerate(z.shape) if i not in axes))

    def backward(self, g):
        x = self.inputs[0]
        return (x.sgn() * ((g.reshape(self.kept) / g._wrap(self.count)) * g._wrap(self.mask)),)
