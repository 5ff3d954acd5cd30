"""tinygrad_edu.nn.functional against torch.nn.functional: forward and backward (random upstream
gradient) in float32 and float64 for every layer and loss and their options (odd sizes, stride,
padding, dilation, groups, output_padding), gradcheck and gradgradcheck in float64, torch's tie
rule for max pooling, extreme logits, label smoothing, InfoNCE against torch_ref, and the errors
for bad input. (The registry runs the same ops through finite differences and torch too:
tests/engine/test_ops.py.)"""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops import conv as conv_ops
from torch_ref.losses import info_nce_loss as torch_info_nce

TF = torch.nn.functional
TOL = {np.float64: 1e-9, np.float32: 2e-4}


def _compare(edu_fn, torch_fn, arrays, dtype, grads=None, seed=0):
    """Run both; compare outputs and the gradients (of a random upstream) of inputs in ``grads``."""
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    grads = range(len(arrays)) if grads is None else grads
    ours = [te.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    out, ref = edu_fn(*ours), torch_fn(*theirs)
    assert tuple(out.shape) == tuple(ref.shape)
    tol = TOL[dtype]
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    upstream = np.random.default_rng(seed).standard_normal(ref.shape).astype(dtype)
    out.backward(te.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    for i in grads:
        np.testing.assert_allclose(ours[i].grad.numpy(), theirs[i].grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=f"gradient of input {i}")


def _randn(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


DTYPES = [np.float64, np.float32]
CONV = [  # (input shape, weight shape, bias?, kwargs)
    ((2, 3, 9, 8), (4, 3, 3, 3), True, {}),
    ((1, 2, 7, 10), (3, 2, 2, 3), False, dict(stride=2)),
    ((2, 2, 6, 5), (3, 2, 3, 2), True, dict(stride=(2, 1), padding=(1, 2))),
    ((1, 3, 11, 9), (2, 3, 3, 3), False, dict(dilation=(2, 3), padding=1)),
    ((2, 4, 7, 7), (6, 2, 3, 3), True, dict(groups=2, stride=2, padding=1, dilation=2)),
    ((1, 6, 5, 6), (6, 2, 2, 2), False, dict(groups=3)),
    ((1, 2, 6, 7), (2, 2, 4, 3), True, dict(padding="same")),
    ((2, 3, 69 // 4, 69 // 4), (8, 3, 5, 5), True, {}),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws,bias,kw", CONV)
def test_conv2d_matches_torch(xs, ws, bias, kw, dtype, conv_layout):
    arrays = [_randn(*xs), _randn(*ws)] + ([_randn(ws[0])] if bias else [])
    _compare(lambda *t: F.conv2d(*t, **kw), lambda *t: TF.conv2d(*t, **kw), arrays, dtype)


CONV_T = [  # (input shape, weight shape (in, out/groups, kh, kw), bias?, kwargs)
    ((2, 3, 4, 5), (3, 2, 3, 3), True, {}),
    ((1, 2, 3, 4), (2, 3, 3, 2), False, dict(stride=2, padding=1, output_padding=1)),
    ((2, 2, 5, 3), (2, 2, 2, 3), True, dict(stride=(3, 2), output_padding=(2, 1))),
    ((1, 2, 4, 4), (2, 1, 3, 3), False, dict(dilation=2, padding=2)),
    ((2, 4, 3, 3), (4, 2, 3, 2), True, dict(groups=2, stride=2, padding=(1, 0), output_padding=1, dilation=(1, 2))),
    ((1, 2, 3, 4), (2, 2, 3, 3), False, dict(stride=(1, 2), dilation=3, output_padding=(2, 1))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws,bias,kw", CONV_T)
def test_conv_transpose2d_matches_torch(xs, ws, bias, kw, dtype, conv_layout):
    groups = kw.get("groups", 1)
    arrays = [_randn(*xs), _randn(*ws)] + ([_randn(ws[1] * groups)] if bias else [])
    _compare(lambda *t: F.conv_transpose2d(*t, **kw), lambda *t: TF.conv_transpose2d(*t, **kw), arrays, dtype)


def test_unbatched_conv_and_chunked_batches_agree(monkeypatch, conv_layout):
    x, w = _randn(3, 8, 7), _randn(4, 3, 3, 3)
    _compare(lambda a, b: F.conv2d(a, b, padding=1), lambda a, b: TF.conv2d(a, b, padding=1), [x, w], np.float64)
    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 1)  # one image per chunk: same numbers
    xb = _randn(5, 3, 8, 7)
    _compare(lambda a, b: F.conv2d(a, b, stride=2), lambda a, b: TF.conv2d(a, b, stride=2), [xb, w], np.float64)
    _compare(lambda a, b: F.conv_transpose2d(a, b, stride=2), lambda a, b: TF.conv_transpose2d(a, b, stride=2),
             [xb, _randn(3, 2, 3, 3)], np.float64)


@pytest.mark.parametrize("full_correlation", [True, False])
def test_stride_one_input_gradient_paths_agree_with_torch(monkeypatch, full_correlation, conv_layout):
    """Both ways of computing a stride-1 input gradient (a flipped-kernel conv, or GEMM + col2im)."""
    monkeypatch.setattr(conv_ops, "FULL_CORRELATION", full_correlation)
    for kw in (dict(padding=1), dict(padding=(0, 2), dilation=2), dict(groups=2)):
        _compare(lambda a, b: F.conv2d(a, b, **kw), lambda a, b: TF.conv2d(a, b, **kw),
                 [_randn(2, 4, 7, 8), _randn(2, 4 // kw.get("groups", 1), 3, 3)], np.float64)
    kw = dict(dilation=2, output_padding=1)  # stride 1: output_padding < dilation pads one side only
    _compare(lambda a, b: F.conv_transpose2d(a, b, **kw), lambda a, b: TF.conv_transpose2d(a, b, **kw),
             [_randn(2, 3, 4, 5), _randn(3, 2, 3, 2)], np.float64)


def test_empty_batch():
    x, w = te.zeros(0, 3, 8, 8, requires_grad=True), te.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.shape == (0, 4, 8, 8)
    y.sum().backward()
    assert x.grad.shape == x.shape and not w.grad.numpy().any()


POOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(2, 3), stride=(1, 2)),
        dict(kernel_size=3, stride=1), dict(kernel_size=2, stride=2, padding=1), dict(kernel_size=2, stride=3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", POOL)
def test_max_pool2d_matches_torch(kw, dtype):
    x = np.random.default_rng(1).permutation(2 * 3 * 9 * 7).reshape(2, 3, 9, 7) * 0.1  # distinct values
    _compare(lambda t: F.max_pool2d(t, **kw), lambda t: TF.max_pool2d(t, **kw), [x], dtype)
    _compare(lambda t: F.max_pool2d(t, dilation=2, **kw), lambda t: TF.max_pool2d(t, dilation=2, **kw), [x], dtype)


@pytest.mark.parametrize("kw", POOL)
def test_max_pool2d_ties_go_to_the_first_maximum_like_torch(kw):
    rng = np.random.default_rng(2)
    for x in (rng.integers(0, 3, (2, 2, 8, 9)), np.ones((1, 1, 6, 6)), np.zeros((1, 2, 5, 7))):
        _compare(lambda t: F.max_pool2d(t, **kw), lambda t: TF.max_pool2d(t, **kw), [x], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", POOL + [dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                       dict(kernel_size=2, divisor_override=3)])
def test_avg_pool2d_matches_torch(kw, dtype):
    _compare(lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw), [_randn(2, 3, 9, 7)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(scale_factor=3.0), dict(scale_factor=(2, 1)),
                                dict(size=(10, 6))])
def test_interpolate_nearest_matches_torch(kw, dtype):
    _compare(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), [_randn(2, 3, 5, 3)], dtype)
    _compare(lambda t: F.upsample_nearest(t, **kw), lambda t: TF.interpolate(t, mode="nearest", **kw),
             [_randn(1, 2, 5, 3)], dtype)


ELEMENTWISE = [("relu", {}), ("sigmoid", {}), ("tanh", {}), ("softplus", {}), ("softplus", dict(beta=2.0)),
               ("softmax", dict(dim=1)), ("log_softmax", dict(dim=0)), ("normalize", {}), ("normalize", dict(dim=0))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kw", ELEMENTWISE)
def test_activations_match_torch(name, kw, dtype):
    _compare(lambda t: getattr(F, name)(t, **kw), lambda t: getattr(TF, name)(t, **kw), [_randn(4, 5)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_and_pairwise_match_torch(dtype):
    _compare(F.linear, TF.linear, [_randn(3, 2, 4), _randn(5, 4), _randn(5)], dtype)
    _compare(F.linear, TF.linear, [_randn(3, 4), _randn(5, 4)], dtype)
    _compare(F.mse_loss, TF.mse_loss, [_randn(3, 4), _randn(3, 4, seed=1)], dtype)
    _compare(lambda a, b: F.mse_loss(a, b, reduction="none"), lambda a, b: TF.mse_loss(a, b, reduction="none"),
             [_randn(3, 4), _randn(3, 4, seed=1)], dtype)
    _compare(F.cosine_similarity, TF.cosine_similarity, [_randn(3, 4), _randn(1, 4)], dtype)
    _compare(lambda a, b: F.cosine_similarity(a, b, dim=0), lambda a, b: TF.cosine_similarity(a, b, dim=0),
             [_randn(3, 4), _randn(3, 4, seed=1)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, dict(reduction="sum"), dict(reduction="none"), dict(ignore_index=2),
                                dict(weight=[0.5, 1.0, 2.0, 0.1, 3.0])])
def test_cross_entropy_and_nll_match_torch(kw, dtype):
    target = np.array([0, 4, 2, 2, 1, 3])

    def call(lib, fn, x, t):
        extra = dict(kw)
        if "weight" in extra:
            extra["weight"] = lib.tensor(np.array(extra["weight"], dtype=dtype))
        return fn(x, lib.tensor(t), **extra)
    _compare(lambda x: call(te, F.cross_entropy, x, target), lambda x: call(torch, TF.cross_entropy, x, target),
             [_randn(6, 5)], dtype)
    _compare(lambda x: call(te, F.nll_loss, x, target), lambda x: call(torch, TF.nll_loss, x, target),
             [_randn(6, 5)], dtype)
    spatial = np.random.default_rng(3).integers(0, 5, (2, 3, 4))
    _compare(lambda x: call(te, F.cross_entropy, x, spatial), lambda x: call(torch, TF.cross_entropy, x, spatial),
             [_randn(2, 5, 3, 4)], dtype)


def test_cross_entropy_of_one_unbatched_sample():
    _compare(lambda a: F.cross_entropy(a, te.tensor(np.int64(3))), lambda a: TF.cross_entropy(a, torch.tensor(3)),
             [_randn(5)], np.float64)


@pytest.mark.parametrize("shape", [(5, 4), (4,), (3, 4, 2, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_label_smoothing_matches_torch(shape, reduction, ignore):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    classes = shape[1] if len(shape) > 1 else shape[0]
    t_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, classes, t_shape)
    if ignore and t.ndim:
        t.flat[0] = -100
    ex, tx = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = te.nn.functional.cross_entropy(ex, te.tensor(t), reduction=reduction, label_smoothing=0.2)
    theirs = torch.nn.functional.cross_entropy(tx, torch.tensor(t), reduction=reduction, label_smoothing=0.2)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_label_smoothing_with_class_weight_says_not_supported():
    with pytest.raises(ValueError, match="not supported in tinygrad_edu: cross_entropy with label_smoothing"):
        te.nn.functional.cross_entropy(te.zeros(2, 3), te.tensor([0, 1]), weight=te.ones(3), label_smoothing=0.1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_losses_match_torch(dtype):
    rng = np.random.default_rng(4)
    p, y, z = rng.uniform(0.02, 0.98, (4, 3)), rng.random((4, 3)), rng.standard_normal((4, 3)) * 3
    weight, pos = rng.random((4, 3)), rng.random(3) + 0.5
    for red in ("mean", "sum", "none"):
        _compare(lambda a: F.binary_cross_entropy(a, te.tensor(y.astype(dtype)), reduction=red),
                 lambda a: TF.binary_cross_entropy(a, torch.tensor(y.astype(dtype)), reduction=red), [p], dtype)
        _compare(lambda a: F.binary_cross_entropy_with_logits(a, te.tensor(y.astype(dtype)), reduction=red),
                 lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(y.astype(dtype)), reduction=red),
                 [z], dtype)
    _compare(lambda a: F.binary_cross_entropy_with_logits(a, te.tensor(y.astype(dtype)), weight=te.tensor(
        weight.astype(dtype)), pos_weight=te.tensor(pos.astype(dtype))),
        lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(y.astype(dtype)), weight=torch.tensor(
            weight.astype(dtype)), pos_weight=torch.tensor(pos.astype(dtype))), [z], dtype)


def test_binary_cross_entropy_clamps_log_at_minus_100_like_torch():
    p, y = np.array([0.0, 1e-30, 1.0, 1.0]), np.array([1.0, 1.0, 0.5, 1.0])
    for dtype in DTYPES:
        ours = F.binary_cross_entropy(te.tensor(p.astype(dtype)), te.tensor(y.astype(dtype)), reduction="none")
        theirs = TF.binary_cross_entropy(torch.tensor(p.astype(dtype)), torch.tensor(y.astype(dtype)), reduction="none")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.ee411
@pytest.mark.parametrize("dtype", DTYPES)
def test_logistic_loss_finite_at_logits_of_1e10(dtype):
    z, y = np.array([-1e10, 1e10, -1e10, 1e10, 0.0]), np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    _compare(lambda a: F.binary_cross_entropy_with_logits(a, te.tensor(y.astype(dtype)), reduction="none"),
             lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(y.astype(dtype)), reduction="none"),
             [z], dtype)
    x = te.tensor(z.astype(dtype), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, te.tensor(y.astype(dtype))).backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_finite_at_logits_of_1e4(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])
    target = np.array([1, 0, 2])
    _compare(lambda a: F.cross_entropy(a, te.tensor(target)), lambda a: TF.cross_entropy(a, torch.tensor(target)),
             [logits], dtype)


@pytest.mark.mlph08
@pytest.mark.parametrize("temperature", [0.5, 0.1, 2.0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_info_nce_matches_torch_ref(temperature, dtype):
    z = _randn(8, 5)
    _compare(lambda t: F.info_nce_loss(t, temperature), lambda t: torch_info_nce(t, temperature), [z], dtype)


@pytest.mark.mlph08
def test_info_nce_is_simclr_nt_xent():
    """Written out by hand: the loss of anchor i is -log(e^{s(i, i+N)} / sum_{k != i} e^{s(i, k)})."""
    z = _randn(6, 4)
    u = z / np.linalg.norm(z, axis=1, keepdims=True)
    s = u @ u.T / 0.3
    n = 3
    losses = [-(s[i, (i + n) % 6] - np.log(sum(np.exp(s[i, k]) for k in range(6) if k != i))) for i in range(6)]
    ours = F.info_nce_loss(te.tensor(z), 0.3).item()
    assert abs(ours - np.mean(losses)) < 1e-12


GRADCHECK = [
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [(1, 2, 5, 4), (3, 2, 2, 3), (3,)]),
    ("conv2d_groups", lambda x, w: F.conv2d(x, w, groups=2, dilation=2), [(1, 4, 5, 5), (2, 2, 2, 2)]),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     [(1, 2, 3, 2), (2, 3, 3, 2), (3,)]),
    ("conv_transpose2d_groups", lambda x, w: F.conv_transpose2d(x, w, groups=2, dilation=(1, 2)),
     [(1, 2, 2, 3), (2, 2, 2, 2)]),
    ("conv_transpose2d_output_padding_above_stride", lambda x, w: F.conv_transpose2d(x, w, dilation=2,
                                                                                    output_padding=1),
     [(1, 1, 2, 3), (1, 2, 2, 2)]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1), [(1, 2, 5, 5)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 5, 5)]),
    ("interpolate", lambda x: F.interpolate(x, scale_factor=(2, 3)), [(1, 2, 2, 2)]),
    ("cross_entropy", lambda x: F.cross_entropy(x, te.tensor([1, 0, 3])), [(3, 4)]),
    ("bce_with_logits", lambda x: F.binary_cross_entropy_with_logits(x, te.tensor(np.full((2, 3), 0.3))), [(2, 3)]),
    ("info_nce", lambda z: F.info_nce_loss(z, 0.5), [(4, 3)]),
    ("cosine_similarity", lambda a, b: F.cosine_similarity(a, b), [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck_and_gradgradcheck(name, fn, shapes):
    rng = np.random.default_rng(5)
    inputs = [te.tensor(rng.permutation(int(np.prod(s))).reshape(s) * 0.1 - 0.3 if name == "max_pool2d"
                        else rng.standard_normal(s), dtype=te.float64, requires_grad=True) for s in shapes]
    assert te.gradcheck(fn, inputs)
    assert te.gradgradcheck(fn, inputs)


def test_dropout_is_inverted_seeded_and_off_in_eval():
    x = te.ones(1000, 50)
    te.manual_seed(0)
    a = F.dropout(x, 0.3)
    te.manual_seed(0)
    b = F.dropout(x, 0.3)
    assert np.array_equal(a.numpy(), b.numpy())
    kept = a.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.01 and np.allclose(a.numpy()[kept], 1 / 0.7)
    assert F.dropout(x, 0.3, training=False) is x and F.dropout(x, 1.0).numpy().sum() == 0
    w = te.ones(4, 5, requires_grad=True)
    out = F.dropout(w, 0.5)
    out.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), out.detach().numpy())


def test_one_hot_matches_torch():
    t = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(te.tensor(t)).numpy(), TF.one_hot(torch.tensor(t)).numpy())
    np.testing.assert_array_equal(F.one_hot(te.tensor(t), 6).numpy(), TF.one_hot(torch.tensor(t), 6).numpy())


BAD = [
    (lambda: F.conv2d(te.zeros(2, 4, 9, 9), te.zeros(8, 3, 3, 3)), r"3 channels.*has 4 channels"),
    (lambda: F.conv2d(te.zeros(1, 3, 4, 4), te.zeros(8, 3, 5, 5), padding=0), r"larger than the padded input"),
    (lambda: F.conv_transpose2d(te.zeros(1, 2, 4, 4), te.zeros(3, 2, 3, 3)), r"input with 3 channels.*has 2 channels"),
    (lambda: F.conv_transpose2d(te.zeros(1, 3, 4, 4), te.zeros(3, 2, 3, 3), output_padding=1),
     r"output_padding .* smaller than"),
    (lambda: F.max_pool2d(te.zeros(1, 1, 3, 3), 4), r"larger than the padded input"),
    (lambda: F.conv2d(te.zeros(1, 3, 5, 5), te.zeros(2, 3, 3, 3, dtype=te.float64)), r"dtype"),
    (lambda: F.interpolate(te.zeros(1, 1, 3, 3), scale_factor=1.5), r"integer scale.*1\.5"),
    (lambda: F.interpolate(te.zeros(1, 1, 3, 3), size=(7, 6)), r"integer multiple"),
    (lambda: F.interpolate(te.zeros(1, 2, 3), scale_factor=2), r"4-D"),
    (lambda: F.cross_entropy(te.zeros(2, 3), te.tensor([0, 3])), r"\[0, 3\).*\[3\].*3 classes"),
    (lambda: F.cross_entropy(te.zeros(2, 3), te.tensor([0, -1])), r"\[-1\]"),
    (lambda: F.cross_entropy(te.zeros(2, 3), te.tensor([0.0, 1.0])), r"integer.*float32"),
    (lambda: F.cross_entropy(te.zeros(2, 3), te.tensor([0, 1, 2])), r"target of shape \(2,\)"),
    (lambda: F.binary_cross_entropy(te.tensor([1.5]), te.tensor([1.0])), r"between 0 and 1"),
    (lambda: F.mse_loss(te.zeros(2), te.zeros(2), reduction="avg"), r"reduction"),
    (lambda: F.info_nce_loss(te.zeros(3, 2), 0.5), r"\(2N, D\)"),
]


@pytest.mark.parametrize("call,message", BAD)
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises((ValueError, TypeError, IndexError), match=message) as info:
        call()
    assert str(info.value).split(":")[0] in {"conv2d", "conv_transpose2d", "max_pool2d", "interpolate", "nll_loss",
                                             "cross_entropy", "binary_cross_entropy", "mse_loss", "info_nce_loss"}
