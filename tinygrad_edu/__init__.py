"""tinygrad_edu: a teaching-grade autograd engine in NumPy (CuPy on a GPU), with PyTorch's API.

    import tinygrad_edu as te
    x = te.tensor([[1.0, 2.0]], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([[2., 4.]])
"""
from .autograd import enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import cuda_available
from .creation import (arange, as_tensor, cat, eye, from_numpy, full, full_like, linspace, manual_seed, ones,
                       ones_like, pad, rand, rand_like, randint, randn, randn_like, randperm, stack, tensor, zeros,
                       zeros_like)
from .tensor import (Tensor, bool_, float16, float32, float64, int8, int16, int32, int64, maximum, minimum, uint8,
                     where)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .torch_compat import *  # noqa: F401,F403  (torch's top-level functions: max, mean, unique, ...)
from .functions_math import *  # noqa: F401,F403  (sin, norm, einsum, split, linalg, ...)
from .random import bernoulli, multinomial, normal  # noqa: E402
from . import nn, optim, utils, viz  # noqa: E402
from . import autograd, autograd_functional  # noqa: E402

autograd.functional = autograd_functional  # torch.autograd.functional.jacobian / hessian

from .dtypes import DType as dtype  # noqa: E402  (torch.dtype: the class of te.float32, ...)

bool = bool_  # noqa: A001  (torch.bool)
double, float, long = float64, float32, int64  # noqa: A001  (torch.double, torch.float, torch.long)

__version__ = "0.1.0"


def __getattr__(name):
    """A torch name the engine does not have: say so (still an AttributeError, so hasattr works)."""
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"not supported in tinygrad_edu: torch.{name} (module 'tinygrad_edu' has no attribute "
                         f"{name!r}; the README lists what the engine covers)")
