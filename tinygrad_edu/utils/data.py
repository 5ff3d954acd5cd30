"""``Dataset``, ``TensorDataset``, ``DataLoader``, ``random_split``: torch.utils.data's names and behaviour.

``DataLoader`` over a ``TensorDataset`` (or a ``Subset`` of one) takes each batch with ONE fancy-indexing operation per tensor
(``x.array[indices]``), never a Python loop over samples; any other dataset is indexed sample by
sample and collated like torch's ``default_collate`` (tensors stacked, numbers made a tensor, tuples
and dicts collated field by field). Shuffling draws a fresh permutation every epoch from the given
generator, or from the engine's seeded generator (``te.manual_seed``).
"""
import math

import numpy as np

from .. import creation
from ..backend import array_module
from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "DataLoader", "Subset", "random_split", "default_collate"]


class Dataset:
    """Anything with ``__getitem__(i)`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors (all with the same first dimension)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        n = tensors[0].shape[0]
        for i, t in enumerate(tensors):
            if t.shape[0] != n:
                raise ValueError(f"TensorDataset: size mismatch between tensors: tensor 0 has {n} rows, tensor {i} "
                                 f"has shape {tuple(t.shape)}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _batch(self, indices):
        """The samples at ``indices`` (an int64 array), one fancy index per tensor."""
        out = []
        for t in self.tensors:
            if isinstance(t, Tensor) and not t.requires_grad:
                xp = array_module(t.array)
                out.append(Tensor._wrap(t.array[indices if xp is np else xp.asarray(indices)]))
            else:
                out.append(t[indices])
        return tuple(out)


class Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)

    def __getattr__(self, name):
        # a Subset of a TensorDataset (random_split's output) keeps the fast batched path
        if name == "_batch" and hasattr(self.__dict__.get("dataset"), "_batch"):
            indices = np.asarray(self.indices, dtype=np.int64)
            return lambda batch: self.dataset._batch(indices[batch])
        raise AttributeError(name)


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping ``Subset`` s of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {list(lengths)} do not sum to the dataset's length {n}")
    order = _rng(generator).permutation(n).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start:start + length]))
        start += length
    return out


def _rng(generator):
    if generator is None:
        return creation._generator  # looked up now: te.manual_seed rebinds it
    return getattr(generator, "_rng", generator)  # a tinygrad_edu Generator or a numpy Generator


def default_collate(samples):
    """Stack a list of samples into a batch, field by field, like torch's default_collate."""
    first = samples[0]
    if isinstance(first, Tensor):
        return creation.stack(samples) if any(s.requires_grad for s in samples) else \
            Tensor._wrap(array_module(first.array).stack([s.array for s in samples]))
    if isinstance(first, np.ndarray):
        return Tensor._wrap(np.stack(samples))
    if isinstance(first, (bool, int, float, np.generic)):
        return creation.tensor(np.asarray(samples, dtype=np.float64 if isinstance(first, float) else None))
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("default_collate: each sample in the batch must have the same number of fields")
        fields = [default_collate(list(column)) for column in zip(*samples)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(f"default_collate: samples of type {type(first).__name__} cannot be batched")


class DataLoader:
    """Batches of a dataset: ``for x, y in DataLoader(TensorDataset(X, Y), batch_size=64, shuffle=True)``.

    ``num_workers`` and ``pin_memory`` are accepted for torch's signature and ignored (loading runs in
    the calling process)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, generator=None, **ignored):
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.sampler, self.batch_sampler, self.collate_fn = sampler, batch_sampler, collate_fn
        self.generator, self.num_workers, self.pin_memory = generator, num_workers, pin_memory

    def _order(self):
        n = len(self.dataset)
        if self.sampler is not None:
            return np.asarray(list(iter(self.sampler)), dtype=np.int64)
        if self.shuffle:
            return np.asarray(_rng(self.generator).permutation(n), dtype=np.int64)
        return np.arange(n, dtype=np.int64)

    def _batches(self):
        if self.batch_sampler is not None:
            for batch in self.batch_sampler:
                yield np.asarray(batch, dtype=np.int64)
            return
        order = self._order()
        if self.batch_size is None:
            yield from order
            return
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size]

    def __iter__(self):
        fast = hasattr(self.dataset, "_batch") and self.collate_fn is None
        for indices in self._batches():
            if np.ndim(indices) == 0:  # batch_size=None: samples one by one, not batched
                yield self.dataset[int(indices)]
            elif fast:
                yield self.dataset._batch(indices)
            else:
                samples = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(samples)

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
