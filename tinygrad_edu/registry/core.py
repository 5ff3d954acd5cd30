"""Registry specs of the engine's own ops (tensor methods and top-level functions)."""
import numpy as np

from . import Case, OpSpec, away_from_kinks, distinct, nonzero, positive, register

S = Case  # short: S(shapes, kwargs)


def _all(x, dim):
    """torch spells "every dim" as a tuple where the engine also takes None (torch's sum, mean)."""
    return tuple(range(x.ndim)) if dim is None else dim


def unary(name, fn, prepare=None, **extra):
    cases = (S([(3, 4)]), S([(2, 3, 2)]), S([()]), S([(0, 3)]))
    return OpSpec(name, fn, cases, kind="unary", prepare=(prepare,), **extra)


def binary(name, fn, prepare=(None, None), **extra):
    cases = (S([(3, 4), (3, 4)]), S([(2, 1, 4), (3, 1)]), S([(4,), ()]), S([(0, 2), (1, 2)]))
    return OpSpec(name, fn, cases, kind="binary", prepare=prepare, **extra)


def reduction(name, fn, prepare=distinct, kind="reduce", torch_fn=None, **extra):
    cases = (S([(3, 4)], dict(dim=1, keepdim=False)), S([(2, 3, 4)], dict(dim=(0, 2), keepdim=True)),
             S([(2, 3)], dict(dim=None, keepdim=False)), S([(2, 3, 2)], dict(dim=-1, keepdim=True)))
    return OpSpec(name, fn, cases, kind=kind, prepare=(prepare,), torch_fn=torch_fn, **extra)


def along_dim(name, fn, prepare=None, **extra):
    cases = (S([(3, 4)], dict(dim=1)), S([(2, 3, 4)], dict(dim=0)), S([(5,)], dict(dim=-1)))
    return OpSpec(name, fn, cases, kind="dim", prepare=(prepare,), **extra)


relu_safe = away_from_kinks


def clamp_safe(x, rng):
    return away_from_kinks(x, rng, kinks=(-0.5, 0.5))


register(
    # ---- elementwise, one input ----
    unary("neg", lambda ns, x: -x),
    unary("exp", lambda ns, x: x.exp()),
    unary("log", lambda ns, x: x.log(), positive),
    unary("sqrt", lambda ns, x: x.sqrt(), positive),
    unary("abs", lambda ns, x: x.abs(), relu_safe),
    unary("sigmoid", lambda ns, x: x.sigmoid()),
    unary("tanh", lambda ns, x: x.tanh()),
    unary("relu", lambda ns, x: x.relu(), relu_safe),
    unary("clamp", lambda ns, x: x.clamp(min=-0.5, max=0.5), clamp_safe),
    unary("pow_int", lambda ns, x: x ** 3),
    unary("pow_fraction", lambda ns, x: x ** 1.5, positive),
    unary("pow_negative", lambda ns, x: x ** -2, nonzero),
    unary("radd", lambda ns, x: 2.0 + x),
    unary("rsub", lambda ns, x: 2.0 - x),
    unary("rmul", lambda ns, x: 3.0 * x),
    unary("rdiv", lambda ns, x: 1.5 / x, nonzero),
    unary("rpow", lambda ns, x: 2.0 ** x),
    unary("softmax_flat", lambda ns, x: x.reshape(-1).softmax(0)),
    # ---- elementwise, two inputs, NumPy broadcasting ----
    binary("add", lambda ns, a, b: a + b),
    binary("sub", lambda ns, a, b: a - b),
    binary("mul", lambda ns, a, b: a * b),
    binary("div", lambda ns, a, b: a / b, (None, nonzero)),
    binary("pow", lambda ns, a, b: a ** b, (positive, None)),
    binary("maximum", lambda ns, a, b: ns.maximum(a, b)),
    binary("minimum", lambda ns, a, b: ns.minimum(a, b)),
    binary("where", lambda ns, a, b: ns.where(a > b, a * 2.0, b)),
    # ---- matrix product with batch broadcasting ----
    OpSpec("matmul", lambda ns, a, b: a @ b, kind="matmul", cases=(
        S([(3, 4), (4, 2)]), S([(2, 3, 4), (4, 5)]), S([(2, 1, 3, 4), (3, 4, 2)]), S([(4,), (4, 3)]),
        S([(3, 4), (4,)]), S([(4,), (4,)]), S([(0, 4), (4, 2)]))),
    # ---- reductions ----
    reduction("sum", lambda ns, x, dim, keepdim: x.sum(dim=dim, keepdim=keepdim),
              torch_fn=lambda ns, x, dim, keepdim: x.sum(dim=_all(x, dim), keepdim=keepdim)),
    reduction("mean", lambda ns, x, dim, keepdim: x.mean(dim=dim, keepdim=keepdim),
              torch_fn=lambda ns, x, dim, keepdim: x.mean(dim=_all(x, dim), keepdim=keepdim)),
    reduction("var", lambda ns, x, dim, keepdim: x.var(dim=dim, keepdim=keepdim), kind="reduce_two_or_more"),
    reduction("std", lambda ns, x, dim, keepdim: x.std(dim=dim, keepdim=keepdim), kind="reduce_two_or_more"),
    reduction("amax", lambda ns, x, dim, keepdim: x.amax(dim=dim, keepdim=keepdim), kind="reduce_nonempty",
              torch_fn=lambda ns, x, dim, keepdim: x.amax(dim=() if dim is None else dim, keepdim=keepdim)),
    reduction("amin", lambda ns, x, dim, keepdim: x.amin(dim=dim, keepdim=keepdim), kind="reduce_nonempty",
              torch_fn=lambda ns, x, dim, keepdim: x.amin(dim=() if dim is None else dim, keepdim=keepdim)),
    reduction("logsumexp", lambda ns, x, dim, keepdim: x.logsumexp(dim=dim, keepdim=keepdim), prepare=None,
              torch_fn=lambda ns, x, dim, keepdim: x.logsumexp(dim=_all(x, dim), keepdim=keepdim)),
    OpSpec("max_all", lambda ns, x: x.max(), kind="unary_nonempty", prepare=(distinct,),
           cases=(S([(3, 4)]), S([(5,)]), S([()]))),
    OpSpec("min_all", lambda ns, x: x.min(), kind="unary_nonempty", prepare=(distinct,),
           cases=(S([(3, 4)]), S([(2, 2, 2)]))),
    along_dim("max_dim", lambda ns, x, dim: x.max(dim=dim).values, distinct),
    along_dim("min_dim", lambda ns, x, dim: x.min(dim=dim, keepdim=True).values, distinct),
    along_dim("softmax", lambda ns, x, dim: x.softmax(dim)),
    along_dim("log_softmax", lambda ns, x, dim: x.log_softmax(dim)),
    # ---- movement ----
    OpSpec("reshape", lambda ns, x: x.reshape(2, -1), cases=(S([(4, 3)]), S([(2, 3, 2)]), S([(2,)]))),
    OpSpec("permute", lambda ns, x: x.permute(2, 0, 1), cases=(S([(2, 3, 4)]), S([(1, 3, 0)]))),
    OpSpec("transpose", lambda ns, x: x.transpose(0, -1), cases=(S([(2, 3)]), S([(2, 3, 4)]))),
    OpSpec("T", lambda ns, x: x.T, cases=(S([(2, 3)]), S([(4, 1)]))),
    OpSpec("flatten", lambda ns, x: x.flatten(1), cases=(S([(2, 3, 4)]), S([(2, 1, 3, 2)]))),
    OpSpec("squeeze", lambda ns, x: x.squeeze(), cases=(S([(2, 1, 3)]), S([(1, 1)]))),
    OpSpec("unsqueeze", lambda ns, x: x.unsqueeze(-1), cases=(S([(2, 3)]), S([()]))),
    OpSpec("expand", lambda ns, x: x.expand(2, 3, 4) * 1.5, cases=(S([(3, 1)]), S([(1, 3, 4)]), S([(4,)]))),
    OpSpec("getitem_basic", lambda ns, x: x[1:, ::2, None, ..., 0], cases=(S([(3, 4, 2)]), S([(4, 5, 3, 2)]))),
    OpSpec("getitem_int_array", lambda ns, x: x[np.array([2, 0, 2, 1])], cases=(S([(3, 2)]), S([(4,)]))),
    OpSpec("getitem_two_arrays", lambda ns, x: x[np.array([0, 1, 1]), np.array([2, 0, 2])], cases=(S([(2, 3)]),)),
    OpSpec("getitem_bool", lambda ns, x: x[x > 0], prepare=(away_from_kinks,), cases=(S([(3, 4)]), S([(5,)]))),
    OpSpec("cat", lambda ns, a, b: ns.cat([a, b * 2.0, a], dim=1),
           cases=(S([(2, 3), (2, 1)]), S([(2, 0, 3), (2, 2, 3)]))),
    OpSpec("stack", lambda ns, a, b: ns.stack([a, b], dim=-1), cases=(S([(2, 3), (2, 3)]), S([(4,), (4,)]))),
    OpSpec("pad", lambda ns, x: ns.pad(x, (1, 2, 0, 1), value=0.5),
           torch_fn=lambda ns, x: ns.nn.functional.pad(x, (1, 2, 0, 1), value=0.5),
           cases=(S([(2, 3)]), S([(2, 2, 3)]))),
)
