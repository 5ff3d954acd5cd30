"""tinygrad_edu.run: ``python -m tinygrad_edu.run script.py [args]`` runs a user's torch script with
``torch`` (and torch.nn, torch.nn.functional, torch.optim, torch.utils.data, torch.autograd) bound
to the engine; its output equals the same script's under torch, and user errors exit 2 with one line."""
import subprocess
import sys
import pathlib

import pytest

import tinygrad_edu
from tinygrad_edu.run import TORCH_MODULES, torch_bound_to_engine

SCRIPT = pathlib.Path(__file__).parent / "run_scripts" / "fit_line.py"
ROOT = pathlib.Path(__file__).resolve().parents[2]


def python(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_runner_output_equals_torch():
    pytest.importorskip("torch")
    on_torch = python(str(SCRIPT), "12")
    on_engine = python("-m", "tinygrad_edu.run", str(SCRIPT), "12")
    assert on_torch.returncode == 0, on_torch.stderr
    assert on_engine.returncode == 0, on_engine.stderr
    assert on_engine.stdout == on_torch.stdout
    assert "__main__ ['12'] tensor([2., 2.])" in on_engine.stdout


def test_runner_never_imports_the_real_torch():
    probe = ("import sys; from tinygrad_edu.run import main; main([sys.argv[1], '1']); "
             "print(sorted(name for name in sys.modules if name.split('.')[0] == 'torch'))")
    result = python("-c", probe, str(SCRIPT))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"  # the binding is undone and real torch was never loaded


@pytest.mark.parametrize("args, message", [(["no_such_script.py"], "tinygrad_edu.run: no such file: no_such_script.py"),
                                           ([], "usage: python -m tinygrad_edu.run script.py [args...]")])
def test_runner_user_error_exits_2_with_one_line(args, message):
    result = python("-m", "tinygrad_edu.run", *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [message]


def test_binding_is_undone_and_covers_the_submodules():
    before = sys.modules.get("torch")
    with torch_bound_to_engine():
        import torch
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        assert torch is tinygrad_edu and F is tinygrad_edu.nn.functional
        assert DataLoader is tinygrad_edu.utils.data.DataLoader
        assert all(sys.modules[alias].__name__ == real for alias, real in TORCH_MODULES.items())
    assert sys.modules.get("torch") is before
