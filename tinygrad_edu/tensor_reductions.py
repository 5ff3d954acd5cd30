"""The reductions of ``Tensor`` (sum, mean, var, max, logsumexp, softmax, ...), kept apart from
tensor.py so that each file reads at a glance. The maths is in ops/reduce.py."""
from collections import namedtuple

import numpy as np

from .autograd import EngineError, EngineIndexError
from .ops import reduce as R

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # what x.max(dim) returns


class ReductionMethods:
    __slots__ = ()

    def _axes(self, dim, op):
        """``dim`` (None, an int or a tuple, negative allowed) as a sorted tuple of axes."""
        if dim is None:
            return tuple(range(self.ndim))
        if type(dim) is int and 0 <= dim < self.ndim:  # the common case, quickly
            return (dim,)
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        n = max(self.ndim, 1)
        axes = []
        for d in dims:
            if not isinstance(d, (int, np.integer)) or not -n <= d < n:
                raise EngineIndexError(f"{op}: dim {d!r} is out of range for a tensor of shape {tuple(self.shape)} "
                                       f"(expected an int in [{-n}, {n - 1}])")
            axes.append(int(d) % n)
        if self.ndim == 0:
            return ()
        return tuple(sorted(set(axes)))

    def sum(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = self if dtype is None else self.to(dtype)
        return R.Sum.apply(x, axes=x._axes(axis if dim is None else dim, "sum"), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = self._float("mean") if dtype is None else self.to(dtype)
        axes = x._axes(axis if dim is None else dim, "mean")
        count = int(np.prod([x.shape[a] for a in axes]))
        return x.sum(axes, keepdim) / float(count) if count else x.sum(axes, keepdim) * float("nan")

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
        """Variance with ``correction`` (1 by default: the unbiased estimate, like torch); with no
        degrees of freedom left (count <= correction) it is sum / 0: inf, or nan for 0 / 0."""
        dim = axis if dim is None else dim
        axes = self._axes(dim, "var")
        count = int(np.prod([self.shape[a] for a in axes]))
        correction = (1 if unbiased else 0) if correction is None else correction
        return R.Variance.apply(self._float("var"), axes=axes, keepdim=keepdim, dof=count - correction,
                                all_elements=dim is None or not self.ndim)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
        """sqrt(var), with torch's gradient 0 where std is 0 (a constant vector), not 0 * inf."""
        var = self.var(dim, unbiased, keepdim, correction=correction, axis=axis)
        nonzero = var.array != 0
        return var.where(nonzero, 1.0).sqrt().where(nonzero, 0.0)

    def _extremum(self, dim, keepdim, largest, op, axis=None):
        dim = axis if dim is None else dim
        if isinstance(dim, type(self)):  # torch.max(a, b) is maximum(a, b)
            return (self.maximum if largest else self.minimum)(dim)
        if self.numel() == 0 and (dim is None or self.ndim and self.shape[self._axes(dim, op)[0]] == 0):
            raise EngineError(f"{op}: the tensor of shape {tuple(self.shape)} is empty along the reduced dim: "
                              f"no {op} to take")
        if dim is None:  # one value; ties share the gradient
            return R.Extremum.apply(self, axes=self._axes(None, op), keepdim=False, largest=largest, select=True)
        (axis,) = self._axes(dim, op) or (None,)
        if axis is None:  # a 0-d tensor
            return ValuesIndices(self, self._wrap(self._xp.zeros((), dtype=np.int64)))
        index = (self.array.argmax if largest else self.array.argmin)(axis=axis, keepdims=True)
        values = R.TakeAlong.apply(self, index=index, axis=axis, keepdim=keepdim)
        return ValuesIndices(values, self._wrap(index if keepdim else index.squeeze(axis)))

    def max(self, dim=None, keepdim=False, *, axis=None):
        return self._extremum(dim, keepdim, True, "max", axis)

    def min(self, dim=None, keepdim=False, *, axis=None):
        return self._extremum(dim, keepdim, False, "min", axis)

    def amax(self, dim=None, keepdim=False):
        return R.Extremum.apply(self, axes=self._axes(dim, "amax"), keepdim=keepdim, largest=True)

    def amin(self, dim=None, keepdim=False):
        return R.Extremum.apply(self, axes=self._axes(dim, "amin"), keepdim=keepdim, largest=False)

    def argmax(self, dim=None, keepdim=False, *, axis=None):
        return self._arg(dim if axis is None else axis, keepdim, self._xp.argmax)

    def argmin(self, dim=None, keepdim=False, *, axis=None):
        return self._arg(dim if axis is None else axis, keepdim, self._xp.argmin)

    def _arg(self, dim, keepdim, fn):
        if dim is None:
            return self._wrap(fn(self.array.reshape(-1)).astype(np.int64))
        (axis,) = self._axes(dim, fn.__name__)
        return self._wrap(fn(self.array, axis=axis, keepdims=keepdim).astype(np.int64))

    def logsumexp(self, dim=None, keepdim=False):
        return R.LogSumExp.apply(self._float("logsumexp"), axes=self._axes(dim, "logsumexp"), keepdim=keepdim)

    def log_softmax(self, dim):
        """x - logsumexp(x), computed on x minus its (constant) max so the subtraction is exact
        in float32 too; the shift changes neither the value nor the gradient."""
        shifted = self - self.amax(dim, keepdim=True).detach() if self.numel() else self
        return shifted - shifted.logsumexp(dim, keepdim=True)

    def softmax(self, dim):
        return self.log_softmax(dim).exp()

    def all(self):
        return self._wrap(self._xp.asarray(self.array.all()))

    def any(self):
        return self._wrap(self._xp.asarray(self.array.any()))
