"""Custom losses written with torch: the references for the engine's versions."""
import torch

# ---------------------------------------------------------------------------------------------
# nni2.T3: circular angle loss (reference for tinygrad_edu/nn/_functional/loss.py::circular_angle_loss)
# ---------------------------------------------------------------------------------------------


def circular_angle_loss(pred, target, period=360.0, reduction="mean"):
    """Shortest-arc distance ``|d - period * round(d / period)|`` with ``d = pred - target``.

    ``torch.round`` has a zero gradient, which is exactly the "integer number of turns is a
    constant" rule of the engine's version, so autograd gives ``sign(wrapped difference)``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"circular_angle_loss: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    if not period > 0:
        raise ValueError(f"circular_angle_loss: period must be positive, got {period!r}")
    target = torch.as_tensor(target, dtype=pred.dtype, device=pred.device)
    difference = pred - target
    loss = (difference - period * torch.round(difference / period)).abs()
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ---------------------------------------------------------------------------------------------
# mlph08.2d: InfoNCE / NT-Xent in SimCLR's form (reference for tinygrad_edu.nn.functional.info_nce_loss)
# ---------------------------------------------------------------------------------------------


def info_nce_loss(z, temperature=0.5):
    """NT-Xent with torch ops: ``z`` is (2N, D), rows 0..N-1 one view of N images and rows N..2N-1
    the other; the positive of row i is row (i + N) mod 2N. Logits are cosine similarities divided
    by the temperature, with each row's self-similarity masked out (-inf); the loss is the
    cross-entropy of each anchor's positive, averaged over the 2N anchors.
    """
    if z.dim() != 2 or z.shape[0] % 2:
        raise ValueError(f"info_nce_loss: expected z of shape (2N, D), got {tuple(z.shape)}")
    rows = z.shape[0]
    zn = torch.nn.functional.normalize(z, dim=1, eps=1e-8)
    logits = (zn @ zn.T) / temperature
    self_pairs = torch.eye(rows, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_pairs, float("-inf"))
    positives = (torch.arange(rows, device=z.device) + rows // 2) % rows
    return torch.nn.functional.cross_entropy(logits, positives)
