"""Draw the graph behind a tensor, as micrograd draws its scalars: what backward will walk, each
op's local derivative rule and, for small tensors, every node's values and (after backward) its
gradient. Graphviz DOT text, and SVG/PNG through Debian's ``dot``.

    loss = ...; te.viz.retain_grads(loss); loss.backward(retain_graph=True)
    dot = te.viz.to_dot(loss)            # text, always available
    te.viz.render(loss, "graph.svg")     # needs Debian's graphviz (the set-up installs it)

``python -m tinygrad_edu.viz graph.svg`` draws the worked example: the EE-411 two-layer sigmoid
network (one sample, D = 2 inputs, K = 3 hidden units) with its logistic loss and all gradients.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

# Each op's local derivative, in the names of its inputs (a, b; x for one input; A, B for matrices).
# g is the gradient arriving from above; "d/da = b" means the op passes g * b to a.
RULES = {
    "Add": "d/da = 1, d/db = 1", "Sub": "d/da = 1, d/db = -1", "Mul": "d/da = b, d/db = a",
    "Div": "d/da = 1/b, d/db = -a/b^2", "Neg": "d/dx = -1", "PowScalar": "d/dx = c x^(c-1)",
    "OwnKernel": "g passes through", "Mean": "d/ds = 1/n (the sum s over n elements)",
    "Rsqrt": "d/dx = -1/2 x^(-3/2)",
    "Pow": "d/da = b a^(b-1), d/db = a^b log a", "Exp": "d/dx = exp(x)", "Log": "d/dx = 1/x",
    "Sqrt": "d/dx = 1 / (2 sqrt x)", "Abs": "d/dx = sign(x)", "Sigmoid": "d/dx = s(x) (1 - s(x))",
    "Tanh": "d/dx = 1 - tanh(x)^2", "Relu": "d/dx = [x > 0]", "ReluGrad": "g where ReLU passed (linear in g)",
    "LeakyRelu": "d/dx = [x > 0] + a [x <= 0]", "Hardtanh": "d/dx = [lo < x < hi]", "Clamp": "d/dx = [lo < x < hi]",
    "Maximum": "d/da = [a is the larger]", "Minimum": "d/da = [a is the smaller]",
    "Where": "d/da = [cond], d/db = [not cond]", "Cast": "g cast back to the input's dtype",
    "Reshape": "g reshaped back", "Permute": "g permuted back", "Expand": "g summed over the broadcast axes",
    "GetItem": "g put back at the selected entries", "Cat": "g split back into the pieces",
    "Pad": "g with the padding cut off", "MatMul": "d/dA = g B^T, d/dB = A^T g",
    "Sum": "d/dx = 1 (g broadcast back)", "Extremum": "g goes to the max/min entries",
    "LogSumExp": "d/dx = softmax(x)", "TakeAlong": "g put back at the taken entries",
    "MaxPool2d": "g goes to each window's max", "WindowGather": "g added back into the image (col2im)",
    "WindowScatter": "g gathered from the windows (im2col)", "Linear": "y = x W^T + b: d/dx = g W, "
    "d/dW = g^T x, d/db = sum of g", "Softplus": "d/dx = sigmoid(x)",
    "Conv2d": "d/dx = conv_transpose(g, w), d/dw = correlate(x, g)",
    "ConvTranspose2d": "d/dy = conv(g, w), d/dw = correlate(g, y)",
    "Conv2dWeight": "bilinear in (x, y): each gradient is a convolution of g with the other",
    "IndexBackward": "d/dg = its gradient read at the index",
    "IndexPut": "d/dx = g off the index, d/dv = g at the index", "CustomNode": "your backward(ctx, g)",
    "Contiguous": "g passes through unchanged", "Erf": "d/dx = 2/sqrt(pi) exp(-x^2)",
    "Unfold": "g folded back (col2im)", "Fold": "g unfolded (im2col)",
    "Sin": "d/dx = cos x", "Cos": "d/dx = -sin x", "Tan": "d/dx = 1 + tan(x)^2",
    "Asin": "d/dx = 1/sqrt(1 - x^2)", "Acos": "d/dx = -1/sqrt(1 - x^2)", "Atan": "d/dx = 1/(1 + x^2)",
    "Atan2": "d/da = b/(a^2+b^2), d/db = -a/(a^2+b^2)", "Sinh": "d/dx = cosh x", "Cosh": "d/dx = sinh x",
    "Asinh": "d/dx = 1/sqrt(x^2 + 1)", "Acosh": "d/dx = 1/sqrt(x^2 - 1)", "Atanh": "d/dx = 1/(1 - x^2)",
    "Log2": "d/dx = 1/(x ln 2)", "Log10": "d/dx = 1/(x ln 10)", "Log1p": "d/dx = 1/(1 + x)",
    "Expm1": "d/dx = exp(x)", "ZeroGradient": "d/dx = 0", "Sign": "d/dx = 0", "Floor": "d/dx = 0",
    "Sgn": "d/dx = 0 (torch's ZeroTensor)",
    "Ceil": "d/dx = 0", "Round": "d/dx = 0", "Trunc": "d/dx = 0", "CountNonzero": "d/dx = 0", "OnesOf": "d/dx = 0",
    "Sample": "d/dx = 0 (a random draw)", "CumSum": "g summed from the end (reverse cumsum)",
    "Prod": "d/dx_i = prod of the others", "Einsum": "each operand: an einsum of g with the others",
    "CumProd": "d/dx_k = sum_{j>=k} g_j z_j / x_k (torch's, with zeros)",
    "Flip": "g flipped back", "Roll": "g rolled back", "Repeat": "g summed over the copies",
    "VectorNorm": "d/dx = x |x|^(p-2) / ||x||^(p-1)", "Variance": "d/dx = 2 g (x - mean) / (n - correction)",
    "ClampBounds": "d/dx = 1 where lo <= x <= hi, d/dlo, d/dhi = 1 where the bound is taken",
    "Fused": "d/dx = f'(x) (one product)", "Hardswish": "d/dx = x/3 + 1/2 inside (-3, 3), 0 below, 1 above",
    "AdaptiveAvgPool2d": "g / window lengths spread over each window",
    "AdaptiveAvgPool2dAdjoint": "gg averaged over each window (the pooling again)",
    "Normalize": "d/dx = s (g - mean g - x^ mean(g x^))",
    "GroupScale": "d/dy = g w, d/dw = sum_n (sum g x - mean sum g) s",
    "RowScale": "d/dy = g w, d/dw = sum over rows of g s (x - mean)",
    "InvStd": "d/dx = (2/n) (-s^3 / 2) g (x - mean)",
    "LinearWeightGrad": "Z = G^T X: d/dG = X H^T, d/dX = G H",
    "BinaryCrossEntropyWithLogits": "d/dx = (sigmoid(x) - t) w, d/dt = -x w (torch's, with pos_weight too)",
    "CrossEntropy": "d/dx = c (softmax(x) - onehot(t))", "CrossEntropyGrad": "d/dx = q - p sum(q), q = a p h",
    "InfNorm": "d/dx = sign(x) / #ties at the extremum",
    "HuberLoss": "d/dx = clamp(x - t, -delta, delta), d/dt = clamp(t - x, -delta, delta)",
    "SmoothL1Loss": "d/dx = clamp(x - t, -beta, beta) / beta, d/dt = clamp(t - x, -beta, beta) / beta",
    "LossSlope": "d/dd = [|d| < bound] (multiplied: inf * 0 = NaN, as torch's)", "SelfXlogy": "d/dt = log t + 1 (torch's two xlogy halves)",
}


def _graph_parents(t):
    """The op that made ``t`` and its input tensors: the one place that reads engine internals
    (``grad_fn.inputs``; a released graph counts as a leaf). An op that needs no input values
    keeps only their shapes (autograd's ``_without_values``): the input drawn is then the tensor
    that its own op made, while anything holds it."""
    fn = t.grad_fn
    if fn is None or getattr(fn, "released", False):
        return None, ()
    return fn, tuple(_made_by(p) for p in getattr(fn, "inputs", ()))


def _made_by(t):
    made = t._ctx._output() if t._ctx is not None and not getattr(t._ctx, "released", False) else None
    return t if made is None else made


def _freed(t):
    """True for the stand-in of an input whose values were freed after forward (see _graph_parents)."""
    return t._ctx is not None and not getattr(t._ctx, "released", False) and t._ctx._output() is not t


def _key(t):
    """One node per point of the graph: an op's output by its op (a freed input's stand-ins share it)."""
    return id(t._ctx) if t._ctx is not None else id(t)


def _array_text(t, max_elements):
    """Values of a small tensor as a short text (rows on separate lines), or None for a large one."""
    if t is None or int(np.prod(t.shape)) > max_elements:
        return None
    values = np.asarray(t.detach().numpy(), dtype=np.float64)
    text = np.array2string(values, precision=4, suppress_small=True, separator=", ")
    return " ".join(text.split()).replace("], [", "],\\n [")


def _escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n")


def _label(t, title, rule, max_elements):
    lines = [title, f"{tuple(t.shape)} {t.dtype.name}"]
    if rule:
        lines.append(rule)
    if _freed(t):
        lines.append("values freed after forward (no backward needs them)")
        return "\\n".join(_escape(line) for line in lines)
    values, grad = _array_text(t, max_elements), _array_text(t.grad, max_elements)
    if values is not None:
        lines.append(f"value {values}")
    if grad is not None:
        lines.append(f"grad {grad}")
    return "\\n".join(_escape(line) for line in lines)


def _dot_node(t, max_elements):
    fn, _ = _graph_parents(t)
    if fn is None:
        title = t.name or ("leaf" if t.requires_grad else "constant")
        style = "filled" if t.requires_grad else "dashed"
        return f'shape=ellipse, style={style}, fillcolor="#dde8f7", label="{_label(t, title, "", max_elements)}"'
    op = type(fn).__name__.lstrip("_")
    title = op + (f" ({t.name})" if t.name else "")
    label = _label(t, title, RULES.get(op, ""), max_elements)
    return f'shape=box, style="rounded,filled", fillcolor="#f3e3c3", label="{label}"'


def to_dot(tensor, name="autograd", max_elements=6):
    """DOT text: one box per op (its name, output shape and dtype, its local derivative rule), one
    ellipse per leaf (its ``name`` when it has one); for tensors of at most ``max_elements``
    elements the values and, where backward has set it, the gradient; edges from inputs to the op."""
    lines = [f'digraph "{_escape(name)}" {{', "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    seen, stack = set(), [tensor]
    while stack:  # iterative: deep graphs must not hit the recursion limit
        t = stack.pop()
        if _key(t) in seen:
            continue
        seen.add(_key(t))
        lines.append(f"  t{_key(t)} [{_dot_node(t, max_elements)}];")
        for parent in _graph_parents(t)[1]:
            lines.append(f"  t{_key(parent)} -> t{_key(t)};")
            stack.append(parent)
    lines.append("}")
    return "\n".join(lines) + "\n"


def retain_grads(tensor):
    """Ask every intermediate tensor of the graph to keep its gradient (``retain_grad``), so that a
    drawing after backward shows the gradient of every node, not only of the leaves. Call backward
    with ``retain_graph=True`` to draw the graph afterwards (backward frees it, as torch's does)."""
    seen, stack = set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        fn, parents = _graph_parents(t)
        if fn is not None and t.requires_grad:
            t.retain_grad()
        stack.extend(parents)
    return tensor


def render(tensor, path, name="autograd", max_elements=6):
    """Write the graph as an image; the format comes from the suffix (.svg, .png, .pdf)."""
    path = Path(path)
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError("render: Graphviz's `dot` is not installed (apt-get install graphviz); "
                           "to_dot(tensor) still gives the DOT text")
    fmt = path.suffix.lstrip(".") or "svg"
    subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=to_dot(tensor, name, max_elements).encode(),
                   check=True)
    return path


def ee411_example():
    """The EE-411 network of ``by_hand.py`` at a drawable size: one sample x (D = 2), hidden layer
    K = 3, z1 = x w_1, a1 = sigmoid(z1), z2 = a1 w_2, the stable logistic loss for y = 1,
    softplus(-z2); returns the loss after backward (every node keeps its gradient)."""
    import tinygrad_edu as te
    import tinygrad_edu.nn.functional as F
    x = te.tensor([[1.0, -2.0]], dtype=te.float64)
    x.name = "x (one sample)"
    w1 = te.tensor([[0.5, -0.3, 0.8], [0.2, 0.4, -0.6]], dtype=te.float64, requires_grad=True)
    w2 = te.tensor([[1.0], [-1.5], [0.7]], dtype=te.float64, requires_grad=True)
    w1.name, w2.name = "w_1", "w_2"
    z1 = x @ w1
    z1.name = "z1"
    a1 = z1.sigmoid()
    a1.name = "a1"
    z2 = a1 @ w2
    z2.name = "z2"
    loss = F.softplus(-z2).sum()
    loss.name = "loss, y = 1"
    retain_grads(loss)
    loss.backward(retain_graph=True)  # keep the graph to draw it after backward
    return loss


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0] if argv else "ee411_graph.svg")
    render(ee411_example(), path, name="ee411 two-layer network")
    print(f"graph written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
