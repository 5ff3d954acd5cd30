"""Reverse-mode automatic differentiation: the graph, the ops' base class, and backward.

Every differentiable op is a subclass of :class:`Function`. Its ``forward`` works on raw arrays
(NumPy or CuPy) and stores what backward will need on ``self``; its ``backward`` receives the
upstream gradient as a *Tensor* and returns one gradient Tensor per input, computed with Tensor
ops. Because backward is itself made of differentiable ops, running it with the graph switched on
(``create_graph=True``) records a graph of the gradient, and differentiating that again gives
second (and higher) derivatives. See derivations/ for the formulas of each op.

The backward path: ``Tensor.backward`` calls :func:`backward` (the seed gradient), which calls
:func:`run_backward`, the chain-rule loop over :func:`_graph_order`; for each op it calls the op's
``backward`` (in ``ops/``) and :func:`_pass_to_inputs` brings the results to each input's shape
(:func:`sum_to_shape`) and dtype. All of it is in this file, apart from the ops and the tensor
hooks (hooks.py, which the loop calls while any exist). :func:`grad` is the loop's other caller:
it collects the gradients instead of adding them into ``.grad``.

This module never imports ``Tensor`` (the output of an op has the type of its first input), so
the two modules need no circular import. What it uses of a tensor, the whole protocol:

- ``array``: the raw NumPy/CuPy array (read; ``+=`` into an accumulated ``.grad``);
- ``requires_grad``, ``grad``, ``_ctx`` (the op that made it, None for a leaf) and
  ``_retains_grad``: read, and written when an op is recorded or a gradient accumulated;
- ``_version`` (the in-place counter, for the version check), ``_changed_in_place()`` (count one
  more), ``_share_storage(view)`` (an op whose output is a view shares the counter) and the
  optional ``_hooks`` list (``register_hook``, hooks.py);
- ``_wrap(array)`` (a new tensor around an array, a classmethod), ``_operand(x)`` (a given
  gradient as a tensor), ``_xp`` (the array module), ``shape``, ``ndim``, ``dtype``, ``device``,
  ``numel()``, ``_is_zerotensor()`` (torch's immutable zero gradient: zero_tensor.py);
- the differentiable ops that gradients are computed with: ``+``, ``sum(dim, keepdim)`` and
  ``to(dtype)`` here, and whatever each op's ``backward`` uses.
"""
import inspect
import weakref

from . import hooks
from .errors import EngineError, raise_device_mismatch, raise_modified
from .grad_fn import AccumulateGrad, torch_name
from .grad_holders import owned, unshared
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401  (torch.autograd's names)

class Function:
    """One node of the graph. Subclasses define ``forward(*arrays, **params)`` and ``backward(g)``.

    ``self.inputs`` holds the input Tensors (so backward can use them in differentiable ops), and
    ``self.output()`` the output Tensor, for ops whose derivative is cheapest in terms of it
    (exp, sigmoid, tanh, ...). The output is held weakly: it is alive whenever backward runs,
    because backward starts from a tensor that depends on it.

    ``self.next`` holds, per input, the node its gradient goes to: the input's own op, or the
    input itself when it is a leaf (None when it needs no gradient). It is taken when the op is
    recorded, so a later in-place change of an input (which gives that tensor a new op) leaves
    this edge where it was, as in torch.

    Class flags: ``saves_inputs`` (backward reads the inputs' values: an in-place change of an
    input before backward is then an error, torch's version check), ``saves_output`` (backward
    calls ``self.output()``: its array is kept), ``is_view`` (the output may share the input's
    memory: it then shares its version counter too) and ``reuses_grad`` (backward reads
    ``self.grad_owned``: whether the gradient it gets is backward's alone, so its array may be
    written over instead of allocating another of the same size).
    """

    inputs = ()
    saves_inputs = True
    saves_output = False
    is_view = False
    reuses_grad = False  # backward may overwrite its gradient's array when nothing else holds it
    _ctx_style = False  # True for torch-style subclasses (static forward(ctx, ...)): custom_function.py

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._ctx_style = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)

    @classmethod
    def apply(cls, *inputs, **params):
        if cls._ctx_style:
            from .custom_function import apply_custom
            return apply_custom(cls, inputs, params)
        first = inputs[0]
        for t in inputs[1:]:
            if type(t.array) is not type(first.array):
                raise_device_mismatch(cls, inputs)
        ctx = cls.__new__(cls)
        try:
            data = ctx.forward(*[t.array for t in inputs], **params)
        except (ValueError, IndexError, TypeError) as error:
            if getattr(error, "from_engine", False):
                raise
            shapes = " and ".join(str(tuple(t.shape)) for t in inputs)
            raise type(error)(f"{cls.__name__}: cannot apply to shape(s) {shapes}: {error}") from error
        out = type(first)._wrap(data)
        if cls.is_view:
            first._share_storage(out)
        if is_grad_enabled():
            for t in inputs:
                if t.requires_grad:
                    ctx._record(inputs, out)
                    break
        return out

    def _record(self, inputs, out):
        """Make ``out`` the result of this node: keep the inputs, the edges and the versions."""
        self.next = tuple((t._ctx or t) if t.requires_grad else None for t in inputs)
        self.inputs = inputs if self.saves_inputs or self.is_view else tuple(_without_values(t) for t in inputs)
        if self.saves_inputs:
            self.versions = tuple(t._version for t in inputs)
        self._output = weakref.ref(out)
        self.output_version = out._version
        if self.saves_output:
            self._output_array = out.array
        out.requires_grad = True
        out._ctx = self

    def output(self):
        """The output tensor (rebuilt around the kept array if nothing holds it any more: the
        graph's edges point at this node, so the rebuilt tensor is the same point of the graph)."""
        out = self._output()
        if out is None:
            out = _rebuilt_output(self)
        elif out._version != self.output_version:
            raise_modified(self, out, "output", self.output_version)
        return out

    def check_versions(self):
        """Torch's check: a value saved for backward must not have changed in place since."""
        if self.saves_inputs:
            for i, (t, v) in enumerate(zip(self.inputs, self.versions)):
                if t._version != v:
                    raise_modified(self, t, f"input {i}", v)

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    def release(self):
        """Drop what backward needed (the graph is freed after backward, like torch's)."""
        self.__dict__.clear()
        self.released = True

    def name(self):
        """torch's name for this node (``MulBackward0``), as ``grad_fn.name()`` gives it."""
        return torch_name(type(self).__name__)

    @property
    def next_functions(self):
        """torch's view of the edges: ``(node, 0)`` per input; a leaf appears as its AccumulateGrad."""
        return tuple((None if n is None else n if isinstance(n, Function) else AccumulateGrad(n), 0)
                     for n in self.next)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


FREED_FROM = 1 << 16  # elements (see _without_values)


def _without_values(t):
    """What an op whose backward reads no input values keeps of an input made by another op: a
    tensor of the same shape, dtype, device and place in the graph (``_ctx``, ``requires_grad``)
    over one NaN broadcast to the shape, which takes no memory. So the input's own array is freed
    as soon as nothing else holds it, as torch frees what no backward saved: the conv output
    under a ReLU, for example. A backward that read the NaN by mistake would fail every gradient
    check (tests/engine/test_ops.py runs every op's checks with ``FREED_FROM = 0``). Leaves and
    constants are kept as they are (their owner holds them anyway), and so are the input of a
    view, whose output shares its memory, and arrays below ``FREED_FROM`` elements (256 KiB of
    float32): for those, making the stand-in costs more time than their memory is worth (measured
    on the MLP step), and they stay visible in viz.py's drawings, which print small tensors."""
    if t._ctx is None or t.array.size < FREED_FROM:
        return t
    xp = t._xp
    kept = t._wrap(xp.broadcast_to(xp.full((), xp.nan, dtype=t.array.dtype), t.array.shape))
    kept._ctx, kept.requires_grad = t._ctx, t.requires_grad
    return kept


def _rebuilt_output(ctx):
    out = ctx.inputs[0]._wrap(ctx._output_array)
    out._ctx, out.requires_grad = ctx, True
    ctx._output = weakref.ref(out)
    return out


def rebase(tensor, new):
    """After an in-place op wrote ``new``'s values into ``tensor``, ``tensor`` takes ``new``'s
    place in the graph: it is now the output of new's op."""
    ctx = new._ctx
    ctx._output = weakref.ref(tensor)
    ctx.output_version = tensor._version
    if ctx.saves_output:
        ctx._output_array = tensor.array
    tensor._ctx, tensor.requires_grad = ctx, True


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


def _node(tensor):
    """Where a tensor's gradient goes: its op, or the tensor itself when it is a leaf."""
    return tensor._ctx or tensor


def _graph_order(roots):
    """The nodes of the graph behind ``roots`` (ops, and leaves that need a gradient), each BEFORE
    all nodes that feed into it, so ``pop()`` from the end visits a node after every use of its
    output has passed its gradient on.

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
            if isinstance(node, Function):
                if getattr(node, "released", False):
                    raise RuntimeError(
                        "Trying to backward through the graph a second time: its saved values were "
                        "freed by the first backward. Pass retain_graph=True to the first call.")
                stack.extend((n, False) for n in node.next if n is not None and id(n) not in seen)
    return order


def run_backward(roots, seeds, visit, create_graph=False, retain_graph=None):
    """The chain rule, node by node: pop a node, hand its gradient to ``visit(node, g)``, and pass
    ``node.backward(g)`` on to the nodes that fed it.

    ``visit`` is what the caller wants done with the gradients: :func:`backward` accumulates them
    into the leaves, :func:`grad` collects those of the tensors asked for.
    """
    retain_graph = create_graph if retain_graph is None else retain_graph
    grads = {}  # id(node) -> the sum of the gradients that reached it so far
    for root, g in zip(roots, seeds):
        _add(grads, _node(root), g)
    order = _graph_order([_node(r) for r in roots])
    with set_grad_enabled(create_graph):  # create_graph: backward's own ops are recorded
        while order:  # pop, so that a finished part of the graph can be freed during backward
            node = order.pop()
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if hooks.registered[0]:  # the hooks of the tensor whose gradient g is
                g = hooks.run_hooks(node if not isinstance(node, Function) else node._output(), g)
            visit(node, g)
            if isinstance(node, Function):
                _pass_to_inputs(node, g, grads, retain_graph)
            del node, g  # nothing here may keep the processed graph alive


def _pass_to_inputs(node, g, grads, retain_graph):
    """The chain rule at one op: ``node.backward(g)`` gives one gradient per input, brought to that
    input's shape and dtype and added to what its node got from the input's other uses."""
    node.check_versions()
    if node.reuses_grad:
        node.grad_owned = not is_grad_enabled() and owned(g)
    for t, n, tg in zip(node.inputs, node.next, node.backward(g)):
        if n is not None and tg is not None:
            _add(grads, n, _fit_to(tg, t))
    if not retain_graph:
        node.release()


def _add(grads, node, g):
    key = id(node)
    grads[key] = g if key not in grads else grads[key] + g


def _fit_to(g, t):
    """The gradient of ``t`` in t's shape (broadcasting undone) and dtype (torch's rule)."""
    if g.array.shape != t.array.shape:
        g = sum_to_shape(g, t.shape)
    return g if g.array.dtype == t.array.dtype else g.to(t.dtype)


# ----- the callers: backward (into .grad) and grad (returned) -------------------------------------
def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``torch.autograd.backward`` (``Tensor.backward`` calls it): run the chain rule from
    ``tensors`` and add the gradients into the leaves' ``.grad`` (of ``inputs`` only, if given)."""
    tensors = _as_list(tensors)
    grad_tensors = [None] * len(tensors) if grad_tensors is None else _as_list(grad_tensors)
    seeds = [_seed_gradient(t, g, "backward") for t, g in zip(tensors, grad_tensors)]
    visit = accumulate_into_leaves if inputs is None else _accumulate_into(_as_list(inputs))
    run_backward(tensors, seeds, visit, create_graph, retain_graph)


def accumulate_into_leaves(node, g):
    """``backward``'s visit: ``.grad`` of leaves (and of non-leaves that ``retain_grad``) adds up
    over backward calls until it is zeroed, like torch's."""
    if isinstance(node, Function):
        out = node._output()
        if out is None or not out._retains_grad or out._ctx is not node:
            return
        node = out
    node.grad = _accumulated(node.grad, g)


def _accumulated(old, g):
    """torch's AccumulateGrad: the first gradient is stored as a tensor of its own (never a view
    that another leaf or the graph shares, so ``p.grad.zero_()`` touches only ``p``); later ones
    add into it in place, unless a graph of the gradient is being built (create_graph)."""
    if g.requires_grad:
        return g if old is None else old + g
    if old is None:
        return g if unshared(g) else type(g)._wrap(g.array.copy())
    if old.requires_grad or old.shape != g.shape or old._is_zerotensor() or not old.array.flags.writeable:
        return old + g  # a ZeroTensor .grad is immutable (zero_tensor.py): a new tensor
    old.array += g.array
    old._changed_in_place()
    return old


def _accumulate_into(inputs):
    """``backward(inputs=...)``'s visit: add into the ``.grad`` of the given tensors only."""
    chosen = {id(_node(t)): t for t in inputs}

    def visit(node, g):
        t = chosen.get(id(node))
        if t is not None:
            t.grad = _fit_to(g, t) if t.grad is None else t.grad + _fit_to(g, t)
    return visit


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (``torch.autograd.grad``); no
    ``.grad`` changes.

    ``create_graph=True`` records the graph of the gradient itself, so it can be differentiated
    again (Hessian-vector products, the Hessian of ``nni2.T2``).
    """
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    grad_outputs = [None] * len(outputs) if grad_outputs is None else _as_list(grad_outputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) does not require grad")
    wanted = {id(_node(t)): None for t in inputs}

    def collect(node, g):
        if id(node) in wanted:
            wanted[id(node)] = g

    seeds = [_seed_gradient(o, g, "grad") for o, g in zip(outputs, grad_outputs)]
    run_backward(outputs, seeds, collect, create_graph, retain_graph)
    return tuple(_collected(wanted[id(_node(t))], t, i, allow_unused) for i, t in enumerate(inputs))


def _collected(g, t, i, allow_unused):
    """What ``grad`` returns for input ``i``: its gradient in its shape and dtype, or None (if allowed)."""
    if g is None and not allow_unused:
        raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute the "
                           "outputs; pass allow_unused=True to get None for it")
    return g if g is None else _fit_to(g, t)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


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
