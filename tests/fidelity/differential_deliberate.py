"""The one documented list of places where the engine deliberately differs from torch (is more
exact or more consistent), for the differential test (tests/fidelity/test_differential.py).

Each entry names the ops, what differs, why, the reference that shows who is right, and a torch
substitute: the same function written with plain torch ops so that it has the engine's behaviour.
The comparison consults the list only for a program that differs: it runs torch again with the
substitutes of the entries whose ops the program uses, and the program passes only if the engine
then agrees with torch everywhere (values, dtypes, gradients), so an entry excuses nothing beyond
what its substitute changes.
"""
import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from tests.fidelity.conv_columns import conv2d_columns, conv_transpose2d_columns
from tests.fidelity.differential_programs import Program, run_step

_TORCH_GELU = torch.nn.functional.gelu
_TORCH_HARDSWISH = torch.nn.functional.hardswish
_TORCH_NORMALIZE = torch.nn.functional.normalize
_TORCH_SOFTPLUS = torch.nn.functional.softplus
_TORCH_MISH = torch.nn.functional.mish


def _hardtanh_selected(input, min_val=-1.0, max_val=1.0, inplace=False):
    """hardtanh whose gradient is 0 at a NaN input in every lane (``where`` selects)."""
    inside = (input > min_val) & (input < max_val)
    return torch.where(inside, input, input.detach().clamp(min_val, max_val))


def _relu6_selected(input, inplace=False):
    return _hardtanh_selected(input, 0.0, 6.0)


def _hardswish_scalar_rule(input, inplace=False):
    """hardswish whose gradient at a NaN input is the upstream gradient in every lane (torch's
    scalar formula: its else-branch), from torch's own hardswish on the other elements."""
    nan = torch.isnan(input)
    value = _TORCH_HARDSWISH(torch.where(nan, torch.zeros_like(input), input))
    return torch.where(nan, input, value)


def _gelu_exact_at_inf(input, approximate="none"):
    """gelu with gelu(+inf) = +inf (its limit); the gradient there stays torch's (NaN)."""
    value = _TORCH_GELU(input, approximate=approximate)
    return torch.where(torch.isposinf(input), input.detach(), value)


def _normalize_zero_safe(input, p=2.0, dim=1, eps=1e-12, out=None):
    """F.normalize with the 2-norm written as the engine writes it (sqrt of the sum of squares,
    selected to 0 at a zero vector), so that no NaN comes out of the norm's double backward."""
    if p != 2:
        return _TORCH_NORMALIZE(input, p, dim, eps)
    squares = (input * input).sum(dim, keepdim=True)
    nonzero = squares != 0
    norm = torch.where(nonzero, torch.where(nonzero, squares, torch.ones_like(squares)).sqrt(), torch.zeros_like(squares))
    return input / norm.clamp_min(eps)


def _softplus_selected(input, beta=1.0, threshold=20.0):
    """softplus that selects its linear side with torch.where (torch's own softplus below the
    threshold, fed 0 above it), so its second order there is 0 even where the upstream is infinite."""
    above = input * beta > threshold
    below = _TORCH_SOFTPLUS(torch.where(above, torch.zeros_like(input), input), beta, threshold)
    return torch.where(above, input, below)


class _MishSlope(torch.autograd.Function):
    """mish whose backward is one product with its slope f'(x) = t + x sigmoid(x) (1 - t^2),
    t = tanh(softplus(x)), the softplus taken as logaddexp(0, x) (no overflow): the engine's form."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return _TORCH_MISH(input)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = torch.logaddexp(torch.zeros_like(x), x).tanh()
        return grad * (t + x * x.sigmoid() * (1.0 - t * t))


def _mish_logaddexp(input, inplace=False):
    return _MishSlope.apply(input)


def _elu_selected(scale_is_alpha):
    """elu (celu with ``scale_is_alpha``) written as the engine writes it, with torch.where:
    x where not x <= 0 (so NaN takes the positive side), alpha (e^(x/scale) - 1) where x < 0, and
    the line x alpha / scale at exactly 0 (torch's gradient there, second derivative 0)."""
    def fn(input, alpha=1.0, inplace=False):
        scale = alpha if scale_is_alpha else 1.0
        negative = torch.expm1(input.clamp(max=0.0) * (1.0 / scale)) * alpha
        return torch.where(~(input <= 0), input, torch.where(input < 0, negative, input * (alpha / scale)))
    return fn


def _normalised(x, dims, eps):
    """(x - mean) / sqrt(biased var + eps) over ``dims``, the mean as torch's own ``mean`` (a sum
    divided by the count), as the engine computes it."""
    centred = x - x.mean(dims, keepdim=True)
    return centred / ((centred * centred).mean(dims, keepdim=True) + eps).sqrt()


def _affine(y, weight, bias, shape):
    y = y if weight is None else y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def _layer_norm_summed_mean(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    return _affine(_normalised(input, tuple(range(-len(shape), 0)), eps), weight, bias, shape)


def _group_norm_summed_mean(input, num_groups, weight=None, bias=None, eps=1e-5):
    y = _normalised(input.reshape(input.shape[0], num_groups, -1), (2,), eps).reshape(input.shape)
    return _affine(y, weight, bias, (1, input.shape[1]) + (1,) * (input.dim() - 2))


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
    Deliberate(("F.hardswish",), "the gradient at a NaN input",
               "torch's CPU kernel is inconsistent with itself: its scalar path passes the upstream gradient "
               "(NaN fails both edge tests: the else-branch) and its vectorised lanes give NaN, so a float64 "
               "NaN tensor of shape (15,) gets gradient 1 and one of shape (16,) gets NaN (float32: 17 and "
               "48); the engine gives the upstream gradient always",
               "no derivative exists at NaN; the engine agrees with torch's scalar formula for every size",
               {"hardswish": _hardswish_scalar_rule}),
    Deliberate(("F.gelu",), "the value of gelu (approximate='none') at +inf",
               "torch's float32 kernel returns NaN there (in its vectorised lanes; a 1-element tensor gets +inf); "
               "the engine returns +inf",
               "gelu(x) = x Phi(x) -> +inf as x -> +inf, and torch's own float64 kernel returns +inf",
               {"gelu": _gelu_exact_at_inf}),
    Deliberate(("F.normalize", "F.info_nce_loss"), "second-order gradients at an exactly-zero vector",
               "torch gives NaN there (the double backward of its vector_norm at a zero norm meets 0 * inf, "
               "although the clamp at eps already stops the first-order flow through the norm); the engine "
               "gives the finite value",
               "within eps of a zero vector normalize(x) is x / eps, linear, so the second order is finite: "
               "float64 central differences of torch's own first-order gradient with a step below eps agree "
               "with the engine (tests/fidelity/test_differential_deliberate.py checks it)",
               {"normalize": _normalize_zero_safe}),
    Deliberate(("F.elu", "F.celu"), "the gradient at a NaN input, and second order where the first-order "
               "gradient is infinite",
               "at NaN torch is inconsistent with itself: float32, and float64 tensors of fewer than 16 "
               "elements, get 1 (its formula's positive side: `x <= 0` fails for NaN), float64 tensors of 16 "
               "or more get NaN in the vectorised lanes; the engine gives 1 always. In second order torch's "
               "elu_double_backward multiplies by the mask (x < 0), so an infinite upstream gradient on the "
               "positive side gives inf * 0 = NaN; the engine selects (where), so it gives the chain rule's "
               "+-inf there",
               "no derivative exists at NaN; the engine agrees with torch's scalar formula for every size. "
               "On the positive side elu is x, so d(g^2)/dx = 2 g dg/dx with both factors infinite and of "
               "one sign: the limit is inf, not NaN; torch's own autograd through the same function written "
               "with torch.where (the substitute) gives the engine's values",
               {"elu": _elu_selected(False), "celu": _elu_selected(True)}),
    Deliberate(("F.softplus",), "second order on the linear side (beta x > threshold) where the first-order "
               "gradient overflows",
               "torch's softplus double backward multiplies its curvature term by the mask (beta x < threshold), "
               "so an infinite upstream there gives inf * 0 = NaN; the engine selects (where), so only the "
               "chain rule's term through the slope 1 remains, +-inf where it overflows as well",
               "on the linear side softplus is x: its second derivative is exactly 0 and d(g^2)/dx = 2 g dg/dx, "
               "a product of two factors of one sign that overflows float32 (2^softplus(100): 1e30 squared), so "
               "the limit is +inf, not NaN; torch's own autograd of softplus with its linear side selected by "
               "torch.where (the substitute) gives the engine's values",
               {"softplus": _softplus_selected}),
    Deliberate(("F.mish",), "second order where exp(x) overflows (x > 88.7 in float32, 709.8 in float64)",
               "torch's double backward of mish (its infinitely differentiable mish backward) takes softplus as "
               "log1p(exp(x)), unguarded: exp overflows to inf and its backward meets 0 * inf = NaN; the engine's "
               "softplus is logaddexp(0, x), so its second order there is the limit 0",
               "above x = 40 mish(x) = x tanh(softplus(x)) is x to float64 precision (the tanh rounds to 1), so its "
               "second derivative is 0: float64 central differences of torch's own first-order gradient (its "
               "mish_backward kernel, outside a graph) give exactly 0; torch's autograd through mish with the "
               "engine's backward (one product with the slope, logaddexp: the substitute) gives the engine's "
               "values (tests/fidelity/test_differential_deliberate.py checks both)",
               {"mish": _mish_logaddexp}),
    Deliberate(("F.layer_norm", "F.group_norm"), "the mean that layer_norm and group_norm subtract",
               "torch's fused CPU kernel takes the mean by a Welford update (m += (x - m) / k, merged across "
               "vector lanes whose width depends on the machine's CPU), which leaves rounding in it: the float32 "
               "mean of [0, -2, 0, 1, 1] comes out 3.0e-8, so the normalised value of a 0 there is -2.7e-8, "
               "not 0; the engine's mean is a sum divided by the count, as torch's own mean(), exactly 0. Where "
               "a later step is singular at the normalised value (a zero weight and bias, then log2: -inf and "
               "gradient inf * 0 = NaN in the engine, a finite value in torch) the two then differ",
               "the exact (rational) mean of [0, -2, 0, 1, 1] is 0, the engine's and torch.mean's; the engine "
               "agrees with torch's layer_norm and group_norm written with torch.mean (the substitutes), and "
               "tests/fidelity/test_differential_deliberate.py checks both claims against torch",
               {"layer_norm": _layer_norm_summed_mean, "group_norm": _group_norm_summed_mean}),
    Deliberate(("F.conv2d", "F.conv_transpose2d"), "an inf or NaN weight tap, or upstream gradient, that "
               "meets the zero padding (the output, the weight gradient; conv_transpose2d's input gradient)",
               "torch is inconsistent with itself: its float64 kernels and its float32 im2col kernels (thnn's "
               "slow_conv2d, oneDNN's gemm convolution) multiply the padding's zeros, 0 * NaN = NaN, while "
               "oneDNN's direct float32 kernels (jit:avx512_core, chosen by shape and CPU) leave padded taps "
               "out, so the float32 weight gradient of conv2d(stride=2, padding=1) with a NaN upstream at the "
               "first output column is NaN at the taps reading the padding for a batch of 1 and 0 for a batch "
               "of 2 (oneDNN's brgconv_strided input gradient adds NaN at positions no output reaches, too); "
               "the engine multiplies the padding's zeros always",
               "the engine's answer is torch's float64 answer and torch's answer, in every dtype and kernel, "
               "for the same convolution of an input padded with F.pad (real zeros): the substitutes, unfold "
               "or fold and a matmul in torch, give the engine's values, and tests/fidelity/"
               "test_conv_nonfinite.py checks both claims against torch",
               {"conv2d": conv2d_columns, "conv_transpose2d": conv_transpose2d_columns}),
]


# ---- second order where torch's double-backward formula overflows ----------------------------------
SECOND_ORDER_NAN = (
    "second-order gradients (grads2) that are NaN in torch and finite in the engine",
    "torch's double-backward formulas of the fused activations (mish, silu, softplus, elu, ...) "
    "evaluate exp(x) and friends unguarded, so at large |x| or where a factor vanishes they meet "
    "inf / inf or 0 * inf = NaN although the derivative exists; the engine's second order is "
    "the chain rule through the first-order formula, which stays finite",
    "per program: central differences, in float64, of torch's own first-order gradient at the "
    "same inputs and at the program's own float32 values (each step's float32 rounding a constant "
    "offset), steps h and h/2 extrapolated (Richardson), sum(g * g) differenced element by element; "
    "the position (at most 64 per input) is excused only where that reference is finite and the "
    "engine agrees with it to 1e-3 (and everything else in the program agrees)")


def _rounding_offsets(program, arrays, execute):
    """Per value, a constant that puts the float64 twin (``arrays``) onto the program's own value
    (its float32 steps rounded as the program rounds them): step by step, the program's value minus
    the twin's step computed from the already moved values before it (None where there is none)."""
    own = execute(torch, program, grads=False)["values"]
    values, offsets = [torch.tensor(a) for a in arrays], [None] * len(arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, step in enumerate(program.steps):
            try:
                out, target = run_step(torch, step, values), own[len(arrays) + k][0]
            except Exception:  # noqa: BLE001  (the twin refusing a step: no offsets from here on)
                return None
            offset = None
            if out.dtype.is_floating_point and target is not None and np.shape(target) == tuple(out.shape):
                offset = np.asarray(target, dtype=np.float64) - out.detach().numpy().astype(np.float64)
                offset = np.where(np.isfinite(offset), offset, 0.0)
                out = out + torch.as_tensor(offset).to(out.dtype)
            offsets.append(offset)
            values.append(out)
    return offsets


def second_order_reference(program, label_index, positions, execute):
    """Central differences of sum(g * g) over torch's first-order gradients ``g`` (float64 inputs)
    with respect to input ``label_index`` at ``positions`` (flat indices): the float64 reference.
    Each step's value carries a constant offset, the program's float32 rounding of it at the
    inputs themselves, so that the derivative is taken at the program's own values: without it a
    later ill-conditioned step (tan of 8668, whose float32 argument is rounded by up to 5e-4)
    moves the reference by more than the engine's own error."""
    leaves = [k for k, a in enumerate(program.arrays) if a.dtype.kind == "f"]
    arrays = [a.astype(np.float64) if a.dtype == np.float32 else a for a in program.arrays]
    offsets = _rounding_offsets(program, arrays, execute)

    def gradients(shifted):
        result = execute(torch, Program(shifted, program.steps, program.upstream_seed, False), shifts=offsets)
        if result["error"] is not None or result["grads"] is None:
            return None
        return [None if g is None else np.asarray(g[0], dtype=np.float64) for g in result["grads"]]

    central = _CentralDifference(gradients, arrays, leaves[label_index])
    # Richardson's extrapolation of the steps h and h/2 cancels the h^2 term of the error: a later
    # step of large slope (tan of a value scaled by 3) curves the objective within one step h
    out = []
    for position in positions:
        h = 1e-6 * max(1.0, abs(float(arrays[central.which].reshape(-1)[position])))
        out.append((4 * central(position, h / 2) - central(position, h)) / 3)
    return np.array(out)


class _CentralDifference:
    """(sum(g(x + h e_k)^2) - sum(g(x - h e_k)^2)) / 2h for input ``which``, element ``k``."""

    def __init__(self, gradients, arrays, which):
        self.gradients, self.arrays, self.which = gradients, arrays, which
        # entries of g that are not finite at the inputs themselves (a NaN from log10 of a negative
        # value elsewhere in the tensor, say) are left out of sum(g * g): they would make every
        # difference NaN, and an entry that depends on the position examined makes the engine's
        # value NaN as well, so leaving it out excuses nothing
        self.finite = [None if g is None else np.isfinite(g) for g in gradients(arrays) or []]

    def at(self, position, step):
        shifted = [a.copy() for a in self.arrays]
        shifted[self.which].reshape(-1)[position] += step
        gs = self.gradients(shifted)
        return gs if gs is not None and len(gs) == len(self.finite) else None

    def __call__(self, position, h):
        plus, minus = self.at(position, h), self.at(position, -h)
        if plus is None or minus is None:
            return np.nan
        # sum(g+^2) - sum(g-^2) taken element by element as (g+ - g-)(g+ + g-): an entry that does
        # not depend on the position adds exactly 0, not the rounding of a large total
        terms = [((p - m) * (p + m))[keep].sum() for p, m, keep in zip(plus, minus, self.finite)
                 if p is not None and m is not None and keep is not None]
        return float(sum(terms)) / (2 * h)
