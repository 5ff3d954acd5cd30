"""Fashion-MNIST (ee411 sheet 2): the reader, the 50k/10k split, and the pixel permutation.

The data: 60,000 training and 10,000 test images, 28x28 grey levels (uint8), ten classes
of 6,000 / 1,000 images each. Offline source: Debian's ``dataset-fashion-mnist``, which
installs the four original IDX ``.gz`` files under ``/usr/share/datasets/fashion-mnist/``.
"""
from __future__ import annotations

import numpy as np

from ._idxset import IDX_FILE_NAMES, load_idx_set
from .errors import DatasetMissing, locate_files, missing_message, search_dirs

ENV_VAR = "TINYGRAD_EDU_FASHION_MNIST"
DEFAULT_DIRS = ("/usr/share/datasets/fashion-mnist",)

#: Class names, indexed by label (Zalando's list).
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def load_fashion_mnist(data_dir=None) -> dict:
    """Load the real Fashion-MNIST from its four IDX files (``.gz`` or plain).

    Where: ``data_dir`` if given (and only there); else the directory in the environment
    variable ``TINYGRAD_EDU_FASHION_MNIST`` (and only there); else
    ``/usr/share/datasets/fashion-mnist/``. Missing files raise :class:`DatasetMissing`.

    Returns a dict: ``train_images`` (60000, 28, 28) uint8, ``train_labels`` (60000,) int64,
    ``test_images`` (10000, 28, 28) uint8, ``test_labels`` (10000,) int64, and ``info``
    (``source`` "real", ``files``, ``n_train``, ``n_test``, ``class_names``).
    """
    dirs, _ = search_dirs(data_dir, ENV_VAR, DEFAULT_DIRS)
    paths, report = locate_files(dirs, IDX_FILE_NAMES)
    if paths is None:
        raise DatasetMissing(missing_message("Fashion-MNIST", IDX_FILE_NAMES, report, [
            "pass the directory holding the four files: load_fashion_mnist(data_dir=...)",
            f"or set the environment variable {ENV_VAR} to that directory",
            "or, on Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist "
            f"(installs them in {DEFAULT_DIRS[0]}/)",
        ]))
    out = load_idx_set(paths)
    out["info"] = {
        "dataset": "fashion_mnist",
        "source": "real",
        "origin": "original Fashion-MNIST IDX files",
        "files": [str(paths[k]) for k in IDX_FILE_NAMES],
        "n_train": int(out["train_images"].shape[0]),
        "n_test": int(out["test_images"].shape[0]),
        "class_names": list(CLASS_NAMES),
    }
    return out


def split_train_val(images, labels, n_train: int = 50000, n_val: int = 10000, seed: int = 0):
    """Split a training set into train and validation parts by one seeded permutation.

    Returns ``(train_images, train_labels, val_images, val_labels)``; the two parts are
    disjoint, and the same ``seed`` gives the same split. ``n_train + n_val`` may be less
    than the number of samples (the rest is left out), never more.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    n = images.shape[0]
    if labels.shape[0] != n:
        raise ValueError(f"split_train_val: {n} images but {labels.shape[0]} labels")
    if n_train < 0 or n_val < 0 or n_train + n_val > n:
        raise ValueError(f"split_train_val: asked for n_train={n_train} + n_val={n_val} "
                         f"= {n_train + n_val} samples, but only {n} are given")
    order = np.random.default_rng(seed).permutation(n)
    tr, va = order[:n_train], order[n_train:n_train + n_val]
    return images[tr], labels[tr], images[va], labels[va]


class PixelPermutation:
    """One fixed, seeded permutation of the pixels of a 28x28 image (PermutedFashionMNIST).

    Calling it on a batch of shape (N, 28, 28), (N, 1, 28, 28) or (N, 784) (or a single
    image of shape (28, 28) or (784,)) returns a new array of the same shape whose
    flattened pixel ``j`` is the input's flattened pixel ``permutation[j]``. Every call
    uses the same permutation; :meth:`inverse` undoes it.
    """

    def __init__(self, seed: int = 0, height: int = 28, width: int = 28):
        self.seed, self.height, self.width = seed, height, width
        self.n_pixels = height * width
        self._perm = np.random.default_rng(seed).permutation(self.n_pixels)
        self._inv = np.argsort(self._perm)

    @property
    def permutation(self) -> np.ndarray:
        """A copy of the permutation (flattened index j takes input pixel permutation[j])."""
        return self._perm.copy()

    def _apply(self, x, index: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.shape[-2:] == (self.height, self.width):
            lead = x.shape[:-2]
        elif x.ndim >= 1 and x.shape[-1] == self.n_pixels:
            lead = x.shape[:-1]
        else:
            raise ValueError(f"PixelPermutation: expected an array ending in ({self.height}, {self.width}) "
                             f"or ({self.n_pixels},), got shape {x.shape}")
        flat = x.reshape(*lead, self.n_pixels)
        return flat[..., index].reshape(x.shape)

    def __call__(self, x) -> np.ndarray:
        """Permute the pixels of ``x`` (see the class docstring for the shapes)."""
        return self._apply(x, self._perm)

    def inverse(self, x) -> np.ndarray:
        """Undo :meth:`__call__`: ``p.inverse(p(x))`` equals ``x``."""
        return self._apply(x, self._inv)

    def __repr__(self) -> str:
        return f"PixelPermutation(seed={self.seed}, height={self.height}, width={self.width})"
