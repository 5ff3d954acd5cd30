"""experiments.data: the Galaxy10 reader and its preprocessing, the MultiMNIST builder and the
synthetic stand-ins. The tests write their own small HDF5 files."""
from __future__ import annotations

import numpy as np
import pytest

from experiments.data import (
    DatasetMissing, GALAXY10_CLASSES, build_multimnist, channel_stats, load_galaxy10, make_new_sample,
    make_new_samples, normalize, split_80_10_10, synthetic_like, to_nchw_float,
)


# ---------------------------------------------------------------- Galaxy10
def write_h5(path, **datasets):
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as fh:
        for key, arr in datasets.items():
            fh.create_dataset(key, data=arr)
    return path


def small_galaxy(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 69, 69, 3), dtype=np.uint8), (np.arange(n) % 10).astype(np.uint8)


@pytest.mark.mlph08
def test_galaxy10_reads_small_file(tmp_path, monkeypatch):
    images, ans = small_galaxy()
    path = write_h5(tmp_path / "Galaxy10.h5", images=images, ans=ans)
    d = load_galaxy10(path)
    np.testing.assert_array_equal(d["images"], images)
    assert d["labels"].dtype == np.int64 and d["labels"].tolist() == ans.tolist()
    assert d["info"]["class_counts"] == [3] * 10 and "ten" in d["info"]["note"]
    assert len(GALAXY10_CLASSES) == 10
    assert load_galaxy10(tmp_path)["info"]["file"] == str(path)           # a directory works
    monkeypatch.setenv("TINYGRAD_EDU_GALAXY10", str(path))
    assert load_galaxy10()["info"]["n"] == 30


@pytest.mark.mlph08
@pytest.mark.parametrize("case,pattern", [
    ("no_ans", r"missing \['ans'\], found keys \['images', 'label'\]"),
    ("shape", r"'images' should have shape \(N, 69, 69, 3\), found \(30, 64, 64, 3\)"),
    ("label", r"\['ans'\]: labels must lie in 0\.\.9; found 1 outside, e.g. \[10\]"),
    ("count", r"holds 30 images but .*\['ans'\] holds 29 labels"),
    ("float", r"'ans' should hold integer labels, found dtype float32"),
    ("not_h5", r"not a readable HDF5 file"),
])
def test_galaxy10_broken_files(tmp_path, case, pattern):
    images, ans = small_galaxy()
    path = tmp_path / "g.h5"
    if case == "no_ans":
        write_h5(path, images=images, label=ans)
    elif case == "shape":
        write_h5(path, images=images[:, :64, :64], ans=ans)
    elif case == "label":
        write_h5(path, images=images, ans=np.where(np.arange(30) == 4, 10, ans))
    elif case == "count":
        write_h5(path, images=images, ans=ans[:29])
    elif case == "float":
        write_h5(path, images=images, ans=ans.astype(np.float32))
    else:
        path.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match=pattern) as err:
        load_galaxy10(path)
    assert str(path) in str(err.value)


@pytest.mark.mlph08
def test_galaxy10_missing(tmp_path):
    with pytest.raises(DatasetMissing, match="(?s)Galaxy10.h5.*TINYGRAD_EDU_GALAXY10.*load_galaxy10\\(path="):
        load_galaxy10()
    with pytest.raises(DatasetMissing, match=f"{tmp_path / 'x.h5'}  \\(the path argument\\): no such file"):
        load_galaxy10(tmp_path / "x.h5")


@pytest.mark.mlph08
def test_split_80_10_10():
    for n, sizes in [(1000, (800, 100, 100)), (21785, (17428, 2178, 2179)), (7, (5, 0, 2))]:
        parts = split_80_10_10(n, seed=0)
        assert tuple(len(p) for p in parts) == sizes
        assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(n))     # disjoint and covering
    a, b = split_80_10_10(1000, seed=5), split_80_10_10(1000, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[2], split_80_10_10(1000, seed=6)[2])


@pytest.mark.mlph08
def test_to_nchw_float():
    x = np.random.default_rng(0).integers(0, 256, (4, 69, 69, 3), dtype=np.uint8)
    x[0, 0, 0] = [0, 255, 51]
    y = to_nchw_float(x)
    assert y.shape == (4, 3, 69, 69) and y.dtype == np.float32 and y.flags.c_contiguous
    assert y[0, :, 0, 0].tolist() == pytest.approx([0.0, 1.0, 0.2])
    assert y[2, 1, 5, 7] == pytest.approx(x[2, 5, 7, 1] / 255)
    with pytest.raises(ValueError, match="expected uint8"):
        to_nchw_float(x.astype(np.float32))


@pytest.mark.mlph08
def test_channel_stats_train_only():
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, (100, 3, 4, 4)).astype(np.float32)
    x[80:] += 10.0                                   # validation/test images are brighter
    train, _, _ = split_80_10_10(100, seed=0)
    train = np.sort(train)
    x = x[np.argsort(np.concatenate([train, np.setdiff1d(np.arange(100), train)]))]  # train rows = first 80 originals
    mean, std = channel_stats(x, train)
    sub = x[train].astype(np.float64)
    for c in range(3):
        assert mean[c] == pytest.approx(sub[:, c].mean(), rel=1e-12)
        assert std[c] == pytest.approx(sub[:, c].std(ddof=1), rel=1e-12)       # unbiased, like torch.std
    assert abs(mean[0]) < 0.2 and 0.9 < std[0] < 1.1
    m_all, s_all = channel_stats(x)
    assert np.all(m_all > 1.5) and np.all(s_all > 3)  # whole-set stats see the brighter images
    m2, s2 = channel_stats(x[train])
    np.testing.assert_allclose((m2, s2), (mean, std))


@pytest.mark.mlph08
def test_normalize_matches_formula():
    rng = np.random.default_rng(0)
    x = rng.random((2, 3, 5, 5)).astype(np.float32)
    mean, std = np.array([0.1, 0.5, 0.9]), np.array([0.2, 1.0, 4.0])
    y = normalize(x, mean, std)
    assert y.dtype == np.float32 and y.shape == x.shape
    for n in range(2):
        for c in range(3):
            np.testing.assert_allclose(y[n, c], (x[n, c] - mean[c]) / std[c], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(normalize(x[0], mean, std), y[0])                  # (C, H, W) too
    with pytest.raises(ValueError, match="3 channels but mean has 2"):
        normalize(x, mean[:2], std[:2])
    with pytest.raises(ValueError, match="zero"):
        normalize(x, mean, [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="float array"):
        normalize(x.astype(np.uint8), mean, std)


# ---------------------------------------------------------------- MultiMNIST
@pytest.mark.ee411
def test_make_new_sample_placement_and_overlap():
    rng = np.random.default_rng(0)
    x1 = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    x2 = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    out = make_new_sample(x1, x2)
    expected = np.zeros((36, 36), np.uint8)
    for i in range(36):
        for j in range(36):
            a = x1[i, j] if i < 28 and j < 28 else 0
            b = x2[i - 8, j - 8] if i >= 8 and j >= 8 else 0
            expected[i, j] = max(a, b)
    np.testing.assert_array_equal(out, expected)
    assert out.shape == (36, 36) and out.dtype == np.uint8
    assert out[0, 35] == 0 and out[35, 0] == 0 and out[0, 0] == x1[0, 0] and out[35, 35] == x2[27, 27]
    for v1, v2 in [(5.0, 3.0), (3.0, 5.0)]:       # x1[27, 27] and x2[19, 19] land on canvas [27, 27]
        a = np.zeros((28, 28)); a[27, 27] = v1
        b = np.zeros((28, 28)); b[19, 19] = v2
        assert make_new_sample(a, b)[27, 27] == 5.0  # the max, whichever image holds it
    np.testing.assert_array_equal(make_new_samples(x1[None], x2[None])[0], out)
    with pytest.raises(ValueError, match=r"\(28, 27\)"):
        make_new_sample(x1[:, 1:], x2)


@pytest.mark.ee411
def test_build_multimnist():
    n = 50
    images = (np.arange(n, dtype=np.uint8) + 1)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    labels = np.arange(n) % 10
    out, lab = build_multimnist(images, labels, 400, seed=1)
    assert out.shape == (400, 36, 36) and out.dtype == np.uint8 and lab.shape == (400, 2)
    first, second = out[:, 0, 0].astype(int) - 1, out[:, 35, 35].astype(int) - 1
    assert np.all(first != second)
    np.testing.assert_array_equal(lab[:, 0], labels[first])
    np.testing.assert_array_equal(lab[:, 1], labels[second])
    np.testing.assert_array_equal(out[:, 20, 20], np.maximum(first, second) + 1)   # overlap = max
    assert len(np.unique(first)) > 30                                              # really random
    out2, lab2 = build_multimnist(images, labels, 400, seed=1)
    assert np.array_equal(out, out2) and np.array_equal(lab, lab2)
    assert not np.array_equal(lab, build_multimnist(images, labels, 400, seed=2)[1])


# ---------------------------------------------------------------- synthetic stand-ins
@pytest.mark.parametrize("name,shape", [("fashion_mnist", (28, 28)), ("mnist", (28, 28)),
                                        ("galaxy10", (69, 69, 3))])
def test_synthetic_like(name, shape):
    d = synthetic_like(name, 64, seed=0)
    assert d["images"].shape == (64, *shape) and d["images"].dtype == np.uint8
    assert d["labels"].dtype == np.int64 and d["labels"].min() >= 0 and d["labels"].max() <= 9
    assert d["info"]["source"] == "synthetic" and "not real" in d["info"]["warning"]
    assert np.array_equal(d["images"], synthetic_like(name, 64, seed=0)["images"])
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        synthetic_like("cifar", 3)
