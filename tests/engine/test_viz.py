"""tinygrad_edu.viz: the graph in Graphviz's dot names every op with shape and dtype, renders to SVG;
small tensors show their values and, after backward, their gradients; every op shows its local
derivative rule; the EE-411 worked example draws the right gradients."""
import shutil

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import autograd, by_hand, viz


def _small_graph():
    w = te.tensor([[0.5, -1.0]], requires_grad=True, dtype=te.float64)
    w.name = "w"
    x = te.tensor([[2.0], [3.0]], dtype=te.float64)
    loss = (w @ x).sigmoid().sum()
    return w, loss


def test_dot_names_every_op_with_shape_and_dtype_and_the_named_leaf():
    _, loss = _small_graph()
    dot = viz.to_dot(loss)
    assert dot.startswith("digraph")
    for op in ("Sum", "Sigmoid", "MatMul"):
        assert op in dot
    assert "w\\n(1, 2) float64" in dot and "constant\\n(2, 1) float64" in dot
    assert dot.count("->") == 4  # w->matmul, x->matmul, matmul->sigmoid, sigmoid->sum


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_render_writes_an_svg(tmp_path):
    _, loss = _small_graph()
    path = viz.render(loss, tmp_path / "graph.svg")
    text = path.read_text()
    assert "<svg" in text and "MatMul" in text


def test_small_tensors_show_values_gradients_and_the_rule():
    a = te.tensor([2.0, -3.0], dtype=te.float64, requires_grad=True)
    b = te.tensor([0.5, 4.0], dtype=te.float64, requires_grad=True)
    a.name, b.name = "a", "b"
    out = (a * b).sum()
    viz.retain_grads(out)
    out.backward(retain_graph=True)
    dot = viz.to_dot(out)
    assert "Mul\\n(2,) float64\\nd/da = b, d/db = a" in dot
    assert "value [ 2., -3.]" in dot and "grad [0.5, 4. ]" in dot   # a's value; its gradient is b
    assert "value [0.5, 4. ]" in dot and "grad [ 2., -3.]" in dot   # b's value; its gradient is a
    assert "value [ 1., -12.]" in dot and "grad [1., 1.]" in dot    # the product keeps its gradient too


def test_large_tensors_show_no_values_and_no_gradient_before_backward():
    w = te.ones(3, 4, requires_grad=True)
    dot = viz.to_dot((w * 2).sum())
    assert "value" not in dot.split("Sum")[0] or "(3, 4)" in dot
    assert "grad " not in dot
    assert "value [[" not in dot  # 12 elements > 6: not printed


def test_every_engine_op_has_a_rule():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    import tinygrad_edu.nn.functional  # noqa: F401  (registers Linear, ops/linear.py)
    import tinygrad_edu.nn._functional.loss  # noqa: F401
    names = {c.__name__.lstrip("_") for c in subclasses(autograd.Function) if c.__module__.startswith("tinygrad_edu")}
    missing = sorted(n for n in names if n not in viz.RULES and n not in ("ToDevice", "Function", "ConvBase"))
    assert not missing, f"no derivative rule for {missing}"


def test_ee411_example_draws_the_by_hand_gradients():
    loss = viz.ee411_example()
    dot = viz.to_dot(loss)
    X = np.array([[1.0, -2.0]])
    W = {"w_1": np.array([[0.5, -0.3, 0.8], [0.2, 0.4, -0.6]]), "w_2": np.array([[1.0], [-1.5], [0.7]])}
    g = by_hand.gradient(X, np.array([1.0]), W)
    for key in ("w_1", "w_2"):
        for v in np.asarray(g[key]).ravel():
            assert f"{v:.4f}".rstrip("0") in dot, (key, v)
    for node in ("z1", "a1", "z2", "loss, y = 1", "d/dx = s(x) (1 - s(x))", "d/dA = g B^T, d/dB = A^T g"):
        assert node in dot
    assert dot.count("grad ") == dot.count("label=") - 1 >= 8  # every node but the constant x has its gradient
