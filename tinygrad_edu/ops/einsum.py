"""``einsum``: the forward is NumPy's (CuPy's); the gradient of each operand is another einsum of
the upstream gradient with the other operands, so it is differentiable to any order. The equation
is first made explicit (``...`` replaced by letters, the output spelled out), so that backward
only ever sees plain letters."""
import string

from ..autograd import Function
from ..backend import array_module

LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _error(message):
    return RuntimeError(f"einsum(): {message}")


def explicit_equation(equation, shapes):
    """``(terms, output)``: one string of letters per operand and the output's letters, with the
    ellipsis expanded (right-aligned, broadcast like NumPy's) and torch's implicit output (the
    ellipsis dims, then the letters that appear once, in alphabetical order) made explicit."""
    equation = equation.replace(" ", "")
    lhs, arrow, out = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        fewer = "fewer" if len(shapes) < len(terms) else "more"
        raise _error(f"{fewer} operands were provided than specified in the equation {equation!r}: "
                     f"{len(terms)} subscripts, {len(shapes)} operands")
    for i, c in enumerate(equation):
        if c not in LETTERS and c not in ".,->":
            raise _error(f"invalid subscript given at index {i} in the equation string {equation!r}, "
                         "subscripts must be in [a-zA-Z]")
    terms, dots = _expand_ellipses(terms, shapes, equation)
    if not arrow:  # torch's implicit output: the ellipsis dims, then the letters that appear once
        joined = "".join(lhs.split(","))
        return terms, dots + "".join(sorted(c for c in set(joined) if c in LETTERS and joined.count(c) == 1))
    out = out.replace("...", dots)
    for c in out:
        if out.count(c) > 1:
            raise _error(f"output subscript {c} appears more than once in the output")
        if not any(c in t for t in terms):
            raise _error(f"output subscript {c} does not appear in the equation for any input operand")
    return terms, out


def _expand_ellipses(terms, shapes, equation):
    """``(terms, dots)``: each ``...`` replaced by letters unused in ``equation``, right-aligned
    across the operands (``dots``: the letters of the longest ellipsis)."""
    spare = [c for c in LETTERS if c not in equation]
    counts = [_ellipsis_dims(t, s, k) for k, (t, s) in enumerate(zip(terms, shapes))]
    n_ellipsis = max(counts + [0])
    dots = "".join(spare[:n_ellipsis])
    return [t.replace("...", dots[n_ellipsis - n:]) for t, n in zip(terms, counts)], dots


def _ellipsis_dims(term, shape, k):
    """How many dims the ``...`` of operand ``k`` stands for (0 without one)."""
    named = len(term.replace("...", ""))
    if term.count("...") > 1 or (term.count(".") != 3 * term.count("...")):
        raise _error(f"operand {k}'s subscripts {term!r} may hold one ellipsis '...' at most")
    if "..." not in term:
        if named != len(shape):
            raise _error(f"the number of subscripts in the equation ({named}) does not match the number of "
                         f"dimensions ({len(shape)}) for operand {k} and no ellipsis was given")
        return 0
    if named > len(shape):
        raise _error(f"operand {k} has {len(shape)} dimensions but {named} subscripts besides the ellipsis")
    return len(shape) - named


class Einsum(Function):
    r"""$z_{\text{out}} = \sum_{\text{other letters}} \prod_k x^{(k)}_{\text{term}_k}$.

    $\bar x^{(k)}$ = einsum of $\bar z$ (letters: out) with the other operands, written out to
    operand $k$'s letters: ``einsum("out,t1,..->tk", g, x1, ..)``. Two cases need more than that
    einsum: a letter found only in operand $k$ (summed away: the gradient is the same along it,
    an expand), and a letter repeated in operand $k$ (a diagonal: the gradient lives on the
    diagonal, zeros elsewhere)."""

    def forward(self, *arrays, terms, output):
        self.terms, self.output_letters = terms, output
        equation = ",".join(terms) + "->" + output
        return array_module(arrays[0]).einsum(equation, *arrays, optimize=len(arrays) > 2)

    def backward(self, g):
        return tuple(self._operand_grad(g, k) if x.requires_grad else None for k, x in enumerate(self.inputs))

    def _operand_grad(self, g, k):
        term, x = self.terms[k], self.inputs[k]
        if g._is_zerotensor() and _keeps_zero_tensor(self.terms, self.output_letters, k):
            return _zero_through_views(g, self.output_letters, term, x.shape)
        others = [(t, v) for j, (t, v) in enumerate(zip(self.terms, self.inputs)) if j != k]
        seen = set(self.output_letters).union(*[set(t) for t, _ in others])
        unique = "".join(dict.fromkeys(term))
        wanted = "".join(c for c in unique if c in seen)
        h = Einsum.apply(g, *[v for _, v in others], terms=[self.output_letters] + [t for t, _ in others],
                         output=wanted)
        size = {c: (h.shape[wanted.index(c)] if c in wanted else x.shape[term.index(c)]) for c in unique}
        if wanted != unique:  # letters summed in this operand only: the gradient is constant along them
            h = _spread(h, wanted, unique, size)
        return h if unique == term else _on_diagonal(h, term, size)


def _keeps_zero_tensor(terms, output, k):
    """Whether torch's backward of its einsum keeps a ZeroTensor gradient (zero_tensor.py) a
    ZeroTensor for operand ``k``: when it is views (permute, a sum's expand) and at::mul only, that
    is no contraction of two operands (bmm), no diagonal of operand k and no letter of the output
    missing from it (a broadcast product, summed back). Else it becomes real zeros, as here."""
    joined, term = "".join(terms), terms[k]
    return (len(set(term)) == len(term) and set(output) <= set(term)
            and all(joined.count(c) == 1 for c in set(joined) - set(output)))


def _zero_through_views(g, output, term, shape):
    """The ZeroTensor ``g`` (letters ``output``) brought to ``term``'s letters as torch's backward
    does, by views: expanded along the letters summed in this operand, then permuted."""
    letters = output + "".join(c for c in term if c not in output)
    size = {c: shape[term.index(c)] for c in term}
    return _spread(g, output, letters, size).permute(*[letters.index(c) for c in term])


def _spread(h, wanted, unique, size):
    """``h`` (letters ``wanted``) expanded to all of ``unique``'s letters, constant along the new ones."""
    return h.reshape(tuple(size[c] if c in wanted else 1 for c in unique)).expand(tuple(size[c] for c in unique))


def _on_diagonal(h, term, size):
    """``h`` (one entry per distinct letter of ``term``) spread over a repeated letter's diagonal,
    zeros elsewhere."""
    first = [term.index(c) == p for p, c in enumerate(term)]
    h = h.reshape(tuple(size[c] if f else 1 for c, f in zip(term, first)))
    full = tuple(size[c] for c in term)
    return h.expand(full).where(_diagonal_mask(term, full, array_module(h.array)), 0.0)  # selected: no NaN * 0


def _diagonal_mask(term, shape, xp):
    """1 where every repeated letter of ``term`` has equal indices at its positions, 0 elsewhere."""
    mask = xp.ones((1,) * len(term), dtype=bool)
    for p, c in enumerate(term):
        q = term.index(c)
        if q != p:
            n = shape[p]
            mask = mask & xp.eye(n, dtype=bool).reshape([n if i in (p, q) else 1 for i in range(len(term))])
    return mask
