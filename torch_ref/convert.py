"""Moving weights between tinygrad_edu and torch: same keys, same array layouts, same dtypes.

    from torch_ref.convert import copy_weights
    copy_weights(torch_model, edu_model)        # edu_model now computes what torch_model computes

Both libraries store Linear weights as (out, in), Conv2d as (out, in/groups, kh, kw) and
ConvTranspose2d as (in, out/groups, kh, kw), so a state dict converts key by key with a copy of each
array and no transposes.
"""
from collections import OrderedDict

import numpy as np
import torch

import tinygrad_edu as te

__all__ = ["to_torch_state_dict", "from_torch_state_dict", "load_into", "copy_weights", "is_torch_module"]


def _numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, te.Tensor):
        return te.backend.to_numpy(value.array)
    return np.asarray(value)


def to_torch_state_dict(edu_state_dict):
    """An edu ``state_dict`` as a torch one (an OrderedDict of CPU torch tensors, copies)."""
    return OrderedDict((k, torch.from_numpy(np.array(_numpy(v), copy=True))) for k, v in edu_state_dict.items())


def from_torch_state_dict(torch_state_dict):
    """A torch ``state_dict`` as an edu one (an OrderedDict of edu tensors, copies)."""
    return OrderedDict((k, te.tensor(np.array(_numpy(v), copy=True))) for k, v in torch_state_dict.items())


def is_torch_module(model):
    return isinstance(model, torch.nn.Module)


def load_into(model, state_dict, strict=True):
    """Load a state dict from either library into a model of either library."""
    if is_torch_module(model):
        return model.load_state_dict(to_torch_state_dict(state_dict), strict=strict)
    return model.load_state_dict(from_torch_state_dict(state_dict), strict=strict)


def copy_weights(source, target, strict=True):
    """Copy every parameter and buffer of ``source`` into ``target`` (each a torch or an edu model)."""
    return load_into(target, source.state_dict(), strict=strict)
