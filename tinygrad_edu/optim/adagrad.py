r"""Adagrad (torch.optim.Adagrad), t = the step count:

.. math::
    g &\leftarrow g + \lambda p                  && \text{(weight\_decay } \lambda \ne 0) \\
    \tilde\gamma &= \gamma / (1 + (t - 1) \eta)  && \text{(lr\_decay } \eta) \\
    s &\leftarrow s + g^2 \qquad p \leftarrow p - \tilde\gamma \, g / (\sqrt{s} + \epsilon)

State: ``step`` and ``sum`` (s, starting at ``initial_accumulator_value``), made for every parameter
when the optimizer is built (as torch does, so its state_dict has them before the first step).
"""
from .optimizer import Optimizer, check_nonnegative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {"step": 0.0,
                                 "sum": p._xp.full_like(p.array, group["initial_accumulator_value"])}

    def _update(self, group, p, g, state):
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += g * g
        std = p._xp.sqrt(state["sum"]) + group["eps"]
        p.array += (-clr * g) / std
