"""Optimizers with torch.optim's names, arguments and exact update rules.

Updates work on the parameters' arrays (``p.array``) in place, so they build no graph and the
Parameter objects a model holds stay the same. The rules are torch's documented algorithms
(single-tensor form), operation by operation, so float64 runs agree with torch to rounding.

SGD, for each parameter with gradient g (torch.optim.SGD):
    g <- g + weight_decay * p                               (if weight_decay != 0)
    b <- g  at the first step,  b <- momentum * b + (1 - dampening) * g  after   (if momentum != 0)
    g <- g + momentum * b  (nesterov)   or   g <- b   (otherwise)
    p <- p - lr * g

Adam (torch.optim.Adam), t = the step count, starting at 1:
    g <- g + weight_decay * p                               (if weight_decay != 0)
    m <- m + (1 - beta1) (g - m)                            (torch's lerp; m starts at 0)
    v <- beta2 v + (1 - beta2) g^2                          (v starts at 0)
    denom <- sqrt(v) / sqrt(1 - beta2^t) + eps              (amsgrad: sqrt(max of v so far))
    p <- p - lr / (1 - beta1^t) * m / denom
"""
import math

import numpy as np

from .backend import device_of, to_device
from .tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """The shared parts: parameter groups, ``zero_grad``, ``state_dict``/``load_state_dict``."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}  # Parameter -> dict of arrays and numbers
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a Tensor")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (shape {tuple(p.shape)}, made by "
                                 f"{type(p.grad_fn).__name__}); pass the leaf tensors (the model's parameters)")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
            seen.add(id(p))
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else Tensor._wrap(p._xp.zeros_like(p.array))

    def _params_with_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    yield group, p, p.grad.array

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group, p, g in self._params_with_grad():
            if group.get("maximize", False):
                g = -g
            self._update(group, p, g, self.state.setdefault(p, {}))
        return loss

    def _update(self, group, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError

    # ----- saving and resuming -------------------------------------------------------------------
    def state_dict(self):
        """torch's layout: ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``,
        parameters numbered in group order. Arrays are copies (a snapshot)."""
        index, groups = {}, []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: Tensor._wrap(v.copy()) if hasattr(v, "dtype") and np.ndim(v) else v
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        by_index = {}
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"loaded state dict's parameter group {i} has {len(saved['params'])} parameters, "
                                 f"the optimizer's has {len(own['params'])}")
            by_index.update(zip(saved["params"], own["params"]))
        self.state = {}
        for key, values in state_dict["state"].items():
            p = by_index[int(key)]
            restored = {}
            for name, v in values.items():
                if isinstance(v, Tensor) or isinstance(v, np.ndarray) or hasattr(v, "detach"):
                    array = _array(v)
                    if array.ndim == 0 and name == "step":
                        restored[name] = float(array)
                        continue
                    if array.shape != p.shape:
                        raise ValueError(f"loaded optimizer state {name!r} for parameter {key} has shape "
                                         f"{array.shape}, the parameter has shape {tuple(p.shape)}")
                    restored[name] = to_device(array.astype(p.dtype), device_of(p.array)) \
                        if device_of(p.array) != "cpu" else array.astype(p.dtype, copy=True)
                else:
                    restored[name] = v
            self.state[p] = restored
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = tuple(v) if k == "betas" else v

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


def _array(v):
    if isinstance(v, Tensor):
        return np.asarray(v)
    if hasattr(v, "detach"):  # a torch tensor
        return v.detach().cpu().numpy()
    return np.asarray(v)


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: invalid lr={lr}, momentum={momentum} or weight_decay={weight_decay} "
                             "(each must be >= 0)")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _update(self, group, p, g, state):
        wd, momentum, dampening = group["weight_decay"], group["momentum"], group["dampening"]
        if wd != 0:
            g = g + wd * p.array
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                buf += (1 - dampening) * g
            g = g + momentum * buf if group["nesterov"] else buf
        p.array -= group["lr"] * g


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False):
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"Adam: invalid lr={lr}, eps={eps} or weight_decay={weight_decay} (each must be >= 0)")
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"Adam: invalid betas={betas} (each must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update(self, group, p, g, state):
        beta1, beta2 = group["betas"]
        if not state:
            xp = p._xp
            state["step"] = 0.0
            state["exp_avg"] = xp.zeros_like(p.array)
            state["exp_avg_sq"] = xp.zeros_like(p.array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(p.array)
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        state["step"] += 1
        step = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)  # torch's lerp(m, g, 1 - beta1) for a weight below 0.5
        v *= beta2
        v += ((1 - beta2) * g) * g  # torch's addcmul order
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        if group["amsgrad"]:
            xp = p._xp
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            denom = xp.sqrt(state["max_exp_avg_sq"]) / bias_correction2_sqrt + group["eps"]
        else:
            denom = p._xp.sqrt(v) / bias_correction2_sqrt + group["eps"]
        p.array -= (group["lr"] / bias_correction1) * (m / denom)
