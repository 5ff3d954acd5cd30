"""The engine's input validation against torch's, case by case: every bad or edge input of
bad_inputs_table.py runs in torch and in tinygrad_edu with the same code.

- torch raises -> the engine raises too, with a message that names the op (and is not a raw
  NumPy/Python message such as "'float' object is not iterable");
- torch returns -> the engine returns the same value, dtype and shape, or raises an error saying
  "not supported in tinygrad_edu" (where it deliberately stops short).

``python -m tests.fidelity.test_bad_inputs`` (from the repository root) prints every case's outcome and the counts.
"""
import collections
import tempfile
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.bad_inputs_table import CASES, FILE_CASES

UNSUPPORTED = "not supported in tinygrad_edu"
RAW_MESSAGES = ("object is not iterable", "values to unpack", "has no attribute", "not subscriptable",
                "cannot be interpreted as an integer", "not understood", "inhomogeneous", "division by zero",
                "unsupported operand type", "object cannot be")


def _run(fn, library, *args):
    """('raise', exception) or ('return', value) of fn(library)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "return", fn(library, *args)
        except Exception as error:  # noqa: BLE001  (any exception is an outcome to compare)
            return "raise", error


def _plain(value):
    """A result as nested tuples of (dtype name, shape, numpy values) or Python values."""
    if isinstance(value, (torch.Tensor, te.Tensor)):
        dtype = str(value.dtype).replace("torch.", "").replace("bool_", "bool")
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        return ("tensor", dtype, tuple(value.shape), array)
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (int, float, bool, str, type(None))):
        return value
    return type(value).__name__  # a module, an optimizer: compared by kind only


def _same(a, b):
    if isinstance(a, tuple) and a and a[0] == "tensor":
        return (isinstance(b, tuple) and b[0] == "tensor" and a[1:3] == b[1:3]
                and np.allclose(a[3], b[3], rtol=1e-6, atol=1e-7, equal_nan=True))
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def outcome(case, *args):
    """(kind, detail): kind is 'both raise', 'both return equal', 'unsupported' or a failure."""
    (t_kind, t_value), (e_kind, e_value) = _run(case.fn, torch, *args), _run(case.fn, te, *args)
    message = str(e_value) if e_kind == "raise" else ""
    if t_kind == "raise":
        if e_kind == "return":
            return "SILENT: torch raises, the engine returns", f"torch: {t_value}"
        if case.op.lower() not in message.lower() or any(r in message for r in RAW_MESSAGES):
            return "VAGUE: the message does not name the op", f"engine: {type(e_value).__name__}: {message}"
        return "both raise", message
    if e_kind == "raise":
        if UNSUPPORTED in message:
            return "unsupported", message
        return "ENGINE RAISES where torch returns", f"engine: {type(e_value).__name__}: {message}"
    if not _same(_plain(t_value), _plain(e_value)):
        return "WRONG VALUE", f"torch {_plain(t_value)!r} engine {_plain(e_value)!r}"
    return "both return equal", ""


def _all_outcomes():
    results = [(case, outcome(case)) for case in CASES]
    with tempfile.TemporaryDirectory() as tmp:
        results += [(case, outcome(case, tmp)) for case in FILE_CASES]
    return results


@pytest.mark.parametrize("case", CASES + FILE_CASES, ids=lambda c: c.name)
def test_case(case, tmp_path):
    args = (str(tmp_path),) if case in FILE_CASES else ()
    kind, detail = outcome(case, *args)
    assert kind in ("both raise", "both return equal", "unsupported"), f"{case.name}: {kind}: {detail}"


def test_table_is_large_and_names_are_unique():
    names = [c.name for c in CASES + FILE_CASES]
    assert len(names) >= 100 and len(set(names)) == len(names)


def test_summary(capsys):
    counts = collections.Counter(kind for _, (kind, _) in _all_outcomes())
    with capsys.disabled():
        print(f"\nbad-input table: {sum(counts.values())} cases, " +
              ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    assert set(counts) <= {"both raise", "both return equal", "unsupported"}


if __name__ == "__main__":
    results = _all_outcomes()
    for case, (kind, detail) in results:
        print(f"{kind:40s} {case.name:45s} {detail[:150]}")
    counts = collections.Counter(kind for _, (kind, _) in results)
    print(f"\n{len(results)} cases: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
