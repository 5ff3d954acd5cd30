r"""RMSprop (torch.optim.RMSprop), smoothing constant alpha:

.. math::
    g &\leftarrow g + \lambda p                        && \text{(weight\_decay } \lambda \ne 0) \\
    v &\leftarrow \alpha v + (1 - \alpha) g^2 \\
    \bar g &\leftarrow \bar g + (1 - \alpha)(g - \bar g),\ \ s = \sqrt{v - \bar g^2} + \epsilon  && \text{(centered)} \\
    s &= \sqrt{v} + \epsilon                            && \text{(otherwise)} \\
    b &\leftarrow \mu b + g / s,\ \ p \leftarrow p - \gamma b  && \text{(momentum } \mu > 0) \\
    p &\leftarrow p - \gamma g / s                       && \text{(otherwise)}

State: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, with momentum), ``grad_avg`` (centered).
"""
from .optimizer import Optimizer, check_nonnegative, lerp_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, group, p, g, state):
        alpha, xp = group["alpha"], p._xp
        if not state:
            state["step"] = 0.0
            state["square_avg"] = xp.zeros_like(p.array)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(p.array)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p.array)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        v = state["square_avg"]
        v *= alpha
        v += ((1 - alpha) * g) * g
        if group["centered"]:
            lerp_(state["grad_avg"], g, 1 - alpha)
            avg = xp.sqrt(v - state["grad_avg"] * state["grad_avg"])
        else:
            avg = xp.sqrt(v)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p.array -= group["lr"] * buf
        else:
            p.array += (-group["lr"] * g) / avg
