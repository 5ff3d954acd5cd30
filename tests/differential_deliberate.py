"""The one documented list of places where the engine deliberately differs from torch (is more
exact or more consistent), for the differential test (tests/test_differential.py).

Each entry names the ops, what differs, why, the reference that shows who is right, and a torch
substitute: the same function written with plain torch ops so that it has the engine's behaviour.
The comparison consults the list only for a program that differs: it runs torch again with the
substitutes of the entries whose ops the program uses, and the program passes only if the engine
then agrees with torch everywhere (values, dtypes, gradients), so an entry excuses nothing beyond
what its substitute changes.
"""
import contextlib
from dataclasses import dataclass

import torch

_TORCH_GELU = torch.nn.functional.gelu


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
]
