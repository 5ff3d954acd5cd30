"""``tinygrad_edu.nn``: modules, layers, losses, ``init`` and ``functional``, with torch.nn's names.

    import tinygrad_edu.nn as nn
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
"""
import importlib

from . import init
from .layers import (AvgPool2d, BCELoss, BCEWithLogitsLoss, Conv2d, ConvTranspose2d, CrossEntropyLoss, Dropout,
                     Flatten, Identity, L1Loss, Linear, LogSoftmax, MaxPool2d, MSELoss, NLLLoss, ReLU, Sigmoid,
                     Softmax, Tanh, Unflatten, Upsample)
from .containers import ModuleList, Sequential
from .modules import Module, Parameter

try:  # functional.py is written alongside; the modules resolve F.<name> at call time
    functional = importlib.import_module(__name__ + ".functional")
except ModuleNotFoundError as _error:
    if _error.name != __name__ + ".functional":
        raise

__all__ = ["init", "functional", "Module", "ModuleList", "Parameter", "Sequential", "Identity", "Linear",
           "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "Upsample", "Flatten", "Unflatten", "ReLU",
           "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Dropout", "CrossEntropyLoss", "MSELoss", "L1Loss",
           "BCEWithLogitsLoss", "BCELoss", "NLLLoss"]
