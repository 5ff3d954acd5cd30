"""derivations/: the PDFs build, every [derive] id has its section, every code and test reference
exists; plus the numeric claims of the mlph08 derivations (the other topics' claims are in
tests/by_hand_and_derivations/test_derivation_claims.py)."""
import ast
import copy
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
DERIVATIONS = REPO / "derivations"
TASKS = REPO.parent / "shared" / "TASKS.md"   # CI clones the repo with ../shared beside it

# The checked-in copy of the [derive] ids of ../shared/TASKS.md, so that this test cannot pass
# silently where shared/ is absent. test_checked_in_ids_are_current keeps it in step.
DERIVE_IDS = """
mlph08.1a mlph08.1c mlph08.1f mlph08.2a mlph08.2b mlph08.2c mlph08.2d mlph08.3a mlph08.3d
ee411.1.2 ee411.1.3 ee411.1.4 ee411.2.1 ee411.2.4 ee411.2.5
nni2.2 nni2.3 nni2.T1 nni2.T2 nni2.T3 nni2.T4
cpsc663.P1.1 cpsc663.P1.2 cpsc663.P2.1 cpsc663.P2.2 cpsc663.P2.3 cpsc663.P3.1 cpsc663.P3.2
cpsc663.P3.3 cpsc663.P4.1 cpsc663.P5.1 cpsc663.P5.2 cpsc663.P5.3 cpsc663.P6.3 cpsc663.bonus
""".split()

SECTION = re.compile(r"\\(?:sub)*section\*?\{\s*([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+):")
REFERENCE = re.compile(r"\\(code|test)\{([^}]*)\}")


def _sources():
    files = sorted(DERIVATIONS.glob("*.tex"))
    assert files, f"no .tex files in {DERIVATIONS}"
    return {path.name: path.read_text(encoding="utf-8") for path in files}


def _ids_from_tasks(text):
    return [m.group(1) for m in re.finditer(r"^- `([^`]+)` ((?:\[[a-z]+\])+)", text, re.M)
            if "[derive]" in m.group(2)]


def test_checked_in_ids_are_current():
    assert len(DERIVE_IDS) == len(set(DERIVE_IDS)) == 35
    if not TASKS.exists():
        pytest.skip(f"{TASKS} is absent; the checked-in list of {len(DERIVE_IDS)} ids is used alone")
    from_tasks = _ids_from_tasks(TASKS.read_text(encoding="utf-8"))
    assert from_tasks, "no [derive] ids parsed from TASKS.md: has its format changed?"
    assert sorted(from_tasks) == sorted(DERIVE_IDS), "update DERIVE_IDS to match ../shared/TASKS.md"


def test_every_derive_id_has_a_section():
    wanted = set(DERIVE_IDS)
    if TASKS.exists():
        wanted |= set(_ids_from_tasks(TASKS.read_text(encoding="utf-8")))
    found = {}
    for name, text in _sources().items():
        for task in SECTION.findall(text):
            assert task not in found, f"{task} has sections in both {found[task]} and {name}"
            found[task] = name
    missing = sorted(wanted - set(found))
    assert not missing, f"[derive] ids without a section in derivations/: {missing}"


def _defined_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def test_every_code_and_test_reference_exists():
    references = [(name, kind, ref) for name, text in _sources().items()
                  for kind, ref in REFERENCE.findall(text)]
    kinds = {kind for _, kind, _ in references}
    assert kinds == {"code", "test"} and len(references) > 40
    for name, kind, ref in references:
        path, _, function = ref.partition("::")
        target = REPO / path
        assert target.is_file(), f"{name}: \\{kind}{{{ref}}} names a missing file {path}"
        if function:
            assert function in _defined_names(target), f"{name}: {path} defines no {function}"
        if kind == "test":
            assert path.startswith("tests/") and Path(path).name.startswith("test_") \
                and function.startswith("test_"), f"{name}: {ref}"


def test_sheet_errors_are_stated():
    text = " ".join(_sources().values())
    for phrase in ["factor $\\tfrac12$", "\\emph{nine} classes", "standard deviation", "aliases",
                   "Aliased checkpoint", "per anchor", "exp(-2*k*np.log(10000)) /", "no cross terms",
                   "left the mode-collapse question unanswered", "sparsity", "not in the seed"]:
        assert phrase in text, f"the derivations do not mention {phrase!r}"


@pytest.mark.skipif(shutil.which("latexmk") is None,
                    reason="latexmk is not installed (the texlive-latex-base, texlive-latex-recommended "
                           "and latexmk packages); the PDFs cannot be built here")
def test_pdfs_build(tmp_path):
    build = tmp_path / "build"
    done = subprocess.run(["make", "-C", str(DERIVATIONS), f"BUILD={build}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in _sources():
        pdf = build / name.replace(".tex", ".pdf")
        assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", f"{pdf} was not built"
        log = (build / name.replace(".tex", ".log")).read_text(errors="replace")
        assert not re.search(r"LaTeX Warning: (Reference|Citation).*undefined", log), name
        assert "Output written" in log and int(re.search(r"\((\d+) pages?", log).group(1)) >= 1


# --- the numeric claims of mlph08_galaxy_cnn.tex and mlph08_infonce_posenc.tex -------------------

RNG = np.random.default_rng(8)


def test_mlph08_train_split_normalisation():
    images = RNG.integers(0, 256, (50, 69, 69, 3), dtype=np.uint8)
    images[..., 1] //= 2                                            # channels differ
    x = np.moveaxis(images.astype(np.float64), -1, 1)               # N, C, H, W
    order = RNG.permutation(50)
    train, val = x[order[:40]], x[order[40:45]]
    mean, std = train.mean(axis=(0, 2, 3)), train.std(axis=(0, 2, 3))
    normalise = lambda batch: (batch - mean[:, None, None]) / std[:, None, None]
    assert mean.shape == std.shape == (3,) and mean[1] < 0.6 * mean[0]
    assert np.allclose(normalise(train).mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert np.allclose(normalise(train).std(axis=(0, 2, 3)), 1, atol=1e-12)
    assert not np.allclose(normalise(val).mean(axis=(0, 2, 3)), 0, atol=1e-6)


def test_mlph08_cross_entropy_keeps_learning():
    import torch  # imported here so that the build and reference checks run without torch
    logits = torch.tensor([[10.0, -10.0]], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([1])
    (ce,) = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, target), logits)
    p = torch.softmax(logits, dim=1)
    (mse,) = torch.autograd.grad(((p - torch.tensor([[0.0, 1.0]], dtype=torch.float64)) ** 2).sum(), logits)
    assert 1.4 < ce.norm() < 1.42 and mse.norm() < 2e-8


def test_mlph08_rotation_average_is_invariant():
    import torch  # imported here so that the build and reference checks run without torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 10 * 10, 5)).double()
    average = lambda x: sum(net(torch.rot90(x, k, dims=(2, 3))) for k in range(4)) / 4
    x = torch.randn(2, 3, 12, 12, dtype=torch.float64)
    rotated = torch.rot90(x, 1, dims=(2, 3))
    with torch.no_grad():
        assert torch.allclose(average(rotated), average(x), rtol=0, atol=1e-12)
        assert (net(rotated) - net(x)).abs().max() > 1e-3


def test_mlph08_state_dict_aliases_live_weights():
    import torch  # imported here so that the build and reference checks run without torch
    model = torch.nn.Linear(3, 2)
    aliased, copied = model.state_dict(), copy.deepcopy(model.state_dict())
    before = model.weight.detach().clone()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.randn(4, 3)).pow(2).sum().backward()
    optimiser.step()
    assert not torch.equal(model.weight, before)
    assert torch.equal(aliased["weight"], model.weight)           # 001's "checkpoint" moved along
    assert torch.equal(copied["weight"], before)                  # a real copy did not


def _similarities(z, tau):
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    return z @ z.T / tau


def _nt_xent(z, tau):
    """(2c): rows 2i and 2i+1 are the two views of sample i."""
    s = _similarities(z, tau)
    m = len(z)
    np.fill_diagonal(s, -np.inf)
    partner = np.arange(m) ^ 1
    return np.mean(-s[np.arange(m), partner] + np.log(np.exp(s).sum(axis=1)))


def test_mlph08_infonce_per_anchor():
    import torch  # imported here so that the build and reference checks run without torch
    z, tau, m = RNG.normal(size=(8, 5)), 0.5, 8
    s = _similarities(z, tau)
    masked = np.where(np.eye(m, dtype=bool), -np.inf, s)
    per_anchor = np.exp(masked) / np.exp(masked).sum(axis=1, keepdims=True)          # (2a)
    global_norm = np.exp(masked) / np.exp(masked).sum()                              # 001's version
    assert np.allclose(per_anchor.sum(axis=1), 1) and not np.allclose(global_norm.sum(axis=1), 1)
    labels = np.zeros((m, m))
    labels[np.arange(m), np.arange(m) ^ 1] = 1                                        # y = delta_ij
    with np.errstate(divide="ignore", invalid="ignore"):
        full = -np.nansum(labels * np.log(per_anchor), axis=1).mean()                 # (2b)
    assert np.isclose(full, _nt_xent(z, tau), rtol=1e-12)                            # = (2c)
    logits = torch.tensor(masked)
    reference = torch.nn.functional.cross_entropy(logits, torch.tensor(np.arange(m) ^ 1))
    assert np.isclose(reference.item(), full, rtol=1e-12)


def test_mlph08_engine_infonce_is_the_derived_loss():
    """The engine's and torch_ref's NT-Xent (views stacked as [all first views; all second views])
    equal (2c) written out in NumPy (views interleaved)."""
    import torch

    import tinygrad_edu as te
    import tinygrad_edu.nn.functional as F
    from torch_ref.losses import info_nce_loss as torch_info_nce
    z, tau = RNG.normal(size=(8, 5)), 0.3
    stacked = np.concatenate([z[0::2], z[1::2]])
    expected = _nt_xent(z, tau)
    assert np.isclose(F.info_nce_loss(te.tensor(stacked), tau).item(), expected, rtol=1e-12)
    assert np.isclose(torch_info_nce(torch.tensor(stacked), tau).item(), expected, rtol=1e-12)


def test_mlph08_collapse_is_not_a_minimum():
    n, tau = 4, 0.5
    collapsed = np.tile(RNG.normal(size=(1, 6)), (2 * n, 1))
    assert np.isclose(_nt_xent(collapsed, tau), np.log(2 * n - 1), rtol=1e-12)
    spread = np.repeat(np.eye(6)[:n], 2, axis=0)                    # partners equal, others orthogonal
    assert _nt_xent(spread, tau) < np.log(2 * n - 1) - 1


def test_mlph08_concatenation_has_no_cross_terms():
    X, E = RNG.normal(size=(16, 10)), RNG.normal(size=(16, 10))
    added, joined = (X + E).T @ (X + E), np.vstack([X, E]).T @ np.vstack([X, E])
    assert np.allclose(joined, X.T @ X + E.T @ E, rtol=1e-12)
    cross = X.T @ E + E.T @ X
    assert np.allclose(added, X.T @ X + E.T @ E + cross, rtol=1e-12)
    assert np.linalg.norm(cross) > 0.3 * np.linalg.norm(X.T @ X + E.T @ E)


def _posenc(p, n, misplaced_division=False):
    k, i = np.arange(p // 2), np.arange(n)
    freq = np.exp(-2 * k * np.log(1e4)) / p if misplaced_division else np.exp(-2 * k * np.log(1e4) / p)
    E = np.zeros((p, n))
    E[0::2], E[1::2] = np.sin(np.outer(freq, i)), np.cos(np.outer(freq, i))
    return E


def test_mlph08_posenc_formula():
    right, wrong = _posenc(256, 64), _posenc(256, 64, misplaced_division=True)
    G, G_wrong = right.T @ right, wrong.T @ wrong
    assert np.allclose(np.diag(G), 128) and G[0, 63] < 70 and G[0, 1] > G[0, 10] > G[0, 40]
    assert np.abs(wrong[2:] - wrong[2:, :1]).max() < 1e-8           # rows k >= 1 are constant
    assert G_wrong.min() > 127.9 and G_wrong.max() <= 128 + 1e-9    # E^T E is flat


def test_mlph08_random_subspaces_are_nearly_orthogonal():
    r, ratios = 8, []
    for p in (16, 64, 256, 1024):
        U, V = (np.linalg.qr(RNG.normal(size=(p, r)))[0] for _ in range(2))
        cosines = np.linalg.svd(U.T @ V, compute_uv=False)
        X, E = U @ RNG.normal(size=(r, 64)), V @ RNG.normal(size=(r, 64))
        ratios.append(np.linalg.norm(X.T @ E + E.T @ X) / np.linalg.norm(X.T @ X + E.T @ E))
        if p == 1024:
            assert cosines.max() < 2.5 * np.sqrt(r) / np.sqrt(p) and ratios[-1] < 0.12
    assert all(a > b for a, b in zip(ratios, ratios[1:])) and ratios[0] > 0.4
