"""The one registry of differentiable ops: what each op is called, how to call it on either
library, which inputs it accepts, and which shapes to try. The property tests
(tests/engine/test_ops.py) and the gradient-check report (``python -m tinygrad_edu.gradcheck``) both
iterate over it, so registering an op adds all of its checks.

An op is called as ``spec.fn(ns, *tensors, **kwargs)`` where ``ns`` is either ``tinygrad_edu`` or
``torch`` (the same lambda serves both when the names agree; ``torch_fn`` overrides it where they
don't). Inputs are drawn as standard normals and passed through ``spec.prepare`` (one function
per input) to put them where the op is defined and smooth enough for finite differences.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np


@dataclass(frozen=True)
class Case:
    """One concrete call: the input shapes and keyword arguments."""
    shapes: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpSpec:
    name: str
    fn: Callable                      # fn(ns, *tensors, **kwargs)
    cases: tuple                      # Case(...)s tried by the report and as fixed tests
    kind: str = "fixed"               # which hypothesis strategy draws more cases (tests/engine/strategies.py)
    prepare: tuple = ()               # per input: f(array, rng) -> array in the op's domain; default: identity
    torch_fn: Optional[Callable] = None
    second_order: bool = True         # check grad of grad against torch and finite differences
    differentiable: tuple = ()        # indices of inputs that get gradients (default: all)
    fd_atol: float = 1e-5             # tolerance against finite differences (float64)

    def call(self, ns, *tensors, **kwargs):
        fn = self.torch_fn if (self.torch_fn is not None and getattr(ns, "__name__", "") == "torch") else self.fn
        return fn(ns, *tensors, **kwargs)

    def inputs(self, shapes, rng, dtype=np.float64):
        """Arrays for one case: standard normals mapped through ``prepare``."""
        arrays = []
        for i, shape in enumerate(shapes):
            x = rng.standard_normal(shape)
            if i < len(self.prepare) and self.prepare[i] is not None:
                x = self.prepare[i](x, rng)
            arrays.append(np.asarray(x, dtype=dtype))
        return arrays

    def grad_inputs(self, n):
        return self.differentiable or tuple(range(n))


REGISTRY = {}


def functional(name, **fixed):
    """``fn(ns, *tensors, **kwargs) = ns.nn.functional.<name>(*tensors, **fixed, **kwargs)``: the
    same spelling in torch and here."""
    return lambda ns, *tensors, **kwargs: getattr(ns.nn.functional, name)(*tensors, **fixed, **kwargs)


def register(*specs):
    for spec in specs:
        if spec.name in REGISTRY:
            raise ValueError(f"registry: op {spec.name!r} is registered twice")
        REGISTRY[spec.name] = spec


# ---- input domains shared by many ops -----------------------------------------------------
def positive(x, rng):
    """Away from 0 and positive: log, sqrt, fractional powers."""
    return np.abs(x) + 0.5


def nonzero(x, rng):
    """|x| >= 0.5 with random sign: divisors."""
    return np.sign(x + (x == 0)) * (np.abs(x) + 0.5)


def away_from_kinks(x, rng, kinks=(0.0,), gap=0.05):
    """Moves values that sit within ``gap`` of a kink (relu and abs at 0) away from it, so that
    finite differences never straddle it."""
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + np.where(x[near] >= k, gap, -gap) * 2
    return x


def distinct(x, rng):
    """All values distinct and at least 0.05 apart: max/min/sort ties never blur a derivative."""
    flat = rng.permutation(x.size).astype(np.float64) * 0.1 - 0.05 * x.size
    return flat.reshape(x.shape) + 0.01 * rng.random(x.shape)


from . import core, math, nn, nn_more  # noqa: E402,F401  (each module registers its specs)
