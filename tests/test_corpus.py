"""Issue 11 item 3: a corpus of short programs in the style of the official PyTorch tutorials and
well-known course notebooks (``tests/corpus/``, one plain module per program, each with
``import torch`` at the top and a ``main()`` that returns the numbers to compare).

Each program is imported twice under a fresh module name: once with the real ``torch``, once
inside ``tinygrad_edu.run.torch_bound_to_engine()``, which binds ``torch``, ``torch.nn``,
``torch.nn.functional``, ``torch.optim``, ``torch.utils.data``, ``torch.autograd`` (...) to the
engine's modules in ``sys.modules`` -- nothing of the program is changed. The two libraries'
random streams differ, so random starting weights and data are drawn here with NumPy and handed
to ``main()`` (as arrays or state dicts); where a program draws random numbers itself the test
either feeds both libraries the same numbers (``same_normals``) or compares distributions.
"""
import importlib.util
import itertools
import pathlib
import types

import numpy as np
import pytest

from tinygrad_edu.run import torch_bound_to_engine

torch = pytest.importorskip("torch")

CORPUS = pathlib.Path(__file__).parent / "corpus"
_fresh = itertools.count()


def load(program, backend):
    """``tests/corpus/<program>.py`` imported under a fresh name with ``torch`` the real one or the engine."""
    path = CORPUS / f"{program}.py"
    spec = importlib.util.spec_from_file_location(f"corpus_{program}_{backend}_{next(_fresh)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(program, backend, *args, patch=None, **kwargs):
    """``main(*args, **kwargs)`` of ``program`` on ``backend`` ("torch" or "edu"); ``patch(module)``
    may replace names of the loaded module before ``main`` runs."""
    if backend == "torch":
        module = load(program, backend)
        patch and patch(module)
        return module.main(*args, **kwargs)
    with torch_bound_to_engine():
        module = load(program, backend)
        patch and patch(module)
        return module.main(*args, **kwargs)


def plain(value):
    """Tensors (of either library), lists, tuples and dicts as NumPy arrays / Python values."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.asarray(value.detach().numpy())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def assert_same(edu, ref, rtol=0.0, atol=0.0, path="result"):
    """``edu`` equals ``ref``: exactly for strings, ints, bools and dtypes, within rtol/atol for floats."""
    edu, ref = plain(edu), plain(ref)
    if isinstance(ref, dict):
        assert sorted(edu) == sorted(ref), f"{path}: keys {sorted(edu)} != {sorted(ref)}"
        for k in ref:
            assert_same(edu[k], ref[k], rtol, atol, f"{path}[{k!r}]")
    elif isinstance(ref, (list, tuple)) and not (ref and isinstance(ref[0], (int, float))):
        assert len(edu) == len(ref), f"{path}: length {len(edu)} != {len(ref)}"
        for i, (e, r) in enumerate(zip(edu, ref)):
            assert_same(e, r, rtol, atol, f"{path}[{i}]")
    elif isinstance(ref, (str, bool, type(None))) or isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        assert edu == ref, f"{path}: {edu!r} != {ref!r}"
    else:
        e, r = np.asarray(edu), np.asarray(ref)
        assert e.shape == r.shape, f"{path}: shape {e.shape} != {r.shape}"
        assert e.dtype == r.dtype, f"{path}: dtype {e.dtype} != {r.dtype}"
        np.testing.assert_allclose(e, r, rtol=rtol, atol=atol, err_msg=path)


def both(program, *args, rtol=0.0, atol=0.0, **kwargs):
    """Run ``program`` on both libraries, compare, and return (edu, torch) results as plain values."""
    ref = run(program, "torch", *args, **kwargs)
    edu = run(program, "edu", *args, **kwargs)
    assert_same(edu, ref, rtol, atol)
    return plain(edu), plain(ref)


def state_of(shapes, seed, scale=0.5):
    """A state dict of float64 NumPy arrays drawn with one seed: the same for both libraries."""
    rng = np.random.default_rng(seed)
    return {name: scale * rng.standard_normal(shape) for name, shape in shapes.items()}


# ----- the programs -----------------------------------------------------------------------------------
def test_p01_polyfit_manual_updates():
    init = list(np.random.default_rng(1).standard_normal(4))
    edu, ref = both("p01_polyfit_manual", init, rtol=1e-9, atol=1e-12)
    assert ref["loss"] < 50  # the fit works


def test_p02_custom_autograd_function_legendre():
    both("p02_legendre_function", rtol=1e-9, atol=1e-12)  # a and c stay ~1e-17: rounding noise


def test_p03_module_with_sgd_and_mse():
    state_module = {k: np.array(v) for k, v in zip("abcd", np.random.default_rng(3).standard_normal(4))}
    state_sequential = state_of({"0.weight": (1, 3), "0.bias": (1,)}, 4)
    both("p03_module_sgd", state_module, state_sequential, rtol=1e-9, atol=1e-12)
