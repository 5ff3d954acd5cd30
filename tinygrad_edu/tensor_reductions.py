"""The reductions of ``Tensor`` (sum, mean, var, max, logsumexp, softmax, ...), kept apart from
tensor.py so that each file reads at a glance. The maths is in ops/reduce.py."""
from collections import namedtuple

import numpy as np

from .autograd import EngineError, EngineIndexError, EngineTypeError
from .ops import reduce as R

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # what x.max(dim) returns


def _keepdims_alias(method):
    """torch also takes NumPy's spelling ``keepdims=`` for ``keepdim=``."""
    def reduction(self, *args, **kwargs):
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return method(self, *args, **kwargs)
    reduction.__name__, reduction.__doc__, reduction.__wrapped__ = method.__name__, method.__doc__, method
    return reduction


class ReductionMethods:
    __slots__ = ()

    def _axes(self, dim, op):
        """``dim`` (None, an int or a tuple, negative allowed) as a sorted tuple of axes; ``()``
        means every axis, as in torch."""
        if dim is None:
            return tuple(range(self.ndim))
        if type(dim) is int and 0 <= dim < self.ndim:  # the common case, quickly
            return (dim,)
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        if not dims:
            return tuple(range(self.ndim))
        axes = [self._axis(d, op) for d in dims]
        if len(set(axes)) != len(axes):
            repeated = next(d for d, a in zip(dims, axes) if axes.count(a) > 1)
            raise EngineError(f"{op}: dim {repeated} appears multiple times in the list of dims {tuple(dims)}")
        return tuple(sorted(axes)) if self.ndim else ()

    def _axis(self, dim, op):
        """One ``dim`` (an int, negative allowed; a 0-d tensor takes 0 or -1) as an axis."""
        if type(dim) is int and 0 <= dim < self.ndim:  # the common case, quickly
            return dim
        n = max(self.ndim, 1)
        if isinstance(dim, (tuple, list)):
            raise EngineTypeError(f"{op}: expected one int dim, got {dim!r} (a tuple of dims is not accepted "
                                  f"by {op}; reduce one dim at a time)")
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or not -n <= dim < n:
            raise EngineIndexError(f"{op}: dim {dim!r} is out of range for a tensor of shape {tuple(self.shape)} "
                                   f"(expected an int in [{-n}, {n - 1}])")
        return int(dim) % n

    def sum(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = self if dtype is None else self.to(dtype)
        return R.Sum.apply(x, axes=x._axes(axis if dim is None else dim, "sum"), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, dtype=None):
        x = self._float("mean") if dtype is None else self.to(dtype)
        axes = x._axes(axis if dim is None else dim, "mean")
        count = int(np.prod([x.shape[a] for a in axes]))
        return x.sum(axes, keepdim) / float(count) if count else x.sum(axes, keepdim) * float("nan")

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, _op="var"):
        """Variance with ``correction`` (1 by default: the unbiased estimate, like torch); with no
        degrees of freedom left (count <= correction) it is sum / 0: inf, or nan for 0 / 0."""
        dim = axis if dim is None else dim
        axes = self._float(_op)._axes(dim, _op)
        count = int(np.prod([self.shape[a] for a in axes]))
        correction = (1 if unbiased else 0) if correction is None else correction
        return R.Variance.apply(self._float(_op), axes=axes, keepdim=keepdim, dof=count - correction,
                                all_elements=dim is None or not self.ndim)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
        """sqrt(var), with torch's gradient 0 where std is 0 (a constant vector), not 0 * inf."""
        var = self.var(dim, unbiased, keepdim, correction=correction, axis=axis, _op="std")
        nonzero = var.array != 0
        return var.where(nonzero, 1.0).sqrt().where(nonzero, 0.0)

    def _extremum(self, dim, keepdim, largest, op, axis=None):
        dim = axis if dim is None else dim
        if isinstance(dim, type(self)):  # torch.max(a, b) is maximum(a, b)
            return (self.maximum if largest else self.minimum)(dim)
        if self.numel() == 0 and (dim is None or self.ndim and self.shape[self._axis(dim, op)] == 0):
            raise EngineError(f"{op}: the tensor of shape {tuple(self.shape)} is empty along the reduced dim: "
                              f"no {op} to take")
        if dim is None:  # one value; ties share the gradient
            return R.Extremum.apply(self, axes=self._axes(None, op), keepdim=False, largest=largest, select=True)
        axis = self._axis(dim, op) if self.ndim else None
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
        if self.numel() == 0:
            raise EngineError(f"{fn.__name__}: the tensor of shape {tuple(self.shape)} is empty: no {fn.__name__} "
                              "to take")
        if dim is None:
            return self._wrap(fn(self.array.reshape(-1)).astype(np.int64))
        axis = self._axis(dim, fn.__name__) if self.ndim else None
        return self._wrap(fn(self.array, axis=axis, keepdims=keepdim).astype(np.int64))

    def logsumexp(self, dim=None, keepdim=False):
        return R.LogSumExp.apply(self._float("logsumexp"), axes=self._axes(dim, "logsumexp"), keepdim=keepdim)

    def log_softmax(self, dim, _op="log_softmax"):
        """x - logsumexp(x), computed on x minus its (constant) max so the subtraction is exact
        in float32 too; the shift changes neither the value nor the gradient."""
        self._float(_op)
        dim = self._axis(dim, _op) if self.ndim else dim
        shifted = self - self.amax(dim, keepdim=True).detach() if self.numel() else self
        return shifted - shifted.logsumexp(dim, keepdim=True)

    def softmax(self, dim):
        return self.log_softmax(dim, "softmax").exp()

    def all(self):
        return self._wrap(self._xp.asarray(self.array.all()))

    def any(self):
        return self._wrap(self._xp.asarray(self.array.any()))
