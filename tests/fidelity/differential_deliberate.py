"""The one documented list of places where the engine deliberately differs from torch (is more
exact or more consistent), for the differential test (tests/fidelity/test_differential.py).

Each entry names the ops, what differs, why, the reference that shows who is right, and a torch
substitute: the same function written with plain torch ops so that it has the engine's behaviour.
The comparison consults the list only for a program that differs: it runs torch again with the
substitutes of the entries whose ops the program uses, and the program passes only if the engine
then agrees with torch everywhere (values, dtypes, gradients), so an entry excuses nothing beyond
what its substitute changes.
"""
import contextlib
from dataclasses import dataclass

import numpy as np
import torch

from tests.fidelity.differential_programs import Program

_TORCH_GELU = torch.nn.functional.gelu
_TORCH_NORMALIZE = torch.nn.functional.normalize


def _hardtanh_selected(input, min_val=-1.0, max_val=1.0, inplace=False):
    """hardtanh whose gradient is 0 at a NaN input in every lane (``where`` selects)."""
    inside = (input > min_val) & (input < max_val)
    return torch.where(inside, input, input.detach().clamp(min_val, max_val))


def _relu6_selected(input, inplace=False):
    return _hardtanh_selected(input, 0.0, 6.0)


def _gelu_exact_at_inf(input, approximate="none"):
    """gelu with gelu(+inf) = +inf (its limit); the gradient there stays torch's (NaN)."""
    value = _TORCH_GELU(input, approximate=approximate)
    return torch.where(torch.isposinf(input), input.detach(), value)


def _normalize_zero_safe(input, p=2.0, dim=1, eps=1e-12, out=None):
    """F.normalize with the 2-norm written as the engine writes it (sqrt of the sum of squares,
    selected to 0 at a zero vector), so that no NaN comes out of the norm's double backward."""
    if p != 2:
        return _TORCH_NORMALIZE(input, p, dim, eps)
    squares = (input * input).sum(dim, keepdim=True)
    nonzero = squares != 0
    norm = torch.where(nonzero, torch.where(nonzero, squares, torch.ones_like(squares)).sqrt(), torch.zeros_like(squares))
    return input / norm.clamp_min(eps)


def _elu_selected(scale_is_alpha):
    """elu (celu with ``scale_is_alpha``) written as the engine writes it, with torch.where:
    x where not x <= 0 (so NaN takes the positive side), alpha (e^(x/scale) - 1) where x < 0, and
    the line x alpha / scale at exactly 0 (torch's gradient there, second derivative 0)."""
    def fn(input, alpha=1.0, inplace=False):
        scale = alpha if scale_is_alpha else 1.0
        negative = torch.expm1(input.clamp(max=0.0) * (1.0 / scale)) * alpha
        return torch.where(~(input <= 0), input, torch.where(input < 0, negative, input * (alpha / scale)))
    return fn


@dataclass(frozen=True)
class Deliberate:
    ops: tuple          # registry names (prefixes) of the ops concerned
    what: str
    why: str
    reference: str
    substitutes: dict   # torch.nn.functional name -> a torch function with the engine's behaviour

    def concerns(self, program):
        return any(step.op.startswith(self.ops) for step in program.steps)

    @contextlib.contextmanager
    def substituted(self):
        saved = {name: getattr(torch.nn.functional, name) for name in self.substitutes}
        try:
            for name, fn in self.substitutes.items():
                setattr(torch.nn.functional, name, fn)
            yield
        finally:
            for name, fn in saved.items():
                setattr(torch.nn.functional, name, fn)


DELIBERATE = [
    Deliberate(("F.hardtanh", "F.relu6"), "the gradient at a NaN input",
               "torch's CPU kernel is inconsistent with itself: its scalar tail passes the gradient (NaN "
               "fails both edge tests) and its vectorised lanes give 0, so a float64 NaN tensor of shape (7,) "
               "gets gradient 1 and one of shape (8,) gets 0; the engine gives 0 always",
               "no derivative exists at NaN; the engine agrees with torch's vectorised path for every size",
               {"hardtanh": _hardtanh_selected, "relu6": _relu6_selected}),
    Deliberate(("F.gelu",), "the value of gelu (approximate='none') at +inf",
               "torch's float32 kernel returns NaN there (in its vectorised lanes; a 1-element tensor gets +inf); "
               "the engine returns +inf",
               "gelu(x) = x Phi(x) -> +inf as x -> +inf, and torch's own float64 kernel returns +inf",
               {"gelu": _gelu_exact_at_inf}),
    Deliberate(("F.normalize", "F.info_nce_loss"), "second-order gradients at an exactly-zero vector",
               "torch gives NaN there (the double backward of its vector_norm at a zero norm meets 0 * inf, "
               "although the clamp at eps already stops the first-order flow through the norm); the engine "
               "gives the finite value",
               "within eps of a zero vector normalize(x) is x / eps, linear, so the second order is finite: "
               "float64 central differences of torch's own first-order gradient with a step below eps agree "
               "with the engine (tests/fidelity/test_differential_regressions.py checks it)",
               {"normalize": _normalize_zero_safe}),
    Deliberate(("F.elu", "F.celu"), "the gradient at a NaN input, and second order where the first-order "
               "gradient is infinite",
               "at NaN torch is inconsistent with itself: float32, and float64 tensors of fewer than 16 "
               "elements, get 1 (its formula's positive side: `x <= 0` fails for NaN), float64 tensors of 16 "
               "or more get NaN in the vectorised lanes; the engine gives 1 always. In second order torch's "
               "elu_double_backward multiplies by the mask (x < 0), so an infinite upstream gradient on the "
               "positive side gives inf * 0 = NaN; the engine selects (where), so it gives the chain rule's "
               "+-inf there",
               "no derivative exists at NaN; the engine agrees with torch's scalar formula for every size. "
               "On the positive side elu is x, so d(g^2)/dx = 2 g dg/dx with both factors infinite and of "
               "one sign: the limit is inf, not NaN; torch's own autograd through the same function written "
               "with torch.where (the substitute) gives the engine's values",
               {"elu": _elu_selected(False), "celu": _elu_selected(True)}),
]


# ---- second order where torch's double-backward formula overflows ----------------------------------
SECOND_ORDER_NAN = (
    "second-order gradients (grads2) that are NaN in torch and finite in the engine",
    "torch's double-backward formulas of the fused activations (mish, silu, softplus, elu, ...) "
    "evaluate exp(x) and friends unguarded, so at large |x| or where a factor vanishes they meet "
    "inf / inf or 0 * inf = NaN although the derivative exists; the engine's second order is "
    "the chain rule through the first-order formula, which stays finite",
    "per program: central differences, in float64, of torch's own first-order gradient at the "
    "same inputs; the position is excused only where that reference is finite and the engine "
    "agrees with it (and everything else in the program agrees)")


def second_order_reference(program, label_index, positions, execute):
    """Central differences of sum(g * g) over torch's first-order gradients ``g`` (float64 inputs)
    with respect to input ``label_index`` at ``positions`` (flat indices): the float64 reference."""
    leaves = [k for k, a in enumerate(program.arrays) if a.dtype.kind == "f"]
    arrays = [a.astype(np.float64) if a.dtype == np.float32 else a for a in program.arrays]
    which = leaves[label_index]

    def gradients(shifted):
        result = execute(torch, Program(shifted, program.steps, program.upstream_seed, False))
        if result["error"] is not None or result["grads"] is None:
            return None
        return [None if g is None else np.asarray(g[0], dtype=np.float64) for g in result["grads"]]

    # entries of g that are not finite at the inputs themselves (a NaN from log10 of a negative
    # value elsewhere in the tensor, say) are left out of sum(g * g): they would make every
    # difference NaN, and an entry that depends on the position examined makes the engine's value
    # NaN as well, so leaving it out excuses nothing
    base = gradients(arrays) or []
    finite = [None if g is None else np.isfinite(g) for g in base]

    def objective(shifted):
        gs = gradients(shifted)
        if gs is None or len(gs) != len(finite):
            return np.nan
        return sum(float((g[keep] ** 2).sum()) for g, keep in zip(gs, finite) if g is not None and keep is not None)

    out = []
    for position in positions:
        x = arrays[which].reshape(-1)
        h = 1e-6 * max(1.0, abs(float(x[position])))
        values = []
        for sign in (1.0, -1.0):
            shifted = [a.copy() for a in arrays]
            shifted[which].reshape(-1)[position] += sign * h
            values.append(objective(shifted))
        out.append((values[0] - values[1]) / (2 * h))
    return np.array(out)
