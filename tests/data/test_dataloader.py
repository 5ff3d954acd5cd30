"""tinygrad_edu.utils.data: ``TensorDataset``, ``DataLoader`` (batching, shuffling, collation) and
``random_split`` behave like torch.utils.data's."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu.torch_compat import Generator
from tinygrad_edu.utils.data import DataLoader, Dataset, TensorDataset, default_collate, random_split

torch = pytest.importorskip("torch")


def _data(n=10):
    return te.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3)), te.tensor(np.arange(n))


def test_tensor_dataset_indexing_and_errors():
    x, y = _data()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi.array, [12, 13, 14])
    assert yi.item() == 4
    with pytest.raises(ValueError, match="size mismatch.*tensor 1 has shape \\(9,\\)"):
        TensorDataset(x, te.zeros(9))


@pytest.mark.parametrize("batch_size, drop_last", [(3, False), (3, True), (5, False), (1, False), (20, False)])
def test_batches_match_torch_without_shuffle(batch_size, drop_last):
    x, y = _data()
    ours = DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x.array), torch.from_numpy(y.array)),
                                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    batches = list(ours)
    assert len(batches) == len(list(theirs))
    for (a, b), (c, d) in zip(batches, theirs):
        np.testing.assert_array_equal(a.array, c.numpy())
        np.testing.assert_array_equal(b.array, d.numpy())
        assert b.dtype == np.int64


def test_shuffle_is_a_permutation_per_epoch_and_seeded():
    x, y = _data(50)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=Generator().manual_seed(0))
    first = np.concatenate([b.array for _, b in loader])
    second = np.concatenate([b.array for _, b in loader])
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert not np.array_equal(first, second)  # a new order every epoch
    again = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=Generator().manual_seed(0))
    np.testing.assert_array_equal(np.concatenate([b.array for _, b in again]), first)
    te.manual_seed(3)
    a = np.concatenate([b.array for _, b in DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)])
    te.manual_seed(3)
    b = np.concatenate([b.array for _, b in DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)])
    np.testing.assert_array_equal(a, b)


def test_shuffled_pairs_stay_together():
    x, y = _data(30)
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True):
        np.testing.assert_array_equal(xb.array[:, 0], yb.array * 3)


def test_tensor_dataset_batches_without_a_per_sample_loop(monkeypatch):
    x, y = _data(100)

    def no_single_samples(self, index):
        raise AssertionError("DataLoader indexed a TensorDataset sample by sample")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_single_samples)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True))
    assert [len(b[0]) for b in batches] == [32, 32, 32, 4]
    train, _ = random_split(TensorDataset(x, y), [60, 40])  # a Subset keeps the batched path
    xb, yb = next(iter(DataLoader(train, batch_size=60)))
    np.testing.assert_array_equal(yb.array, np.asarray(train.indices))
    np.testing.assert_array_equal(xb.array[:, 0], yb.array * 3)


def test_generic_dataset_is_collated_like_torch():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": te.tensor([float(i), float(i * i)]), "label": i, "w": 0.5}

    batch = next(iter(DataLoader(Squares(), batch_size=4)))
    np.testing.assert_array_equal(batch["x"].array, [[0, 0], [1, 1], [2, 4], [3, 9]])
    assert batch["label"].dtype == np.int64 and batch["w"].dtype == np.float64
    pairs = default_collate([(te.ones(2), 1), (te.zeros(2), 0)])
    assert pairs[0].shape == (2, 2) and pairs[1].tolist() == [1, 0]
    custom = DataLoader(Squares(), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(custom) == [2, 2, 1]


def test_random_split_and_bad_arguments():
    x, y = _data(10)
    a, b = random_split(TensorDataset(x, y), [7, 3], generator=Generator().manual_seed(1))
    assert len(a) == 7 and len(b) == 3
    seen = sorted(int(a[i][1].item()) for i in range(7)) + sorted(int(b[i][1].item()) for i in range(3))
    assert sorted(seen) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(TensorDataset(x, y), [5, 3])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(x, y), batch_size=0)
