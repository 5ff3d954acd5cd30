"""The four-file IDX layout shared by MNIST and Fashion-MNIST, read and checked."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DataFileError
from .idx import read_idx

#: key -> file name (without the optional ``.gz``), identical for MNIST and Fashion-MNIST.
IDX_FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def check_pair(images: np.ndarray, labels: np.ndarray, images_src: str, labels_src: str,
               n_classes: int = 10, image_shape: tuple[int, ...] = (28, 28)) -> None:
    """Raise ``ValueError`` unless images are (N, *image_shape) and labels (N,) in 0..n_classes-1.

    The messages name the sources (file names) and what was expected and found.
    """
    if images.ndim != 1 + len(image_shape) or images.shape[1:] != tuple(image_shape):
        raise DataFileError(f"{images_src}: expected images of shape (N, {', '.join(map(str, image_shape))}), "
                             f"found shape {images.shape}")
    if labels.ndim != 1:
        raise DataFileError(f"{labels_src}: expected a 1-D array of labels, found shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise DataFileError(f"image/label count mismatch: {images_src} holds {images.shape[0]} images "
                             f"but {labels_src} holds {labels.shape[0]} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        bad = labels[(labels < 0) | (labels >= n_classes)]
        raise DataFileError(f"{labels_src}: labels must lie in 0..{n_classes - 1}; found {bad.size} outside, "
                             f"e.g. {bad[:5].tolist()}")


def load_idx_set(paths: dict[str, Path]) -> dict[str, np.ndarray]:
    """Read the four files of :data:`IDX_FILE_NAMES` and check them.

    Images come back as uint8 (N, 28, 28), labels as int64 (N,).
    """
    out = {key: read_idx(paths[key]) for key in IDX_FILE_NAMES}
    for split in ("train", "test"):
        img_key, lab_key = f"{split}_images", f"{split}_labels"
        if out[img_key].dtype != np.uint8:
            raise DataFileError(f"{paths[img_key]}: expected uint8 pixels, found {out[img_key].dtype}")
        if out[lab_key].dtype.kind not in "iu":
            raise DataFileError(f"{paths[lab_key]}: expected integer labels, found {out[lab_key].dtype}")
        check_pair(out[img_key], out[lab_key], str(paths[img_key]), str(paths[lab_key]))
        out[lab_key] = out[lab_key].astype(np.int64)
    return out
