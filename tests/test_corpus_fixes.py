"""Issue 11 item 3: the small pieces of torch's surface that the corpus programs (tests/corpus/)
found missing or different, each checked against torch."""
import numpy as np
import pytest

import tinygrad_edu as te

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("values, kwargs", [([0, 2, 2, 5], {}), ([0, 2, 2, 5], dict(minlength=8)), ([], {}),
                                            ([1, 1, 3], dict(weights=[0.5, 1.0, 2.0])),
                                            ([1, 1, 3], dict(weights=[1, 2, 3])), ([4], dict(minlength=2))])
@pytest.mark.parametrize("weight_dtype", [np.float32, np.float64, np.int64])
def test_bincount_matches_torch(values, kwargs, weight_dtype):
    x = np.array(values, dtype=np.int64)
    if "weights" in kwargs:
        kwargs = dict(kwargs, weights=np.array(kwargs["weights"], dtype=weight_dtype))
    ours = te.bincount(te.from_numpy(x), **{k: te.from_numpy(v) if k == "weights" else v for k, v in kwargs.items()})
    theirs = torch.bincount(torch.from_numpy(x),
                            **{k: torch.from_numpy(v) if k == "weights" else v for k, v in kwargs.items()})
    assert ours.dtype == theirs.numpy().dtype and ours.tolist() == theirs.tolist()
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("bad", [[-1, 2], [[1, 2]]])
def test_bincount_refuses_what_torch_refuses(bad):
    with pytest.raises(RuntimeError, match="1-d non-negative integral") as ours:
        te.bincount(te.tensor(bad))
    with pytest.raises(RuntimeError) as theirs:
        torch.bincount(torch.tensor(bad))
    assert str(ours.value) == str(theirs.value)


def test_bincount_with_weights_that_require_grad_says_not_supported():
    w = te.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not supported in tinygrad_edu: bincount"):
        te.bincount(te.tensor([0, 1]), weights=w)


@pytest.mark.parametrize("make", ["tensor([], dtype={m}.long)", "zeros(0, dtype={m}.bool)",
                                  "zeros(2, 0, dtype={m}.long)", "zeros(2, 0)", "zeros(0)",
                                  "zeros(0, dtype={m}.float64)"])
def test_empty_tensors_print_their_dtype_like_torch(make):
    assert repr(eval("te." + make.format(m="te"))) == repr(eval("torch." + make.format(m="torch")))
