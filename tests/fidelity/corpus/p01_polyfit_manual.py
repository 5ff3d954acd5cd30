"""A third-order polynomial fitted to sin(x) by hand: autograd computes the gradients, the update
is written out under ``torch.no_grad()`` (the beginner tutorial's "Tensors and autograd" step).
The caller gives the four starting coefficients (the tutorial draws them with ``torch.randn``)."""
import math

import torch


def main(init, steps=400, learning_rate=1e-6):
    dtype = torch.float64
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in init)
    lines = []
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            lines.append(f"{t:4d} {loss.item():.3f}")
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad.zero_()
            d.grad.zero_()
    lines.append(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
    return dict(loss=loss.item(), coefficients=[a.detach(), b.detach(), c.detach(), d.detach()],
                text="\n".join(lines), grad_of_c=c.grad)
