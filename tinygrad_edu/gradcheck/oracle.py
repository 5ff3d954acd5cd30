"""Run one registered op on the engine and on torch with the same inputs and upstream gradients,
and measure how far the two (and finite differences) disagree. Shared by the tests and the report.
torch is imported only when asked for."""
import numpy as np

import tinygrad_edu as te

from . import compare_jacobians, gradient_function, random_grad_outputs


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def evaluate(ns, spec, arrays, kwargs, seed=0, second_order=False):
    """Outputs, first-order gradients (with a random upstream gradient) and, if asked, second-order
    gradients (of <grad, w> for a random w) of ``spec`` on library ``ns`` (tinygrad_edu or torch).
    Returns NumPy arrays; a gradient that does not exist is None."""
    tensors = _leaves(ns, spec, arrays)
    outs = _as_list(spec.call(ns, *tensors, **kwargs))
    result = {"outputs": [_numpy(o) for o in outs], "grads": [], "grads2": []}
    diff_inputs = [t for t in tensors if t.requires_grad]
    live = [o for o in outs if o.requires_grad]
    if not diff_inputs or not live:
        return result
    rng = np.random.default_rng(seed)
    dtype = arrays[0].dtype
    grad_fn = ns.autograd.grad if ns.__name__ == "torch" else ns.grad
    upstream = [ns.tensor(rng.standard_normal(o.shape).astype(dtype)) for o in live]
    grads = grad_fn(live, diff_inputs, upstream, create_graph=second_order, allow_unused=True)
    result["grads"] = _numpy_or_none(grads)
    if second_order:
        result["grads2"] = _second_order(ns, grad_fn, grads, diff_inputs, rng, dtype)
    return result


def _second_order(ns, grad_fn, grads, inputs, rng, dtype):
    """The gradient of <grad, w> for a random w (a Hessian-vector product), [] where no gradient
    depends on the inputs again."""
    present = [g for g in grads if g is not None and g.requires_grad]
    if not present:
        return []
    weights = [ns.tensor(rng.standard_normal(tuple(g.shape)).astype(dtype)) for g in present]
    total = sum((g * w).sum() for g, w in zip(present, weights))
    return _numpy_or_none(grad_fn([total], inputs, allow_unused=True))


def _numpy_or_none(grads):
    return [None if g is None else _numpy(g) for g in grads]


def _leaves(ns, spec, arrays):
    """The inputs as tensors of ``ns``; those the op differentiates (and that are floating) require grad."""
    wanted = spec.grad_inputs(len(arrays))
    tensors = [ns.tensor(a) for a in arrays]
    for i, (t, a) in enumerate(zip(tensors, arrays)):
        if i in wanted and a.dtype.kind == "f":
            t.requires_grad_(True)
    return tensors


def _numpy(t):
    t = t.detach().cpu()
    if getattr(t, "_is_zerotensor", lambda: False)():  # torch's lazily-zero second derivatives
        return np.zeros(tuple(t.shape))
    return t.numpy()


def max_errors(ours, theirs):
    """(max absolute error, max relative error) over paired arrays; NaN and inf must coincide."""
    worst_abs = worst_rel = 0.0
    for a, b in zip(ours, theirs):
        if a is None or b is None:
            a = np.zeros(0) if a is None else a
            b = np.zeros_like(a) if b is None else b
            if a.size == 0:
                a = np.zeros_like(b)
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return float("inf"), float("inf")
        same_special = (np.isnan(a) & np.isnan(b)) | ((a == b) & np.isinf(a))
        if ((~np.isfinite(a) | ~np.isfinite(b)) & ~same_special).any():
            return float("inf"), float("inf")
        err = np.where(same_special, 0.0, np.abs(a - b))
        if err.size:
            worst_abs = max(worst_abs, float(err.max()))
            scale = np.where(same_special, 1.0, np.maximum(np.abs(b), 1e-3))
            worst_rel = max(worst_rel, float((err / scale).max()))
    return worst_abs, worst_rel


def torch_errors(spec, arrays, kwargs, seed=0, second_order=True):
    """Max errors of the engine against torch: {"forward", "backward", "second"} -> (abs, rel)."""
    import torch
    ours = evaluate(te, spec, arrays, kwargs, seed, second_order)
    theirs = evaluate(torch, spec, arrays, kwargs, seed, second_order)
    report = {"forward": max_errors(ours["outputs"], theirs["outputs"]),
              "backward": max_errors(ours["grads"], theirs["grads"])}
    if len(ours["grads"]) != len(theirs["grads"]):
        report["backward"] = (float("inf"), float("inf"))
    if second_order:
        report["second"] = max_errors(ours["grads2"], theirs["grads2"])
    return report


def fd_errors(spec, arrays, kwargs, second_order=True, seed=0):
    """Max errors of the engine's gradients (and gradients of gradients) against central finite
    differences in float64, and the first failure message (empty if none)."""
    wanted = spec.grad_inputs(len(arrays))
    tensors = [te.tensor(np.asarray(a, dtype=np.float64) if a.dtype.kind == "f" else a) for a in arrays]
    for i in wanted:
        if tensors[i].dtype.kind == "f":
            tensors[i].requires_grad_(True)

    def fn(*ts):
        return spec.call(te, *ts, **kwargs)

    first = compare_jacobians(fn, tensors, atol=spec.fd_atol)
    result = {"first": first}
    if second_order:
        grad_outputs = random_grad_outputs(fn, tensors, seed)
        result["second"] = compare_jacobians(gradient_function(fn, len(tensors)), tuple(tensors) + grad_outputs,
                                             atol=spec.fd_atol)
    return result
