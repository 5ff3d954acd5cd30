"""The sheets' architectures (experiments/models.py) compute and train the same in tinygrad_edu.nn as
in torch.nn.

Each model of ``parity_models.MODELS`` is built once with ``torch.nn`` and once with
``tinygrad_edu.nn``, in float64; torch's freshly initialised weights are copied into the edu model
with ``torch_ref.convert``. Then:
  1. outputs and the gradient of every parameter agree to 1e-8 relative (elementwise, with the
     tolerance scaled by the largest entry of the tensor: ``|a - b| <= 1e-8 max|b|``);
  2. 20 steps of SGD(lr=0.01, momentum=0.9, nesterov=True), and 20 of Adam(lr=1e-3), on the same
     random batches leave equal weights, to 1e-8 relative as well: float64 rounding differences
     (~1e-16, from a different summation order in the GEMMs) grow by a few orders of magnitude over
     20 steps but stay far below 1e-8 (measured on CPU: at most 6e-15 for outputs and gradients,
     8e-14 after 20 SGD steps, 3e-12 after 20 Adam steps, whose division by sqrt(v) amplifies
     rounding the most).
"""
import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as enn
import tinygrad_edu.nn.functional as EF
from tinygrad_edu import optim as eoptim
from tests.nn.parity_models import MODEL_PARAMS, MODELS

torch = pytest.importorskip("torch")
from torch_ref.convert import copy_weights  # noqa: E402

TOLERANCE = 1e-8
BATCH = 3
STEPS = 20


def _build(name):
    builder, shape, kind = MODELS[name]
    tm = builder(torch.nn).double()
    em = builder(enn).double()
    copy_weights(tm, em)
    return tm, em, shape, kind


def _batch(rng, shape, kind):
    x = rng.standard_normal((BATCH,) + shape) if kind != "reconstruct" else rng.random((BATCH,) + shape)
    y = rng.integers(0, 10, size=(2, BATCH))
    return x, y


def _loss(F, lib, out, x, y, kind, device=None):
    if kind == "classify":
        return F.cross_entropy(out, lib.tensor(y[0], device=device))
    if kind == "multitask":
        return (F.cross_entropy(out[0], lib.tensor(y[0], device=device))
                + F.cross_entropy(out[1], lib.tensor(y[1], device=device))) / 2
    return F.mse_loss(out, x)


def _step_losses(tm, em, x, y, kind, device=None):
    tx, ex = torch.from_numpy(x), te.tensor(x, device=device)
    tout, eout = tm(tx), em(ex)
    tl = _loss(torch.nn.functional, torch, tout, tx, y, kind)
    el = _loss(EF, te, eout, ex, y, kind, device)
    return tout, eout, tl, el


def _assert_close(actual, expected, what):
    actual = te.backend.to_numpy(actual).astype(np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, what
    scale = max(np.abs(expected).max(), 1e-300)
    err = np.abs(actual - expected).max() / scale
    assert err <= TOLERANCE, f"{what}: max |edu - torch| / max |torch| = {err:.3e} > {TOLERANCE}"
    return err


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]  # gpu: CuPy, or the CPU stand-in


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", MODEL_PARAMS)
def test_forward_and_gradients_match_torch(name, device):
    tm, em, shape, kind = _build(name)
    em.to(device)
    x, y = _batch(np.random.default_rng(1), shape, kind)
    tout, eout, tl, el = _step_losses(tm, em, x, y, kind, device)
    for i, (a, b) in enumerate(zip(_outputs(eout), _outputs(tout))):
        _assert_close(a.array, b.detach().numpy(), f"{name} output {i}")
    _assert_close(el.item(), tl.item(), f"{name} loss")
    tl.backward()
    el.backward()
    tparams, eparams = dict(tm.named_parameters()), dict(em.named_parameters())
    assert list(tparams) == list(eparams)
    for key in tparams:
        _assert_close(eparams[key].grad.array, tparams[key].grad.numpy(), f"{name} grad of {key}")


def _optimizers(tm, em, which):
    if which == "sgd_nesterov":
        kwargs = dict(lr=0.01, momentum=0.9, nesterov=True)
        return torch.optim.SGD(tm.parameters(), **kwargs), eoptim.SGD(em.parameters(), **kwargs)
    return torch.optim.Adam(tm.parameters(), lr=1e-3), eoptim.Adam(em.parameters(), lr=1e-3)


@pytest.mark.parametrize("which", ["sgd_nesterov", "adam"])
@pytest.mark.parametrize("name", MODEL_PARAMS)
def test_training_steps_match_torch(name, which):
    tm, em, shape, kind = _build(name)
    topt, eopt = _optimizers(tm, em, which)
    rng = np.random.default_rng(2)
    for _ in range(STEPS):
        x, y = _batch(rng, shape, kind)
        topt.zero_grad()
        eopt.zero_grad()
        _, _, tl, el = _step_losses(tm, em, x, y, kind)
        tl.backward()
        el.backward()
        topt.step()
        eopt.step()
    tstate, estate = tm.state_dict(), em.state_dict()
    for key in tstate:
        _assert_close(estate[key].array, tstate[key].numpy(), f"{name}/{which} weight {key} after {STEPS} steps")
