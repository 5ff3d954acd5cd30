"""What every task shares: the run context (output folder, metrics, figures), data access that
records what was used, and a few plots (curves, image grids, confusion matrices)."""
from __future__ import annotations

import functools
import json
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import data as D  # noqa: E402

SYNTHETIC_TAG = "SYNTHETIC DATA (not real)"


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


class Context:
    """One run of one task on one backend: where to write, how big, what data."""

    def __init__(self, task, backend, out="runs", epochs=None, quick=False, synthetic=False, seed=0, data=None,
                 resume=False):
        if epochs is not None and epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        self.task, self.B = task, backend
        self.resume = resume
        self.quick, self.synthetic, self.seed, self.data_path = quick, synthetic, seed, data
        self._epochs = epochs
        self.dir = Path(out) / task.id / backend.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ckpt_dir = self.dir / "checkpoints"
        self.synthetic_used = False
        self.metrics = {"id": task.id, "title": task.title, "backend": backend.name, "device": backend.device,
                        "quick": quick, "seed": seed, "data": [], "figures": [], "checkpoints": []}
        self._t0 = time.time()

    # sizes -----------------------------------------------------------------------------------------
    def epochs(self, full, quick=1):
        """``--epochs`` if given, else ``quick`` under --quick, else the sheet's ``full``."""
        n = self._epochs if self._epochs is not None else (quick if self.quick else full)
        self.metrics["epochs"] = n
        return n

    def resume_from(self):
        """``checkpoints/last.ckpt`` when ``--resume`` was given and an earlier run left one, else None."""
        path = self.ckpt_dir / "last.ckpt"
        if self.resume and path.is_file():
            self.metrics["resumed_from"] = str(path)
            return path
        return None

    def size(self, full, quick):
        return quick if self.quick else full

    # data ------------------------------------------------------------------------------------------
    def record_data(self, info, **extra):
        entry = {k: v for k, v in dict(info).items() if k != "class_counts"}
        entry.update(extra)
        if entry.get("source") == "synthetic":
            self.synthetic_used = True
        self.metrics["data"].append(entry)

    def fashion(self, n_train=50000, n_val=10000, n_test=10000):
        """FashionMNIST as float32 (N, 1, 28, 28) in [0, 1]: the 50k/10k split and the test set."""
        if self.synthetic:
            s = D.synthetic_like("fashion_mnist", n_train + n_val + n_test, seed=self.seed)
            x, y = s["images"], s["labels"]
            parts = (x[:n_train], y[:n_train], x[n_train:n_train + n_val], y[n_train:n_train + n_val],
                     x[n_train + n_val:], y[n_train + n_val:])
            self.record_data(s["info"], n_train=n_train, n_val=n_val, n_test=n_test)
        else:
            d = _load_fashion(self.data_path)
            tx, ty, vx, vy = D.split_train_val(d["train_images"], d["train_labels"], seed=self.seed)
            parts = (tx[:n_train], ty[:n_train], vx[:n_val], vy[:n_val], d["test_images"][:n_test],
                     d["test_labels"][:n_test])
            self.record_data(d["info"], split="50,000 train / 10,000 validation (seeded) of the 60,000",
                             n_train_used=len(parts[0]), n_val_used=len(parts[2]), n_test_used=len(parts[4]))
        return tuple(to_float(a) if i % 2 == 0 else a for i, a in enumerate(parts))

    def mnist(self, n_train=4000, n_test=1000):
        """MNIST as float32 (N, 1, 28, 28) in [0, 1]: (x_train, y_train, x_test, y_test)."""
        if self.synthetic:
            s = D.synthetic_like("mnist", n_train + n_test, seed=self.seed)
            x, y = s["images"], s["labels"]
            self.record_data(s["info"], n_train=n_train, n_test=n_test)
            return to_float(x[:n_train]), y[:n_train], to_float(x[n_train:]), y[n_train:]
        d = _load_mnist(self.data_path, self.seed)
        out = (d["train_images"][:n_train], d["train_labels"][:n_train], d["test_images"][:n_test],
               d["test_labels"][:n_test])
        self.record_data(d["info"], n_train_used=len(out[0]), n_test_used=len(out[2]))
        return to_float(out[0]), out[1], to_float(out[2]), out[3]

    def mnist_raw(self):
        """The uint8 MNIST arrays (train_images, train_labels, test_images, test_labels) and info."""
        if self.synthetic:
            s = D.synthetic_like("mnist", 5000, seed=self.seed)
            x, y = s["images"], s["labels"]
            return x[:4000], y[:4000], x[4000:], y[4000:], s["info"]
        d = _load_mnist(self.data_path, self.seed)
        return d["train_images"], d["train_labels"], d["test_images"], d["test_labels"], d["info"]

    def galaxy(self, n_max=None):
        """Galaxy10 uint8 NHWC images and labels (the real file, or --synthetic)."""
        if self.synthetic:
            s = D.synthetic_like("galaxy10", n_max or 2000, seed=self.seed)
            self.record_data(s["info"])
            return s["images"], s["labels"], s["info"]
        d = D.load_galaxy10(self.data_path)
        images, labels = d["images"], d["labels"]
        if n_max is not None:
            keep = np.random.default_rng(self.seed).permutation(len(labels))[:n_max]
            images, labels = images[np.sort(keep)], labels[np.sort(keep)]
        self.record_data(d["info"], n_used=int(len(labels)))
        return images, labels, d["info"]

    # outputs ---------------------------------------------------------------------------------------
    def title(self, text):
        if not self.synthetic_used or text.startswith(SYNTHETIC_TAG):
            return text
        return f"{SYNTHETIC_TAG}: {text}"

    def savefig(self, fig, name, title=None):
        """Save a figure as PNG; a figure made from synthetic data says so in its title."""
        if title is not None or self.synthetic_used:
            width = max(40, int(fig.get_figwidth() * 13))
            fig.suptitle(textwrap.fill(self.title(title or self.task.title), width), fontsize=9)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fig.tight_layout(rect=(0, 0, 1, 0.93))
        path = self.dir / name
        fig.savefig(path, dpi=72 if self.quick else 110)
        plt.close(fig)
        self.metrics["figures"].append(name)
        return path

    def write_text(self, name, text):
        (self.dir / name).write_text(text)
        self.metrics.setdefault("texts", []).append(name)

    def checkpoint(self, name, model, **extra):
        from .train import save_checkpoint
        path = save_checkpoint(self.B, self.ckpt_dir / name, model, **extra)
        self.metrics["checkpoints"].append(str(path.relative_to(self.dir)))
        return path

    def finish(self):
        self.metrics["synthetic"] = self.synthetic_used
        if self.synthetic_used:
            self.metrics["warning"] = ("made from SYNTHETIC stand-in data (asked for with --synthetic); "
                                       "the numbers say nothing about the real data set")
        self.metrics["seconds"] = round(time.time() - self._t0, 3)
        path = self.dir / "metrics.json"
        path.write_text(json.dumps(_jsonable(self.metrics), indent=2))
        return path


@functools.lru_cache(maxsize=2)
def _load_fashion(path):
    return D.load_fashion_mnist(path)


@functools.lru_cache(maxsize=2)
def _load_mnist(path, seed):
    return D.load_mnist(path, seed=seed)


def to_float(images):
    """uint8 (N, H, W) -> float32 (N, 1, H, W) in [0, 1] (what torchvision's ToTensor does)."""
    x = np.asarray(images, dtype=np.float32) / np.float32(255.0)
    return x[:, None] if x.ndim == 3 else x


# plots -----------------------------------------------------------------------------------------------
def figure(ncols=1, nrows=1, size=(4.5, 3.2)):
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    return fig, axes


def epoch_panel(ax, series, title, ylabel, styles=None, colors=None):
    """Per-epoch curves ``{name: values}``; after a single epoch (a quick run) one bar per curve with
    its value, instead of lone dots on an empty axis."""
    names = list(series)
    colors = colors or [f"C{i}" for i in range(len(names))]
    if all(len(v) <= 1 for v in series.values()):
        values = [v[-1] if len(v) else np.nan for v in series.values()]
        bars = ax.bar(range(len(names)), values, color=colors)
        ax.bar_label(bars, fmt="%.3g", fontsize=6)
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=6)
        ax.set(title=f"{title} after the one epoch", ylabel=ylabel)
        return
    for i, name in enumerate(names):
        v = series[name]
        ax.plot(range(1, len(v) + 1), v, styles[i] if styles else "o-", color=colors[i], label=name)
    ax.set(title=f"{title} per epoch", xlabel="epoch", ylabel=ylabel)
    ax.legend(fontsize=6)


def plot_history(ctx, history, name, label="", metric="accuracy"):
    """Per-iteration training loss, per-epoch train/val loss and metric: one PNG with three panels."""
    fig, ax = figure(3)
    ax[0, 0].plot(history["iter_loss"], lw=0.8)
    ax[0, 0].set(title=f"training loss per iteration {label}", xlabel="iteration", ylabel="loss")
    losses = {"train": history["train_loss"]}
    if history["val_loss"]:
        losses["validation"] = history["val_loss"]
    epoch_panel(ax[0, 1], losses, "loss", "loss")
    if history["train_metric"] and history["train_metric"][0] is not None:
        metrics = {"train": history["train_metric"]}
        if history["val_metric"]:
            metrics["validation"] = history["val_metric"]
        epoch_panel(ax[0, 2], metrics, metric, metric)
    fig.tight_layout()
    return ctx.savefig(fig, name, title=f"{ctx.task.id} {label} ({ctx.B.name})")


def image_grid(ctx, images, name, titles=None, ncols=10, title=None, cmap="gray"):
    images = np.asarray(images)
    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.35 * nrows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            img = images[i]
            if img.ndim == 3 and img.shape[0] in (1, 3):
                img = img.transpose(1, 2, 0)
            ax.imshow(img.squeeze(), cmap=cmap if img.ndim == 2 or img.shape[-1] == 1 else None)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=7)
    return ctx.savefig(fig, name, title=title)


def confusion_matrix(y_true, y_pred, n=10):
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def plot_confusion(ctx, cm, name, labels=None, title="confusion matrix"):
    fig, ax = figure(size=(6.5, 6))
    ax = ax[0, 0]
    ax.imshow(cm, cmap="Blues")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=6)
    ticks = np.arange(cm.shape[0])
    ax.set_xticks(ticks, labels or ticks, rotation=90, fontsize=7)
    ax.set_yticks(ticks, labels or ticks, fontsize=7)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.tight_layout()
    return ctx.savefig(fig, name, title=f"{ctx.task.id} {title} ({ctx.B.name})")


def most_confused_pair(cm):
    off = cm + cm.T
    np.fill_diagonal(off, -1)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    return int(min(i, j)), int(max(i, j)), int(off[i, j])


# autoencoders -----------------------------------------------------------------------------------------
def train_autoencoder(ctx, model, xtr, xte, epochs, lr=1e-3, batch_size=64, input_fn=None, name="autoencoder",
                      **kw):
    """Adam on the mean squared reconstruction error; returns (history, test MSE on clean inputs)."""
    from .train import evaluate, fit, mse_loss
    opt = ctx.B.optim.Adam(model.parameters(), lr=lr)
    h = fit(ctx.B, model, opt, (xtr, None), (xte, None), epochs=epochs, batch_size=batch_size, loss_fn=mse_loss,
            metric_fn=None, seed=ctx.seed, input_fn=input_fn, desc=f"{ctx.task.id} {name}", **kw)
    return h, evaluate(ctx.B, model, (xte, None), mse_loss, None)[0]


def plot_reconstructions(ctx, rows, name, row_labels, n=8, title="reconstructions"):
    """``rows``: a list of image batches (N, 1, 28, 28); one row each, the first n images."""
    fig, axes = plt.subplots(len(rows), n, figsize=(1.1 * n, 1.2 * len(rows) + 0.5), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, row_labels)):
        for c in range(n):
            ax = axes[r, c]
            ax.axis("off")
            if c < len(images):
                ax.imshow(np.asarray(images[c]).squeeze(), cmap="gray", vmin=0, vmax=1)
            if c == 0:
                ax.set_title(label, fontsize=7, loc="left")
    return ctx.savefig(fig, name, title=title)


def plot_embedding(ctx, ax, codes, labels, title):
    sc = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=6, vmin=-0.5, vmax=9.5)
    ax.set(title=ctx.title(title), xlabel="code 1", ylabel="code 2")
    return sc
