"""Sheet cpsc663: worked backprop (P3.3), the 40-filter MNIST CNN (P4.2), corruption (P5.2), PCA vs a
linear autoencoder (P5.3), dense and convolutional autoencoders with and without skips (P5.4-P6.3)."""
from __future__ import annotations

import numpy as np

from . import data as D
from . import models as M
from .catalogue import task
from .plots import figure, plot_confusion, plot_embedding, plot_history, plot_reconstructions
from .train import confusion_matrix, evaluate, fit, most_confused_pair, mse_loss, predict, train_autoencoder


def _mnist(run):
    return D.mnist_splits(run, run.size(4000, 128), run.size(1000, 64))


@task("cpsc663.P3.3", "backprop by hand through a small sigmoid network (worked example) vs autograd",
      "report.txt, gradients.png, metrics")
def run_P3_3(run):
    from tinygrad_edu import worked_example as W
    B = run.B
    spec = W.example_network()
    x, y, layers = W.parse_network(spec)
    report = W.format_report(x, y, layers, title=spec["name"])
    run.write_text("report.txt", report)
    hand = W.backprop(x, y, layers)
    f64 = B.lib.float64
    params = [(B.lib.tensor(Wl, dtype=f64, requires_grad=True), B.lib.tensor(bl, dtype=f64, requires_grad=True))
              for Wl, bl in layers]
    a = B.lib.tensor(x, dtype=f64)
    for Wt, bt in params:
        a = (Wt @ a + bt).sigmoid()
    target = B.lib.tensor(y, dtype=f64)
    cost = -(target * a.log() + (1 - target) * (1 - a).log()).sum()
    cost.backward()
    auto = np.concatenate([np.concatenate([B.to_numpy(Wt.grad).ravel(), B.to_numpy(bt.grad).ravel()])
                           for Wt, bt in params])
    by_hand = np.concatenate([np.concatenate([dW.ravel(), db.ravel()]) for dW, db in zip(hand["dW"], hand["db"])])
    fig, ax = figure(size=(6, 3.2))
    idx = np.arange(len(auto))
    ax[0, 0].bar(idx - 0.2, by_hand, 0.4, label="by hand (worked_example)")
    ax[0, 0].bar(idx + 0.2, auto, 0.4, label=f"{B.name} autograd")
    ax[0, 0].set(title="dC/dw and dC/db, layer by layer", xlabel="parameter index", ylabel="gradient")
    ax[0, 0].legend(fontsize=7)
    fig.tight_layout()
    run.savefig(fig, "gradients.png", title="cpsc663.P3.3 illustrative 2-2-2 network (NOT the sheet's Figure 1)")
    run.metrics.update(network=spec["name"], cost=float(hand["cost"]), autograd_cost=float(B.to_numpy(cost)),
                       max_abs_grad_diff=float(np.abs(auto - by_hand).max()),
                       note="the sheet's Figure 1 is not in the seed; the network is made up and labelled so")


@task("cpsc663.P4.2", "MNIST CNN with 40 first-layer filters: filters, confusion matrix, most confused pair",
      "filters.png, confusion.png, curves.png, metrics", data="mnist")
def run_P4_2(run):
    B = run.B
    xtr, ytr, xte, yte = _mnist(run)
    model = M.mnist_cnn40(B)
    opt = B.optim.Adam(model.parameters(), lr=1e-3)
    h = fit(B, model, opt, (xtr, ytr), (xte, yte), epochs=run.epochs(5), batch_size=64, seed=run.seed,
            checkpoint_dir=run.ckpt_dir, resume=run.resume_from(), desc="cnn40")
    plot_history(run, h, "curves.png", label="40-filter CNN (validation = test digits)")
    w = B.to_numpy(model[0].weight)[:, 0]
    fig, axes = figure(8, 5, size=(1.0, 1.1))
    for i, axx in enumerate(axes.flat):
        axx.imshow(w[i], cmap="RdBu_r")
        axx.set_title(f"filter {i}", fontsize=6)
        axx.axis("off")
    run.savefig(fig, "filters.png", title=f"cpsc663.P4.2 the 40 first-layer 5x5 filters ({B.name})")
    pred = predict(B, model, xte).argmax(1)
    cm = confusion_matrix(yte, pred)
    plot_confusion(run, cm, "confusion.png", title="test confusion matrix")
    a, b, n = most_confused_pair(cm)
    run.metrics.update(test_accuracy=float((pred == yte).mean()), confusion=cm, most_confused_pair=[a, b],
                       most_confused_count=n, optimizer="Adam lr 1e-3, batch 64", val_accuracy=h["val_metric"],
                       first_loss=h["iter_loss"][0])


@task("cpsc663.P5.2", "corruption process C(x_hat | x) = N(x_hat; x, sigma^2 I) on a 2-D data set",
      "corruption.png, metrics")
def run_P5_2(run):
    B = run.B
    rng = np.random.default_rng(run.seed)
    n, sigma = 400, 0.1
    t = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([np.cos(t), np.sin(2 * t) / 2], axis=1).astype(np.float32)   # a figure-eight curve
    noise = rng.normal(size=x.shape).astype(np.float32)
    x_hat = B.to_numpy(B.tensor(x) + sigma * B.tensor(noise))
    fig, ax = figure(2, size=(4, 3.5))
    ax[0, 0].scatter(x[:, 0], x[:, 1], s=4)
    ax[0, 0].set(title="clean data x (on a 1-D curve)", xlabel="x1", ylabel="x2")
    ax[0, 1].scatter(x_hat[:, 0], x_hat[:, 1], s=4, c="C1")
    ax[0, 1].set(title=f"corrupted x_hat ~ N(x, {sigma}^2 I)", xlabel="x1", ylabel="x2")
    for a in ax[0]:
        a.set_aspect("equal")
    fig.tight_layout()
    run.savefig(fig, "corruption.png", title=f"cpsc663.P5.2 additive Gaussian corruption ({B.name})")
    run.metrics.update(formula="C(x_hat | x) = (2 pi sigma^2)^(-d/2) exp(-||x_hat - x||^2 / (2 sigma^2))",
                       sigma=sigma, n=n, empirical_noise_std=float((x_hat - x).std()))


@task("cpsc663.P5.3", "PCA vs a linear autoencoder: the decoder spans the principal subspace",
      "pca_vs_linear_ae.png, metrics", data="mnist")
def run_P5_3(run):
    B = run.B
    xtr, _, _, _ = _mnist(run)
    X = xtr.reshape(len(xtr), -1)
    X = (X - X.mean(0)).astype(np.float32)
    d = 2
    _, s, vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    pcs = vt[:d].T
    model = M.linear_autoencoder(B, latent=d)
    opt = B.optim.Adam(model.parameters(), lr=run.size(3e-3, 1e-2))
    h = fit(B, model, opt, (X, None), None, epochs=run.epochs(600, 60), batch_size=len(X), loss_fn=mse_loss,
            metric_fn=None, seed=run.seed, desc="linear AE")
    dec = B.to_numpy(model.decoder.weight).astype(np.float64)      # 784 x d
    q, _ = np.linalg.qr(dec)
    cosines = np.linalg.svd(pcs.T @ q, compute_uv=False)
    pca_mse = float(((X - (X @ pcs) @ pcs.T) ** 2).mean())
    ae_mse = evaluate(B, model, (X, None), mse_loss, None)[0]
    fig, ax = figure(2)
    ax[0, 0].semilogy(h["iter_loss"], label="linear AE")
    ax[0, 0].axhline(pca_mse, color="k", ls="--", label="PCA (optimum)")
    ax[0, 0].set(title="reconstruction MSE", xlabel="step", ylabel="MSE")
    ax[0, 0].legend()
    ax[0, 1].bar(range(d), cosines)
    ax[0, 1].set(title="cosines of principal angles: decoder vs top PCs", xlabel="angle", ylabel="cos", ylim=(0, 1.05))
    fig.tight_layout()
    run.savefig(fig, "pca_vs_linear_ae.png", title=f"cpsc663.P5.3 d={d} ({B.name})")
    run.metrics.update(d=d, principal_angle_cosines=cosines, pca_mse=pca_mse, linear_ae_mse=ae_mse,
                       top_singular_values=s[:5], n=len(X))


def _ae_task(run, builder, name, ckpt, **kw):
    B = run.B
    xtr, ytr, xte, yte = _mnist(run)
    B.manual_seed(run.seed)
    model = builder(B)
    h, test = train_autoencoder(run, model, xtr, xte, run.epochs(10), name=name, **kw)
    run.checkpoint(ckpt, model, epoch=len(h["train_loss"]))
    return model, h, test, (xtr, ytr, xte, yte)


def _codes(run, model, x):
    return predict(run.B, model, x, fn=model.encoder)


def _report_ae(run, results, data, tag):
    xtr, ytr, xte, yte = data
    plot_reconstructions(run, [xte[:8]] + [predict(run.B, m, xte[:8]) for m, _, _ in results.values()],
                         "reconstructions.png", ["input"] + list(results),
                         title=run.title(f"{tag} test reconstructions ({run.B.name})"))
    fig, ax = figure(len(results) + 1, size=(4, 3.5))
    for i, (name, (m, h, _)) in enumerate(results.items()):
        sc = plot_embedding(run, ax[0, i], _codes(run, m, xte), yte, f"2-D embedding: {name}")
        fig.colorbar(sc, ax=ax[0, i], label="digit", ticks=range(10))
        ax[0, -1].plot(h["iter_loss"], lw=0.7, label=name)
    ax[0, -1].set(title="training loss", xlabel="iteration", ylabel="MSE")
    ax[0, -1].legend(fontsize=7)
    fig.tight_layout()
    run.savefig(fig, "embedding.png", title=f"{tag} embeddings of the test digits, coloured by label ({run.B.name})")
    run.metrics.update(test_mse={k: v[2] for k, v in results.items()},
                       first_loss={k: v[1]["iter_loss"][0] for k, v in results.items()},
                       train_loss={k: v[1]["train_loss"] for k, v in results.items()})


@task("cpsc663.P5.4", "dense MNIST autoencoder to 2-D: reconstructions, embedding, checkpoint mnist_ae",
      "reconstructions.png, embedding.png, checkpoints/mnist_ae.ckpt, metrics", data="mnist")
def run_P5_4(run):
    model, h, test, data = _ae_task(run, M.dense_autoencoder, "dense AE", "mnist_ae.ckpt")
    _report_ae(run, {"dense AE": (model, h, test)}, data, "cpsc663.P5.4")
    run.metrics.update(optimizer="Adam lr 1e-3", architecture="784-256-64-16-2 / mirrored")


@task("cpsc663.P6.1", "convolutional autoencoder as the sheet lists it: reconstructions, embedding, mnist_cae",
      "reconstructions.png, embedding.png, checkpoints/mnist_cae.ckpt, metrics", data="mnist")
def run_P6_1(run):
    model, h, test, data = _ae_task(run, M.conv_autoencoder, "conv AE", "mnist_cae.ckpt")
    _report_ae(run, {"conv AE": (model, h, test)}, data, "cpsc663.P6.1")


@task("cpsc663.P6.2", "conv autoencoder with skip connections vs without: reconstructions, embeddings, losses",
      "reconstructions.png, embedding.png, checkpoints/mnist-cae-skip.ckpt, metrics", data="mnist")
def run_P6_2(run):
    plain, hp, tp, data = _ae_task(run, M.conv_autoencoder, "conv AE", "mnist_cae.ckpt")
    skip, hs, ts, _ = _ae_task(run, M.conv_autoencoder_skip, "conv AE + skips", "mnist-cae-skip.ckpt")
    _report_ae(run, {"no skips (P6.1)": (plain, hp, tp), "skips (P6.2)": (skip, hs, ts)}, data, "cpsc663.P6.2")
    run.metrics.update(skips="pool2 -> input of upsampling 1, pool1 -> input of upsampling 2 (additive)",
                       observation="the skips let the decoder bypass the 2-D bottleneck: lower reconstruction "
                                   "error, but the 2-D embedding no longer has to organise the digits")


@task("cpsc663.P6.3", "denoising: P6.1 and P6.2 trained and tested on inputs + N(0, 0.3) noise",
      "denoising.png, metrics", data="mnist")
def run_P6_3(run):
    B = run.B
    xtr, ytr, xte, yte = _mnist(run)
    readings = {"std 0.3": 0.3, "variance 0.3 (std 0.548)": float(np.sqrt(0.3))}
    rng = np.random.default_rng(run.seed + 7)
    res, rows, labels = {}, [], []
    for reading, std in readings.items():
        noisy_test = (xte + std * rng.normal(size=xte.shape)).astype(np.float32)
        add_noise = lambda xb, r, s=std: (xb + s * r.normal(size=xb.shape)).astype(np.float32)  # noqa: E731
        if not rows:
            rows.append(xte[:8])
            labels.append("clean")
        rows.append(noisy_test[:8])
        labels.append(f"noisy ({reading})")
        for name, builder in (("no skips", M.conv_autoencoder), ("skips", M.conv_autoencoder_skip)):
            B.manual_seed(run.seed)
            model = builder(B)
            train_autoencoder(run, model, xtr, xte, run.epochs(10), input_fn=add_noise, name=f"{name} {reading}")
            out = predict(B, model, noisy_test)
            res[f"{name}, {reading}"] = {"denoised_mse": float(((out - xte) ** 2).mean()),
                                         "noisy_input_mse": float(((noisy_test - xte) ** 2).mean())}
            rows.append(out[:8])
            labels.append(f"{name}, {reading}")
    plot_reconstructions(run, rows, "denoising.png", labels,
                         title=run.title(f"cpsc663.P6.3 denoising, noise N(0, 0.3) read both ways ({B.name})"))
    run.metrics.update(results=res, readings=readings,
                       note="noise is added to the inputs only (not clipped); the targets are the clean images")
