"""Data augmentation on a NumPy batch, the same on both backends (ee411.2.6).

    from experiments.augment import flip_and_shift
    fit(B, model, opt, train, val, input_fn=flip_and_shift)      # fit passes its seeded generator

``fit`` draws one ``numpy.random.default_rng(seed + 10_000 + epoch)`` per epoch and hands it to
``input_fn(xb, rng)`` for every batch, so edu and torch see the very same augmented batches.
The batch is ``(N, C, H, W)``; the augmented copy is new (the training array is never changed).
"""
from __future__ import annotations

import numpy as np

__all__ = ["random_hflip", "random_shift", "flip_and_shift"]


def random_hflip(xb, rng, p=0.5):
    """Mirror each image left-right with probability ``p`` (torchvision's RandomHorizontalFlip)."""
    xb = np.array(xb, copy=True)
    flip = rng.random(len(xb)) < p
    xb[flip] = xb[flip][..., ::-1]
    return xb


def random_shift(xb, rng, pad=2):
    """Zero-pad by ``pad`` pixels and crop back at a random offset per image (torchvision's
    ``RandomCrop(H, padding=pad)``): each image moves by up to ``pad`` pixels in each direction."""
    n, _, h, w = xb.shape
    padded = np.pad(xb, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dy, dx = rng.integers(0, 2 * pad + 1, size=(2, n))
    out = np.empty_like(xb)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
    return out


def flip_and_shift(xb, rng, pad=2):
    """A random horizontal flip, then a random shift of up to ``pad`` pixels."""
    return random_shift(random_hflip(xb, rng), rng, pad=pad)
