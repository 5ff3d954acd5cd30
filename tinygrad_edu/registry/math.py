"""Registry specs of the maths surface: trigonometric, hyperbolic and logarithmic functions, the
zero-gradient ones (sign, rounding), norms, products (mm, bmm, outer, einsum), scans (cumsum,
prod) and the selecting ops (flip, roll, repeat, tril, gather, scatter, split, ...). See
``registry/__init__.py`` for the format. Index arrays travel in ``kwargs`` as NumPy arrays."""
import numpy as np

from . import Case, OpSpec, away_from_kinks, nonzero, positive, register
from .core import along_dim, binary, reduction, unary

S = Case


def inside_unit(x, rng):
    """Into (-0.9, 0.9): asin, acos, atanh."""
    return 0.9 * np.tanh(x)


def above_one(x, rng):
    """acosh: at least 1.2."""
    return np.abs(x) + 1.2


def above_minus_one(x, rng):
    """log1p: at least -0.5."""
    return np.abs(x) - 0.5


def off_poles(x, rng):
    """tan: inside (-1.2, 1.2), away from the poles at +-pi/2."""
    return 1.2 * np.tanh(x)


def quarter_points(x, rng):
    """k + 1/4: a quarter away from every integer and half-integer (the jumps of sign, floor, ceil,
    round, trunc), so finite differences see the zero slope."""
    return np.floor(2 * x) + 0.25


def with_zeros(x, rng):
    """About a third of the elements set to 0, so rows hold no, one, two or more zeros (prod)."""
    x = np.array(x, dtype=np.float64)
    x[rng.random(x.shape) < 0.35] = 0.0
    return x


def _index(shape, high, seed):
    return np.random.default_rng(seed).integers(0, high, size=shape)


def _t(ns, index):
    return ns.tensor(index)


register(
    # ---- trigonometric, hyperbolic, logarithmic ----
    unary("sin", lambda ns, x: x.sin()),
    unary("cos", lambda ns, x: ns.cos(x)),
    unary("tan", lambda ns, x: x.tan(), off_poles),
    unary("asin", lambda ns, x: x.asin(), inside_unit),
    unary("acos", lambda ns, x: ns.acos(x), inside_unit),
    unary("atan", lambda ns, x: x.atan()),
    unary("sinh", lambda ns, x: x.sinh()),
    unary("cosh", lambda ns, x: ns.cosh(x)),
    unary("asinh", lambda ns, x: x.asinh()),
    unary("acosh", lambda ns, x: x.acosh(), above_one),
    unary("atanh", lambda ns, x: x.atanh(), inside_unit),
    unary("log2", lambda ns, x: x.log2(), positive),
    unary("log10", lambda ns, x: ns.log10(x), positive),
    unary("log1p", lambda ns, x: x.log1p(), above_minus_one),
    unary("expm1", lambda ns, x: x.expm1()),
    unary("erf", lambda ns, x: ns.erf(x)),
    binary("atan2", lambda ns, a, b: ns.atan2(a, b), (None, nonzero)),
    # ---- piecewise constant: zero gradient, in the graph ----
    unary("sign", lambda ns, x: x.sign(), quarter_points),
    unary("sign_times", lambda ns, x: x.sign() * x * x, quarter_points),
    unary("floor", lambda ns, x: x.floor() * x, quarter_points),
    unary("ceil", lambda ns, x: ns.ceil(x) + x, quarter_points),
    unary("round", lambda ns, x: x.round() * x, quarter_points),
    unary("trunc", lambda ns, x: x.trunc() * x, quarter_points),
    unary("frac", lambda ns, x: x.frac() * x, quarter_points),
    # ---- norms ----
    reduction("norm_2", lambda ns, x, dim, keepdim: x.norm(2, dim=dim, keepdim=keepdim), prepare=None),
    reduction("norm_1", lambda ns, x, dim, keepdim: x.norm(p=1, dim=dim, keepdim=keepdim), prepare=away_from_kinks),
    reduction("norm_3", lambda ns, x, dim, keepdim: ns.norm(x, p=3, dim=dim, keepdim=keepdim), prepare=nonzero),
    reduction("norm_1.5", lambda ns, x, dim, keepdim: x.norm(p=1.5, dim=dim, keepdim=keepdim), prepare=nonzero),
    reduction("norm_0.5", lambda ns, x, dim, keepdim: x.norm(p=0.5, dim=dim, keepdim=keepdim), prepare=nonzero),
    reduction("norm_-1", lambda ns, x, dim, keepdim: x.norm(p=-1, dim=dim, keepdim=keepdim), prepare=nonzero,
              kind="reduce_nonempty"),
    reduction("norm_inf", lambda ns, x, dim, keepdim: x.norm(p=float("inf"), dim=dim, keepdim=keepdim),
              kind="reduce_nonempty"),
    reduction("norm_-inf", lambda ns, x, dim, keepdim: x.norm(p=-float("inf"), dim=dim, keepdim=keepdim),
              kind="reduce_nonempty"),
    OpSpec("norm_fro", lambda ns, x, **kw: ns.norm(x, p="fro", **kw), cases=(
        S([(3, 4)]), S([(2, 3, 4)], dict(dim=(1, 2))), S([(2, 3)], dict(dim=0, keepdim=True)))),
    OpSpec("vector_norm", lambda ns, x, **kw: ns.linalg.vector_norm(x, **kw), cases=(
        S([(3, 4)]), S([(2, 3, 4)], dict(ord=3, dim=(0, 2))), S([(2, 3)], dict(ord=1.5, dim=-1, keepdim=True)))),
    # ---- products ----
    OpSpec("mm", lambda ns, a, b: ns.mm(a, b), cases=(S([(3, 4), (4, 2)]), S([(1, 3), (3, 1)]), S([(0, 2), (2, 3)]))),
    OpSpec("mm_method", lambda ns, a, b: a.mm(b), cases=(S([(2, 3), (3, 4)]),)),
    OpSpec("bmm", lambda ns, a, b: ns.bmm(a, b), cases=(S([(2, 3, 4), (2, 4, 5)]), S([(1, 2, 2), (1, 2, 3)]))),
    OpSpec("outer", lambda ns, a, b: ns.outer(a, b), cases=(S([(3,), (4,)]), S([(1,), (2,)]))),
    OpSpec("dot", lambda ns, a, b: a.dot(b), cases=(S([(4,), (4,)]),)),
    OpSpec("einsum", lambda ns, *ts, equation: ns.einsum(equation, *ts), cases=(
        S([(3, 4), (4, 2)], dict(equation="ij,jk->ik")),
        S([(2, 3, 4), (2, 4, 5)], dict(equation="bij,bjk->bik")),
        S([(3, 3)], dict(equation="ii->i")),
        S([(3, 3)], dict(equation="ii")),
        S([(2, 3)], dict(equation="ij->")),
        S([(2, 3)], dict(equation="ji")),
        S([(2, 3, 4), (4, 5)], dict(equation="...ij,...jk->...ik")),
        S([(2, 1, 3), (4, 3)], dict(equation="...i,...i->...")),
        S([(4,), (4,)], dict(equation="i,i")),
        S([(3,), (2,)], dict(equation="i,j")),
        S([(2, 3), (3,)], dict(equation="ij,j->i")),
        S([(2, 3), (4,)], dict(equation="ij,k->ik")),
        S([(2, 2, 3), (3, 4)], dict(equation="iij,jk->ik")),
        S([(2, 3), (3, 4), (4, 2)], dict(equation="ij,jk,kl->il")),
        S([(2, 3, 4)], dict(equation="b...->...b")),
        S([(3, 2), (3, 2)], dict(equation="ij,ij->ji")))),
    # ---- scans ----
    along_dim("cumsum", lambda ns, x, dim: x.cumsum(dim)),
    along_dim("cumsum_fn", lambda ns, x, dim: ns.cumsum(x, dim=dim)),
    along_dim("prod_dim", lambda ns, x, dim: x.prod(dim), with_zeros),
    along_dim("prod_dim_keepdim", lambda ns, x, dim: ns.prod(x, dim, keepdim=True), with_zeros),
    OpSpec("prod_all", lambda ns, x: x.prod(), kind="unary", prepare=(with_zeros,),
           cases=(S([(3, 4)]), S([(5,)]), S([()]), S([(2, 0)]))),
    OpSpec("prod_no_zeros", lambda ns, x: x.prod(1), prepare=(nonzero,), cases=(S([(3, 4)]),)),
    # ---- reordering and selecting ----
    OpSpec("flip", lambda ns, x, dims: x.flip(dims) * x, cases=(S([(3, 4)], dict(dims=(0,))),
           S([(2, 3, 4)], dict(dims=(0, -1))), S([(3,)], dict(dims=[0])))),
    OpSpec("roll", lambda ns, x, **kw: ns.roll(x, **kw) * x, cases=(
        S([(3, 4)], dict(shifts=1)), S([(3, 4)], dict(shifts=(1, -3), dims=(0, 1))), S([(5,)], dict(shifts=7, dims=0)))),
    OpSpec("repeat", lambda ns, x, reps: x.repeat(*reps), cases=(
        S([(2, 3)], dict(reps=(2, 1))), S([(3,)], dict(reps=(2, 2))), S([(2, 1)], dict(reps=(1, 2, 3))),
        S([(2,)], dict(reps=(0,))))),
    OpSpec("tril", lambda ns, x, **kw: ns.tril(x, **kw), cases=(
        S([(3, 4)]), S([(2, 3, 3)], dict(diagonal=1)), S([(4, 3)], dict(diagonal=-1)))),
    OpSpec("triu", lambda ns, x, **kw: x.triu(**kw), cases=(
        S([(3, 4)]), S([(2, 3, 3)], dict(diagonal=-1)), S([(4, 3)], dict(diagonal=2)))),
    OpSpec("sum_to_size", lambda ns, x, size: x.sum_to_size(*size), cases=(
        S([(2, 3)], dict(size=(3,))), S([(2, 3, 4)], dict(size=(2, 1, 4))), S([(2, 3)], dict(size=(1, 1))))),
    OpSpec("gather", lambda ns, x, dim, index: ns.gather(x, dim, _t(ns, index)), cases=(
        S([(3, 4)], dict(dim=1, index=_index((3, 5), 4, 0))), S([(3, 4)], dict(dim=0, index=_index((2, 3), 3, 1))),
        S([(2, 3, 4)], dict(dim=-1, index=_index((2, 2, 2), 4, 2))))),
    OpSpec("scatter_add", lambda ns, x, src, dim, index: x.scatter_add(dim, _t(ns, index), src), cases=(
        S([(3, 4), (3, 5)], dict(dim=1, index=_index((3, 5), 4, 3))),
        S([(3, 4), (2, 3)], dict(dim=0, index=_index((2, 3), 3, 4))))),
    OpSpec("scatter", lambda ns, x, src, dim, index: ns.scatter(x, dim, _t(ns, index), src), cases=(
        S([(3, 4), (3, 2)], dict(dim=1, index=np.array([[0, 3], [1, 2], [3, 0]]))),
        S([(3, 4), (2, 4)], dict(dim=0, index=np.array([[0, 1, 2, 0], [2, 0, 1, 1]]))))),
    OpSpec("scatter_value", lambda ns, x, dim, index: x.scatter(dim, _t(ns, index), 1.5) * x, cases=(
        S([(3, 4)], dict(dim=1, index=np.array([[0], [3], [1]]))),)),
    OpSpec("index_select", lambda ns, x, dim, index: ns.index_select(x, dim, _t(ns, index)), cases=(
        S([(3, 4)], dict(dim=1, index=np.array([3, 0, 3]))), S([(3, 2)], dict(dim=0, index=np.array([2, 1]))))),
    OpSpec("masked_select", lambda ns, x, mask: ns.masked_select(x, _t(ns, mask)), cases=(
        S([(3, 4)], dict(mask=np.array([True, False, True, True]))), S([(2, 1)], dict(mask=np.eye(2, dtype=bool))))),
    OpSpec("narrow", lambda ns, x, **kw: x.narrow(**kw), cases=(
        S([(3, 4)], dict(dim=1, start=1, length=2)), S([(5, 2)], dict(dim=0, start=-3, length=3)))),
    OpSpec("split", lambda ns, x, size, dim: ns.split(x, size, dim), cases=(
        S([(5, 3)], dict(size=2, dim=0)), S([(2, 6)], dict(size=[1, 3, 2], dim=1)))),
    OpSpec("chunk", lambda ns, x, chunks, dim: x.chunk(chunks, dim), cases=(
        S([(5, 3)], dict(chunks=3, dim=0)), S([(2, 6)], dict(chunks=4, dim=-1)))),
    OpSpec("unbind", lambda ns, x, dim: ns.unbind(x, dim), cases=(S([(3, 2)], dict(dim=0)), S([(2, 3, 2)], dict(dim=1)))),
)
