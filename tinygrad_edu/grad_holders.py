"""Who holds a gradient during backward, by reference counts: whether backward alone holds it, so
that it may be kept as ``.grad`` without a copy (``unshared``, torch's AccumulateGrad "steal") or
written over by the op it goes into (``owned``, ReLU's backward: ops/activation.py). The counts
are those of the calls in autograd.py (run_backward, its visit and _pass_to_inputs): a holder
added or removed there changes them. A wrong count only ever says "shared" (a copy, an
allocation), unless the interpreter counts fewer references than CPython 3.11-3.13 do."""
import sys

import numpy as np

_GRADIENT_REFS = 5  # holders of g in unshared: run_backward, visit, _accumulated, unshared, getrefcount
# The reference counts below hold on CPython 3.11-3.13 (3.10's frames hold more: no steal, no
# reuse, which is safe); 3.14 may borrow references on the stack (lower counts), so not there.
_COUNTS_HOLD = sys.version_info < (3, 14)


def unshared(g):
    """Whether nothing but backward holds ``g`` and its array (torch's AccumulateGrad checks the
    same, the use count, before it "steals" a gradient instead of copying it): a fresh array
    (not a view of another, ``base`` None) that only this tensor wraps. Then it can become
    ``.grad`` as it is: the copy would cost a pass over every parameter per step."""
    return (_COUNTS_HOLD and g.array.base is None and sys.getrefcount(g.array) == 2
            and sys.getrefcount(g) == _GRADIENT_REFS)


def owned(g):
    """Whether only backward holds ``g`` at _pass_to_inputs (run_backward, _pass_to_inputs, owned,
    getrefcount: no hook, ``.grad`` or saved value kept it) and its memory (a fresh writable
    NumPy array, or the only view of one): then the op g goes into may write its result over it
    (torch's kernels allocate; this lowers the peak by one array of g's size: ReLU's backward
    at the Galaxy CNN's first conv layer)."""
    a = g.array
    if (not _COUNTS_HOLD or type(a) is not np.ndarray or not a.flags.writeable or g._is_zerotensor()
            or sys.getrefcount(g) != 4 or sys.getrefcount(a) != 3):  # g: 3 holders; a: its tensor, a, the argument
        return False
    base = a.base  # a view's base: held by a, base and the argument
    return base is None or (type(base) is np.ndarray and base.base is None and sys.getrefcount(base) == 3)
