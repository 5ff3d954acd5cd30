"""``Tensor``: an array, the op that made it, and its gradient.

This file holds the core (construction, the attributes, the gradient API, the arithmetic operators
with torch's type promotion, ``clamp``, ``where``); the method families are mixins, one file each
(tensor_reductions, tensor_shapes, tensor_select, tensor_inplace, tensor_convert, tensor_math,
tensor_compare; their shared argument parsing: tensor_args). The methods only check arguments and
pick an op from ``ops/``; the maths of each op (forward and backward side by side) lives there, and
the graph walk in ``autograd.py``. Names and semantics follow PyTorch's wherever PyTorch has the
same thing.
"""
import numpy as np

from . import autograd, hooks
from .errors import EngineError, EngineTypeError
from .backend import array_module, device_of, to_device, xp_for
from .dtypes import as_dtype, float_result_type, result_type
from .ops import elementwise as E
from .ops import linalg as L
from .ops import movement as M
from .tensor_args import dim_axis
from .tensor_compare import CompareMethods
from .tensor_convert import ConversionMethods, to_arguments  # noqa: F401  (to_arguments: Module.to)
from .tensor_inplace import InplaceMethods
from .tensor_math import MathMethods
from .tensor_print import Size, dtype_of_type_name, format_tensor, type_name
from .tensor_reductions import ReductionMethods
from .tensor_select import SelectMethods
from .tensor_shapes import ShapeMethods

# torch's dtype names; each prints as torch's (torch.float32) and works wherever NumPy takes a dtype
float16, float32, float64 = (as_dtype(np.dtype(n)) for n in ("float16", "float32", "float64"))
int8, int16, int32, int64 = (as_dtype(np.dtype(n)) for n in ("int8", "int16", "int32", "int64"))
uint8, bool_ = as_dtype(np.dtype("uint8")), as_dtype(np.dtype("bool"))


def as_array(data, dtype=None, device=None, copy=True):
    """An array from Python data, a NumPy/CuPy array or a Tensor, with torch's dtype rules:
    Python floats become float32, NumPy arrays keep their dtype, integers stay integers."""
    if isinstance(data, Tensor):
        data = data.array
    is_array = hasattr(data, "dtype")  # numpy/cupy arrays and numpy scalars keep their dtype
    xp = xp_for(device) if device is not None else array_module(data)
    if device is not None and array_module(data) is not xp:
        data = to_device(data, device)
    try:
        array = xp.array(data, dtype=None if dtype is None else np.dtype(dtype), copy=copy)
    except ValueError as error:  # a ragged nested list, or a value that does not fit the dtype
        raise EngineError(f"tensor: cannot make a tensor from {type(data).__name__} data: expected numbers or "
                          f"nested lists of numbers with one length per dim (is the list ragged?)") from error
    if dtype is None and not is_array and array.dtype == np.float64:
        array = array.astype(np.float32)
    if array.dtype == object or array.dtype.kind in "USV":
        raise EngineTypeError(f"tensor: cannot make a tensor from data of type {array.dtype} "
                              "(expected numbers, nested lists of numbers, or an array)")
    return array


class Tensor(ReductionMethods, ShapeMethods, SelectMethods, InplaceMethods, ConversionMethods, MathMethods,
             CompareMethods):
    """A NumPy (or CuPy) array with the graph needed to differentiate it.

    ``Tensor(data)`` gives float32 like ``torch.Tensor``; ``tensor(data)`` keeps NumPy dtypes like
    ``torch.tensor``. The attributes: ``array`` (the raw NumPy/CuPy array), ``grad``,
    ``requires_grad``, ``_ctx`` (the op that made it, None for a leaf), ``_retains_grad``, ``name``
    (for drawings), ``_vbox`` and ``_base`` (the version counter and the tensor a view was made
    from: tensor_inplace.py) and ``_hooks`` (``register_hook``).
    """

    __slots__ = ("array", "grad", "requires_grad", "_ctx", "_retains_grad", "name", "_vbox", "_base",
                 "_hooks", "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `array * tensor` to Tensor.__rmul__

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

    # ----- what a tensor is ---------------------------------------------------------------
    @property
    def shape(self):
        """The sizes of the dims, a ``torch.Size``."""
        return Size(self.array.shape)

    @property
    def dtype(self):
        """The element type, as torch names it (``torch.float32``)."""
        return as_dtype(self.array.dtype)

    @property
    def ndim(self):
        """The number of dims."""
        return self.array.ndim

    @property
    def device(self):
        """Where the array lives: "cpu" or "cuda"."""
        return device_of(self.array)

    @property
    def is_leaf(self):
        """True when no recorded op made this tensor."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The op that made this tensor (its node of the graph), or None for a leaf."""
        return self._ctx

    @property
    def _xp(self):
        """The array module of the array: numpy or cupy."""
        return array_module(self.array)

    @property
    def T(self):
        """All dims reversed."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        """The last two dims swapped (batched matrix transpose)."""
        if self.ndim < 2:
            raise EngineError(f"mT: needs at least 2 dims, the tensor has shape {tuple(self.shape)}")
        return M.Permute.apply(self, axes=(*range(self.ndim - 2), self.ndim - 1, self.ndim - 2))

    def t(self):
        """The transpose of a tensor of at most 2 dims (torch's ``t``)."""
        if self.ndim > 2:
            raise EngineError(f"t: expects a tensor with <= 2 dimensions, but the tensor has shape {tuple(self.shape)}; "
                              "use transpose(dim0, dim1) or mT")
        return self.T

    def size(self, dim=None):
        if dim is None:
            return self.shape
        if self.ndim == 0:
            raise IndexError(f"size: dim {dim!r} given, but the tensor is 0-d (it has no dims)")
        return self.shape[dim_axis(self, dim, "size")]

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self.array.size)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iter: iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        return format_tensor(self, None if self._ctx is None else self._ctx.name())

    def __format__(self, spec):
        """A 0-d tensor formats as its number (``f"{loss:.3f}"``), like torch; others as repr."""
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __index__(self):
        if self.dtype.kind not in "iu" or self.numel() != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index; this "
                            f"one is {self.dtype} with shape {tuple(self.shape)}")
        return int(self.item())

    def nelement(self):
        return self.numel()

    def type(self, dtype=None):
        """``type()``: torch's type name ('torch.FloatTensor'); ``type(dtype)``: a cast."""
        return type_name(self.dtype) if dtype is None else self.to(dtype_of_type_name(dtype))

    # ----- gradients ---------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError(f"requires_grad: only tensors of floating point dtype can require gradients; this one "
                               f"is {self.dtype} (convert it with .float() or .double() first)")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: can only change requires_grad of leaf tensors; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        return hooks.register_hook(self, hook)

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
        autograd.backward([self], [gradient], retain_graph, create_graph)

    # ----- arithmetic --------------------------------------------------------------------
    def _operand(self, other, dtype=None):
        """``other`` as a Tensor for a binary op with self; a Python number becomes a 0-d tensor
        of ``dtype`` (default: the dtype of ``self op other`` by torch's rules, ``dtypes.py``)."""
        if isinstance(other, Tensor):
            return other if dtype is None or other.dtype == dtype else other.to(dtype)
        if isinstance(other, np.generic) and other.ndim == 0:
            other = other.item()  # a NumPy scalar acts as a Python number, like in torch
        if isinstance(other, (bool, int, float)):
            return Tensor._wrap(self._xp.asarray(other, dtype=dtype or result_type(self, other)))
        if hasattr(other, "dtype") or isinstance(other, (list, tuple)):
            t = Tensor._wrap(as_array(other, device=self.device, copy=False))
            return t if dtype is None or t.dtype == dtype else t.to(dtype)
        raise EngineTypeError(f"expected a Tensor, a number or an array, got {type(other).__name__}")

    def _pair(self, other, floating=False):
        """(self, other) as two tensors of their common dtype, torch's ``result_type`` (a 0-d
        tensor or a Python number only lifts the category: float32 (3,) + 0-d float64 is float32);
        ``floating``: an op computed in floating point (``/``), so integers become float32."""
        if isinstance(other, Tensor) and other.array.dtype == self.array.dtype and (
                not floating or self.array.dtype.kind == "f"):
            return self, other  # the common case: one dtype, nothing to promote
        dtype = (float_result_type if floating else result_type)(self, other)
        return (self if self.dtype == dtype else self.to(dtype)), self._operand(other, dtype)

    def _is_zerotensor(self):
        """torch's name: whether this is a ZeroTensor (zero_tensor.py), a gradient that stays zero."""
        return False

    def _materialized(self):
        """Self; a ZeroTensor gives real zeros, what torch's own backward kernels see."""
        return self

    def __add__(self, other): return E.Add.apply(*self._pair(other))
    def __radd__(self, other): a, b = self._pair(other); return E.Add.apply(b, a)
    def __sub__(self, other): return E.Sub.apply(*self._pair(other))
    def __rsub__(self, other): a, b = self._pair(other); return E.Sub.apply(b, a)
    def __mul__(self, other): return E.Mul.apply(*self._pair(other))
    def __rmul__(self, other): a, b = self._pair(other); return E.Mul.apply(b, a)
    def __neg__(self): return E.Neg.apply(self)

    def __truediv__(self, other):
        return E.Div.apply(*self._pair(other, floating=True))

    def __rtruediv__(self, other):
        a, b = self._pair(other, floating=True)
        return E.Div.apply(b, a)

    def __pow__(self, exponent):
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            dtype = result_type(self, exponent)
            return E.PowScalar.apply(self if self.dtype == dtype else self.to(dtype), exponent=exponent)
        return E.Pow.apply(*self._pair(exponent))

    def __rpow__(self, base):
        a, b = self._pair(base)
        return E.Pow.apply(b, a)

    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            raise EngineTypeError(f"matmul: expected a Tensor as the other argument, got {type(other).__name__}")
        a, b = self, other
        if a.dtype != b.dtype:
            raise EngineTypeError(f"matmul: expected both arguments to have the same dtype, got {a.dtype} (shape "
                                  f"{tuple(a.shape)}) and {b.dtype} (shape {tuple(b.shape)})")
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

    def __rmatmul__(self, other):
        raise EngineTypeError(f"matmul: expected a Tensor as the first argument, got {type(other).__name__}")

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
        try:
            return where(mask, value.to(self.dtype), self)
        except ValueError:
            raise EngineError(f"masked_fill: the mask of shape {tuple(mask.shape)} does not broadcast to the "
                              f"tensor's shape {tuple(self.shape)}") from None

    # ----- clamp, maximum, where (exp, log, sin, ...: tensor_math.py) ----------------------
    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise EngineError("clamp: give at least one of min and max")
        min, max = _clamp_bounds(min, max)
        dtype = result_type(self, *(b for b in (min, max) if b is not None))
        if isinstance(min, Tensor) or isinstance(max, Tensor):  # torch's rule at ties: all to self
            bounds = [self._operand(b) for b in (min, max) if b is not None]  # their own dtypes (see ClampBounds)
            which = "both" if len(bounds) == 2 else ("lo" if min is not None else "hi")
            return E.ClampBounds.apply(self if self.dtype == dtype else self.to(dtype), *bounds, which=which)
        return E.Clamp.apply(self if self.dtype == dtype else self.to(dtype), lo=min, hi=max)

    clip = clamp

    def maximum(self, other):
        """The larger of self and other, elementwise (``torch.maximum``)."""
        return maximum(self, other)

    def minimum(self, other):
        """The smaller of self and other, elementwise (``torch.minimum``)."""
        return minimum(self, other)

    def where(self, condition, other):
        """``self`` where ``condition`` holds, else ``other`` (``torch.Tensor.where``)."""
        return where(condition, self, other)


def _clamp_bounds(min, max):
    """clamp's bounds as torch takes them: both numbers or both tensors (a 0-d tensor without a
    gradient next to a number counts as a number, as torch's argument parser reads it)."""
    if isinstance(min, Tensor) != isinstance(max, Tensor) and min is not None and max is not None:
        tensor = min if isinstance(min, Tensor) else max
        if tensor.ndim or tensor.requires_grad:
            raise EngineTypeError(f"clamp: min and max must be both tensors or both numbers, got min "
                                  f"{type(min).__name__} and max {type(max).__name__}")
        return tuple(b.item() if isinstance(b, Tensor) else b for b in (min, max))
    return min, max


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
        if hasattr(condition, "dtype"):
            raise EngineTypeError(f"where: expected a boolean condition, got a tensor of dtype {condition.dtype}")
        condition = array_module(condition).asarray(condition, dtype=bool)
    if not isinstance(input, Tensor):
        input = other._operand(input) if isinstance(other, Tensor) else Tensor._wrap(as_array(input))
    a, b = input._pair(other)
    return E.Where.apply(a, b, condition=condition)
