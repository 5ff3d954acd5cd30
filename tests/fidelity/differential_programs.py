"""Random small programs for the differential test (test_differential.py): what a program
is, how hypothesis draws one, how it runs on either library, and how it prints as Python.

A program is a few input arrays and 2-6 steps; each step applies one op to earlier values (inputs
or results of earlier steps). Ops come from the registry (``tinygrad_edu.registry``: every op of
a shape-generic kind joins automatically; the others, conv, pooling, losses, matmul, start a
program from one of their registered cases) plus a few movement and dtype steps written here.
"""
from dataclasses import dataclass, field

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from tinygrad_edu.registry import REGISTRY

GENERIC_KINDS = ("unary", "unary_nonempty", "binary", "reduce", "reduce_nonempty", "reduce_two_or_more", "dim")
INT_OK = {"neg", "abs", "add", "sub", "mul", "div", "maximum", "minimum", "where", "sum", "amax", "amin",
          "radd", "rsub", "rmul", "rdiv", "reshape", "cat", "stack"}  # ops torch also takes on integers
SPECIALS = np.array([0.0, 0.0, 1.0, -1.0, 0.5, 2.0, 100.0, -100.0, 1e4, -1e4, 3.0, -3.0])


def _move(name, text, fn, ok=lambda shape: True):
    return name, text, fn, ok


MOVES = [  # (name, code with {x}, fn(ns, x), applies to shape)
    _move("reshape_flat", "{x}.reshape(-1)", lambda ns, x: x.reshape(-1)),
    _move("getitem_first", "{x}[0]", lambda ns, x: x[0], lambda s: len(s) >= 1 and s[0] > 0),
    _move("getitem_step", "{x}[..., ::2]", lambda ns, x: x[..., ::2], lambda s: len(s) >= 1),
    _move("getitem_none", "{x}[:, None]", lambda ns, x: x[:, None], lambda s: len(s) >= 1),
    _move("transpose", "{x}.transpose(0, -1)", lambda ns, x: x.transpose(0, -1), lambda s: len(s) >= 1),
    _move("cat_self", "ns.cat([{x}, {x} * 2.0], dim=0)", lambda ns, x: ns.cat([x, x * 2.0], dim=0), lambda s: len(s) >= 1),
    _move("stack_self", "ns.stack([{x}, -{x}], dim=-1)", lambda ns, x: ns.stack([x, -x], dim=-1)),
    _move("double", "{x}.double()", lambda ns, x: x.double()),
    _move("float", "{x}.float()", lambda ns, x: x.float()),
    _move("add_0d", "{x} + ns.tensor(1.5, dtype=ns.float64)", lambda ns, x: x + ns.tensor(1.5, dtype=ns.float64)),
    _move("mul_py", "{x} * 3", lambda ns, x: x * 3),
]
MOVE_BY_NAME = {m[0]: m for m in MOVES}


@dataclass
class Step:
    op: str                      # a registry name, or "move:<name>"
    args: tuple                  # indices of earlier values
    kwargs: dict = field(default_factory=dict)


@dataclass(repr=False)
class Program:
    arrays: list                 # the inputs (NumPy arrays)
    steps: list
    upstream_seed: int = 0
    second_order: bool = False

    def code(self):
        """The program as Python that reproduces it with ``ns = torch`` or ``ns = tinygrad_edu``."""
        lines = ["import numpy as np, torch, tinygrad_edu, tinygrad_edu.nn.functional", "ns = torch  # or tinygrad_edu"]
        for i, a in enumerate(self.arrays):
            grad = ", requires_grad=True" if a.dtype.kind == "f" else ""
            lines.append(f"v{i} = ns.tensor(np.array({a.tolist()!r}, dtype=np.{a.dtype}).reshape({a.shape}){grad})")
        out = f"v{len(self.arrays) - 1}"
        for k, step in enumerate(self.steps):
            names = [f"v{j}" for j in step.args]
            out = f"v{len(self.arrays) + k}"
            if step.op.startswith("move:"):
                lines.append(f"{out} = " + MOVE_BY_NAME[step.op[5:]][1].format(x=names[0]))
            elif step.op == "clamp_tensors":
                lines.append(f"{out} = ns.clamp({names[0]}, " + ", ".join(f"{k}={n}" for k, n in zip(
                    step.kwargs["bounds"], names[1:])) + ")")
            else:
                kw = "".join(f", {key}={value!r}" for key, value in step.kwargs.items())
                lines.append(f"{out} = flat_cat(ns, REGISTRY[{step.op!r}].call(ns, {', '.join(names)}{kw}))"
                             "  # from tinygrad_edu.registry import REGISTRY; from tests.fidelity.differential_programs import flat_cat")
        lines.append(f"# backward from {out} with upstream np.random.default_rng({self.upstream_seed}).standard_normal"
                     f"{' (and a second-order pass)' if self.second_order else ''}")
        return "\n".join(lines)

    __repr__ = code


def run_step(ns, step, values):
    xs = [values[j] for j in step.args]
    if step.op.startswith("move:"):
        return MOVE_BY_NAME[step.op[5:]][2](ns, xs[0])
    if step.op == "clamp_tensors":  # clamp with tensor bounds (earlier values)
        return ns.clamp(xs[0], **dict(zip(step.kwargs["bounds"], xs[1:])))
    kwargs = dict(step.kwargs)
    for key in ("target", "weight"):  # registry losses take arrays in kwargs
        if isinstance(kwargs.get(key), list):
            kwargs[key] = np.array(kwargs[key])
    return flat_cat(ns, REGISTRY[step.op].call(ns, *xs, **kwargs))


def flat_cat(ns, out):
    """A step's one value: an op that returns several tensors (split, chunk, a pool with its
    indices) gives them flattened and concatenated in the first one's dtype, so that all are compared."""
    if not isinstance(out, (tuple, list)):
        return out
    return ns.cat([t.reshape(-1).to(out[0].dtype) for t in out])


# ---- drawing ----------------------------------------------------------------------------
@st.composite
def input_array(draw, shape, dtype=None):
    dtype = dtype or draw(st.sampled_from(["float32", "float64", "float32", "float64", "int64"]))
    style = draw(st.sampled_from(["normal", "special", "ties", "large"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    if style == "normal":
        x = rng.standard_normal(shape)
    elif style == "special":
        x = rng.choice(SPECIALS, size=shape)
    elif style == "ties":
        x = rng.integers(-2, 3, size=shape).astype(np.float64)
    else:
        x = rng.standard_normal(shape) * 1e4
    if dtype == "int64":
        x = np.clip(np.round(x), -50, 50)
    return np.asarray(x).astype(dtype)


def _heads():
    """Registered ops with fixed input shapes (conv, pooling, losses, matmul, ...): program starts."""
    return [(name, case) for name, spec in sorted(REGISTRY.items()) if spec.kind not in GENERIC_KINDS
            for case in spec.cases]


def _generic_ops(kinds):
    return sorted(name for name, spec in REGISTRY.items() if spec.kind in kinds)


@st.composite
def _reduce_kwargs(draw, ndim):
    dims = st.one_of(st.none(), st.integers(-max(ndim, 1), max(ndim, 1) - 1),
                     st.lists(st.integers(0, max(ndim - 1, 0)), min_size=1, max_size=max(ndim, 1), unique=True).map(tuple))
    return dict(dim=draw(dims), keepdim=draw(st.booleans()))


@st.composite
def generic_step(draw, values, shapes, dtypes):
    """One shape-generic step on earlier values."""
    last = len(values) - 1
    i = last if draw(st.integers(0, 2)) else draw(st.integers(0, last))  # mostly a chain
    shape, is_int = shapes[i], dtypes[i].kind != "f"
    choice = draw(st.sampled_from(["registry"] * 4 + ["move"] * 2 + ["clamp"]))
    if choice == "clamp":  # bounds that broadcast into x's shape (torch's backward raises otherwise)
        partners = [j for j, s in enumerate(shapes) if _broadcasts(s, shape) and np.broadcast_shapes(s, shape) == shape]
        bounds = draw(st.sampled_from([("min",), ("max",), ("min", "max")]))
        return Step("clamp_tensors", (i, *(draw(st.sampled_from(partners)) for _ in bounds)), dict(bounds=bounds))
    if choice == "move":
        moves = [m[0] for m in MOVES if m[3](shape) and not (is_int and m[0] == "float")]
        return Step("move:" + draw(st.sampled_from(moves)), (i,))
    names = [n for n in _generic_ops(GENERIC_KINDS) if not is_int or n in INT_OK]
    name = draw(st.sampled_from(names))
    kind = REGISTRY[name].kind
    if kind == "binary":
        partners = [j for j, s in enumerate(shapes) if _broadcasts(s, shape)]
        return Step(name, (i, draw(st.sampled_from(partners))))
    if kind.startswith("reduce"):
        return Step(name, (i,), draw(_reduce_kwargs(len(shape))))
    if kind == "dim":
        return Step(name, (i,), dict(dim=draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))))
    return Step(name, (i,))


def _broadcasts(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@st.composite
def programs(draw, run_shapes):
    """A Program. ``run_shapes(program_so_far)`` gives the (shapes, dtypes) of its values (by
    running it on the engine) so that each new step can be fitted to them."""
    if draw(st.integers(0, 3)) == 0:  # start from a registered fixed-shape op
        name, case = draw(st.sampled_from(_heads()))
        spec = REGISTRY[name]
        dtype = draw(st.sampled_from(["float32", "float64"]))
        rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
        arrays = [a.astype(dtype) for a in spec.inputs(case.shapes, rng)] if draw(st.booleans()) else \
            [draw(input_array(s, dtype)) for s in case.shapes]
        kwargs = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in case.kwargs.items()}
        steps = [Step(name, tuple(range(len(arrays))), kwargs)]
    else:
        count = draw(st.integers(1, 3))
        shapes = draw(mutually_broadcastable_shapes(num_shapes=count, max_dims=3, min_side=0, max_side=4))
        arrays = [draw(input_array(s)) for s in shapes.input_shapes]
        steps = []
    target = draw(st.integers(2, 6))
    while len(steps) < target:
        shapes, dtypes = run_shapes(Program(arrays, steps))
        if shapes is None:  # the engine raised: no more steps (the test compares that with torch)
            break
        steps.append(draw(generic_step(shapes, shapes, dtypes)))
    return Program(arrays, steps, draw(st.integers(0, 2 ** 16)), draw(st.integers(0, 4)) == 0)


__all__ = ["Program", "Step", "programs", "run_step", "flat_cat", "array_shapes"]
