"""The table of bad and edge inputs that test_bad_inputs.py runs in torch and in tinygrad_edu.

Each case is ``Case(name, op, fn, notes)``: ``fn(L)`` takes the library module (``torch`` or
``tinygrad_edu``) and runs the SAME code in both. ``op`` is the name the engine's error message
must contain when torch raises (so the message says which op failed). Where torch returns, the
engine must return the same value, dtype and shape, or raise an error saying "not supported in
tinygrad_edu". ``F`` and ``nn`` are reached as ``L.nn.functional`` and ``L.nn``.
"""
import os
from collections import namedtuple

import numpy as np

Case = namedtuple("Case", ["name", "op", "fn", "notes"], defaults=[""])


def x23(L):
    return L.arange(6.0).reshape(2, 3)


def img(L, *shape):
    return L.arange(float(np.prod(shape))).reshape(*shape) / 10


def F(L):
    return L.nn.functional


def leaf(L, *values):
    return L.tensor(list(values) or [1.0, 2.0, 3.0], requires_grad=True)


def _save_missing_dir(L, tmp):
    L.save({"w": L.ones(2)}, os.path.join(tmp, "no_such_dir", "ckpt.pt"))


def _backward_twice(L):
    x = leaf(L)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _grad_unused(L):
    x, z = leaf(L), leaf(L)
    return L.autograd.grad((x * 2).sum(), [z]) if hasattr(L, "autograd") and hasattr(L.autograd, "grad") \
        else L.grad((x * 2).sum(), [z])


def _setitem(index, value):
    def run(L):
        x = x23(L)
        x[index] = value(L) if callable(value) else value
        return x
    return run


def _inplace_on_leaf(L):
    x = leaf(L)
    x.add_(1.0)


def _sgd_step_nonleaf(L):
    x = leaf(L)
    L.optim.SGD([x * 2], lr=0.1)


CASES = [
    # ----- permute / flatten / expand / view / reshape / squeeze / unsqueeze / transpose -------------
    Case("permute dim out of range", "permute", lambda L: x23(L).permute(0, 3), "was silently a no-op"),
    Case("permute repeated dim", "permute", lambda L: x23(L).permute(0, 0)),
    Case("permute too few dims", "permute", lambda L: x23(L).permute(0)),
    Case("permute too many dims", "permute", lambda L: x23(L).permute(0, 1, 2)),
    Case("permute negative dims", "permute", lambda L: x23(L).permute(-1, -2)),
    Case("permute float dim", "permute", lambda L: x23(L).permute(0.0, 1)),
    Case("flatten start out of range", "flatten", lambda L: x23(L).flatten(5), "wrapped around"),
    Case("flatten start after end", "flatten", lambda L: L.ones(2, 3, 4).flatten(2, 0)),
    Case("flatten end out of range", "flatten", lambda L: L.ones(2, 3, 4).flatten(0, 3)),
    Case("flatten negative range", "flatten", lambda L: L.ones(2, 3, 4).flatten(-2, -1)),
    Case("flatten 0-d", "flatten", lambda L: L.tensor(3.0).flatten()),
    Case("expand -1 in a new leading dim", "expand", lambda L: L.ones(3).expand(-1, 3)),
    Case("expand to fewer dims", "expand", lambda L: L.ones(2, 3).expand(3)),
    Case("expand non-1 dim", "expand", lambda L: L.ones(2, 3).expand(4, 3)),
    Case("expand -1 keeps a dim", "expand", lambda L: L.ones(2, 1).expand(-1, 4)),
    Case("expand a new leading dim", "expand", lambda L: L.ones(3).expand(2, 3)),
    Case("expand negative size", "expand", lambda L: L.ones(3).expand(-2, 3)),
    Case("view of a transpose", "view", lambda L: x23(L).T.view(6), "torch: reshape works, view does not"),
    Case("reshape of a transpose", "reshape", lambda L: x23(L).T.reshape(6)),
    Case("contiguous then view", "view", lambda L: x23(L).T.contiguous().view(6)),
    Case("view of a column slice", "view", lambda L: x23(L)[:, :2].view(4)),
    Case("view of a row slice", "view", lambda L: x23(L)[1:].view(3)),
    Case("view wrong size", "view", lambda L: x23(L).view(4)),
    Case("view of an expand", "view", lambda L: L.ones(2, 3).unsqueeze(0).expand(4, 2, 3).view(4, 6)),
    Case("view of a transpose to its own shape", "view", lambda L: x23(L).T.view(3, 2)),
    Case("view of a strided column", "view", lambda L: x23(L)[:, 0].view(2, 1)),
    Case("view of a transpose, split dim", "view", lambda L: L.ones(4, 6).T.view(2, 3, 4)),
    Case("reshape float size", "reshape", lambda L: x23(L).reshape(2, 3.0), "was silently accepted"),
    Case("reshape two -1", "reshape", lambda L: x23(L).reshape(-1, -1)),
    Case("reshape zero and -1", "reshape", lambda L: x23(L).reshape(0, -1)),
    Case("reshape -2", "reshape", lambda L: x23(L).reshape(-2, 3)),
    Case("reshape wrong size", "reshape", lambda L: x23(L).reshape(4, 2)),
    Case("reshape empty with -1", "reshape", lambda L: L.ones(0, 3).reshape(-1)),
    Case("squeeze dim out of range", "squeeze", lambda L: x23(L).squeeze(3)),
    Case("squeeze a non-1 dim", "squeeze", lambda L: x23(L).squeeze(0)),
    Case("squeeze tuple of dims", "squeeze", lambda L: L.ones(1, 1, 3).squeeze((0, 1))),
    Case("unsqueeze dim out of range", "unsqueeze", lambda L: x23(L).unsqueeze(3)),
    Case("unsqueeze negative out of range", "unsqueeze", lambda L: x23(L).unsqueeze(-4)),
    Case("unsqueeze float dim", "unsqueeze", lambda L: x23(L).unsqueeze(1.0)),
    Case("unsqueeze last", "unsqueeze", lambda L: x23(L).unsqueeze(-1)),
    Case("transpose dim out of range", "transpose", lambda L: x23(L).transpose(0, 2)),
    Case("transpose same dim", "transpose", lambda L: x23(L).transpose(1, 1)),
    Case("mT of a 1-D tensor", "mT", lambda L: L.ones(3).mT),
    Case("size dim out of range", "size", lambda L: x23(L).size(2)),
    Case("size negative dim", "size", lambda L: x23(L).size(-1)),
    # ----- cat / stack --------------------------------------------------------------------------------
    Case("cat mismatched shapes", "cat", lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)])),
    Case("cat dim out of range", "cat", lambda L: L.cat([L.ones(2, 3), L.ones(2, 3)], 2)),
    Case("cat empty list", "cat", lambda L: L.cat([])),
    Case("cat different ndim", "cat", lambda L: L.cat([L.ones(2, 3), L.ones(3)])),
    Case("cat 0-d tensors", "cat", lambda L: L.cat([L.tensor(1.0), L.tensor(2.0)])),
    Case("cat a tensor, not a list", "cat", lambda L: L.cat(x23(L)), "iterated over the rows"),
    Case("cat with a legacy empty 1-D tensor", "cat", lambda L: L.cat([L.ones(0), x23(L)])),
    Case("cat negative dim", "cat", lambda L: L.cat([x23(L), x23(L)], -1)),
    Case("stack mismatched shapes", "stack", lambda L: L.stack([L.ones(2, 3), L.ones(3, 2)])),
    Case("stack dim out of range", "stack", lambda L: L.stack([L.ones(2, 3), L.ones(2, 3)], 3)),
    Case("stack last new dim", "stack", lambda L: L.stack([L.ones(2, 3), L.ones(2, 3)], 2)),
    Case("stack empty list", "stack", lambda L: L.stack([])),
    # ----- reductions --------------------------------------------------------------------------------
    Case("sum dim out of range", "sum", lambda L: x23(L).sum(dim=2)),
    Case("sum repeated dim", "sum", lambda L: x23(L).sum(dim=(0, 0))),
    Case("sum float dim", "sum", lambda L: x23(L).sum(dim=1.5)),
    Case("sum over dim=()", "sum", lambda L: x23(L).sum(dim=()), "torch reduces everything"),
    Case("sum negative dims", "sum", lambda L: x23(L).sum(dim=(-1, -2))),
    Case("mean repeated dim", "mean", lambda L: x23(L).mean(dim=(0, 0)), "was silently accepted"),
    Case("mean of an int tensor", "mean", lambda L: L.arange(4).mean()),
    Case("mean dim out of range", "mean", lambda L: x23(L).mean(dim=-3)),
    Case("mean of empty", "mean", lambda L: L.ones(0, 3).mean(0)),
    Case("var dim out of range", "var", lambda L: x23(L).var(dim=5)),
    Case("var of an int tensor", "var", lambda L: L.arange(4).var()),
    Case("std repeated dim", "std", lambda L: x23(L).std(dim=(1, 1))),
    Case("max over a tuple of dims", "max", lambda L: x23(L).max(dim=(0, 1)), "was 'too many values to unpack'"),
    Case("max dim out of range", "max", lambda L: x23(L).max(dim=2)),
    Case("max of an empty tensor", "max", lambda L: L.ones(0).max()),
    Case("min dim out of range", "min", lambda L: x23(L).min(dim=-3)),
    Case("amax over dim=()", "amax", lambda L: x23(L).amax(dim=()), "torch reduces everything"),
    Case("amax repeated dim", "amax", lambda L: x23(L).amax(dim=(1, 1))),
    Case("amin dim out of range", "amin", lambda L: x23(L).amin(dim=4)),
    Case("argmax dim out of range", "argmax", lambda L: x23(L).argmax(dim=2)),
    Case("argmax over a tuple", "argmax", lambda L: x23(L).argmax(dim=(0, 1))),
    Case("argmax of empty", "argmax", lambda L: L.ones(0).argmax()),
    Case("softmax dim out of range", "softmax", lambda L: x23(L).softmax(dim=2)),
    Case("softmax of an int tensor", "softmax", lambda L: L.arange(4).softmax(0)),
    Case("log_softmax dim out of range", "log_softmax", lambda L: x23(L).log_softmax(-3)),
    Case("F.softmax without dim", "softmax", lambda L: F(L).softmax(x23(L)), "torch picks a dim, with a warning"),
    Case("logsumexp dim out of range", "logsumexp", lambda L: x23(L).logsumexp(3)),
    Case("sum of an empty tensor", "sum", lambda L: L.ones(0, 3).sum(0)),
    Case("softmax of an empty tensor", "softmax", lambda L: L.ones(0, 3).softmax(1)),
    # ----- elementwise and broadcasting ----------------------------------------------------------------
    Case("add shapes that don't broadcast", "add", lambda L: L.ones(2, 3) + L.ones(4)),
    Case("mul shapes that don't broadcast", "mul", lambda L: L.ones(2, 3) * L.ones(3, 2)),
    Case("sub shapes that don't broadcast", "sub", lambda L: L.ones(2, 3) - L.ones(2, 2)),
    Case("div by an empty dim", "div", lambda L: L.ones(2, 3) / L.ones(0)),
    Case("broadcast (2,1) with (3,)", "add", lambda L: L.ones(2, 1) + L.arange(3.0)),
    Case("broadcast empty with (3,)", "add", lambda L: L.ones(0, 3) + L.ones(3)),
    Case("maximum shapes that don't broadcast", "maximum", lambda L: L.maximum(L.ones(2), L.ones(3))),
    Case("where condition of the wrong shape", "where", lambda L: L.where(L.ones(4) > 0, L.ones(3), L.zeros(3))),
    Case("where condition not boolean", "where", lambda L: L.where(L.ones(3), L.ones(3), L.zeros(3)),
         "was silently cast to bool"),
    Case("masked_fill with a float mask", "masked_fill", lambda L: x23(L).masked_fill(L.ones(2, 3), 0.0)),
    Case("masked_fill mask of the wrong shape", "masked_fill",
         lambda L: x23(L).masked_fill(L.ones(4) > 0, 0.0)),
    Case("clamp without bounds", "clamp", lambda L: x23(L).clamp()),
    Case("clamp min above max", "clamp", lambda L: x23(L).clamp(min=4.0, max=1.0)),
    Case("exp of an int tensor", "exp", lambda L: L.arange(3).exp(), "torch promotes to float32"),
    Case("sqrt of an int tensor", "sqrt", lambda L: L.arange(3).sqrt()),
    Case("int to a negative int power", "pow", lambda L: L.arange(1, 4) ** -1),
    Case("relu of an int tensor", "relu", lambda L: L.arange(-2, 2).relu()),
    # ----- matmul and linear ---------------------------------------------------------------------------
    Case("matmul inner dims differ", "matmul", lambda L: L.ones(2, 3) @ L.ones(2, 3)),
    Case("matmul 1-D lengths differ", "matmul", lambda L: L.ones(3) @ L.ones(4)),
    Case("matmul batch dims don't broadcast", "matmul", lambda L: L.ones(2, 2, 3) @ L.ones(3, 3, 2)),
    Case("matmul with a 0-d tensor", "matmul", lambda L: L.tensor(2.0) @ L.ones(3)),
    Case("matmul int with float", "matmul", lambda L: L.arange(3) @ L.ones(3), "was silently promoted"),
    Case("matmul float32 with float64", "matmul", lambda L: L.ones(2, 3) @ L.ones(3, 2, dtype=L.float64)),
    Case("matmul with a list", "matmul", lambda L: L.ones(3) @ [1.0, 2.0, 3.0]),
    Case("matmul empty inner dim", "matmul", lambda L: L.ones(2, 0) @ L.ones(0, 3)),
    Case("matmul empty batch", "matmul", lambda L: L.ones(0, 3) @ L.ones(3, 2)),
    Case("linear wrong in_features", "linear", lambda L: F(L).linear(L.ones(2, 4), L.ones(3, 3))),
    Case("linear int input", "linear", lambda L: F(L).linear(L.ones(2, 3, dtype=L.int64), L.ones(2, 3))),
    Case("linear bias of wrong length", "linear", lambda L: F(L).linear(L.ones(2, 3), L.ones(2, 3), L.ones(3))),
    # ----- indexing ------------------------------------------------------------------------------------
    Case("index out of range", "getitem", lambda L: x23(L)[2]),
    Case("second index out of range", "getitem", lambda L: x23(L)[0, 5]),
    Case("negative index out of range", "getitem", lambda L: x23(L)[-3]),
    Case("float index", "getitem", lambda L: x23(L)[1.5]),
    Case("negative step", "getitem", lambda L: x23(L)[::-1], "numpy reverses, torch raises"),
    Case("negative step in dim 1", "getitem", lambda L: x23(L)[:, ::-2]),
    Case("zero step", "getitem", lambda L: x23(L)[::0]),
    Case("bool mask of the wrong shape", "getitem", lambda L: x23(L)[L.ones(3) > 0]),
    Case("float tensor index", "getitem", lambda L: x23(L)[L.ones(2)]),
    Case("list index out of range", "getitem", lambda L: x23(L)[[0, 5]]),
    Case("too many indices", "getitem", lambda L: x23(L)[0, 0, 0]),
    Case("two ellipses", "getitem", lambda L: x23(L)[..., ...]),
    Case("None and ellipsis", "getitem", lambda L: x23(L)[None, ..., None]),
    Case("0-d int tensor index", "getitem", lambda L: x23(L)[L.tensor(1)]),
    Case("bool mask of the right shape", "getitem", lambda L: x23(L)[x23(L) > 2]),
    Case("setitem shape mismatch", "setitem", _setitem(0, lambda L: L.ones(4))),
    Case("setitem index out of range", "setitem", _setitem(5, 1.0)),
    Case("setitem float index", "setitem", _setitem(0.5, 1.0)),
    Case("setitem broadcast row", "setitem", _setitem(0, lambda L: L.ones(1))),
    # ----- creation ------------------------------------------------------------------------------------
    Case("zeros negative size", "zeros", lambda L: L.zeros(-1), "was numpy's message"),
    Case("ones negative size", "ones", lambda L: L.ones(2, -3)),
    Case("randn negative size", "randn", lambda L: L.randn(-1)),
    Case("zeros float size", "zeros", lambda L: L.zeros(2.5)),
    Case("full negative size", "full", lambda L: L.full((-1,), 0.0)),
    Case("tensor from a ragged list", "tensor", lambda L: L.tensor([[1.0, 2.0], [3.0]])),
    Case("tensor from a string", "tensor", lambda L: L.tensor("abc")),
    Case("tensor from a mixed list", "tensor", lambda L: L.tensor([1.0, "a"])),
    Case("tensor from an empty list", "tensor", lambda L: L.tensor([])),
    Case("tensor from a bool", "tensor", lambda L: L.tensor(True)),
    Case("tensor from nested empty lists", "tensor", lambda L: L.tensor([[], []])),
    Case("arange zero step", "arange", lambda L: L.arange(0, 10, 0)),
    Case("arange bounds against the step", "arange", lambda L: L.arange(5, 0), "numpy gives an empty array"),
    Case("arange downwards", "arange", lambda L: L.arange(5, 0, -1)),
    Case("eye negative size", "eye", lambda L: L.eye(-1)),
    Case("linspace negative steps", "linspace", lambda L: L.linspace(0, 1, -1)),
    Case("randint low above high", "randint", lambda L: L.randint(5, 2, (3,))),
    Case("requires_grad on an int tensor", "requires_grad", lambda L: L.tensor([1, 2], requires_grad=True)),
    Case("zeros int requires_grad", "requires_grad", lambda L: L.zeros(3, dtype=L.int64, requires_grad=True)),
    Case("requires_grad_ on a bool tensor", "requires_grad", lambda L: (L.ones(2) > 0).requires_grad_()),
    Case("tensor on an unknown device", "device", lambda L: L.tensor([1.0], device="gpu")),
    Case(".to an unknown device", "to", lambda L: L.ones(2).to("gpu"), "was 'data type gpu not understood'"),
    Case(".to a device object", "to", lambda L: L.ones(2).to(L.device("cpu"))),
    # ----- autograd and Python conversions -------------------------------------------------------------
    Case("backward on a non-scalar", "backward", lambda L: (leaf(L) * 2).backward()),
    Case("backward without requires_grad", "backward", lambda L: L.ones(1).sum().backward()),
    Case("backward gradient of the wrong shape", "backward",
         lambda L: (leaf(L) * 2).backward(L.ones(2))),
    Case("backward twice", "backward", _backward_twice),
    Case("grad of an unused input", "grad", _grad_unused),
    Case("in-place on a leaf that requires grad", "add_", _inplace_on_leaf),
    Case("item of many elements", "item", lambda L: x23(L).item()),
    Case("item of an empty tensor", "item", lambda L: L.ones(0).item()),
    Case("float() of many elements", "item", lambda L: float(x23(L))),
    Case("bool() of many elements", "bool", lambda L: bool(L.ones(3))),
    Case("len() of a 0-d tensor", "len", lambda L: len(L.tensor(1.0))),
    Case("iterate a 0-d tensor", "iter", lambda L: list(L.tensor(1.0))),
    Case("numpy() of a tensor that requires grad", "numpy", lambda L: leaf(L).numpy()),
    # ----- convolution and pooling ---------------------------------------------------------------------
    Case("conv2d wrong channels", "conv2d", lambda L: F(L).conv2d(img(L, 1, 4, 5, 5), L.ones(2, 3, 3, 3))),
    Case("conv2d kernel larger than input", "conv2d", lambda L: F(L).conv2d(img(L, 1, 3, 2, 2), L.ones(2, 3, 3, 3))),
    Case("conv2d negative padding", "conv2d",
         lambda L: F(L).conv2d(img(L, 1, 3, 5, 5), L.ones(2, 3, 3, 3), padding=-1)),
    Case("conv2d groups not dividing", "conv2d",
         lambda L: F(L).conv2d(img(L, 1, 4, 5, 5), L.ones(3, 2, 3, 3), groups=2)),
    Case("conv2d groups zero", "conv2d", lambda L: F(L).conv2d(img(L, 1, 4, 5, 5), L.ones(2, 4, 3, 3), groups=0)),
    Case("conv2d stride zero", "conv2d", lambda L: F(L).conv2d(img(L, 1, 3, 5, 5), L.ones(2, 3, 3, 3), stride=0)),
    Case("conv2d 2-D input", "conv2d", lambda L: F(L).conv2d(img(L, 5, 5), L.ones(2, 1, 3, 3))),
    Case("conv2d int input", "conv2d", lambda L: F(L).conv2d(L.ones(1, 3, 5, 5, dtype=L.int64), L.ones(2, 3, 3, 3))),
    Case("conv2d float64 input, float32 weight", "conv2d",
         lambda L: F(L).conv2d(img(L, 1, 3, 5, 5).double(), L.ones(2, 3, 3, 3))),
    Case("conv2d same padding with stride", "conv2d",
         lambda L: F(L).conv2d(img(L, 1, 3, 5, 5), L.ones(2, 3, 3, 3), stride=2, padding="same")),
    Case("conv2d unknown padding string", "conv2d",
         lambda L: F(L).conv2d(img(L, 1, 3, 5, 5), L.ones(2, 3, 3, 3), padding="bogus")),
    Case("conv2d unbatched input", "conv2d", lambda L: F(L).conv2d(img(L, 3, 5, 5), L.ones(2, 3, 3, 3))),
    Case("max_pool2d float kernel", "max_pool2d", lambda L: F(L).max_pool2d(img(L, 1, 1, 4, 4), 2.5),
         "was \"'float' object is not iterable\""),
    Case("max_pool2d kernel larger than input", "max_pool2d", lambda L: F(L).max_pool2d(img(L, 1, 1, 2, 2), 3)),
    Case("max_pool2d padding above half the kernel", "max_pool2d",
         lambda L: F(L).max_pool2d(img(L, 1, 1, 4, 4), 2, padding=2)),
    Case("max_pool2d zero kernel", "max_pool2d", lambda L: F(L).max_pool2d(img(L, 1, 1, 4, 4), 0)),
    Case("max_pool2d ceil_mode", "max_pool2d", lambda L: F(L).max_pool2d(img(L, 1, 1, 5, 5), 2, ceil_mode=True)),
    Case("max_pool2d 2-D input", "max_pool2d", lambda L: F(L).max_pool2d(img(L, 4, 4), 2)),
    Case("avg_pool2d negative padding", "avg_pool2d", lambda L: F(L).avg_pool2d(img(L, 1, 1, 4, 4), 2, padding=-1)),
    Case("avg_pool2d kernel of three ints", "avg_pool2d", lambda L: F(L).avg_pool2d(img(L, 1, 1, 4, 4), (2, 2, 2))),
    Case("Conv2d module wrong channels", "conv2d", lambda L: L.nn.Conv2d(3, 2, 3)(img(L, 1, 4, 5, 5))),
    Case("Conv2d groups not dividing channels", "groups", lambda L: L.nn.Conv2d(3, 4, 3, groups=2)),
    # ----- modules -------------------------------------------------------------------------------------
    Case("Linear module wrong features", "linear", lambda L: L.nn.Linear(3, 2)(L.ones(2, 4))),
    Case("Linear module called on a list", "Linear", lambda L: L.nn.Linear(3, 2)([1.0, 2.0, 3.0])),
    Case("Linear module called on a numpy array", "Linear",
         lambda L: L.nn.Linear(3, 2)(np.ones((2, 3), np.float32))),
    Case("ReLU module called on a list", "ReLU", lambda L: L.nn.ReLU()([1.0, -1.0])),
    Case("Sequential called on a numpy array", "Linear",
         lambda L: L.nn.Sequential(L.nn.Linear(3, 2))(np.ones((2, 3), np.float32))),
    Case("Linear negative size", "Linear", lambda L: L.nn.Linear(-1, 3)),
    Case("Dropout probability above 1", "dropout", lambda L: L.nn.Dropout(p=2.0)),
    Case("F.dropout probability above 1", "dropout", lambda L: F(L).dropout(L.ones(3), 1.5)),
    # ----- losses --------------------------------------------------------------------------------------
    Case("cross_entropy int32 labels", "cross_entropy",
         lambda L: F(L).cross_entropy(x23(L), L.tensor([0, 2], dtype=L.int32))),
    Case("nll_loss int32 labels", "nll_loss", lambda L: F(L).nll_loss(x23(L), L.tensor([0, 2], dtype=L.int32))),
    Case("cross_entropy weight of the wrong length", "cross_entropy",
         lambda L: F(L).cross_entropy(x23(L), L.tensor([0, 1]), weight=L.ones(2))),
    Case("nll_loss weight of the wrong length", "nll_loss",
         lambda L: F(L).nll_loss(x23(L), L.tensor([0, 1]), weight=L.ones(4))),
    Case("cross_entropy target shape mismatch", "cross_entropy", lambda L: F(L).cross_entropy(x23(L), L.tensor([0]))),
    Case("cross_entropy target out of range", "cross_entropy",
         lambda L: F(L).cross_entropy(x23(L), L.tensor([0, 5]))),
    Case("cross_entropy class probabilities", "cross_entropy",
         lambda L: F(L).cross_entropy(x23(L), L.ones(2, 3) / 3)),
    Case("cross_entropy label smoothing", "cross_entropy",
         lambda L: F(L).cross_entropy(x23(L), L.tensor([0, 1]), label_smoothing=0.1)),
    Case("cross_entropy 1-D input, 0-d target", "cross_entropy",
         lambda L: F(L).cross_entropy(L.arange(3.0), L.tensor(1))),
    Case("nll_loss bad reduction", "nll_loss", lambda L: F(L).nll_loss(x23(L), L.tensor([0, 1]), reduction="bogus")),
    Case("mse_loss int64 target", "mse_loss", lambda L: F(L).mse_loss(L.ones(3), L.tensor([1, 2, 3]))),
    Case("mse_loss shapes that don't broadcast", "mse_loss", lambda L: F(L).mse_loss(L.ones(3), L.ones(4))),
    Case("mse_loss bad reduction", "mse_loss", lambda L: F(L).mse_loss(L.ones(3), L.ones(3), reduction="avg")),
    Case("binary_cross_entropy int64 target", "binary_cross_entropy",
         lambda L: F(L).binary_cross_entropy(L.ones(3) / 2, L.tensor([1, 0, 1]))),
    Case("binary_cross_entropy shape mismatch", "binary_cross_entropy",
         lambda L: F(L).binary_cross_entropy(L.ones(3) / 2, L.ones(2))),
    Case("binary_cross_entropy input above 1", "binary_cross_entropy",
         lambda L: F(L).binary_cross_entropy(L.ones(3) * 2, L.ones(3))),
    Case("bce_with_logits int64 target", "binary_cross_entropy_with_logits",
         lambda L: F(L).binary_cross_entropy_with_logits(L.ones(3), L.tensor([1, 0, 1]))),
    Case("bce_with_logits shape mismatch", "binary_cross_entropy_with_logits",
         lambda L: F(L).binary_cross_entropy_with_logits(L.ones(3), L.ones(1))),
    Case("one_hot negative class", "one_hot", lambda L: F(L).one_hot(L.tensor([-1, 0]), 3)),
    Case("one_hot float input", "one_hot", lambda L: F(L).one_hot(L.ones(2), 3)),
    Case("pad odd length", "pad", lambda L: F(L).pad(x23(L), (1, 1, 1))),
    Case("pad negative (cropping)", "pad", lambda L: F(L).pad(x23(L), (-1, 0))),
    Case("pad reflect mode", "pad", lambda L: F(L).pad(img(L, 1, 1, 3, 3), (1, 1), mode="reflect")),
    Case("interpolate bilinear", "interpolate",
         lambda L: F(L).interpolate(img(L, 1, 1, 2, 2), scale_factor=2, mode="bilinear")),
    # ----- optimizers ----------------------------------------------------------------------------------
    Case("SGD on a non-leaf", "optimize", _sgd_step_nonleaf, "torch: can't optimize a non-leaf Tensor"),
    Case("SGD empty parameter list", "optimizer", lambda L: L.optim.SGD([], lr=0.1)),
    Case("SGD negative lr", "learning rate", lambda L: L.optim.SGD([leaf(L)], lr=-1.0)),
    Case("SGD given a tensor", "optimizer", lambda L: L.optim.SGD(leaf(L), lr=0.1)),
    Case("SGD nesterov without momentum", "nesterov", lambda L: L.optim.SGD([leaf(L)], lr=0.1, nesterov=True)),
    Case("Adam beta of 1", "beta", lambda L: L.optim.Adam([leaf(L)], betas=(1.0, 0.999))),
    Case("Adam negative eps", "eps", lambda L: L.optim.Adam([leaf(L)], eps=-1.0)),
]

FILE_CASES = [  # cases that write files: fn(L, tmp_dir)
    Case("save into a missing directory", "save", _save_missing_dir, "named a hidden temporary file"),
    Case("load a missing file", "load", lambda L, tmp: L.load(os.path.join(tmp, "missing.pt"))),
]
