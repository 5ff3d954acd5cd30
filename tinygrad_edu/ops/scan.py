"""Running sums and products along a dim: ``cumsum`` and ``prod`` (with torch's exact gradients
when the input holds zeros). Backward is written with Tensor ops (differentiable again)."""
import numpy as np

from ..autograd import Function
from ..backend import array_module
from ..grad_mode import is_grad_enabled


class CumSum(Function):
    r"""$z_i = \sum_{j \le i} x_j$ along ``axis``; $\bar x_j = \sum_{i \ge j} \bar z_i$: the
    cumulative sum of the upstream gradient taken from the end (flip, cumsum, flip)."""

    saves_inputs = False

    def forward(self, x, axis):
        self.axis = axis
        return array_module(x).cumsum(x, axis=axis)

    def backward(self, g):
        a = self.axis
        return (CumSum.apply(g.flip(a), axis=a).flip(a),)


class Prod(Function):
    r"""$z = \prod_i x_i$ over one ``axis`` (a flattened input for the product of all elements).

    $\bar x_k = \bar z \prod_{j \ne k} x_j$. Without zeros that is $\bar z\, z / x_k$. With
    zeros, let $P$ be the product of the non-zero elements and $S$ the sum of the elements that
    are zero (its value is 0, its derivative is not): one zero at $k$ gives $\bar x_k = \bar z P$
    and $\bar x_j = \bar z\, S P / x_j$ elsewhere (0, but the right second derivative); two zeros
    give $\bar x_k = \bar z (S - x_k) P$ at the zeros and 0 elsewhere; more zeros give 0. So the
    gradient is exact, and so is its own derivative, as torch's. That is the form under
    ``create_graph``; the first-order gradient with zeros is computed as torch's is, from running
    products before and after $k$ (no division, so an inf or NaN beside a zero stays put).

    ``everything``: the product of all elements (``x.prod()``). There torch, outside
    ``create_graph``, answers two or more zeros with zeros outright, so a NaN or inf in $\bar z$
    does not reach $\bar x$ (inside ``create_graph``, and for a product along a dim, it multiplies,
    and NaN * 0 is NaN); the same here. The product of a 0-d tensor (``of_scalar``) is the tensor
    itself, and torch passes $\bar z$ through unchanged (even where $x$ is 0 or inf)."""

    saves_output = True

    def forward(self, x, axis, keepdim, everything=False, of_scalar=False):
        self.axis, self.everything, self.of_scalar = axis, everything, of_scalar
        if x.shape[axis] >= 4 * _LANES.get(x.dtype, np.inf) and x.strides[axis] == x.itemsize:
            xp = array_module(x)  # the reduced dim is torch's inner (contiguous) loop: its lane order
            rows = xp.moveaxis(x, axis, -1)
            z = _lane_ordered_prod(rows.reshape(-1, x.shape[axis])).reshape(rows.shape[:-1])
            return xp.expand_dims(z, axis) if keepdim else z
        return x.prod(axis=axis, keepdims=keepdim)

    def backward(self, g):
        x, a = self.inputs[0], self.axis
        if self.of_scalar:
            return (g.reshape(x.shape),)
        g, z = g.unsqueeze(a) if g.ndim < x.ndim else g, self.output()
        z = z.unsqueeze(a) if z.ndim < x.ndim else z
        zero = x.array == 0
        if not zero.any():
            return (g * (z / x),)  # grouped as torch groups it: grad * (result / input)
        count = zero.sum(axis=a, keepdims=True)
        if self.everything and count.sum() > 1 and not is_grad_enabled():
            return (x._wrap(array_module(x.array).zeros_like(x.array)),)
        if not is_grad_enabled():  # first order: torch's products of the others, no division
            return (g * x._wrap(_product_of_others(x.array, a)),)
        return (g * _differentiable_product_of_others(x, a, zero, count),)


# torch's CPU reduction along a contiguous dim multiplies in 4 x 8 float32 (4 x 4 float64) lanes:
# the order decides whether an overflow meets a zero first (inf * 0 = NaN) or not (0)
_LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}


def _lane_ordered_prod(rows):
    """The product of each row in torch's order: element j of each block of 4 * lanes into
    accumulator j, the accumulators combined as (a0 a1)(a2 a3) and then lane by lane, then the
    elements after the last whole block one by one."""
    xp, lanes = array_module(rows), _LANES[rows.dtype]
    count = rows.shape[1] // (4 * lanes)
    blocks = rows[:, :count * 4 * lanes].reshape(rows.shape[0], count, 4, lanes)
    acc = blocks[:, 0]
    for k in range(1, count):
        acc = acc * blocks[:, k]
    lane = (acc[:, 0] * acc[:, 1]) * (acc[:, 2] * acc[:, 3])
    out = lane[:, 0]
    for j in range(1, lanes):
        out = out * lane[:, j]
    for k in range(count * 4 * lanes, rows.shape[1]):
        out = out * rows[:, k]
    return xp.asarray(out)


def _product_of_others(x, axis):
    """prod_{j != k} x_j along ``axis`` for every k, as the product of the elements before k
    times the product of those after it (two exclusive running products, torch's form when the
    input holds zeros): exact with zeros, and an inf or NaN reaches only the others' products.
    As torch's CPU cumprod, a float32 running product is carried in float64 and rounded as it is
    stored, so it overflows to inf only in the stored value, not on the way to a zero."""
    xp = array_module(x)
    n = x.shape[axis]
    wide = xp.float64 if x.dtype == xp.float32 else x.dtype

    def running(a):
        return xp.cumprod(a.astype(wide), axis=axis).astype(x.dtype)
    ones = xp.ones_like(xp.take(x, [0], axis=axis))
    before = running(xp.concatenate([ones, xp.take(x, range(n - 1), axis=axis)], axis=axis))
    after_reversed = xp.concatenate([ones, xp.flip(xp.take(x, range(1, n), axis=axis), axis=axis)], axis=axis)
    return before * xp.flip(running(after_reversed), axis=axis)


def _differentiable_product_of_others(x, a, zero, count):
    """The same with Tensor ops (create_graph: differentiable again), from the product P of the
    non-zero elements and the sum S of the zeros (see Prod's docstring). In a slice with an inf or
    NaN, or whose P overflows, the running products (``_product_of_others``, torch's value) are
    taken instead, as a constant (P / inf would be NaN where they give inf), and the formula sees
    ones there, so that nothing infinite enters its graph (whose backward would make 0 * inf = NaN)."""
    xp = array_module(x.array)
    others = _product_of_others(x.array, a)
    if (count > 2).all():  # every slice has 3+ zeros: the gradient is 0 and so is its derivative
        exact = x.where(xp.zeros(x.shape, dtype=bool), 0.0)  # 0, in the graph
    else:
        ok = xp.isfinite(x.array).all(axis=a, keepdims=True)
        ok &= xp.isfinite(xp.where(zero, 1, x.array).prod(axis=a, keepdims=True))
        safe = x.where(~zero & ok, 1.0)
        p = Prod.apply(safe, axis=a, keepdim=True)  # no zeros in it: its gradient is the simple one
        s = x.where(zero, 0.0).sum(a, keepdim=True)
        # the zeros of the 0/1 cases are selected, not multiplied: p may overflow to inf, and inf * 0
        # would be NaN
        at_nonzero = ((p / safe) * s.where(count == 1, 1.0)).where(count <= 1, 0.0)
        at_zero = (p * (s - x).where(count == 2, 1.0)).where(count <= 2, 0.0)
        exact = at_zero.where(zero, at_nonzero).where(ok, x._wrap(others))
    keep = xp.isfinite(exact.array) & xp.isfinite(others)
    return exact if keep.all() else exact.where(keep, x._wrap(others))
