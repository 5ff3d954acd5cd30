"""Hypothesis strategies that draw the cases (shapes and keyword arguments) of each registry kind."""
import hypothesis.strategies as st
from hypothesis.extra.numpy import array_shapes, broadcastable_shapes, mutually_broadcastable_shapes

from tinygrad_edu.registry import Case

small_shape = array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
nonempty_shape = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@st.composite
def _reduce_case(draw, min_elements=0):
    shape = draw(array_shapes(min_dims=1, max_dims=4, min_side=min(1, min_elements) if min_elements else 0,
                              max_side=4))
    dims = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                          st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True)
                          .map(tuple)))
    reduced = range(len(shape)) if dims is None else ([dims] if isinstance(dims, int) else dims)
    count = 1
    for d in reduced:
        count *= shape[d]
    if count < min_elements:
        shape = tuple(max(n, 2) for n in shape)
    return Case([shape], dict(dim=dims, keepdim=draw(st.booleans())))


@st.composite
def _dim_case(draw):
    shape = draw(nonempty_shape)
    return Case([shape], dict(dim=draw(st.integers(-len(shape), len(shape) - 1))))


@st.composite
def _matmul_case(draw):
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    a_shape = (k,) if draw(st.booleans()) and not batch.input_shapes[0] else batch.input_shapes[0] + (n, k)
    b_shape = (k,) if draw(st.booleans()) and not batch.input_shapes[1] else batch.input_shapes[1] + (k, m)
    return Case([a_shape, b_shape])


KIND_STRATEGIES = {
    "unary": small_shape.map(lambda s: Case([s])),
    "unary_nonempty": nonempty_shape.map(lambda s: Case([s])),
    "binary": mutually_broadcastable_shapes(num_shapes=2, max_dims=4, min_side=0, max_side=4)
    .map(lambda b: Case(list(b.input_shapes))),
    "matmul": _matmul_case(),
    "reduce": _reduce_case(),
    "reduce_nonempty": _reduce_case(min_elements=1),
    "reduce_two_or_more": _reduce_case(min_elements=2),
    "dim": _dim_case(),
}

__all__ = ["KIND_STRATEGIES", "broadcastable_shapes"]
