"""tinygrad_edu.Tensor's in-place ops, ``.data`` and the version counter, each run on torch and on the engine with the
same code (``lib`` is ``torch`` or ``tinygrad_edu``): the tutorials' manual-update idioms train
exactly as in torch, errors are raised where torch raises, gradients agree where torch computes."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te

LIBS = [torch, te]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same(fn):
    """Run ``fn(lib)`` in both libraries; the results (arrays, nested lists/tuples) must be equal."""
    theirs, ours = fn(torch), fn(te)
    _assert_equal(ours, theirs)
    return ours


def _assert_equal(ours, theirs, rtol=1e-12):
    if isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_equal(a, b, rtol)
    elif theirs is None:
        assert ours is None
    else:
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=rtol, atol=1e-12)


def _raises_in_both(fn, match):
    for lib in LIBS:
        with pytest.raises(RuntimeError, match=match):
            fn(lib)


# ----- the tutorials' manual updates train exactly as in torch ------------------------------------
X = np.linspace(-2, 2, 50)
Y = X ** 3 - 2 * X + 0.5


def _poly_features(lib):
    x = lib.tensor(X, dtype=lib.float64)
    return lib.stack([x ** k for k in range(4)], 1), lib.tensor(Y, dtype=lib.float64)


def _fit_in_loop(lib, steps=200, lr=1e-3):
    """``for p in model.parameters(): p -= lr * p.grad`` under no_grad (the beginner tutorial's)."""
    lib.manual_seed(0)
    feats, y = _poly_features(lib)
    model = lib.nn.Linear(4, 1).double()
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.1, -0.2, 0.3, 0.05]], dtype=lib.float64))
        model.bias.fill_(0.2)
    losses = []
    for _ in range(steps):
        loss = ((model(feats).squeeze(1) - y) ** 2).sum()
        model.zero_grad()
        loss.backward()
        with lib.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
    return [model.weight, model.bias, losses]


def test_minus_equals_in_a_parameter_loop_trains_like_torch():
    weight, bias, losses = _same(_fit_in_loop)
    assert losses[-1] < 0.2 * losses[0]


def _fit_leaves(lib, update, steps=100, lr=1e-3):
    """Raw leaves ``a, b, c, d`` updated by ``update(p, lr)`` and their ``.grad`` zeroed by hand."""
    feats, y = _poly_features(lib)
    params = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (0.1, -0.2, 0.3, 0.05)]
    for _ in range(steps):
        pred = sum(p * feats[:, k] for k, p in enumerate(params))
        ((pred - y) ** 2).sum().backward()
        for p in params:
            update(lib, p, lr)
            p.grad.zero_()
    return params


def _minus_equals(lib, p, lr):
    with lib.no_grad():
        p -= lr * p.grad


def _data_minus_equals(lib, p, lr):
    p.data -= lr * p.grad


def _data_add_(lib, p, lr):
    p.data.add_(p.grad, alpha=-lr)


def _data_sub_(lib, p, lr):
    p.data.sub_(lr * p.grad.data)


@pytest.mark.parametrize("update", [_minus_equals, _data_minus_equals, _data_add_, _data_sub_])
def test_manual_update_idioms_train_like_torch(update):
    _same(lambda lib: _fit_leaves(lib, update))


def test_minus_equals_on_a_leaf_outside_no_grad_raises_at_once():
    def step(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        w -= 0.1 * w.grad
    _raises_in_both(step, "leaf Variable that requires grad")


def test_data_is_a_tensor_without_graph_on_the_same_storage():
    for lib in LIBS:
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        d = w.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
        d[0] = 5.0
        assert w[0].item() == 5.0 and w.requires_grad
        w.data = lib.tensor([7.0, 8.0, 9.0])
        assert tuple(w.shape) == (3,) and w.requires_grad and w.sum().item() == 24.0


def test_numpy_gives_the_raw_array():
    x = te.tensor([1.0, 2.0])
    assert x.numpy() is x.array and x.detach().numpy() is x.array
    w = te.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()


# ----- in-place in a graph: recorded, and gradients agree -----------------------------------------
def _grads(lib, program, n=3):
    x = lib.tensor(np.linspace(-1.0, 1.5, n), dtype=lib.float64, requires_grad=True)
    w = lib.tensor(np.linspace(0.5, 2.0, n), dtype=lib.float64, requires_grad=True)
    out = program(lib, x, w)
    out.backward()
    return [out, x.grad, w.grad]


PROGRAMS = {
    "chain of in-place ops on a non-leaf": lambda lib, x, w: _chain(x * 2, w).sum(),
    "earlier use of the value keeps its own edge": lambda lib, x, w: _earlier_use(x, w),
    "setitem with a value that needs grad": lambda lib, x, w: _setitem(lib, x, w),
    "in-place on a plain tensor with a graph operand": lambda lib, x, w: _plain_target(lib, x, w),
    "copy_ and fill_ with tensors in the graph": lambda lib, x, w: _copy_fill(lib, x, w),
    "clamp_, exp_, masked_fill_ on a non-leaf": lambda lib, x, w: _functions(x, w),
}


def _chain(y, w):
    y += w
    y *= w
    y -= 1
    y /= 2
    y **= 2
    return y.addcmul_(w, w, value=0.5)


def _earlier_use(x, w):
    y = x * 2
    z = y + w  # Add saves nothing: changing y afterwards is fine in torch
    y.mul_(3)
    return (z * z).sum() + (y * w).sum()


def _setitem(lib, x, w):
    y = x * 1
    y[0] = w[1] * 3
    y[1:] = x[1:] * w[1:]
    return (y * y).sum()


def _plain_target(lib, x, w):
    a = lib.zeros(3, dtype=lib.float64)
    a.add_(x * w)
    a.sub_(w, alpha=2)
    return (a * a).sum()


def _copy_fill(lib, x, w):
    a = lib.zeros(3, dtype=lib.float64)
    a.copy_(x * w)
    b = lib.zeros(2, dtype=lib.float64)
    b.fill_(w[0] * 2)
    return (a * a).sum() + b.sum()


def _functions(x, w):
    y = x * w
    y.clamp_(-0.5, 0.9)
    y.mul_(2)
    y.masked_fill_(y > 1.5, 0.0)
    return y.sum()


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_in_place_ops_in_a_graph_give_torchs_gradients(name):
    _same(lambda lib: _grads(lib, PROGRAMS[name]))


def test_in_place_results_and_versions_match_torch():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0])
        versions = [x._version]
        for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.clamp_(max=4.0), lambda: x.zero_(),
                   lambda: x.fill_(3.0), lambda: x.copy_(lib.tensor([1, 2, 3])), lambda: x.neg_()):
            assert op() is x
            versions.append(x._version)
        return [x, lib.tensor(versions, dtype=lib.float64)]
    _same(run)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_arithmetic_written_into_the_storage_matches_torch(dtype):
    """``+= -= *= /=`` with a tensor of the same dtype (same shape or 0-d) write straight into the
    storage (no temporary); values, versions and a view's values are torch's."""
    def run(lib):
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.normal(size=(3, 4)).astype(dtype))
        row = x[1]  # a view: sees every change
        same, scalar = lib.tensor(rng.normal(size=(3, 4)).astype(dtype)), lib.tensor(np.asarray(0.3, dtype=dtype))
        out, versions = [], [x._version]
        for other in (same, scalar):
            x += other
            x -= other * 0.5
            x *= other
            x /= other + 2.0
            versions.append(x._version)
            out.append(row.clone())
        return out + [x, lib.tensor(versions, dtype=lib.float64)]
    _same(run)


# ----- torch's errors --------------------------------------------------------------------------
def test_a_value_saved_for_backward_then_changed_makes_backward_raise():
    def exp_output(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    def mul_input(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y * x
        y.add_(1)
        z.sum().backward()

    def leaf_changed_under_no_grad(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        loss = (w * w).sum()
        with lib.no_grad():
            w.mul_(2)
        loss.backward()

    def exp_then_masked_fill(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y.exp_()
        y.masked_fill_(y > 5.0, 0.0)
        y.sum().backward()

    for program in (exp_output, mul_input, leaf_changed_under_no_grad, exp_then_masked_fill):
        _raises_in_both(program, "modified by an inplace operation")


def test_leaf_and_view_errors_match_torch():
    def view_of_leaf(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w[0].add_(1)

    def setitem_on_leaf(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w[0] = 3.0

    def init_on_leaf(lib):
        lib.zeros(3, requires_grad=True).uniform_()

    _raises_in_both(view_of_leaf, "view of a leaf Variable")
    _raises_in_both(setitem_on_leaf, "leaf Variable")
    _raises_in_both(init_on_leaf, "leaf Variable")


def test_bad_in_place_writes_raise_in_both():
    cases = {
        "a float result into an integer tensor": lambda lib: lib.tensor([1, 2]).add_(1.5),
        "a result larger than the tensor": lambda lib: lib.zeros(3).add_(lib.ones(2, 3)),
        "into an expanded tensor": lambda lib: lib.zeros(1).expand(3).add_(1),
        "copy_ from a shape that does not broadcast": lambda lib: lib.zeros(3).copy_(lib.ones(2)),
    }
    for name, case in cases.items():
        for lib in LIBS:
            with pytest.raises(RuntimeError):
                case(lib)


def test_view_of_a_tensor_in_a_graph_is_refused_clearly():
    x = te.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="not supported in tinygrad_edu"):
        y[0].mul_(3)


# ----- views share storage ---------------------------------------------------------------------
def test_views_see_in_place_changes_like_torch():
    def run(lib):
        x = lib.arange(6, dtype=lib.float64).reshape(2, 3)
        row, flat, col = x[0], x.view(-1), x.t()
        x.add_(1)
        row.mul_(10)
        flat[5] = -1.0
        col[0, 1] = 7.0
        return [x, row, flat, col, lib.tensor([x._version, row._version], dtype=lib.float64)]
    _same(run)


def test_int_tensor_in_place_keeps_its_dtype_like_torch():
    for lib in LIBS:
        x = lib.tensor([1, 2, 3])
        x += 2
        x *= 3
        x[0] = 2.7  # setitem casts, as torch does
        assert str(x.dtype).endswith("int64") and x.tolist() == [2, 12, 15]


def test_grad_is_a_tensor_of_its_own_that_accumulates_in_place_like_torch():
    def run(lib):
        a = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        b = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        (a + b).sum().backward()  # one upstream gradient for both, broadcast from a scalar
        a.grad.zero_()  # must not touch b.grad
        held = b.grad
        (a * b * 2).sum().backward()
        held.mul_(0.5)  # the held tensor is b.grad itself
        lib.nn.utils.clip_grad_norm_([a, b], 0.5)
        return [a.grad, b.grad, held]
    _same(run)
