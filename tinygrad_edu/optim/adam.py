r"""Adam (torch.optim.Adam); AdamW is the same rule with decoupled weight decay. t = the step count:

.. math::
    p &\leftarrow p (1 - \gamma \lambda)  && \text{(decoupled weight decay, AdamW)} \\
    g &\leftarrow g + \lambda p           && \text{(weight\_decay } \lambda \ne 0 \text{, Adam)} \\
    m &\leftarrow m + (1 - \beta_1)(g - m)  \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
    \hat v &\leftarrow \max(\hat v, v) \text{ (amsgrad), else } \hat v = v \\
    p &\leftarrow p - \frac{\gamma}{1 - \beta_1^t} \, \frac{m}{\sqrt{\hat v} / \sqrt{1 - \beta_2^t} + \epsilon}

State: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v), ``max_exp_avg_sq`` (amsgrad only).
"""
import math

from .optimizer import Optimizer, check_nonnegative, lerp_

__all__ = ["Adam"]


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_nonnegative(lr=lr, eps=eps)
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        check_nonnegative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group, p, g, state):
        (beta1, beta2), lr, wd, xp = group["betas"], group["lr"], group["weight_decay"], p._xp
        if not state:
            state["step"] = 0.0
            state["exp_avg"], state["exp_avg_sq"] = xp.zeros_like(p.array), xp.zeros_like(p.array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(p.array)
        state["step"] += 1
        if wd != 0 and group["decoupled_weight_decay"]:
            p.array *= 1 - lr * wd
        elif wd != 0:
            g = g + wd * p.array
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - beta1)
        v *= beta2
        v += ((1 - beta2) * g) * g
        bias_correction1 = 1 - beta1 ** state["step"]
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** state["step"])
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = xp.sqrt(v) / bias_correction2_sqrt + group["eps"]
        p.array += (-(lr / bias_correction1) * m) / denom
