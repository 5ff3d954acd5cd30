"""Reverse-mode automatic differentiation: the graph, the ops' base class, and backward.

Every differentiable op is a subclass of :class:`Function`. Its ``forward`` works on raw arrays
(NumPy or CuPy) and stores what backward will need on ``self``; its ``backward`` receives the
upstream gradient as a *Tensor* and returns one gradient Tensor per input, computed with Tensor
ops. Because backward is itself made of differentiable ops, running it with the graph switched on
(``create_graph=True``) records a graph of the gradient, and differentiating that again gives
second (and higher) derivatives. See derivations/ for the formulas of each op.

This module never imports ``Tensor``: the output of an op has the type of its first input, so the
two modules need no circular import.
"""
import contextlib
import threading
import weakref

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


class Function:
    """One node of the graph. Subclasses define ``forward(*arrays, **params)`` and ``backward(g)``.

    ``self.inputs`` holds the input Tensors (so backward can use them in differentiable ops), and
    ``self.output()`` the output Tensor, for ops whose derivative is cheapest in terms of it
    (exp, sigmoid, tanh, ...). The output is held weakly: it is alive whenever backward runs,
    because backward starts from a tensor that depends on it.
    """

    inputs = ()

    @classmethod
    def apply(cls, *inputs, **params):
        first = inputs[0]
        for t in inputs[1:]:
            if type(t.data) is not type(first.data):
                _raise_device_mismatch(cls, inputs)
        ctx = cls.__new__(cls)
        try:
            data = ctx.forward(*[t.data for t in inputs], **params)
        except (ValueError, IndexError, TypeError) as error:
            if getattr(error, "from_engine", False):
                raise
            shapes = " and ".join(str(tuple(t.shape)) for t in inputs)
            raise type(error)(f"{cls.__name__}: cannot apply to shape(s) {shapes}: {error}") from error
        out = type(first)._wrap(data)
        if is_grad_enabled():
            for t in inputs:
                if t.requires_grad:
                    ctx.inputs = inputs
                    ctx._output = weakref.ref(out)
                    out.requires_grad = True
                    out._ctx = ctx
                    break
        return out

    def output(self):
        return self._output()

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    def release(self):
        """Drop what backward needed (the graph is freed after backward, like torch's)."""
        self.__dict__.clear()
        self.released = True

    def __repr__(self):
        return f"<{type(self).__name__}>"


class EngineError(ValueError):
    """A shape or argument error raised by an op itself (its message names the op and shapes)."""

    from_engine = True


class EngineTypeError(TypeError):
    """An argument of the wrong type (an unsupported index, a float class label, ...)."""

    from_engine = True


class EngineIndexError(IndexError):
    """An index out of range, named with the op and the shape."""

    from_engine = True


def _raise_device_mismatch(op, inputs):
    devices = ", ".join(f"{tuple(t.shape)} on {t.device}" for t in inputs)
    raise RuntimeError(f"{op.__name__}: expected all tensors on the same device, got {devices}")


def sum_to_shape(grad, shape):
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched.

    The one place where every op's gradient is brought back to its input's shape. It uses Tensor
    ops, so it is differentiable too (its derivative is an expand).
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    if lead:
        grad = grad.sum(dim=tuple(range(lead)))
    return grad


def _graph_order(roots):
    """Tensors of the graph behind ``roots`` that need a gradient, each BEFORE all that use it
    (so ``pop()`` from the end visits a tensor after every use of it has passed its gradient on).

    An iterative depth-first search (no recursion, so a chain of 100,000 ops is fine).
    """
    order, seen = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            ctx = node._ctx
            if ctx is not None:
                if getattr(ctx, "released", False):
                    raise RuntimeError(
                        "Trying to backward through the graph a second time: its saved values were "
                        "freed by the first backward. Pass retain_graph=True to the first call.")
                for t in ctx.inputs:
                    if t.requires_grad and id(t) not in seen:
                        stack.append((t, False))
    return order


def backward(roots, root_grads, inputs=None, create_graph=False, retain_graph=None, allow_unused=False):
    """Propagate ``root_grads`` back through the graph.

    With ``inputs=None`` the gradients accumulate into the ``.grad`` of the leaves (what
    ``Tensor.backward`` does). Otherwise the gradients with respect to ``inputs`` are returned and
    no ``.grad`` changes (what ``grad`` does).
    """
    if retain_graph is None:
        retain_graph = create_graph
    wanted = None if inputs is None else {id(t): None for t in inputs}
    grads = {}
    for root, g in zip(roots, root_grads):
        grads[id(root)] = g if id(root) not in grads else grads[id(root)] + g
    order = _graph_order(roots)
    with set_grad_enabled(create_graph):
        while order:  # pop, so that a finished part of the graph can be freed during backward
            node = order.pop()
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if wanted is not None and id(node) in wanted:
                wanted[id(node)] = g
            ctx = node._ctx
            if ctx is None or node._retains_grad:
                if wanted is None:
                    _accumulate(node, g)
                if ctx is None:
                    continue
            input_grads = ctx.backward(g)
            for t, tg in zip(ctx.inputs, input_grads):
                if tg is None or not t.requires_grad:
                    continue
                if tg.shape != t.shape:
                    tg = sum_to_shape(tg, t.shape)
                key = id(t)
                grads[key] = tg if key not in grads else grads[key] + tg
            if not retain_graph:
                ctx.release()
            del node, ctx, input_grads  # nothing here may keep the processed graph alive
    if wanted is None:
        return None
    result = []
    for i, t in enumerate(inputs):
        g = wanted[id(t)]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)


def _accumulate(leaf, g):
    """``.grad`` adds up over backward calls until it is zeroed, like torch's."""
    leaf.grad = g if leaf.grad is None else leaf.grad + g


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (``torch.autograd.grad``).

    ``create_graph=True`` records the graph of the gradient itself, so it can be differentiated
    again (Hessian-vector products, the Hessian of ``nni2.T2``).
    """
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    single = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) does not require grad")
    seeds = [_seed_gradient(o, g, "grad") for o, g in zip(outputs, grad_outputs)]
    return tuple(backward(outputs, seeds, inputs, create_graph, retain_graph, allow_unused))


def _seed_gradient(output, gradient, caller):
    """The gradient backward starts from: ones for a scalar, else it must be given."""
    if not output.requires_grad:
        raise RuntimeError(f"{caller}: the tensor (shape {tuple(output.shape)}) does not require grad and "
                           "has no graph: nothing was computed from a tensor with requires_grad=True")
    if gradient is None:
        if output.numel() != 1:
            raise RuntimeError(f"{caller}: grad can be implicitly created only for scalar outputs; the output "
                               f"has shape {tuple(output.shape)}, so pass a gradient of that shape")
        return output._wrap(output._xp.ones(output.shape, dtype=output.dtype))
    gradient = output._operand(gradient)
    if gradient.shape != output.shape:
        raise EngineError(f"{caller}: the gradient has shape {tuple(gradient.shape)} but the output has "
                          f"shape {tuple(output.shape)}")
    return gradient
