r"""2-D convolution and transposed convolution: im2col (a strided view, copied) + a GEMM.

Shapes follow torch: a conv2d input is ``(N, C, H, W)``, its weight ``(O, C/G, kh, kw)``; a
conv_transpose2d weight is ``(C_in, C_out/G, kh, kw)``. With the padded input ``\tilde x`` and
the "columns" ``X[c, i, j; n, p, q] = \tilde x[n, c, s p + d i, s q + d j]``,

    conv2d:   Y = W X                     (one matrix product per group)
    input gradient of conv2d:  \bar X = W^T \bar Y, then col2im (a sum over kernel positions)
    weight gradient of conv2d: \bar W = \bar Y X^T

The three maps are linear in each argument and adjoint to each other, so each one's backward is
made of the other two:

    Conv2d(x, w)            -> x: ConvTranspose2d(g, w)     w: Conv2dWeight(x, g)
    ConvTranspose2d(y, w)   -> y: Conv2d(g, w)              w: Conv2dWeight(g, y)
    Conv2dWeight(x, y)      -> x: ConvTranspose2d(y, g)     y: Conv2d(x, g)

Because the backward passes are built from these ops (engine Functions), gradients of gradients
work (gradgradcheck in tests/nn/test_functional.py).

Speed (benchmarks/README.md): the columns (conv_columns.py) take one of four layouts, each the
fastest measured here for some layers: channels-last ``(N*OH*OW, kh*kw*C)`` where a window row
is long (``kw*C >= 24``, one group; the output comes out channels-last, ``(N, OH, OW, O)`` in
memory), else ``(C, kh, kw, N, OH, row)`` with whole padded rows for stride 1 and ``OW`` per row
otherwise (the output channel-major, ``(O, N, OH, OW)``); with few output channels the
channels-last columns hold the joint windows of 2-4 adjacent outputs (``_stack``). Either
output is returned as a view of shape ``(N, O, OH, OW)``; NumPy's elementwise ops keep its
layout, and pooling's gradient takes
it too (ops/pool.py), so the next layer reads it without a transposing copy. The batch is cut
into chunks whose columns fit in ~1 MB (often one chunk: small images), so the columns are
multiplied while still in cache and never take kh*kw times the input's memory. A stride-1 input
gradient is computed as a convolution with the flipped kernel (``_full_correlation``) where that
copies fewer columns and the weight is finite. Argument checks live in ``nn/functional.py``;
these ops assume valid arguments ((h, w) pairs for stride etc.).

Inf and NaN: the padding is real zeros, multiplied like the input (in every column layout), so a NaN weight tap
on the padding makes that output NaN (0 * NaN) and so does a NaN upstream gradient in the weight
gradient: torch's float64 kernels and its float32 im2col kernels (and any torch conv of an input
padded with F.pad) do the same, while oneDNN's direct float32 kernels skip padded taps, so torch
itself differs with the batch size there (tests/fidelity/differential_deliberate.py). The input
gradient (and conv_transpose2d) sums only the (tap, output) pairs that exist, as torch's col2im.
"""
import numpy as np

from ..autograd import Function
from ..backend import array_module
from .conv_columns import channels_last_columns, im2col, col2im, out_size, stacked_columns, wide_columns


CHUNK_BYTES = 1 << 20  # columns of this many bytes at most at a time (see _chunks)
FULL_CORRELATION = True  # stride-1 input gradients as a convolution (see _full_correlation)


def _chunks(n, column_bytes, xp):
    """Slices of the batch whose columns take at most ~CHUNK_BYTES. Copying a chunk's columns and
    multiplying them right away keeps them in the CPU cache: measured here, this is 1.4-2.5x faster
    than one im2col of the whole batch followed by one GEMM (which writes and re-reads a columns
    array kh*kw times larger than the input, e.g. 81 MB for the Galaxy CNN's first layer), and it
    never holds more than a chunk of columns. Small images get many per chunk, so the Python loop
    is short (benchmarks/README.md). On a GPU (CuPy) the whole batch is one chunk: no CPU cache
    to fit, and fewer, larger kernels are faster."""
    if xp is not np or n == 0:
        return [slice(0, n)]
    step = max(1, min(n, CHUNK_BYTES // max(1, column_bytes)))
    return [slice(start, min(n, start + step)) for start in range(0, n, step)]


def _channel_major(y):
    """``y`` (N, O, P, Q) as a contiguous (O, N, P*Q) array (a copy only if needed)."""
    n, o, p, q = y.shape
    return array_module(y).ascontiguousarray(y.transpose(1, 0, 2, 3)).reshape(o, n, p * q)


def _columns(x, kernel, stride, padding, dilation, out_hw):
    """The columns of ``x`` for conv2d_array: :func:`wide_columns` for stride 1 (measured up to
    1.3x faster per forward here, though the GEMM multiplies (Wp - OW) / OW more columns),
    :func:`im2col` otherwise. Shape ``(C, kh, kw, N, OH, row)``, ``row`` = Wp or OW. (The weight
    gradient keeps im2col: there the extra columns would have to be zeroed, measured slower.)"""
    if tuple(stride) == (1, 1):
        return wide_columns(x, kernel, padding, dilation, out_hw[0])
    return im2col(x, kernel, stride, padding, dilation, out_hw)


def _row(stride, padding, width, ow):
    """The row length of :func:`_columns`' output for an input of ``width``."""
    return width + 2 * padding[1] if tuple(stride) == (1, 1) else ow


CHANNELS_LAST_MIN = 24  # kw * C from which the channels-last columns are used (see _channels_last)


def _channels_last(c, kw, groups):
    """Columns channels-last for ``C`` input channels and kernel width ``kw``? Each window row is
    then one copy of ``kw*C`` values, and the product (N*OH*OW, K) @ (K, O) is BLAS's faster
    orientation; measured here 1.2-1.5x faster per conv (forward or weight gradient) from
    ``kw*C`` ~ 24 on, slower below (C = 1, 3, 4: copies of a few values). One group only."""
    return groups == 1 and c * kw >= CHANNELS_LAST_MIN


STACK_ROW = 32  # at most this many outputs (s outputs of O channels) per GEMM row: see _stack


def _stack(x, o, stride, dilation):
    """How many adjacent outputs ``s`` of an image row one GEMM row of the channels-last conv2d
    computes. With few output channels, (rows, K) @ (K, O) is BLAS's slowest shape; s outputs
    per row make it (rows / s, K') @ (K', s O), K' = kh (kw + s - 1) C, and the columns shorter:
    measured here 1.2-2.4x faster per conv for O <= 16 (Galaxy conv2's input gradient 14.0 ->
    10.2 ms, its forward 9.3 -> 7.6), slower for O = 64, though it multiplies (kw + s - 1) / kw
    as many terms. The extra ones are the stacked weight's zeros times the input, and 0 * inf is
    NaN: so only for a finite ``x`` (one sum; an overflowing sum just keeps s = 1)."""
    s = min(4, STACK_ROW // max(o, 1))
    if s < 2 or tuple(stride) != (1, 1) or tuple(dilation) != (1, 1):
        return 1
    return s if array_module(x).isfinite(x.sum()) else 1


def _stacked_weight(w, s):
    """The weight of :func:`stacked_columns`, ``(kh*(kw+s-1)*C, s*O)``: column ``(t, o)`` holds
    ``w[o]`` at the taps ``t .. t + kw - 1`` of the joint window, zeros elsewhere."""
    o, c, kh, kw = w.shape
    wb = array_module(w).zeros((kh, kw + s - 1, c, s, o), dtype=w.dtype)
    for t in range(s):
        wb[:, t:t + kw, :, t, :] = w.transpose(2, 3, 1, 0)
    return wb.reshape(kh * (kw + s - 1) * c, s * o)


def _conv2d_stacked(x, w, padding, oh, ow, s):
    """conv2d with :func:`stacked_columns`: per batch chunk, columns @ the stacked weight, written
    into an (N, OH, s M, O) output (M = ceil(OW / s)) whose (N, O, OH, OW) view is returned."""
    xp = array_module(x)
    n = x.shape[0]
    o, _, kh, kw = w.shape
    m, wb = -(-ow // s), _stacked_weight(w, s)
    y = xp.empty((n, oh, s * m, o), dtype=xp.result_type(x, w))
    for sl in _chunks(n, wb.shape[0] * oh * m * x.itemsize, xp):
        cols = stacked_columns(x[sl], (kh, kw), padding, (oh, ow), s)
        xp.matmul(cols, wb, out=y[sl].reshape(-1, s * o))
    return y[:, :, :ow].transpose(0, 3, 1, 2)


def _conv2d_channels_last(x, w, stride, padding, dilation, oh, ow):
    """conv2d with :func:`channels_last_columns`: per batch chunk, columns @ W^T, written into
    an (N, OH, OW, O) output returned as the (N, O, OH, OW) view (or :func:`_conv2d_stacked`)."""
    xp = array_module(x)
    n, c = x.shape[:2]
    o, _, kh, kw = w.shape
    s = _stack(x, o, stride, dilation)
    if s > 1:
        return _conv2d_stacked(x, w, padding, oh, ow, s)
    wt = w.transpose(0, 2, 3, 1).reshape(o, kh * kw * c).T  # taps in (i, j, c) order, as the columns
    y = xp.empty((n, oh, ow, o), dtype=xp.result_type(x, w))
    for sl in _chunks(n, c * kh * kw * oh * ow * x.itemsize, xp):
        cols = channels_last_columns(x[sl], (kh, kw), stride, padding, dilation, (oh, ow))
        xp.matmul(cols, wt, out=y[sl].reshape(-1, o))
    return y.transpose(0, 3, 1, 2)


def _weight_grad_stacked(x, y, kernel, padding, s):
    """conv_weight_grad_array with :func:`stacked_columns`: Y's rows of s adjacent outputs
    (s O, B*OH*M) @ columns, then w[o, :, i, j] = the sum over t of entry (t, o) at tap
    (i, j + t). Products of taps outside an output's own window land in entries never read; the
    zeros after the last output of a row (OW not a multiple of s) multiply x (so: finite x)."""
    xp = array_module(x)
    n, c = x.shape[:2]
    o, (kh, kw), (oh, ow) = y.shape[1], kernel, y.shape[2:]
    m, ks = -(-ow // s), kw + s - 1
    rows = xp.zeros((n, oh, s * m, o), dtype=y.dtype)
    rows[:, :, :ow] = y.transpose(0, 2, 3, 1)
    rows = rows.reshape(n * oh * m, s * o)
    gw = None
    for sl in _chunks(n, kh * ks * c * oh * m * x.itemsize, xp):
        part = rows[sl.start * oh * m:sl.stop * oh * m].T @ stacked_columns(x[sl], kernel, padding, (oh, ow), s)
        gw = part if gw is None else xp.add(gw, part, out=gw)
    gw = gw.reshape(s, o, kh, ks, c)
    total = gw[0, :, :, :kw]
    for t in range(1, s):
        total = total + gw[t, :, :, t:t + kw]
    return xp.ascontiguousarray(total.transpose(0, 3, 1, 2))


def _weight_grad_channels_last(x, y, kernel, stride, padding, dilation):
    """conv_weight_grad_array with :func:`channels_last_columns`: sum over chunks of
    Y^T (O, B*OH*OW) @ columns (B*OH*OW, K), reordered to (O, C, kh, kw) (or
    :func:`_weight_grad_stacked`)."""
    xp = array_module(x)
    n, c = x.shape[:2]
    o, (kh, kw), (oh, ow) = y.shape[1], kernel, y.shape[2:]
    s = _stack(x, o, stride, dilation)
    if s > 1:
        return _weight_grad_stacked(x, y, kernel, padding, s)
    rows = xp.ascontiguousarray(y.transpose(0, 2, 3, 1)).reshape(n * oh * ow, o)
    gw = None
    for sl in _chunks(n, c * kh * kw * oh * ow * x.itemsize, xp):
        cols = channels_last_columns(x[sl], kernel, stride, padding, dilation, (oh, ow))
        part = rows[sl.start * oh * ow:sl.stop * oh * ow].T @ cols
        gw = part if gw is None else xp.add(gw, part, out=gw)
    return xp.ascontiguousarray(gw.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))


def conv2d_array(x, w, stride, padding, dilation, groups):
    """``conv2d`` on arrays: per batch chunk, columns then (G, O/G, K) @ (G, K, B*OH*row),
    of which the first OW of each row are kept (or :func:`_conv2d_channels_last`)."""
    xp = array_module(x)
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = out_size(h, kh, stride[0], padding[0], dilation[0])
    ow = out_size(wd, kw, stride[1], padding[1], dilation[1])
    if _channels_last(x.shape[1], kw, groups):
        return _conv2d_channels_last(x, w, stride, padding, dilation, oh, ow)
    row = _row(stride, padding, wd, ow)
    wg = w.reshape(groups, o // groups, cg * kh * kw)
    chunks = _chunks(n, groups * cg * kh * kw * oh * row * x.itemsize, xp)
    y = None if len(chunks) == 1 and row == ow else xp.empty((o, n, oh, ow), dtype=xp.result_type(x, w))
    for sl in chunks:
        cols = _columns(x[sl], (kh, kw), stride, padding, dilation, (oh, ow)).reshape(groups, cg * kh * kw, -1)
        if y is None:  # one chunk, no extra columns: the product is the whole output
            y = (wg @ cols).reshape(o, n, oh, ow)
        else:
            y[:, sl] = (wg @ cols).reshape(o, -1, oh, row)[..., :ow]
    return y.transpose(1, 0, 2, 3)


def conv_input_grad_array(y, w, out_hw, stride, padding, dilation, groups):
    """The adjoint of :func:`conv2d_array` in its input (= ``conv_transpose2d``): per batch chunk,
    columns W^T y, then col2im into an image of spatial size ``out_hw``."""
    xp = array_module(y)
    n, _, oh, ow = y.shape
    o, cg, kh, kw = w.shape
    if tuple(stride) == (1, 1):
        lo = [d * (k - 1) - p for d, k, p in zip(dilation, (kh, kw), padding)]
        hi = [size - m + p for size, m, p in zip(out_hw, (oh, ow), padding)]
        # cheaper unless it would copy far more columns than col2im adds (measured; README): up
        # to 2x as many, 2.75x when they are channels-last (Galaxy conv2, 2.6x: 13.6 ms against
        # 22.6; its conv1, 3.0x: 41 against 30)
        most = 2.75 if _channels_last(o, kw, groups) else 2
        cheaper = o * out_hw[0] * out_hw[1] <= most * groups * cg * oh * ow
        # the full correlation multiplies w by the zeros around y: an inf or NaN in w would make
        # 0 * inf = NaN where no (tap, output) pair exists (torch: col2im's exact sum). w.sum() is
        # a kernel-sized pass, finite unless some entry is not (or the sum overflows: col2im then)
        if min(lo + hi) >= 0 and cheaper and FULL_CORRELATION and xp.isfinite(w.sum()):
            return _full_correlation(y, w, lo, hi, dilation, groups)
    wt = w.reshape(groups, o // groups, cg * kh * kw).transpose(0, 2, 1)
    ycm = _channel_major(y)
    chunks = _chunks(n, groups * cg * kh * kw * oh * ow * y.itemsize, xp)
    if len(chunks) == 1:
        cols = (wt @ ycm.reshape(groups, o // groups, -1)).reshape(groups * cg, kh, kw, n, oh, ow)
        return col2im(cols, (n, groups * cg) + tuple(out_hw), stride, padding, dilation)
    x = xp.empty((groups * cg, n) + tuple(out_hw), dtype=xp.result_type(y, w))
    for sl in chunks:
        b = sl.stop - sl.start
        cols = (wt @ ycm[:, sl].reshape(groups, o // groups, -1)).reshape(groups * cg, kh, kw, b, oh, ow)
        x[:, sl] = col2im(cols, (b, groups * cg) + tuple(out_hw), stride, padding, dilation).transpose(1, 0, 2, 3)
    return x.transpose(1, 0, 2, 3)


def _full_correlation(y, w, lo, hi, dilation, groups):
    """Stride 1: the input gradient is itself a convolution, of ``y`` padded by (lo, hi) with the
    kernel flipped and its in/out channels swapped per group. One im2col + GEMM instead of a GEMM
    + col2im; measured 1.1-3.5x faster here for the sheets' stride-1 layers (fewer passes over
    memory, no Python loop over kernel positions)."""
    o, cg, kh, kw = w.shape
    flipped = w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
    flipped = flipped.reshape(groups * cg, o // groups, kh, kw)
    if lo == hi:
        return conv2d_array(y, flipped, (1, 1), tuple(lo), dilation, groups)
    n, c, h, wd = y.shape
    buf = array_module(y).zeros((c, n, h + lo[0] + hi[0], wd + lo[1] + hi[1]), dtype=y.dtype)
    buf[:, :, lo[0]:lo[0] + h, lo[1]:lo[1] + wd] = y.transpose(1, 0, 2, 3)
    return conv2d_array(buf.transpose(1, 0, 2, 3), flipped, (1, 1), (0, 0), dilation, groups)


def conv_weight_grad_array(x, y, kernel, stride, padding, dilation, groups):
    """The adjoint of :func:`conv2d_array` in its weight: ``sum over chunks of y X^T`` per group,
    shape (O, C/G, kh, kw)."""
    if _channels_last(x.shape[1], kernel[1], groups):
        return _weight_grad_channels_last(x, y, kernel, stride, padding, dilation)
    xp = array_module(x)
    n, c, _, _ = x.shape
    o, (kh, kw), (oh, ow) = y.shape[1], kernel, y.shape[2:]
    ycm = _channel_major(y)
    gw = xp.zeros((groups, o // groups, (c // groups) * kh * kw), dtype=xp.result_type(x, y))
    for sl in _chunks(n, c * kh * kw * oh * ow * x.itemsize, xp):
        cols = im2col(x[sl], kernel, stride, padding, dilation, (oh, ow)).reshape(groups, (c // groups) * kh * kw, -1)
        ys = ycm[:, sl].reshape(groups, o // groups, -1)
        if cols.shape[1] > ys.shape[1]:  # BLAS is faster with the longer side first (measured)
            gw += (cols @ ys.transpose(0, 2, 1)).transpose(0, 2, 1)
        else:
            gw += ys @ cols.transpose(0, 2, 1)
    return gw.reshape(o, c // groups, kh, kw)


class _ConvBase(Function):
    r"""What the three convolution ops share: the geometry (stride $s$, padding, dilation $d$,
    groups), kept by ``_store`` and handed on by ``_geometry()`` to the ops that backward builds
    (the adjoint pairs in the module docstring), and the bias gradient, $\bar b_o =
    \sum_{n,p,q} \bar y[n,o,p,q]$."""

    def _store(self, stride, padding, dilation, groups):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def _geometry(self):
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups)

    def _conv_to(self, x, w, shape):
        """conv2d(x, w) cut to ``shape``: with stride 1 and output_padding (allowed below the
        dilation) the image a transposed conv makes has rows the conv reads into extra outputs."""
        y = Conv2d.apply(x, w, **self._geometry())
        return y if y.shape == shape else y[:, :, :shape[2], :shape[3]]

    def _bias_grad(self, g):
        return g.sum(dim=(0, 2, 3)) if len(self.inputs) > 2 and self.inputs[2].requires_grad else None


class Conv2d(_ConvBase):
    r"""$y[n,o,p,q] = \sum_{c,i,j} w[o,c,i,j]\,\tilde x[n,c,s p + d i, s q + d j] + b[o]$ (optional
    bias as a third input); $\bar x$ = convT($\bar y$, w) (ConvTranspose2d), $\bar w$ = the
    correlation of $x$ with $\bar y$ (Conv2dWeight), $\bar b = \sum_{n,p,q} \bar y$."""

    def forward(self, x, w, *bias, stride, padding, dilation, groups):
        self._store(stride, padding, dilation, groups)
        y = conv2d_array(x, w, stride, padding, dilation, groups)
        if bias:
            y += bias[0].reshape(1, -1, 1, 1)  # y is a fresh array: add in place
        return y

    def backward(self, g):
        x, w = self.inputs[:2]
        gx = ConvTranspose2d.apply(g, w, out_hw=x.shape[2:], **self._geometry()) if x.requires_grad else None
        gw = Conv2dWeight.apply(x, g, kernel=w.shape[2:], **self._geometry()) if w.requires_grad else None
        return gx, gw, self._bias_grad(g)


class ConvTranspose2d(_ConvBase):
    r"""The adjoint of conv2d in its input: $\langle \mathrm{convT}(y, w), x\rangle =
    \langle y, \mathrm{conv}(x, w)\rangle$; output spatial size ``out_hw`` (torch's
    ``(H-1)s - 2p + d(k-1) + output_padding + 1``, computed by the caller).
    With $g$ the upstream gradient (shaped like the output): $\bar y$ = conv(g, w), $\bar w$ =
    Conv2dWeight(g, y)."""

    def forward(self, y, w, *bias, out_hw, stride, padding, dilation, groups):
        self._store(stride, padding, dilation, groups)
        x = conv_input_grad_array(y, w, out_hw, stride, padding, dilation, groups)
        if bias:
            x = x + bias[0].reshape(1, -1, 1, 1)
        return x

    def backward(self, g):
        y, w = self.inputs[:2]
        bias_grad, g = self._bias_grad(g), self._reached(g, y, w)
        gy = self._conv_to(g, w, y.shape) if y.requires_grad else None
        gw = Conv2dWeight.apply(g, y, kernel=w.shape[2:], **self._geometry()) if w.requires_grad else None
        return gy, gw, bias_grad

    def _reached(self, g, y, w):
        """g without the rows and columns that ``output_padding`` added: no input reaches them
        (they hold only the bias), so, as in torch, an inf or NaN of g there stays out of
        $\bar y$ and $\bar w$."""
        # the last window of conv(x) ends at (n - 1) s - p + d (k - 1): rows after it are unreached
        reach = [min(size, (n - 1) * s - p + d * (k - 1) + 1) for size, n, s, p, d, k in
                 zip(g.shape[2:], y.shape[2:], self.stride, self.padding, self.dilation, w.shape[2:])]
        return g if tuple(reach) == tuple(g.shape[2:]) else g[:, :, :reach[0], :reach[1]]


class Conv2dWeight(_ConvBase):
    r"""The weight gradient of conv2d, $\bar w[o,c,i,j] = \sum_{n,p,q} y[n,o,p,q]\,
    \tilde x[n,c,s p + d i, s q + d j]$: bilinear in (x, y), so differentiable again.
    With $g$ the upstream gradient (shaped like w): $\bar x$ = convT(y, g), $\bar y$ = conv(x, g)."""

    def forward(self, x, y, kernel, stride, padding, dilation, groups):
        self._store(stride, padding, dilation, groups)
        return conv_weight_grad_array(x, y, tuple(kernel), stride, padding, dilation, groups)

    def backward(self, g):
        x, y = self.inputs
        gx = ConvTranspose2d.apply(y, g, out_hw=x.shape[2:], **self._geometry()) if x.requires_grad else None
        gy = self._conv_to(x, g, y.shape) if y.requires_grad else None
        return gx, gy
