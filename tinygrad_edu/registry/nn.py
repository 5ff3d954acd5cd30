"""Registry specs of the layers and losses in ``tinygrad_edu.nn.functional`` (conv, pooling,
upsampling, activations, losses). See ``registry/__init__.py`` for the format.

Every ``fn`` calls ``ns.nn.functional.<name>``, which is the same spelling in torch and here
(importing ``tinygrad_edu.nn.functional`` below makes ``tinygrad_edu.nn.functional`` an attribute
path), so ``torch_fn`` is only needed for the losses torch does not have (InfoNCE, the circular
angle loss: their torch versions live in ``torch_ref.losses``). Integer class targets (and the
losses' constant weights) travel in ``kwargs`` as NumPy arrays and are made tensors inside ``fn``;
float targets that get no gradient are inputs outside ``differentiable``. Cases are small: finite
differences cost two forwards per input element (and per upstream-gradient element for the second
order).
"""
import numpy as np

import tinygrad_edu.nn.functional as F  # noqa: F401  (makes ns.nn.functional resolve on tinygrad_edu)

from . import Case, OpSpec, away_from_kinks, distinct, functional, register

S = Case


def probability(x, rng):
    """Into [0.05, 0.95]: the inputs of binary_cross_entropy, away from the clamped logs."""
    return 0.05 + 0.9 / (1.0 + np.exp(-x))


def unit_interval(x, rng):
    return rng.random(x.shape)


def _with_target(name):
    """A loss taking integer class indices (and optionally per-class weights) from kwargs."""
    def fn(ns, x, target, weight=None, **kwargs):
        weight = None if weight is None else ns.tensor(weight, dtype=x.dtype, device=x.device)
        return getattr(ns.nn.functional, name)(x, ns.tensor(target, device=x.device), weight=weight, **kwargs)
    return fn


def _logits_loss(ns, x, target, weight=None, pos_weight=None, **kwargs):
    """binary_cross_entropy_with_logits with its weight and pos_weight (constants: neither library
    differentiates them) given as arrays in kwargs."""
    factors = {k: ns.tensor(v, dtype=x.dtype, device=x.device)
               for k, v in (("weight", weight), ("pos_weight", pos_weight)) if v is not None}
    return ns.nn.functional.binary_cross_entropy_with_logits(x, target, **factors, **kwargs)


def _info_nce_torch(ns, z, temperature):
    from torch_ref.losses import info_nce_loss
    return info_nce_loss(z, temperature)


def _angle_torch(ns, pred, target, **kwargs):
    from torch_ref.losses import circular_angle_loss
    return circular_angle_loss(pred, target, **kwargs)


def _angle_edu(ns, pred, target, **kwargs):
    from tinygrad_edu.nn.functional import circular_angle_loss
    return circular_angle_loss(pred, target, **kwargs)


def _degrees(x, rng):
    return 100.0 * x


T = np.array  # class targets
register(
    OpSpec("F.linear", functional("linear"),
           cases=(S([(3, 4), (5, 4), (5,)]), S([(2, 3, 4), (2, 4)]), S([(4,), (3, 4)]))),
    OpSpec("F.conv2d", functional("conv2d"), cases=(
        S([(1, 2, 5, 5), (3, 2, 3, 3), (3,)]),
        S([(2, 2, 6, 5), (2, 2, 3, 2)], dict(stride=2, padding=1)),
        S([(1, 2, 7, 6), (2, 2, 2, 3)], dict(stride=(1, 2), padding=(2, 0), dilation=(2, 1))),
        S([(1, 4, 5, 4), (4, 2, 2, 3), (4,)], dict(groups=2, padding=1)),
        S([(1, 1, 4, 5), (2, 1, 3, 3)], dict(padding="same")))),
    OpSpec("F.conv_transpose2d", functional("conv_transpose2d"), cases=(
        S([(1, 2, 3, 4), (2, 3, 3, 3), (3,)]),
        S([(1, 2, 3, 3), (2, 1, 3, 2)], dict(stride=2, padding=1, output_padding=1)),
        S([(1, 2, 3, 2), (2, 2, 2, 2)], dict(stride=(2, 1), dilation=(1, 2))),
        S([(1, 4, 2, 3), (4, 1, 2, 2), (2,)], dict(groups=2, stride=3, padding=1, output_padding=(2, 0))),
        S([(1, 1, 2, 3), (1, 2, 2, 2)], dict(dilation=2, output_padding=1)))),
    OpSpec("F.max_pool2d", functional("max_pool2d"), prepare=(distinct,), cases=(
        S([(1, 2, 4, 6)], dict(kernel_size=2)),
        S([(2, 1, 5, 5)], dict(kernel_size=3, stride=2, padding=1)),
        S([(1, 2, 5, 6)], dict(kernel_size=(2, 3), stride=1, dilation=(2, 1))),
        S([(1, 1, 5, 7)], dict(kernel_size=2)))),
    OpSpec("F.avg_pool2d", functional("avg_pool2d"), cases=(
        S([(1, 2, 4, 6)], dict(kernel_size=2)),
        S([(2, 1, 5, 5)], dict(kernel_size=3, stride=2, padding=1)),
        S([(1, 2, 5, 4)], dict(kernel_size=3, stride=1, padding=1, count_include_pad=False)),
        S([(1, 1, 5, 7)], dict(kernel_size=(2, 3), stride=(1, 2))))),
    OpSpec("F.interpolate", functional("interpolate"), cases=(
        S([(1, 2, 2, 3)], dict(scale_factor=2)),
        S([(2, 1, 3, 2)], dict(scale_factor=(2, 3))),
        S([(1, 1, 2, 2)], dict(size=(6, 4))))),
    OpSpec("F.dropout_eval", functional("dropout"), cases=(S([(3, 4)], dict(p=0.3, training=False)),)),
    OpSpec("F.relu", functional("relu"), prepare=(away_from_kinks,), cases=(S([(3, 4)]), S([(2, 3, 2)]))),
    OpSpec("F.sigmoid", functional("sigmoid"), cases=(S([(3, 4)]),)),
    OpSpec("F.tanh", functional("tanh"), cases=(S([(3, 4)]),)),
    OpSpec("F.softplus", functional("softplus"), cases=(S([(3, 4)]), S([(5,)], dict(beta=2.0)))),
    OpSpec("F.softmax", functional("softmax"), cases=(S([(3, 4)], dict(dim=1)), S([(2, 3, 2)], dict(dim=0)))),
    OpSpec("F.log_softmax", functional("log_softmax"), cases=(S([(3, 4)], dict(dim=1)), S([(2, 3, 2)], dict(dim=-1)))),
    OpSpec("F.cross_entropy", _with_target("cross_entropy"), cases=(
        S([(4, 5)], dict(target=T([0, 4, 2, 2]))),
        S([(4, 3)], dict(target=T([0, 1, 2, 1]), reduction="sum")),
        S([(3, 4)], dict(target=T([3, 0, 1]), reduction="none", weight=T([0.5, 1.0, 2.0, 1.5]))),
        S([(2, 3, 2, 2)], dict(target=T([[[0, 1], [2, 2]], [[1, 1], [0, 2]]]), ignore_index=1)))),
    OpSpec("F.nll_loss", _with_target("nll_loss"), cases=(
        S([(4, 5)], dict(target=T([0, 4, 2, 2]))),
        S([(3, 4)], dict(target=T([3, 0, 1]), reduction="none", weight=T([0.5, 1.0, 2.0, 1.5]))))),
    OpSpec("F.binary_cross_entropy", functional("binary_cross_entropy"), prepare=(probability, unit_interval),
           differentiable=(0,), cases=(S([(3, 4), (3, 4)]), S([(5,), (5,)], dict(reduction="sum")))),
    OpSpec("F.binary_cross_entropy_with_logits", _logits_loss, prepare=(None, unit_interval), cases=(
        S([(3, 4), (3, 4)]), S([(5,), (5,)], dict(reduction="none")),
        S([(3, 4), (3, 4)], dict(weight=np.array([0.5, 1.0, 2.0, 1.5]), reduction="sum")),
        S([(2, 3), (2, 3)], dict(pos_weight=np.array([3.0, 0.5, 1.0]), reduction="none")),
        S([(2, 3), (2, 3)], dict(weight=np.array([[2.0], [0.5]]), pos_weight=np.array([0.2, 1.0, 4.0]))))),
    OpSpec("F.mse_loss", functional("mse_loss"), cases=(S([(3, 4), (3, 4)]), S([(5,), (5,)], dict(reduction="sum")),
                                                S([(2, 3), (2, 3)], dict(reduction="none")))),
    OpSpec("F.cosine_similarity", functional("cosine_similarity"), cases=(
        S([(3, 4), (3, 4)]), S([(3, 4), (1, 4)]), S([(2, 3), (2, 3)], dict(dim=0)))),
    OpSpec("F.normalize", functional("normalize"), cases=(S([(3, 4)]), S([(2, 3, 2)], dict(dim=0)))),
    OpSpec("F.info_nce_loss", lambda ns, z, temperature: F.info_nce_loss(z, temperature), torch_fn=_info_nce_torch,
           cases=(S([(4, 3)], dict(temperature=0.5)), S([(6, 2)], dict(temperature=0.1)))),
    OpSpec("circular_angle_loss", _angle_edu, torch_fn=_angle_torch, prepare=(_degrees, _degrees),
           cases=(S([(5,), (5,)]), S([(2, 3), (2, 3)], dict(reduction="none")))),
)
