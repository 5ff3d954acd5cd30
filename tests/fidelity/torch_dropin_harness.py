"""Running a student's torch code on the engine: the names a notebook imports (``torch``, ``nn``,
``F``, ``optim``, ``TensorDataset``, ``DataLoader``) bound to torch's or to tinygrad_edu's, and a
notebook cell, kept as source text, executed with them (test_torch_dropin.py, test_torch_compat.py)."""
import types

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as enn
from tinygrad_edu import optim as eoptim
from tinygrad_edu import torch_compat, utils as eutils

torch = pytest.importorskip("torch")


def edu_torch():
    """``tinygrad_edu`` as ``torch``: the package itself once its __init__ imports torch_compat,
    else a stand-in module with the same names (package + torch_compat + nn/optim/utils)."""
    if all(hasattr(te, name) for name in torch_compat.__all__):
        return te
    ns = types.ModuleType("tinygrad_edu_as_torch")
    ns.__dict__.update({k: v for k, v in vars(te).items() if not k.startswith("_")})
    ns.__dict__.update({k: getattr(torch_compat, k) for k in torch_compat.__all__})
    ns.nn, ns.optim, ns.utils = enn, eoptim, eutils
    return ns


def bindings(backend):
    """The names a student's notebook imports, for ``backend`` in ("torch", "edu")."""
    if backend == "torch":
        import torch.nn.functional
        return dict(torch=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim, np=np,
                    TensorDataset=torch.utils.data.TensorDataset, DataLoader=torch.utils.data.DataLoader)
    t = edu_torch()
    return dict(torch=t, nn=t.nn, F=t.nn.functional, optim=t.optim, np=np,
                TensorDataset=t.utils.data.TensorDataset, DataLoader=t.utils.data.DataLoader)


def run(source, backend, **extra):
    namespace = dict(bindings(backend), **extra)
    exec(compile(source, f"<{backend} notebook cell>", "exec"), namespace)
    return namespace
