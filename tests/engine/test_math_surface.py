"""The tensor maths that the op registry cannot express: argument forms, errors against torch's,
return types of chunk/split/unbind, einsum's subscript forms, prod's exact gradients with zeros,
sign in the graph, the random draws (shapes, dtypes, errors, distributions), bincount, the bitwise
operators and matmul's out=."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te

X = np.random.default_rng(0).standard_normal((2, 3))


def _both(expr, **arrays):
    """``expr`` evaluated with ``ns`` bound to each library and the arrays as float64 tensors."""
    results = []
    for ns in (te, torch):
        names = {k: ns.tensor(v) for k, v in arrays.items()}
        try:
            results.append(eval(expr, {"ns": ns, "np": np, **names}))
        except Exception as error:  # noqa: BLE001 - the error itself is compared
            results.append(error)
    return results


def _as_numpy(value):
    if isinstance(value, (tuple, list)):
        return [_as_numpy(v) for v in value]
    return value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)


@pytest.mark.parametrize("expr", [
    "x.flip(0, 1)", "x.flip((0, 1))", "ns.flip(x, [1])", "x.repeat(2, 1)", "x.repeat((1, 2, 2))",
    "x.roll(1)", "x.roll(-1, 1)", "ns.roll(x, (1, 1), (0, 1))", "x.norm()", "x.norm(1)", "ns.norm(x, dim=1)",
    "x.norm(p=2, dim=(0, 1), keepdim=True)", "ns.norm(x, 'fro', (0, 1))", "x.norm(p=float('inf'))",
    "x.norm(p=0)", "ns.linalg.vector_norm(x, 3, -1)", "x.tril(-1)", "ns.triu(x, diagonal=1)",
    "x.sum_to_size((1, 3))", "x.sum_to_size(2, 1)", "x.narrow(1, -2, 2)", "ns.narrow(x, 0, 1, 1)",
    "x.cumsum(-1)", "ns.cumsum(x, dim=0)", "x.prod()", "ns.prod(x, 1, True)", "x.round(decimals=1)",
    "ns.round(x * 10)", "x.frac()", "x.atan2(x.T.sum(1, keepdim=True).T)",
    "ns.outer(x[0], x[1])", "x.mm(x.T)", "ns.bmm(x[None], x.T[None])", "x.index_select(1, ns.tensor([2, 0]))",
    "x.index_select(0, ns.tensor(1))", "x.masked_select(x > 0)", "ns.gather(x, 0, ns.tensor([[1, 0, 1]]))",
    "x.scatter(1, ns.tensor([[0], [2]]), 7.0)", "x.scatter_add(0, ns.tensor([[1, 1, 0]]), x)",
    "ns.einsum('ij,kj', x, x)", "ns.einsum('i j -> j', x)", "ns.einsum('ij,jk->ik', [x, x.T])",
    "ns.einsum('...j,j', x, x[0])", "ns.einsum('bA', x)", "ns.dot(x[0], x[1])",
])
def test_argument_forms_agree_with_torch(expr):
    ours, theirs = _both(expr, x=X)
    assert not isinstance(theirs, Exception), theirs
    assert not isinstance(ours, Exception), f"{expr}: {ours!r}"
    np.testing.assert_allclose(_as_numpy(ours), _as_numpy(theirs), rtol=1e-12, atol=1e-12)
    assert _as_numpy(ours).dtype == _as_numpy(theirs).dtype if not isinstance(ours, tuple) else True


@pytest.mark.parametrize("expr", ["x.split(2, 1)", "x.split([1, 2], 1)", "ns.split(x, 1)", "x.chunk(2, 1)",
                                  "ns.chunk(x, 5, 1)", "x.unbind()", "ns.unbind(x, 1)", "x.split(3, 1)"])
def test_split_chunk_unbind_return_tuples_like_torch(expr):
    ours, theirs = _both(expr, x=X)
    assert type(ours) is tuple and type(theirs) is tuple
    assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("expr", [
    "ns.mm(x, x)", "ns.mm(x[0], x)", "ns.mm(x, x.T.float())", "ns.bmm(x, x)", "ns.bmm(x[None], x[None])",
    "ns.outer(x, x)", "x.dot(x)", "x.repeat(2)", "x.roll(1, (0, 1))", "x.flip(0, 0)", "x.flip(3)",
    "ns.tril(x[0])", "x.sum_to_size(4)", "x.sum_to_size(1, 2, 3)", "x.gather(1, ns.tensor([0, 1]))",
    "x.gather(1, ns.tensor([[5], [1]]))", "x.gather(0, ns.tensor([[0, 1, 0, 1]]))", "x.chunk(0)",
    "x.split([1, 1], 1)", "x.split(0, 1)", "x.split(-1, 1)", "x.narrow(1, 2, 2)", "x.narrow(1, 4, 0)",
    "x.index_select(1, ns.tensor([[0]]))", "x.masked_select(ns.tensor([1, 0, 1]))", "ns.norm(x.long())",
    "ns.norm(x, dim=5)", "ns.norm(ns.zeros(2, 3, 4), p='fro', dim=(0, 1, 2))", "ns.linalg.vector_norm(x.long())",
    "ns.einsum('ij,jk->ik', x, x)", "ns.einsum('ij->ii', x)", "ns.einsum('ij->k', x)", "ns.einsum('ij,j', x)",
    "ns.einsum('ijk', x)", "ns.einsum('ij,j', x, x[0].float())", "ns.einsum('i1', x)", "x.frac().long().frac()",
    "x.unbind(5)", "x.prod((0, 1))",
])
def test_errors_like_torch(expr):
    ours, theirs = _both(expr, x=X)
    assert isinstance(theirs, Exception), f"torch accepts {expr}"
    assert isinstance(ours, Exception), f"{expr}: tinygrad_edu gives {ours!r} where torch raises {theirs!r}"
    assert isinstance(ours, (type(theirs), RuntimeError)) or type(theirs) in type(ours).__mro__, \
        f"{expr}: {type(ours).__name__} ({ours}) where torch raises {type(theirs).__name__} ({theirs})"


def test_integer_inputs_promote_or_stay_like_torch():
    for expr in ["ns.sin(i)", "i.log2()", "i.expm1()", "ns.atan2(i, i)", "i.floor()", "i.sign()", "i.round()",
                 "i.cumsum(0)", "i.prod()", "ns.cumsum(i.int(), 0)", "i.bool().cumsum(0)", "(-i).sign()"]:
        ours, theirs = _both(expr, i=np.array([1, 2, 3]))
        assert str(ours.dtype) == str(theirs.dtype), expr
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_sign_and_rounding_stay_in_the_graph_with_zero_gradient():
    for op in ("sign", "floor", "ceil", "round", "trunc"):
        x = te.tensor([-1.5, 0.0, 2.25], requires_grad=True)
        y = getattr(x, op)()
        assert y.requires_grad
        y.sum().backward()  # backward through it alone runs, as in torch
        np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("values", [[2.0, 3.0, 4.0], [2.0, 0.0, 4.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0],
                                    [[1.0, 0.0, 2.0], [0.0, 0.0, 3.0], [1.5, 2.0, -1.0]]])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_prod_gradients_with_zeros_match_torch_to_second_order(values, dim):
    arrays = np.array(values, dtype=np.float64)
    w = np.random.default_rng(1).standard_normal(arrays.shape)
    results = []
    for ns in (te, torch):
        x = ns.tensor(arrays, requires_grad=True)
        out = x.prod() if dim is None else x.prod(dim)
        up = ns.ones(tuple(out.shape), dtype=x.dtype) * 1.5
        grad_fn = ns.autograd.grad if ns is torch else ns.grad
        (g,) = grad_fn([out], [x], [up], create_graph=True)
        (g2,) = grad_fn([(g * ns.tensor(w)).sum()], [x], allow_unused=True)
        results.append((g.detach().numpy(), None if g2 is None else g2.detach().numpy()))
    (g_te, h_te), (g_t, h_t) = results
    np.testing.assert_allclose(g_te, g_t, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_te if h_te is not None else 0 * h_t, h_t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("equation,shapes", [
    ("ij,jk", [(2, 3), (3, 4)]), ("ji", [(2, 3)]), ("ii->i", [(3, 3)]), ("iji->j", [(2, 3, 2)]),
    ("...ii->...i", [(2, 3, 3)]), ("i,i->", [(4,), (4,)]), ("bi,bj->bij", [(2, 3), (2, 4)]),
    ("a...,...b->ab", [(2, 3, 4), (4, 5)]), ("...,...", [(2, 3), (3,)]), ("ij,ij,ij->i", [(2, 3)] * 3),
])
def test_einsum_forms_match_torch_with_second_order(equation, shapes):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes]
    out = {}
    for ns in (te, torch):
        xs = [ns.tensor(a, requires_grad=True) for a in arrays]
        y = ns.einsum(equation, *xs)
        grad_fn = ns.autograd.grad if ns is torch else ns.grad
        gs = grad_fn([(y * y).sum()], xs, create_graph=True)
        hs = grad_fn([sum((g * g).sum() for g in gs)], xs)
        out[ns.__name__] = [y.detach().numpy()] + [g.detach().numpy() for g in gs] + [h.numpy() for h in hs]
    for a, b in zip(out["tinygrad_edu"], out["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_flip_roll_repeat_are_copies_like_torch():
    x = te.tensor([1.0, 2.0, 3.0])
    for y in (x.flip(0), x.roll(1), x.repeat(1), x.tril() if x.ndim > 1 else x.reshape(1, 3).tril()):
        y.add_(100.0)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 3.0])
    x.narrow(0, 0, 1).add_(10.0)  # narrow is a view, as in torch
    np.testing.assert_array_equal(x.numpy(), [11.0, 2.0, 3.0])


# ---- random draws ---------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "ns.randn(2, 3)", "ns.randn((2, 3))", "ns.randn([2, 3])", "ns.randn(size=(2, 3))", "ns.randn(())",
    "ns.rand(2, dtype=ns.float64)", "ns.randn(2, requires_grad=True)", "ns.randint(10, (3,))",
    "ns.randint(3, 10, (3,))", "ns.randint(3, 10, size=(3,))", "ns.randint(high=10, size=(3,))",
    "ns.randint(low=2, high=10, size=(3, 2))", "ns.randint(10, (3,), dtype=ns.float32)", "ns.randperm(5)",
    "ns.randperm(n=4, dtype=ns.float32)", "ns.randn_like(ns.zeros(()))", "ns.bernoulli(ns.full((3,), 0.5))",
    "ns.bernoulli(ns.zeros(3, dtype=ns.float64), 0.3)", "ns.normal(ns.zeros(3), 1.0)",
    "ns.normal(ns.zeros(3), ns.ones(2, 1))", "ns.normal(0.0, ns.ones(3))", "ns.normal(0.0, 1.0, (2, 3))",
    "ns.normal(2, 3, size=(2,))", "ns.multinomial(ns.tensor([0.2, 0.3, 0.5]), 2)",
    "ns.multinomial(ns.ones(4, 3), 5, replacement=True)", "ns.multinomial(ns.ones(3).double(), 1)",
])
def test_random_shapes_and_dtypes_match_torch(expr):
    ours, theirs = _both(expr)
    assert not isinstance(ours, Exception), f"{expr}: {ours!r}"
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad


@pytest.mark.parametrize("expr", [
    "ns.randn()", "ns.randn(2.0)", "ns.randn(-1)", "ns.randn(2, dtype=ns.int64)", "ns.randint(10)",
    "ns.randint(10, 3)", "ns.randint(5, 3, (2,))", "ns.randperm(-1)", "ns.bernoulli(ns.tensor([1.5]))",
    "ns.bernoulli(ns.tensor([1, 0]))", "ns.bernoulli(ns.zeros(2), p=2.0)", "ns.normal(ns.zeros(3), -1.0)",
    "ns.normal(0.0, -1.0, (2,))", "ns.normal(ns.zeros(3), ns.ones(4))", "ns.normal(ns.zeros(3).long(), 1.0)",
    "ns.multinomial(ns.tensor([0.2, 0.8]), 3)", "ns.multinomial(ns.tensor([0.2, 0.8]), 0)",
    "ns.multinomial(ns.ones(2, 2, 2), 1)", "ns.multinomial(ns.tensor([0.0, 0.0]), 1)",
    "ns.multinomial(ns.tensor([-1.0, 2.0]), 1)", "ns.multinomial(ns.tensor([float('nan'), 2.0]), 1)",
    "ns.multinomial(ns.tensor([1, 2]), 1)", "ns.multinomial(ns.tensor(1.0), 1)",
])
def test_random_errors_like_torch(expr):
    ours, theirs = _both(expr)
    assert isinstance(theirs, Exception), f"torch accepts {expr}"
    assert isinstance(ours, Exception), f"{expr}: tinygrad_edu gives {ours!r} where torch raises {theirs!r}"
    assert isinstance(ours, (type(theirs), RuntimeError)), f"{expr}: {ours!r} where torch raises {theirs!r}"


def test_multinomial_with_replacement_follows_the_probabilities():
    te.manual_seed(0)
    p = te.tensor([[1.0, 2.0, 0.0, 7.0], [0.0, 0.0, 1.0, 0.0]])
    draws = te.multinomial(p, 20000, replacement=True).numpy()
    freq = np.stack([np.bincount(row, minlength=4) / row.size for row in draws])
    np.testing.assert_allclose(freq[0], [0.1, 0.2, 0.0, 0.7], atol=0.015)
    assert (draws[1] == 2).all()


def test_multinomial_without_replacement_draws_distinct_categories_in_sequence():
    te.manual_seed(1)
    p = te.tensor([0.5, 0.3, 0.2, 0.0]).expand(6000, 4)
    draws = te.multinomial(p, 3).numpy()
    assert all(len(set(row)) == 3 for row in draws) and not (draws == 3).any()
    first = np.bincount(draws[:, 0], minlength=4) / len(draws)
    np.testing.assert_allclose(first, [0.5, 0.3, 0.2, 0.0], atol=0.03)
    second_given_0 = np.bincount(draws[draws[:, 0] == 0, 1], minlength=4) / (draws[:, 0] == 0).sum()
    np.testing.assert_allclose(second_given_0, [0.0, 0.6, 0.4, 0.0], atol=0.04)  # sequential: p renormalised


def test_bernoulli_and_normal_moments_and_gradients():
    te.manual_seed(2)
    p = te.full((20000,), 0.3)
    assert abs(te.bernoulli(p).numpy().mean() - 0.3) < 0.015 and abs(p.bernoulli(0.8).numpy().mean() - 0.8) < 0.015
    mean = te.tensor([0.0, 5.0], requires_grad=True)
    draws = te.normal(mean.expand(20000, 2), te.tensor([1.0, 0.1]))
    np.testing.assert_allclose(draws.detach().numpy().mean(0), [0.0, 5.0], atol=0.03)
    np.testing.assert_allclose(draws.detach().numpy().std(0), [1.0, 0.1], rtol=0.03)
    draws.sum().backward()  # torch keeps normal in the graph with a zero gradient
    np.testing.assert_array_equal(mean.grad.numpy(), [0.0, 0.0])


def test_seeds_and_generators_repeat_the_streams():
    te.manual_seed(3)
    first = [te.rand(3), te.randn(2), te.randint(0, 5, (4,)), te.randperm(5), te.multinomial(te.ones(5), 2)]
    te.manual_seed(3)
    again = [te.rand(3), te.randn(2), te.randint(0, 5, (4,)), te.randperm(5), te.multinomial(te.ones(5), 2)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    g1, g2 = te.Generator().manual_seed(7), te.Generator().manual_seed(7)
    np.testing.assert_array_equal(te.randn(4, generator=g1).numpy(), te.randn(4, generator=g2).numpy())
    np.testing.assert_array_equal(te.bernoulli(te.full((9,), 0.5), generator=g1).numpy(),
                                  te.bernoulli(te.full((9,), 0.5), generator=g2).numpy())
    r = te.randint(-3, 3, (1000,)).numpy()
    assert r.min() == -3 and r.max() == 2


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
