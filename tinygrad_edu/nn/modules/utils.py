"""Small helpers the layer modules share (torch keeps its own in ``torch/nn/modules/utils.py``)."""
import numpy as np

from ... import creation
from ..parameter import Parameter


def _as_pair(value):
    """A layer's (h, w) setting: a tuple or list as a tuple, anything else repeated twice. Checked
    only when the layer runs, by ``F`` (``functional._checked_pair``)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _zeros_parameter(*shape, dtype=None, device=None):
    """A Parameter to be filled by the layer's ``reset_parameters`` (float32 by default)."""
    return Parameter(creation.zeros(*shape, dtype=dtype or np.float32, device=device))
