"""The reductions of ``Tensor``: ``sum mean var std max min amax amin argmax argmin logsumexp
log_softmax softmax all any``, with torch's arguments (``dim``, ``keepdim``, NumPy's ``axis=`` and
``keepdims=`` too) and errors. The maths is in ops/reduce.py; the dims are read by tensor_args.py.
It relies on the Tensor core for ``array``, ``shape``, ``_wrap`` and ``_xp``."""
from collections import namedtuple

import numpy as np

from .errors import EngineError
from .ops import reduce as R
from .tensor_args import dim_axes, dim_axis, keepdims_alias, require_float

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # what x.max(dim) returns


class ReductionMethods:
    """The reductions of a Tensor (a mixin: see the module docstring)."""

    __slots__ = ()

    @keepdims_alias
    def sum(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = self if dtype is None else self.to(dtype)
        return R.Sum.apply(x, axes=dim_axes(x, axis if dim is None else dim, "sum"), keepdim=keepdim)

    @keepdims_alias
    def mean(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = require_float(self, "mean") if dtype is None else self.to(dtype)
        axes = dim_axes(x, axis if dim is None else dim, "mean")
        count = int(np.prod([x.shape[a] for a in axes]))
        total = x.sum(axes, keepdim)
        if not count:
            return total * float("nan")
        return R.Mean.apply(*total._pair(float(count), floating=True))  # total / count, with torch's gradient

    @keepdims_alias
    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, _op="var"):
        """Variance with ``correction`` (1 by default: the unbiased estimate, like torch); with no
        degrees of freedom left (count <= correction) it is sum / 0: inf, or nan for 0 / 0."""
        dim = axis if dim is None else dim
        axes = dim_axes(require_float(self, _op), dim, _op)
        count = int(np.prod([self.shape[a] for a in axes]))
        correction = (1 if unbiased else 0) if correction is None else correction
        return R.Variance.apply(require_float(self, _op), axes=axes, keepdim=keepdim, dof=count - correction,
                                all_elements=dim is None or not self.ndim)

    @keepdims_alias
    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
        """sqrt(var), with torch's gradient 0 where std is 0 (a constant vector), not 0 * inf."""
        var = self.var(dim, unbiased, keepdim, correction=correction, axis=axis, _op="std")
        nonzero = var.array != 0
        return var.where(nonzero, 1.0).sqrt().where(nonzero, 0.0)

    def _extremum(self, dim, keepdim, largest, op, axis=None):
        dim = axis if dim is None else dim
        if isinstance(dim, type(self)):  # torch.max(a, b) is maximum(a, b)
            return (self.maximum if largest else self.minimum)(dim)
        if self.numel() == 0 and (dim is None or self.ndim and self.shape[dim_axis(self, dim, op)] == 0):
            raise EngineError(f"{op}: the tensor of shape {tuple(self.shape)} is empty along the reduced dim: "
                              f"no {op} to take")
        if dim is None:  # one value; ties share the gradient
            return R.Extremum.apply(self, axes=dim_axes(self, None, op), keepdim=False, largest=largest, select=True)
        axis = dim_axis(self, dim, op) if self.ndim else None
        if axis is None:  # a 0-d tensor
            return ValuesIndices(self, self._wrap(self._xp.zeros((), dtype=np.int64)))
        index = (self.array.argmax if largest else self.array.argmin)(axis=axis, keepdims=True)
        values = R.TakeAlong.apply(self, index=index, axis=axis, keepdim=keepdim)
        return ValuesIndices(values, self._wrap(index if keepdim else index.squeeze(axis)))

    @keepdims_alias
    def max(self, dim=None, keepdim=False, *, axis=None):
        return self._extremum(dim, keepdim, True, "max", axis)

    @keepdims_alias
    def min(self, dim=None, keepdim=False, *, axis=None):
        return self._extremum(dim, keepdim, False, "min", axis)

    @keepdims_alias
    def amax(self, dim=None, keepdim=False):
        return R.Extremum.apply(self, axes=dim_axes(self, dim, "amax"), keepdim=keepdim, largest=True)

    @keepdims_alias
    def amin(self, dim=None, keepdim=False):
        return R.Extremum.apply(self, axes=dim_axes(self, dim, "amin"), keepdim=keepdim, largest=False)

    @keepdims_alias
    def argmax(self, dim=None, keepdim=False, *, axis=None):
        return self._arg(dim if axis is None else axis, keepdim, self._xp.argmax)

    @keepdims_alias
    def argmin(self, dim=None, keepdim=False, *, axis=None):
        return self._arg(dim if axis is None else axis, keepdim, self._xp.argmin)

    def _arg(self, dim, keepdim, fn):
        if self.numel() == 0:
            raise EngineError(f"{fn.__name__}: the tensor of shape {tuple(self.shape)} is empty: no {fn.__name__} "
                              "to take")
        if dim is None:
            return self._wrap(fn(self.array.reshape(-1)).astype(np.int64))
        axis = dim_axis(self, dim, fn.__name__) if self.ndim else None
        return self._wrap(fn(self.array, axis=axis, keepdims=keepdim).astype(np.int64))

    @keepdims_alias
    def logsumexp(self, dim=None, keepdim=False):
        x = require_float(self, "logsumexp")
        return R.LogSumExp.apply(x, axes=dim_axes(x, dim, "logsumexp"), keepdim=keepdim)

    def log_softmax(self, dim, _op="log_softmax"):
        """x - logsumexp(x), computed on x minus its (constant) max so the subtraction is exact
        in float32 too; the shift changes neither the value nor the gradient."""
        require_float(self, _op)
        dim = dim_axis(self, dim, _op) if self.ndim else dim
        shifted = self - self.amax(dim, keepdim=True).detach() if self.numel() else self
        return shifted - shifted.logsumexp(dim, keepdim=True)

    def softmax(self, dim):
        return self.log_softmax(dim, "softmax").exp()

    def all(self):
        return self._wrap(self._xp.asarray(self.array.all()))

    def any(self):
        return self._wrap(self._xp.asarray(self.array.any()))
