r"""Similarities and normalisation along a dim, as functions of ``F`` (torch's
``torch/nn/modules/distance.py`` holds the CosineSimilarity module of the first): ``normalize`` and
``cosine_similarity``, with torch's gradients at a zero vector. Composed from engine ops, so their
gradients (and gradients of gradients) come from those."""
import numpy as np

from ...errors import EngineError

__all__ = ["cosine_similarity", "normalize"]


def _norm2(input, dim):
    r"""$\|x\|_2$ along dim (kept), with torch's gradient $x / \|x\|$ set to 0 where the norm is 0
    (sqrt's derivative there is infinite: the double ``where`` keeps 0 * inf out of backward)."""
    squares = (input * input).sum(dim, keepdim=True)
    nonzero = squares.array != 0
    return squares.where(nonzero, 1.0).sqrt().where(nonzero, 0.0)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """``input / max(||input||_p, eps)`` along dim (torch's F.normalize; a zero vector stays zero
    and gets the finite gradient ``g / eps``, as in torch)."""
    if p == 2:
        norm = _norm2(input, dim)
    else:
        norm = (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p)
    return input / norm.clamp(min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps))`` along dim, after broadcasting x1 with x2
    (torch 2's form). As in torch the norms are clamped outside the graph: below eps the value uses
    eps, the gradient still flows through the norm."""
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise EngineError(f"cosine_similarity: x1 of shape {tuple(x1.shape)} and x2 of shape "
                          f"{tuple(x2.shape)} do not broadcast") from None
    x1, x2 = x1._pair(x2)
    x1, x2 = x1.expand(*shape), x2.expand(*shape)

    def unit(x):  # the norm as torch's vector_norm (its gradient x / norm, 0 at a zero vector)
        norm = x.vector_norm(2, dim=dim, keepdim=True)
        return x / norm.where(norm.array >= eps, norm - norm.detach() + eps)
    return (unit(x1) * unit(x2)).sum(dim)
