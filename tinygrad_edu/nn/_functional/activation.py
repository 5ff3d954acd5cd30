r"""The activations of ``F`` beyond relu/sigmoid/tanh, composed from engine ops (so gradients and
gradients of gradients come from theirs), with torch's values *and* torch's gradients at the
kinks:

- leaky_relu  $x$ if $x > 0$ else $a x$ (gradient $a$ at 0);
- elu         $x$ if $x > 0$ else $\alpha(e^x - 1)$ (gradient $\alpha$ at 0);
- celu        $\max(0, x) + \min(0, \alpha(e^{x/\alpha} - 1))$;
- gelu        $x \Phi(x) = \frac x2 (1 + \operatorname{erf}(x/\sqrt2))$, or with ``approximate='tanh'``
              $\frac x2 (1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))$;
- silu        $x \sigma(x)$;  mish  $x \tanh(\operatorname{softplus}(x))$;
- softplus    $\frac1\beta \log(1 + e^{\beta x})$, and $x$ where $\beta x > $ threshold (torch's switch);
- hardtanh    clamp to $[lo, hi]$, gradient 1 strictly inside only; relu6 = hardtanh(0, 6);
- hardswish   $x \min(\max(x + 3, 0), 6) / 6$ (gradient 0 up to -3, $x/3 + 1/2$ strictly between, 1 from 3);
- softsign    $x / (1 + |x|)$.

gelu, silu and mish are the op ``Fused`` (ops/activation.py): one product $\bar z f'(x)$ in
backward, with torch's formula for $f'$, so an infinite upstream gradient stays infinite as in
torch (tanh-gelu's $f'$ is ``Fused`` again, with torch's formula for $f''$); hardswish is the op
``Hardswish`` there, with torch's piecewise gradient.

The exponential branches see ``min(x, 0)``, so the branch that ``where`` discards never overflows
(an inf there would turn into 0 * inf = NaN in backward).
"""
import math

from ...autograd import no_grad
from ...errors import EngineError, EngineTypeError
from ...ops.activation import Fused, Hardswish, Hardtanh, LeakyRelu
from ...ops.special import Erf, Softplus
from ...tensor import Tensor

__all__ = ["leaky_relu", "elu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh", "relu6", "hardswish",
           "softsign"]


def _float_input(op, input):
    if not isinstance(input, Tensor):
        raise EngineTypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise EngineTypeError(f"{op}: expected a floating point tensor, got {input.dtype}")
    return input


def _maybe_inplace(op, input, inplace, compute):
    """``compute(input)``, or with ``inplace=True`` written into input's storage with torch's rules
    (the engine's in-place machinery, tensor_inplace.py: an error on a leaf that requires grad)."""
    x = _float_input(op, input)
    return x._inplace(op + "_", compute) if inplace else compute(x)


def _fused(x, value, slope):
    """The op ``Fused`` for f = ``value``, f' = ``slope`` (Tensor functions): f(x) is computed here,
    without a graph, and the op's backward is one product with f'(x)."""
    with no_grad():
        out = value(x).array
    return Fused.apply(x, value=out, slope=slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _maybe_inplace("leaky_relu", input, inplace, lambda x: LeakyRelu.apply(x, slope=negative_slope))


def _negative_exp_part(x, alpha, scale):
    """$\\alpha (e^{x / scale} - 1)$ with expm1 (exact for tiny x, as torch's), evaluated on
    min(x, 0) (never overflows)."""
    return (x.clamp(max=0.0) * (1.0 / scale)).expm1() * alpha


def _elu_family(x, alpha, scale):
    r"""$x$ for $x > 0$ (and NaN: torch's backward takes the positive side unless $x \le 0$),
    $\alpha(e^{x/scale} - 1)$ for $x < 0$, and at exactly 0 the line $x \alpha / scale$: torch's
    gradient there ($\alpha / scale$, the negative side's) with torch's second derivative there
    (0: its double backward masks with $x < 0$)."""
    at_zero = x * (alpha / scale)
    return x.where(~(x.array <= 0), _negative_exp_part(x, alpha, scale).where(x.array < 0, at_zero))


def elu(input, alpha=1.0, inplace=False):
    return _maybe_inplace("elu", input, inplace, lambda x: _elu_family(x, alpha, 1.0))


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise EngineError("celu: ZeroDivisionError: alpha cannot be 0 for CELU (the formula divides by it)")
    return _maybe_inplace("celu", input, inplace, lambda x: _elu_family(x, alpha, alpha))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu_tanh(x):
    return x * ((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI).tanh().add(1.0) * 0.5


def _gelu_tanh_slope(x):
    """f'(x), as the op ``Fused`` too: its own derivative is torch's formula, not the chain rule."""
    return _fused(x, _gelu_tanh_slope_value, _gelu_tanh_curvature)


def _gelu_tanh_slope_value(x):
    t = ((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI).tanh()
    return (t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * ((x * x * (3 * 0.044715) + 1.0) * _SQRT_2_OVER_PI)


def _gelu_tanh_curvature(x):
    r"""f''(x) as torch's gelu_double_backward: with $u = \beta(x + \kappa x^3)$, $f = x/2$,
    $g = 1 - \tanh^2 u$, $h = \beta(1 + 3\kappa x^2)$: $f''= 2 \cdot \frac12 g h + f h g' + f g h'$,
    where $g' = -2 \operatorname{sech}^2 u \tanh u \cdot h$ takes sech from cosh: the chain rule
    through $1 - \tanh^2$ would differentiate a cancellation, far less exact in float32 when
    $\tanh u \approx 1$."""
    inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
    t, sech = inner.tanh(), 1.0 / inner.cosh()
    f, g, h = x * 0.5, 1.0 - t * t, (x * (3 * 0.044715) * x + 1.0) * _SQRT_2_OVER_PI
    f_prime_gh = g * 0.5 * h
    g_prime = (sech * 2.0) * (-sech * t) * h
    return f_prime_gh + f_prime_gh + f * h * g_prime + f * g * (x * (6 * 0.044715) * _SQRT_2_OVER_PI)


def _gelu_exact(x):
    return x * (Erf.apply(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5


def _gelu_exact_slope(x):
    cdf = (Erf.apply(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
    return cdf + x * (x * x * -0.5).exp() * (1.0 / math.sqrt(2.0 * math.pi))


def gelu(input, approximate="none"):
    x = _float_input("gelu", input)
    if approximate == "none":
        return _fused(x, _gelu_exact, _gelu_exact_slope)
    if approximate == "tanh":
        return _fused(x, _gelu_tanh, _gelu_tanh_slope)
    raise EngineError(f"gelu: approximate argument must be either none or tanh, got {approximate!r}")


def _silu_slope(x):
    s = x.sigmoid()
    return s * (x * (1.0 - s) + 1.0)


def silu(input, inplace=False):
    return _maybe_inplace("silu", input, inplace,
                          lambda x: _fused(x, lambda v: v * v.sigmoid(), _silu_slope))


def _mish_slope(x):
    t = Softplus.apply(x).tanh()
    return t + x * x.sigmoid() * (1.0 - t * t)


def mish(input, inplace=False):
    return _maybe_inplace("mish", input, inplace,
                          lambda x: _fused(x, lambda v: v * Softplus.apply(v).tanh(), _mish_slope))


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta`` (stable for any x), and ``x`` itself where
    ``beta x > threshold``, as torch switches there."""
    x = _float_input("softplus", input)
    smooth = Softplus.apply(x) if beta == 1 else Softplus.apply(x * beta) * (1.0 / beta)
    at = (x.array * beta) == threshold
    if at.any():  # exactly at the switch: torch's slope sigma(threshold), and second order 0 (its mask is <)
        slope = 1.0 / (1.0 + math.exp(-threshold))
        smooth = smooth.where(~at, x * slope + (smooth - x * slope).detach())
    return x.where((x.array * beta) > threshold, smooth)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise EngineError(f"hardtanh: min_val cannot be greater than max_val (got {min_val} > {max_val})")

    return _maybe_inplace("hardtanh", input, inplace, lambda x: Hardtanh.apply(x, lo=min_val, hi=max_val))


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardswish(input, inplace=False):
    return _maybe_inplace("hardswish", input, inplace, Hardswish.apply)


def softsign(input):
    x = _float_input("softsign", input)
    return x / (x.abs() + 1.0)
