"""The layers, containers and loss modules, one file per kind as in torch's ``torch/nn/modules/``:
``module`` (Module), ``container`` (Sequential, ModuleList), ``linear``, ``conv``, ``pooling``,
``activation``, ``batchnorm``, ``normalization`` (LayerNorm, GroupNorm), ``dropout``, ``loss``,
``sparse`` (Embedding), ``fold``, ``flatten`` and ``upsampling``. Every forward is a call of its
function in ``nn.functional``, which checks the arguments."""
from .activation import (CELU, ELU, GELU, Hardswish, Hardtanh, LeakyReLU, LogSoftmax, Mish, ReLU, ReLU6, Sigmoid,
                         SiLU, Softmax, Softplus, Softsign, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .flatten import Flatten, Unflatten
from .fold import Fold, Unfold
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .module import Module
from .normalization import GroupNorm, LayerNorm
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .sparse import Embedding
from .upsampling import Upsample

__all__ = ["Module", "ModuleList", "Sequential", "Identity", "Linear", "Conv2d", "ConvTranspose2d", "MaxPool2d",
           "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample", "Flatten", "Unflatten", "Unfold", "Fold",
           "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Embedding", "ReLU", "Sigmoid", "Tanh", "Softmax",
           "LogSoftmax", "LeakyReLU", "ELU", "CELU", "GELU", "SiLU", "Mish", "Softplus", "Hardtanh", "ReLU6",
           "Hardswish", "Softsign", "Dropout", "Dropout2d", "CrossEntropyLoss", "MSELoss", "L1Loss", "SmoothL1Loss",
           "HuberLoss", "KLDivLoss", "BCEWithLogitsLoss", "BCELoss", "NLLLoss"]
