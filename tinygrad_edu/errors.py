"""The engine's own errors: the exception types an op or a check raises with a message that names
the op, the shapes and what was expected (``from_engine`` tells Function.apply not to wrap them
again), and the two errors of the graph: an input on another device, and a value that backward
needs changed in place since (torch's version check)."""


def raise_modified(op, tensor, which, expected):
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: the {which} of {type(op).__name__} (a tensor of shape {tuple(tensor.shape)}) is at "
        f"version {tensor._version}; expected version {expected} instead. Use an out-of-place op "
        f"(x = x + 1 instead of x += 1) or .clone() before changing it")


class EngineError(ValueError):
    """A shape or argument error raised by an op itself (its message names the op and shapes)."""

    from_engine = True


class EngineTypeError(TypeError):
    """An argument of the wrong type (an unsupported index, a float class label, ...)."""

    from_engine = True


class EngineIndexError(IndexError):
    """An index out of range, named with the op and the shape."""

    from_engine = True


def raise_device_mismatch(op, inputs):
    devices = ", ".join(f"{tuple(t.shape)} on {t.device}" for t in inputs)
    raise RuntimeError(f"{op.__name__}: expected all tensors on the same device, got {devices}")
