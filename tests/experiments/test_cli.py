"""`python -m experiments ...`: every user error is exit status 2 and one `error: ...` line on stderr,
with no traceback (`--debug` shows it); `run` prints the key numbers, `reproduce` names its runs."""
import subprocess
import sys

import numpy as np
import pytest

from experiments.__main__ import main
from experiments.data import write_idx


def _one_error(capsys, *argv):
    """Run the command line; assert exit 2 and a single `error:` line; return that line."""
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, err
    assert "Traceback" not in err, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize("epochs", ["0", "-1", "two"])
def test_epochs_below_one(capsys, tmp_path, epochs):
    line = _one_error(capsys, "run", "ee411.2.2", "--quick", "--epochs", epochs, "--out", tmp_path)
    assert "--epochs" in line and epochs in line


def test_unknown_task_id_suggests_near_ones(capsys, tmp_path):
    line = _one_error(capsys, "run", "ee411.2.33", "--quick", "--out", tmp_path)
    assert "'ee411.2.33'" in line and "ee411.2.3" in line and "experiments list" in line
    assert "'nope'" in _one_error(capsys, "reproduce", "--ids", "nope", "--out", tmp_path)
    assert "'nope'" in _one_error(capsys, "compare", "nope", "--out", tmp_path)
    assert "invalid choice" in _one_error(capsys, "bogus")


def _idx_set(folder, n_train=100, n_test=20):
    rng = np.random.default_rng(0)
    folder.mkdir()
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8))
    return folder


def test_truncated_idx_file(capsys, tmp_path):
    folder = _idx_set(tmp_path / "fashion")
    images = folder / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:5000])
    line = _one_error(capsys, "run", "ee411.2.2", "--quick", "--data", folder, "--out", tmp_path / "runs")
    assert str(images) in line and "truncated" in line and "--synthetic" in line


def test_corrupt_gzip_idx_file(capsys, tmp_path):
    folder = _idx_set(tmp_path / "mnist")
    (folder / "t10k-labels-idx1-ubyte").unlink()
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", (np.arange(20) % 10).astype(np.uint8))
    gz = folder / "t10k-labels-idx1-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:-12])
    line = _one_error(capsys, "run", "nni2.3", "--quick", "--data", folder, "--out", tmp_path / "runs")
    assert str(gz) in line and "corrupt or truncated" in line


def test_data_folder_given_as_a_file(capsys, tmp_path):
    folder = _idx_set(tmp_path / "fashion")
    line = _one_error(capsys, "run", "ee411.2.2", "--quick", "--data", folder / "train-images-idx3-ubyte",
                      "--out", tmp_path / "runs")
    assert "a file; give the folder" in line


def test_hdf5_with_wrong_keys(capsys, tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "Galaxy10.h5"
    with h5py.File(path, "w") as fh:
        fh["pictures"] = np.zeros((4, 69, 69, 3), dtype=np.uint8)
        fh["labels"] = np.zeros(4, dtype=np.int64)
    line = _one_error(capsys, "run", "mlph08.1a", "--quick", "--data", path, "--out", tmp_path / "runs")
    assert str(path) in line and "'images' and 'ans'" in line and "['labels', 'pictures']" in line


def test_a_file_that_is_not_hdf5(capsys, tmp_path):
    path = tmp_path / "Galaxy10.h5"
    path.write_bytes(b"not an HDF5 file")
    pytest.importorskip("h5py")
    assert "not a readable HDF5 file" in _one_error(capsys, "run", "mlph08.1a", "--quick", "--data", path,
                                                    "--out", tmp_path / "runs")


@pytest.mark.parametrize("backend", ["edu", "torch"])
def test_cuda_without_a_gpu(capsys, tmp_path, backend):
    if backend == "torch":
        torch = pytest.importorskip("torch")
        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
    else:
        import tinygrad_edu as te
        if te.cuda_available():
            pytest.skip("this machine has CuPy and a GPU")
    line = _one_error(capsys, "run", "ee411.1.3", "--backend", backend, "--device", "cuda", "--out", tmp_path)
    assert "--device cuda" in line and "--device cpu" in line


def test_unwritable_out(capsys, tmp_path):
    (tmp_path / "a_file").write_text("")
    line = _one_error(capsys, "run", "ee411.1.3", "--quick", "--out", tmp_path / "a_file" / "runs")
    assert "--out" in line and "a_file is a file, not a folder" in line
    line = _one_error(capsys, "reproduce", "--quick", "--ids", "ee411.1.3", "--out", tmp_path / "a_file")
    assert "cannot write there" in line


def test_data_for_a_task_that_reads_none(capsys, tmp_path):
    line = _one_error(capsys, "run", "ee411.1.3", "--quick", "--data", tmp_path, "--out", tmp_path / "runs")
    assert "reads no data set" in line and "drop it" in line
    assert not (tmp_path / "runs" / "ee411.1.3").exists()
    line = _one_error(capsys, "run", "ee411", "--quick", "--data", tmp_path, "--out", tmp_path / "runs")
    assert "different data sets" in line


def test_reuse_of_an_empty_folder(capsys, tmp_path):
    line = _one_error(capsys, "reproduce", "--reuse", "--out", tmp_path)
    assert "--reuse" in line and "no earlier runs" in line and not (tmp_path / "report.html").exists()
    assert "does not exist" in _one_error(capsys, "reproduce", "--reuse", "--out", tmp_path / "nowhere")


def test_a_process_shows_one_line_and_debug_shows_the_traceback(tmp_path):
    base = [sys.executable, "-m", "experiments", "run", "ee411.1.3", "--epochs", "0", "--out", str(tmp_path)]
    done = subprocess.run(base, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    debug = subprocess.run(base + ["--debug"], capture_output=True, text=True, timeout=300)
    assert debug.returncode == 2 and "Traceback" in debug.stderr and "error: " in debug.stderr


def test_run_prints_key_numbers_and_where_the_files_are(capsys, tmp_path):
    assert main(["run", "ee411.1.3", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "stable_z2_minus1e10_y1: 1e+10" in out
    assert f"wrote {tmp_path / 'ee411.1.3' / 'edu'}" in out and "metrics.json" in out


def test_reproduce_estimates_first_and_names_each_run(capsys, tmp_path):
    ids = ["ee411.1.2", "ee411.1.3"]
    assert main(["reproduce", "--quick", "--backend", "edu", "--ids", *ids, "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    first = captured.out.splitlines()[0]
    assert "2 runs" in first and "estimated time" in first and "rough estimate" in first
    assert all(f"{i} (edu)" in captured.err for i in ids)
    assert main(["reproduce", "--reuse", "--backend", "edu", "--ids", *ids, "--out", str(tmp_path)]) == 0


def test_compare_before_both_runs(capsys, tmp_path):
    line = _one_error(capsys, "compare", "ee411.1.3", "--out", tmp_path)
    assert "metrics.json is missing" in line and "experiments run ee411.1.3" in line
