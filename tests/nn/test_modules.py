"""tinygrad_edu.nn.Module and the layers behave like torch.nn's (names, order, modes, state, dtype,
repr, default initialisation), and wrong input gets an error naming the layer."""
import copy

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tests.nn.parity_models import MODEL_PARAMS, MODELS

torch = pytest.importorskip("torch")
from torch_ref.convert import copy_weights  # noqa: E402


def _net(lib):
    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.Conv2d(3, 8, kernel_size=5)
            self.pool = lib.MaxPool2d(2, 2)
            self.flatten = lib.Flatten()
            self.fc1 = lib.Linear(8 * 4 * 4, 16)
            self.heads = lib.ModuleList([lib.Linear(16, 2), lib.Linear(16, 3)])
            self.drop = lib.Dropout(0.5)
            self.scale = 2.0  # a plain attribute is not registered

        def forward(self, x):
            h = F_of(lib).relu(self.fc1(self.flatten(self.pool(F_of(lib).relu(self.conv1(x))))))
            return [head(self.drop(h)) for head in self.heads]

    return Net()


def F_of(lib):
    return torch.nn.functional if lib is torch.nn else F


# ----- structure ------------------------------------------------------------------------------------
def test_registration_names_and_order_match_torch():
    tm, em = _net(torch.nn), _net(nn)
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_children()] == [n for n, _ in tm.named_children()]
    assert [type(m).__name__ for m in em.modules()] == [type(m).__name__ for m in tm.modules()]
    assert [n for n, _ in em.named_modules()] == [n for n, _ in tm.named_modules()]
    assert len(list(em.parameters(recurse=False))) == 0
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in em.parameters())
    assert em.scale == 2.0 and "scale" not in dict(em.named_parameters())


@pytest.mark.parametrize("name", MODEL_PARAMS)
def test_repr_and_state_dict_layout_match_torch(name):
    builder = MODELS[name][0]
    tm, em = builder(torch.nn), builder(nn)
    assert repr(em) == repr(tm)
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(esd) == list(tsd)
    assert [tuple(v.shape) for v in esd.values()] == [tuple(v.shape) for v in tsd.values()]


def test_sequential_and_modulelist_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    x = te.randn(4, 2)
    np.testing.assert_allclose(seq(x).array, seq[2](seq[1](seq[0](x))).array)
    ml = nn.ModuleList([nn.Linear(2, 2)]).append(nn.Linear(2, 2))
    assert len(ml) == 2 and len(list(ml.parameters())) == 4
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_shared_module_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2


def test_train_eval_propagate_and_dropout_follows_mode():
    net = _net(nn)
    assert net.training and net.drop.training
    assert net.eval() is net and not net.training and not net.heads[0].training and not net.drop.training
    x = te.ones(1000)
    np.testing.assert_array_equal(net.drop(x).array, x.array)
    net.train()
    y = net.drop(x).array
    assert set(np.unique(y)) <= {0.0, 2.0} and 300 < (y == 0).sum() < 700


def test_zero_grad_sets_to_none_by_default_and_requires_grad_freezes():
    m = nn.Linear(3, 2)
    m(te.randn(4, 3)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert np.all(m.weight.grad.array == 0)
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    x = te.randn(4, 3, requires_grad=True)
    m(x).sum().backward()
    assert m.weight.grad is None and x.grad is not None
    m.requires_grad_(True)
    assert all(p.requires_grad for p in m.parameters())


def test_parameter_is_a_tensor_and_ops_give_plain_tensors():
    p = nn.Parameter(te.randn(2, 3))
    assert isinstance(p, te.Tensor) and p.requires_grad and p.is_leaf
    assert type(p * 2) is te.Tensor and type(p.T) is te.Tensor
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(te.randn(2), requires_grad=False).requires_grad


def test_buffers_are_saved_unless_non_persistent():
    m = nn.Linear(2, 2)
    m.register_buffer("running", te.zeros(2))
    m.register_buffer("scratch", te.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["weight", "bias", "running"]
    m.running = te.ones(2)  # assigning a tensor keeps it a buffer
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    np.testing.assert_array_equal(m.state_dict()["running"].array, np.ones(2))


# ----- dtype, device, copies -------------------------------------------------------------------------------
def test_to_double_float_keep_parameter_objects():
    m = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    params = list(m.parameters())
    assert m.double() is m and all(p.dtype == np.float64 for p in m.parameters())
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert m(te.randn(2, 3, dtype=te.float64)).dtype == np.float64
    m.to(te.float32)
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert m.cpu() is m and m.to("cpu") is m
    with pytest.raises(TypeError, match="floating point"):
        m.to(te.int64)


@pytest.mark.gpu
def test_cuda_moves_parameters():
    m = nn.Linear(3, 2).cuda()
    assert all(p.device == "cuda" for p in m.parameters())
    assert m(te.randn(2, 3).cuda()).device == "cuda"
    assert m.cpu().weight.device == "cpu"


def test_state_dict_shares_memory_and_deepcopy_snapshots():
    m = nn.Linear(2, 2)
    live, snapshot = m.state_dict(), copy.deepcopy(m.state_dict())
    m.weight.array += 1  # what an optimizer step does
    np.testing.assert_array_equal(live["weight"].array, m.weight.array)  # like torch: a view
    assert not np.array_equal(snapshot["weight"].array, m.weight.array)
    clone = copy.deepcopy(m)
    assert clone.weight is not m.weight and np.array_equal(clone.weight.array, m.weight.array)


def test_load_state_dict_round_trip_and_torch_interchange():
    tm, em = MODELS["fashion_cnn"][0](torch.nn), MODELS["fashion_cnn"][0](nn)
    result = copy_weights(tm, em)
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(em(te.tensor(x)).array, tm(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    em2 = MODELS["fashion_cnn"][0](nn)
    em2.load_state_dict(em.state_dict())
    np.testing.assert_array_equal(em2(te.tensor(x)).array, em(te.tensor(x)).array)


# ----- bad input --------------------------------------------------------------------------------------
def test_load_state_dict_reports_missing_unexpected_and_shapes():
    m = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    sd = m.state_dict()
    bad = dict(sd)
    del bad["2.bias"]
    bad["3.weight"] = te.zeros(1, 2)
    bad["0.weight"] = te.zeros(4, 3)
    before = m[0].weight.array.copy()
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(bad)
    msg = str(info.value)
    assert "Sequential" in msg and 'Missing key(s) in state_dict: "2.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "3.weight"' in msg
    assert "size mismatch for 0.weight" in msg and "(4, 3)" in msg and "(2, 3)" in msg
    np.testing.assert_array_equal(m[0].weight.array, before)  # nothing was loaded
    partial = {k: v for k, v in sd.items() if k != "2.bias"}
    missing, unexpected = m.load_state_dict(dict(partial, extra=te.zeros(1)), strict=False)
    assert missing == ["2.bias"] and unexpected == ["extra"]
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        m.load_state_dict(dict(sd, **{"0.weight": te.zeros(3, 3)}), strict=False)


def test_linear_with_wrong_input_features_names_the_layer():
    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3136, 64)

        def forward(self, x):
            return self.fc1(x)

    with pytest.raises(ValueError) as info:
        Tiny()(te.randn(2, 100))
    msg = str(info.value)
    assert "Tiny.fc1" in msg and "in_features=3136" in msg and "(2, 100)" in msg


def test_conv2d_with_wrong_channels_names_layer_expected_and_actual():
    model = MODELS["galaxy_cnn"][0](nn)
    with pytest.raises(ValueError) as info:
        model(te.randn(2, 1, 69, 69))
    msg = str(info.value)
    assert "Sequential.0" in msg and "Conv2d(3, 8" in msg and "in_channels=3" in msg and "(2, 1, 69, 69)" in msg


def test_kernel_larger_than_padded_input_and_bad_upsample_scale():
    with pytest.raises(ValueError, match=r"larger than the padded input \(3 \+ 2\*0 = 3\)"):
        nn.Conv2d(1, 1, 5)(te.randn(1, 1, 3, 3))
    with pytest.raises(ValueError, match="scale_factor must be a positive integer.*1.5"):
        nn.Upsample(scale_factor=1.5)
    with pytest.raises(ValueError, match="Unflatten"):
        nn.Unflatten(1, (8, 7, 7))(te.randn(2, 100))


def test_unbatched_conv_input_like_torch():
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = te.randn(2, 5, 5)
    assert conv(x).shape == (3, 5, 5)
    np.testing.assert_allclose(conv(x).array, conv(x.unsqueeze(0)).array[0], rtol=1e-6)


# ----- default initialisation --------------------------------------------------------------------------
@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Linear(50, 400), 50),
    (lambda: nn.Conv2d(6, 64, 3), 6 * 9),
    (lambda: nn.ConvTranspose2d(6, 64, 3), 64 * 9),  # torch's fan_in for ConvTranspose: dim 1 = out
])
def test_default_init_is_uniform_with_torchs_bound(make, fan_in):
    te.manual_seed(0)
    layer = make()
    bound = 1 / np.sqrt(fan_in)
    w = layer.weight.array.ravel()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    assert abs(w.mean()) < 0.05 * bound and abs(w.var() / (bound ** 2 / 3) - 1) < 0.05
    assert np.abs(layer.bias.array).max() <= bound
    te.manual_seed(0)
    np.testing.assert_array_equal(make().weight.array, w.reshape(layer.weight.shape))


def test_init_module_functions():
    w = nn.Parameter(te.zeros(30, 20))
    nn.init.xavier_uniform_(w)
    assert np.abs(w.array).max() <= np.sqrt(6 / 50)
    nn.init.constant_(w, 0.5)
    assert np.all(w.array == 0.5)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.array.std() - np.sqrt(2 / 20)) < 0.03
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)


# ----- loss modules ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules_match_torch(reduction):
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    probs, targets = rng.random((5, 4)) * 0.98 + 0.01, rng.random((5, 4))
    cases = [("CrossEntropyLoss", logits, labels), ("NLLLoss", np.log(probs), labels), ("MSELoss", logits, targets), ("L1Loss", logits, targets),
             ("BCELoss", probs, targets), ("BCEWithLogitsLoss", logits, targets)]
    for name, a, b in cases:
        ours = getattr(nn, name)(reduction=reduction)(te.tensor(a), te.tensor(b))
        theirs = getattr(torch.nn, name)(reduction=reduction)(torch.from_numpy(a), torch.from_numpy(b))
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-10, err_msg=name)
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


def test_errors_from_functional_ops_are_prefixed_with_the_layer_path():
    model = nn.Sequential(nn.Flatten(), nn.Sequential(nn.MaxPool2d(2)))
    with pytest.raises(ValueError) as info:
        model(te.randn(2, 3, 4, 4))
    assert str(info.value).startswith("in Sequential.1.0 (MaxPool2d(kernel_size=2")


@pytest.mark.skipif(te.cuda_available(), reason="checks the error raised without a CUDA device")
def test_cuda_without_a_device_is_a_clear_error():
    with pytest.raises(RuntimeError, match="device='cuda' was asked for"):
        nn.Linear(2, 2).cuda()
