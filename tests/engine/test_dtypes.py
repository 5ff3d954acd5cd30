"""Dtypes as torch's: torch.tensor's inferred dtypes, tinygrad_edu.dtypes.result_type against
torch.result_type for every pair of dtypes and operand kinds (tensor, 0-d tensor, Python number),
the dtypes of arithmetic, where, maximum and cat results, and a gradient in its own tensor's dtype."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
from tests.fidelity.same_in_both import check

f32, f64 = np.float32, np.float64


@pytest.mark.parametrize("data, dtype", [
    (1.5, "float32"), ([1, 2], "int64"), ([True, False], "bool"),
    (np.array([1.0], dtype=np.float64), "float64"), (np.array([1, 2], dtype=np.int32), "int32"),
    (np.float64(2.0), "float64"),
])
def test_tensor_dtypes_follow_torch_tensor(data, dtype):
    assert te.tensor(data).dtype == np.dtype(dtype)
    assert str(torch.tensor(data).dtype) == f"torch.{dtype}" == str(te.tensor(data).dtype)


@pytest.mark.parametrize("expr", [
    lambda ns, f32, f64, i64: f32 * 2.5, lambda ns, f32, f64, i64: f32 * f64, lambda ns, f32, f64, i64: i64 * 2.5,
    lambda ns, f32, f64, i64: i64 * f32, lambda ns, f32, f64, i64: i64 + 2, lambda ns, f32, f64, i64: i64 / 2,
    lambda ns, f32, f64, i64: f32 * np.float64(2.0), lambda ns, f32, f64, i64: (f32 > 0),
])
def test_result_dtypes_match_torch(expr):
    ours = expr(te, te.tensor([1.0, 2.0]), te.tensor(np.array([1.0, 2.0])), te.tensor([1, 2]))
    theirs = expr(torch, torch.tensor([1.0, 2.0]), torch.tensor(np.array([1.0, 2.0])), torch.tensor([1, 2]))
    assert str(ours.dtype) == str(theirs.dtype)


# ---- a gradient has its tensor's dtype ----------------------------------------------------
def test_float32_leaf_times_float64_tensor_gets_a_float32_grad():
    check(lambda ns, a, b: a * b, f32([1.0, 2.0]), f64([3.0, 4.0]))
    a, b = te.tensor(f32([1.0, 2.0]), requires_grad=True), te.tensor(f64([3.0, 4.0]))
    (g,) = te.grad((a * b).sum(), [a])
    assert g.dtype == np.float32


# ---- type promotion ------------------------------------------------------------------------
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _operands(kind, dtype, ns):
    """One operand of a kind: a (2,) tensor, a 0-d tensor, or a Python number of dtype's category."""
    if kind == "scalar":
        return {"b": True, "i": 2, "u": 2, "f": 2.5}[np.dtype(dtype).kind]
    value = np.full((2,) if kind == "tensor" else (), 2).astype(dtype)
    return ns.tensor(value)


def _torch_dtype(x):
    return str(getattr(x, "dtype", x)).replace("torch.", "")


KINDS = [("tensor", "tensor"), ("tensor", "0d"), ("0d", "tensor"), ("0d", "0d"), ("tensor", "scalar"),
         ("0d", "scalar")]


@pytest.mark.parametrize("kinds", KINDS, ids=["-".join(k) for k in KINDS])
def test_result_type_table_matches_torch(kinds):
    from tinygrad_edu.dtypes import result_type
    wrong = []
    for da in DTYPES:
        for db in DTYPES:
            if kinds[1] == "scalar" and db not in ("bool", "int64", "float32"):
                continue  # a Python number has one dtype per category
            ta, tb = _operands(kinds[0], da, torch), _operands(kinds[1], db, torch)
            ea, eb = _operands(kinds[0], da, te), _operands(kinds[1], db, te)
            expected = _torch_dtype(torch.result_type(ta, tb))
            got = str(result_type(ea, eb))
            if got != expected:
                wrong.append((da, db, got, expected))
    assert not wrong, f"result_type (a, b, engine, torch): {wrong}"


def _call(op, a, b, ns):
    if op == "where":
        return ns.where(ns.tensor(np.array([True, False])), a if hasattr(a, "dtype") else a, b)
    if op == "maximum":
        a = a if hasattr(a, "dtype") else ns.tensor(a)
        b = b if hasattr(b, "dtype") else ns.tensor(b)
        return ns.maximum(a, b)
    return {"+": lambda: a + b, "*": lambda: a * b, "-": lambda: a - b, "/": lambda: a / b}[op]()


@pytest.mark.parametrize("op", ["+", "*", "-", "/", "where", "maximum"])
@pytest.mark.parametrize("kinds", KINDS, ids=["-".join(k) for k in KINDS])
def test_real_ops_promote_like_torch(op, kinds):
    if op == "maximum" and kinds[1] == "scalar":
        pytest.skip("torch.maximum takes tensors only")
    wrong, checked = [], 0
    for da in DTYPES:
        for db in DTYPES:
            if kinds[1] == "scalar" and db not in ("bool", "int64", "float32"):
                continue
            ta, tb = _operands(kinds[0], da, torch), _operands(kinds[1], db, torch)
            try:
                t = _torch_dtype(_call(op, ta, tb, torch))
            except (RuntimeError, TypeError):
                t = "raises"  # bool - bool: torch refuses; the engine must too (checked below)
            try:
                e = _torch_dtype(_call(op, _operands(kinds[0], da, te), _operands(kinds[1], db, te), te))
            except (RuntimeError, TypeError, ValueError):
                e = "raises"
            checked += 1
            if e != t and not (t == "raises"):
                wrong.append((da, db, e, t))
    assert checked and not wrong, f"{op} (a, b, engine, torch): {wrong}"


@pytest.mark.parametrize("fn", [lambda ns, x: x ** 0.5, lambda ns, x: x.clamp(min=0.5), lambda ns, x: x / 2,
                                lambda ns, x: x + 2.5, lambda ns, x: x ** 2, lambda ns, x: x.clamp(min=1),
                                lambda ns, x: 2.5 - x, lambda ns, x: 1 / x])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float16", "float64"])
def test_integer_and_half_tensors_with_python_numbers(fn, dtype):
    check(fn, np.array([1, 2, 4], dtype=dtype), rtol=1e-3)


def test_float32_with_0d_float64_stays_float32():
    check(lambda ns, a, b: a + b, f32([1.0]), f64(2.0))
    check(lambda ns, a, b: a * b, np.array([1, 2], dtype=np.int32), f64(2.0))


def test_cat_promotes_like_torch():
    check(lambda ns, a, b: ns.cat([a, b]), f32([1.0, 2.0]), f64([3.0]))
    check(lambda ns, a, b: ns.cat([a, b]), np.array([1, 2], dtype=np.int32), f32([3.0]))
