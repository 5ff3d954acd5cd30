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
- hardswish   $0$ for $x < -3$, $x$ for $x > 3$, $x (x + 3)/6$ between (gradient $x/3 + 1/2$ on $[-3, 3]$);
- softsign    $x / (1 + |x|)$.

The exponential branches see ``min(x, 0)``, so the branch that ``where`` discards never overflows
(an inf there would turn into 0 * inf = NaN in backward).
"""
import math

from ..autograd import EngineError, EngineTypeError
from ..tensor import Tensor
from ..ops.special import Erf, Softplus

__all__ = ["leaky_relu", "elu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh", "relu6", "hardswish",
           "softsign"]


def _float_input(op, input):
    if not isinstance(input, Tensor):
        raise EngineTypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise EngineTypeError(f"{op}: expected a floating point tensor, got {input.dtype}")
    return input


def _no_inplace(op, inplace):
    if inplace:
        raise EngineError(f"not supported in tinygrad_edu: {op}(inplace=True); call it out of place")


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _no_inplace("leaky_relu", inplace)
    x = _float_input("leaky_relu", input)
    return x.where(x.array > 0, x * negative_slope)


def _negative_exp_part(x, alpha, scale):
    """$\\alpha (e^{x / scale} - 1)$, evaluated on min(x, 0) (never overflows)."""
    return ((x.clamp(max=0.0) * (1.0 / scale)).exp() - 1.0) * alpha


def elu(input, alpha=1.0, inplace=False):
    _no_inplace("elu", inplace)
    x = _float_input("elu", input)
    return x.where(x.array > 0, _negative_exp_part(x, alpha, 1.0))


def celu(input, alpha=1.0, inplace=False):
    _no_inplace("celu", inplace)
    x = _float_input("celu", input)
    if alpha == 0:
        raise EngineError("celu: ZeroDivisionError: alpha must not be 0 (the formula divides by it)")
    return x.where(x.array > 0, _negative_exp_part(x, alpha, alpha))


def gelu(input, approximate="none"):
    x = _float_input("gelu", input)
    if approximate == "none":
        return x * (Erf.apply(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (inner.tanh() + 1.0) * 0.5
    raise EngineError(f"gelu: approximate argument must be either none or tanh, got {approximate!r}")


def silu(input, inplace=False):
    _no_inplace("silu", inplace)
    x = _float_input("silu", input)
    return x * x.sigmoid()


def mish(input, inplace=False):
    _no_inplace("mish", inplace)
    x = _float_input("mish", input)
    return x * Softplus.apply(x).tanh()


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta`` (stable for any x), and ``x`` itself where
    ``beta x > threshold``, as torch switches there."""
    x = _float_input("softplus", input)
    smooth = Softplus.apply(x) if beta == 1 else Softplus.apply(x * beta) * (1.0 / beta)
    return x.where((x.array * beta) > threshold, smooth)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    _no_inplace("hardtanh", inplace)
    x = _float_input("hardtanh", input)
    if min_val > max_val:
        raise EngineError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    inside = (x.array > min_val) & (x.array < max_val)  # torch's gradient: 0 at the edges too
    return x.where(inside, x.detach().clamp(min=min_val, max=max_val))


def relu6(input, inplace=False):
    _no_inplace("relu6", inplace)
    return hardtanh(input, 0.0, 6.0)


def hardswish(input, inplace=False):
    _no_inplace("hardswish", inplace)
    x = _float_input("hardswish", input)
    inner = x.clamp(min=-3.0, max=3.0)  # clamp passes the gradient at -3 and 3 too, as torch's formula
    middle = inner * (inner + 3.0) * (1.0 / 6.0)
    return x.where(x.array > 3.0, middle.where(x.array >= -3.0, 0.0))


def softsign(input):
    x = _float_input("softsign", input)
    return x / (x.abs() + 1.0)
