"""Sheet mlph08, in the sheet's order: the Galaxy10 CNN (1a-1f), then positional encodings (3b-3d)."""
from __future__ import annotations

import numpy as np

from . import data as D
from . import models as M
from .catalogue import task
from .plots import epoch_panel, figure, image_grid, plot_confusion, plot_history
from .train import confusion_matrix, cross_entropy_loss, evaluate, fit, load_best, predict

GALAXY_NOTE = ("the sheet says nine classes; Galaxy10 has ten (labels 0..9). No offline source exists here: "
               "pass --data Galaxy10.h5 / TINYGRAD_EDU_GALAXY10, or --synthetic")


# ---- Galaxy10 ----------------------------------------------------------------------------------------
def galaxy_splits(run):
    """Seeded 80/10/10 split, normalised with the TRAINING split's per-channel mean and std."""
    images, labels, info = D.galaxy_images(run, n_max=run.size(None, 60))
    tr, va, te_ = D.split_80_10_10(len(labels), seed=run.seed)
    x = D.to_nchw_float(images)
    mean, std = D.channel_stats(x, tr)
    x = D.normalize(x, mean, std).astype(np.float32)
    run.metrics.update(n_train=len(tr), n_val=len(va), n_test=len(te_), channel_mean=mean, channel_std=std,
                       galaxy_note=GALAXY_NOTE)
    return (x[tr], labels[tr]), (x[va], labels[va]), (x[te_], labels[te_]), images, labels, (tr, va, te_)


@task("mlph08.1a", "Galaxy10: 3x10 sample figure, 80/10/10 split, training-split channel statistics",
      "samples.png, metrics (split sizes, mean/std per channel)", data="galaxy10")
def run_1a(run):
    (xtr, ytr), _, _, images, labels, (tr, va, te_) = galaxy_splits(run)
    rng = np.random.default_rng(run.seed)
    picks, titles = [], []
    for row in range(3):
        for c in range(10):
            idx = np.flatnonzero(labels == c)
            picks.append(images[rng.choice(idx)] if len(idx) else np.zeros_like(images[0]))
            titles.append(f"class {c}" if row == 0 else "")
    order = [r * 10 + c for r in range(3) for c in range(10)]
    image_grid(run, [picks[i] for i in order], "samples.png", titles=[titles[i] for i in order], ncols=10,
               title="mlph08.1a three Galaxy10 samples per class (ten classes, not nine)")
    run.metrics.update(class_counts=np.bincount(labels, minlength=10), n_classes=10,
                       normalized_train_mean=xtr.mean(axis=(0, 2, 3)), normalized_train_std=xtr.std(axis=(0, 2, 3)),
                       which_stats="mean and std of the TRAINING split only, per channel, on pixels/255")


@task("mlph08.1b", "Galaxy10 CNN architecture and shapes", "layers.png (parameters per layer), metrics")
def run_1b(run):
    B = run.B
    model = M.galaxy_cnn(B)
    x = B.tensor(np.zeros((2, 3, 69, 69), np.float32))
    shapes, params, names = [], [], []
    with B.no_grad():
        for i, layer in enumerate(model):
            x = layer(x)
            names.append(f"{i}:{type(layer).__name__}")
            shapes.append(list(x.shape[1:]))
            params.append(M.count_parameters(layer))
    fig, ax = figure(size=(7, 3.2))
    ax[0, 0].bar(range(len(params)), params)
    ax[0, 0].set_xticks(range(len(params)), names, rotation=60, fontsize=7)
    ax[0, 0].set(title="parameters per layer", xlabel="layer", ylabel="parameters")
    fig.tight_layout()
    run.savefig(fig, "layers.png", title=f"mlph08.1b Galaxy CNN ({run.B.name})")
    run.metrics.update(layers=names, output_shapes=shapes, params_per_layer=params,
                       total_parameters=M.count_parameters(model), flatten_size=int(np.prod(shapes[6])))


def _galaxy_fit(run, model, train, val, epochs, loss_fn=cross_entropy_loss, name="run", **kw):
    opt = run.B.optim.Adam(model.parameters(), lr=1e-3)
    return fit(run.B, model, opt, train, val, epochs=epochs, batch_size=run.size(32, 16), loss_fn=loss_fn,
               seed=run.seed, desc=f"{run.task.id} {name}", **kw)


def _mse_on_softmax(B, out, target):
    onehot = B.F.one_hot(target, 10).float()
    return B.F.mse_loss(B.F.softmax(out, dim=1), onehot)


@task("mlph08.1c", "Adam (lr 1e-3) with cross-entropy, against MSE on softmax outputs",
      "loss_choice.png, metrics", data="galaxy10")
def run_1c(run):
    train, val, _, *_ = galaxy_splits(run)
    epochs = run.epochs(5)
    results = {}
    for name, loss_fn in (("cross-entropy", cross_entropy_loss), ("MSE on softmax", _mse_on_softmax)):
        run.B.manual_seed(run.seed)
        h = _galaxy_fit(run, M.galaxy_cnn(run.B), train, val, epochs, loss_fn=loss_fn, name=name)
        results[name] = h
    fig, ax = figure(2)
    for name, h in results.items():
        ax[0, 0].plot(h["iter_loss"], label=name)
    epoch_panel(ax[0, 1], {k: h["val_metric"] for k, h in results.items()}, "validation accuracy", "accuracy")
    ax[0, 0].set(title="training loss per iteration", xlabel="iteration", ylabel="loss")
    ax[0, 0].legend()
    fig.tight_layout()
    run.savefig(fig, "loss_choice.png", title=f"mlph08.1c Adam lr 1e-3 ({run.B.name})")
    run.metrics.update(optimizer="Adam lr 1e-3", val_accuracy={k: h["val_metric"] for k, h in results.items()},
                       first_loss={k: h["iter_loss"][0] for k, h in results.items()},
                       why="cross-entropy is the negative log-likelihood of the class; its gradient in the "
                           "logits is softmax - onehot, which does not vanish when the model is confidently wrong")


@task("mlph08.1d", "Galaxy CNN training: loss per iteration, accuracy and validation per epoch",
      "curves.png, metrics, checkpoints/last.ckpt + best.ckpt", data="galaxy10")
def run_1d(run):
    train, val, _, *_ = galaxy_splits(run)
    model = M.galaxy_cnn(run.B)
    h = _galaxy_fit(run, model, train, val, run.epochs(30), checkpoint_dir=run.ckpt_dir, resume=run.resume_from())
    plot_history(run, h, "curves.png", label="Galaxy CNN")
    run.metrics["checkpoints"] += ["checkpoints/last.ckpt", "checkpoints/best.ckpt"]
    run.metrics.update({k: h[k] for k in ("train_loss", "train_metric", "val_loss", "val_metric", "best_epoch",
                                          "best_val_loss")}, iterations=len(h["iter_loss"]))


@task("mlph08.1e", "best-validation checkpoint (a real copy), reloaded; test accuracy and confusion matrix",
      "confusion.png, metrics, checkpoints/best.ckpt", data="galaxy10")
def run_1e(run):
    train, val, test, *_ = galaxy_splits(run)
    model = M.galaxy_cnn(run.B)
    live, before = model.state_dict(), M.state_to_numpy(model)     # 001's way vs a real copy
    h = _galaxy_fit(run, model, train, val, run.epochs(30), checkpoint_dir=run.ckpt_dir, resume=run.resume_from())
    aliased = any(not np.array_equal(run.B.to_numpy(live[k]), before[k]) for k in before)
    fresh = M.galaxy_cnn(run.B)
    epoch, vl = load_best(run.B, run.ckpt_dir / "best.ckpt", fresh)
    out = predict(run.B, fresh, test[0])
    cm = confusion_matrix(test[1], out.argmax(1))
    plot_confusion(run, cm, "confusion.png", labels=[f"{i} {n[:18]}" for i, n in enumerate(D.GALAXY10_CLASSES)],
                   title=f"test confusion matrix, best epoch {epoch}")
    test_loss, test_acc = evaluate(run.B, fresh, test)
    run.metrics["checkpoints"].append("checkpoints/best.ckpt")
    run.metrics.update(best_epoch=epoch, best_val_loss=vl, val_loss=h["val_loss"], test_loss=test_loss,
                       test_accuracy=test_acc, confusion=cm, state_dict_aliases_live_weights=aliased,
                       note="the best weights are copied out as NumPy arrays (state_dict() would alias the "
                            "live weights, as in 001)")


def _rotate_batch(x, rng):
    ks = rng.integers(0, 4, size=len(x))
    return np.stack([np.rot90(img, k, axes=(1, 2)) for img, k in zip(x, ks)]).astype(np.float32)


def _rotate_any_angle(x, rng):
    from scipy.ndimage import rotate
    angles = rng.uniform(0.0, 360.0, size=len(x))
    return np.stack([rotate(img, a, axes=(1, 2), reshape=False, order=1, mode="nearest")
                     for img, a in zip(x, angles)]).astype(np.float32)


def _rotation_variants(B, quick):
    """name -> (model builder, training augmentation): plain, 90-degree augmentation, 4-rotation average,
    and at full size the D4 average and augmentation by any angle."""
    variants = {"plain": (lambda: M.galaxy_cnn(B), None),
                "augmented (random 90-degree)": (lambda: M.galaxy_cnn(B), _rotate_batch),
                "4-rotation average": (lambda: M.rotation_invariant_galaxy(B), None)}
    if not quick:
        variants["D4 average (rotations + flips)"] = (lambda: M.rotation_invariant_galaxy(B, flips=True), None)
        variants["augmented (random angle)"] = (lambda: M.galaxy_cnn(B), _rotate_any_angle)
    return variants


def _rotation_scores(B, model, test, x90, x45):
    """The largest logit change under the three 90-degree rotations, and the test accuracy on the test
    images as they are, rotated by random multiples of 90 degrees (``x90``) and by 45 degrees (``x45``)."""
    xt, yt = test
    logits = predict(B, model, xt)
    inv = max(float(np.abs(predict(B, model, np.ascontiguousarray(np.rot90(xt, k, axes=(2, 3)))) - logits).max())
              for k in (1, 2, 3))
    return {"invariance_max_abs_logit_change": inv,
            "test_acc": float((logits.argmax(1) == yt).mean()),
            "test_acc_rot90": float((predict(B, model, x90).argmax(1) == yt).mean()),
            "test_acc_rot45": float((predict(B, model, x45).argmax(1) == yt).mean())}


def _plot_rotations(run, res):
    fig, ax = figure(2, size=(5, 3.4))
    names = list(res)
    w = 0.25
    for i, key in enumerate(("test_acc", "test_acc_rot90", "test_acc_rot45")):
        ax[0, 0].bar(np.arange(len(names)) + (i - 1) * w, [res[n][key] for n in names], w, label=key)
    ax[0, 0].set_xticks(range(len(names)), names, rotation=20, fontsize=6)
    ax[0, 0].set(title="test accuracy", ylabel="accuracy")
    ax[0, 0].legend(fontsize=6)
    ax[0, 1].bar(range(len(names)), [res[n]["invariance_max_abs_logit_change"] for n in names])
    ax[0, 1].set_xticks(range(len(names)), names, rotation=20, fontsize=6)
    ax[0, 1].set(title="max |logit change| under 90-degree rotations", ylabel="abs change")
    fig.tight_layout()
    run.savefig(fig, "rotations.png", title=f"mlph08.1f rotation invariance ({run.B.name})")


@task("mlph08.1f", "rotation invariance: four-rotation averaging (exact) vs augmentation vs D4 averaging",
      "rotations.png, metrics (invariance error, accuracies)", data="galaxy10")
def run_1f(run):
    from scipy.ndimage import rotate
    B = run.B
    train, val, test, *_ = galaxy_splits(run)
    epochs = run.epochs(10)
    kw = dict(max_steps=1) if run.quick else {}
    x90 = _rotate_batch(test[0], np.random.default_rng(run.seed + 1))
    x45 = rotate(test[0], 45, axes=(2, 3), reshape=False, order=1, mode="nearest").astype(np.float32)
    res = {}
    for name, (build, aug) in _rotation_variants(B, run.quick).items():
        B.manual_seed(run.seed)
        model = build()
        _galaxy_fit(run, model, train, val, epochs, input_fn=aug, name=name, **kw)
        res[name] = _rotation_scores(B, model, test, x90, x45)
    _plot_rotations(run, res)
    exact = res["4-rotation average"]["invariance_max_abs_logit_change"] == 0.0
    run.metrics.update(variants=res, exact_invariance=exact,
                       note="averaging (l0+l2)+(l1+l3) over the four rotations is bit-exactly invariant; "
                            "arbitrary angles (45 degrees) are only approximately handled, by augmentation or "
                            "by averaging over more rotations")


# ---- positional encodings (no training) -----------------------------------------------------------
def positional_encoding(p, n, buggy=False):
    """E (p x n): E[2k, j] = sin(j w_k), E[2k+1, j] = cos(j w_k), w_k = exp(-2k log(1e4) / p).

    ``buggy=True`` reproduces 001's code, ``exp(-2k log(1e4)) / p`` (division outside the exponent).
    """
    k = np.arange(p // 2, dtype=np.float64)
    w = np.exp(-2 * k * np.log(1e4)) / p if buggy else np.exp(-2 * k * np.log(1e4) / p)
    angles = w[:, None] * np.arange(n, dtype=np.float64)[None, :]
    E = np.empty((p, n))
    E[0::2], E[1::2] = np.sin(angles), np.cos(angles)
    return E


def _gram(B, A, C=None):
    """A^T C computed by the backend (float32), returned as NumPy."""
    C = A if C is None else C
    return B.to_numpy(B.tensor(A.T) @ B.tensor(C)).astype(np.float64)


@task("mlph08.3b", "positional encoding E (p=256, n=64) and E^T E",
      "E.png heatmap, ETE.png (correct formula vs 001's exp(..)/p bug), metrics")
def run_3b(run):
    p, n = 256, 64
    E, E_bug = positional_encoding(p, n), positional_encoding(p, n, buggy=True)
    G, G_bug = _gram(run.B, E), _gram(run.B, E_bug)
    G_ref = E.T @ E
    fig, ax = figure(2, size=(4.6, 3.8))
    panels = ((ax[0, 0], E, "E (correct: exp(-2k log(1e4)/p))"), (ax[0, 1], E_bug, "E (001: exp(-2k log(1e4))/p)"))
    for a, M_, t in panels:
        im = a.imshow(M_, aspect="auto", cmap="RdBu_r")
        a.set(title=t, xlabel="token position j", ylabel="encoding dimension")
        fig.colorbar(im, ax=a)
    fig.tight_layout()
    run.savefig(fig, "E.png", title="mlph08.3b positional encoding matrix")
    fig, ax = figure(2, size=(4.6, 3.8))
    for a, M_, t in ((ax[0, 0], G, "E^T E (correct formula)"), (ax[0, 1], G_bug, "E^T E (001's formula)")):
        im = a.imshow(M_, cmap="viridis")
        a.set(title=t, xlabel="token j", ylabel="token i")
        fig.colorbar(im, ax=a)
    fig.tight_layout()
    run.savefig(fig, "ETE.png", title=f"mlph08.3b E^T E, p={p}, n={n} ({run.B.name})")
    toeplitz = max(np.abs(np.diag(G, d) - np.diag(G, d)[0]).max() for d in range(n))
    run.metrics.update(p=p, n=n, diagonal=float(G[0, 0]), expected_diagonal=p / 2,
                       max_abs_error_vs_float64=float(np.abs(G - G_ref).max()),
                       toeplitz_max_deviation=float(toeplitz),
                       neighbour_similarity=float(G[10, 11]), far_similarity=float(G[10, 60]),
                       buggy_offdiag_mean=float(G_bug[~np.eye(n, dtype=bool)].mean()),
                       note="E^T E depends only on i - j (Toeplitz) and peaks on the diagonal at p/2; with "
                            "001's formula almost all frequencies are ~0, so every pair looks alike")


@task("mlph08.3c", "K^T Q with random features: adding vs concatenating E",
      "KTQ.png (addition, concatenation, cross terms), metrics")
def run_3c(run):
    p, n = 256, 64
    E = positional_encoding(p, n)
    rng = np.random.default_rng(run.seed)
    X = rng.normal(0.0, E.std(), size=(p, n))
    add = _gram(run.B, X + E)
    cat = _gram(run.B, np.vstack([X, E]))
    cross = add - cat
    fig, ax = figure(3, size=(4.2, 3.6))
    for a, M_, t in zip(ax[0], (add, cat, cross), ("addition (X+E)^T(X+E)", "concatenation [X;E]^T[X;E]",
                                                   "difference = X^T E + E^T X")):
        im = a.imshow(M_, cmap="viridis")
        a.set(title=t, xlabel="token j", ylabel="token i")
        fig.colorbar(im, ax=a)
    fig.tight_layout()
    run.savefig(fig, "KTQ.png", title=f"mlph08.3c K^T Q with K = Q, features var = var(E) ({run.B.name})")
    run.metrics.update(p=p, n=n, feature_std=float(E.std()),
                       rel_cross_terms=float(np.linalg.norm(cross) / np.linalg.norm(cat)),
                       concat_equals_XtX_plus_EtE=float(np.abs(cat - (X.T @ X + E.T @ E)).max()),
                       note="concatenation has no cross terms: [X;E]^T[X;E] = X^T X + E^T E exactly")


@task("mlph08.3d", "adding ~ concatenating when features and encodings lie in low-dim subspaces",
      "subspaces.png (relative size of the cross terms vs p), metrics")
def run_3d(run):
    rng = np.random.default_rng(run.seed)
    n, r = 64, 8
    ps = [32, 64, 128, 256, 512] if run.quick else [32, 64, 128, 256, 512, 1024, 2048]
    rel_low, rel_full, cosines = [], [], []
    for p in ps:
        U, _ = np.linalg.qr(rng.normal(size=(p, r)))
        V, _ = np.linalg.qr(rng.normal(size=(p, r)))
        X, E = U @ rng.normal(size=(r, n)), V @ rng.normal(size=(r, n))
        cross = _gram(run.B, X, E)
        rel_low.append(2 * np.linalg.norm(cross) / np.linalg.norm(_gram(run.B, X) + _gram(run.B, E)))
        Xf, Ef = rng.normal(size=(p, n)), rng.normal(size=(p, n))
        rel_full.append(2 * np.linalg.norm(Xf.T @ Ef) / np.linalg.norm(Xf.T @ Xf + Ef.T @ Ef))
        cosines.append(float(np.linalg.svd(U.T @ V, compute_uv=False).max()))
    fig, ax = figure(2)
    ax[0, 0].plot(ps, rel_low, "o-", label=f"features and E in random {r}-dim subspaces")
    ax[0, 0].plot(ps, rel_full, "s-", label=f"full-rank random features and E (n={n} tokens)")
    ax[0, 0].plot(ps, np.sqrt(r / np.array(ps, float)) * rel_low[0] / np.sqrt(r / ps[0]), "k--", label="~ sqrt(r/p)")
    ax[0, 0].set(title="relative size of cross terms", xlabel="embedding dimension p",
                 ylabel="||X^T E + E^T X|| / ||X^T X + E^T E||")
    ax[0, 0].legend(fontsize=7)
    ax[0, 1].semilogx(ps, cosines, "o-")
    ax[0, 1].set(title="largest cosine between the two subspaces", xlabel="p", ylabel="cos(principal angle)")
    for a in ax[0]:
        a.set_xscale("log", base=2)
        a.set_xticks(ps, [str(p) for p in ps])
        a.minorticks_off()
    fig.tight_layout()
    run.savefig(fig, "subspaces.png", title=f"mlph08.3d near-orthogonality of random subspaces ({run.B.name})")
    run.metrics.update(p=ps, n=n, subspace_dim=r, rel_cross_low_rank=rel_low, rel_cross_full_rank=rel_full,
                       max_cosine=cosines,
                       note="two random r-dim subspaces of R^p are nearly orthogonal for p >> r (cosines "
                            "~ sqrt(r/p)), so the cross terms of (X+E)^T(X+E) vanish and adding behaves like "
                            "concatenating; not 'sparsity'")
