"""Gradient checking: compare the engine's Jacobians with central finite differences in float64.

``gradcheck(fn, inputs)`` follows ``torch.autograd.gradcheck`` (eps 1e-6, atol 1e-5, rtol 1e-3):
every entry of the analytical Jacobian (built row by row with backward) must agree with
(f(x + eps e_k) - f(x - eps e_k)) / (2 eps). ``gradgradcheck`` does the same for the gradient
itself, which checks second derivatives. ``python -m tinygrad_edu.gradcheck`` runs every op of the
registry through this and through torch, and prints a report.
"""
from dataclasses import dataclass

import numpy as np

from .. import autograd
from ..backend import to_numpy
from ..tensor import Tensor, float64


class GradcheckError(RuntimeError):
    """The analytical and numerical gradients disagree; the message says where."""


@dataclass
class JacobianComparison:
    """The worst disagreement between the analytical and numerical Jacobians."""
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    failure: str = ""  # empty when every entry is within tolerance


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor)]


def _differentiable(inputs):
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad:
            if t.dtype != float64:
                raise ValueError(f"gradcheck: input {i} is {t.dtype}; finite differences need float64 "
                                 "(make it with dtype=float64 or call .double())")
            yield i, t


def numerical_jacobians(fn, inputs, eps=1e-6):
    """{input index: J} with J[j, k] = d output_j / d input_k by central differences (all outputs
    flattened and concatenated)."""
    jacobians = {}  # graph recording stays on: fn may itself call grad (gradgradcheck)
    for i, t in _differentiable(inputs):
        if not t.array.flags.c_contiguous:
            t.array = t.array.copy()
        flat = t.array.reshape(-1)  # a view: perturbing it perturbs the input
        columns = []
        for k in range(flat.size):
            original = flat[k].item()
            flat[k] = original + eps
            plus = _flat_outputs(fn, inputs)
            flat[k] = original - eps
            minus = _flat_outputs(fn, inputs)
            flat[k] = original
            columns.append((plus - minus) / (2 * eps))
        n_out = _flat_outputs(fn, inputs).size
        jacobians[i] = np.stack(columns, axis=1) if columns else np.zeros((n_out, 0))
    return jacobians


def _flat_outputs(fn, inputs):
    outs = _outputs(fn, inputs)
    return np.concatenate([to_numpy(o.array).astype(np.float64).reshape(-1) for o in outs]) if outs else np.zeros(0)


def analytical_jacobians(fn, inputs):
    """{input index: J} built with one backward pass per output element."""
    wanted = list(_differentiable(inputs))
    outs = _outputs(fn, inputs)
    n_out = sum(o.numel() for o in outs)
    jacobians = {i: np.zeros((n_out, t.numel())) for i, t in wanted}
    row = 0
    for o in outs:
        for j in range(o.numel()):
            if o.requires_grad:
                seed = np.zeros(o.numel(), dtype=o.dtype)
                seed[j] = 1
                grads = autograd.grad(o, [t for _, t in wanted], Tensor._wrap(seed.reshape(o.shape)),
                                      retain_graph=True, allow_unused=True)
                for (i, _), g in zip(wanted, grads):
                    if g is not None:
                        jacobians[i][row] = to_numpy(g.array).reshape(-1)
            row += 1
    return jacobians


def compare_jacobians(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """The largest absolute and relative errors, and a message naming the first failing entry."""
    numerical = numerical_jacobians(fn, inputs, eps)
    analytical = analytical_jacobians(fn, inputs)
    result = JacobianComparison()
    for i, num in numerical.items():
        ana = analytical[i]
        error = np.abs(ana - num)
        if error.size:
            result.max_abs_error = max(result.max_abs_error, float(np.nanmax(error)))
            rel = error / np.maximum(np.abs(num), 1e-3)
            result.max_rel_error = max(result.max_rel_error, float(np.nanmax(rel)))
        bad = ~(error <= atol + rtol * np.abs(num))  # NaN counts as bad
        if bad.any() and not result.failure:
            j, k = map(int, np.argwhere(bad)[0])
            index = np.unravel_index(k, inputs[i].shape)
            result.failure = (f"Jacobian mismatch for input {i} (shape {tuple(inputs[i].shape)}) at input index "
                              f"{tuple(int(v) for v in index)}, output element {j}: analytical {float(ana[j, k])!r}, "
                              f"numerical {float(num[j, k])!r} (atol={atol}, rtol={rtol})")
    return result


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when backward agrees with central finite differences for every input that requires
    grad; otherwise raises :class:`GradcheckError` naming the input, the index and both values
    (or returns False with ``raise_exception=False``)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    result = compare_jacobians(fn, inputs, eps, atol, rtol)
    if result.failure:
        if raise_exception:
            raise GradcheckError("gradcheck: " + result.failure)
        return False
    return True


def gradient_function(fn, n_inputs, seed=0):
    """(g, grad_outputs): g(*inputs, *grad_outputs) is the vector-Jacobian product of fn, built
    with create_graph=True so that checking g checks fn's second derivatives."""

    def g(*args):
        inputs, grad_outputs = args[:n_inputs], args[n_inputs:]
        outs = _outputs(fn, inputs)
        wanted = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
        live = [(o, v) for o, v in zip(outs, grad_outputs) if o.requires_grad]
        grads = autograd.grad([o for o, _ in live], wanted, [v for _, v in live], create_graph=True,
                              allow_unused=True)
        return tuple(gr for gr in grads if gr is not None)

    return g


def random_grad_outputs(fn, inputs, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(Tensor._wrap(rng.standard_normal(o.shape)).requires_grad_() for o in _outputs(fn, inputs))


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """gradcheck of the gradient of fn (with random upstream gradients unless given)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    grad_outputs = tuple(grad_outputs) if grad_outputs is not None else random_grad_outputs(fn, inputs, seed)
    return gradcheck(gradient_function(fn, len(inputs)), inputs + grad_outputs, eps, atol, rtol, raise_exception)
