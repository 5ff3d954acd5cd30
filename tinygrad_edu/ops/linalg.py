"""Matrix product with batch broadcasting. Formulas: derivations/engine_ops.tex."""
from ..autograd import Function
from ..errors import EngineError


class MatMul(Function):
    r"""$Z = A B$ over the last two axes (leading axes broadcast);
    $\bar A = \bar Z B^\top$, $\bar B = A^\top \bar Z$ (batch axes summed back by the engine)."""

    def forward(self, a, b):
        if a.shape[-1] != b.shape[-2]:
            raise EngineError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                              f"({a.shape[-1]} columns against {b.shape[-2]} rows)")
        return a @ b

    def backward(self, g):
        a, b = self.inputs  # skip the product nobody needs (the input batch's gradient, typically)
        return (g @ b.mT if a.requires_grad else None), (a.mT @ g if b.requires_grad else None)
