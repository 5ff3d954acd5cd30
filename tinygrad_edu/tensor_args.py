"""How ``Tensor`` and its method mixins read their arguments, in one place: dims (``dim_axis``,
``dim_axes``), sizes (``f(2, 3)``, ``f((2, 3))``, ``f(size=(2, 3))``), indices for ``x[...]``, the
floating-point checks, and NumPy's ``keepdims=`` spelling. Plain functions of the tensor they
check, so every mixin (tensor_shapes.py, tensor_reductions.py, tensor_select.py, ...) imports them
from here rather than from another mixin. Every error names the op and what was given."""
import numpy as np

from .errors import EngineError, EngineIndexError, EngineTypeError

_FLOAT32 = np.dtype("float32")


# ----- dims -------------------------------------------------------------------------------------
def dim_axis(tensor, dim, op):
    """One ``dim`` of ``tensor`` (an int, negative allowed; a 0-d tensor takes 0 or -1) as an axis."""
    if type(dim) is int and 0 <= dim < tensor.ndim:  # the common case, quickly
        return dim
    n = max(tensor.ndim, 1)
    if isinstance(dim, (tuple, list)):
        raise EngineTypeError(f"{op}: expected one int dim, got {dim!r} (a tuple of dims is not accepted "
                              f"by {op}; reduce one dim at a time)")
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or not -n <= dim < n:
        raise EngineIndexError(f"{op}: dim {dim!r} is out of range for a tensor of shape {tuple(tensor.shape)} "
                               f"(expected an int in [{-n}, {n - 1}])")
    return int(dim) % n


def dim_axes(tensor, dim, op):
    """``dim`` (None, an int or a tuple, negative allowed) as a sorted tuple of axes of ``tensor``;
    None and ``()`` mean every axis, as in torch."""
    if dim is None:
        return tuple(range(tensor.ndim))
    if type(dim) is int and 0 <= dim < tensor.ndim:  # the common case, quickly
        return (dim,)
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(tensor.ndim))
    found = [dim_axis(tensor, d, op) for d in dims]
    if len(set(found)) != len(found):
        repeated = next(d for d, a in zip(dims, found) if found.count(a) > 1)
        raise EngineError(f"{op}: dim {repeated} appears multiple times in the list of dims {tuple(dims)}")
    return tuple(sorted(found)) if tensor.ndim else ()


def keepdims_alias(method):
    """``method`` also taking NumPy's spelling ``keepdims=`` for ``keepdim=``, as torch does."""
    def reduction(*args, **kwargs):
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return method(*args, **kwargs)
    reduction.__name__, reduction.__doc__, reduction.__wrapped__ = method.__name__, method.__doc__, method
    return reduction


# ----- sizes ------------------------------------------------------------------------------------
def size_arguments(positional, keyword, name, op):
    """The sizes (or dims) given as ``f(2, 3)``, ``f((2, 3))`` or torch's keyword ``f(name=(2, 3))``,
    as a tuple (unchecked: the op checks its own)."""
    if keyword:
        if positional or set(keyword) != {name}:
            raise EngineTypeError(f"{op}: expected the sizes as positional ints, a tuple, or {name}=...; got "
                                  f"{positional} and keywords {sorted(keyword)}")
        positional = (keyword[name],)
    return tuple(positional[0]) if len(positional) == 1 and isinstance(positional[0], (tuple, list)) else positional


def int_arguments(args, op):
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all as the Python ints (2, 3), checked to be ints."""
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes):
        raise EngineTypeError(f"{op}: expected ints, got {sizes!r}")
    return tuple(int(n) for n in sizes)


# ----- dtypes -----------------------------------------------------------------------------------
def require_float(tensor, op, torch_promotes=False):
    """``tensor``, checked to be floating; ``torch_promotes``: torch would compute an integer input
    in float32, which the engine leaves to the user (said so, never silently)."""
    if tensor.dtype.kind != "f":
        if torch_promotes:
            raise EngineTypeError(f"not supported in tinygrad_edu: {op} of an {tensor.dtype} tensor (torch computes "
                                  f"it in float32); convert it first with .float()")
        raise EngineTypeError(f"{op}: expected a floating point tensor, got {tensor.dtype}")
    return tensor


def promote_to_float(tensor):
    """``tensor``, or ``tensor`` as float32 when it holds integers or booleans (torch's promotion
    for functions such as ``sin`` and ``log2``)."""
    return tensor if tensor.dtype.kind == "f" else tensor.to(_FLOAT32)


# ----- indices ----------------------------------------------------------------------------------
def normalise_index(index, tensor, op):
    """Check an index of ``tensor`` (``x[index]``) and turn the tensors, lists and ranges in it into
    arrays; anything else is an error."""
    parts = index if isinstance(index, tuple) else (index,)
    out = [_checked_index_part(_as_index_array(p, tensor), tensor, op) for p in parts]
    if len(parts) > 1 and sum(p is Ellipsis for p in parts) > 1:
        raise EngineIndexError(f"not supported in tinygrad_edu: {op} with more than one ellipsis (...) in the index")
    return tuple(out) if isinstance(index, tuple) else out[0]


def _as_index_array(part, tensor):
    """A tensor, list or range in an index as an array of the tensor's array module."""
    if hasattr(part, "requires_grad"):
        return part.array
    if isinstance(part, list):
        return tensor._xp.asarray(part) if part else tensor._xp.zeros(0, dtype=np.int64)
    if isinstance(part, range):  # like the list of its ints (x[range(n), target])
        return tensor._xp.arange(part.start, part.stop, part.step, dtype=np.int64)
    return part


def _checked_index_part(part, tensor, op):
    """One part of an index: an integer or boolean array, an int, a slice with a positive step,
    None or ``...``."""
    if hasattr(part, "dtype") and not isinstance(part, np.generic):
        if part.dtype.kind not in "iub":
            raise EngineTypeError(f"{op}: tensors used as indices must be integer or boolean, got {part.dtype}")
    elif isinstance(part, np.integer):
        part = int(part)
    elif isinstance(part, slice):
        if part.step is not None and part.step <= 0:
            raise EngineError(f"{op}: slice step must be greater than zero, got {part.step} (torch has no "
                              "negative steps; use .flip(dim))")
    elif not (part is None or part is Ellipsis or isinstance(part, int)) or isinstance(part, float):
        raise EngineTypeError(f"{op}: unsupported index {part!r} of type {type(part).__name__} for a tensor of "
                              f"shape {tuple(tensor.shape)}; use ints, slices, None, ..., or integer/boolean tensors")
    return part
