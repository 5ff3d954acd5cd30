"""``inplace=True`` of F.relu / nn.ReLU and of dropout (F.dropout, F.dropout2d, nn.Dropout,
nn.Dropout2d) writes into the input as torch's do (it used to be accepted and ignored): the same
object returned, the input's values changed, the gradients through it torch's, and a leaf that
requires grad refused."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te

X = np.array([[-1.5, 0.0, 2.0], [3.0, -0.25, 0.5]], dtype=np.float32)


def _relu_in_place(ns, use_module):
    a = ns.tensor(X, requires_grad=True)
    b = a * 2.0
    out = ns.nn.ReLU(inplace=True)(b) if use_module else ns.nn.functional.relu(b, inplace=True)
    same = out is b
    (out * b).sum().backward()  # b is relu(2a) now: d/da sum(relu(2a)^2) = 8a where a > 0
    return same, b.detach().numpy(), a.grad.numpy(), out.grad_fn.name()


@pytest.mark.parametrize("use_module", [False, True], ids=["F.relu", "nn.ReLU"])
def test_relu_inplace_writes_into_its_input_as_torchs(use_module):
    edu, ref = _relu_in_place(te, use_module), _relu_in_place(torch, use_module)
    assert edu[0] and ref[0]
    np.testing.assert_array_equal(edu[1], ref[1])
    np.testing.assert_array_equal(edu[2], ref[2])
    assert edu[3] == ref[3]


def test_relu_inplace_on_a_leaf_that_requires_grad_is_refused_as_in_torch():
    for ns in (te, torch):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            ns.nn.functional.relu(ns.tensor(X, requires_grad=True), inplace=True)


@pytest.mark.parametrize("make", [lambda ns, x: ns.nn.functional.dropout(x, 0.5, inplace=True),
                                  lambda ns, x: ns.nn.Dropout(0.5, inplace=True)(x),
                                  lambda ns, x: ns.nn.functional.dropout2d(x, 0.5, inplace=True),
                                  lambda ns, x: ns.nn.Dropout2d(0.5, inplace=True)(x)],
                         ids=["F.dropout", "nn.Dropout", "F.dropout2d", "nn.Dropout2d"])
def test_dropout_inplace_writes_into_its_input(make):
    """The draws are the engine's own generator's (not torch's), so the check is structural:
    the input itself is returned and holds the result, each element 0 or 2 (1 / (1 - p))."""
    for ns in (te, torch):
        x = ns.ones(8, 4, 3, 3)
        out = make(ns, x)
        assert out is x
        values = set(np.unique(x.numpy()).tolist())
        assert values <= {0.0, 2.0} and len(values) == 2, (ns.__name__, values)


def test_dropout_inplace_with_p_one_zeroes_the_input_and_its_gradient_as_torchs():
    results = []
    for ns in (te, torch):
        a = ns.ones(3, requires_grad=True)
        b = a * 1.0
        ns.nn.functional.dropout(b, 1.0, inplace=True)
        b.sum().backward()
        results.append((b.detach().numpy(), a.grad.numpy()))
    for edu, ref in zip(*results):
        np.testing.assert_array_equal(edu, ref)
