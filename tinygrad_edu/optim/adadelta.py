r"""Adadelta (torch.optim.Adadelta), decay rate rho; lr scales the update and defaults to 1:

.. math::
    g &\leftarrow g + \lambda p                  && \text{(weight\_decay } \lambda \ne 0) \\
    v &\leftarrow \rho v + (1 - \rho) g^2 \\
    \Delta &= \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}} \, g \\
    u &\leftarrow \rho u + (1 - \rho) \Delta^2 \qquad p \leftarrow p - \gamma \Delta

State: ``step``, ``square_avg`` (v), ``acc_delta`` (u).
"""
from .optimizer import Optimizer, check_nonnegative

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _update(self, group, p, g, state):
        rho, eps, xp = group["rho"], group["eps"], p._xp
        if not state:
            state["step"] = 0.0
            state["square_avg"], state["acc_delta"] = xp.zeros_like(p.array), xp.zeros_like(p.array)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += ((1 - rho) * g) * g
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
        u *= rho
        u += ((1 - rho) * delta) * delta
        p.array -= group["lr"] * delta
