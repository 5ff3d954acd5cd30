"""Datasets (torch.utils.data.dataset's names): ``Dataset``, ``TensorDataset``, ``Subset``,
``ConcatDataset``, ``random_split``.

A dataset with a ``_batch(indices)`` method (``TensorDataset``, and a ``Subset`` of one) gives a
whole batch with ONE fancy-indexing operation per tensor (``x.array[indices]``); the ``DataLoader``
uses it instead of a Python loop over samples.
"""
import bisect
import math
import warnings

import numpy as np

from ... import creation
from ...backend import array_module
from ...tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"]


class Dataset:
    """Anything with ``__getitem__(i)`` and ``__len__``; ``a + b`` concatenates, as in torch."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


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
    """The samples of ``dataset`` at ``indices``, in that order."""

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


class ConcatDataset(Dataset):
    """The samples of each dataset in turn; ``cumulative_sizes[i]`` is where dataset i ends."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping ``Subset`` s of the given lengths, or of fractions summing to 1: each
    then gets ``floor(n * fraction)`` samples and the remainder goes one by one to the splits in
    order, as torch does."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input dataset! (random_split: "
                         f"the lengths {list(lengths)} sum to {sum(lengths)}, the dataset has {n} samples)")
    order = creation.rng_of(generator).permutation(n).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start:start + length]))
        start += length
    return out
