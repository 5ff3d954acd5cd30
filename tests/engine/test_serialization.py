"""tinygrad_edu.serialization: checkpoints in NumPy's format, written atomically, read back exactly;
bad files get an error naming the file; state dicts convert to and from torch's with the same keys
(torch_ref.convert)."""
import io
import os
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn
from tinygrad_edu import optim, serialization
from tinygrad_edu.serialization import CheckpointError, load, save
from tests.nn.parity_models import MODELS

torch = pytest.importorskip("torch")
from torch_ref.convert import copy_weights, from_torch_state_dict, load_into, to_torch_state_dict  # noqa: E402


def _checkpoint():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    model(te.randn(5, 3, dtype=te.float64)).sum().backward()
    opt.step()
    return model, opt, {"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 7,
                        "history": [1.5, float("inf"), float("nan")], "note": "best", "done": False, "none": None,
                        "shape": (2, 3), "labels": np.arange(4, dtype=np.int64), "mask": te.tensor([True, False])}


def _assert_same(a, b):
    if isinstance(a, te.Tensor):
        assert isinstance(b, te.Tensor) and a.dtype == b.dtype
        np.testing.assert_array_equal(a.array, b.array)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b and type(a) is type(b)


def test_round_trip_keeps_structure_dtypes_and_values(tmp_path):
    _, _, ckpt = _checkpoint()
    path = tmp_path / "ckpt.npz"
    save(ckpt, path)
    back = load(path)
    _assert_same(ckpt, back)
    assert isinstance(back["model"], OrderedDict) and list(back["optim"]["state"]) == [0, 1, 2, 3]
    with np.load(path, allow_pickle=False) as archive:  # plain NumPy can read it, nothing pickled
        assert "__structure__" in archive.files and archive["a0"].dtype == np.float64


def test_model_and_optimizer_resume_from_file(tmp_path):
    model, opt, ckpt = _checkpoint()
    save(ckpt, tmp_path / "c.npz")
    back = load(tmp_path / "c.npz")
    model2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    model2.load_state_dict(back["model"])
    opt2 = optim.Adam(model2.parameters(), lr=1e-3)
    opt2.load_state_dict(back["optim"])
    x = te.randn(5, 3, dtype=te.float64)
    for m, o in ((model, opt), (model2, opt2)):
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    for p, q in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(p.array, q.array)


def test_file_objects_and_parameters():
    buffer = io.BytesIO()
    save({"p": nn.Parameter(te.ones(2))}, buffer)
    buffer.seek(0)
    p = load(buffer)["p"]
    assert isinstance(p, nn.Parameter) and p.requires_grad


def test_crash_mid_write_leaves_old_checkpoint_and_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save({"w": te.zeros(1000)}, path)
    good = path.read_bytes()
    real_write = serialization._write_archive

    def crashing_write(fileobj, arrays, structure):
        scratch = io.BytesIO()
        real_write(scratch, arrays, structure)
        fileobj.write(scratch.getvalue()[: len(scratch.getvalue()) // 2])  # half the archive reaches disk
        raise OSError("simulated crash: disk full")

    monkeypatch.setattr(serialization, "_write_archive", crashing_write)
    with pytest.raises(OSError, match="simulated crash"):
        save({"w": te.ones(1000)}, path)
    assert path.read_bytes() == good  # the old checkpoint is intact
    assert os.listdir(tmp_path) == ["model.npz"]  # and no temporary file is left behind
    np.testing.assert_array_equal(load(path)["w"].array, np.zeros(1000))


def test_crash_before_rename_also_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save({"w": te.zeros(3)}, path)

    def failing_replace(src, dst):
        raise KeyboardInterrupt  # interrupted between fsync and rename

    monkeypatch.setattr(serialization.os, "replace", failing_replace)
    with pytest.raises(KeyboardInterrupt):
        save({"w": te.ones(3)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(load(path)["w"].array, np.zeros(3))


_KILLED_SAVE = """
import os, signal, sys
import tinygrad_edu as te
from tinygrad_edu import serialization

def write_then_die(fileobj, arrays, structure):
    fileobj.write(b"PK half an archive")
    fileobj.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-write: no except/finally runs

serialization._write_archive = write_then_die
te.save({"w": te.ones(1000)}, sys.argv[1])
"""


def test_a_killed_save_leaves_its_temporary_file_and_the_next_save_removes_it(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "model.npz"
    save({"w": te.zeros(1000)}, path)
    killed = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(path)], capture_output=True)
    assert killed.returncode != 0
    leftovers = sorted(n for n in os.listdir(tmp_path) if n != "model.npz")
    assert len(leftovers) == 1 and leftovers[0].startswith(".model.npz.") and leftovers[0].endswith(".tmp")
    np.testing.assert_array_equal(load(path)["w"].array, np.zeros(1000))  # the old checkpoint is intact
    (tmp_path / ".other.npz.1.x.tmp").write_bytes(b"")  # another file's temporary: not ours to remove
    save({"w": te.arange(5.0)}, path)
    assert sorted(os.listdir(tmp_path)) == [".other.npz.1.x.tmp", "model.npz"]
    np.testing.assert_array_equal(load(path)["w"].array, np.arange(5.0))


def test_a_running_saves_temporary_file_is_left_alone(tmp_path):
    path = tmp_path / "model.npz"
    in_progress = tmp_path / f".model.npz.{os.getpid()}.abcd1234.tmp"  # this process: a save in progress
    in_progress.write_bytes(b"")
    save({"w": te.ones(2)}, path)
    assert in_progress.exists()


def test_save_into_a_missing_directory_names_the_path_given(tmp_path):
    path = tmp_path / "no_such_dir" / "ckpt.npz"
    with pytest.raises(FileNotFoundError) as error:
        save({"w": te.ones(2)}, path)
    assert str(path) in str(error.value) and "does not exist" in str(error.value)
    assert ".tmp" not in str(error.value)
    assert not (tmp_path / "no_such_dir").exists()


@pytest.mark.parametrize("damage", ["truncate_half", "truncate_tail", "garbage", "flip_data_byte", "empty"])
def test_corrupt_or_truncated_file_is_a_clear_error(tmp_path, damage):
    path = tmp_path / "ckpt.npz"
    save({"w": te.arange(1000, dtype=te.float64)}, path)
    data = bytearray(path.read_bytes())
    if damage == "truncate_half":
        data = data[: len(data) // 2]
    elif damage == "truncate_tail":
        data = data[:-30]
    elif damage == "garbage":
        data = bytearray(b"not a checkpoint at all" * 10)
    elif damage == "flip_data_byte":
        data[400] ^= 0xFF  # inside the array's bytes: caught by the CRC
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="ckpt.npz"):
        load(path)


def test_other_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        load(tmp_path / "missing.npz")
    np.savez(tmp_path / "plain.npz", x=np.ones(2))
    with pytest.raises(CheckpointError, match="plain.npz.*not a tinygrad_edu checkpoint"):
        load(tmp_path / "plain.npz")
    with pytest.raises(TypeError, match=r"the object\['bad'\].*object"):
        save({"bad": object()}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


# ----- torch conversion ---------------------------------------------------------------------------------
def test_state_dict_conversion_keeps_keys_layouts_and_dtypes():
    em = MODELS["strided_autoencoder"][0](nn).double()
    tsd = to_torch_state_dict(em.state_dict())
    assert list(tsd) == list(em.state_dict()) and all(v.dtype == torch.float64 for v in tsd.values())
    back = from_torch_state_dict(tsd)
    for k, v in em.state_dict().items():
        np.testing.assert_array_equal(back[k].array, v.array)
    tm = MODELS["strided_autoencoder"][0](torch.nn).double()
    load_into(tm, em.state_dict())
    x = np.random.default_rng(0).random((2, 1, 28, 28))
    np.testing.assert_allclose(tm(torch.from_numpy(x)).detach().numpy(), em(te.tensor(x)).array, rtol=1e-10)


def test_torch_trained_weights_saved_by_edu_load_in_both(tmp_path):
    tm = MODELS["fashion_mlp"][0](torch.nn)
    save(tm.state_dict(), tmp_path / "t.npz")  # torch tensors are saved as arrays
    em = MODELS["fashion_mlp"][0](nn)
    em.load_state_dict(load(tmp_path / "t.npz"))
    tm2 = MODELS["fashion_mlp"][0](torch.nn)
    copy_weights(em, tm2)
    for (k, a), (_, b) in zip(tm.state_dict().items(), tm2.state_dict().items()):
        assert torch.equal(a, b), k
