"""Constructors (``tensor``, ``zeros``, ``randn``, ...), the random seed, and the top-level functions
that combine tensors (``cat``, ``stack``, ``pad``), with torch's names and arguments."""
import functools

import numpy as np

from .errors import EngineError, EngineTypeError
from .backend import cuda_available, parse_device, xp_for
from .dtypes import promote_types
from .ops import movement as M
from .tensor import Tensor, as_array, float32, int64
from .tensor_args import dim_axis

_default_rng = np.random.default_rng()


def manual_seed(seed):
    """Seed every random draw of the engine (NumPy, and CuPy where present), like torch.manual_seed."""
    global _default_rng
    _default_rng = np.random.default_rng(seed)
    if cuda_available():
        xp_for("cuda").random.seed(seed)
    return _default_rng


def default_generator():
    """The generator every random draw uses (``manual_seed`` replaces it, so look it up each time)."""
    return _default_rng


def rng_of(generator):
    """The NumPy generator a draw takes its numbers from: the ``generator=`` given (a
    ``tinygrad_edu.Generator`` or a ``numpy.random.Generator``), else the engine's current one."""
    if generator is None:
        return default_generator()  # looked up now: manual_seed replaces it
    return getattr(generator, "_rng", generator)


def _shape(size, op):
    """``size`` (ints, or one tuple/list of ints) as a tuple, checked: torch's error for a
    negative or non-integer size, naming the constructor."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    for n in shape:
        if type(n) is not int and not (isinstance(n, np.integer) and not isinstance(n, np.bool_)):
            raise EngineTypeError(f"{op}: the size must be ints, got {shape!r}")
        if n < 0:
            raise EngineError(f"{op}: negative dimension {n} in the size {shape}")
    return shape


def _make(array, device, requires_grad):
    device = parse_device(device)  # None: the default device (torch.set_default_device)
    t = Tensor._wrap(xp_for(device).asarray(array) if device != "cpu" else array)
    return t.requires_grad_(requires_grad) if requires_grad else t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (Python floats become float32; NumPy dtypes are kept)."""
    return Tensor._wrap(as_array(data, dtype, parse_device(device))).requires_grad_(requires_grad)


def as_tensor(data, dtype=None, device=None):
    return Tensor._wrap(as_array(data, dtype, device, copy=None))


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (like torch.from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def zeros(*size, dtype=float32, device=None, requires_grad=False):
    return _make(xp_for(device).zeros(_shape(size, "zeros"), dtype=dtype), device, requires_grad)


def ones(*size, dtype=float32, device=None, requires_grad=False):
    return _make(xp_for(device).ones(_shape(size, "ones"), dtype=dtype), device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    dtype = dtype or (float32 if isinstance(fill_value, float) else np.asarray(fill_value).dtype)
    return _make(xp_for(device).full(_shape((size,), "full"), fill_value, dtype=dtype), device, requires_grad)


def eye(n, m=None, dtype=float32, device=None, requires_grad=False):
    _shape((n,) if m is None else (n, m), "eye")
    return _make(xp_for(device).eye(n, m, dtype=dtype), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise EngineError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise EngineError(f"arange: the bounds start={start}, end={end} are inconsistent with the step's sign "
                          f"(step={step})")
    if dtype is None:
        dtype = int64 if all(isinstance(v, int) for v in (start, end, step)) else float32
    return _make(xp_for(device).arange(start, end, step, dtype=dtype), device, requires_grad)


def linspace(start, end, steps, dtype=float32, device=None, requires_grad=False):
    _shape((steps,), "linspace")
    return _make(xp_for(device).linspace(start, end, steps, dtype=dtype), device, requires_grad)


from .random import rand, randint, randn, randperm  # noqa: E402  (random.py holds the random draws)


def _like_constructor(maker):
    """``zeros_like`` from ``zeros``: the same constructor, with the shape (and by default the
    dtype and device) of a given tensor."""
    def like(t, dtype=None, device=None, requires_grad=False):
        return maker(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)
    like.__name__ = maker.__name__ + "_like"
    return like


zeros_like, ones_like, randn_like, rand_like = (_like_constructor(f) for f in (zeros, ones, randn, rand))


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(t.shape, fill_value, dtype or t.dtype, device or t.device, requires_grad)


def cat(tensors, dim=0):
    """Join tensors along an existing dim (``torch.cat``); every other dim must match."""
    tensors = _without_legacy_empty(_tensor_list(tensors, "cat"))
    first = tensors[0]
    if first.ndim == 0:
        raise EngineError("cat: zero-dimensional tensors cannot be concatenated (use stack)")
    axis = dim_axis(first, dim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, first.shape)) if k != axis):
            raise EngineError(f"cat: tensor {i} has shape {tuple(t.shape)}, which does not match tensor 0's "
                              f"{tuple(first.shape)} outside dim {dim}")
    dtype = functools.reduce(promote_types, [t.dtype for t in tensors])  # torch.cat's promotion
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    return M.Cat.apply(*tensors, axis=axis)


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dim (``torch.stack``)."""
    tensors = _tensor_list(tensors, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise EngineError(f"stack: tensor {i} has shape {tuple(t.shape)}, tensor 0 has {tuple(tensors[0].shape)}; "
                              "stack needs equal shapes")
    return cat([t.unsqueeze(dim, _op="stack") for t in tensors], dim)


def _tensor_list(tensors, op):
    """The tensors that ``cat`` or ``stack`` joins, as a non-empty list."""
    if isinstance(tensors, Tensor):
        raise EngineTypeError(f"{op}: expected a list or tuple of tensors, got a single Tensor")
    tensors = list(tensors)
    if not tensors:
        raise EngineError(f"{op}: expected a non-empty list of tensors")
    return tensors


def _without_legacy_empty(tensors):
    """torch's ``cat`` skips empty 1-D tensors (shape (0,)) next to tensors of other ranks."""
    if any(t.shape == (0,) for t in tensors) and any(t.ndim != 1 for t in tensors):
        return [t for t in tensors if t.shape != (0,)] or tensors[:1]
    return tensors


def pad(input, pad, mode="constant", value=0.0):
    """Constant padding with torch's ``F.pad`` convention: ``pad`` lists (before, after) pairs
    starting from the LAST dim, e.g. ``(1, 1, 2, 2)`` pads the last dim by 1 and the one before by 2."""
    if mode != "constant":
        raise EngineError(f"not supported in tinygrad_edu: pad with mode={mode!r} (only mode='constant')")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise EngineError(f"pad: pad={tuple(pad)} must hold one (before, after) pair per padded dim, "
                          f"at most {input.ndim} pairs for shape {tuple(input.shape)}")
    if any(p < 0 for p in pad):
        raise EngineError(f"not supported in tinygrad_edu: pad with negative padding {tuple(pad)} (cropping); "
                          "slice instead")
    pairs = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):
        pairs[input.ndim - 1 - k] = (int(pad[2 * k]), int(pad[2 * k + 1]))
    return M.Pad.apply(input, widths=tuple(pairs), value=value)
