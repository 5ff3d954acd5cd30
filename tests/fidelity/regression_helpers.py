"""What the regression tests of the differential test's findings share (test_differential_regressions_*.py,
test_differential_deliberate.py, test_differential_rules.py): the short names of the special values and
dtypes, and the comparison of an op with torch's to second order."""
import warnings

import numpy as np
import torch

import tinygrad_edu as te

inf, nan = float("inf"), float("nan")
f32, f64 = np.float32, np.float64


def second_order(fn, *arrays, upstream=None, ns=te):
    """(value, first-order gradients, gradient of sum(g * g)) of ``fn`` on one library, as NumPy."""
    grad = torch.autograd.grad if ns is torch else te.grad
    xs = [ns.tensor(np.asarray(a), requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(ns, *xs)
        up = np.ones(tuple(out.shape)) if upstream is None else np.broadcast_to(upstream, tuple(out.shape))
        gs = grad([out], xs, grad_outputs=[ns.tensor(np.asarray(up, dtype=np.asarray(arrays[0]).dtype))],
                  create_graph=True)
        g2 = grad([sum((g * g).sum() for g in gs)], xs, allow_unused=True)
    as_np = (lambda t: t.detach().numpy(force=True)) if ns is torch else (lambda t: t.array)
    return [as_np(out)] + [as_np(g) for g in gs] + [None if g is None else as_np(g) for g in g2]


def check_second_order(fn, *arrays, upstream=None, rtol=1e-6, atol=1e-6):
    """``fn``'s value, gradients and gradients of gradients agree in the engine and torch (a gradient
    that one library leaves out, None, reads as zeros)."""
    engine, reference = second_order(fn, *arrays, upstream=upstream), second_order(fn, *arrays, upstream=upstream, ns=torch)
    for k, (e, t) in enumerate(zip(engine, reference)):
        if t is None and e is None:  # neither library's second pass reaches this input
            continue
        if t is None or e is None:
            e, t = (np.zeros_like(t) if e is None else e), (np.zeros_like(e) if t is None else t)
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, err_msg=f"output {k} (value, grads, grads2)")
