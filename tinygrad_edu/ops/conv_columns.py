r"""The columns of a convolution: for every output position, the input values its window reads,
laid out so that one matrix product with the weight gives the convolution (conv.py). Four
layouts, each the fastest here for some layers (measured, benchmarks/README.md):

* :func:`im2col` ``(C, kh, kw, N, OH, OW)``: any stride; the copy moves rows of ``OW``.
* :func:`wide_columns` ``(C, kh, kw, N, OH, Wp)``: stride 1; whole padded rows, so each
  ``(c, i, j, n)`` is one contiguous run (long copies) at the cost of ``Wp - OW`` extra columns.
* :func:`channels_last_columns` ``(N*OH*OW, kh*kw*C)``: the image channels-last, so each window
  row is one run of ``kw*C`` values; best when ``kw*C`` is large (deep layers).
* :func:`stacked_columns` ``(N*OH*M, kh*(kw+s-1)*C)``: channels-last, stride 1, one row per
  ``s`` adjacent outputs of an image row (their windows together), for layers with few output
  channels (conv.py's ``_stack``).

The padding is real zeros in all four, multiplied like the input (conv.py's docstring).
"""
from ..backend import array_module


def out_size(size, kernel, stride, padding, dilation):
    """Output length of a convolution along one axis (floor mode, like torch)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _padded(x, ph, pw):
    """``x`` (N, C, H, W) zero-padded, in a channel-major buffer (what im2col reads fastest)."""
    if not ph and not pw:
        return x
    n, c, h, w = x.shape
    buf = array_module(x).zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    buf[:, :, ph:ph + h, pw:pw + w] = x.transpose(1, 0, 2, 3)
    return buf.transpose(1, 0, 2, 3)


def im2col(x, kernel, stride, padding, dilation, out_hw):
    """Columns ``(C, kh, kw, N, OH, OW)`` (contiguous) of ``x`` (N, C, H, W): entry
    ``[c, i, j, n, p, q]`` is the padded input at ``(n, c, s_h p + d_h i, s_w q + d_w j)``."""
    xp = array_module(x)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    xpad = _padded(x, padding[0], padding[1])
    n, c = xpad.shape[:2]
    bn, bc, bh, bw = xpad.strides
    view = xp.lib.stride_tricks.as_strided(
        xpad, (c, kh, kw, n, oh, ow), (bc, bh * dh, bw * dw, bn, bh * sh, bw * sw))
    return xp.ascontiguousarray(view)


def col2im(cols, out_shape, stride, padding, dilation):
    """The adjoint of :func:`im2col`: add each kernel position's slab of ``cols``
    ``(C, kh, kw, N, OH, OW)`` into a zero image of ``out_shape`` (N, C, H, W). Loops over the
    kernel positions only."""
    xp = array_module(cols)
    c, kh, kw, n, oh, ow = cols.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    h, w = out_shape[2], out_shape[3]
    buf = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            buf[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw] += cols[:, i, j]
    return buf[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3)


def wide_columns(x, kernel, padding, dilation, oh):
    """Stride 1: columns ``(C, kh, kw, N, OH, Wp)`` with whole padded rows (``Wp`` = padded
    width): for each ``(c, i, j, n)`` they are one contiguous run of the padded image, starting
    at row ``d_h i``, column ``d_w j``, so the copy moves long runs instead of rows of ``OW``. Of
    each row of ``Wp`` the first ``OW`` are the columns of :func:`im2col`; the rest read on into
    the next row (or image) and belong to no output: callers drop them from the product, or zero
    them (see conv_weight_grad_array)."""
    xp = array_module(x)
    (kh, kw), (ph, pw), (dh, dw) = kernel, padding, dilation
    n, c, h, w = x.shape
    hp, wp = h + 2 * ph, w + 2 * pw
    size = c * n * hp * wp
    flat = xp.zeros(size + dw * (kw - 1), dtype=x.dtype)  # the last run reads dw (kw - 1) on
    flat[:size].reshape(c, n, hp, wp)[:, :, ph:ph + h, pw:pw + w] = x.transpose(1, 0, 2, 3)
    s = flat.itemsize
    view = xp.lib.stride_tricks.as_strided(
        flat, (c, kh, kw, n, oh * wp), (n * hp * wp * s, dh * wp * s, dw * s, hp * wp * s, s))
    return xp.ascontiguousarray(view).reshape(c, kh, kw, n, oh, wp)


def channels_last_columns(x, kernel, stride, padding, dilation, out_hw):
    """Columns ``(N*OH*OW, kh*kw*C)``: row ``(n, p, q)`` holds the window of output ``(p, q)``,
    taps in ``(i, j, c)`` order, read from the channels-last padded image (a free view when ``x``
    is channels-last in memory and unpadded)."""
    xp = array_module(x)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = kernel, stride, padding, dilation, out_hw
    n, c, h, w = x.shape
    if ph or pw:
        buf = xp.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=x.dtype)
        buf[:, ph:ph + h, pw:pw + w] = x.transpose(0, 2, 3, 1)
    else:
        buf = xp.ascontiguousarray(x.transpose(0, 2, 3, 1))
    bn, bh, bw, bc = buf.strides
    view = xp.lib.stride_tricks.as_strided(
        buf, (n, oh, ow, kh, kw, c), (bn, bh * sh, bw * sw, bh * dh, bw * dw, bc))
    return xp.ascontiguousarray(view).reshape(n * oh * ow, kh * kw * c)


def stacked_columns(x, kernel, padding, out_hw, s):
    """Stride 1, dilation 1: columns ``(N*OH*M, kh*(kw+s-1)*C)`` with ``M = ceil(OW / s)``: row
    ``(n, p, m)`` holds the joint window of outputs ``(p, s m) .. (p, s m + s - 1)``, taps in
    ``(i, j, c)`` order (``j < kw + s - 1``), read from the channels-last image padded on the
    right to ``s M + kw - 1`` columns (the extra zeros only reach outputs ``>= OW``, which the
    caller drops)."""
    xp = array_module(x)
    (kh, kw), (ph, pw), (oh, ow) = kernel, padding, out_hw
    n, c, h, w = x.shape
    m = -(-ow // s)
    buf = xp.zeros((n, h + 2 * ph, s * m + kw - 1, c), dtype=x.dtype)
    buf[:, ph:ph + h, pw:pw + w] = x.transpose(0, 2, 3, 1)
    bn, bh, bw, bc = buf.strides
    view = xp.lib.stride_tricks.as_strided(buf, (n, oh, m, kh, kw + s - 1, c), (bn, bh, bw * s, bh, bw, bc))
    return xp.ascontiguousarray(view).reshape(n * oh * m, kh * (kw + s - 1) * c)
