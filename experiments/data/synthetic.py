"""Synthetic stand-ins for the data sets, made ONLY when asked for.

No reader falls back to these. They have the real data's shapes, dtypes and label range,
so that a pipeline can be smoke-tested without the data; every result made from them must
say that it is synthetic (``info["source"] == "synthetic"`` and ``info["warning"]``).

Each image is uniform noise plus a bright square whose position depends on the label, so
a model can learn something (a training loop can be seen to work), but nothing about the
real task can be concluded.
"""
from __future__ import annotations

import numpy as np

SHAPES = {
    "fashion_mnist": ((28, 28), 10),
    "mnist": ((28, 28), 10),
    "galaxy10": ((69, 69, 3), 10),
}


def synthetic_like(name: str, n: int, seed: int = 0) -> dict:
    """``n`` synthetic samples shaped like data set ``name`` ("fashion_mnist", "mnist", "galaxy10").

    Returns a dict: ``images`` (n, 28, 28) or (n, 69, 69, 3) uint8, ``labels`` (n,) int64 in
    0..9, and ``info`` with ``source`` "synthetic" and a ``warning`` that results from it are
    not real.
    """
    if name not in SHAPES:
        raise ValueError(f"synthetic_like: unknown data set {name!r}; choose one of {sorted(SHAPES)}")
    if n < 0:
        raise ValueError(f"synthetic_like: n must be >= 0, got {n}")
    shape, n_classes = SHAPES[name]
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, size=n).astype(np.int64)
    images = rng.integers(0, 64, size=(n, *shape), dtype=np.uint8)
    h, w = shape[0], shape[1]
    side = h // 5
    # label k: a bright square at a label-specific spot on a 5x2 grid
    rows = (labels % 5) * (h - side) // 4
    cols = (labels // 5) * (w - side)
    yy = np.arange(h)[None, :, None]
    xx = np.arange(w)[None, None, :]
    mask = ((yy >= rows[:, None, None]) & (yy < rows[:, None, None] + side)
            & (xx >= cols[:, None, None]) & (xx < cols[:, None, None] + side))
    if images.ndim == 4:
        mask = mask[..., None]
    images = np.where(mask, np.uint8(230), images).astype(np.uint8)
    return {
        "images": images,
        "labels": labels,
        "info": {"dataset": name, "source": "synthetic", "n": int(n), "seed": seed,
                 "warning": f"SYNTHETIC stand-in for {name}: noise plus label-coded squares, not real "
                            "data; results computed from it say nothing about the real data set"},
    }
