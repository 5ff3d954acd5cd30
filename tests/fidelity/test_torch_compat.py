"""tinygrad_edu.torch_compat: the top-level function forms of tensor methods
agree with torch's, the package exports them (once its __init__ imports torch_compat), and a
notebook-style autoencoder snippet that leans on them runs in both libraries with equal numbers."""
import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as enn
from tinygrad_edu import optim as eoptim
from tinygrad_edu import torch_compat, utils as eutils
from tests.fidelity.torch_dropin_harness import bindings, edu_torch, run

torch = pytest.importorskip("torch")
from torch_ref.convert import copy_weights  # noqa: E402


def test_top_level_functions_match_torch():
    x = np.random.default_rng(4).standard_normal((3, 4, 5)).astype(np.float32)
    t = edu_torch()
    ex, tx = t.tensor(x), torch.from_numpy(x)
    v, i = t.max(ex, 1)
    tv, ti = torch.max(tx, 1)
    np.testing.assert_array_equal(v.array, tv.numpy())
    np.testing.assert_array_equal(i.array, ti.numpy())
    for name, args in [("mean", dict(axis=(0, 2))), ("std", dict(dim=1)), ("var", dict(dim=(0, 1))),
                       ("sum", dict(dim=2)), ("logsumexp", dict(dim=1)), ("softmax", dict(dim=-1)),
                       ("log_softmax", dict(dim=0)), ("argmax", dict(dim=1)), ("argmin", dict(dim=2)),
                       ("amax", dict(dim=1)), ("flatten", dict(start_dim=1)), ("unsqueeze", dict(dim=0)),
                       ("transpose", dict(dim0=0, dim1=2)), ("clamp", dict(min=-0.5, max=0.5))]:
        ours, theirs = getattr(t, name)(ex, **args), getattr(torch, name)(tx, **args)
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    for name in ["exp", "abs", "sigmoid", "tanh", "relu", "sign", "square"]:
        np.testing.assert_allclose(getattr(t, name)(ex).array, getattr(torch, name)(tx).numpy(), rtol=1e-6,
                                   err_msg=name)
    np.testing.assert_allclose(t.sqrt(t.abs(ex)).array, torch.sqrt(torch.abs(tx)).numpy(), rtol=1e-6)
    np.testing.assert_allclose(t.log(t.abs(ex)).array, torch.log(torch.abs(tx)).numpy(), rtol=1e-6)
    assert t.numel(ex) == 60 and t.is_tensor(ex) and not t.is_tensor(x)
    assert ex.shape == t.Size([3, 4, 5]) and ex.size() == torch.Size([3, 4, 5])
    np.testing.assert_allclose(t.permute(ex, (2, 0, 1)).array, torch.permute(tx, (2, 0, 1)).numpy())
    np.testing.assert_allclose(t.matmul(ex, t.transpose(ex, 1, 2)).array, torch.matmul(tx, tx.transpose(1, 2)).numpy(),
                               rtol=1e-5)
    labels = np.array([3, 1, 3, 0, 1])
    u, inv, counts = t.unique(t.tensor(labels), return_inverse=True, return_counts=True)
    tu, tinv, tcounts = torch.unique(torch.from_numpy(labels), return_inverse=True, return_counts=True)
    assert u.tolist() == tu.tolist() and inv.tolist() == tinv.tolist() and counts.tolist() == tcounts.tolist()
    assert t.allclose(ex, ex + 1e-9) and not t.allclose(ex, ex + 1)
    assert t.isnan(t.tensor([1.0, float("nan")])).tolist() == [False, True]
    m = t.max(ex, ex * 2)  # torch.max(a, b) is the elementwise maximum
    np.testing.assert_allclose(m.array, torch.max(tx, tx * 2).numpy())
    with pytest.raises(TypeError, match="must be a Tensor"):
        t.mean([1.0, 2.0])


def test_package_exports_torch_compat():
    if not hasattr(te, "unique"):
        pytest.skip("tinygrad_edu/__init__.py does not import torch_compat yet (the lead's edit)")
    for name in torch_compat.__all__:
        assert getattr(te, name) is getattr(torch_compat, name), name
    assert te.nn is enn and te.optim is eoptim and te.utils.data.DataLoader is eutils.data.DataLoader


# A notebook-style snippet that leans on the top-level functions, run in both libraries.
AUTOENCODER_NOTEBOOK = """
class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 2))
        self.decoder = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 784))

    def forward(self, x):
        z = self.encoder(x.view(-1, 784))
        return torch.sigmoid(self.decoder(z)).view(-1, 1, 28, 28), z

model = AE()
criterion = nn.MSELoss()
bce = nn.BCEWithLogitsLoss()
recon, z = model(images)
loss = criterion(recon, images) + bce(z[:, 0], (labels > 4).float())
loss.backward()
codes = torch.cat([z.detach(), z.detach()], dim=0)
spread = torch.std(codes, dim=0)
closest = torch.argmin(torch.sum((codes - codes[0]) ** 2, dim=1))
probs = F.softmax(model.encoder(images.view(images.size(0), -1)), dim=1)
is_prob = torch.allclose(probs.sum(dim=1), torch.ones(images.size(0)), atol=1e-6)
"""


def test_autoencoder_snippet_matches_torch():
    rng = np.random.default_rng(3)
    images, labels = rng.random((6, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 6)
    spaces = {}
    for backend in ("torch", "edu"):
        t = bindings(backend)["torch"]
        ns = run(AUTOENCODER_NOTEBOOK.split("recon, z")[0], backend)
        ns.update(images=t.from_numpy(images), labels=t.from_numpy(labels))
        spaces[backend] = ns
    copy_weights(spaces["torch"]["model"], spaces["edu"]["model"])
    for backend, ns in spaces.items():
        exec("recon, z" + AUTOENCODER_NOTEBOOK.split("recon, z", 1)[1], ns)
    e, t = spaces["edu"], spaces["torch"]
    assert e["is_prob"] and t["is_prob"]
    np.testing.assert_allclose(e["loss"].item(), t["loss"].item(), rtol=1e-5)
    np.testing.assert_allclose(e["spread"].array, t["spread"].numpy(), rtol=1e-4)
    assert e["closest"].item() == t["closest"].item() == 0
    for (name, p), (_, q) in zip(e["model"].named_parameters(), t["model"].named_parameters()):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
