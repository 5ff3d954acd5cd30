"""A sum over every axis but one (a conv's bias gradient) is a matrix-vector product with ones when
the kept axis is innermost or outermost in memory (ops/reduce.py _sum_by_product): torch's values
(to float32 rounding), dtypes and shapes, inf and NaN included, in each layout, with keepdim."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tinygrad_edu.ops import reduce

SHAPE = (16, 8, 24, 24)  # 73,728 elements: above PRODUCT_SUM_MIN
LAYOUTS = {"channels_last": (0, 2, 3, 1), "channel_major": (1, 0, 2, 3), "plain": (0, 1, 2, 3),
           "other": (2, 0, 1, 3)}  # plain and other: the kept axis neither innermost nor outermost


def _in_layout(a, order):
    return np.ascontiguousarray(a.transpose(order)).transpose(np.argsort(order))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keepdim", [False, True])
def test_a_sum_keeping_one_axis_is_torchs_in_every_layout(layout, dtype, keepdim):
    a = np.random.default_rng(0).normal(size=SHAPE).astype(dtype)
    a[3, 2, 5, 7], a[4, 5, 0, 0], a[9, 5, 1, 1] = np.inf, np.nan, -np.inf  # channel 2: inf; 5: NaN
    x = _in_layout(a, LAYOUTS[layout])
    assert reduce.PRODUCT_SUM_MIN <= x.size
    applies = reduce._sum_by_product(x, (0, 2, 3)) is not None
    assert applies == (layout in ("channels_last", "channel_major"))  # else NumPy's sum
    xe, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = xe.sum(dim=(0, 2, 3), keepdim=keepdim), xt.sum(dim=(0, 2, 3), keepdim=keepdim)
    assert tuple(ye.shape) == tuple(yt.shape) and str(ye.dtype) == str(yt.dtype)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5 if dtype == np.float32 else 1e-12)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_a_small_or_integer_sum_keeps_numpys_reduction():
    assert reduce._sum_by_product(np.ones((4, 5, 6), np.float32), (0, 2)) is None
    assert reduce._sum_by_product(np.ones((64, 64, 32), np.int64), (0, 2)) is None
    assert reduce._sum_by_product(np.ones((64, 64, 32), np.float32), (0,)) is None  # two axes kept
