"""The data sets as the tasks read them: cut to the run's sizes, split, scaled to float, and noted in the
run's metrics (``run.record_data``); synthetic stand-ins instead when the run asks for ``--synthetic``.

``run`` is an :class:`experiments.task_run.TaskRun`; these functions read its ``synthetic``, ``seed`` and
``data_path`` (the ``--data`` option). A data set read from disk is kept for the next task of the process.
"""
from __future__ import annotations

import functools

import numpy as np

from .fashion_mnist import load_fashion_mnist, split_train_val
from .galaxy10 import load_galaxy10
from .mnist import load_mnist
from .synthetic import synthetic_like


@functools.lru_cache(maxsize=2)
def _fashion_mnist(path):
    return load_fashion_mnist(path)


@functools.lru_cache(maxsize=2)
def _mnist(path, seed):
    return load_mnist(path, seed=seed)


def to_float(images):
    """uint8 (N, H, W) -> float32 (N, 1, H, W) in [0, 1] (what torchvision's ToTensor does)."""
    x = np.asarray(images, dtype=np.float32) / np.float32(255.0)
    return x[:, None] if x.ndim == 3 else x


def fashion_splits(run, n_train=50000, n_val=10000, n_test=10000):
    """FashionMNIST as float32 (N, 1, 28, 28) in [0, 1]: the 50k/10k split and the test set,
    ``(x_train, y_train, x_val, y_val, x_test, y_test)``."""
    if run.synthetic:
        s = synthetic_like("fashion_mnist", n_train + n_val + n_test, seed=run.seed)
        x, y = s["images"], s["labels"]
        parts = (x[:n_train], y[:n_train], x[n_train:n_train + n_val], y[n_train:n_train + n_val],
                 x[n_train + n_val:], y[n_train + n_val:])
        run.record_data(s["info"], n_train=n_train, n_val=n_val, n_test=n_test)
    else:
        d = _fashion_mnist(run.data_path)
        tx, ty, vx, vy = split_train_val(d["train_images"], d["train_labels"], seed=run.seed)
        parts = (tx[:n_train], ty[:n_train], vx[:n_val], vy[:n_val], d["test_images"][:n_test],
                 d["test_labels"][:n_test])
        run.record_data(d["info"], split="50,000 train / 10,000 validation (seeded) of the 60,000",
                        n_train_used=len(parts[0]), n_val_used=len(parts[2]), n_test_used=len(parts[4]))
    return tuple(to_float(a) if i % 2 == 0 else a for i, a in enumerate(parts))


def mnist_splits(run, n_train=4000, n_test=1000):
    """MNIST as float32 (N, 1, 28, 28) in [0, 1]: (x_train, y_train, x_test, y_test)."""
    if run.synthetic:
        s = synthetic_like("mnist", n_train + n_test, seed=run.seed)
        x, y = s["images"], s["labels"]
        run.record_data(s["info"], n_train=n_train, n_test=n_test)
        return to_float(x[:n_train]), y[:n_train], to_float(x[n_train:]), y[n_train:]
    d = _mnist(run.data_path, run.seed)
    out = (d["train_images"][:n_train], d["train_labels"][:n_train], d["test_images"][:n_test],
           d["test_labels"][:n_test])
    run.record_data(d["info"], n_train_used=len(out[0]), n_test_used=len(out[2]))
    return to_float(out[0]), out[1], to_float(out[2]), out[3]


def mnist_digits(run):
    """The uint8 MNIST arrays (train_images, train_labels, test_images, test_labels) and their info,
    not recorded: the caller records what it builds from them."""
    if run.synthetic:
        s = synthetic_like("mnist", 5000, seed=run.seed)
        x, y = s["images"], s["labels"]
        return x[:4000], y[:4000], x[4000:], y[4000:], s["info"]
    d = _mnist(run.data_path, run.seed)
    return d["train_images"], d["train_labels"], d["test_images"], d["test_labels"], d["info"]


def galaxy_images(run, n_max=None):
    """Galaxy10 uint8 NHWC images, labels and info (the real file, or --synthetic); at most ``n_max``,
    a seeded choice kept in file order."""
    if run.synthetic:
        s = synthetic_like("galaxy10", n_max or 2000, seed=run.seed)
        run.record_data(s["info"])
        return s["images"], s["labels"], s["info"]
    d = load_galaxy10(run.data_path)
    images, labels = d["images"], d["labels"]
    if n_max is not None:
        keep = np.random.default_rng(run.seed).permutation(len(labels))[:n_max]
        images, labels = images[np.sort(keep)], labels[np.sort(keep)]
    run.record_data(d["info"], n_used=int(len(labels)))
    return images, labels, d["info"]
