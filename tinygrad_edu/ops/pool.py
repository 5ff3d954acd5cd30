r"""Pooling over 2-D windows with strided slices: one slice per kernel position, never a Python
loop over pixels and never a reshape-and-reduce (measured ~30x slower here).

For kernel position $(i, j)$ the slice $S_{ij}(x) = \tilde x[:, :, d_h i + s_h p,\ d_w j + s_w q]$
(over all output positions $p, q$) is a strided view of the padded input $\tilde x$. Then

    max_pool2d:  y = max_{ij} S_ij(x~)            (x~ padded with -inf)
    avg_pool2d:  y = scale * sum_{ij} S_ij(x~)     (x~ padded with 0; scale = 1 / (kh kw))

Both gradients are a *window scatter*: ``x_bar[S_ij] += m_ij * g`` where ``m_ij`` is 1 for avg
pooling and, for max pooling, marks the first maximum of each window in row-major window order
(torch's rule for ties). The scatter and the *window gather* ``sum_ij m_ij * S_ij(u)`` are each
other's adjoints, so each is the other's backward and gradients of gradients work.
"""
from ..autograd import Function
from ..backend import array_module, keep_where, memory_order


class _Windows:
    """The geometry of a pooling: kernel, stride, padding, dilation (pairs), input and output size."""

    def __init__(self, in_shape, kernel, stride, padding, dilation):
        self.in_shape, self.kernel, self.stride, self.padding, self.dilation = \
            tuple(in_shape), kernel, stride, padding, dilation
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
        h, w = in_shape[2], in_shape[3]
        self.padded_hw = (h + 2 * ph, w + 2 * pw)
        self.out_hw = ((h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1)

    @property
    def geometry(self):
        return self.kernel, self.stride, self.padding, self.dilation

    def slices(self):
        """``(i, j, index)`` for every kernel position in row-major order."""
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = self.kernel, self.stride, self.dilation, self.out_hw
        for i in range(kh):
            for j in range(kw):
                yield (Ellipsis, slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                       slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))

    def pad(self, x, value):
        """``x`` in a buffer of the padded size filled with ``value`` (no copy without padding)."""
        ph, pw = self.padding
        if not ph and not pw:
            return x
        xp = array_module(x)
        buf = xp.full(x.shape[:2] + self.padded_hw, value, dtype=x.dtype)
        buf[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] = x
        return buf

    def crop(self, xpad):
        ph, pw = self.padding
        return xpad[:, :, ph:ph + self.in_shape[2], pw:pw + self.in_shape[3]]

    @property
    def overlapping(self):
        """Do windows share input elements? (If not, the scatter can assign instead of add.)"""
        return any(s < d * (k - 1) + 1 for k, s, d in zip(self.kernel, self.stride, self.dilation))


def _zeros_like_layout(g, hw, layout, empty=False):
    """Zeros (or uninitialised) of shape ``g.shape[:2] + hw`` and ``g``'s dtype, with the order
    of axes in memory of the array ``layout`` (conv outputs are channel-major or channels-last),
    so the gradient reaches the ops below without transposing copies."""
    xp = array_module(g)
    make = xp.empty if empty else xp.zeros
    order = memory_order(layout)
    shape = g.shape[:2] + tuple(hw)
    buf = make(tuple(shape[axis] for axis in order), dtype=g.dtype)
    return buf.transpose([order.index(axis) for axis in range(4)])


def _in_layout_of(a, layout):
    """``a``, copied into the memory order of ``layout`` if it has another."""
    order = memory_order(layout)
    if memory_order(a) == order:
        return a
    return array_module(a).ascontiguousarray(a.transpose(order)).transpose([order.index(i) for i in range(a.ndim)])


def _first_max_masks(xpad, out, windows):
    """One boolean mask per kernel position: where that position holds the window's maximum and
    no earlier position did (the first maximum in row-major window order, like torch)."""
    xp = array_module(out)
    masks, taken, free = [], None, None
    last = windows.kernel[0] * windows.kernel[1] - 1
    for k, index in enumerate(windows.slices()):
        hit = xp.equal(xpad[index], out)
        if taken is None:
            taken, free = hit.copy(), xp.empty_like(hit)
        else:  # in place: hit &= not taken; taken |= hit
            xp.logical_and(hit, xp.logical_not(taken, out=free), out=hit)
            if k < last:
                taken |= hit
        masks.append(hit)
    if xp.isnan(out).any():
        _last_nan_wins(masks, xpad, out, windows)
    return masks


def _last_nan_wins(masks, xpad, out, windows):
    """In a window whose maximum is NaN, the gradient goes to the window's last NaN (row-major), as
    in torch's CPU kernel, which takes every NaN it meets as the new maximum."""
    xp = array_module(out)
    nan_window, later = xp.isnan(out), None
    for k, index in reversed(list(enumerate(windows.slices()))):
        is_nan = xp.isnan(xpad[index])
        last = is_nan if later is None else is_nan & ~later
        later = is_nan if later is None else later | is_nan
        masks[k] = xp.where(nan_window, last, masks[k])


class MaxPool2d(Function):
    r"""$y = \max_{ij} S_{ij}(\tilde x)$, $\tilde x$ padded with $-\infty$; $\bar x$ = WindowScatter of
    $\bar y$ with $m_{ij}$ marking the first maximum of each window (row-major), like torch."""
    saves_output = True

    def forward(self, x, windows):
        self.windows = windows
        xp = array_module(x)
        xpad = windows.pad(x, -xp.inf)
        out = None
        for index in windows.slices():
            out = xpad[index].copy(order="K") if out is None else xp.maximum(out, xpad[index], out=out)
        self.xpad = xpad
        return out

    def backward(self, g):
        masks = _first_max_masks(self.xpad, self.output().array, self.windows)
        return (WindowScatter.apply(g, windows=self.windows, masks=masks, scale=1.0),)


class WindowGather(Function):
    r"""$y = \mathrm{scale}\sum_{ij} m_{ij} S_{ij}(\tilde x)$ with zero padding ($m_{ij} = 1$ when
    ``masks`` is None): average pooling, and the backward of :class:`WindowScatter`."""

    saves_inputs = False

    def forward(self, x, windows, masks, scale):
        self.windows, self.masks, self.scale = windows, masks, scale
        xp = array_module(x)
        xpad = windows.pad(x, 0)
        out = None
        for k, index in enumerate(windows.slices()):
            term = xpad[index] if masks is None else xp.where(masks[k], xpad[index], 0)  # selected: no NaN * 0
            out = term.copy(order="K") if out is None else xp.add(out, term, out=out)
        if scale != 1.0:
            out *= scale
        return out

    def backward(self, g):
        return (WindowScatter.apply(g, windows=self.windows, masks=self.masks, scale=self.scale),)


SCATTER_BLOCK = 1 << 16  # elements of g selected at a time by _scatter_disjoint


def _scatter_disjoint(buf, windows, masks, g):
    """``buf[S_k] = keep_where(masks[k], g)`` for every kernel position k of disjoint windows (on
    the bits: 10x faster than where, backend.py), a block of batch rows at a time: the block of
    g copied once into the masks' memory order (g may come channels-last; selecting across two
    layouts was 2-3x slower), bit operations on contiguous blocks, one strided copy into each
    position's slots (bit operations on the strided slots were slower), and no temporary of g's
    size (at the Galaxy CNN's first pooling that was 2 MiB on the step's peak)."""
    rows = max(1, SCATTER_BLOCK * len(g) // max(g.size, 1))
    slots = [buf[index] for index in windows.slices()]
    for start in range(0, len(g), rows):
        part = slice(start, start + rows)
        block = _in_layout_of(g[part], masks[0][part])
        out = array_module(g).empty_like(block)
        for mask, slot in zip(masks, slots):
            slot[part] = keep_where(mask[part], block, out=out)


class WindowScatter(Function):
    r"""$\bar x[S_{ij}] \mathrel{+}= \mathrm{scale}\; (m_{ij} ? g : 0)$ over all kernel positions, cropped
    to the unpadded input: the adjoint of :class:`WindowGather` (and its backward)."""

    saves_inputs = False

    def forward(self, g, windows, masks, scale):
        self.windows, self.masks, self.scale = windows, masks, scale
        xp = array_module(g)
        if scale != 1.0:
            g = g * scale
        add = windows.overlapping
        covered = windows.padding == (0, 0) and windows.dilation == (1, 1) and all(  # windows tile the input
            s == k and s * o == n for k, s, o, n in zip(windows.kernel, windows.stride, windows.out_hw,
                                                       windows.padded_hw))
        # in the layout of the pooled input (its masks have it): the ops below saved arrays in it
        buf = _zeros_like_layout(g, windows.padded_hw, g if masks is None else masks[0], empty=covered)
        if masks is not None and not add:  # disjoint windows: g where the mask holds, into its slots
            _scatter_disjoint(buf, windows, masks, g)
            return windows.crop(buf)
        for k, index in enumerate(windows.slices()):
            if add:  # selected, never g * mask: a NaN or inf in g stays out of the other slots
                buf[index] += g if masks is None else xp.where(masks[k], g, 0)
            else:
                buf[index] = g
        return windows.crop(buf)

    def backward(self, gg):
        return (WindowGather.apply(gg, windows=self.windows, masks=self.masks, scale=self.scale),)
