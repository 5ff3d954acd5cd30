r"""SGD with momentum (torch.optim.SGD). For each parameter p with gradient g:

.. math::
    g &\leftarrow g + \lambda p                                   && \text{(weight\_decay } \lambda \ne 0) \\
    b &\leftarrow g \text{ at the first step, then } \mu b + (1 - \tau) g  && \text{(momentum } \mu \ne 0) \\
    g &\leftarrow g + \mu b \ \text{(nesterov) or } g \leftarrow b        \\
    p &\leftarrow p - \gamma g

State: ``momentum_buffer`` (only with momentum).
"""
from ..backend import array_module
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
        # the same operations as the formulas above, in the same order (so the same rounding)
        wd, momentum, dampening = group["weight_decay"], group["momentum"], group["dampening"]
        if wd != 0:
            g = g + wd * p.array
        if momentum == 0:
            _descend(p.array, group["lr"], g)
            return
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = g.copy()
        else:
            buf *= momentum
            buf += g if dampening == 0 else (1 - dampening) * g  # (1 - 0) g is g exactly
        if group["nesterov"]:
            _descend(p.array, group["lr"], g, momentum, buf)
        else:
            _descend(p.array, group["lr"], buf)


UPDATE_BLOCK = 1 << 15  # elements of the update's temporary (the FashionMNIST MLP's step peaked at
# its 784x100 weight's temporary, 0.3 MiB, torch's whole peak: benchmarks/README.md "Memory")


def _descend(p, lr, g, momentum=0.0, buf=None):
    r"""$p \leftarrow p - \gamma (g + \mu b)$ (nesterov) or $p - \gamma g$ (no ``buf``), in place,
    rounded as ``p -= lr * (g + momentum * buf)``, a block of UPDATE_BLOCK elements at a time, so the
    temporary is a block long, not a parameter (torch's ``p.add_(g, alpha=-lr)`` makes none)."""
    arrays = (p, g) if buf is None else (p, g, buf)
    if p.size <= UPDATE_BLOCK or not all(a.flags.c_contiguous and a.shape == p.shape for a in arrays):
        _descend_block(p, lr, g, momentum, buf)
        return
    flat = [a.reshape(-1) for a in arrays]  # views: writing p's block writes p
    scratch = array_module(p).empty(UPDATE_BLOCK, p.dtype)
    for i in range(0, p.size, UPDATE_BLOCK):
        part = [a[i:i + UPDATE_BLOCK] for a in flat]
        _descend_block(part[0], lr, part[1], momentum, part[2] if buf is not None else None, scratch[:part[0].size])


def _descend_block(p, lr, g, momentum, buf, step=None):
    """``_descend`` of one block, into ``step`` (a new array if None)."""
    xp = array_module(p)
    if buf is None:
        step = xp.multiply(g, lr, out=step)
    else:
        step = xp.multiply(buf, momentum, out=step)
        step += g  # g + momentum b
        step *= lr
    p -= step
