"""tinygrad_edu.nn's argument checks: where torch refuses a call to an nn function or layer
(batch/layer/group norm, embedding, adaptive pooling, unfold/fold, activations, losses, dropout2d),
the engine refuses it too, and its message carries torch's wording of the problem."""
import pytest

import tinygrad_edu as te

torch = pytest.importorskip("torch")


# ----- errors: where torch refuses, the engine refuses too, naming the problem ----------------------
def _both(lib):
    return lib, lib.nn, lib.nn.functional


ERRORS = {
    "batch_norm one value per channel": (lambda t, nn, F: F.batch_norm(t.ones(1, 3), t.zeros(3), t.ones(3),
                                                                       training=True), "more than 1 value per channel"),
    "batch_norm eval without stats": (lambda t, nn, F: F.batch_norm(t.ones(2, 3), None, None), "evaluation mode"),
    "batch_norm running_mean size": (lambda t, nn, F: F.batch_norm(t.ones(2, 3), t.zeros(4), t.ones(3),
                                                                   training=True), "should contain 3 elements not 4"),
    "BatchNorm1d 4-D input": (lambda t, nn, F: nn.BatchNorm1d(3)(t.ones(2, 3, 4, 5)), "expected 2D or 3D input"),
    "BatchNorm2d 3-D input": (lambda t, nn, F: nn.BatchNorm2d(3)(t.ones(2, 3, 4)), "expected 4D input"),
    "layer_norm shape": (lambda t, nn, F: F.layer_norm(t.ones(2, 3), (4,)), "expected input with shape [*, 4]"),
    "group_norm divisibility": (lambda t, nn, F: F.group_norm(t.ones(2, 3, 4), 2), "divisible by num_groups"),
    "GroupNorm divisibility": (lambda t, nn, F: nn.GroupNorm(2, 3), "must be divisible by num_groups"),
    "embedding float indices": (lambda t, nn, F: F.embedding(t.ones(2), t.ones(3, 2)), "indices"),
    "embedding index range": (lambda t, nn, F: F.embedding(t.tensor([0, 3]), t.ones(3, 2)), "index out of range"),
    "embedding padding_idx": (lambda t, nn, F: nn.Embedding(3, 2, padding_idx=3), "Padding_idx must be within"),
    "embedding 1-D weight": (lambda t, nn, F: F.embedding(t.tensor([0]), t.ones(3)), "must be 2-D"),
    "adaptive pool 2-D input": (lambda t, nn, F: F.adaptive_avg_pool2d(t.ones(2, 3), 2), "Expected 3D or 4D"),
    "unfold 2-D input": (lambda t, nn, F: F.unfold(t.ones(4, 4), 2), None),
    "unfold kernel too large": (lambda t, nn, F: F.unfold(t.ones(1, 1, 2, 2), 3), "must be at least one"),
    "fold blocks": (lambda t, nn, F: F.fold(t.ones(8, 8), (4, 4), 2), "number of sliding blocks"),
    "fold channels": (lambda t, nn, F: F.fold(t.ones(7, 9), (4, 4), 2), "divisible by the product of kernel_size"),
    "gelu approximate": (lambda t, nn, F: F.gelu(t.ones(2), approximate="foo"), "either none or tanh"),
    "celu alpha 0": (lambda t, nn, F: F.celu(t.ones(2), alpha=0.0), "ZeroDivisionError"),
    "hardtanh bounds": (lambda t, nn, F: F.hardtanh(t.ones(2), 2.0, 1.0), "cannot be greater than max_val"),
    "leaky_relu on ints": (lambda t, nn, F: F.leaky_relu(t.tensor([1, 2])), None),
    "inplace on a leaf": (lambda t, nn, F: F.elu(t.ones(2, requires_grad=True), inplace=True), "leaf"),
    "smooth_l1 beta": (lambda t, nn, F: F.smooth_l1_loss(t.ones(2), t.ones(2), beta=-1.0), "negative values for beta"),
    "huber delta": (lambda t, nn, F: F.huber_loss(t.ones(2), t.ones(2), delta=0.0), "non-positive values for delta"),
    "kl_div reduction": (lambda t, nn, F: F.kl_div(t.ones(2), t.ones(2), reduction="foo"), "not a valid value"),
    "dropout2d p": (lambda t, nn, F: F.dropout2d(t.ones(2, 2, 2, 2), 1.5), "between 0 and 1"),
    "dropout2d 1-D": (lambda t, nn, F: F.dropout2d(t.ones(3)), "at least 2 dimensions"),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_where_torch_raises(name):
    call, phrase = ERRORS[name]
    with pytest.raises(Exception) as theirs:
        call(*_both(torch))
    with pytest.raises(Exception) as ours:
        call(*_both(te))
    assert isinstance(ours.value, (ValueError, TypeError, IndexError, RuntimeError, AssertionError)), ours.value
    if phrase is not None:
        assert phrase in str(ours.value) and phrase in str(theirs.value), (str(ours.value), str(theirs.value))
