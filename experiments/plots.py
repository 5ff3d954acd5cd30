"""The plots the tasks share: per-epoch curves, a training history, image grids, reconstructions, a
confusion matrix and a 2-D embedding. Each ``plot_*`` saves its PNG through ``run.savefig`` (an
:class:`experiments.task_run.TaskRun`), which records it in the metrics."""
from __future__ import annotations

import textwrap
import warnings

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def figure(ncols=1, nrows=1, size=(4.5, 3.2)):
    """A grid of axes, each ``size`` inches; ``axes[row, col]`` even for a single panel."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    return fig, axes


def save_figure(fig, path, heading=None, dpi=110):
    """Write ``fig`` as PNG, with ``heading`` (wrapped to the figure's width) above its panels, and close it."""
    if heading is not None:
        width = max(40, int(fig.get_figwidth() * 13))
        fig.suptitle(textwrap.fill(heading, width), fontsize=9)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


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


def plot_history(run, history, name, label="", metric="accuracy"):
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
    return run.savefig(fig, name, title=f"{run.task.id} {label} ({run.B.name})")


def image_grid(run, images, name, titles=None, ncols=10, title=None, cmap="gray"):
    """The images (CHW, HWC or HW) in rows of ``ncols``, each with its title."""
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
    return run.savefig(fig, name, title=title)


def plot_confusion(run, cm, name, labels=None, title="confusion matrix"):
    """The confusion matrix ``cm`` (true by row, predicted by column) with every count written in."""
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
    return run.savefig(fig, name, title=f"{run.task.id} {title} ({run.B.name})")


def plot_reconstructions(run, rows, name, row_labels, n=8, title="reconstructions"):
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
    return run.savefig(fig, name, title=title)


def plot_embedding(run, ax, codes, labels, title):
    """2-D codes on ``ax``, coloured by digit label; returns the scatter (for a colour bar)."""
    sc = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=6, vmin=-0.5, vmax=9.5)
    ax.set(title=run.title(title), xlabel="code 1", ylabel="code 2")
    return sc
