"""torch's top-level forms of the maths methods (``torch.sin(x)``, ``torch.norm(x, dim=1)``,
``torch.einsum("ij,jk->ik", a, b)``, ``torch.split(x, 2)``, ``torch.linalg.vector_norm``, ...).
Each forwards to the Tensor method of the same name, where the checks and the maths live, so the
two forms cannot disagree; ``einsum`` is only here (it has no method form)."""
import types

from .ops.einsum import Einsum, explicit_equation
from .tensor import Tensor

_UNARY = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "arcsin",
          "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10", "log1p", "expm1", "floor", "ceil",
          "trunc", "fix", "frac", "erf")

__all__ = list(_UNARY) + ["atan2", "arctan2", "round", "norm", "mm", "bmm", "outer", "ger", "dot", "cumsum", "prod",
                          "flip", "fliplr", "flipud", "roll", "tril", "triu", "gather", "scatter", "scatter_add",
                          "index_select", "masked_select", "narrow", "split", "chunk", "unbind", "einsum", "linalg"]


def _input(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    return x


def _method(name):
    def fn(input, *args, **kwargs):
        return getattr(_input(input, name), name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(x, ...)`` is ``x.{name}(...)``."
    return fn


for _name in _UNARY:
    globals()[_name] = _method(_name)

atan2 = arctan2 = _method("atan2")
round, norm, mm, bmm, outer, ger, dot = (_method(n) for n in ("round", "norm", "mm", "bmm", "outer", "ger", "dot"))
cumsum, prod, flip, fliplr, flipud, roll = (_method(n) for n in ("cumsum", "prod", "flip", "fliplr", "flipud", "roll"))
tril, triu, gather, scatter, scatter_add = (_method(n) for n in ("tril", "triu", "gather", "scatter", "scatter_add"))
index_select, masked_select, narrow = (_method(n) for n in ("index_select", "masked_select", "narrow"))
split, chunk, unbind = _method("split"), _method("chunk"), _method("unbind")


def einsum(equation, *operands):
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``. The operands may also come
    as one list; ``...`` stands for broadcast dims; without ``->`` the output is torch's implicit
    one (the ``...`` dims, then the letters that appear once, alphabetically)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError("not supported in tinygrad_edu: einsum's sublist form; pass the equation as a string")
    for k, t in enumerate(operands):
        _input(t, "einsum")
        if t.dtype != operands[0].dtype:
            raise RuntimeError(f"einsum(): expected scalar type {operands[0].dtype} but found {t.dtype} (operand {k})")
    terms, output = explicit_equation(equation, [t.shape for t in operands])
    sizes = {}
    for k, (term, t) in enumerate(zip(terms, operands)):
        for c, n in zip(term, t.shape):
            if sizes.get(c, 1) != 1 and n != 1 and n != sizes[c]:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast "
                                   f"with previously seen size {sizes[c]}")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    return _left_to_right(operands, terms, output)


def _left_to_right(operands, terms, output):
    """The contraction in torch's order (its own, without opt_einsum): operand 0 with operand 1, the
    result with operand 2, and so on, each pair keeping only the letters that a later operand or
    the output still needs. So the products are associated as torch associates them, and an
    overflow gives torch's inf or NaN (NumPy's optimizer would pick its own order)."""
    result, letters = operands[0], terms[0]
    if len(operands) == 1:
        return Einsum.apply(result, terms=[letters], output=output)
    for k in range(1, len(operands)):
        needed = set(output).union(*terms[k + 1:])
        joined = dict.fromkeys(letters + terms[k])
        kept = output if k == len(operands) - 1 else "".join(c for c in joined if c in needed)
        result = Einsum.apply(result, operands[k], terms=[letters, terms[k]], output=kept)
        letters = kept
    return result


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.vector_norm``."""
    return _input(x, "linalg.vector_norm").vector_norm(ord, dim, keepdim, dtype=dtype)


linalg = types.SimpleNamespace(vector_norm=vector_norm)
