"""``tinygrad_edu.nn``: modules, layers, losses, ``init`` and ``functional``, with torch.nn's names.

    import tinygrad_edu.nn as nn
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
"""
import importlib

from . import init
from .activation import (CELU, ELU, GELU, Hardswish, Hardtanh, LeakyReLU, LogSoftmax, Mish, ReLU, ReLU6, Sigmoid,
                         SiLU, Softmax, Softplus, Softsign, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .containers import ModuleList, Sequential
from .dropout import Dropout, Dropout2d
from .fold import Fold, Unfold
from .layers import Conv2d, ConvTranspose2d, Flatten, Identity, Linear, Unflatten, Upsample
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .modules import Module, Parameter
from .normalization import GroupNorm, LayerNorm
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .sparse import Embedding

try:  # functional.py is written alongside; the modules resolve F.<name> at call time
    functional = importlib.import_module(__name__ + ".functional")
except ModuleNotFoundError as _error:
    if _error.name != __name__ + ".functional":
        raise
from . import utils  # noqa: E402  (nn.utils.clip_grad_norm_, ...)

__all__ = ["init", "functional", "utils", "Module", "ModuleList", "Parameter", "Sequential", "Identity", "Linear",
           "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample",
           "Flatten", "Unflatten", "Unfold", "Fold", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm",
           "Embedding", "ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "LeakyReLU", "ELU", "CELU", "GELU", "SiLU",
           "Mish", "Softplus", "Hardtanh", "ReLU6", "Hardswish", "Softsign", "Dropout", "Dropout2d",
           "CrossEntropyLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "BCEWithLogitsLoss",
           "BCELoss", "NLLLoss"]
