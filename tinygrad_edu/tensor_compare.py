"""The comparisons of ``Tensor``: ``eq ne lt le gt ge`` (``==``, ``<``, ...), ``logical_not``
(``~``) and ``bitwise_and``/``or``/``xor`` (``&``, ``|``, ``^``). They build boolean (or integer)
tensors and record no graph, as torch's; the operands are promoted to one dtype first (torch's
rules). It relies on the Tensor core for ``array``, ``dtype``, ``_wrap`` and ``_pair``."""
import operator


class CompareMethods:
    """The comparisons of a Tensor (a mixin: see the module docstring)."""

    __slots__ = ()

    def _compare(self, other, op):
        a, b = self._pair(other)
        return self._wrap(op(a.array, b.array))

    def eq(self, other):
        """``self == other`` elementwise."""
        return self._compare(other, operator.eq)

    def ne(self, other):
        """``self != other`` elementwise."""
        return self._compare(other, operator.ne)

    def lt(self, other):
        """``self < other`` elementwise."""
        return self._compare(other, operator.lt)

    def le(self, other):
        """``self <= other`` elementwise."""
        return self._compare(other, operator.le)

    def gt(self, other):
        """``self > other`` elementwise."""
        return self._compare(other, operator.gt)

    def ge(self, other):
        """``self >= other`` elementwise."""
        return self._compare(other, operator.ge)

    def logical_not(self):
        """``~self``: True where self is False (or 0)."""
        return self._wrap(~self.array if self.dtype.kind == "b" else self.array == 0)

    __hash__ = object.__hash__  # == builds a tensor, so hash by identity, like torch
    __eq__, __ne__, __lt__, __le__, __gt__, __ge__, __invert__ = eq, ne, lt, le, gt, ge, logical_not

    def _bitwise(self, other, op, name):
        """``&``, ``|``, ``^`` of boolean or integer tensors: no graph, like torch's."""
        a, b = self._pair(other)
        if a.dtype.kind not in "biu":
            raise RuntimeError(f"{name}: expected boolean or integer tensors, got {a.dtype} (torch: not implemented "
                               "for floating point)")
        return self._wrap(op(a.array, b.array))

    def bitwise_and(self, other):
        """``self & other`` elementwise."""
        return self._bitwise(other, operator.and_, "bitwise_and")

    def bitwise_or(self, other):
        """``self | other`` elementwise."""
        return self._bitwise(other, operator.or_, "bitwise_or")

    def bitwise_xor(self, other):
        """``self ^ other`` elementwise."""
        return self._bitwise(other, operator.xor, "bitwise_xor")

    __and__ = __rand__ = bitwise_and
    __or__ = __ror__ = bitwise_or
    __xor__ = __rxor__ = bitwise_xor
