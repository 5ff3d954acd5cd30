"""``Tensor``: an array, the op that made it, and its gradient.

The methods here only check arguments and pick an op from ``ops/``; the maths of each op (forward
and backward side by side) lives there, and the graph walk in ``autograd.py``. Names and semantics
follow PyTorch's wherever PyTorch has the same thing.
"""
from collections import namedtuple

import numpy as np

from . import autograd
from .autograd import EngineError, EngineIndexError, EngineTypeError
from .backend import array_module, device_of, to_device, to_numpy, xp_for
from .ops import elementwise as E
from .ops import linalg as L
from .ops import movement as M
from .ops import reduce as R

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int8, int16, int32, int64 = np.dtype("int8"), np.dtype("int16"), np.dtype("int32"), np.dtype("int64")
uint8, bool_ = np.dtype("uint8"), np.dtype("bool")

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # what x.max(dim) returns


def _is_float(dtype):
    return dtype.kind == "f"


def as_array(data, dtype=None, device=None, copy=True):
    """An array from Python data, a NumPy/CuPy array or a Tensor, with torch's dtype rules:
    Python floats become float32, NumPy arrays keep their dtype, integers stay integers."""
    if isinstance(data, Tensor):
        data = data.data
    is_array = hasattr(data, "dtype")  # numpy/cupy arrays and numpy scalars keep their dtype
    xp = xp_for(device) if device is not None else array_module(data)
    if device is not None and array_module(data) is not xp:
        data = to_device(data, device)
    array = xp.array(data, dtype=None if dtype is None else np.dtype(dtype), copy=copy)
    if dtype is None and not is_array and array.dtype == np.float64:
        array = array.astype(np.float32)
    if array.dtype == object or array.dtype.kind in "USV":
        raise EngineTypeError(f"tensor: cannot make a tensor from data of type {array.dtype} "
                              "(expected numbers, nested lists of numbers, or an array)")
    return array


class Tensor:
    """A NumPy (or CuPy) array with the graph needed to differentiate it.

    ``Tensor(data)`` gives float32 like ``torch.Tensor``; ``tensor(data)`` keeps NumPy dtypes like
    ``torch.tensor``.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retains_grad", "name", "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `array * tensor` to Tensor.__rmul__
    __hash__ = object.__hash__  # == builds a tensor, so hash by identity, like torch

    def __init__(self, data, dtype=None, device=None, requires_grad=False, name=None):
        self.data = as_array(data, dtype or float32, device)
        self.grad, self._ctx, self._retains_grad, self.name = None, None, False, name
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    @classmethod
    def _wrap(cls, array):
        """A tensor around an existing array, with no checks (the engine's fast path)."""
        t = object.__new__(cls)
        t.data = np.asarray(array) if isinstance(array, (np.generic, float, int)) else array
        t.grad = t._ctx = t.name = None
        t.requires_grad = t._retains_grad = False
        return t

    # ----- what a tensor is ---------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    device = property(lambda self: device_of(self.data))
    is_leaf = property(lambda self: self._ctx is None)
    grad_fn = property(lambda self: self._ctx)
    _xp = property(lambda self: array_module(self.data))
    T = property(lambda self: self.permute(*reversed(range(self.ndim))))
    mT = property(lambda self: self.transpose(-2, -1))

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self.data.size)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        body = np.array2string(to_numpy(self.data), separator=", ", prefix="tensor(", precision=4)
        extras = [] if self.dtype in (float32, int64, bool_) else [f"dtype={self.dtype}"]
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def item(self):
        if self.data.size != 1:
            raise EngineError(f"item: only a tensor with one element can be converted to a Python "
                              f"number, this one has shape {tuple(self.shape)}")
        return self.data.reshape(()).item()

    __float__ = lambda self: float(self.item())
    __int__ = lambda self: int(self.item())
    __bool__ = lambda self: bool(self.item())

    def tolist(self):
        return to_numpy(self.data).tolist()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        if self.device != "cpu":
            raise TypeError("numpy: the tensor is on cuda; copy it to the CPU first with .cpu()")
        return self.data

    def __array__(self, dtype=None, copy=None):
        array = to_numpy(self.data)
        return array if dtype is None else array.astype(dtype)

    # ----- gradients ---------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _is_float(self.dtype):
            raise RuntimeError(f"only tensors of floating point dtype can require gradients; this one "
                               f"is {self.dtype} (convert it with .float() or .double() first)")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: can only change requires_grad of leaf tensors; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` of this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self._retains_grad = True

    def detach(self):
        return Tensor._wrap(self.data)

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad`` (``gradient``: the upstream
        gradient, needed unless self has one element)."""
        seed = autograd._seed_gradient(self, gradient, "backward")
        autograd.backward([self], [seed], None, create_graph, retain_graph)

    def zero_(self):
        self.data[...] = 0
        return self

    # ----- dtype and device ----------------------------------------------------------------
    def to(self, *args, dtype=None, device=None):
        """``to(dtype)``, ``to(device)``, ``to(other_tensor)``, or keywords, like torch."""
        for a in args:
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif str(getattr(a, "type", a)).split(":")[0] in ("cpu", "cuda"):
                device = a
            else:
                dtype = a
        out = self
        if device is not None and device_of(self.data) != str(getattr(device, "type", device)).split(":")[0]:
            out = _ToDevice.apply(out, device=device)
        if dtype is not None and np.dtype(dtype) != out.dtype:
            out = E.Cast.apply(out, dtype=np.dtype(dtype))
        return out

    float = lambda self: self.to(float32)
    double = lambda self: self.to(float64)
    half = lambda self: self.to(float16)
    long = lambda self: self.to(int64)
    int = lambda self: self.to(int32)
    bool = lambda self: self.to(bool_)
    cpu = lambda self: self.to("cpu")
    cuda = lambda self: self.to("cuda")
    type_as = lambda self, other: self.to(other.dtype)
    contiguous = lambda self: self

    def clone(self):
        return self * 1 if self.requires_grad else Tensor._wrap(self.data.copy())

    # ----- arithmetic --------------------------------------------------------------------
    def _operand(self, other):
        """``other`` as a Tensor for a binary op with self, with torch's dtype rules: a Python
        number takes self's dtype (an int tensor with a Python float becomes float32)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, np.generic) and other.ndim == 0:
            other = other.item()  # a NumPy scalar acts as a Python number, like in torch
        if isinstance(other, (bool, int, float)):
            xp = self._xp
            if _is_float(self.dtype) or (isinstance(other, int) and not isinstance(other, float)):
                return Tensor._wrap(xp.asarray(other, dtype=self.dtype if self.dtype != bool_ else None))
            return Tensor._wrap(xp.asarray(other, dtype=float32))
        if hasattr(other, "dtype") or isinstance(other, (list, tuple)):
            return Tensor._wrap(as_array(other, device=self.device, copy=False))
        raise EngineTypeError(f"expected a Tensor, a number or an array, got {type(other).__name__}")

    def _pair(self, other):
        """(self, other) as two tensors; an integer tensor meeting a float one becomes float
        (NumPy would pick float64 for int64 with float32, torch keeps the float's dtype)."""
        a, b = self, self._operand(other)
        if a.dtype != b.dtype:
            if _is_float(a.dtype) and b.dtype.kind in "iu":
                b = b.to(a.dtype)
            elif _is_float(b.dtype) and a.dtype.kind in "iu":
                a = a.to(b.dtype)
        return a, b

    def __add__(self, other): return E.Add.apply(*self._pair(other))
    def __radd__(self, other): a, b = self._pair(other); return E.Add.apply(b, a)
    def __sub__(self, other): return E.Sub.apply(*self._pair(other))
    def __rsub__(self, other): a, b = self._pair(other); return E.Sub.apply(b, a)
    def __mul__(self, other): return E.Mul.apply(*self._pair(other))
    def __rmul__(self, other): a, b = self._pair(other); return E.Mul.apply(b, a)
    def __neg__(self): return E.Neg.apply(self)

    def __truediv__(self, other):
        a, b = self._pair(other)
        if not _is_float(a.dtype):
            a, b = a.to(float32), b.to(float32)
        return E.Div.apply(a, b)

    def __rtruediv__(self, other):
        a, b = self._pair(other)
        return Tensor.__truediv__(b, a)

    def __pow__(self, exponent):
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            return E.PowScalar.apply(self, exponent=exponent)
        return E.Pow.apply(*self._pair(exponent))

    def __rpow__(self, base):
        a, b = self._pair(base)
        return E.Pow.apply(b, a)

    def __matmul__(self, other):
        a, b = self._pair(other)
        if a.ndim == 0 or b.ndim == 0:
            raise EngineError(f"matmul: both arguments need at least one dimension, got shapes "
                              f"{tuple(a.shape)} and {tuple(b.shape)}")
        if a.ndim == 1 and b.ndim == 1:
            return (a * b).sum() if a.shape == b.shape else L.MatMul.apply(a.unsqueeze(0), b.unsqueeze(1))
        if a.ndim == 1:
            return L.MatMul.apply(a.unsqueeze(0), b).squeeze(-2)
        if b.ndim == 1:
            return L.MatMul.apply(a, b.unsqueeze(-1)).squeeze(-1)
        return L.MatMul.apply(a, b)

    def __rmatmul__(self, other): return Tensor.__matmul__(self._operand(other), self)

    add, sub, mul, div, pow, matmul = __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__
    divide, multiply, subtract, neg, negative = __truediv__, __mul__, __sub__, __neg__, __neg__

    # comparisons build boolean tensors and record no graph
    def _compare(self, other, op):
        a, b = self._pair(other)
        return Tensor._wrap(op(a.data, b.data))

    __eq__ = eq = lambda self, o: self._compare(o, lambda a, b: a == b)
    __ne__ = ne = lambda self, o: self._compare(o, lambda a, b: a != b)
    __lt__ = lt = lambda self, o: self._compare(o, lambda a, b: a < b)
    __le__ = le = lambda self, o: self._compare(o, lambda a, b: a <= b)
    __gt__ = gt = lambda self, o: self._compare(o, lambda a, b: a > b)
    __ge__ = ge = lambda self, o: self._compare(o, lambda a, b: a >= b)
    __invert__ = logical_not = lambda self: Tensor._wrap(~self.data if self.dtype == bool_ else self.data == 0)

    # ----- elementwise functions -----------------------------------------------------------
    def _float(self, op):
        if not _is_float(self.dtype):
            raise EngineTypeError(f"{op}: expected a floating point tensor, got {self.dtype}")
        return self

    exp = lambda self: E.Exp.apply(self._float("exp"))
    log = lambda self: E.Log.apply(self._float("log"))
    sqrt = lambda self: E.Sqrt.apply(self._float("sqrt"))
    sigmoid = lambda self: E.Sigmoid.apply(self._float("sigmoid"))
    tanh = lambda self: E.Tanh.apply(self._float("tanh"))
    relu = lambda self: E.Relu.apply(self)
    abs = __abs__ = lambda self: E.Abs.apply(self)
    sign = lambda self: Tensor._wrap(self._xp.sign(self.data))
    square = lambda self: self * self
    rsqrt = lambda self: 1.0 / self.sqrt()
    reciprocal = lambda self: 1.0 / self

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise EngineError("clamp: give at least one of min and max")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            out = self if min is None else maximum(self, min)
            return out if max is None else minimum(out, max)
        return E.Clamp.apply(self, lo=min, hi=max)

    clip = clamp
    maximum = lambda self, other: maximum(self, other)
    minimum = lambda self, other: minimum(self, other)

    def where(self, condition, other):
        """``self`` where ``condition`` holds, else ``other`` (``torch.Tensor.where``)."""
        return where(condition, self, other)

    # ----- reductions ----------------------------------------------------------------------
    def _axes(self, dim, op):
        """``dim`` (None, an int or a tuple, negative allowed) as a sorted tuple of axes."""
        if dim is None:
            return tuple(range(self.ndim))
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        n = max(self.ndim, 1)
        axes = []
        for d in dims:
            if not isinstance(d, (int, np.integer)) or not -n <= d < n:
                raise EngineIndexError(f"{op}: dim {d!r} is out of range for a tensor of shape {tuple(self.shape)} "
                                       f"(expected an int in [{-n}, {n - 1}])")
            axes.append(int(d) % n)
        if self.ndim == 0:
            return ()
        return tuple(sorted(set(axes)))

    def sum(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = self if dtype is None else self.to(dtype)
        return R.Sum.apply(x, axes=x._axes(axis if dim is None else dim, "sum"), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = self._float("mean") if dtype is None else self.to(dtype)
        axes = x._axes(axis if dim is None else dim, "mean")
        count = int(np.prod([x.shape[a] for a in axes]))
        return x.sum(axes, keepdim) * (1.0 / count if count else float("nan"))

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
        """Variance with ``correction`` (1 by default: the unbiased estimate, like torch)."""
        dim = axis if dim is None else dim
        axes = self._axes(dim, "var")
        count = int(np.prod([self.shape[a] for a in axes]))
        correction = (1 if unbiased else 0) if correction is None else correction
        centred = self - self.mean(axes, keepdim=True)
        return (centred * centred).sum(axes, keepdim) * (1.0 / max(count - correction, 0) if count > correction else float("nan"))

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis).sqrt()

    def _extremum(self, dim, keepdim, largest, op, axis=None):
        dim = axis if dim is None else dim
        if isinstance(dim, Tensor):  # torch.max(a, b) is maximum(a, b)
            return (maximum if largest else minimum)(self, dim)
        if self.numel() == 0:
            raise EngineError(f"{op}: the tensor of shape {tuple(self.shape)} is empty: no {op} to take")
        if dim is None:  # one value; ties share the gradient
            return R.Extremum.apply(self, axes=self._axes(None, op), keepdim=False, largest=largest)
        (axis,) = self._axes(dim, op) or (None,)
        if axis is None:  # a 0-d tensor
            return ValuesIndices(self, Tensor._wrap(self._xp.zeros((), dtype=np.int64)))
        index = (self.data.argmax if largest else self.data.argmin)(axis=axis, keepdims=True)
        values = R.TakeAlong.apply(self, index=index, axis=axis, keepdim=keepdim)
        return ValuesIndices(values, Tensor._wrap(index if keepdim else index.squeeze(axis)))

    def max(self, dim=None, keepdim=False, *, axis=None):
        return self._extremum(dim, keepdim, True, "max", axis)

    def min(self, dim=None, keepdim=False, *, axis=None):
        return self._extremum(dim, keepdim, False, "min", axis)

    def amax(self, dim=None, keepdim=False):
        return R.Extremum.apply(self, axes=self._axes(dim, "amax"), keepdim=keepdim, largest=True)

    def amin(self, dim=None, keepdim=False):
        return R.Extremum.apply(self, axes=self._axes(dim, "amin"), keepdim=keepdim, largest=False)

    def argmax(self, dim=None, keepdim=False, *, axis=None):
        return self._arg(dim if axis is None else axis, keepdim, self._xp.argmax)

    def argmin(self, dim=None, keepdim=False, *, axis=None):
        return self._arg(dim if axis is None else axis, keepdim, self._xp.argmin)

    def _arg(self, dim, keepdim, fn):
        if dim is None:
            return Tensor._wrap(fn(self.data.reshape(-1)).astype(np.int64))
        (axis,) = self._axes(dim, fn.__name__)
        return Tensor._wrap(fn(self.data, axis=axis, keepdims=keepdim).astype(np.int64))

    def logsumexp(self, dim=None, keepdim=False):
        return R.LogSumExp.apply(self._float("logsumexp"), axes=self._axes(dim, "logsumexp"), keepdim=keepdim)

    def log_softmax(self, dim):
        """x - logsumexp(x), computed on x minus its (constant) max so the subtraction is exact
        in float32 too; the shift changes neither the value nor the gradient."""
        shifted = self - self.amax(dim, keepdim=True).detach() if self.numel() else self
        return shifted - shifted.logsumexp(dim, keepdim=True)

    def softmax(self, dim):
        return self.log_softmax(dim).exp()

    def all(self):
        return Tensor._wrap(self._xp.asarray(self.data.all()))

    def any(self):
        return Tensor._wrap(self._xp.asarray(self.data.any()))

    # ----- shape and indexing -------------------------------------------------------------
    def reshape(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        if shape == self.shape:
            return self
        size, known = self.numel(), int(np.prod([n for n in shape if n != -1]))
        inferred = list(shape).count(-1)
        valid = all(isinstance(n, (int, np.integer)) and n >= -1 for n in shape) and (
            known == size if inferred == 0 else inferred == 1 and known != 0 and size % known == 0)
        if not valid:
            raise EngineError(f"reshape: shape {tuple(shape)} is invalid for a tensor of shape "
                              f"{tuple(self.shape)} ({size} elements)")
        return M.Reshape.apply(self, shape=shape)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def squeeze(self, dim=None):
        axes = [a for a in self._axes(dim, "squeeze") if self.shape[a] == 1]
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, dim):
        n = self.ndim + 1
        if not -n <= dim < n:
            raise EngineIndexError(f"unsqueeze: dim {dim} is out of range for a tensor of shape "
                                   f"{tuple(self.shape)} (expected [{-n}, {n - 1}])")
        dim %= n
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def permute(self, *dims):
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise EngineError(f"permute: {dims} is not a permutation of the {self.ndim} dims of shape "
                              f"{tuple(self.shape)}")
        axes = tuple(d % self.ndim for d in dims)
        return self if axes == tuple(range(self.ndim)) else M.Permute.apply(self, axes=axes)

    def transpose(self, dim0, dim1):
        axes = list(range(self.ndim))
        (a,), (b,) = self._axes(dim0, "transpose"), self._axes(dim1, "transpose")
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(*axes)

    def expand(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        lead = len(shape) - self.ndim
        full = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        if lead < 0 or any(n != 1 and n != s for n, s in zip(self.shape, full[lead:])):
            raise EngineError(f"expand: a tensor of shape {tuple(self.shape)} cannot be expanded to {tuple(shape)}")
        return self if full == self.shape else M.Expand.apply(self, shape=full)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        return M.GetItem.apply(self, index=_normalise_index(index, self))

    def __setitem__(self, index, value):
        if self.requires_grad:
            raise RuntimeError("setitem: a tensor that requires grad can't be changed in place "
                               "(do it on .data, or inside no_grad on a copy)")
        self.data[_normalise_index(index, self)] = self._operand(value).data


def _normalise_index(index, tensor):
    """Check an index and turn tensors and lists in it into arrays; anything else is an error."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, Tensor):
            p = p.data
        elif isinstance(p, list):
            p = tensor._xp.asarray(p)
        if hasattr(p, "dtype") and not isinstance(p, np.generic):
            if p.dtype.kind not in "iub":
                raise EngineTypeError(f"getitem: tensors used as indices must be integer or boolean, got {p.dtype}")
        elif isinstance(p, np.integer):
            p = int(p)
        elif not (p is None or p is Ellipsis or isinstance(p, (int, slice))) or isinstance(p, float):
            raise EngineTypeError(f"getitem: unsupported index {p!r} of type {type(p).__name__} for a tensor of "
                                  f"shape {tuple(tensor.shape)}; use ints, slices, None, ..., or integer/boolean tensors")
        out.append(p)
    return tuple(out) if isinstance(index, tuple) else out[0]


class _ToDevice(autograd.Function):
    """Copy between CPU and GPU; the gradient goes back to the input's device."""

    def forward(self, x, device):
        self.source = device_of(x)
        return to_device(x, device)

    def backward(self, g):
        return (g.to(self.source),)


def maximum(a, b):
    a = a if isinstance(a, Tensor) else Tensor._wrap(as_array(a))
    return E.Maximum.apply(*a._pair(b))


def minimum(a, b):
    a = a if isinstance(a, Tensor) else Tensor._wrap(as_array(a))
    return E.Minimum.apply(*a._pair(b))


def where(condition, input, other):
    """``input`` where ``condition`` is true, else ``other``; the gradient flows to the chosen side."""
    if isinstance(condition, Tensor):
        condition = condition.data
    if getattr(condition, "dtype", None) != bool_:
        condition = array_module(condition).asarray(condition, dtype=bool)
    if not isinstance(input, Tensor):
        input = other._operand(input) if isinstance(other, Tensor) else Tensor._wrap(as_array(input))
    a, b = input._pair(other)
    return E.Where.apply(a, b, condition=condition)
