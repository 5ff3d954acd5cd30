r"""``F.embedding``: rows of a weight matrix picked by integer indices, $y[\dots] = W[i_{\dots}]$.

The lookup is a gather (``weight[indices]``), whose gradient adds $\bar y$ into the picked rows
(rows picked twice get both). With ``padding_idx = p`` the entries whose index is $p$ read the
row from a detached copy of the weight, so row $p$ gets no gradient, as in torch (its value is
still returned). ``max_norm`` renormalises, in place and before the lookup, every referenced row
whose ``norm_type``-norm exceeds it, to norm ``max_norm`` (torch's ``embedding_renorm_``: scale
``max_norm / (norm + 1e-7)``).
"""

from ...autograd import no_grad
from ...errors import EngineError, EngineIndexError, EngineTypeError
from ...tensor import Tensor

__all__ = ["embedding"]


def _padding_row(padding_idx, rows):
    """torch's rule: -rows <= padding_idx < rows; a negative one counts from the end."""
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise EngineError(f"embedding: Padding_idx must be within num_embeddings ({rows}), got {padding_idx}")
    return padding_idx % rows


def _renorm(weight, index, max_norm, norm_type):
    rows = weight._xp.unique(index.reshape(-1))
    with no_grad():
        picked = weight.array[rows]
        norms = (abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = weight._xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight.array[rows] = picked * scale[:, None].astype(weight.dtype)
        weight._version_box()[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    if not isinstance(input, Tensor) or input.dtype.kind not in "iu":
        raise EngineTypeError(f"embedding: Expected tensor for argument #1 'indices' to have an integer dtype "
                              f"(Long, Int), got {getattr(input, 'dtype', type(input).__name__)}")
    if weight.ndim != 2:
        raise EngineError(f"embedding: 'weight' must be 2-D, got shape {tuple(weight.shape)}")
    if scale_grad_by_freq or sparse:
        raise EngineError("not supported in tinygrad_edu: embedding with scale_grad_by_freq=True or sparse=True "
                          "(gradients are dense and unscaled)")
    rows, index = weight.shape[0], input.array
    if index.size and (int(index.min()) < 0 or int(index.max()) >= rows):
        raise EngineIndexError(f"embedding: index out of range in self: indices must be in [0, {rows}), got min "
                               f"{int(index.min())} and max {int(index.max())}")
    pad = _padding_row(padding_idx, rows)
    if max_norm is not None:
        _renorm(weight, index, max_norm, norm_type)
    out = weight[index]
    if pad is None or not weight.requires_grad:
        return out
    is_pad = weight._xp.asarray(index == pad)[..., None]
    return out.where(~is_pad, weight.detach()[index])


