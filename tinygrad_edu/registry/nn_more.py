"""Registry specs of the normalisation, embedding, adaptive pooling, unfold/fold, activation and
regression/KL losses of ``tinygrad_edu.nn.functional`` (issue 11), and of the special-function op
(erf) that exact GELU is built on. Same format as ``registry/nn.py``: ``fn`` calls
``ns.nn.functional.<name>`` on either library; integer indices and fixed (non-differentiated)
statistics travel in ``kwargs`` as NumPy arrays and are made tensors inside ``fn``.

The activations are of kind "unary", so hypothesis also draws their shapes (0-d and empty included)
and ``test_raw_values_match_torch`` feeds them raw values (0, -0, ties, +-1e4): values *and*
gradients at the kinks must be torch's.
"""
import numpy as np

import tinygrad_edu.nn.functional as F  # noqa: F401  (makes ns.nn.functional resolve on tinygrad_edu)

from . import Case, OpSpec, away_from_kinks, distinct, functional, register

S = Case


def _activation(name, prepare=None, **fixed):
    cases = (S([(3, 4)]), S([(2, 3, 2)]), S([()]), S([(0, 3)]))
    return OpSpec(f"F.{name}" + "".join(f"_{k}={v}" for k, v in fixed.items()), functional(name, **fixed), cases,
                  kind="unary", prepare=(prepare,))


def _kinks(*points, scale=1.0):
    return lambda x, rng: away_from_kinks(x * scale, rng, kinks=points)


def _twice(x, rng):
    return 2.0 * x


def _batch_norm(ns, x, weight=None, bias=None, running=None, **kwargs):
    """Training mode uses the batch statistics (no running buffers, so repeated calls agree);
    ``running`` (mean, var) as arrays gives evaluation mode."""
    if running is None:
        return ns.nn.functional.batch_norm(x, None, None, weight, bias, training=True, **kwargs)
    mean, var = (ns.tensor(a, dtype=x.dtype, device=x.device) for a in running)
    return ns.nn.functional.batch_norm(x, mean, var, weight, bias, training=False, **kwargs)


def _norm(name, size_arg):
    """layer_norm / group_norm take their size argument second, before weight and bias."""
    def fn(ns, x, *weight_bias, **kwargs):
        return getattr(ns.nn.functional, name)(x, kwargs.pop(size_arg), *weight_bias, **kwargs)
    return fn


def _weighted_huber(ns, x, target, weight, **kwargs):
    return ns.nn.functional.huber_loss(x, target, weight=weight, **kwargs)


def _embedding(ns, weight, indices, **kwargs):
    return ns.nn.functional.embedding(ns.tensor(indices, device=weight.device), weight, **kwargs)


def _probabilities(x, rng):
    e = np.exp(x - x.max(axis=-1, keepdims=True)) if x.ndim else np.exp(x)
    return e / e.sum(axis=-1, keepdims=True) if x.ndim else 0.5 + 0 * x


T = np.array
register(
    # ---- activations ----
    _activation("leaky_relu", away_from_kinks),
    _activation("leaky_relu", away_from_kinks, negative_slope=0.2),
    _activation("elu", away_from_kinks),
    _activation("elu", away_from_kinks, alpha=0.5),
    _activation("celu", away_from_kinks, alpha=2.0),
    _activation("gelu"),
    _activation("gelu", approximate="tanh"),
    _activation("silu"),
    _activation("mish"),
    _activation("softplus", _kinks(1.0), beta=2.0, threshold=2.0),
    _activation("hardtanh", _kinks(-1.0, 1.0)),
    _activation("hardtanh", _kinks(-0.5, 2.0, scale=2.0), min_val=-0.5, max_val=2.0),
    _activation("relu6", _kinks(0.0, 6.0, scale=4.0)),
    _activation("hardswish", _kinks(-3.0, 3.0, scale=3.0)),
    _activation("softsign", away_from_kinks),
    # ---- normalisation ----
    OpSpec("F.batch_norm", _batch_norm, cases=(
        S([(4, 3), (3,), (3,)]),
        S([(2, 3, 4), (3,), (3,)], dict(eps=1e-3)),
        S([(2, 3, 2, 2)]),
        S([(3, 2, 2, 1), (2,), (2,)], dict(running=(T([0.5, -1.0]), T([2.0, 0.3])))))),
    OpSpec("F.layer_norm", _norm("layer_norm", "normalized_shape"), cases=(
        S([(3, 4), (4,), (4,)], dict(normalized_shape=(4,))),
        S([(2, 3, 4), (3, 4), (3, 4)], dict(normalized_shape=(3, 4), eps=1e-3)),
        S([(2, 5)], dict(normalized_shape=[5])))),
    OpSpec("F.group_norm", _norm("group_norm", "num_groups"), cases=(
        S([(2, 4, 3), (4,), (4,)], dict(num_groups=2)),
        S([(2, 6, 2, 2), (6,), (6,)], dict(num_groups=3, eps=1e-3)),
        S([(3, 2, 3)], dict(num_groups=1)))),
    OpSpec("F.embedding", _embedding, cases=(
        S([(5, 3)], dict(indices=T([[0, 2, 2], [4, 1, 0]]))), S([(4, 2)], dict(indices=T([3, 3, 1]))))),
    # (padding_idx cuts row p off the gradient on purpose, so finite differences cannot check it:
    # tests/nn/test_layers_parity.py compares it with torch)
    # ---- adaptive pooling, unfold / fold, channel dropout ----
    OpSpec("F.adaptive_avg_pool2d", functional("adaptive_avg_pool2d"), cases=(
        S([(1, 2, 5, 7)], dict(output_size=3)),
        S([(2, 1, 4, 6)], dict(output_size=(2, 3))),
        S([(1, 2, 5, 5)], dict(output_size=(None, 2))),
        S([(2, 5, 4)], dict(output_size=3)))),
    OpSpec("F.adaptive_max_pool2d", functional("adaptive_max_pool2d"), prepare=(distinct,), cases=(
        S([(1, 2, 5, 7)], dict(output_size=3)),
        S([(1, 2, 4, 6)], dict(output_size=2)),
        S([(2, 1, 5, 4)], dict(output_size=(2, 3), return_indices=True)),
        S([(2, 5, 4)], dict(output_size=(4, None))))),
    OpSpec("F.unfold", functional("unfold"), cases=(
        S([(1, 2, 4, 5)], dict(kernel_size=2)),
        S([(2, 1, 5, 5)], dict(kernel_size=(2, 3), dilation=2, padding=1, stride=(1, 2))),
        S([(2, 4, 4)], dict(kernel_size=3, padding=1)))),
    OpSpec("F.fold", functional("fold"), cases=(
        S([(1, 8, 12)], dict(output_size=(4, 5), kernel_size=2)),
        S([(2, 6, 6)], dict(output_size=(5, 5), kernel_size=(2, 3), dilation=2, padding=1, stride=(2, 2))),
        S([(9, 16)], dict(output_size=4, kernel_size=3, padding=1)))),
    OpSpec("F.dropout2d_eval", functional("dropout2d"), cases=(S([(2, 3, 4, 4)], dict(p=0.3, training=False)),)),
    # ---- losses ----
    OpSpec("F.l1_loss", functional("l1_loss"), cases=(
        S([(3, 4), (3, 4)]), S([(5,), (5,)], dict(reduction="sum")), S([(2, 3), (2, 3)], dict(reduction="none")))),
    OpSpec("F.smooth_l1_loss", functional("smooth_l1_loss"), prepare=(_twice, None), cases=(
        S([(3, 4), (3, 4)]), S([(6,), (6,)], dict(beta=0.5, reduction="sum")),
        S([(2, 3), (2, 3)], dict(reduction="none", beta=2.0)), S([(4,), (4,)], dict(beta=0.0)))),
    OpSpec("F.huber_loss", functional("huber_loss"), prepare=(_twice, None), cases=(
        S([(3, 4), (3, 4)]), S([(6,), (6,)], dict(delta=0.5, reduction="sum")),
        S([(2, 3), (2, 3)], dict(reduction="none", delta=2.0)))),
    OpSpec("F.huber_loss_weight", _weighted_huber, prepare=(_twice, None, None), cases=(
        S([(3, 4), (3, 4), (3, 4)]), S([(6,), (6,), (6,)], dict(delta=0.5, reduction="sum")),
        S([(2, 3), (2, 3), (2, 3)], dict(reduction="none", delta=2.0)))),
    OpSpec("F.kl_div", functional("kl_div"), prepare=(None, lambda x, rng: _probabilities(x, rng)), cases=(
        S([(3, 4), (3, 4)], dict(reduction="batchmean")),
        S([(2, 3), (2, 3)], dict(reduction="sum")),
        S([(2, 3), (2, 3)], dict(reduction="none")),
        S([(4,), (4,)], dict(reduction="mean")))),
    OpSpec("F.kl_div_log_target", functional("kl_div", log_target=True), cases=(
        S([(3, 4), (3, 4)], dict(reduction="batchmean")), S([(2, 3), (2, 3)], dict(reduction="none")))),
)
