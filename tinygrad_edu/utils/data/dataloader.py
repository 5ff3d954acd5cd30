"""``DataLoader`` and ``default_collate`` (torch.utils.data.dataloader's names and behaviour).

The order comes from a sampler as in torch: ``SequentialSampler`` by default, ``RandomSampler``
with ``shuffle=True`` (a fresh permutation every epoch, from ``generator`` or the engine's seeded
generator), or the ``sampler=`` / ``batch_sampler=`` given. A dataset with ``_batch`` (a
``TensorDataset`` or a ``Subset`` of one) is indexed once per batch; any other is indexed sample by
sample and collated like torch's ``default_collate`` (tensors stacked, numbers made a tensor, tuples
and dicts collated field by field).
"""
import numpy as np

from ... import creation
from ...backend import array_module
from ...tensor import Tensor
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate"]


def default_collate(samples):
    """Stack a list of samples into a batch, field by field, like torch's default_collate."""
    first = samples[0]
    if isinstance(first, (Tensor, np.ndarray)):
        return _stacked(samples)
    if isinstance(first, (bool, int, float, np.generic)):
        return creation.tensor(np.asarray(samples, dtype=np.float64 if isinstance(first, float) else None))
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        return _collated_fields(samples)
    raise TypeError(f"default_collate: samples of type {type(first).__name__} cannot be batched")


def _stacked(samples):
    """Tensors (or NumPy arrays) stacked along a new first dim; through the graph if one requires grad."""
    first = samples[0]
    if isinstance(first, np.ndarray):
        return Tensor._wrap(np.stack(samples))
    if any(s.requires_grad for s in samples):
        return creation.stack(samples)
    return Tensor._wrap(array_module(first.array).stack([s.array for s in samples]))


def _collated_fields(samples):
    """Tuples (or lists) of fields: each field collated over the samples, in a tuple (or list)."""
    first = samples[0]
    if any(len(s) != len(first) for s in samples):
        raise RuntimeError("default_collate: each sample in the batch must have the same number of fields")
    fields = [default_collate(list(column)) for column in zip(*samples)]
    return tuple(fields) if isinstance(first, tuple) else fields


def _check_options(batch_size, shuffle, sampler, batch_sampler, drop_last):
    """torch's rules for which options go together (and its messages)."""
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
        raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
    if batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0):
        raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")


class DataLoader:
    """Batches of a dataset: ``for x, y in DataLoader(TensorDataset(X, Y), batch_size=64, shuffle=True)``.

    ``num_workers``, ``pin_memory`` and the other worker-process options are accepted for torch's
    signature and ignored (loading runs in the calling process)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, generator=None, **ignored):
        _check_options(batch_size, shuffle, sampler, batch_sampler, drop_last)
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.collate_fn = sampler, batch_sampler, collate_fn
        self.generator, self.num_workers, self.pin_memory = generator, num_workers, pin_memory

    def _batches(self):
        if self.batch_sampler is None:  # batch_size=None: samples one by one, not batched
            return iter(self.sampler)
        if isinstance(self.batch_sampler, BatchSampler):
            return iter(self.batch_sampler._batches())
        return (np.asarray(batch, dtype=np.int64) for batch in self.batch_sampler)

    def __iter__(self):
        fast = hasattr(self.dataset, "_batch") and self.collate_fn is None
        for indices in self._batches():
            if np.ndim(indices) == 0:
                yield self.dataset[int(indices)]
            elif fast:
                yield self.dataset._batch(indices)
            else:
                samples = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(samples)

    def __len__(self):
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
