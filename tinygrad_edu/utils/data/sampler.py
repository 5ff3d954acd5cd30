"""Samplers (torch.utils.data.sampler's names): what order a ``DataLoader`` visits a dataset in.

A sampler is an iterable of indices (a batch sampler: of lists of indices) with a length. Random
draws come from the given generator (a ``tinygrad_edu.Generator`` or a ``numpy.random.Generator``),
else from the engine's seeded one (``te.manual_seed``), looked up at each pass; the streams differ
from torch's (different generators), the distributions do not.

Each sampler here also gives its whole order at once as an int64 array (``_indices()``), so that
``BatchSampler`` and the ``DataLoader`` slice batches out of it without a Python loop per sample.
"""
import numpy as np

from ... import creation
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """The base: a subclass defines ``__iter__`` (and ``__len__`` where it has one)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def _indices(self):
        return np.fromiter(iter(self), dtype=np.int64)


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _indices(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _check_num_samples(num_samples, name="num_samples"):
    if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={num_samples}")


class RandomSampler(Sampler):
    """Without replacement: a fresh permutation each pass (``num_samples`` > n: several permutations
    one after another, the last one cut). With replacement: ``num_samples`` uniform draws."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self._num_samples, self.generator = \
            data_source, replacement, num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        _check_num_samples(self.num_samples)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self):
        n, rng = len(self.data_source), creation.rng_of(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        whole, rest = divmod(self.num_samples, n)
        parts = [rng.permutation(n) for _ in range(whole)] + ([rng.permutation(n)[:rest]] if rest else [])
        return np.concatenate(parts).astype(np.int64)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order each pass."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def _indices(self):
        order = creation.rng_of(self.generator).permutation(len(self.indices))
        return np.asarray([self.indices[i] for i in order.tolist()], dtype=np.int64)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability ``weights[i] / sum(weights)`` (with replacement by
    default; without, each draw removes its index, as ``torch.multinomial`` does)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_num_samples(num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(weights.array if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = Tensor._wrap(weights)
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def _indices(self):
        w = np.asarray(self.weights.array)
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (encountering probability "
                               "entry < 0, inf or nan)")
        if w.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot sample num_samples={self.num_samples} > "
                               f"{np.count_nonzero(w)} nonzero weights without replacement")
        rng = creation.rng_of(self.generator)
        return rng.choice(len(w), size=self.num_samples, replace=self.replacement, p=w / w.sum()).astype(np.int64)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` consecutive indices of ``sampler`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler, batch_size, drop_last):
        _check_num_samples(batch_size, "batch_size")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def _batches(self):
        """The batches as int64 arrays, sliced out of the sampler's whole order."""
        order = self.sampler._indices() if isinstance(self.sampler, Sampler) else \
            np.fromiter(iter(self.sampler), dtype=np.int64)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return [order[start:start + self.batch_size] for start in range(0, stop, self.batch_size)]

    def __iter__(self):
        return iter([batch.tolist() for batch in self._batches()])

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
