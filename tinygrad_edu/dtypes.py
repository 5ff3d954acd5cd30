"""Torch's type promotion, in one place: which dtype an op on mixed operands computes in.

Operands fall into three kinds, and dtypes into three categories (bool < integer < float):

- dimensioned tensors (``ndim >= 1``),
- 0-d tensors,
- Python numbers (``bool``, ``int``, ``float``; a NumPy scalar counts as one).

Within each kind the dtypes are promoted pairwise (:func:`promote_types`). A lower kind only
changes the result when its category is higher than every higher kind's: ``float32 (3,) + 0-d
float64`` stays float32, ``int64 (3,) + 0-d float64`` becomes float64, ``int32 (3,) + 2.5``
becomes float32 (a Python float stands for the default dtype, float32), ``float16 (3,) + 2.5``
stays float16. This is ``torch.result_type``.
"""
import numpy as np


class DType:
    """A dtype as torch shows it (``torch.float32``), standing for a NumPy dtype everywhere NumPy
    takes one (``np.zeros(3, dtype=te.float32)``, ``a.astype(x.dtype)``: NumPy reads ``.dtype``),
    and equal to it (``x.dtype == np.float32``)."""

    __slots__ = ("dtype", "kind", "name", "itemsize", "is_floating_point", "is_signed")

    def __init__(self, dtype):
        dtype = np.dtype(dtype)
        self.dtype, self.kind, self.name, self.itemsize = dtype, dtype.kind, dtype.name, dtype.itemsize
        self.is_floating_point, self.is_signed = dtype.kind == "f", dtype.kind in "fi"

    def __eq__(self, other):
        if isinstance(other, DType):
            return self.dtype == other.dtype
        try:
            return other is not None and self.dtype == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"torch.{self.name}"

    @property
    def type(self):
        return self.dtype.type

    def __reduce__(self):  # copy / pickle
        return (DType, (self.name,))


_BY_NUMPY = {np.dtype(n): DType(n) for n in ("bool", "uint8", "int8", "int16", "int32", "int64",
                                               "float16", "float32", "float64")}


def as_dtype(numpy_dtype):
    """The DType of an array's dtype (``Tensor.dtype``)."""
    found = _BY_NUMPY.get(numpy_dtype)
    return found if found is not None else DType(numpy_dtype)


bool_, float32, int64 = np.dtype("bool"), np.dtype("float32"), np.dtype("int64")
DEFAULT_FLOAT = float32  # torch.get_default_dtype()


def category(dtype):
    """0 for bool, 1 for integers, 2 for floating point."""
    return {"b": 0, "i": 1, "u": 1, "f": 2}[np.dtype(dtype).kind]


def promote_types(a, b):
    """``torch.promote_types`` for two dtypes: the smallest dtype that holds both; an integer (or
    bool) meeting a float gives the float, whatever the integer's size (NumPy would widen it)."""
    a, b = np.dtype(a), np.dtype(b)
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb and max(ca, cb) == 2:
        return a if ca == 2 else b
    return np.promote_types(a, b)


def _python_dtype(value):
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return DEFAULT_FLOAT


def _kind(operand):
    """(kind, dtype): kind 0 for a dimensioned tensor or array, 1 for a 0-d one, 2 for a number."""
    if isinstance(operand, (bool, int, float, np.generic)):
        return 2, _python_dtype(operand)
    dtype = getattr(operand, "dtype", None)
    if dtype is None:  # a list or tuple of numbers: a dimensioned tensor in the making
        dtype = np.asarray(operand).dtype
        dtype = DEFAULT_FLOAT if dtype == np.float64 else dtype
        return 0, np.dtype(dtype)
    return (0 if operand.ndim else 1), np.dtype(dtype)


def _combine(higher, lower):
    """The result of a higher kind's dtype with a lower kind's (None: the kind is absent)."""
    if higher is None:
        return lower
    if lower is None or category(higher) >= category(lower):
        return higher
    return promote_types(higher, lower)


def result_type(*operands):
    """``torch.result_type`` for any number of tensors, arrays and Python numbers."""
    by_kind = [None, None, None]
    for operand in operands:
        kind, dtype = _kind(operand)
        by_kind[kind] = dtype if by_kind[kind] is None else promote_types(by_kind[kind], dtype)
    return _combine(by_kind[0], _combine(by_kind[1], by_kind[2]))


def float_result_type(*operands):
    """The result dtype of an op that always computes in floating point (``/``, ``** 0.5`` on
    integers): ``result_type``, or the default float when that is bool or an integer."""
    dtype = result_type(*operands)
    return dtype if dtype.kind == "f" else DEFAULT_FLOAT
