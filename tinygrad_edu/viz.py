"""Draw the graph behind a tensor: what backward will walk, as Graphviz DOT (and SVG/PNG).

    dot = te.viz.to_dot(loss)            # text, always available
    te.viz.render(loss, "graph.svg")     # needs Debian's graphviz (the set-up installs it)
"""
import shutil
import subprocess
from pathlib import Path


def _label(t):
    return f"{tuple(t.shape)} {t.dtype}"


def to_dot(tensor, name="autograd"):
    """DOT text: one box per op (name, output shape, dtype), one ellipse per leaf (its ``name``
    when it has one), edges from inputs to the op that uses them."""
    lines = [f"digraph \"{name}\" {{", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    seen, stack = set(), [tensor]
    while stack:  # iterative: deep graphs must not hit the recursion limit
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = f"t{id(t)}"
        ctx = t._ctx
        if ctx is None or getattr(ctx, "released", False):
            title = t.name or ("leaf" if t.requires_grad else "constant")
            style = "filled" if t.requires_grad else "dashed"
            lines.append(f'  {node} [shape=ellipse, style={style}, fillcolor="#dde8f7", '
                         f'label="{title}\\n{_label(t)}"];')
            continue
        title = type(ctx).__name__ + (f" ({t.name})" if t.name else "")
        lines.append(f'  {node} [shape=box, style="rounded,filled", fillcolor="#f3e3c3", label="{title}\\n{_label(t)}"];')
        for parent in ctx.inputs:
            lines.append(f"  t{id(parent)} -> {node};")
            stack.append(parent)
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tensor, path, name="autograd"):
    """Write the graph as an image; the format comes from the suffix (.svg, .png, .pdf)."""
    path = Path(path)
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError("render: Graphviz's `dot` is not installed (apt-get install graphviz); "
                           "to_dot(tensor) still gives the DOT text")
    fmt = path.suffix.lstrip(".") or "svg"
    subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=to_dot(tensor, name).encode(), check=True)
    return path
