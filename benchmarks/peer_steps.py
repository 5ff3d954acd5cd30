"""One training step of the four workloads (benchmarks/bench_steps.py's models) in each library, written
the way that library's own examples write it: tinygrad_edu and torch (their optimizers), DeZero,
MyGrad (no optimizers of its own: the update rules written over ``.data``/``.grad``) and tinygrad
on its CPU device (with and without ``TinyJit``).

Every builder takes the workload's NumPy parameters (torch's layouts: a linear weight is
``(out, in)``, a conv weight ``(O, C, k, k)``), batch and labels, and returns ``step()``: forward,
loss, backward, optimizer update, returning the loss as a float. The optimizers are the sheets':
SGD with Nesterov momentum 0.9 (lr 0.01) for the FashionMNIST workloads, Adam (lr 1e-3) for the
Galaxy CNN and the autoencoder. A library that cannot build or run a workload raises; the
benchmark reports that as "not available: <reason>".
"""
import numpy as np

LR_SGD, MOMENTUM, LR_ADAM, BETAS, EPS = 0.01, 0.9, 1e-3, (0.9, 0.999), 1e-8
OPTIMIZER = {"fashion_mlp": "nesterov", "fashion_cnn": "nesterov", "galaxy_cnn": "adam", "conv_autoencoder": "adam"}


# ----- tinygrad_edu and torch: the same functional models, each library's optimizer --------------
def edu_or_torch(lib, name, params, x, y):
    from .bench_steps import WORKLOADS
    model, _, _, loss_kind = WORKLOADS[name]
    if lib == "edu":
        import tinygrad_edu as ns
        import tinygrad_edu.nn.functional as F
    else:
        import torch as ns
        import torch.nn.functional as F
    p = {k: ns.tensor(v, requires_grad=True) for k, v in params.items()}
    xb, yb = ns.tensor(x), ns.tensor(y)
    opt = (ns.optim.SGD(p.values(), lr=LR_SGD, momentum=MOMENTUM, nesterov=True) if OPTIMIZER[name] == "nesterov"
           else ns.optim.Adam(p.values(), lr=LR_ADAM))

    def step():
        opt.zero_grad()
        out = model(F, p, xb)
        loss = F.cross_entropy(out, yb) if loss_kind == "ce" else F.mse_loss(out, xb)
        loss.backward()
        opt.step()
        return loss.item()
    return step


# ----- DeZero ------------------------------------------------------------------------------------
def dezero(name, params, x, y):
    """DeZero 0.0.13: its ``Layer`` holding ``Parameter``s, ``dezero.functions``, its ``Adam`` and a
    Nesterov ``Optimizer`` subclass (DeZero has only plain momentum). Parameters are float32 arrays
    given here: DeZero's own initialisers multiply by a NumPy float64 scalar, which under NumPy 2
    makes them float64 silently (the benchmark checks that every parameter is still float32)."""
    if not hasattr(np, "int"):
        np.int = int  # DeZero 0.0.13's transforms.py uses np.int (removed in NumPy 1.24) at import
    import dezero as dz
    import dezero.functions as F

    class NesterovSGD(dz.optimizers.Optimizer):  # torch's rule: v = m v + g; p -= lr (g + m v)
        def __init__(self):
            super().__init__()
            self.vs = {}

        def update_one(self, param):
            v = self.vs.setdefault(id(param), np.zeros_like(param.data))
            v *= MOMENTUM
            v += param.grad.data
            param.data -= LR_SGD * (param.grad.data + MOMENTUM * v)

    model = dz.Layer()
    for k, v in params.items():  # linear weights as DeZero's (in, out)
        setattr(model, k.replace(".", "_"), dz.Parameter(v.T.copy() if v.ndim == 2 else v))
    opt = (NesterovSGD() if OPTIMIZER[name] == "nesterov" else dz.optimizers.Adam(alpha=LR_ADAM)).setup(model)
    P = {k: getattr(model, k.replace(".", "_")) for k in params}
    forward = _dezero_models(F, P)[name]

    def step():
        model.cleargrads()
        out = forward(x)
        loss = F.softmax_cross_entropy(out, y) if name != "conv_autoencoder" else _dz_mse(F, out, x)
        loss.backward()
        opt.update()
        return float(loss.data)
    step.params = [p.data for p in P.values()]
    return step


def _dz_mse(F, out, x):
    diff = out - x
    return F.sum(diff * diff) / diff.size  # F.mean_squared_error divides by the batch, not the elements


def _dezero_models(F, P):
    def conv(h, k, pad):
        return F.conv2d(h, P[k + ".w"], P[k + ".b"], stride=1, pad=pad)

    def lin(h, k):
        return F.linear(h, P[k + ".w"], P[k + ".b"])

    def up2(h):
        n, c, a, b = h.shape
        return F.reshape(F.broadcast_to(F.reshape(h, (n, c, a, 1, b, 1)), (n, c, a, 2, b, 2)), (n, c, 2 * a, 2 * b))

    def galaxy(h):
        h = F.pooling(F.relu(conv(h, "c1", 0)), 2, 2)
        h = F.pooling(F.relu(conv(h, "c2", 0)), 2, 2)
        h = F.relu(lin(F.reshape(h, (h.shape[0], -1)), "l1"))
        return lin(F.relu(lin(h, "l2")), "l3")

    def cnn(h):
        for k in ("c1", "c2", "c3"):
            h = F.pooling(F.relu(conv(h, k, 1)), 2, 2)
        return lin(F.reshape(h, (h.shape[0], -1)), "l1")

    def autoencoder(h):
        h = F.pooling(F.relu(conv(h, "e1", 1)), 2, 2)
        h = F.pooling(F.relu(conv(h, "e2", 1)), 2, 2)
        code = lin(F.relu(lin(F.reshape(h, (h.shape[0], -1)), "e3")), "e4")
        h = F.relu(lin(F.relu(lin(code, "d1")), "d2"))
        h = up2(F.relu(conv(up2(F.reshape(h, (h.shape[0], 8, 7, 7))), "d3", 1)))
        return F.sigmoid(conv(h, "d4", 1))

    mlp = lambda h: lin(F.relu(lin(F.relu(lin(h, "l1")), "l2")), "l3")  # noqa: E731
    return {"galaxy_cnn": galaxy, "fashion_mlp": mlp, "fashion_cnn": cnn, "conv_autoencoder": autoencoder}


# ----- MyGrad ------------------------------------------------------------------------------------
def mygrad(name, params, x, y):
    """MyGrad 2.5: ``mygrad.nnet`` layers and losses; MyGrad has no optimizers, so the update rules
    are written over ``p.data`` and ``p.grad`` in NumPy, as its documentation does for SGD."""
    import mygrad as mg
    from mygrad.nnet.activations import relu, sigmoid
    from mygrad.nnet.layers import conv_nd, max_pool
    from mygrad.nnet.losses import softmax_crossentropy
    P = {k: mg.tensor(v.T.copy() if v.ndim == 2 else v) for k, v in params.items()}  # linear as (in, out)
    update = _numpy_update(name, list(P.values()), lambda p: (p.data, p.grad))

    def conv(h, k, pad):
        return conv_nd(h, P[k + ".w"], stride=1, padding=pad) + P[k + ".b"].reshape(1, -1, 1, 1)

    def lin(h, k):
        return mg.matmul(h, P[k + ".w"]) + P[k + ".b"]

    def pool(h):  # MyGrad's max_pool refuses a size the window does not divide; torch floors (65 -> 32)
        return max_pool(h[..., : h.shape[-2] // 2 * 2, : h.shape[-1] // 2 * 2], (2, 2), 2)

    def up2(h):
        n, c, a, b = h.shape
        return mg.broadcast_to(h.reshape(n, c, a, 1, b, 1), (n, c, a, 2, b, 2)).reshape(n, c, 2 * a, 2 * b)

    def forward(h):
        if name == "fashion_mlp":
            return lin(relu(lin(relu(lin(h, "l1")), "l2")), "l3")
        if name == "fashion_cnn":
            for k in ("c1", "c2", "c3"):
                h = pool(relu(conv(h, k, 1)))
            return lin(h.reshape(h.shape[0], -1), "l1")
        if name == "galaxy_cnn":
            h = pool(relu(conv(pool(relu(conv(h, "c1", 0))), "c2", 0)))
            return lin(relu(lin(relu(lin(h.reshape(h.shape[0], -1), "l1")), "l2")), "l3")
        h = pool(relu(conv(pool(relu(conv(h, "e1", 1))), "e2", 1)))
        code = lin(relu(lin(h.reshape(h.shape[0], -1), "e3")), "e4")
        h = relu(lin(relu(lin(code, "d1")), "d2")).reshape(-1, 8, 7, 7)
        return sigmoid(conv(up2(relu(conv(up2(h), "d3", 1))), "d4", 1))

    def step():
        out = forward(x)
        loss = softmax_crossentropy(out, y) if name != "conv_autoencoder" else mg.mean((out - x) ** 2)
        loss.backward()
        update()
        return float(loss.item())
    step.params = [p.data for p in P.values()]
    return step


def _numpy_update(name, params, data_and_grad):
    """torch's SGD-Nesterov or Adam rule in NumPy, in place on each parameter's array."""
    state = [[np.zeros_like(data_and_grad(p)[0]) for p in params] for _ in range(2)]
    t = [0]

    def update():
        t[0] += 1
        for p, m, v in zip(params, *state):
            data, g = data_and_grad(p)
            if OPTIMIZER[name] == "nesterov":
                m *= MOMENTUM
                m += g
                data -= LR_SGD * (g + MOMENTUM * m)
            else:
                m += (1 - BETAS[0]) * (g - m)
                v += (1 - BETAS[1]) * (g * g - v)
                step = LR_ADAM / (1 - BETAS[0] ** t[0])
                data -= step * m / (np.sqrt(v / (1 - BETAS[1] ** t[0])) + EPS)
    return update


# ----- tinygrad (CPU device) ---------------------------------------------------------------------
def tinygrad(name, params, x, y, jit=False):
    """tinygrad on its CPU device (``DEV=CPU NUM_CPU_THREADS=1``, set by the benchmark before the import):
    ``Tensor`` methods, ``nn.optim``, and with ``jit`` the step wrapped in ``TinyJit``."""
    from tinygrad import Context, Device, Tensor, TinyJit, nn
    if Device.DEFAULT != "CPU":
        raise RuntimeError(f"tinygrad's default device is {Device.DEFAULT}, not CPU (set DEV=CPU before importing it)")
    P = {k: Tensor(v) for k, v in params.items()}  # tinygrad 0.14: every Tensor is a parameter (is_param)
    xb, yb = Tensor(x).is_param_(False), Tensor(y).is_param_(False)
    opt = (nn.optim.SGD(list(P.values()), lr=LR_SGD, momentum=MOMENTUM, nesterov=True)
           if OPTIMIZER[name] == "nesterov" else nn.optim.Adam(list(P.values()), lr=LR_ADAM))

    def conv(h, k, pad):
        return h.conv2d(P[k + ".w"], P[k + ".b"], padding=pad)

    def lin(h, k):
        return h.linear(P[k + ".w"].T, P[k + ".b"])

    def up2(h):
        n, c, a, b = h.shape
        return h.reshape(n, c, a, 1, b, 1).expand(n, c, a, 2, b, 2).reshape(n, c, 2 * a, 2 * b)

    def forward(h):
        if name == "fashion_mlp":
            return lin(lin(lin(h, "l1").relu(), "l2").relu(), "l3")
        if name == "fashion_cnn":
            for k in ("c1", "c2", "c3"):
                h = conv(h, k, 1).relu().max_pool2d(2)
            return lin(h.reshape(h.shape[0], -1), "l1")
        if name == "galaxy_cnn":
            h = conv(conv(h, "c1", 0).relu().max_pool2d(2), "c2", 0).relu().max_pool2d(2)
            return lin(lin(lin(h.reshape(h.shape[0], -1), "l1").relu(), "l2").relu(), "l3")
        h = conv(conv(h, "e1", 1).relu().max_pool2d(2), "e2", 1).relu().max_pool2d(2)
        code = lin(lin(h.reshape(h.shape[0], -1), "e3").relu(), "e4")
        h = lin(lin(code, "d1").relu(), "d2").relu().reshape(-1, 8, 7, 7)
        return conv(up2(conv(up2(h), "d3", 1).relu()), "d4", 1).sigmoid()

    def train(xs, ys):
        with Context(TRAINING=1):
            opt.zero_grad()
            out = forward(xs)
            loss = out.sparse_categorical_crossentropy(ys) if name != "conv_autoencoder" else ((out - xs) ** 2).mean()
            loss.backward()
            Tensor.realize(loss, *opt.schedule_step())  # one schedule; the loss of the weights before the update
            return loss
    run = TinyJit(train) if jit else train

    def step():
        return float(run(xb, yb).item())
    return step
