"""The maths methods of ``Tensor``: ``exp log sqrt sigmoid tanh relu abs square rsqrt reciprocal``,
the trigonometric, hyperbolic and logarithmic functions and ``erf``, the rounding family and
``sign`` (in the graph, zero gradient), ``frac``, norms, ``mm bmm outer dot``, ``cumsum`` and
``prod``, and ``bernoulli``/``multinomial`` draws. Argument checks live here (with torch's names and
errors); the maths of each op, forward and backward side by side, in ops/elementwise.py,
ops/unary.py, ops/norms.py, ops/scan.py and ops/special.py. It relies on the Tensor core for
``array``, ``shape``, ``_xp`` and ``_pair``."""
import numpy as np

from .errors import EngineError, EngineTypeError
from .backend import array_module
from .ops import elementwise as E
from .ops.activation import Relu
from .ops import scan as C
from .ops import unary as U
from .ops.norms import InfNorm, VectorNorm
from .ops.special import Erf
from .tensor_args import dim_axes, keepdims_alias, promote_to_float, require_float


def _same_dtype(op, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected both arguments to have the same dtype, but got: {a.dtype} != {b.dtype}")


def _unary_method(op_class):
    """The method named like ``op_class`` (``sin`` for Sin) applying it to the tensor, integers
    promoted to float32 as torch does."""
    name = op_class.__name__.lower()

    def method(self):
        return op_class.apply(promote_to_float(self))
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name}`` elementwise: {op_class.__doc__.splitlines()[0]}"
    return method


def _sign_nan_zero(x):
    """-1, 0 or 1; NaN gives 0 as in torch.sign (NumPy's sign gives NaN)."""
    xp = array_module(x)
    return xp.where(xp.isnan(x), 0, xp.sign(x)).astype(x.dtype)


def _check_norm_has_identity(x, ord, dim):
    """A negative or infinite p-norm of nothing has no value: torch raises (its message)."""
    shown = int(ord) if float(ord).is_integer() else ord
    given = (dim,) if isinstance(dim, int) else tuple(dim or ())
    if not given and x.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {shown} norm on an empty tensor because the "
                           f"operation does not have an identity")
    for d in given:
        if x.ndim and x.shape[d % x.ndim] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {shown} norm on the dimension {d} because "
                               f"this dimension is empty and the operation does not have an identity")


class MathMethods:
    """The maths methods of a Tensor (a mixin: see the module docstring)."""

    __slots__ = ()

    # ---- exp, log, sqrt, sigmoid, tanh: integers are an error (torch computes them in float32) ----
    def exp(self):
        """e^x elementwise."""
        return E.Exp.apply(require_float(self, "exp", True))

    def log(self):
        """The natural logarithm, elementwise."""
        return E.Log.apply(require_float(self, "log", True))

    def sqrt(self):
        """The square root, elementwise."""
        return E.Sqrt.apply(require_float(self, "sqrt", True))

    def sigmoid(self):
        """1 / (1 + e^-x) elementwise, without overflow."""
        return E.Sigmoid.apply(require_float(self, "sigmoid", True))

    def tanh(self):
        """The hyperbolic tangent, elementwise."""
        return E.Tanh.apply(require_float(self, "tanh", True))

    def relu(self):
        """max(x, 0) elementwise."""
        return Relu.apply(self)

    def abs(self):
        """|x| elementwise."""
        return E.Abs.apply(self)

    def square(self):
        """x * x elementwise."""
        return self * self

    def rsqrt(self):
        """1 / sqrt(x) elementwise."""
        return E.Rsqrt.apply(require_float(self, "rsqrt", True))

    def reciprocal(self):
        """1 / x elementwise."""
        return 1.0 / self

    __abs__ = abs

    # ---- trigonometric, hyperbolic, logarithmic: integers promoted to float32, as torch ----
    sin, cos, tan = (_unary_method(op) for op in (U.Sin, U.Cos, U.Tan))
    asin, acos, atan = (_unary_method(op) for op in (U.Asin, U.Acos, U.Atan))
    sinh, cosh, asinh, acosh, atanh = (_unary_method(op) for op in (U.Sinh, U.Cosh, U.Asinh, U.Acosh, U.Atanh))
    log2, log10, log1p, expm1 = (_unary_method(op) for op in (U.Log2, U.Log10, U.Log1p, U.Expm1))
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
    erf = _unary_method(Erf)

    def atan2(self, other):
        """The angle of the point (other, self), elementwise with broadcasting."""
        a, b = self._pair(other)
        return U.Atan2.apply(promote_to_float(a), promote_to_float(b))

    arctan2 = atan2

    # ---- piecewise constant: in the graph, with zero gradient (torch's convention) ----
    def _piecewise(self, op_class, fn):
        if self.dtype.kind in "biu":  # integers are already whole numbers: a copy, as torch
            fn = self._xp.copy if not issubclass(op_class, U.Sign) or self.dtype.kind == "b" else self._xp.sign
        return op_class.apply(self, fn=fn)

    def sign(self):
        """-1, 0 or 1 elementwise (0 for NaN, as torch's)."""
        return self._piecewise(U.Sign, _sign_nan_zero)

    def sgn(self):
        """sign(x) for real x, as torch's sgn, but differentiated to torch's ZeroTensor (ops/unary.Sgn)."""
        return self._piecewise(U.Sgn, _sign_nan_zero)

    def floor(self):
        """The largest whole number <= x, elementwise."""
        return self._piecewise(U.Floor, self._xp.floor)

    def ceil(self):
        """The smallest whole number >= x, elementwise."""
        return self._piecewise(U.Ceil, self._xp.ceil)

    def trunc(self):
        """x rounded towards 0, elementwise."""
        return self._piecewise(U.Trunc, self._xp.trunc)

    fix = trunc

    def round(self, *, decimals=0):
        """Round half to even (torch's and NumPy's rule); ``decimals`` digits after the point."""
        if not isinstance(decimals, (int, np.integer)):
            raise EngineTypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
        xp = self._xp
        return self._piecewise(U.Round, xp.round if decimals == 0 else lambda a: xp.round(a, int(decimals)))

    def frac(self):
        """``x - trunc(x)`` (the sign of x kept); its gradient is 1."""
        if self.dtype.kind != "f":
            raise NotImplementedError(f"frac: not implemented for {self.dtype} tensors (as in torch); "
                                      "it needs a floating point tensor")
        return self - self.trunc().detach()  # torch's frac is one op with the gradient g itself

    # ---- random draws with this tensor as the probabilities (random.py) ----
    def bernoulli(self, p=None, *, generator=None):
        from .random import bernoulli
        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from .random import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)

    # ---- norms ----
    @keepdims_alias
    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """``torch.norm``: the vector p-norm over ``dim`` (all dims by default); ``'fro'`` is the
        2-norm over at most two dims. ``'nuc'`` (a matrix norm) is not supported here."""
        if isinstance(p, str):
            dims = () if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
            if p != "fro":
                raise EngineError(f"not supported in tinygrad_edu: norm with p={p!r} (only numbers and 'fro')")
            if len(dims) > 2:
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
            p = 2
        return self.vector_norm(2.0 if p is None else p, dim, keepdim, dtype=dtype)

    def vector_norm(self, ord=2, dim=None, keepdim=False, *, dtype=None):
        """``torch.linalg.vector_norm``: $(\\sum |x|^p)^{1/p}$ over ``dim``; inf and -inf are the
        largest and smallest |x|, 0 counts the non-zero elements (no gradient)."""
        if self.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                               f"Got {self.dtype}")
        if isinstance(ord, bool) or not isinstance(ord, (int, float)):
            raise EngineTypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
        x = self if dtype is None else self.to(dtype)
        axes = dim_axes(x, dim, "norm")
        if not axes and x.ndim:
            axes = tuple(range(x.ndim))
        if ord < 0 or ord == float("inf"):
            _check_norm_has_identity(x, ord, dim)
        if ord in (float("inf"), float("-inf")):
            return InfNorm.apply(x, axes=axes, keepdim=keepdim, largest=ord > 0)
        if ord == 0:
            count = (x.array != 0).sum(axis=axes, keepdims=keepdim).astype(x.dtype)
            return U.CountNonzero.apply(x, fn=lambda a: count)
        if ord == 1:
            return x.abs().sum(axes, keepdim)
        return VectorNorm.apply(x, p=float(ord), axes=axes, keepdim=keepdim)

    # ---- products ----
    def mm(self, mat2):
        """The matrix product of two 2-D tensors (no broadcasting, equal dtypes, as torch's)."""
        if self.ndim != 2 or mat2.ndim != 2:
            which = "self" if self.ndim != 2 else "mat2"
            raise RuntimeError(f"mm: {which} must be a matrix, got shapes {tuple(self.shape)} and {tuple(mat2.shape)}")
        if self.shape[1] != mat2.shape[0]:
            raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                               f"({self.shape[0]}x{self.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
        _same_dtype("mm", self, mat2)
        return self @ mat2

    def bmm(self, mat2):
        """Batched matrix product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
        for name, t in (("batch1", self), ("batch2", mat2)):
            if t.ndim != 3:
                raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shape {tuple(t.shape)}")
        want = [self.shape[0], self.shape[2]]
        if list(mat2.shape[:2]) != want:
            raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: {want} but got: "
                               f"{list(mat2.shape[:2])} (shapes {tuple(self.shape)} and {tuple(mat2.shape)})")
        _same_dtype("bmm", self, mat2)
        return self @ mat2

    def outer(self, vec2):
        """$z_{ij} = a_i b_j$ for two 1-D tensors."""
        for name, t in (("self", self), ("vec2", vec2)):
            if t.ndim != 1:
                raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
        return self.reshape(-1, 1) * vec2

    ger = outer

    def dot(self, other):
        """The inner product of two 1-D tensors of the same size."""
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"dot: 1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
        if self.shape != other.shape:
            raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{self.shape[0]}] and src "
                               f"[{other.shape[0]}] to have the same number of elements, but got "
                               f"{self.shape[0]} and {other.shape[0]} elements respectively")
        _same_dtype("dot", self, other)
        return (self * other).sum()

    # ---- scans and products along a dim ----
    def cumsum(self, dim, *, dtype=None):
        """Running sum along ``dim``; integers and booleans give int64, as torch."""
        x = self if dtype is None else self.to(dtype)
        if dtype is None and x.dtype.kind in "biu":
            x = x.to(np.int64)
        (axis,) = dim_axes(x, dim, "cumsum") or (None,)
        return x.clone() if axis is None else C.CumSum.apply(x, axis=axis)

    @keepdims_alias
    def prod(self, dim=None, keepdim=False, *, dtype=None):
        """The product of all elements, or along one ``dim`` (an int, as torch's)."""
        x = self if dtype is None else self.to(dtype)
        if dtype is None and x.dtype.kind in "biu":
            x = x.to(np.int64)
        if dim is None:
            return C.Prod.apply(x.reshape(-1), axis=0, keepdim=False, everything=True, of_scalar=x.ndim == 0)
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise EngineTypeError(f"prod: dim must be an int, got {dim!r} (torch's prod reduces one dim)")
        (axis,) = dim_axes(x, dim, "prod") or (None,)
        return x.clone() if axis is None else C.Prod.apply(x, axis=axis, keepdim=keepdim)
