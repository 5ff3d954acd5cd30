"""tinygrad_edu.Tensor as an object, as torch users see it: printing (empty tensors too), Size,
format, __index__, indexing with a range, the new_* methods, grad_fn names and next_functions,
hooks, torch.autograd.Function, autograd.functional, devices. Every check runs the same code on
torch and on the engine and compares."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te

LIBS = [torch, te]

PRINTED = [
    lambda lib: lib.tensor([1.0, 2.0, 3.0]),
    lambda lib: lib.tensor([0.1, 0.25]),
    lambda lib: lib.tensor([1e-5, 1.0]),
    lambda lib: lib.tensor([1e9, 1.0]),
    lambda lib: lib.tensor(3.5),
    lambda lib: lib.tensor([[1.0, -2.5], [3.0, 4.0]]),
    lambda lib: lib.tensor([float("inf"), 1.0, float("nan")]),
    lambda lib: lib.tensor([1, 2]),
    lambda lib: lib.tensor([True, False]),
    lambda lib: lib.tensor([123456.0, 1.5]),
    lambda lib: lib.tensor([0.0, 0.0]),
    lambda lib: lib.tensor([]),
    lambda lib: lib.zeros(0, 3),
    lambda lib: lib.zeros(2000),
    lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
    lambda lib: (lib.tensor([1.0, 2.0], requires_grad=True) + 1).sum(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).exp(),
    lambda lib: lib.arange(12, dtype=lib.float32).reshape(3, 4) / 7,
]


@pytest.mark.parametrize("make", PRINTED)
def test_tensors_print_as_torchs(make):
    assert repr(make(te)) == repr(make(torch))
    assert str(make(te)) == str(make(torch))


def test_shape_is_a_size_that_prints_as_torchs():
    for lib in LIBS:
        x = lib.zeros(2, 3, 4)
        assert repr(x.shape) == "torch.Size([2, 3, 4])" and str(x.size()) == "torch.Size([2, 3, 4])"
        assert x.shape == (2, 3, 4) and x.size(1) == 3 and x.shape[1:] == (3, 4)
        assert repr(x.shape[1:]) == "torch.Size([3, 4])" and x.shape.numel() == 24
        assert repr(lib.Size([5])) == "torch.Size([5])"


def test_format_index_and_counts_match_torch():
    for lib in LIBS:
        loss = lib.tensor(0.123456)
        assert f"{loss:.3f}" == "0.123" and "{:+.2f}".format(loss) == "+0.12"
        assert f"{lib.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
        labels = lib.tensor([2, 0])
        assert ["a", "b", "c"][labels[0]] == "c"
        with pytest.raises(TypeError):
            ["a", "b"][lib.tensor(1.0)]
        x = lib.zeros(2, 3)
        assert (x.nelement(), x.numel(), x.dim()) == (6, 6, 2)
        assert x.type() == "torch.FloatTensor" and x.long().type() == "torch.LongTensor"
        assert x.type("torch.DoubleTensor").dtype == lib.float64


def _graph(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    return x, w, ((x * w).exp() + 1).sum()


def test_grad_fn_names_and_next_functions_match_torch():
    names = {}
    for lib in LIBS:
        x, w, loss = _graph(lib)
        chain, node = [], loss.grad_fn
        while node is not None and node.name() != "torch::autograd::AccumulateGrad":
            chain.append(node.name())
            node = node.next_functions[0][0]
        mul = loss.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
        assert [n.variable is t for (n, _), t in zip(mul.next_functions, (x, w))] == [True, True]
        assert (x * 2).grad_fn.next_functions[1][0] is None or lib is te  # torch keeps no edge for a number
        names[lib.__name__] = chain
    assert names["tinygrad_edu"] == names["torch"] == ["SumBackward0", "AddBackward0", "ExpBackward0", "MulBackward0"]


def test_hooks_change_gradients_as_in_torch():
    grads = {}
    for lib in LIBS:
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        seen = []
        handle = x.register_hook(lambda g: g * 10)
        y = x * x
        y.register_hook(lambda g: seen.append(g.tolist()))
        y.sum().backward()
        handle.remove()
        (x * 3).sum().backward()
        grads[lib.__name__] = (x.grad.tolist(), seen)
    assert grads["tinygrad_edu"] == grads["torch"]


def _custom_functions(lib):
    class Clip(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, lo, scale):
            ctx.save_for_backward(x)
            ctx.lo, ctx.scale = lo, scale
            return x.clamp(min=lo) * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False, False)
            return g * (x > ctx.lo) * ctx.scale, None, None

    class Cube(lib.autograd.Function):  # torch's newer style: forward without ctx, setup_context
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x  # written with Tensor ops: differentiable again

    return Clip, Cube


def test_custom_autograd_functions_match_torch_to_second_order():
    results = {}
    for lib in LIBS:
        Clip, Cube = _custom_functions(lib)
        x = lib.tensor([-1.0, 0.5, 2.0], dtype=lib.float64, requires_grad=True)
        y = Clip.apply(x, 0.0, 2.0)
        (g,) = lib.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        (y * y).sum().backward()
        results[lib.__name__] = [y.tolist(), x.grad.tolist(), g.tolist(), h.tolist(), y.grad_fn.name()]
    assert results["tinygrad_edu"] == results["torch"]


def test_custom_function_passes_gradcheck_and_its_errors_are_torchs():
    Clip, Cube = _custom_functions(te)
    x = te.tensor([0.3, 1.5], dtype=te.float64, requires_grad=True)
    assert te.gradcheck(lambda t: Cube.apply(t), (x,))

    class Wrong(te.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Wrong.apply(x, x).sum().backward()


def test_autograd_backward_with_inputs_and_functional_match_torch():
    out = {}
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([3.0, 5.0], dtype=lib.float64, requires_grad=True)
        lib.autograd.backward([(x * w * w).sum()], inputs=[w])
        f = lambda a, b: (a ** 2 * b).sum() * a[0]  # noqa: E731
        jac = lib.autograd.functional.jacobian(lambda a: a ** 2 * a.sum(), x.detach())
        hes = lib.autograd.functional.hessian(f, (x.detach(), w.detach()))
        out[lib.__name__] = [x.grad is None, w.grad.tolist(), jac.tolist(), [[h.tolist() for h in row] for row in hes]]
    assert out["tinygrad_edu"] == out["torch"]


def test_devices_are_answered_from_the_backend():
    assert te.cuda.is_available() == te.backend.cuda_available()
    assert te.accelerator.is_available() == te.backend.cuda_available()
    if not te.backend.cuda_available():
        assert te.accelerator.current_accelerator() is None
        with pytest.raises(RuntimeError, match="cuda"):
            te.set_default_device("cuda")
    te.set_default_device("cpu")
    assert te.get_default_device().type == "cpu" and te.zeros(2).device == "cpu"
    assert repr(te.device("cpu")) == repr(torch.device("cpu"))


def test_dtypes_print_and_compare_as_torchs():
    for lib in LIBS:
        x = lib.zeros(2, dtype=lib.float64)
        assert repr(x.dtype) == str(x.dtype) == "torch.float64" and x.dtype is lib.float64
        assert repr(lib.tensor([1, 2]).dtype) == "torch.int64" and lib.tensor([True]).dtype is lib.bool
        assert isinstance(lib.float32, lib.dtype) and lib.float32.is_floating_point
        assert not lib.int64.is_floating_point and lib.float32.itemsize == 4
        assert {lib.float32: "f"}[x.float().dtype] == "f"
    assert te.float32 == np.float32 and np.zeros(2, dtype=te.float32).dtype == np.float32


def test_missing_torch_names_and_defaults_say_not_supported():
    with pytest.raises(AttributeError, match="not supported in tinygrad_edu: torch.fft"):
        te.fft
    assert not hasattr(te, "fft") and hasattr(torch, "fft")
    with pytest.raises(NotImplementedError, match="not supported in tinygrad_edu: set_default_dtype"):
        te.set_default_dtype(te.float64)
    te.set_default_dtype(te.float32)
    assert te.get_default_dtype() is te.float32 and torch.get_default_dtype() is torch.float32


KEYWORD_FORMS = ["x.sum(1, keepdims=True)", "x.mean(dim=1, keepdims=True)", "x.var(1, keepdims=True)",
                 "x.std(1, keepdims=True)", "x.max(dim=1, keepdims=True).values", "x.amin(1, keepdims=True)",
                 "x.argmax(1, keepdims=True)", "x.logsumexp(1, keepdims=True)", "x.prod(1, keepdims=True)",
                 "lib.sum(x, 1, keepdims=True)", "lib.max(x, 1, keepdims=True).indices",
                 "x.reshape(shape=(3, 2))", "x.view(size=(6,))", "x.expand(size=(2, 2, 3))",
                 "x.permute(dims=(1, 0))"]


@pytest.mark.parametrize("expr", KEYWORD_FORMS)
def test_keyword_forms_and_keepdims_alias_match_torch(expr):
    values = {}
    for lib in LIBS:
        x = lib.tensor(np.arange(6.0).reshape(2, 3))
        out = eval(expr)
        values[lib.__name__] = (out.tolist(), str(out.dtype), tuple(out.shape))
    assert values["tinygrad_edu"] == values["torch"]


@pytest.mark.parametrize("make", ["tensor([], dtype={m}.long)", "zeros(0, dtype={m}.bool)",
                                  "zeros(2, 0, dtype={m}.long)", "zeros(2, 0)", "zeros(0)",
                                  "zeros(0, dtype={m}.float64)"])
def test_empty_tensors_print_their_dtype_like_torch(make):
    assert repr(eval("te." + make.format(m="te"))) == repr(eval("torch." + make.format(m="torch")))


def test_indexing_with_a_range_like_torch():
    x = np.arange(12.0).reshape(4, 3)
    for index in [(range(4), [0, 2, 1, 1]), range(1, 3), (range(0), [])]:
        ours = te.tensor(x)[index]
        theirs = torch.tensor(x)[index]
        assert ours.tolist() == theirs.tolist() and tuple(ours.shape) == tuple(theirs.shape)


@pytest.mark.parametrize("call", ["new_ones(2, 3)", "new_ones((2, 3), dtype={m}.double)", "new_zeros(2)",
                                  "new_full((2,), 3.5)", "new_tensor([1.5, 2])", "new_zeros((1, 2), requires_grad=True)",
                                  "new_empty(0)"])
@pytest.mark.parametrize("dtype", ["int32", "float64", "float32"])
def test_new_tensor_methods_take_the_dtype_like_torch(call, dtype):
    if "requires_grad" in call and dtype == "int32":
        return  # only floating point tensors can require gradients (both refuse)
    ours = eval(f"te.zeros(1, dtype=te.{dtype}).{call.format(m='te')}")
    theirs = eval(f"torch.zeros(1, dtype=torch.{dtype}).{call.format(m='torch')}")
    assert repr(ours) == repr(theirs)
