r"""SGD with momentum (torch.optim.SGD). For each parameter p with gradient g:

.. math::
    g &\leftarrow g + \lambda p                                   && \text{(weight\_decay } \lambda \ne 0) \\
    b &\leftarrow g \text{ at the first step, then } \mu b + (1 - \tau) g  && \text{(momentum } \mu \ne 0) \\
    g &\leftarrow g + \mu b \ \text{(nesterov) or } g \leftarrow b        \\
    p &\leftarrow p - \gamma g

State: ``momentum_buffer`` (only with momentum).
"""
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, group, p, g, state):
        # the same operations as the formulas above, in the same order (so the same rounding), with
        # the temporaries reused: ``own`` says g is an array of this step (not the gradient itself
        # nor the momentum buffer), so it may be scaled in place
        wd, momentum, dampening = group["weight_decay"], group["momentum"], group["dampening"]
        own = False
        if wd != 0:
            g, own = g + wd * p.array, True
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                buf += g if dampening == 0 else (1 - dampening) * g  # (1 - 0) g is g exactly
            if group["nesterov"]:
                step = momentum * buf
                step += g  # g + momentum b
                g, own = step, True
            else:
                g, own = buf, False
        if own:
            g *= group["lr"]
            p.array -= g
        else:
            p.array -= group["lr"] * g
