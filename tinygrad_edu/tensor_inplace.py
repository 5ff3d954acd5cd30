"""The in-place methods of ``Tensor`` (``add_``, ``-=``, ``zero_``, ``fill_``, ``copy_``, ``x[i] = v``,
...) and what they rest on: the storage (``.data``), views and the version counter (``_version``,
which autograd's version check reads), with torch's rules.

An in-place op writes its result into the tensor's own storage, so every view of it (a slice, a
reshape) sees the change, and it counts one more version (``_version``). Torch's rules hold:

- on a leaf that requires grad, while gradients are recorded, it is an error (do it inside
  ``no_grad()``, as optimizers do);
- on a tensor that is part of a graph, the op is recorded: the tensor becomes the output of the
  new op, whose input is a copy of the old value (earlier uses keep their own edges to the old
  value, see ``Function.next``);
- a value that an op saved for its backward and that is then changed makes that backward raise
  (the version check in ``autograd.py``), never a wrong gradient.

Each method computes its result with the out-of-place op of the same name, then writes it back:
one definition of every op's maths, and the same dtype and broadcasting rules as torch's. It relies
on the Tensor core for ``array``, ``_ctx``, ``_vbox``, ``_base``, ``_wrap``, ``_xp`` and
``_operand``.
"""
from . import autograd
from .ops import movement as M
from .tensor_args import normalise_index


def _can_cast(source, target):
    """torch's rule for writing a result back in place: never float -> integer, nor to bool."""
    if target.kind == "b":
        return source.kind == "b"
    return not (target.kind in "iu" and source.kind == "f")


class InplaceMethods:
    """The in-place methods and the storage of a Tensor (a mixin: see the module docstring)."""

    __slots__ = ()

    # ----- storage: .data, views and the version counter -------------------------------------
    # ``array`` is the raw NumPy (or CuPy) array: the engine's own code reads and writes it.
    # ``data`` is torch's: a tensor on the same storage with no graph.

    @property
    def data(self):
        """The same storage as a tensor with no graph and ``requires_grad=False`` (torch's
        ``.data``: changes through it are not tracked by autograd)."""
        return self._wrap(self.array)  # a Parameter's _wrap gives a plain Tensor, as torch's .data

    @data.setter
    def data(self, value):
        if not hasattr(value, "requires_grad"):
            raise TypeError(f"data: expected a Tensor to assign to .data, got {type(value).__name__}")
        self.array = value.array

    @property
    def _version(self):
        """How many times the storage was changed in place (torch's ``_version``)."""
        return self._vbox[0] if self._vbox is not None else 0

    def _version_box(self):
        if self._vbox is None:
            self._vbox = [0]
        return self._vbox

    def _share_storage(self, view):
        """``view`` was made from self's memory (a reshape, a slice, ...): one version counter."""
        if getattr(view.array, "base", None) is not None:
            view._vbox = self._version_box()
            view._base = self if self._base is None else self._base

    def _inplace(self, op, compute, *others):
        """Replace self's values by ``compute(self)`` (an out-of-place Tensor result)."""
        recording = autograd.is_grad_enabled()
        if self._ctx is None:
            self._check_leaf(op)
        graph = recording and (self.requires_grad or any(getattr(o, "requires_grad", False) for o in others))
        if not graph:
            self._write(compute(self), op)
            return self
        self._check_not_a_view_in_graph(op)
        old = self._snapshot()
        new = compute(old)
        self._write(new, op)
        if new.requires_grad:
            autograd.rebase(self, new)
        return self

    def _check_not_a_view_in_graph(self, op):
        base = self._base
        if base is None:
            return
        if base.requires_grad and base._ctx is None:
            raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation")
        raise RuntimeError(f"not supported in tinygrad_edu: {op} on a view (a slice or reshape, shape "
                           f"{tuple(self.shape)}) of a tensor that is part of a graph; write the result "
                           "out of place (torch.cat, torch.where, x = x + ...) or change the whole tensor")

    def _snapshot(self):
        """The value before an in-place op, as its own tensor in the graph (a copy: the op may
        save it for backward while the storage is overwritten)."""
        old = type(self)._wrap(self.array.copy())
        old._ctx, old.requires_grad = self._ctx, self.requires_grad
        return old

    def _write(self, new, op):
        """Copy ``new`` into self's storage (no broadcasting of self, no unsafe cast, like torch)."""
        if new.shape != self.shape:
            raise RuntimeError(f"{op}: output with shape {tuple(self.shape)} doesn't match the broadcast "
                              f"shape {tuple(new.shape)}")
        if not _can_cast(new.dtype, self.dtype):
            raise RuntimeError(f"{op}: result type {new.dtype} can't be cast to the desired output type "
                               f"{self.dtype}")
        try:
            self.array[...] = new.array
        except ValueError as error:  # a read-only (broadcast) array
            raise RuntimeError(f"{op}: unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location (an expand()); clone() it "
                               "first") from error
        self._version_box()[0] += 1

    def _changed_in_place(self):
        """Count a change that engine code wrote straight into ``array`` (optimizers, init)."""
        self._version_box()[0] += 1
        return self

    # ----- arithmetic: self op= other ------------------------------------------------------
    def add_(self, other, *, alpha=1):
        if alpha == 1 and self._into_storage("add", other):
            return self
        return self._inplace("add_", lambda s: s.add(other, alpha=alpha), other)

    def sub_(self, other, *, alpha=1):
        if alpha == 1 and self._into_storage("subtract", other):
            return self
        return self._inplace("sub_", lambda s: s.sub(other, alpha=alpha), other)

    def mul_(self, other):
        if self._into_storage("multiply", other):
            return self
        return self._inplace("mul_", lambda s: s * other, other)

    def div_(self, other):
        if self._into_storage("true_divide", other):
            return self
        return self._inplace("div_", lambda s: s / other, other)

    def _into_storage(self, ufunc, other):
        """``self op= other`` computed straight into the storage (the array function ``ufunc`` with
        ``out=``, no temporary, as torch's in-place ops) in the common case: no graph to record,
        ``other`` a tensor of self's floating dtype and device, of self's shape or 0-d. The values
        are those of the out-of-place op. Returns False (nothing done) for every other case, which
        ``_inplace`` handles with torch's rules and errors."""
        a, b = self.array, getattr(other, "array", None)
        if (b is None or b.dtype != a.dtype or a.dtype.kind != "f" or type(b) is not type(a)
                or (b.shape != a.shape and b.ndim) or not a.flags.writeable):
            return False
        if autograd.is_grad_enabled() and (self.requires_grad or other.requires_grad):
            return False
        getattr(self._xp, ufunc)(a, b, out=a)
        self._version_box()[0] += 1
        return True

    def pow_(self, exponent):
        return self._inplace("pow_", lambda s: s ** exponent, exponent)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self._inplace("addcmul_", lambda s: s + tensor1 * tensor2 * value, tensor1, tensor2)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self._inplace("addcdiv_", lambda s: s + tensor1 / tensor2 * value, tensor1, tensor2)

    def lerp_(self, end, weight):
        return self._inplace("lerp_", lambda s: s + (end - s) * weight, end, weight)

    def clamp_(self, min=None, max=None):
        return self._inplace("clamp_", lambda s: s.clamp(min, max), min, max)

    clip_ = clamp_

    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)
    def __itruediv__(self, other): return self.div_(other)
    def __ipow__(self, other): return self.pow_(other)
    def __imatmul__(self, other): return self._inplace("matmul_", lambda s: s @ other, other)

    # ----- functions: self = f(self) ---------------------------------------------------------
    def neg_(self): return self._inplace("neg_", lambda s: -s)
    def exp_(self): return self._inplace("exp_", lambda s: s.exp())
    def log_(self): return self._inplace("log_", lambda s: s.log())
    def sqrt_(self): return self._inplace("sqrt_", lambda s: s.sqrt())
    def rsqrt_(self): return self._inplace("rsqrt_", lambda s: s.rsqrt())
    def abs_(self): return self._inplace("abs_", lambda s: s.abs())
    def square_(self): return self._inplace("square_", lambda s: s.square())
    def reciprocal_(self): return self._inplace("reciprocal_", lambda s: s.reciprocal())
    def sigmoid_(self): return self._inplace("sigmoid_", lambda s: s.sigmoid())
    def tanh_(self): return self._inplace("tanh_", lambda s: s.tanh())
    def relu_(self): return self._inplace("relu_", lambda s: s.relu())

    # ----- filling -----------------------------------------------------------------------------
    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        """Every element set to ``value`` (a number, or a 0-d tensor whose gradient flows)."""
        if getattr(value, "ndim", 0) != 0:
            raise RuntimeError(f"fill_: only supports a 0-dimension value tensor, got shape {tuple(value.shape)}")
        return self._inplace("fill_", lambda s: s._filled(value), value)

    def _filled(self, value):
        if hasattr(value, "requires_grad"):
            return value.to(self.dtype).expand(self.shape).clone()
        return type(self)._wrap(self._xp.full(self.shape, value, dtype=self.dtype))

    def copy_(self, src, non_blocking=False):
        """self's values from ``src`` (broadcast to self's shape, any dtype: copy_ casts)."""
        src = self._operand(src)
        if src.ndim > self.ndim or any(n not in (1, m) for n, m in zip(src.shape[::-1], self.shape[::-1])):
            raise RuntimeError(f"copy_: the source of shape {tuple(src.shape)} can't be broadcast to the "
                              f"destination's shape {tuple(self.shape)}")
        return self._inplace("copy_", lambda s: src.to(s.dtype, device=s.device).expand(s.shape).clone(), src)

    def __setitem__(self, index, value):
        """``x[index] = value`` in place; in a graph the gradient flows to ``value`` through the
        written elements and to the old ``x`` elsewhere."""
        index = normalise_index(index, self, "setitem")
        value = self._operand(value)
        self._inplace("setitem", lambda s: M.IndexPut.apply(s, value.to(s.dtype, device=s.device), index=index),
                      value)

    def masked_fill_(self, mask, value):
        return self._inplace("masked_fill_", lambda s: s.masked_fill(mask, value), value)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Samples of U(a, b) from the engine's seeded generator (``manual_seed``)."""
        from .nn import init
        self._check_leaf("uniform_")
        return init.uniform_(self, a, b, generator)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Samples of N(mean, std^2) from the engine's seeded generator."""
        from .nn import init
        self._check_leaf("normal_")
        return init.normal_(self, mean, std, generator)

    def _check_leaf(self, op):
        if autograd.is_grad_enabled() and self.requires_grad:
            raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place "
                               "operation (do it inside `with torch.no_grad():`, or on a .clone())")
