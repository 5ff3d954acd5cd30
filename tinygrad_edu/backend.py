"""The one module that knows NumPy from CuPy.

Every array in the engine lives either on the CPU (a ``numpy.ndarray``) or on a CUDA device (a
``cupy.ndarray``). Code elsewhere asks this module for the array module ``xp`` that matches an
array or a device name, and never imports CuPy itself.
"""
import os

import numpy as np

try:  # CuPy is optional: the `gpu` extra. Without it, device="cuda" is a clear error.
    import cupy as _cupy
    _cupy.cuda.runtime.getDeviceCount()
    from cupyx import scatter_add as _cupy_scatter_add
except Exception as _error:  # ImportError, or CuPy present without a usable CUDA device
    _cupy = _cupy_scatter_add = None
    CUDA_UNAVAILABLE_REASON = f"CuPy with a CUDA device is not available ({type(_error).__name__}: {_error})"
else:
    CUDA_UNAVAILABLE_REASON = None


def use_fake_cuda(on=True):
    """Make device="cuda" the stand-in device of ``fake_cuda`` (a CuPy look-alike on the CPU), or undo
    it; real CuPy, where present, always wins. Returns whether "cuda" is now the stand-in. The tests
    turn it on (tests/conftest.py); ``TINYGRAD_EDU_FAKE_CUDA=1`` turns it on at import."""
    global _cupy, _cupy_scatter_add
    if CUDA_UNAVAILABLE_REASON is None:
        return False
    if on:
        from . import fake_cuda
        _cupy, _cupy_scatter_add = fake_cuda, fake_cuda.scatter_add
    else:
        _cupy = _cupy_scatter_add = None
    return on


if os.environ.get("TINYGRAD_EDU_FAKE_CUDA") == "1":
    use_fake_cuda()

DEVICES = ("cpu", "cuda")


def cuda_available():
    """True when CuPy is installed and sees a CUDA device (like ``torch.cuda.is_available``), or when
    the stand-in device is on (``use_fake_cuda``)."""
    return _cupy is not None


_default_device = ["cpu"]  # torch.set_default_device changes it


def set_default_device(device):
    """Where constructors (``zeros``, ``randn``, ...) put tensors when no device is given."""
    _default_device[0] = parse_device("cpu" if device is None else device)


def get_default_device():
    return _default_device[0]


def parse_device(device, op="device"):
    """Normalise ``None`` (the default device), ``"cpu"``, ``"cuda"``, ``"cuda:0"`` (or a torch-style
    device object); ``op`` names the caller in the error for an unknown device."""
    if device is None:
        return _default_device[0]
    name = str(getattr(device, "type", device)).split(":")[0]
    if name not in DEVICES:
        raise ValueError(f"{op}: unknown device {device!r}: expected one of {DEVICES} (optionally 'cuda:N')")
    if name == "cuda" and _cupy is None:
        raise RuntimeError(f"device='cuda' was asked for, but {CUDA_UNAVAILABLE_REASON}")
    return name


def xp_for(device):
    """The array module for a device name: numpy for "cpu", cupy for "cuda"."""
    return _cupy if parse_device(device) == "cuda" else np


def array_module(array):
    """The array module an array belongs to (numpy or cupy); like ``cupy.get_array_module``."""
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy
    return np


def device_of(array):
    return "cuda" if array_module(array) is not np else "cpu"


def to_device(array, device):
    """Move an array to a device (a copy only when it changes device)."""
    if parse_device(device) == "cuda":
        return _cupy.asarray(array)
    return _cupy.asnumpy(array) if array_module(array) is not np else np.asarray(array)


def to_numpy(array):
    return _cupy.asnumpy(array) if array_module(array) is not np else np.asarray(array)


def scatter_add(out, index, values):
    """``out[index] += values`` with repeated indices adding up (``numpy.add.at``, ``cupyx.scatter_add``)."""
    if array_module(out) is np:
        np.add.at(out, index, values)
    else:
        _cupy_scatter_add(out, index, values)


def keep_where(mask, values, out=None):
    """``where(mask, values, 0)``: the values where ``mask`` holds, +0 elsewhere, exact for inf and
    NaN (a NaN or inf outside the mask never leaks out, as it would through ``values * mask``)."""
    return _select_bits(mask, values, out, keep=True)


def memory_order(a):
    """The axes of ``a`` from outermost to innermost in memory (by stride)."""
    return sorted(range(a.ndim), key=lambda axis: -a.strides[axis])


def zero_where(mask, values, out=None, scratch=None):
    """``where(mask, 0, values)``: +0 where ``mask`` holds, the values elsewhere (see keep_where).
    ``out`` may be ``values`` itself (in place) when ``scratch``, an array of the same size and
    dtype, is given for the mask's bits."""
    return _select_bits(mask, values, out, keep=False, scratch=scratch)


def _select_bits(mask, values, out, keep, scratch=None):
    """On NumPy, the selection is made on the bits, without branches: each value's bits AND all
    ones (kept) or AND zero (+0). NumPy's ``where`` with a mask it cannot predict was 10x slower
    here (20 ms against 1.9 ms for 2 million float32). ``out``: an array (any strides) of values'
    shape and dtype to write into; the mask's bits go there first, or into ``scratch``."""
    xp = array_module(values)
    if xp is not np or values.dtype.kind != "f":
        result = xp.where(mask, values, 0) if keep else xp.where(mask, 0, values)
        result = result.astype(values.dtype, copy=False)
        if out is None:
            return result
        out[...] = result
        return out
    bits_type = np.dtype(f"i{values.itemsize}")
    if out is None:
        bits = out_bits = np.array(mask, dtype=bits_type)  # (np.array: a 0-d comparison gives a NumPy scalar)
    else:
        bits, out_bits = (out if scratch is None else scratch).view(bits_type), out.view(bits_type)
        np.copyto(bits, mask, casting="unsafe")
    if keep:
        np.negative(bits, out=bits)  # mask 1 -> -1 (all bits set), 0 -> 0
    else:
        np.subtract(bits, 1, out=bits)  # mask 1 -> 0, 0 -> -1 (all bits set)
    np.bitwise_and(bits, values.view(bits_type), out=out_bits)
    return out_bits.view(values.dtype)
