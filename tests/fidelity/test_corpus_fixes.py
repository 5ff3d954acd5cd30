"""Issue 11 item 3: the small pieces of torch's surface that the corpus programs (tests/fidelity/corpus/)
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


@pytest.mark.parametrize("shape", [(5, 4), (4,), (3, 4, 2, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_label_smoothing_matches_torch(shape, reduction, ignore):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    classes = shape[1] if len(shape) > 1 else shape[0]
    t_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, classes, t_shape)
    if ignore and t.ndim:
        t.flat[0] = -100
    ex, tx = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = te.nn.functional.cross_entropy(ex, te.tensor(t), reduction=reduction, label_smoothing=0.2)
    theirs = torch.nn.functional.cross_entropy(tx, torch.tensor(t), reduction=reduction, label_smoothing=0.2)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_label_smoothing_with_class_weight_says_not_supported():
    with pytest.raises(ValueError, match="not supported in tinygrad_edu: cross_entropy with label_smoothing"):
        te.nn.functional.cross_entropy(te.zeros(2, 3), te.tensor([0, 1]), weight=te.ones(3), label_smoothing=0.1)


def test_indexing_with_a_range_like_torch():
    x = np.arange(12.0).reshape(4, 3)
    for index in [(range(4), [0, 2, 1, 1]), range(1, 3), (range(0), [])]:
        ours = te.tensor(x)[index]
        theirs = torch.tensor(x)[index]
        assert ours.tolist() == theirs.tolist() and tuple(ours.shape) == tuple(theirs.shape)


@pytest.mark.parametrize("op", ["__and__", "__or__", "__xor__"])
def test_bitwise_operators_on_bool_and_int_tensors_like_torch(op):
    a, b = np.array([True, False, True, False]), np.array([True, True, False, False])
    i, j = np.array([6, 3, -2]), np.array([3, 5, 7])
    for x, y in [(a, b), (i, j)]:
        ours, theirs = getattr(te.tensor(x), op)(te.tensor(y)), getattr(torch.tensor(x), op)(torch.tensor(y))
        assert ours.tolist() == theirs.tolist() and ours.dtype == theirs.numpy().dtype
    assert getattr(te.tensor(i), op)(1).tolist() == getattr(torch.tensor(i), op)(1).tolist()
    with pytest.raises(RuntimeError):
        getattr(torch.ones(2), op)(torch.ones(2))
    with pytest.raises(RuntimeError, match="boolean or integer"):
        getattr(te.ones(2), op)(te.ones(2))


def test_matmul_out_like_torch():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    ours, theirs = te.zeros(2, 4, dtype=te.float64), torch.zeros(2, 4, dtype=torch.float64)
    r1, r2 = te.matmul(te.tensor(a), te.tensor(b), out=ours), torch.matmul(torch.tensor(a), torch.tensor(b), out=theirs)
    assert ours.tolist() == theirs.tolist() and r1 is ours and r2 is theirs
    for L in (te, torch):
        with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
            L.matmul(L.ones(2, 2, requires_grad=True), L.ones(2, 2), out=L.zeros(2, 2))
    with pytest.raises(RuntimeError, match="not supported in tinygrad_edu: matmul"):
        te.matmul(te.ones(2, 2), te.ones(2, 2), out=te.zeros(3))


@pytest.mark.parametrize("call", ["new_ones(2, 3)", "new_ones((2, 3), dtype={m}.double)", "new_zeros(2)",
                                  "new_full((2,), 3.5)", "new_tensor([1.5, 2])", "new_zeros((1, 2), requires_grad=True)",
                                  "new_empty(0)"])
@pytest.mark.parametrize("dtype", ["int32", "float64", "float32"])
def test_new_tensor_methods_take_the_dtype_like_torch(call, dtype):
    if "requires_grad" in call and dtype == "int32":
        return  # only floating point tensors can require gradients (both refuse)
    ours = eval(f"te.zeros(1, dtype=te.{dtype}).{call.format(m='te')}")
    theirs = eval(f"torch.zeros(1, dtype=torch.{dtype}).{call.format(m='torch')}")
    assert repr(ours) == repr(theirs)
