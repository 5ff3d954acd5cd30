"""Running sums and products along a dim: ``cumsum``, ``prod`` (with torch's exact gradients
when the input holds zeros) and the running product ``CumProd`` that prod's gradient uses.
Backward is written with Tensor ops (differentiable again)."""
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

    $\bar x_k = \bar z \prod_{j \ne k} x_j$. Without zeros (in the whole input) that is
    $\bar z\, z / x_k$. With zeros it is computed as torch's is, from the running products before
    and after $k$ (no division, so an inf or NaN beside a zero stays put); under ``create_graph``
    those running products are the op ``CumProd``, whose backward is torch's cumprod backward, so
    the second derivative is torch's too (exact with zeros, and inf or NaN where torch's is).

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
        if self.everything and zero.sum() > 1 and not is_grad_enabled():
            return (x._wrap(array_module(x.array).zeros_like(x.array)),)
        if not is_grad_enabled():  # first order: torch's products of the others, no division
            return (g * x._wrap(_product_of_others(x.array, a)),)
        return (g * _differentiable_product_of_others(x, a),)


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


def _differentiable_product_of_others(x, a):
    """The same with Tensor ops (create_graph: differentiable again), as torch's
    prod_safe_zeros_backward builds it: the running products of (1, x_0, ..., x_{n-2}) and of
    (1, x_{n-1}, ..., x_1), the second flipped back, multiplied. Their derivatives are then those
    of ``CumProd`` (torch's cumprod backward), and so, at second order, torch's NaN and inf."""
    from ..creation import cat
    n = x.shape[a]
    ones = x._wrap(array_module(x.array).ones(x.shape[:a] + (1,) + x.shape[a + 1:], dtype=x.dtype))
    before = CumProd.apply(cat([ones, x.narrow(a, 0, n - 1)], a), axis=a)
    after = CumProd.apply(cat([ones, x.narrow(a, 1, n - 1).flip(a)], a), axis=a).flip(a)
    return before * after


class CumProd(Function):
    r"""$z_i = \prod_{j \le i} x_j$ along ``axis`` (float32 carried in float64, as torch's CPU
    cumprod; internal: the running products of prod's gradient). Backward is torch's cumprod
    backward: without zeros, $\bar x_k = \sum_{j \ge k} \bar z_j z_j / x_k$ (a reversed cumsum
    of $w = z \bar z$, divided); with zeros, before the first zero $z_1$ the same, at $z_1$
    $\prod_{i < z_1} x_i \, \sum_{z_1 \le j < z_2} \bar z_j \prod_{z_1 < i \le j} x_i$, after it 0
    (``_cumprod_backward_with_zeros``); in a graph the products of the others, one k at a time
    (``_cumprod_backward_graph``), differentiable again."""

    saves_output = True

    def forward(self, x, axis):
        self.axis = axis
        return _running_product(x, axis)

    def backward(self, g):
        x, a = self.inputs[0], self.axis
        if x.array.size <= 1 or x.shape[a] == 1:
            return (g,)
        w = self.output() * g
        if not (x.array == 0).any():
            return (w.flip(a).cumsum(a).flip(a) / x,)
        if is_grad_enabled():
            return (_cumprod_backward_graph(g, x, a),)
        return (g._wrap(_cumprod_backward_with_zeros(g.array, x.array, self.output().array, w.array, a)),)


def _running_product(x, axis):
    """cumprod along ``axis`` as torch's CPU kernel: float32 carried in float64, rounded when stored."""
    xp = array_module(x)
    wide = xp.float64 if x.dtype == xp.float32 else x.dtype
    return xp.cumprod(x.astype(wide), axis=axis).astype(x.dtype)


def _cumprod_backward_with_zeros(g, x, z, w, a):
    """torch's O(n) cumprod backward for an input with zeros (outside a graph), with its masks:
    ``before`` the first zero a reversed cumsum of w divided by x, at the first zero the product of
    the elements before it times the sum of g_j times the running product up to the second zero."""
    xp = array_module(x)
    zeros_so_far = (x == 0).cumsum(axis=a)
    before = zeros_so_far == 0
    summed = xp.flip(xp.flip(xp.where(before, w, 0), axis=a).cumsum(axis=a), axis=a)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = xp.where(before, summed / x, 0).astype(g.dtype)
    first = zeros_so_far == 1
    index = first.argmax(axis=a)[(slice(None),) * a + (None,)]  # the first zero (0 where none)
    at_first = (xp.arange(x.shape[a]).reshape((-1,) + (1,) * (x.ndim - a - 1)) == index) & first
    between = first & ~at_first
    running = _running_product(xp.where(between, x, 1), a)
    total = (running * xp.where(first, g, 0)).sum(axis=a, keepdims=True)
    lead = xp.where(index == 0, 1, xp.take_along_axis(z, xp.maximum(index - 1, 0), axis=a))
    return xp.where(at_first, total * lead, out).astype(g.dtype)


def _cumprod_backward_graph(g, x, a):
    """torch's cumprod backward inside a graph: for each k, the sum over j >= k of g_j times the
    product of x_0 .. x_j without x_k (the product before k times the running products after it)."""
    from ..creation import cat, stack
    n, columns = x.shape[a], []
    ones = x._wrap(array_module(x.array).ones(x.shape[:a] + (1,) + x.shape[a + 1:], dtype=x.dtype))
    for k in range(n):
        after = CumProd.apply(x.narrow(a, k + 1, n - k - 1), axis=a) if k < n - 1 else None
        if k == 0:
            omitted = cat([ones, after], a)
        else:
            until = x.narrow(a, 0, k).prod(a, keepdim=True)
            omitted = until if after is None else cat([until, until.expand_as(after) * after], a)
        columns.append((g.narrow(a, k, n - k) * omitted).sum(a))
    return stack(columns, a)
