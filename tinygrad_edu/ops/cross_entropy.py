r"""Cross-entropy of logits ``x`` (N, C) against class indices, as one op: the fused form of
``nll_loss(log_softmax(x, 1), t)`` (nn/_functional/loss.py keeps that composition as the reference a
test compares with). Per sample $n$, with target $t_n$ and coefficient $c_n$ (the class weight
$w_{t_n}$, 0 where $t_n$ is ``ignore_index``):

    log-probabilities   $\ell_{n,k} = (x_{n,k} - m_n) - \log\sum_j e^{x_{n,j} - m_n}$, $m_n = \max_j x_{n,j}$
    loss                $L_n = -c_n\,\ell_{n,t_n}$ (``none``), $\sum_n L_n$ (``sum``), $\sum_n L_n / \sum_n c_n$ (``mean``)
    gradient            $\bar x_{n,k} = a_n\,(p_{n,k} - [k = t_n])$, $p = e^{\ell}$ (the softmax),
                        $a_n = c_n \bar L_n$ (``none``), $c_n \bar L$ (``sum``), $c_n \bar L / \sum c$ (``mean``)

The gradient is itself an op (:class:`CrossEntropyGrad`) whose backward is written with Tensor ops,
so gradients of gradients work. derivations/ee411 derives $p - e_t$. One op instead of about 25
(forward and backward) in a small network's step: the MLP benchmark's loss (benchmarks/README.md).
"""
from ..autograd import Function
from ..backend import array_module


def log_softmax_rows(x):
    """log_softmax over dim 1, rounded as the engine's composed log_softmax (tensor_reductions.py)."""
    xp = array_module(x)
    top = x.max(axis=1, keepdims=True)
    shifted = x - top
    if xp.isfinite(top).all():  # then every row's shifted max is exactly 0: the guard below adds 0
        return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    m = shifted.max(axis=1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)  # LogSumExp's guard for rows of infinities
    return shifted - (xp.log(xp.exp(shifted - m).sum(axis=1, keepdims=True)) + m)


class CrossEntropy(Function):
    r"""$L = $ the module docstring's loss (``reduction`` "none", "sum" or "mean"); $\bar x$ =
    CrossEntropyGrad($x$, $\bar L$)."""

    # keeps x (and so checks it for in-place changes, torch's saved-value rule): the second order
    # differentiates softmax(x); first-order backward reads only the softmax kept in forward

    def forward(self, x, targets, coef, valid, total, reduction):
        xp = array_module(x)
        logp = log_softmax_rows(x)
        self.targets, self.coef, self.probs = targets, coef, xp.exp(logp)
        self.total = total if reduction == "mean" else None
        loss = -(logp[xp.arange(targets.shape[0]), targets] * coef)
        if not valid.all():
            loss = xp.where(valid, loss, 0)  # an ignored row stays 0 even at a -inf log-probability
        if reduction == "none":
            return loss
        return loss.sum() / total if reduction == "mean" else loss.sum()

    def backward(self, g):
        grad = CrossEntropyGrad.apply(self.inputs[0], g, targets=self.targets, coef=self.coef,
                                      total=self.total, probs=self.probs)
        return (grad,)


class CrossEntropyGrad(Function):
    r"""$y_{n,k} = a_n (p_{n,k} - [k = t_n])$ from $x$ and $\bar L$ ($a_n$ as in the module docstring),
    rounded as torch's ``log_softmax_backward`` of ``nll_loss_backward``. Backward, with $h = \bar y$
    and $q = a \odot p \odot h$: $\bar x = q - p \sum_k q_k$ (the softmax's Jacobian), $\bar a_n =
    \sum_k h_{n,k}(p_{n,k} - [k = t_n])$, through $a$ to $\bar L$."""

    def forward(self, x, g, targets, coef, total, probs):
        xp = array_module(x)
        self.targets, self.coef, self.total = targets, coef, total
        a = coef * (g / total if total is not None else g)
        rows = xp.arange(targets.shape[0])
        grad = probs * a[:, None]
        grad[rows, targets] -= a  # torch: (-a at t) - p * (-a)
        return grad

    def backward(self, h):
        x, g = self.inputs
        p = x.softmax(1)
        onehot = x._wrap(array_module(x.array).zeros(x.shape, dtype=x.array.dtype))
        onehot.array[array_module(x.array).arange(self.targets.shape[0]), self.targets] = 1
        scale = x._wrap(self.coef / self.total if self.total is not None else self.coef)
        a = (g * scale).reshape(-1, 1)
        q = p * h * a
        gx = q - p * q.sum(1, keepdim=True)
        per_row = ((p - onehot) * h).sum(1) * scale
        return gx, (per_row if g.ndim else per_row.sum())
