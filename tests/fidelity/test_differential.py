"""Differential test: random small programs (differential_programs.py) run on torch and on
the engine from the same arrays; every intermediate value, dtype and shape, every input gradient
(random upstream gradient) and, on a subset, second-order gradients must agree. Where torch
raises, the engine must raise too.

Profiles: 200 programs in the default suite; ``TINYGRAD_EDU_DIFF_EXAMPLES=20000`` (or
``--runslow``: 5,000) for a large run, which counts mismatches instead of stopping at the first
and prints ``differential: N programs, M mismatches``. A failing program is shrunk by hypothesis
and printed as Python that reproduces it.
"""
import contextlib
import os
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
import hypothesis.strategies as st

import tinygrad_edu as te
from tests.fidelity.differential_deliberate import DELIBERATE, second_order_reference
from tests.fidelity.differential_programs import Program, Step, programs, run_step



def _np(ns, t):
    if t is None or ns is not torch:
        return None if t is None else t.array
    if t._is_zerotensor():  # torch's lazy zeros (numpy(force=True) on them can crash)
        return np.zeros(tuple(t.shape), dtype=str(t.dtype).replace("torch.", ""))
    return t.detach().numpy()


def execute(ns, program, grads=True, pinned=None, shifts=None):
    """Run on one library: {"values": [(array, dtype)], "error": (step, exc), "grads", "grads2"}.
    ``pinned``: the engine's values (torch only): each step's value is moved onto the engine's
    while its gradient stays torch's (see ``_pinned``). ``shifts``: constant arrays (or None), one
    per value, added to each step's value the same way (torch only)."""
    tensors = [ns.tensor(a, requires_grad=a.dtype.kind == "f") for a in program.arrays]
    values, result = list(tensors), {"error": None, "grads": None, "grads2": None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, step in enumerate(program.steps):
            try:
                out = run_step(ns, step, values)
                if pinned is not None:
                    out = _pinned(out, pinned[len(tensors) + k][0])
                values.append(out if shifts is None else _shifted(out, shifts[len(tensors) + k]))
            except Exception as error:  # noqa: BLE001  (any exception type, reported)
                result["error"] = (k, error)
                break
        result["values"] = [(_np(ns, v), str(v.dtype).replace("torch.", ""), tuple(v.shape)) for v in values]
        if grads and result["error"] is None:
            _gradients(ns, program, tensors, values[-1], result)
    return result


def _pinned(out, engine_value):
    """torch's step value moved onto the engine's (out + (engine - out), the shift detached), so
    the steps after it, and torch's backward formulas, see the engine's values."""
    target = torch.as_tensor(np.asarray(engine_value))
    if not out.dtype.is_floating_point or target.shape != out.shape or target.dtype != out.dtype:
        return out
    return _shifted(out, target - out.detach())


def _shifted(out, shift):
    """out + shift (a constant: the gradient stays out's), 0 where the shift is not finite."""
    if shift is None or not out.dtype.is_floating_point or tuple(np.shape(shift)) != tuple(out.shape):
        return out
    shift = torch.as_tensor(np.asarray(shift)).to(out.dtype)
    return out + torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))


def _gradients(ns, program, inputs, out, result):
    leaves = [t for t in inputs if t.requires_grad]
    if not out.requires_grad or not leaves:
        return
    grad = torch.autograd.grad if ns is torch else te.grad
    up = np.random.default_rng(program.upstream_seed).standard_normal(tuple(out.shape))
    up = ns.tensor(np.asarray(up).astype(str(out.dtype).replace("torch.", "")))
    try:
        gs = grad([out], leaves, grad_outputs=[up], create_graph=program.second_order, allow_unused=True)
    except Exception as error:  # noqa: BLE001
        result["error"] = ("backward", error)
        return
    result["grads"] = [(_np(ns, g), str(g.dtype).replace("torch.", ""), tuple(g.shape)) if g is not None else None
                       for g in gs]
    if program.second_order:
        terms = [(g * g).sum() for g in gs if g is not None and g.requires_grad]
        result["grads2"] = [None] * len(leaves)  # no graph behind the gradient: the second order is 0
        if terms:
            try:
                g2 = grad([sum(terms[1:], terms[0])], leaves, allow_unused=True)
            except Exception as error:  # noqa: BLE001
                result["error"] = ("second order", error)
                return
            result["grads2"] = [None if g is None else (_np(ns, g), str(g.dtype).replace("torch.", ""), tuple(g.shape))
                                for g in g2]


TOL = {"float64": 1e-7, "float32": 2e-4, "float16": 1e-2}


def differ(e, t, tol, reference=None):
    """Why two (array, dtype, shape) differ (``tol``: relative to the largest value), or None.
    ``reference()``: the same value from the program's float64 twin (or None); where float32
    rounding moves torch itself away from it (an ill-conditioned step), the engine may be as far
    from torch as twice torch's own distance to the reference, element by element. Where the
    reference is finite but beyond the dtype's range, inf, -inf and NaN all agree (see
    ``_beyond_range_as_equal``)."""
    (ea, ed, es), (ta, td, ts) = e, t
    if ed != td or es != ts:
        return f"dtype/shape: engine {ed} {es}, torch {td} {ts}"
    ea, ta = np.asarray(ea), np.asarray(ta)
    if ta.dtype.kind != "f":
        return None if np.array_equal(ea, ta) else f"values: engine {ea.tolist()}, torch {ta.tolist()}"
    if not _same_non_finite(ea, ta):
        ea, ta = _beyond_range_as_equal(ea, ta, reference)
        if not _same_non_finite(ea, ta):
            return f"nan/inf: engine {ea.tolist()}, torch {ta.tolist()}"
    finite = np.isfinite(ta)
    if not finite.any():
        return None
    scale = max(1.0, float(np.abs(ta[finite].astype(np.float64)).max()))
    err = np.abs(ea[finite].astype(np.float64) - ta[finite].astype(np.float64))
    allowed = tol * scale
    if not (err <= allowed).all() and reference is not None:
        allowed = allowed + 2 * _rounding_of(ta, reference())[finite]
    return None if (err <= allowed).all() else f"values (max err {err.max():.3g}, scale {scale:.3g}): engine " \
                                               f"{ea.tolist()}, torch {ta.tolist()}"


def _same_non_finite(ea, ta):
    return np.array_equal(np.isnan(ea), np.isnan(ta)) and np.array_equal(np.isposinf(ea), np.isposinf(ta)) \
        and np.array_equal(np.isneginf(ea), np.isneginf(ta))


def _beyond_range_as_equal(ea, ta, reference):
    """``ea, ta`` with 0 in both where both are inf or NaN and the float64 twin's value is finite but
    beyond the dtype's range: the exact value cannot be represented, so which of inf, -inf or NaN
    comes out is the order of the sums that overflowed (a fused multiply-add in one BLAS, products
    rounded to inf first in another), not a formula. Unchanged without a twin of the same shape."""
    ref = None if reference is None else reference()
    if ref is None or np.shape(ref[0]) != ta.shape:
        return ea, ta
    exact = np.asarray(ref[0], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        beyond = np.isfinite(exact) & (np.abs(exact) > np.finfo(ta.dtype).max)
    both = beyond & ~np.isfinite(ea) & ~np.isfinite(ta)
    if not both.any():
        return ea, ta
    return np.where(both, 0, ea).astype(ea.dtype), np.where(both, 0, ta).astype(ta.dtype)


def _rounding_of(ta, ref):
    """|torch's value - the float64 twin's| (0 where the twin has none or is not finite)."""
    if ref is None or np.shape(ref[0]) != ta.shape:
        return np.zeros(ta.shape)
    gap = np.abs(ta.astype(np.float64) - np.asarray(ref[0], dtype=np.float64))
    return np.where(np.isfinite(gap), gap, 0.0)


def _raises_honestly(error):
    return "not supported" in str(error) or "not implemented" in str(error)


def compare(program):
    """The first difference between the libraries on ``program`` (a string), or None. A program
    that differs passes if torch with the substitutes of the deliberate differences that concern
    it (differential_deliberate.py) agrees with the engine everywhere, or if torch run with every
    step's value pinned to the engine's (float32/float64 rounding that an ill-conditioned later
    step magnifies: cos of 1e4, frac of 1e8, a cancelling sum) gives the engine's gradients: then
    the engine's backward formulas are torch's, evaluated where the engine's values are."""
    e, t = execute(te, program), execute(torch, program)
    why = _difference(program, t, e)
    if why is None:
        return None
    excused = _excuse_second_order(program, t, e)
    if excused is not None and _difference(program, excused, e) is None:
        return None
    # only a gradient difference (every value agreed) can be the values' rounding: torch's
    # gradient at the engine's values is then the engine's
    if why.startswith("grads") and not why.startswith(("grads: engine has", "grads2: engine has")) \
            and _difference(program, execute(torch, program, pinned=e["values"]), e) is None:
        return None
    concerned = [entry for entry in DELIBERATE if entry.concerns(program)]
    if concerned:
        with contextlib.ExitStack() as stack:
            for entry in concerned:
                stack.enter_context(entry.substituted())
            if _difference(program, execute(torch, program), e) is None:
                return None
    return why


def _excuse_second_order(program, t, e):
    """torch's result with its NaN second-order entries replaced by the engine's where the float64
    reference (differential_deliberate.SECOND_ORDER_NAN) is finite and agrees with the engine;
    None when there is nothing to excuse or the reference disagrees."""
    if not program.second_order or not t["grads2"] or not e["grads2"] or len(t["grads2"]) != len(e["grads2"]):
        return None
    patched, changed = [], False
    for i, (a, b) in enumerate(zip(e["grads2"], t["grads2"])):
        if a is None or b is None or a[1:] != b[1:]:
            patched.append(b)
            continue
        ea, ta = np.asarray(a[0]).reshape(-1), np.asarray(b[0])
        where = np.flatnonzero(np.isnan(ta.reshape(-1)) & np.isfinite(ea))
        if not 0 < where.size <= 64:
            patched.append(b)
            continue
        ref = second_order_reference(program, i, where, execute)
        if not (np.isfinite(ref) & (np.abs(ref - ea[where]) <= 1e-3 * np.maximum(1.0, np.abs(ref)))).all():
            return None
        fixed = ta.reshape(-1).copy()
        fixed[where] = ea[where]
        patched.append((fixed.reshape(ta.shape), b[1], b[2]))
        changed = True
    return dict(t, grads2=patched) if changed else None


def _difference(program, t, e):
    if t["error"] is not None or e["error"] is not None:
        if t["error"] is None and e["error"] is not None and _raises_honestly(e["error"][1]):
            return None
        if t["error"] is None or e["error"] is None or t["error"][0] != e["error"][0]:
            return f"raising: torch {_err(t)}, engine {_err(e)}"
    # a float64 value computed from float32 ones carries float32 rounding: the program's least
    # precise dtype sets the tolerance, and the float64 twin (computed only when needed) tells
    # how far float32 rounding alone moves torch
    tol = max(TOL.get(v[1], 0.0) for v in t["values"])
    twin = _Twin(program)
    for k, (ev, tv) in enumerate(zip(e["values"], t["values"])):
        why = differ(ev, tv, tol, lambda: twin.get("values", k))
        if why and not _inherited(program, k, e, tol):
            return f"value v{k}: {why}"
    for label in ("grads", "grads2"):
        eg, tg = e[label] or [], t[label] or []
        if len(eg) != len(tg):
            return f"{label}: engine has {len(eg)}, torch {len(tg)}"
        for i, (a, b) in enumerate(zip(eg, tg)):
            if a is None or b is None:
                a, b = _zero_for_none(a, b)
            why = differ(a, b, tol, lambda: twin.get(label, i)) if a is not None else None
            if why:
                return f"{label} of input {i}: {why}"
    return None


def _inherited(program, k, e, tol):
    """Whether value ``k``'s difference is inherited: torch's op of that step, run on the engine's
    own inputs to it (earlier values that already agreed within the tolerance), gives the engine's
    value (within the tolerance, widened as for the whole program by how far float32 rounding
    moves torch's own step from its float64 twin). Then the op is right, and an ill-conditioned
    step (a cancelling sum, frac of a huge value) only magnified last-bit differences of the
    steps before it."""
    step_index = k - len(program.arrays)
    if step_index < 0 or e["error"] is not None:
        return False
    def torch_alone(widen):
        earlier = [np.asarray(v[0]) for v in e["values"][:k]]
        earlier = [a.astype(np.float64) if widen and a.dtype == np.float32 else a for a in earlier]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = run_step(torch, program.steps[step_index], [torch.tensor(a) for a in earlier])
        return _np(torch, out), str(out.dtype).replace("torch.", ""), tuple(out.shape)

    try:
        alone = torch_alone(widen=False)
    except Exception:  # noqa: BLE001  (torch refusing the engine's inputs: not inherited)
        return False
    # the step's own float32 rounding, measured on torch (its float64 twin on the same inputs)
    return differ(e["values"][k], alone, tol, lambda: torch_alone(widen=True)) is None


class _Twin:
    """The program run on torch with its float32 inputs in float64 (run once, when first asked)."""

    def __init__(self, program):
        self.program, self.result = program, None

    def get(self, label, k):
        if self.result is None:
            arrays = [a.astype(np.float64) if a.dtype == np.float32 else a for a in self.program.arrays]
            self.result = execute(torch, Program(arrays, self.program.steps, self.program.upstream_seed,
                                                 self.program.second_order))
        items = self.result[label] or []
        return items[k] if k < len(items) and self.result["error"] is None else None


def _zero_for_none(a, b):
    """An unused input: None on one side may be zeros on the other (both mean "no dependence")."""
    if a is None and b is None:
        return None, None
    other = a if b is None else b
    zero = (np.zeros_like(other[0]), other[1], other[2])
    return (zero, b) if a is None else (a, zero)


def _err(result):
    if result["error"] is None:
        return "no error"
    step, error = result["error"]
    return f"{type(error).__name__} at step {step}: {str(error)[:160]}"


def _shapes(program):
    r = execute(te, program, grads=False)
    if r["error"] is not None:
        return None, None
    return [v[2] for v in r["values"]], [np.dtype(v[1]) for v in r["values"]]


def run_profile(examples, collect):
    """Draw ``examples`` programs; with ``collect`` count mismatches (no shrinking), else fail on
    the first one (hypothesis then shrinks it and prints the program)."""
    counts = {"programs": 0, "mismatches": []}

    @settings(max_examples=examples, deadline=None, database=None, derandomize=not collect)
    @given(st.data())
    def body(data):
        program = data.draw(programs(_shapes), label="program")
        counts["programs"] += 1
        why = compare(program)
        if why and collect:
            counts["mismatches"].append((why, program.code()))
        elif why:
            raise AssertionError(f"{why}\nreproduce with:\n{program.code()}")
    body()
    return counts


def test_small_profile():
    counts = run_profile(200, collect=False)
    print(f"differential: {counts['programs']} programs, 0 mismatches")


def _large_examples(config):
    n = os.environ.get("TINYGRAD_EDU_DIFF_EXAMPLES")
    return int(n) if n else (5000 if config.getoption("--runslow") else 0)


def test_large_profile(request):
    n = _large_examples(request.config)
    if not n:
        pytest.skip("large profile: set TINYGRAD_EDU_DIFF_EXAMPLES=20000 or pass --runslow")
    counts = run_profile(n, collect=True)
    kinds = {}
    for why, code in counts["mismatches"]:
        kinds.setdefault(why.split(":")[0] + ": " + why.split(":")[1][:60], []).append(code)
    report = "\n\n".join(f"{k} ({len(v)}x):\n{v[0]}" for k, v in sorted(kinds.items(), key=lambda kv: -len(kv[1])))
    print(f"differential: {counts['programs']} programs, {len(counts['mismatches'])} mismatches\n{report}")
    assert not counts["mismatches"], f"{len(counts['mismatches'])} mismatches:\n{report[:20000]}"


def test_a_known_program_prints_as_code():
    program = Program([np.array([[1.0, 2.0]], dtype=np.float32)], [])
    assert "ns.tensor(np.array([[1.0, 2.0]], dtype=np.float32).reshape((1, 2)), requires_grad=True)" in program.code()


def test_known_ill_conditioned_and_deliberate_programs_compare_clean():
    """F.linear in float32 -> .double() -> 1.5 / x at scale 1e4 (float32 rounding blown up by the
    pole: the float64 twin measures it) and info_nce_loss at temperature 0.1 with a zero row
    (torch's NaN second order: a deliberate difference)."""
    r = np.random.default_rng(3)
    x, w, b = (r.standard_normal(s).astype(np.float32) * k for s, k in (((3, 4), 1e4), ((5, 4), 1), ((5,), 1)))
    assert compare(Program([x, w, b], [Step("F.linear", (0, 1, 2)), Step("move:double", (3,)), Step("rdiv", (4,))],
                           upstream_seed=1, second_order=True)) is None
    z = np.array([[1e4, 1e4], [-1.0, 1.0], [0.0, 0.0], [-1.0, 1e4], [1.0, 1e4], [1.0, 100.0]])
    assert compare(Program([z], [Step("F.info_nce_loss", (0,), dict(temperature=0.1)), Step("move:double", (1,))],
                           upstream_seed=2, second_order=True)) is None


def test_known_programs_of_the_gelu_and_mish_families_compare_clean():
    """Nested tanh-gelu in float32 to second order (torch's formula for gelu's curvature) and
    mish at 1e8 to second order (torch's NaN there: a deliberate difference)."""
    x = np.array([-12851.85546875, -14141.9140625, -20294.6171875, -3957.85302734375], dtype=np.float32)
    steps = [Step("move:double", (0,)), Step("trunc", (1,)), Step("F.mish", (2,)), Step("trunc", (3,))]
    assert compare(Program([x], steps, upstream_seed=133, second_order=True)) is None
    gelu = "F.gelu_approximate=tanh"
    steps = [Step("move:float", (0,)), Step("rmul", (1,)), Step(gelu, (2,)), Step(gelu, (3,))]
    assert compare(Program([np.array(1.622351250504282)], steps, upstream_seed=3, second_order=True)) is None
