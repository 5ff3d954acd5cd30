"""Run the same function on the engine and on torch from the same arrays and compare the output
(value, dtype, shape) and every input gradient, NaN and inf included."""
import warnings

import numpy as np
import torch

import tinygrad_edu as te


def run(fn, arrays, upstream=None, grads=None, ns=te):
    """fn(ns, *tensors) on one library: (output, [input gradients]) as NumPy."""
    grads = range(len(arrays)) if grads is None else grads
    tensors = [ns.tensor(a, requires_grad=(i in grads and a.dtype.kind == "f")) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(ns, *tensors)
        if out.requires_grad:
            g = np.ones(tuple(out.shape)) if upstream is None else np.broadcast_to(upstream, tuple(out.shape))
            out.backward(ns.tensor(np.array(g, dtype=str(out.dtype).replace("torch.", ""))))
    value = out.detach().numpy() if ns is torch else out.array
    return value, str(out.dtype).replace("torch.", ""), [None if t.grad is None else
                                                       (t.grad.numpy() if ns is torch else t.grad.array, str(t.grad.dtype).replace("torch.", ""))
                                                       for t in tensors]


def check(fn, *arrays, upstream=None, grads=None, rtol=1e-6, atol=1e-6):
    arrays = [np.asarray(a) for a in arrays]
    ev, ed, eg = run(fn, arrays, upstream, grads, te)
    tv, td, tg = run(fn, arrays, upstream, grads, torch)
    assert ed == td, f"dtype: engine {ed}, torch {td}"
    np.testing.assert_allclose(ev, tv, rtol=rtol, atol=atol, err_msg="value")
    for i, (e, t) in enumerate(zip(eg, tg)):
        assert (e is None) == (t is None), f"gradient {i}: engine {e}, torch {t}"
        if e is not None:
            assert e[1] == t[1], f"gradient {i} dtype: engine {e[1]}, torch {t[1]}"
            np.testing.assert_allclose(e[0], t[0], rtol=rtol, atol=atol, err_msg=f"gradient {i}")
