"""tinygrad_edu.gradcheck: gradcheck and gradgradcheck pass right gradients and name wrong ones, and
the report command (``python -m tinygrad_edu.gradcheck``) lists every op and fails on a wrong one."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import autograd
from tinygrad_edu.gradcheck import GradcheckError
from tinygrad_edu.gradcheck.__main__ import main as report_main
from tinygrad_edu.registry import REGISTRY, Case, OpSpec


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
