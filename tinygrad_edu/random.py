"""Random sampling with torch's signatures: ``rand randn randint randperm`` (sizes as ints, a
tuple, a list or ``size=``), ``multinomial``, ``bernoulli`` and ``normal``. Every draw comes from
the engine's seeded generator (``manual_seed``) or from the ``generator=`` passed in, on the CPU,
so a seed gives the same numbers on every device. The streams are NumPy's, not torch's: the same
seed gives other numbers than torch, with the same distribution."""
import numpy as np

from . import creation
from .backend import to_numpy
from .ops.unary import ZeroGradient
from .tensor import Tensor

__all__ = ["rand", "randn", "randint", "randperm", "multinomial", "bernoulli", "normal"]


def _size(size, op):
    """torch's size forms: ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``; every entry an int >= 0."""
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    for n in size:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(n).__name__}")
        if n < 0:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {n}: {list(size)}")
    return size


def _float_dtype(dtype, op):
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point dtype, got {dtype}")
    return dtype


def _sizes_given(size, keyword, op):
    if keyword is not None:
        if size:
            raise TypeError(f"{op}(): give the size either positionally or as size=, not both")
        size = (keyword,)
    if not size:
        raise TypeError(f"{op}() missing the size: give it as ints, a tuple, or size=")
    return _size(size, op)


def randn(*size, generator=None, dtype=np.float32, device=None, requires_grad=False, **kw):
    """Standard normal samples of the given size."""
    shape = _sizes_given(size, kw.pop("size", None), "randn")
    _no_more(kw, "randn")
    array = creation.rng_of(generator).standard_normal(shape).astype(_float_dtype(dtype, "randn"))
    return creation._make(array, device, requires_grad)


def rand(*size, generator=None, dtype=np.float32, device=None, requires_grad=False, **kw):
    """Uniform samples in [0, 1) of the given size."""
    shape = _sizes_given(size, kw.pop("size", None), "rand")
    _no_more(kw, "rand")
    array = creation.rng_of(generator).random(shape).astype(_float_dtype(dtype, "rand"))
    return creation._make(array, device, requires_grad)


def _no_more(kw, op):
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(kw))!r}")


def randint(*args, generator=None, dtype=np.int64, device=None, requires_grad=False, **kw):
    """``randint(high, size)`` or ``randint(low, high, size)`` (also as keywords): integers drawn
    uniformly from [low, high)."""
    given = len(args) + len(set(kw) & {"low", "high", "size"})
    values = dict(zip(("low", "high", "size") if given == 3 else ("high", "size"), args))
    if set(values) & set(kw):
        raise TypeError(f"randint() got multiple values for argument {sorted(set(values) & set(kw))[0]!r}")
    values.update(kw)
    if set(values) - {"low", "high", "size"} or "high" not in values or "size" not in values:
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {len(args)} positional "
                        f"argument(s) and keywords {sorted(kw)}")
    low, high, size = values.get("low", 0), values["high"], values["size"]
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    if low >= high:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    array = creation.rng_of(generator).integers(low, high, size=_size((size,), "randint")).astype(dtype)
    return creation._make(array, device, requires_grad)


def randperm(n, *, generator=None, dtype=np.int64, device=None, requires_grad=False):
    """A random permutation of 0, ..., n - 1."""
    if n < 0:
        raise RuntimeError(f"randperm: Trying to create tensor with negative dimension {n}: [{n}]")
    return creation._make(creation.rng_of(generator).permutation(int(n)).astype(dtype), device, requires_grad)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices per row of the (unnormalised) probabilities ``input``
    (1-D, or 2-D: one draw per row). Without replacement a category comes at most once (the
    exponential-race method: the smallest ``E / p`` for exponential ``E`` wins, which is
    sampling one after another without replacement). Integer output, no gradient."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    rows = np.asarray(to_numpy(input.array), dtype=np.float64).reshape(-1, input.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {rows.shape[1]})")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    rng = creation.rng_of(generator)
    if replacement:
        drawn = np.stack([_inverse_cdf(row, num_samples, rng) for row in rows])
    else:
        if ((rows > 0).sum(axis=1) < num_samples).any():
            raise RuntimeError("multinomial: invalid multinomial distribution (with replacement=False, not enough "
                               f"non-negative category to sample {num_samples})")
        with np.errstate(divide="ignore"):
            race = rng.exponential(size=rows.shape) / rows  # a zero probability never wins (inf)
        drawn = np.argsort(race, axis=1, kind="stable")[:, :num_samples]
    drawn = drawn.astype(np.int64).reshape(input.shape[:-1] + (num_samples,))
    return creation._make(drawn, input.device, False)


def _inverse_cdf(p, n, rng):
    """n independent draws from the categories with weights ``p``: the first index whose running
    total exceeds a uniform draw in [0, total)."""
    total = np.cumsum(p)
    picked = np.searchsorted(total, rng.random(n) * total[-1], side="right")
    return np.minimum(picked, np.flatnonzero(p)[-1])  # a draw rounding up to the total: the last category


def bernoulli(input, p=None, *, generator=None):
    """0 or 1 with probability ``input`` (or the number ``p``) of a 1, in input's dtype and shape."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"bernoulli: expected a floating point tensor, got {input.dtype}")
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        prob = np.full(input.shape, float(p))
    else:
        prob = to_numpy(input.array)
        if not ((prob >= 0) & (prob <= 1)).all():
            raise RuntimeError("bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got false "
                               "(every probability must lie in [0, 1])")
    drawn = (creation.rng_of(generator).random(input.shape) < prob).astype(input.dtype)
    return creation._make(drawn, input.device, False)


class _Sample(ZeroGradient):
    r"""$z = \mu + \sigma \epsilon$ for a drawn $\epsilon$: torch gives no gradient to $\mu$ or
    $\sigma$ through ``normal`` (no reparameterisation; write ``mean + std * randn`` for that),
    yet keeps the output in the graph; so does this op."""


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples: tensor ``mean`` and/or ``std`` (broadcast together), or numbers with ``size``."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(): with a number mean and std, give size=")
        _check_std(std)
        shape = _size((size,), "normal")
        out = randn(shape, generator=generator, dtype=dtype or np.float32, device=device) * float(std) + float(mean)
        return out.requires_grad_(requires_grad) if requires_grad else out
    if size is not None:
        raise TypeError("normal(): size= goes only with a number mean and a number std")
    like = tensors[0]
    if like.dtype.kind != "f":
        raise RuntimeError(f"normal: expected a floating point mean/std, got {like.dtype}")
    mu, sigma = (t.array if isinstance(t, Tensor) else t for t in (mean, std))
    _check_std(sigma)
    try:
        shape = np.broadcast_shapes(np.shape(mu), np.shape(sigma))
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {np.shape(mu)} and std {np.shape(sigma)} do not "
                           "broadcast") from None
    eps = like._xp.asarray(creation.rng_of(generator).standard_normal(shape).astype(like.dtype))
    sample = (mu + sigma * eps).astype(like.dtype)
    return _Sample.apply(*tensors, fn=lambda *arrays: sample)


def _check_std(std):
    values = np.asarray(to_numpy(std) if hasattr(std, "shape") else std, dtype=np.float64)
    if values.size and values.min() < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {values.min():g}")
