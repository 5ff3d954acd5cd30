"""The graph drawing, the gradcheck library functions, and the report command."""
import shutil

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import autograd, viz
from tinygrad_edu.gradcheck import GradcheckError
from tinygrad_edu.gradcheck.__main__ import main as report_main
from tinygrad_edu.registry import REGISTRY, Case, OpSpec


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


class WrongSquare(autograd.Function):
    """x^2 with a deliberately wrong backward (2.1 x instead of 2 x)."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        return (g * self.inputs[0] * 2.1,)


class WrongSecondOrderSquare(autograd.Function):
    """x^2 whose backward is right in value but cut from the graph: its second derivative is 0."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        return (g * self.inputs[0].detach() * 2.0,)


def test_gradcheck_passes_a_right_gradient_and_names_the_wrong_one():
    x = te.tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    assert te.gradcheck(lambda t: (t * t).sum(1), (x,))
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(2, 2\)\) at input index \(0, 0\).*analytical 2\.1"):
        te.gradcheck(lambda t: WrongSquare.apply(t), (x,))
    assert te.gradcheck(lambda t: WrongSquare.apply(t), (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = te.tensor(np.array([1.0, -2.0]), requires_grad=True)
    assert te.gradcheck(lambda t: WrongSecondOrderSquare.apply(t), (x,))
    assert te.gradgradcheck(lambda t: t * t * t, (x,))
    with pytest.raises(GradcheckError):
        te.gradgradcheck(lambda t: WrongSecondOrderSquare.apply(t), (x,))


def test_gradcheck_refuses_float32_inputs():
    with pytest.raises(ValueError, match="input 0 is torch.float32.*float64"):
        te.gradcheck(lambda t: t * 2.0, (te.ones(2, requires_grad=True),))


def test_report_lists_ops_writes_markdown_and_exits_zero(tmp_path, capsys):
    out = tmp_path / "report.md"
    assert report_main(["--out", str(out), "--only", "mul", "softmax", "matmul"]) == 0
    text = out.read_text()
    assert "| mul |" in text and "| softmax |" in text and "3 of 3 ops pass" in text
    assert "report written to" in capsys.readouterr().out


def test_report_exits_nonzero_when_an_op_is_wrong(tmp_path, monkeypatch):
    broken = OpSpec("broken_square", lambda ns, x: WrongSquare.apply(x) if ns is te else x * x,
                    cases=(Case([(3,)]),), second_order=False)
    monkeypatch.setitem(REGISTRY, "broken_square", broken)
    out = tmp_path / "report.md"
    assert report_main(["--out", str(out), "--only", "broken_square"]) == 1
    assert "FAIL" in out.read_text()
