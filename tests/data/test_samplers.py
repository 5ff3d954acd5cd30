"""tinygrad_edu.utils.data's samplers, ``ConcatDataset``, ``Subset``, ``random_split`` and
``DataLoader(sampler=..., batch_sampler=...)`` against torch.utils.data.

The random streams differ (different generators), so random samplers are checked for what torch's
also satisfy: coverage, lengths, one permutation per pass, the frequencies of weighted draws; the
deterministic parts (sequential order, batching, lengths, fractional split sizes, error messages)
must equal torch's.
"""
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu.torch_compat import Generator
from tinygrad_edu.utils import data as D

torch = pytest.importorskip("torch")
T = torch.utils.data


def _pair(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n)
    return D.TensorDataset(te.tensor(x), te.tensor(y)), T.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


def _batches(loader):
    return [[np.asarray(t.array if isinstance(t, te.Tensor) else t.numpy()).tolist() for t in batch]
            for batch in loader]


def test_sequential_sampler_and_batch_sampler_equal_torchs():
    assert list(D.SequentialSampler(range(7))) == list(T.SequentialSampler(range(7)))
    assert len(D.SequentialSampler(range(7))) == 7
    for size in (1, 3, 4, 7, 9):
        for drop_last in (False, True):
            ours = D.BatchSampler(D.SequentialSampler(range(10)), size, drop_last)
            theirs = T.BatchSampler(T.SequentialSampler(range(10)), size, drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(D.BatchSampler([5, 3, 1, 0], 3, False)) == list(T.BatchSampler([5, 3, 1, 0], 3, False))


@pytest.mark.parametrize("num_samples", [None, 4, 10, 25])
def test_random_sampler_without_replacement_is_one_permutation_per_pass(num_samples):
    n = 10
    for lib in (D, T):
        sampler = lib.RandomSampler(range(n), num_samples=num_samples)
        order = list(sampler)
        total = num_samples or n
        assert len(order) == len(sampler) == total
        for start in range(0, total, n):  # each block of n is a permutation, the last one cut
            block = order[start:start + n]
            assert len(set(block)) == len(block) and set(block) <= set(range(n))
    te.manual_seed(5)
    first = list(D.RandomSampler(range(n)))
    te.manual_seed(5)
    assert list(D.RandomSampler(range(n))) == first  # the engine's seed decides the order
    sampler = D.RandomSampler(range(n))
    assert list(sampler) != list(sampler)  # a fresh order each pass (could repeat with chance 1/10!)


def test_random_sampler_with_replacement_is_uniform():
    draws = np.asarray(list(D.RandomSampler(range(5), replacement=True, num_samples=20000,
                                            generator=Generator().manual_seed(0))))
    theirs = np.asarray(list(T.RandomSampler(range(5), replacement=True, num_samples=20000)))
    assert len(draws) == len(theirs) == 20000
    for d in (draws, theirs):
        assert set(d.tolist()) == set(range(5))
        np.testing.assert_allclose(np.bincount(d, minlength=5) / 20000, 0.2, atol=0.015)


def test_subset_random_sampler_covers_its_indices():
    indices = [7, 3, 11, 0, 5]
    for lib in (D, T):
        sampler = lib.SubsetRandomSampler(indices)
        order = list(sampler)
        assert sorted(order) == sorted(indices) and len(sampler) == 5
    a = list(D.SubsetRandomSampler(indices, generator=Generator().manual_seed(2)))
    assert list(D.SubsetRandomSampler(indices, generator=Generator().manual_seed(2))) == a


def test_weighted_random_sampler_draws_in_proportion():
    weights = [0.1, 0.0, 0.6, 0.3]
    n = 40000
    ours = np.asarray(list(D.WeightedRandomSampler(weights, n, generator=Generator().manual_seed(1))))
    theirs = np.asarray(list(T.WeightedRandomSampler(weights, n)))
    for d in (ours, theirs):
        assert len(d) == n and 1 not in set(d.tolist())
        np.testing.assert_allclose(np.bincount(d, minlength=4) / n, weights, atol=0.01)
    for lib in (D, T):  # without replacement: distinct, zero weights never drawn
        order = list(lib.WeightedRandomSampler(weights, 3, replacement=False))
        assert sorted(order) == [0, 2, 3]
    first_draws = [list(D.WeightedRandomSampler([1.0, 100.0, 1.0], 2, replacement=False))[0] for _ in range(200)]
    assert first_draws.count(1) > 180  # successive draws: the heavy index comes first almost always
    assert len(D.WeightedRandomSampler(weights, 7)) == 7
    with pytest.raises(RuntimeError, match="cannot sample num_samples=4 > 3 nonzero weights without replacement"):
        list(D.WeightedRandomSampler(weights, 4, replacement=False))


@pytest.mark.parametrize("make", [
    lambda L: L.RandomSampler(range(3), replacement=1),
    lambda L: L.RandomSampler(range(3), num_samples=0),
    lambda L: L.WeightedRandomSampler([1.0, 2.0], 0),
    lambda L: L.WeightedRandomSampler([1.0, 2.0], 2, replacement="yes"),
    lambda L: L.WeightedRandomSampler([[1.0, 2.0]], 2),
    lambda L: L.BatchSampler(range(3), 0, False),
    lambda L: L.BatchSampler(range(3), 2, drop_last=None),
], ids=["replacement", "num_samples", "weighted-num_samples", "weighted-replacement", "weights-2d",
        "batch_size", "drop_last"])
def test_sampler_errors_are_torchs(make):
    with pytest.raises((TypeError, ValueError)) as theirs:
        make(T)
    with pytest.raises(type(theirs.value)) as ours:
        make(D)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kind", ["sequential", "list", "batch_sampler", "batch_sampler-list", "subset-random",
                                  "batch_size-None"])
def test_data_loader_takes_samplers_like_torch(kind):
    ours_ds, theirs_ds = _pair(10)

    def loader(lib, ds):
        if kind == "sequential":
            return lib.DataLoader(ds, batch_size=4, sampler=lib.SequentialSampler(ds))
        if kind == "list":
            return lib.DataLoader(ds, batch_size=3, sampler=[9, 0, 4, 4, 2], drop_last=True)
        if kind == "batch_sampler":
            return lib.DataLoader(ds, batch_sampler=lib.BatchSampler(lib.SequentialSampler(ds), 4, True))
        if kind == "batch_sampler-list":
            return lib.DataLoader(ds, batch_sampler=[[1, 2], [9], [0, 0, 3]])
        if kind == "batch_size-None":
            return lib.DataLoader(ds, batch_size=None, sampler=[3, 1])
        return lib.DataLoader(ds, batch_size=4, sampler=lib.SubsetRandomSampler([1, 5, 6, 8, 9]))

    ours, theirs = loader(D, ours_ds), loader(T, theirs_ds)
    assert len(ours) == len(theirs)
    assert (ours.batch_size, ours.drop_last) == (theirs.batch_size, theirs.drop_last)
    got, want = _batches(ours), _batches(theirs)
    if kind == "subset-random":
        assert [len(b[1]) for b in got] == [len(b[1]) for b in want]
        assert sorted(sum((b[1] for b in got), [])) == [1, 5, 6, 8, 9]
    else:
        assert got == want


def test_data_loader_builds_torchs_samplers():
    ours_ds, theirs_ds = _pair(10)
    for shuffle in (False, True):
        ours, theirs = D.DataLoader(ours_ds, batch_size=3, shuffle=shuffle), T.DataLoader(theirs_ds, 3, shuffle)
        assert type(ours.sampler).__name__ == type(theirs.sampler).__name__
        assert type(ours.batch_sampler).__name__ == type(theirs.batch_sampler).__name__ == "BatchSampler"
        assert len(ours) == len(theirs) == 4
    te.manual_seed(0)
    first = _batches(D.DataLoader(ours_ds, batch_size=3, shuffle=True))
    te.manual_seed(0)
    assert _batches(D.DataLoader(ours_ds, batch_size=3, shuffle=True)) == first
    assert sorted(sum((b[1] for b in first), [])) == list(range(10))


@pytest.mark.parametrize("kwargs", [dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
                                    dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], sampler=[0]),
                                    dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True)],
                         ids=["sampler+shuffle", "batch_sampler+batch_size", "batch_sampler+shuffle",
                              "batch_sampler+sampler", "batch_sampler+drop_last", "None+drop_last"])
def test_data_loader_option_errors_are_torchs(kwargs):
    ours_ds, theirs_ds = _pair(4)
    with pytest.raises(ValueError) as theirs:
        T.DataLoader(theirs_ds, **kwargs)
    with pytest.raises(ValueError) as ours:
        D.DataLoader(ours_ds, **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_concat_dataset_and_subset_index_like_torch():
    (a, ta), (b, tb) = _pair(4), _pair(3)
    ours, theirs = D.ConcatDataset([a, b]), T.ConcatDataset([ta, tb])
    assert len(ours) == len(theirs) == 7 and ours.cumulative_sizes == theirs.cumulative_sizes == [4, 7]
    for i in list(range(7)) + [-1, -7]:
        assert ours[i][1].item() == theirs[i][1].item(), i
    for lib, ds in ((D, ours), (T, theirs)):
        with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
            ds[-8]
    assert len(a + b) == 7 and isinstance(a + b, D.ConcatDataset)
    assert _batches(D.DataLoader(ours, batch_size=3)) == _batches(T.DataLoader(theirs, batch_size=3))
    sub, tsub = D.Subset(ours, [6, 0, 4]), T.Subset(theirs, [6, 0, 4])
    assert [sub[i][1].item() for i in range(3)] == [tsub[i][1].item() for i in range(3)] and len(sub) == len(tsub)


@pytest.mark.parametrize("n, lengths", [(10, [0.5, 0.5]), (11, [0.3, 0.3, 0.4]), (7, [0.2, 0.8]),
                                        (5, [1 / 3, 1 / 3, 1 / 3]), (3, [0.1, 0.1, 0.8]), (100, [0.7, 0.2, 0.1]),
                                        (10, [3, 7])])
def test_random_split_lengths_equal_torchs(n, lengths):
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = T.random_split(range(n), lengths)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = D.random_split(list(range(n)), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in theirs_warned]
    assert sorted(sum((s.indices for s in ours), [])) == list(range(n))  # disjoint and covering


@pytest.mark.parametrize("lengths", [[1.5, -0.5], [4, 5]])
def test_random_split_errors_are_torchs(lengths):
    with pytest.raises(ValueError) as theirs:
        T.random_split(range(10), lengths)
    with pytest.raises(ValueError) as ours:
        D.random_split(list(range(10)), lengths)
    assert str(ours.value).startswith(str(theirs.value))


def test_random_split_is_seeded():
    a = [s.indices for s in D.random_split(list(range(20)), [0.5, 0.5], generator=Generator().manual_seed(3))]
    b = [s.indices for s in D.random_split(list(range(20)), [0.5, 0.5], generator=Generator().manual_seed(3))]
    assert a == b
