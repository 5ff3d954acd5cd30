"""``Optimizer``: what every optimizer shares (torch.optim.Optimizer's names and layout).

A subclass gives its defaults and one method, ``_update(group, p, g, state)``, which applies its rule
to one parameter: ``p.array`` (the raw storage) is written in place, so the Parameter objects a model
holds stay the same and no graph is built; ``g`` is the gradient's array, already negated where
``maximize=True``. ``step`` then counts the change on the parameter's version counter (torch's
updates are in-place ops, so they count too).

The rules are torch's documented algorithms in their single-tensor (``foreach=False``) form,
operation by operation, so float64 runs agree with torch to rounding (torch fuses some products
into FMA instructions, which NumPy cannot: the last bit may differ).

``state_dict()`` has torch's layout, ``{"state": {index: {...}}, "param_groups": [{..., "params":
[indices]}]}`` with parameters numbered in group order and torch's state keys; the step count is a
0-d float32 tensor, as in torch. ``load_state_dict`` takes one of ours, or torch's with its tensors
converted to NumPy arrays.
"""
from collections import defaultdict

import numpy as np

from ..backend import device_of, to_device
from ..tensor import Tensor

__all__ = ["Optimizer"]

_TORCH_ONLY = {"capturable": False, "differentiable": False, "fused": None}  # torch-only options and their value here


def _check_torch_only(name, options):
    """``foreach`` only picks torch's implementation (same rule), so any value is fine; ``capturable``,
    ``differentiable`` and ``fused`` change what torch does and are refused when set."""
    for key, value in options.items():
        if key in _TORCH_ONLY and value not in (None, False):
            raise NotImplementedError(f"not supported in tinygrad_edu: {name}({key}={value!r}); leave it at its "
                                      f"default {_TORCH_ONLY[key]!r}")


class Optimizer:
    """Parameter groups, ``zero_grad``, ``step``, ``state_dict``/``load_state_dict``."""

    def __init__(self, params, defaults):
        _check_torch_only(type(self).__name__, defaults)
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)  # Parameter -> dict of arrays and numbers (torch's defaultdict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
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
        if group["params"] and all(isinstance(p, tuple) and len(p) == 2 for p in group["params"]):
            group["param_names"] = [name for name, _ in group["params"]]  # model.named_parameters(), as torch
            group["params"] = [p for _, p in group["params"]]
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (shape {tuple(p.shape)}, made by "
                                 f"{p.grad_fn.name()}); pass the leaf tensors (the model's parameters)")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
            seen.add(id(p))
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        _check_torch_only(type(self).__name__, group)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else Tensor._wrap(p._xp.zeros_like(p.array))

    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` (re-evaluating the loss) is
        called first and its value returned, as in torch."""
        loss = closure() if closure is not None else None
        self._opt_called = True  # lets a scheduler see that its step() comes after this one, as torch does
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.array
                self._update(group, p, -g if group.get("maximize", False) else g, self.state[p])
                p._changed_in_place()
        return loss

    def _update(self, group, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError

    # ----- saving and resuming -------------------------------------------------------------------
    def _param_indices(self):
        index = {}
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
        return index

    def state_dict(self):
        """A snapshot (arrays are copies) in torch's layout."""
        index = self._param_indices()
        groups = [{**{k: v for k, v in group.items() if k != "params"},
                   "params": [index[id(p)] for p in group["params"]]} for group in self.param_groups]
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {k: _saved(k, v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups: {len(groups)}, "
                             f"the optimizer has {len(self.param_groups)}")
        by_index = {}
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {i} has {len(saved['params'])} parameters, the "
                                 f"optimizer's has {len(own['params'])}")
            by_index.update(zip(saved["params"], own["params"]))
        self.state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            p = by_index[int(key)]
            self.state[p] = {name: _restored(name, v, p, key) for name, v in values.items()}
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


def _saved(name, value):
    """A state entry as state_dict gives it: arrays copied into Tensors, the step a 0-d float32 Tensor."""
    if name == "step":
        return Tensor._wrap(np.asarray(value, dtype=np.float32))
    if hasattr(value, "dtype") and getattr(value, "ndim", 0):  # an array (NumPy or CuPy), not a scalar
        return Tensor._wrap(value.copy())
    return value


def _restored(name, value, p, key):
    """A loaded state entry as the update rules keep it: the step a float, arrays of p's shape, dtype
    and device (copies, so the loaded dict is not changed by later steps)."""
    if not (isinstance(value, (Tensor, np.ndarray)) or hasattr(value, "detach")):
        return float(value) if name == "step" else value
    array = _array(value)
    if name == "step":
        return float(array)
    if array.shape != tuple(p.shape):
        raise ValueError(f"loaded optimizer state {name!r} for parameter {key} has shape {array.shape}, the "
                         f"parameter has shape {tuple(p.shape)}")
    array = array.astype(p.dtype, copy=True)
    return to_device(array, device_of(p.array)) if device_of(p.array) != "cpu" else array


def _array(v):
    if isinstance(v, Tensor):
        return np.asarray(v)
    if hasattr(v, "detach"):  # a torch tensor
        return v.detach().cpu().numpy()
    return np.asarray(v)


def lerp_(start, end, weight):
    """``start <- start + weight (end - start)`` in place, as torch's ``lerp_`` computes it (for
    ``|weight| >= 0.5`` it uses ``end - (end - start)(1 - weight)``, which rounds differently)."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


_NAMES = {"lr": "learning rate", "eps": "epsilon value"}  # torch's wording; others read "<name> value"


def check_nonnegative(**values):
    """torch's argument checks: each value >= 0, checked in the order given (so the first bad one
    is named, as torch names it: "Invalid learning rate: -1")."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_NAMES.get(name, name + ' value')}: {value}")
