"""One namespace per backend, so experiment code is written once.

    from experiments.backends import get_backend
    B = get_backend("edu")          # or "torch" (imported only when asked for)
    model = models.fashion_mlp(B)   # builders take the namespace and use B.nn
    x = B.tensor(numpy_array)       # float32 by default; dtype=B.long for labels
    loss = B.F.cross_entropy(model(x), y)
    B.to_numpy(loss)

Attributes: ``name`` ("edu" or "torch"), ``nn``, ``F``, ``optim``, ``tensor(array, dtype=None,
device=None)``, ``manual_seed(seed)``, ``no_grad()``, ``save(obj, path)``, ``load(path)``,
``to_numpy(t)``, ``float32``, ``long``, ``device``, ``lib`` (the library module),
``init_seed`` (when set, the builders of experiments.models draw the initial weights with NumPy, the
same on both backends).
"""
from __future__ import annotations

import numpy as np

__all__ = ["Backend", "get_backend", "BACKENDS", "DeviceUnavailable"]

BACKENDS = ("edu", "torch")


class DeviceUnavailable(RuntimeError):
    """``device="cuda"`` was asked for where the backend has no GPU; the message says what to do."""


class Backend:
    """The handful of names an experiment needs, bound to one library."""

    def __init__(self, name, lib, nn, F, optim, save, load, float32, long, tensor_type, device="cpu"):
        self.name, self.lib, self.nn, self.F, self.optim = name, lib, nn, F, optim
        self._save, self._load = save, load
        self.float32, self.long = float32, long
        self._tensor_type = tensor_type
        self.device = device
        self.init_seed = None   # set by run_task: builders then draw weights with models.numpy_init
        self.init_count = 0

    def __repr__(self):
        return f"Backend({self.name!r}, device={self.device!r})"

    def tensor(self, array, dtype=None, device=None):
        """A tensor holding a copy of ``array`` (float arrays become float32 unless ``dtype`` says)."""
        array = np.asarray(array)
        if dtype is None:
            dtype = self.long if array.dtype.kind in "iu" else self.float32
        t = self.lib.tensor(np.array(array, order="C"), dtype=dtype)   # (ascontiguousarray makes 0-d 1-d)
        device = device or self.device
        return t.to(device) if device != "cpu" else t

    def manual_seed(self, seed):
        """Seed the library's generator; under NumPy initialisation also restart its weight stream,
        so that re-seeding rebuilds the same initial weights (as torch.manual_seed does)."""
        self.lib.manual_seed(int(seed))
        if self.init_seed is not None:
            self.init_seed, self.init_count = int(seed), 0

    def no_grad(self):
        return self.lib.no_grad()

    def save(self, obj, path):
        self._save(obj, str(path))

    def load(self, path):
        return self._load(str(path))

    def to_numpy(self, t):
        """A NumPy copy of a tensor (detached, on the CPU); NumPy arrays and numbers pass through."""
        if isinstance(t, self._tensor_type):
            return np.array(t.detach().cpu().numpy(), copy=True)
        return np.array(t, copy=True)

    def model_to(self, model):
        """Move a model to this backend's device (a no-op on the CPU)."""
        return model.to(self.device) if self.device != "cpu" else model


def _edu(device):
    import tinygrad_edu as te
    import tinygrad_edu.nn as nn
    import tinygrad_edu.nn.functional as F
    import tinygrad_edu.optim as optim
    from tinygrad_edu.serialization import load, save
    if device == "cuda" and not te.cuda_available():
        raise DeviceUnavailable("--device cuda: tinygrad_edu found no CuPy/CUDA device here; install CuPy "
                                "(pip install -e .[gpu]) on a machine with an NVIDIA GPU, or use --device cpu")
    return Backend("edu", te, nn, F, optim, save, load, te.float32, te.int64, te.Tensor, device)


def _torch(device):
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a test dependency here
        raise ImportError("--backend torch needs PyTorch: pip install torch") from exc
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(f"--device cuda: torch {torch.__version__} sees no CUDA device "
                                "(torch.cuda.is_available() is False); use --device cpu, or a CUDA build of "
                                "torch on a machine with an NVIDIA GPU")

    def save(obj, path):
        torch.save(obj, path)

    def load(path):
        return torch.load(path, map_location="cpu", weights_only=False)

    return Backend("torch", torch, torch.nn, torch.nn.functional, torch.optim, save, load, torch.float32,
                   torch.int64, torch.Tensor, device)


_CACHE: dict = {}


def get_backend(name: str = "edu", device: str = "cpu") -> Backend:
    """The namespace for ``name`` ("edu" or "torch") on ``device`` ("cpu" or "cuda")."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {BACKENDS}")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {device!r}; choose 'cpu' or 'cuda'")
    key = (name, device)
    if key not in _CACHE:
        _CACHE[key] = (_edu if name == "edu" else _torch)(device)
    return _CACHE[key]
