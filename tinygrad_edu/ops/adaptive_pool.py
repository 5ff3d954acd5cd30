r"""Adaptive average pooling and its adjoint, a pair of ops each the other's gradient.

Window $(i, j)$ covers rows $[r_i, r'_i)$ and columns $[c_j, c'_j)$ of the plane (the windows are
computed in nn/_functional/pooling.py with torch's formula; they may overlap and differ in length
$k^r_i = r'_i - r_i$, $k^c_j = c'_j - c_j$).

- pool: $y_{ij} = \big(\sum_{r_i \le h < r'_i}\, \sum_{c_j \le w < c'_j} x_{hw}\big) / k^r_i / k^c_j$,
  the window's sum divided by its two lengths, as torch's kernel rounds it;
- adjoint: $\bar x_{hw} = \sum_{(i, j) \ni (h, w)} \bar y_{ij} / k^r_i / k^c_j$, each window's share
  spread over the window (overlapping shares add up). So a NaN or inf in $\bar y$ reaches only
  its own window, as in torch (a product with a 0/1 matrix would spread it: 0 * NaN = NaN).

Both are linear, and the adjoint of the adjoint is the pooling: each op's backward applies the
other, so gradients of any order come out.
"""
from ..autograd import Function
from ..backend import array_module

__all__ = ["AdaptiveAvgPool2d", "AdaptiveAvgPool2dAdjoint"]


def _divided_by_lengths(sums, rows, cols):
    xp = array_module(sums)
    row_lengths = xp.asarray([[end - start] for start, end in rows], dtype=sums.dtype)
    col_lengths = xp.asarray([end - start for start, end in cols], dtype=sums.dtype)
    return sums / row_lengths / col_lengths


class AdaptiveAvgPool2d(Function):
    """The pooling (see the module docstring): ``rows``/``cols`` are the windows' (start, end)."""

    saves_inputs = False

    def forward(self, x, rows, cols):
        self.rows, self.cols, self.shape = rows, cols, x.shape
        xp = array_module(x)
        by_rows = xp.stack([x[..., start:end, :].sum(axis=-2) for start, end in rows], axis=-2)
        sums = xp.stack([by_rows[..., start:end].sum(axis=-1) for start, end in cols], axis=-1)
        return _divided_by_lengths(sums, rows, cols)

    def backward(self, g):
        return (AdaptiveAvgPool2dAdjoint.apply(g, rows=self.rows, cols=self.cols, shape=self.shape),)


class AdaptiveAvgPool2dAdjoint(Function):
    """The adjoint (see the module docstring): ``shape`` is the pooled input's shape."""

    saves_inputs = False

    def forward(self, g, rows, cols, shape):
        self.rows, self.cols = rows, cols
        xp = array_module(g)
        share = _divided_by_lengths(g, rows, cols)
        by_cols = xp.zeros(share.shape[:-1] + (shape[-1],), dtype=g.dtype)  # (..., rows, W)
        for j, (start, end) in enumerate(cols):
            by_cols[..., start:end] += share[..., j:j + 1]
        spread = xp.zeros(shape, dtype=g.dtype)
        for i, (start, end) in enumerate(rows):
            spread[..., start:end, :] += by_cols[..., i:i + 1, :]
        return spread

    def backward(self, gg):
        return (AdaptiveAvgPool2d.apply(gg, rows=self.rows, cols=self.cols),)
