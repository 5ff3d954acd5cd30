"""torch's ``autograd.Function`` API, for a student's own op written as in torch:

    class MyReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * (x > 0)

    y = MyReLU.apply(x)

A subclass of the engine's ``Function`` whose ``forward`` is a staticmethod is such a function
(``Function.apply`` sends it here). Its forward runs on Tensors with the graph off; a node of
``CustomNode`` (which is the ``ctx`` both methods see) joins the graph, and its backward calls the
user's ``backward`` with Tensors, so gradients of gradients work when that backward is written
with differentiable ops. One output tensor per function (torch allows several).
"""
from . import autograd
from .errors import raise_modified


class CustomNode(autograd.Function):
    """The graph node of one call of a custom Function, and the ``ctx`` of its forward/backward."""

    saves_inputs = False  # ctx.saved_tensors checks the versions of what was saved instead

    def __init__(self, fn, args):
        self.fn = fn
        self.arg_is_tensor = tuple(hasattr(a, "requires_grad") for a in args)
        self.needs_input_grad = tuple(bool(getattr(a, "requires_grad", False)) for a in args)
        self.to_save, self.saved_versions, self.non_differentiable = (), (), ()

    # ----- what torch's ctx offers ----------------------------------------------------------
    def save_for_backward(self, *tensors):
        self.to_save = tensors
        self.saved_versions = tuple(None if t is None else t._version for t in tensors)

    @property
    def saved_tensors(self):
        for i, (t, v) in enumerate(zip(self.to_save, self.saved_versions)):
            if t is not None and t._version != v:
                raise_modified(self, t, f"saved tensor {i}", v)
        return self.to_save

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        if not value:
            raise NotImplementedError("not supported in tinygrad_edu: set_materialize_grads(False) "
                                      "(the engine always passes a gradient tensor)")

    def mark_dirty(self, *tensors):
        raise NotImplementedError("not supported in tinygrad_edu: ctx.mark_dirty (a custom Function that "
                                  "changes its inputs in place); return a new tensor instead")

    # ----- the node's side --------------------------------------------------------------------
    def backward(self, g):
        grads = self.fn.backward(self, g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.arg_is_tensor):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {len(self.arg_is_tensor)}, got {len(grads)})")
        return tuple(gr for gr, is_tensor in zip(grads, self.arg_is_tensor) if is_tensor)

    def release(self):
        fn = self.fn
        super().release()
        self.fn = fn  # the name stays readable after backward, as in torch

    def name(self):
        return f"{self.fn.__name__}Backward"


def apply_custom(fn, args, kwargs):
    """``fn.apply(*args)``: run the user's forward without a graph, then record one node for it."""
    node = CustomNode(fn, args)
    with autograd.no_grad():
        if _has_setup_context(fn):
            out = fn.forward(*args, **kwargs)
            fn.setup_context(node, args, out)
        else:
            out = fn.forward(node, *args, **kwargs)
    if not hasattr(out, "requires_grad"):
        raise NotImplementedError(f"not supported in tinygrad_edu: {fn.__name__}.forward returned "
                                  f"{type(out).__name__}; a custom Function must return one Tensor")
    if any(out is a for a in args):
        out = out.detach()  # a new tensor object on the same storage, so the input keeps its place
    tensors = tuple(a for a in args if hasattr(a, "requires_grad"))
    recorded = (autograd.is_grad_enabled() and any(t.requires_grad for t in tensors)
                and out.dtype.kind == "f" and not any(out is t for t in node.non_differentiable))
    if recorded:
        node._record(tensors, out)
    return out


def _has_setup_context(fn):
    """torch's newer style: ``forward(*args)`` without ctx, and ``setup_context(ctx, inputs, output)``."""
    return hasattr(fn, "setup_context")
