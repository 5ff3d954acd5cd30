"""tinygrad_edu.nn's layers train as torch.nn's: batch/layer/group norm, embedding, the activations,
adaptive pooling, unfold/fold and the loss modules, step by step against torch, and nn.utils'
gradient clipping.

Each layer runs inside a tiny model (a Linear, Conv2d or Embedding in front, so there is always a
weight to train and an input gradient to pass through the layer), built once with ``torch.nn`` and
once with ``tinygrad_edu.nn`` in float64 from the same weights (torch's, copied by their
state_dict keys). Then ``STEPS`` steps of SGD(momentum) on the same batches, comparing at every
step the outputs, the input gradient, every parameter's gradient and every buffer (running
statistics and ``num_batches_tracked``), and at the end the weights, the evaluation-mode outputs,
and the state_dict both ways (torch -> edu and edu -> torch give equal outputs).
Tolerance: ``|edu - torch| <= TOL * max(max|torch|, 1e-3)`` per tensor (float64; the floor is for
gradients that are exactly 0 in exact arithmetic, such as a bias before a batch norm, where both
libraries return rounding noise of ~1e-15).
"""
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as enn
from tinygrad_edu import optim as eoptim

torch = pytest.importorskip("torch")
from torch_ref.convert import copy_weights  # noqa: E402

TOL = 1e-10
STEPS = 5


def _numpy(t):
    if isinstance(t, te.Tensor):
        return np.asarray(te.backend.to_numpy(t.array), np.float64)
    return np.asarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t, np.float64)


def _close(actual, expected, what, tol=TOL):
    actual, expected = _numpy(actual), _numpy(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    err = np.abs(actual - expected).max() if actual.size else 0.0
    scale = max(np.abs(expected).max() if expected.size else 0.0, 1e-3)  # a gradient that is 0 in exact
    assert err <= tol * scale, f"{what}: max |edu - torch| = {err:.3e}"  # arithmetic is rounding noise


def _2d(layer):      # (N, 5) features -> Linear -> layer
    return (lambda nn: nn.Sequential(nn.Linear(5, 5), layer(nn)), (6, 5), "float")


def _3d(layer, shape=(4, 3, 7)):  # (N, C, L): a Linear over the last dim first
    return (lambda nn: nn.Sequential(nn.Linear(shape[-1], shape[-1]), layer(nn)), shape, "float")


def _4d(layer, shape=(3, 4, 6, 7)):  # (N, C, H, W) -> Conv2d(3x3, same size) -> layer
    return (lambda nn: nn.Sequential(nn.Conv2d(shape[1], shape[1], 3, padding=1), layer(nn)), shape, "float")


def _tokens(layer):  # int64 tokens -> Embedding (the layer itself) -> Linear
    return (lambda nn: nn.Sequential(layer(nn), nn.Linear(3, 4)), (5, 4), "tokens")


LAYERS = {
    "BatchNorm1d": _2d(lambda nn: nn.BatchNorm1d(5)),
    "BatchNorm1d_3d": _3d(lambda nn: nn.BatchNorm1d(3, momentum=0.3)),
    "BatchNorm1d_cumulative": _2d(lambda nn: nn.BatchNorm1d(5, momentum=None)),
    "BatchNorm1d_no_affine": _2d(lambda nn: nn.BatchNorm1d(5, affine=False, eps=1e-3)),
    "BatchNorm2d": _4d(lambda nn: nn.BatchNorm2d(4)),
    "BatchNorm2d_no_running_stats": _4d(lambda nn: nn.BatchNorm2d(4, track_running_stats=False)),
    "BatchNorm2d_no_bias": _4d(lambda nn: nn.BatchNorm2d(4, bias=False, momentum=None)),
    "LayerNorm": _2d(lambda nn: nn.LayerNorm(5)),
    "LayerNorm_2dims": _3d(lambda nn: nn.LayerNorm((3, 7), eps=1e-3)),
    "LayerNorm_no_affine": _2d(lambda nn: nn.LayerNorm(5, elementwise_affine=False)),
    "LayerNorm_no_bias": _4d(lambda nn: nn.LayerNorm(7, bias=False)),
    "GroupNorm": _4d(lambda nn: nn.GroupNorm(2, 4)),
    "GroupNorm_one_group": _4d(lambda nn: nn.GroupNorm(1, 4, affine=False)),
    "Embedding": _tokens(lambda nn: nn.Embedding(6, 3)),
    "Embedding_padding": _tokens(lambda nn: nn.Embedding(6, 3, padding_idx=2)),
    "Embedding_max_norm": _tokens(lambda nn: nn.Embedding(6, 3, max_norm=1.0)),
    "LeakyReLU": _2d(lambda nn: nn.LeakyReLU(0.2)),
    "ELU": _2d(lambda nn: nn.ELU(0.7)),
    "CELU": _2d(lambda nn: nn.CELU(1.5)),
    "GELU": _2d(lambda nn: nn.GELU()),
    "GELU_tanh": _2d(lambda nn: nn.GELU(approximate="tanh")),
    "SiLU": _2d(lambda nn: nn.SiLU()),
    "Mish": _2d(lambda nn: nn.Mish()),
    "Softplus": _2d(lambda nn: nn.Softplus(beta=2.0, threshold=1.0)),
    "Hardtanh": _2d(lambda nn: nn.Hardtanh(-0.5, 0.8)),
    "ReLU6": _4d(lambda nn: nn.ReLU6()),
    "Hardswish": _4d(lambda nn: nn.Hardswish()),
    "Softsign": _2d(lambda nn: nn.Softsign()),
    "AdaptiveAvgPool2d": _4d(lambda nn: nn.AdaptiveAvgPool2d((4, 3))),
    "AdaptiveAvgPool2d_1": _4d(lambda nn: nn.AdaptiveAvgPool2d(1)),
    "AdaptiveMaxPool2d": _4d(lambda nn: nn.AdaptiveMaxPool2d(4)),
    "AdaptiveMaxPool2d_None": _4d(lambda nn: nn.AdaptiveMaxPool2d((None, 2))),
    "Unfold": _4d(lambda nn: nn.Unfold(3, dilation=(1, 2), padding=1, stride=2)),
    "Fold": _3d(lambda nn: nn.Fold((2, 4), (1, 2)), (4, 4, 6)),  # 2 channels x (1 x 2) kernel, 2 x 3 blocks
    "Fold_overlapping": _3d(lambda nn: nn.Fold(4, 2, padding=1, stride=(1, 2)), (3, 4, 15)),
    "Dropout2d_eval": _4d(lambda nn: nn.Dropout2d(0.0)),
}


def _build(name):
    builder, shape, kind = LAYERS[name]
    torch.manual_seed(0)
    tm, em = builder(torch.nn).double(), builder(enn).double()
    copy_weights(tm, em)
    return tm, em, shape, kind


def _input(rng, shape, kind):
    if kind == "tokens":
        return rng.integers(0, 6, size=shape)
    return 2.0 * rng.standard_normal(shape)


def _forward(tm, em, x, kind):
    if kind == "tokens":
        return tm(torch.from_numpy(x)), em(te.tensor(x)), None, None
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    return tm(tx), em(ex), tx, ex


def _loss(out, upstream, lib):
    return (out * lib.tensor(upstream)).sum() + (out * out).sum() * 0.1  # not linear: the steps differ


def _compare_state(tm, em, what):
    tstate, estate = tm.state_dict(), em.state_dict()
    assert list(tstate) == list(estate), f"{what}: state_dict keys {list(estate)} != torch's {list(tstate)}"
    for key in tstate:
        _close(estate[key], tstate[key], f"{what}: {key}")
        assert np.dtype(estate[key].dtype) == np.dtype(str(tstate[key].dtype).replace("torch.", "")), key


@pytest.mark.parametrize("name", list(LAYERS))
def test_training_steps_match_torch(name):
    tm, em, shape, kind = _build(name)
    topt = torch.optim.SGD(tm.parameters(), lr=0.05, momentum=0.9)
    eopt = eoptim.SGD(em.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(1)
    for step in range(STEPS):
        x = _input(rng, shape, kind)
        tout, eout, tx, ex = _forward(tm, em, x, kind)
        _close(eout, tout, f"{name} step {step} output")
        upstream = rng.standard_normal(tuple(tout.shape))
        topt.zero_grad()
        eopt.zero_grad()
        _loss(tout, upstream, torch).backward()
        _loss(eout, upstream, te).backward()
        if tx is not None:
            _close(ex.grad, tx.grad, f"{name} step {step} input gradient")
        for (key, tp), (ekey, ep) in zip(tm.named_parameters(), em.named_parameters()):
            assert key == ekey
            _close(ep.grad, tp.grad, f"{name} step {step} gradient of {key}")
        topt.step()
        eopt.step()
        _compare_state(tm, em, f"{name} after step {step}")
    tm.eval()
    em.eval()
    x = _input(rng, shape, kind)
    tout, eout, _, _ = _forward(tm, em, x, kind)
    _close(eout, tout, f"{name} eval output")


@pytest.mark.parametrize("name", [n for n in LAYERS if not n.endswith("max_norm")])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_state_dict_moves_both_ways(name, mode):
    """torch's state_dict (after a training step, so the buffers are not their initial values) loads
    into a fresh edu layer and gives torch's outputs, and the edu state_dict loads back into a
    fresh torch layer."""
    builder, shape, kind = LAYERS[name]
    torch.manual_seed(3)
    tm = builder(torch.nn).double()
    rng = np.random.default_rng(4)
    x = _input(rng, shape, kind)
    tm(torch.from_numpy(x))  # one training forward: running statistics move
    em = builder(enn).double()
    em.load_state_dict(tm.state_dict())
    back = builder(torch.nn).double()
    back.load_state_dict(enn_state_as_torch(em))
    for m in (tm, em, back):
        m.train(mode == "train")
    x = _input(rng, shape, kind)
    tx, ex = torch.from_numpy(x), te.tensor(x)
    expected = tm(tx)
    _close(em(ex), expected, f"{name} ({mode}): torch state_dict loaded into edu")
    _close(back(torch.from_numpy(x)), expected, f"{name} ({mode}): edu state_dict loaded back into torch")


def enn_state_as_torch(em):
    return {k: torch.from_numpy(np.array(v.array)) for k, v in em.state_dict().items()}


def test_conv_batchnorm_relu_pool_cnn_matches_torch():
    """An ee411-style CNN with batch normalisation after each convolution: outputs, gradients,
    running statistics and weights after SGD steps, and evaluation outputs, equal torch's."""
    def cnn(nn):
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(4, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                             nn.Flatten(), nn.Linear(24, 10))
    torch.manual_seed(5)
    tm, em = cnn(torch.nn).double(), cnn(enn).double()
    copy_weights(tm, em)
    topt = torch.optim.SGD(tm.parameters(), lr=0.05, momentum=0.9)
    eopt = eoptim.SGD(em.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(6)
    for step in range(STEPS):
        x, y = rng.standard_normal((8, 1, 12, 12)), rng.integers(0, 10, size=8)
        tout, eout = tm(torch.from_numpy(x)), em(te.tensor(x))
        _close(eout, tout, f"cnn step {step} output")
        tl = torch.nn.functional.cross_entropy(tout, torch.from_numpy(y))
        el = enn.functional.cross_entropy(eout, te.tensor(y))
        topt.zero_grad()
        eopt.zero_grad()
        tl.backward()
        el.backward()
        for (key, tp), (_, ep) in zip(tm.named_parameters(), em.named_parameters()):
            _close(ep.grad, tp.grad, f"cnn step {step} gradient of {key}")
        topt.step()
        eopt.step()
        _compare_state(tm, em, f"cnn after step {step}")
    assert int(em[1].num_batches_tracked.item()) == STEPS
    tm.eval()
    em.eval()
    x = rng.standard_normal((3, 1, 12, 12))
    _close(em(te.tensor(x)), tm(torch.from_numpy(x)), "cnn eval output")


LOSSES = {
    "L1Loss": lambda nn: nn.L1Loss(),
    "L1Loss_sum": lambda nn: nn.L1Loss(reduction="sum"),
    "SmoothL1Loss": lambda nn: nn.SmoothL1Loss(beta=0.5),
    "SmoothL1Loss_none": lambda nn: nn.SmoothL1Loss(reduction="none"),
    "HuberLoss": lambda nn: nn.HuberLoss(delta=0.7),
    "HuberLoss_sum": lambda nn: nn.HuberLoss(reduction="sum", delta=2.0),
    "KLDivLoss_batchmean": lambda nn: nn.KLDivLoss(reduction="batchmean"),
    "KLDivLoss_log_target": lambda nn: nn.KLDivLoss(reduction="sum", log_target=True),
    "KLDivLoss_legacy_size_average": lambda nn: nn.KLDivLoss(size_average=False),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_modules_train_like_torch(name):
    """A Linear trained for STEPS SGD steps through each loss module: losses, gradients, weights."""
    torch.manual_seed(7)
    tm, em = torch.nn.Linear(4, 3).double(), enn.Linear(4, 3).double()
    copy_weights(tm, em)
    tloss, eloss = LOSSES[name](torch.nn), LOSSES[name](enn)
    assert repr(tloss) == repr(eloss)
    topt, eopt = torch.optim.SGD(tm.parameters(), lr=0.1), eoptim.SGD(em.parameters(), lr=0.1)
    rng = np.random.default_rng(8)
    kl = name.startswith("KLDiv")
    for step in range(STEPS):
        x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
        if kl and "log_target" not in name:
            y = np.exp(y) / np.exp(y).sum(1, keepdims=True)
        tout, eout = tm(torch.from_numpy(x)), em(te.tensor(x))
        if kl:
            tout, eout = tout.log_softmax(1), eout.log_softmax(1)
        tl, el = tloss(tout, torch.from_numpy(y)), eloss(eout, te.tensor(y))
        _close(el, tl, f"{name} step {step} loss")
        upstream = rng.standard_normal(tuple(tl.shape))
        topt.zero_grad()
        eopt.zero_grad()
        (tl * torch.from_numpy(upstream)).sum().backward()
        (el * te.tensor(upstream)).sum().backward()
        _close(em.weight.grad, tm.weight.grad, f"{name} step {step} weight gradient")
        topt.step()
        eopt.step()
    _close(em.weight, tm.weight, f"{name} weights after {STEPS} steps")


def test_weighted_l1_and_huber_match_torch():
    rng = np.random.default_rng(9)
    x, y, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.random((3, 4))
    for fn, kwargs in (("l1_loss", {}), ("huber_loss", dict(delta=0.5))):
        for reduction in ("mean", "sum", "none"):
            ex = te.tensor(x, requires_grad=True)
            tx = torch.tensor(x, requires_grad=True)
            el = getattr(enn.functional, fn)(ex, te.tensor(y), reduction=reduction, weight=te.tensor(w), **kwargs)
            tl = getattr(torch.nn.functional, fn)(tx, torch.from_numpy(y), reduction=reduction,
                                                  weight=torch.from_numpy(w), **kwargs)
            _close(el, tl, f"{fn} weighted {reduction}")
            el.sum().backward()
            tl.sum().backward()
            _close(ex.grad, tx.grad, f"{fn} weighted {reduction} gradient")


def test_losses_broadcast_with_torch_warning():
    x, y = np.arange(3.0), np.arange(6.0).reshape(2, 3)
    with pytest.warns(UserWarning, match="different to the input size"):
        el = enn.functional.l1_loss(te.tensor(x), te.tensor(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = torch.nn.functional.l1_loss(torch.from_numpy(x), torch.from_numpy(y))
    _close(el, tl, "broadcast l1_loss")
    with pytest.warns(UserWarning, match="batchmean"):
        enn.functional.kl_div(te.tensor(x), te.tensor(x + 1.0))


# ----- Dropout2d in training: RNGs differ, so the mask's properties are checked -----------------
def test_dropout2d_drops_whole_channels_with_the_right_scale_and_rate():
    te.manual_seed(0)
    p = 0.3
    layer = enn.Dropout2d(p)
    x = te.tensor(np.random.default_rng(0).random((400, 8, 3, 2)) + 1.0, requires_grad=True)
    out = layer(x)
    ratio = out.detach().numpy() / x.detach().numpy()
    per_channel = ratio.reshape(400, 8, -1)
    assert np.allclose(per_channel, per_channel[:, :, :1]), "a channel is either all kept or all dropped"
    values = set(np.round(np.unique(per_channel), 12))
    assert values <= {0.0, round(1 / (1 - p), 12)}, values
    dropped = (per_channel[:, :, 0] == 0).mean()
    assert abs(dropped - p) < 4 * math.sqrt(p * (1 - p) / 3200), dropped  # 4 standard errors
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio)  # the gradient is the mask, scaled
    layer.eval()
    assert layer(x) is x  # the identity in evaluation mode, like torch's
    t = torch.nn.Dropout2d(p).eval()
    assert torch.equal(t(torch.ones(2, 3, 4, 4)), torch.ones(2, 3, 4, 4))


def test_dropout2d_reads_3d_input_as_n_c_l_with_torch_warning():
    te.manual_seed(1)
    x = te.ones(50, 6, 5)
    with pytest.warns(UserWarning, match="3D input"):
        out = enn.functional.dropout2d(x, 0.5).numpy()
    assert np.all((out == 0).all(axis=2) | (out == 2.0).all(axis=2))
    with pytest.raises(ValueError, match="between 0 and 1"):
        enn.functional.dropout2d(x, 1.5)


# ----- gradient clipping --------------------------------------------------------------------------
def _grads_pair(rng, scale):
    shapes = [(3, 4), (5,), (2, 2, 2)]
    arrays = [scale * rng.standard_normal(s) for s in shapes]
    tp = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    ep = [enn.Parameter(te.zeros(*s, dtype=np.float64)) for s in shapes]
    for t, e, a in zip(tp, ep, arrays):
        t.grad, e.grad = torch.from_numpy(a.copy()), te.tensor(a.copy())
    return tp, ep


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    tp, ep = _grads_pair(np.random.default_rng(10), 1.0)
    norm_type = float(norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    en = enn.utils.clip_grad_norm_(ep, max_norm, norm_type=norm_type)
    assert isinstance(en, te.Tensor) and en.shape == () and en.dtype == np.float64
    _close(en, tn, "total norm")
    for t, e in zip(tp, ep):
        _close(e.grad, t.grad, "clipped gradient")


def test_clip_grad_norm_edge_cases():
    p = enn.Parameter(te.zeros(3))
    assert enn.utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients: a zero norm
    assert enn.utils.clip_grad_norm_(p, 1.0).dtype == torch.nn.utils.clip_grad_norm_(
        torch.zeros(3, requires_grad=True), 1.0).numpy().dtype
    p.grad = te.tensor(np.array([1.0, float("inf"), 0.0], dtype=np.float32))
    with pytest.raises(RuntimeError, match="non-finite"):
        enn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    q = enn.Parameter(te.zeros(2))
    q.grad = te.tensor(np.array([3.0, 4.0], dtype=np.float32))
    total = enn.utils.clip_grad_norm_(q, 1.0)
    assert total.dtype == np.float32 and abs(total.item() - 5.0) < 1e-6
    np.testing.assert_allclose(q.grad.numpy(), [0.6, 0.8], rtol=1e-5)


def test_clip_grad_value_matches_torch():
    tp, ep = _grads_pair(np.random.default_rng(11), 2.0)
    assert torch.nn.utils.clip_grad_value_(tp, 0.7) is None
    assert enn.utils.clip_grad_value_(ep, 0.7) is None
    for t, e in zip(tp, ep):
        _close(e.grad, t.grad, "clamped gradient")
