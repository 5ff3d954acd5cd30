"""Whether ops record a graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (torch's
``torch/autograd/grad_mode.py``). One flag per thread."""
import contextlib
import threading

_state = threading.local()


def is_grad_enabled():
    return getattr(_state, "grad_enabled", True)


@contextlib.contextmanager
def set_grad_enabled(mode):
    previous = is_grad_enabled()
    _state.grad_enabled = bool(mode)
    try:
        yield
    finally:
        _state.grad_enabled = previous


class no_grad(contextlib.ContextDecorator):
    """Inside ``with no_grad():`` (or a function decorated with it) ops record no graph."""

    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.grad_enabled = False

    def __exit__(self, *exc):
        _state.grad_enabled = self._previous


class enable_grad(no_grad):
    """Switch graph recording back on inside a ``no_grad`` block."""

    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.grad_enabled = True
