"""Galaxy10 SDSS (mlph sheet 8): reader, 80/10/10 split, channel statistics, normalisation.

The file ``Galaxy10.h5`` (Galaxy10 SDSS, Leung & Bovy; see
https://astronn.readthedocs.io/en/latest/galaxy10sdss.html) holds two data sets:
``images`` (N, 69, 69, 3) uint8 (g, r, i bands as RGB) and ``ans`` (N,) integer class
labels. The published file has N = 21,785.

Note: the homework sheet speaks of nine classes; the data set has TEN (labels 0..9), and
they are very unbalanced (class 5, "Disk, Edge-on, Boxy Bulge", has only 17 images).

There is no offline copy here: the reader takes the file from its argument or from the
environment variable ``TINYGRAD_EDU_GALAXY10`` and raises :class:`DatasetMissing` otherwise.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._idxset import check_pair
from .errors import DataFileError, DatasetMissing

ENV_VAR = "TINYGRAD_EDU_GALAXY10"
FILE_NAME = "Galaxy10.h5"
SOURCE_URL = "https://astronn.readthedocs.io/en/latest/galaxy10sdss.html"
IMAGE_SHAPE = (69, 69, 3)

#: Class names, indexed by label (astroNN's list).
CLASS_NAMES = [
    "Disk, Face-on, No Spiral", "Smooth, Completely round", "Smooth, in-between round",
    "Smooth, Cigar shaped", "Disk, Edge-on, Rounded Bulge", "Disk, Edge-on, Boxy Bulge",
    "Disk, Edge-on, No Bulge", "Disk, Face-on, Tight Spiral", "Disk, Face-on, Medium Spiral",
    "Disk, Face-on, Loose Spiral",
]


def _missing(tried: list[str]) -> DatasetMissing:
    return DatasetMissing("\n".join([
        f"Galaxy10 not found. Looked for the HDF5 file {FILE_NAME} (data sets 'images' (N,69,69,3) uint8, 'ans' (N,)).",
        "Searched:", *[f"  {t}" for t in tried],
        "To supply the data:",
        f"  - get {FILE_NAME} (Galaxy10 SDSS, 21,785 images; download link at {SOURCE_URL})",
        "  - pass its path: load_galaxy10(path='/some/where/Galaxy10.h5') (a directory holding it also works)",
        f"  - or set the environment variable {ENV_VAR} to that path",
        "Nothing is downloaded automatically; synthetic_like('galaxy10', n) gives a clearly-labelled stand-in.",
    ]))


def _resolve(path) -> Path:
    if path is not None:
        origin, raw = "the path argument", path
    elif os.environ.get(ENV_VAR):
        origin, raw = f"the environment variable {ENV_VAR}", os.environ[ENV_VAR]
    else:
        raise _missing([f"(nowhere: no path argument and ${ENV_VAR} is not set)"])
    p = Path(raw).expanduser()
    if p.is_dir():
        p = p / FILE_NAME
    if not p.is_file():
        raise _missing([f"{p}  ({origin}): no such file"])
    return p


def load_galaxy10(path=None) -> dict:
    """Read Galaxy10 SDSS from an HDF5 file and check its layout.

    ``path``: the ``.h5`` file or a directory holding ``Galaxy10.h5``; default: the
    environment variable ``TINYGRAD_EDU_GALAXY10``. Returns a dict: ``images`` (N, 69, 69, 3)
    uint8 (NHWC, as stored), ``labels`` (N,) int64 in 0..9, and ``info`` (``source`` "real",
    ``file``, ``n``, ``class_counts``, ``class_names``, ``note`` on nine vs ten classes).
    A file with missing keys, wrong shapes or dtypes, or labels outside 0..9 raises
    ``ValueError`` naming the file and the problem. Needs h5py.
    """
    p = _resolve(path)
    try:
        import h5py
    except ImportError as exc:
        raise ImportError("load_galaxy10 needs h5py: pip install h5py (or this project's extra [data])") from exc
    try:
        fh = h5py.File(p, "r")
    except OSError as exc:
        raise DataFileError(f"{p}: not a readable HDF5 file ({exc})") from exc
    with fh:
        images, labels = _read_checked(fh, p)
    check_pair(images, labels, f"{p}['images']", f"{p}['ans']", n_classes=10, image_shape=IMAGE_SHAPE)
    return {
        "images": images,
        "labels": labels,
        "info": {"dataset": "galaxy10", "source": "real", "file": str(p), "n": int(labels.size),
                 "class_counts": np.bincount(labels, minlength=10).tolist(),
                 "class_names": list(CLASS_NAMES),
                 "note": "the sheet says nine classes; the data set has ten (labels 0..9)"},
    }


def _read_checked(fh, p):
    """The ``images`` and ``ans`` data sets of an open HDF5 file, after checking their keys, shapes and dtypes."""
    missing = [k for k in ("images", "ans") if k not in fh]
    if missing:
        raise DataFileError(f"{p}: expected HDF5 data sets 'images' and 'ans'; missing {missing}, "
                            f"found keys {sorted(fh.keys())}")
    img_ds, ans_ds = fh["images"], fh["ans"]
    if img_ds.ndim != 4 or img_ds.shape[1:] != IMAGE_SHAPE:
        hint = (" (256x256 images: this looks like Galaxy10 DECaLS, not the SDSS file the sheet uses)"
                if img_ds.shape[1:3] == (256, 256) else "")
        raise DataFileError(f"{p}: 'images' should have shape (N, 69, 69, 3), found {img_ds.shape}{hint}")
    if img_ds.dtype != np.uint8:
        raise DataFileError(f"{p}: 'images' should be uint8, found {img_ds.dtype}")
    if ans_ds.dtype.kind not in "iu":
        raise DataFileError(f"{p}: 'ans' should hold integer labels, found dtype {ans_ds.dtype}")
    return img_ds[()], np.asarray(ans_ds[()]).astype(np.int64)


def split_80_10_10(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded random split of ``range(n)`` into train / validation / test index arrays.

    Sizes: ``8*n // 10`` train, ``n // 10`` validation, the rest (about 10 %) test. The three
    arrays are disjoint, cover ``range(n)``, and are in random order; the same seed gives
    the same split.
    """
    if n < 0:
        raise ValueError(f"split_80_10_10: n must be >= 0, got {n}")
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_val = (8 * n) // 10, n // 10
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]


def to_nchw_float(images_uint8_nhwc) -> np.ndarray:
    """(N, H, W, C) uint8 -> (N, C, H, W) float32 in [0, 1], i.e. pixel / 255.

    The same scaling as torchvision's ``ToTensor``, so the channel statistics and the
    normalisation that follow are on the usual [0, 1] scale. Returns a C-contiguous copy.
    """
    x = np.asarray(images_uint8_nhwc)
    if x.ndim != 4:
        raise ValueError(f"to_nchw_float: expected (N, H, W, C) images, got shape {x.shape}")
    if x.dtype != np.uint8:
        raise ValueError(f"to_nchw_float: expected uint8 pixels (0..255), got {x.dtype}")
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255.0)


def channel_stats(images_nchw_float, indices=None) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over samples and pixels.

    Pass the TRAINING images only (or all images plus the training ``indices``): statistics
    that saw the validation or test images leak information about them. The std is like
    ``torch.std`` (unbiased, correction = 1, over N*H*W values per channel). Computed in
    float64; returns two float64 arrays of shape (C,).
    """
    x = np.asarray(images_nchw_float)
    if indices is not None:
        x = x[np.asarray(indices)]
    if x.ndim != 4:
        raise ValueError(f"channel_stats: expected (N, C, H, W) images, got shape {x.shape}")
    count = x.shape[0] * x.shape[2] * x.shape[3]
    if count < 2:
        raise ValueError(f"channel_stats: need at least 2 values per channel for an unbiased std, got {count}")
    mean = np.empty(x.shape[1])
    std = np.empty(x.shape[1])
    for c in range(x.shape[1]):                     # one channel at a time keeps memory small
        xc = x[:, c].astype(np.float64)
        mean[c] = xc.mean()
        std[c] = np.sqrt(((xc - mean[c]) ** 2).sum() / (count - 1))
    return mean, std


def normalize(images_nchw, mean, std) -> np.ndarray:
    """``(x - mean[c]) / std[c]`` for every channel c, as torchvision's ``Normalize`` does.

    ``images_nchw``: a float array whose third-last axis is the channel axis ((N, C, H, W)
    or (C, H, W)); ``mean`` and ``std``: length-C sequences. The result keeps the input's
    float dtype (mean and std are cast to it first, as torchvision does). A zero std is an
    error, as in torchvision.
    """
    x = np.asarray(images_nchw)
    if x.dtype.kind != "f":
        raise ValueError(f"normalize: expected a float array (convert with to_nchw_float first), got {x.dtype}")
    if x.ndim < 3:
        raise ValueError(f"normalize: expected (..., C, H, W) images, got shape {x.shape}")
    m = np.asarray(mean, dtype=x.dtype).reshape(-1)
    s = np.asarray(std, dtype=x.dtype).reshape(-1)
    c = x.shape[-3]
    if m.size != c or s.size != c:
        raise ValueError(f"normalize: images have {c} channels but mean has {m.size} and std {s.size} values")
    if np.any(s == 0):
        raise ValueError(f"normalize: std {s.tolist()} has a zero, which would divide by zero")
    return (x - m[:, None, None]) / s[:, None, None]
