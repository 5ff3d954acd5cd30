r"""The activation ops that are not compositions of engine ops (the activations of ``F`` and their
argument checks are in nn/_functional/activation.py).

The piecewise-linear ones, ``Relu`` (with its backward as an op of its own, ``ReluGrad``),
``Hardtanh`` and ``LeakyRelu``, select their gradient (never multiply by a mask) and are
``linked`` to their input in second order as torch's are. ``Fused`` is any activation
$z = f(x)$ whose backward is one product, $\bar x = \bar z\, f'(x)$, as torch's fused kernels
compute it (gelu, silu and mish use it); ``Hardswish`` is torch's hardswish with its piecewise
gradient.
"""
from ..autograd import Function
from ..backend import array_module, memory_order, zero_where
from ..grad_mode import is_grad_enabled
from .unary import ZeroGradient

__all__ = ["Relu", "ReluGrad", "Hardtanh", "LeakyRelu", "Fused", "Hardswish"]


class OnesOf(ZeroGradient):
    r"""1 in x's shape and dtype, in x's graph, with the gradient 0 (see ``linked``)."""


def linked(gradient, x):
    """``gradient`` times OnesOf(x) inside create_graph: torch's masked activations (relu, leaky_relu)
    give their input the gradient zeros_like in second order, which reaches x's own backward (a
    0 / 0 there, log1p at -1, is NaN in torch); outside create_graph, ``gradient`` itself."""
    if not is_grad_enabled():
        return gradient
    return gradient * OnesOf.apply(x, fn=array_module(x.array).ones_like)


class Relu(Function):
    r"""$z = \max(x, 0)$; $\bar x = [x > 0]\,?\,\bar z : 0$ (0 at $x = 0$, like torch)."""

    saves_inputs, saves_output = False, True  # backward reads only the output
    reuses_grad = True  # ReluGrad may write into g's array (grad_holders.owned)

    def forward(self, x):
        return array_module(x).maximum(x, 0)

    def backward(self, g):
        # in a graph, linked: torch gives ReLU's output the gradient zeros_like in second order
        into_g = getattr(self, "grad_owned", False)
        return (linked(ReluGrad.apply(g, self.output(), into_g=into_g), self.output()),)


class ReluGrad(Function):
    r"""ReLU's backward as one op: $y = [z \not\le 0]\,?\,g : 0$ from ReLU's output $z$, selected,
    not multiplied (an infinite $g$ must not make inf * 0 = NaN), and a NaN input passes its
    gradient, like torch. From the output, so no mask is kept between the passes; computed a block
    at a time (``SELECT_BLOCK`` elements, in memory order), so no mask of the whole batch is held
    either (torch's kernel is one pass too: measured, a whole mask was 2 MiB of the Galaxy CNN
    step's peak), and on the bits (backend.zero_where: 10x faster than NumPy's where); over g's
    own array when only backward holds g (``into_g``, grad_holders.owned). Linear in $g$: $\bar g$
    = the same selection of $\bar y$; $z$ gets no gradient (0 almost everywhere)."""

    saves_inputs = False

    def forward(self, g, z, into_g=False):
        self.z = z
        order = memory_order(g)
        gm, zm = g.transpose(order), z.transpose(order)
        if g.size <= SELECT_BLOCK or not (gm.flags.c_contiguous and zm.flags.c_contiguous):
            return zero_where(z <= 0, g)
        # into_g: g is backward's alone (grad_holders.owned), so the result is written over it
        xp = array_module(g)
        out = gm if into_g else xp.empty(gm.shape, dtype=g.dtype)  # in g's memory layout
        flat_g, flat_z, flat_out = gm.reshape(-1), zm.reshape(-1), out.reshape(-1)
        scratch = xp.empty(min(g.size, SELECT_BLOCK), g.dtype) if into_g else None
        for i in range(0, g.size, SELECT_BLOCK):
            block = slice(i, i + SELECT_BLOCK)
            part = None if scratch is None else scratch[:flat_g[block].size]
            zero_where(flat_z[block] <= 0, flat_g[block], out=flat_out[block], scratch=part)
        return g if into_g else out.transpose(sorted(range(g.ndim), key=order.__getitem__))

    def backward(self, h):
        return ReluGrad.apply(h, h._wrap(self.z)), None


SELECT_BLOCK = 1 << 17  # elements of ReluGrad's mask at a time (64K-256K measured alike)


class Hardtanh(Function):
    r"""$z = \mathrm{clamp}(x, lo, hi)$; $\bar x = \bar z$ strictly inside $(lo, hi)$, else 0 (at the
    edges and at NaN too: selected)."""

    def forward(self, x, lo, hi):
        self.lo, self.hi = lo, hi
        xp = array_module(x)
        return xp.where(xp.isnan(x), x, xp.clip(x, lo, hi))

    def backward(self, g):
        x = self.inputs[0]
        return (linked(g.where((x.array > self.lo) & (x.array < self.hi), 0.0), x),)


class LeakyRelu(Function):
    r"""$z = x$ for $x > 0$, else $a x$; $\bar x = \bar z$ or $a \bar z$ (selected: $a \bar z$ at 0 and at
    NaN, as torch's)."""

    def forward(self, x, slope):
        self.slope = slope
        return array_module(x).where(x > 0, x, x * slope)

    def backward(self, g):
        x = self.inputs[0]
        return (linked(g.where(x.array > 0, g * self.slope), x),)


class Fused(Function):
    r"""$z = f(x)$; $\bar x = \bar z \cdot f'(x)$ in one product, as torch's fused activations
    compute it: an infinite $\bar z$ times a finite $f'$ stays infinite (the chain rule through
    $f$'s pieces would meet inf * 0 = NaN). ``value`` is $f(x)$, computed by the caller
    (``nn/_functional/activation.py``, without a graph), ``slope`` a Tensor function for $f'$,
    differentiable again (second order). A ZeroTensor $\bar z$ (zero_tensor.py) is real zeros in
    torch's kernels, and here too."""

    def forward(self, x, value, slope):
        self.slope = slope
        return value

    def backward(self, g):  # torch's fused backward kernels: a ZeroTensor g is real zeros there
        return (g._materialized() * self.slope(self.inputs[0]),)


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
