"""The top-level function forms of tensor methods, so code written for torch runs with ``torch``
bound to ``tinygrad_edu``: ``torch.max(x, 1)`` gives (values, indices), ``torch.mean(x, axis=...)``,
``torch.std``, ``torch.exp``, ``torch.argmax``, ``torch.unique``, ``torch.device``, ``torch.cuda``, ...

Each function only forwards to the Tensor method of the same name (where the maths and the
argument checks live), so the two forms can never disagree. This module's names shadow Python
builtins (``max``, ``min``, ``sum``, ``abs``) on purpose, as torch's do; it uses ``builtins.`` itself.
"""
import builtins
import types

import numpy as np

from . import backend
from .autograd import is_grad_enabled, no_grad
from .serialization import load, save
from .tensor_args import dim_axes, keepdims_alias
from .tensor import Tensor, float32, maximum, minimum

__all__ = ["max", "min", "amax", "amin", "mean", "sum", "std", "var", "exp", "log", "sqrt", "rsqrt", "abs", "sign",
           "sgn", "square", "sigmoid", "tanh", "relu", "argmax", "argmin", "softmax", "log_softmax", "logsumexp",
           "matmul", "reshape", "flatten", "squeeze", "unsqueeze", "transpose", "permute", "t", "clamp", "clip",
           "unique", "allclose", "equal", "isnan", "isinf", "isfinite", "numel", "Size", "is_tensor",
           "is_floating_point", "save", "load", "Generator", "device", "cuda", "inference_mode",
           "get_default_dtype", "add", "sub", "mul", "div", "neg", "pow", "eq", "ne", "lt", "le", "gt", "ge",
           "argsort", "bincount", "detach", "clone", "set_default_device", "get_default_device", "accelerator", "set_default_dtype"]


def _tensor(x, op):
    """``x`` as a Tensor. An engine array is wrapped, so torch code such as
    ``torch.max(outputs.array, 1)`` works although ``.array`` here is the raw NumPy/CuPy array."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray) or backend.array_module(x) is not np:
        return Tensor._wrap(x)
    raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")


def max(input, dim=None, keepdim=False, *, axis=None):
    """``max(x)`` the largest value, ``max(x, dim)`` (values, indices), ``max(x, y)`` elementwise."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _tensor(input, "max").max(dim, keepdim, axis=axis)


def min(input, dim=None, keepdim=False, *, axis=None):
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _tensor(input, "min").min(dim, keepdim, axis=axis)


def amax(input, dim=None, keepdim=False):
    return _tensor(input, "amax").amax(dim, keepdim)


def amin(input, dim=None, keepdim=False):
    return _tensor(input, "amin").amin(dim, keepdim)


def mean(input, dim=None, keepdim=False, *, axis=None, dtype=None):
    return _tensor(input, "mean").mean(dim, keepdim, axis=axis, dtype=dtype)


def sum(input, dim=None, keepdim=False, *, axis=None, dtype=None):
    return _tensor(input, "sum").sum(dim, keepdim, axis=axis, dtype=dtype)


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
    return _tensor(input, "std").std(dim, unbiased, keepdim, correction=correction, axis=axis)


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
    return _tensor(input, "var").var(dim, unbiased, keepdim, correction=correction, axis=axis)


def _unary_function(name):
    """``torch.name(x)``: ``x.name()``."""
    def fn(input):
        return getattr(_tensor(input, name), name)()
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(x)`` is ``x.{name}()``."
    return fn


exp, log, sqrt, rsqrt, abs, sign, square = (_unary_function(n) for n in ("exp", "log", "sqrt", "rsqrt", "abs", "sign",
                                                                         "square"))
sigmoid, tanh, relu, detach, clone = (_unary_function(n) for n in ("sigmoid", "tanh", "relu", "detach", "clone"))
neg, sgn = _unary_function("neg"), _unary_function("sgn")


def argmax(input, dim=None, keepdim=False, *, axis=None):
    return _tensor(input, "argmax").argmax(dim, keepdim, axis=axis)


def argmin(input, dim=None, keepdim=False, *, axis=None):
    return _tensor(input, "argmin").argmin(dim, keepdim, axis=axis)


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (no gradient: indices are integers)."""
    x = _tensor(input, "argsort")
    (axis,) = dim_axes(x, dim, "argsort")
    data = -x.array if descending else x.array
    return Tensor._wrap(x._xp.argsort(data, axis=axis, kind="stable").astype(np.int64))


def softmax(input, dim, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return _tensor(x, "softmax").softmax(dim)


def log_softmax(input, dim, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return _tensor(x, "log_softmax").log_softmax(dim)


def logsumexp(input, dim, keepdim=False):
    return _tensor(input, "logsumexp").logsumexp(dim, keepdim)


def matmul(input, other, *, out=None):
    """``input @ other``; with ``out=`` the product is written into ``out`` (which must have its
    shape and dtype), and as in torch no graph is recorded through it."""
    result = _tensor(input, "matmul") @ other
    if out is None:
        return result
    if result.requires_grad:
        raise RuntimeError("matmul(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if tuple(out.shape) != tuple(result.shape) or out.dtype != result.dtype:
        raise RuntimeError(f"not supported in tinygrad_edu: matmul(out=) of shape {tuple(out.shape)}, {out.dtype} "
                           f"for a result of shape {tuple(result.shape)}, {result.dtype} (torch would resize it)")
    return out.copy_(result)


def add(input, other, *, alpha=1):
    return input + (other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):
    return input - (other if alpha == 1 else other * alpha)


def mul(input, other):
    return input * other


def div(input, other):
    return input / other


def pow(input, exponent):
    return input ** exponent


def _comparison_function(name):
    """``torch.name(x, y)``: ``x.name(y)``."""
    def fn(input, other):
        return getattr(_tensor(input, name), name)(other)
    fn.__name__ = fn.__qualname__ = name
    return fn


eq, ne, lt, le, gt, ge = (_comparison_function(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))


def reshape(input, shape):
    return _tensor(input, "reshape").reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    return _tensor(input, "flatten").flatten(start_dim, end_dim)


def squeeze(input, dim=None):
    return _tensor(input, "squeeze").squeeze(dim)


def unsqueeze(input, dim):
    return _tensor(input, "unsqueeze").unsqueeze(dim)


def transpose(input, dim0, dim1):
    return _tensor(input, "transpose").transpose(dim0, dim1)


def t(input):
    return input if input.ndim < 2 else input.transpose(0, 1)


def permute(input, dims):
    return _tensor(input, "permute").permute(*dims)


def clamp(input, min=None, max=None):
    return _tensor(input, "clamp").clamp(min, max)


clip = clamp


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), optionally with the inverse indices and the counts; no gradient."""
    x = _tensor(input, "unique")
    xp = x._xp
    values, inverse, counts = xp.unique(x.array, return_inverse=True, return_counts=True, axis=dim)
    out = [Tensor._wrap(values)]
    if return_inverse:
        out.append(Tensor._wrap(inverse.reshape(x.shape if dim is None else -1).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """How often each value 0..max(input) occurs in a 1-d non-negative integer tensor (at least
    ``minlength`` bins); with ``weights`` the sum of the weights per value, in float64 unless the
    weights are float32 (torch's rule). No gradient: weights that require grad are refused."""
    x = _tensor(input, "bincount")
    xp = x._xp
    if x.ndim != 1 or x.dtype.kind not in "iu" or (x.numel() and int(x.array.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._wrap(xp.bincount(x.array, minlength=minlength).astype(np.int64))
    w = _tensor(weights, "bincount")
    if w.requires_grad and is_grad_enabled():
        raise RuntimeError("not supported in tinygrad_edu: bincount with weights that require grad")
    if w.shape != x.shape:
        raise RuntimeError(f"bincount: weights of shape {tuple(w.shape)} for input of shape {tuple(x.shape)}; "
                           "expected the same shape")
    out_dtype = np.float32 if w.dtype == np.float32 else np.float64
    return Tensor._wrap(xp.bincount(x.array, weights=w.array, minlength=minlength).astype(out_dtype))


def _arrays(a, b):
    a, b = _tensor(a, "allclose"), b if isinstance(b, Tensor) else a._operand(b)
    return backend.to_numpy(a.array), backend.to_numpy(b.array)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _arrays(input, other)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    a, b = _arrays(input, other)
    return a.shape == b.shape and bool((a == b).all())


def isnan(input):
    input = _tensor(input, "isnan")
    return Tensor._wrap(input._xp.isnan(input.array))


def isinf(input):
    input = _tensor(input, "isinf")
    return Tensor._wrap(input._xp.isinf(input.array))


def isfinite(input):
    input = _tensor(input, "isfinite")
    return Tensor._wrap(input._xp.isfinite(input.array))


def numel(input):
    return _tensor(input, "numel").numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.kind == "f"


for _name in ("max", "min", "amax", "amin", "mean", "sum", "std", "var", "argmax", "argmin", "logsumexp"):
    globals()[_name] = keepdims_alias(globals()[_name])


def get_default_dtype():
    return float32


def set_default_dtype(d):
    """Only float32 (the engine's fixed default); other defaults say so instead of being ignored."""
    if d != float32:
        raise NotImplementedError(f"not supported in tinygrad_edu: set_default_dtype({d}); the default stays "
                                  "torch.float32 (pass dtype=torch.float64 or call .double() instead)")


inference_mode = no_grad
from .tensor_print import Size  # noqa: E402  (x.shape is a Size, a tuple: torch.Size([2, 3]) == (2, 3))


class Generator:
    """``te.Generator().manual_seed(0)``: a random stream of its own, for ``DataLoader(generator=...)``
    and the constructors' ``generator=`` argument (it forwards to a ``numpy.random.Generator``)."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def __getattr__(self, name):  # standard_normal, random, integers, permutation, ...
        if name.startswith("__") or name == "_rng":
            raise AttributeError(name)
        return getattr(self._rng, name)


class device(str):
    """``torch.device("cuda")``: a device name that ``.to()`` understands, with ``.type`` and ``.index``."""

    def __new__(cls, type, index=None):
        name = str(builtins.getattr(type, "type", type))
        kind, _, idx = name.partition(":")
        if kind not in backend.DEVICES:
            raise RuntimeError(f"Expected one of {backend.DEVICES} device type at start of device string: {name}")
        obj = super().__new__(cls, kind)
        obj.type, obj.index = kind, builtins.int(idx) if idx else index
        return obj

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")


def _cuda_manual_seed(seed):
    if backend.cuda_available():
        backend.xp_for("cuda").random.seed(seed)


def _device_count():
    return backend.xp_for("cuda").cuda.runtime.getDeviceCount() if backend.cuda_available() else 0


def _synchronize(device=None):
    if backend.cuda_available():
        backend.xp_for("cuda").cuda.Device().synchronize()


def set_default_device(device_):
    """``torch.set_default_device``: the device of new tensors made without ``device=``."""
    backend.set_default_device(device_)


def get_default_device():
    return device(backend.get_default_device())


def _current_accelerator():
    return device("cuda") if backend.cuda_available() else None


# torch.accelerator: the engine's one accelerator is CUDA through CuPy
accelerator = types.SimpleNamespace(is_available=backend.cuda_available, current_accelerator=_current_accelerator,
                                    device_count=lambda: _device_count())

cuda = types.SimpleNamespace(is_available=backend.cuda_available, manual_seed=_cuda_manual_seed,
                             manual_seed_all=_cuda_manual_seed, device_count=_device_count,
                             synchronize=_synchronize)
