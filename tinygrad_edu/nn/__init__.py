"""``tinygrad_edu.nn``: modules, layers, losses, ``init`` and ``functional``, with torch.nn's names
and torch.nn's layout: ``modules/`` (one file per kind of layer), ``parameter.py``,
``functional.py`` (``F``), ``init.py`` and ``utils/``.

    import tinygrad_edu.nn as nn
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
"""
from . import functional, init, utils
from .modules import *  # noqa: F401,F403  (every layer, container and loss module)
from .modules import __all__ as _module_names
from .parameter import Parameter

__all__ = ["init", "functional", "utils", "Parameter"] + _module_names
