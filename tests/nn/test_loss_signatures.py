"""The loss modules and functions take torch's arguments in torch's order, the old
``size_average``/``reduce`` flags included (they override ``reduction``, as in torch)."""
import inspect
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as te

MODULES = ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss",
           "KLDivLoss", "HuberLoss"]


@pytest.mark.parametrize("name", MODULES)
def test_loss_modules_have_torchs_signature(name):
    ours = inspect.signature(getattr(te.nn, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


def _inputs(lib):
    logits = lib.tensor(np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]]), dtype=lib.float64)
    return logits, lib.tensor([2, 0]), logits.sigmoid(), lib.tensor(np.array([[1.0, 0, 1], [0, 1, 0]]))


@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True), (False, True)])
def test_legacy_flags_give_torchs_reduction(size_average, reduce):
    results = {}
    for lib in (torch, te):
        logits, labels, probs, target = _inputs(lib)
        F = lib.nn.functional
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = [F.cross_entropy(logits, labels, None, size_average, -100, reduce),
                   F.nll_loss(logits.log_softmax(1), labels, None, size_average, -100, reduce),
                   F.mse_loss(probs, target, size_average, reduce),
                   F.binary_cross_entropy(probs, target, None, size_average, reduce),
                   F.binary_cross_entropy_with_logits(logits, target, None, size_average, reduce),
                   lib.nn.CrossEntropyLoss(None, size_average, -100, reduce)(logits, labels),
                   lib.nn.MSELoss(size_average, reduce)(probs, target)]
        results[lib.__name__] = [o.detach().numpy() for o in out]
    for a, b in zip(results["tinygrad_edu"], results["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_positional_ignore_index_lands_where_torchs_does():
    for lib in (torch, te):
        logits, labels, _, _ = _inputs(lib)
        assert lib.nn.NLLLoss(None, None, 2)(logits.log_softmax(1), labels).item() == pytest.approx(
            -logits.log_softmax(1)[1, 0].item())
