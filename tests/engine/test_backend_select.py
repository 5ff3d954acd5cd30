"""backend.keep_where / zero_where (the selections made on the bits) give NumPy's where exactly,
inf, NaN and -0.0 included, for every float dtype, into ``out`` or not; other dtypes and the
device stand-in take where itself."""
import numpy as np
import pytest

from tinygrad_edu import backend


def _case(dtype):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5, 7)).astype(dtype)
    values.ravel()[:6] = [np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-40 if dtype != np.float16 else 1e-7]
    mask = rng.random((5, 7)) < 0.5
    mask.ravel()[:6] = [False, True, False, True, False, True]
    return mask, values


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("into", [False, True])
def test_selections_on_the_bits_are_where_exactly(dtype, into):
    mask, values = _case(dtype)
    for fn, expected in ((backend.keep_where, np.where(mask, values, 0)), (backend.zero_where, np.where(mask, 0, values))):
        out = np.full(values.shape, 7, dtype=dtype) if into else None
        got = fn(mask, values, out=out)
        assert got.dtype == values.dtype and got.shape == values.shape
        np.testing.assert_array_equal(got.view(f"u{values.itemsize}"), expected.astype(dtype).view(f"u{values.itemsize}"))
        if into:
            assert np.shares_memory(got, out)


def test_selections_of_a_transposed_view_and_of_integers():
    mask, values = _case(np.float32)
    got = backend.keep_where(mask.T, values.T)
    np.testing.assert_array_equal(got, np.where(mask.T, values.T, 0))
    ints = np.arange(35).reshape(5, 7)
    np.testing.assert_array_equal(backend.zero_where(mask, ints), np.where(mask, 0, ints))


def test_selections_of_zero_d_arrays():
    value = np.array(-2.5, dtype=np.float32)
    assert backend.keep_where(value > 0, value) == 0 and backend.zero_where(value > 0, value) == -2.5
