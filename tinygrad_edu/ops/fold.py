r"""``unfold`` (im2col) and ``fold`` (col2im) as ops: torch's ``F.unfold`` / ``F.fold``.

With the zero-padded image $\tilde x$ (N, C, H, W), kernel $(k_h, k_w)$, stride $s$ and dilation
$d$, ``unfold`` gives the blocks as columns, $(N, C k_h k_w, L)$ with $L = O_h O_w$ blocks:

    $U[n, (c, i, j), (p, q)] = \tilde x[n, c, s_h p + d_h i, s_w q + d_w j]$

(the row index runs over $c$, then $i$, then $j$, as in torch). ``fold`` is its adjoint: it adds
every column entry back into the image position it came from (overlaps add up), and drops the
padding. Both are linear, so each one's backward is the other one:

    Unfold(x)  -> $\bar x$ = Fold($\bar U$)        Fold(U) -> $\bar U$ = Unfold($\bar y$)

and gradients of gradients come for free. The geometry (kernel, stride, padding, dilation, all
(h, w) pairs) is checked in nn/_functional/fold.py; the array work is conv.py's im2col/col2im.
"""
from ..autograd import Function
from .conv_columns import col2im, im2col, out_size


def blocks(hw, kernel, stride, padding, dilation):
    """The number of blocks along H and along W."""
    return tuple(out_size(n, k, s, p, d) for n, k, s, p, d in zip(hw, kernel, stride, padding, dilation))


class Unfold(Function):
    r"""$(N, C, H, W) \to (N, C k_h k_w, L)$: the sliding blocks as columns; $\bar x$ = fold($\bar U$)."""

    saves_inputs = False  # linear: backward needs only the geometry

    def forward(self, x, kernel, stride, padding, dilation):
        self.geometry, self.hw = (kernel, stride, padding, dilation), x.shape[2:]
        n, c = x.shape[:2]
        oh, ow = blocks(x.shape[2:], kernel, stride, padding, dilation)
        cols = im2col(x, kernel, stride, padding, dilation, (oh, ow))  # (C, kh, kw, N, OH, OW)
        return cols.reshape(c * kernel[0] * kernel[1], n, oh * ow).transpose(1, 0, 2)

    def backward(self, g):
        return (Fold.apply(g, output_size=self.hw, kernel=self.geometry[0], stride=self.geometry[1],
                           padding=self.geometry[2], dilation=self.geometry[3]),)


class Fold(Function):
    r"""$(N, C k_h k_w, L) \to (N, C, H, W)$: columns added back into the image;
    $\bar U$ = unfold($\bar y$)."""

    saves_inputs = False  # linear: backward needs only the geometry

    def forward(self, cols, output_size, kernel, stride, padding, dilation):
        self.geometry = (kernel, stride, padding, dilation)
        n, ckk = cols.shape[:2]
        c = ckk // (kernel[0] * kernel[1])
        oh, ow = blocks(output_size, kernel, stride, padding, dilation)
        slabs = cols.transpose(1, 0, 2).reshape(c, kernel[0], kernel[1], n, oh, ow)
        return col2im(slabs, (n, c) + tuple(output_size), stride, padding, dilation)

    def backward(self, g):
        kernel, stride, padding, dilation = self.geometry
        return (Unfold.apply(g, kernel=kernel, stride=stride, padding=padding, dilation=dilation),)
