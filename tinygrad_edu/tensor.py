"""``Tensor``: an array, the op that made it, and its gradient.

The methods here only check arguments and pick an op from ``ops/``; the maths of each op (forward
and backward side by side) lives there, and the graph walk in ``autograd.py``. Names and semantics
follow PyTorch's wherever PyTorch has the same thing.
"""
import numpy as np

from . import autograd
from .autograd import EngineError, EngineTypeError
from .backend import array_module, device_of, to_device, to_numpy, xp_for
from .ops import elementwise as E
from .ops import linalg as L
from .ops import movement as M
from .tensor_reductions import ReductionMethods
from .tensor_inplace import InplaceMethods
from .tensor_math import MathMethods
from .tensor_shapes import ShapeMethods

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int8, int16, int32, int64 = np.dtype("int8"), np.dtype("int16"), np.dtype("int32"), np.dtype("int64")
uint8, bool_ = np.dtype("uint8"), np.dtype("bool")

def _is_float(dtype):
    return dtype.kind == "f"


def as_array(data, dtype=None, device=None, copy=True):
    """An array from Python data, a NumPy/CuPy array or a Tensor, with torch's dtype rules:
    Python floats become float32, NumPy arrays keep their dtype, integers stay integers."""
    if isinstance(data, Tensor):
        data = data.array
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


def to_arguments(args, dtype=None, device=None):
    """(dtype, device) from the positional arguments of ``.to(...)``: a dtype, a device name or
    object, or a tensor whose dtype and device to take (shared by Tensor.to and Module.to)."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif str(getattr(a, "type", a)).split(":")[0] in ("cpu", "cuda"):
            device = a
        else:
            dtype = a
    return dtype, device


class Tensor(ReductionMethods, ShapeMethods, InplaceMethods, MathMethods):
    """A NumPy (or CuPy) array with the graph needed to differentiate it.

    ``Tensor(data)`` gives float32 like ``torch.Tensor``; ``tensor(data)`` keeps NumPy dtypes like
    ``torch.tensor``.
    """

    __slots__ = ("array", "grad", "requires_grad", "_ctx", "_retains_grad", "name", "_vbox", "_base",
                 "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `array * tensor` to Tensor.__rmul__
    __hash__ = object.__hash__  # == builds a tensor, so hash by identity, like torch

    def __init__(self, data, dtype=None, device=None, requires_grad=False, name=None):
        self.array = as_array(data, dtype or float32, device)
        self.grad, self._ctx, self._retains_grad, self.name = None, None, False, name
        self._vbox = self._base = None
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    @classmethod
    def _wrap(cls, array):
        """A tensor around an existing array, with no checks (the engine's fast path)."""
        t = object.__new__(cls)
        t.array = np.asarray(array) if isinstance(array, (np.generic, float, int)) else array
        t.grad = t._ctx = t.name = t._vbox = t._base = None
        t.requires_grad = t._retains_grad = False
        return t

    # ----- storage: .data, views and the version counter -------------------------------------
    # ``array`` is the raw NumPy (or CuPy) array: the engine's own code reads and writes it.
    # ``data`` is torch's: a tensor on the same storage with no graph.

    @property
    def data(self):
        """The same storage as a tensor with no graph and ``requires_grad=False`` (torch's
        ``.data``: changes through it are not tracked by autograd)."""
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor to assign to .data, got {type(value).__name__}")
        self.array = value.array

    @property
    def _version(self):
        """How many times the storage was changed in place (torch's ``_version``)."""
        return self._vbox[0] if self._vbox is not None else 0

    def _version_box(self):
        if self._vbox is None:
            self._vbox = [0]
        return self._vbox

    def _share_storage(self, view):
        """``view`` was made from self's memory (a reshape, a slice, ...): one version counter."""
        if getattr(view.array, "base", None) is not None:
            view._vbox = self._version_box()
            view._base = self if self._base is None else self._base

    # ----- what a tensor is ---------------------------------------------------------------
    shape = property(lambda self: self.array.shape)
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)
    device = property(lambda self: device_of(self.array))
    is_leaf = property(lambda self: self._ctx is None)
    grad_fn = property(lambda self: self._ctx)
    _xp = property(lambda self: array_module(self.array))
    T = property(lambda self: self.permute(*reversed(range(self.ndim))))

    @property
    def mT(self):
        """The last two dims swapped (batched matrix transpose)."""
        if self.ndim < 2:
            raise EngineError(f"mT: needs at least 2 dims, the tensor has shape {tuple(self.shape)}")
        return M.Permute.apply(self, axes=(*range(self.ndim - 2), self.ndim - 1, self.ndim - 2))

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self.array.size)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        body = np.array2string(to_numpy(self.array), separator=", ", prefix="tensor(", precision=4)
        extras = [] if self.dtype in (float32, int64, bool_) else [f"dtype={self.dtype}"]
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def item(self):
        if self.array.size != 1:
            raise EngineError(f"item: only a tensor with one element can be converted to a Python "
                              f"number, this one has shape {tuple(self.shape)}")
        return self.array.reshape(()).item()

    __float__ = lambda self: float(self.item())
    __int__ = lambda self: int(self.item())
    __bool__ = lambda self: bool(self.item())

    def tolist(self):
        return to_numpy(self.array).tolist()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        if self.device != "cpu":
            raise TypeError("numpy: the tensor is on cuda; copy it to the CPU first with .cpu()")
        return self.array

    def __array__(self, dtype=None, copy=None):
        array = to_numpy(self.array)
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
        """The same storage without the graph (changes to either show in both, as in torch)."""
        t = Tensor._wrap(self.array)
        t._vbox = self._version_box()
        return t

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad`` (``gradient``: the upstream
        gradient, needed unless self has one element)."""
        seed = autograd._seed_gradient(self, gradient, "backward")
        autograd.backward([self], [seed], autograd.accumulate_into_leaves, create_graph, retain_graph)

    # ----- dtype and device ----------------------------------------------------------------
    def to(self, *args, dtype=None, device=None):
        """``to(dtype)``, ``to(device)``, ``to(other_tensor)``, or keywords, like torch."""
        dtype, device = to_arguments(args, dtype, device)
        out = self
        if device is not None and device_of(self.array) != str(getattr(device, "type", device)).split(":")[0]:
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
        return self * 1 if self.requires_grad else Tensor._wrap(self.array.copy())

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

    def add(self, other, *, alpha=1):
        """``self + alpha * other`` (torch's ``add``)."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        """``self - alpha * other`` (torch's ``sub``)."""
        return self - (other if alpha == 1 else other * alpha)

    mul, div, pow, matmul = __mul__, __truediv__, __pow__, __matmul__
    divide, multiply, subtract, neg, negative = __truediv__, __mul__, sub, __neg__, __neg__

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is true, self elsewhere (torch's ``masked_fill``)."""
        mask = mask.array if isinstance(mask, Tensor) else mask
        if getattr(mask, "dtype", None) != bool_:
            raise EngineTypeError(f"masked_fill: expected a boolean mask, got {getattr(mask, 'dtype', type(mask))}")
        value = value if isinstance(value, Tensor) else self._operand(value).to(self.dtype)
        return where(mask, self, value.to(self.dtype))

    # comparisons build boolean tensors and record no graph
    def _compare(self, other, op):
        a, b = self._pair(other)
        return Tensor._wrap(op(a.array, b.array))

    __eq__ = eq = lambda self, o: self._compare(o, lambda a, b: a == b)
    __ne__ = ne = lambda self, o: self._compare(o, lambda a, b: a != b)
    __lt__ = lt = lambda self, o: self._compare(o, lambda a, b: a < b)
    __le__ = le = lambda self, o: self._compare(o, lambda a, b: a <= b)
    __gt__ = gt = lambda self, o: self._compare(o, lambda a, b: a > b)
    __ge__ = ge = lambda self, o: self._compare(o, lambda a, b: a >= b)
    __invert__ = logical_not = lambda self: Tensor._wrap(~self.array if self.dtype == bool_ else self.array == 0)

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


class _ToDevice(autograd.Function):
    """Copy between CPU and GPU; the gradient goes back to the input's device."""

    saves_inputs = False

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
        condition = condition.array
    if getattr(condition, "dtype", None) != bool_:
        condition = array_module(condition).asarray(condition, dtype=bool)
    if not isinstance(input, Tensor):
        input = other._operand(input) if isinstance(other, Tensor) else Tensor._wrap(as_array(input))
    a, b = input._pair(other)
    return E.Where.apply(a, b, condition=condition)
