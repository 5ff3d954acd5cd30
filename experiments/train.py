"""One training loop for both backends.

    from experiments.train import fit
    history = fit(B, model, optimizer, (X_train, y_train), (X_val, y_val), epochs=30, batch_size=64,
                  loss_fn=cross_entropy_loss, metric_fn=accuracy, checkpoint_dir=out / "checkpoints")

- Data are NumPy arrays; the batches come from one seeded permutation per epoch
  (``default_rng(seed + epoch)``), so both backends see the same batches in the same order and a
  resumed run continues exactly where it stopped.
- Records the loss of every iteration, and per epoch the training loss and metric (running means
  over the epoch) and the validation loss and metric (``evaluate``).
- Keeps the best-validation weights as a REAL copy (NumPy arrays copied out of the model, not the
  live ``state_dict`` whose tensors alias the weights) in ``history["best_state"]`` and, with a
  ``checkpoint_dir``, in ``best.ckpt``; ``last.ckpt`` (model, optimizer, epoch, history) is written
  after every epoch, and ``fit(..., resume=path)`` continues from it.
- A tqdm progress bar with ``disable=None``: shown on a terminal, silent in CI logs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm.auto import tqdm

from .models import load_numpy_state, state_to_numpy

__all__ = ["fit", "train_autoencoder", "evaluate", "predict", "cross_entropy_loss", "mse_loss", "multitask_loss",
           "accuracy", "multitask_accuracy", "confusion_matrix", "most_confused_pair", "save_checkpoint",
           "load_checkpoint", "save_best", "load_best"]

CURVES = ("iter_loss", "train_loss", "train_metric", "val_loss", "val_metric")   # the history's lists


# ---- losses and metrics, each written once against the backend namespace --------------------------
def cross_entropy_loss(B, output, target):
    return B.F.cross_entropy(output, target)


def mse_loss(B, output, target):
    return B.F.mse_loss(output, target)


def multitask_loss(B, output, target):
    """ee411.3.4: the mean of the two heads' cross-entropies; target is (N, 2)."""
    left, right = output
    return (B.F.cross_entropy(left, target[:, 0]) + B.F.cross_entropy(right, target[:, 1])) / 2.0


def accuracy(output_np, target_np):
    """Number of correct arg-max predictions (summed; ``fit`` divides by the sample count)."""
    return float((np.asarray(output_np).argmax(axis=1) == np.asarray(target_np)).sum())


def multitask_accuracy(output_np, target_np):
    """Mean over the two tasks of the number of correct predictions."""
    left, right = output_np
    return float(((left.argmax(1) == target_np[:, 0]).sum() + (right.argmax(1) == target_np[:, 1]).sum()) / 2.0)


def confusion_matrix(y_true, y_pred, n=10):
    """Counts ``cm[true, predicted]``."""
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def most_confused_pair(cm):
    """The two classes mistaken for each other most often, either way: (smaller, larger, count)."""
    off = cm + cm.T
    np.fill_diagonal(off, -1)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    return int(min(i, j)), int(max(i, j)), int(off[i, j])


# ---- running a model on NumPy data ------------------------------------------------------------------
def _to_backend(B, array):
    array = np.asarray(array)
    return B.tensor(array, dtype=B.long if array.dtype.kind in "iu" else B.float32)


def _numpy_output(B, out):
    if isinstance(out, (tuple, list)):
        return tuple(B.to_numpy(o) for o in out)
    return B.to_numpy(out)


def predict(B, model, X, batch_size=256, fn=None):
    """Model outputs (NumPy; a tuple for multi-output models) on ``X``, in eval mode, without a graph."""
    fn = fn or model
    model.eval()
    parts = []
    with B.no_grad():
        for start in range(0, len(X), batch_size):
            parts.append(_numpy_output(B, fn(_to_backend(B, X[start:start + batch_size]))))
    if not parts:
        return np.zeros((0,))
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))
    return np.concatenate(parts)


def evaluate(B, model, data, loss_fn=cross_entropy_loss, metric_fn=accuracy, batch_size=256):
    """(mean loss, metric / N) over ``data = (X, Y)``; ``Y=None`` means the target is ``X``."""
    X, Y = data
    model.eval()
    total, metric, n = 0.0, 0.0, len(X)
    with B.no_grad():
        for start in range(0, n, batch_size):
            xb = X[start:start + batch_size]
            yb = xb if Y is None else Y[start:start + batch_size]
            out = model(_to_backend(B, xb))
            total += float(B.to_numpy(loss_fn(B, out, _to_backend(B, yb)))) * len(xb)
            if metric_fn is not None:
                metric += metric_fn(_numpy_output(B, out), yb)
    n = max(n, 1)
    return total / n, (metric / n if metric_fn is not None else None)


# ---- checkpoints ----------------------------------------------------------------------------------
def save_checkpoint(B, path, model, optimizer=None, **extra):
    """Write model (and optimizer) state plus ``extra`` with the backend's ``save``."""
    obj = {"model": model.state_dict()}
    if optimizer is not None:
        obj["optimizer"] = optimizer.state_dict()
    obj.update(extra)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    B.save(obj, path)
    return Path(path)


def load_checkpoint(B, path, model=None, optimizer=None):
    """Read a checkpoint; load its states into ``model`` / ``optimizer`` when given. Returns the dict."""
    obj = B.load(path)
    if model is not None:
        model.load_state_dict(obj["model"])
    if optimizer is not None and "optimizer" in obj:
        optimizer.load_state_dict(obj["optimizer"])
    return obj


def save_best(B, path, state, epoch, val_loss):
    """Write a best-validation checkpoint: NumPy copies of the weights, the epoch and the loss."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    B.save({"model": {k: np.array(v, copy=True) for k, v in state.items()}, "epoch": int(epoch),
            "val_loss": float(val_loss)}, path)
    return Path(path)


def load_best(B, path, model):
    """Load a checkpoint written by :func:`save_best` into ``model``; returns (epoch, val_loss)."""
    obj = B.load(path)
    load_numpy_state(model, {k: B.to_numpy(v) for k, v in obj["model"].items()}, B)
    return int(obj["epoch"]), float(obj["val_loss"])


# ---- the loop ---------------------------------------------------------------------------------------
def fit(B, model, optimizer, train, val=None, epochs=1, batch_size=64, loss_fn=cross_entropy_loss,
        metric_fn=accuracy, seed=0, checkpoint_dir=None, resume=None, input_fn=None, max_steps=None,
        desc="train", stop_after_epoch=None, scheduler=None, log=None):
    """Train ``model`` and return its history (a dict of lists; see the module docstring).

    ``train``/``val``: ``(X, Y)`` NumPy arrays; ``Y=None`` trains to reconstruct ``X``.
    ``input_fn(xb, rng) -> xb'``: a per-batch NumPy transform of the inputs (noise, augmentation);
    the targets stay the clean ``Y`` (or the clean ``X`` for autoencoders).
    ``resume``: a ``last.ckpt`` path written by an earlier ``fit`` with the same arguments.
    ``scheduler``: an ``optim.lr_scheduler`` object, stepped after every optimizer step (so build
    it in steps: ``OneCycleLR(..., total_steps=epochs * steps)``, ``CosineAnnealingLR(T_max=...)``);
    its state is saved in ``last.ckpt`` and restored on resume.
    ``stop_after_epoch``: stop (as if interrupted) after that many epochs (for tests).
    ``log``: called with one line of text after every epoch (e.g. ``print`` for a long run's log).
    """
    history = _new_history()
    start_epoch = 0 if resume is None else _resume(B, resume, model, optimizer, scheduler, history)
    loop = _Loop(B, model, optimizer, scheduler, loss_fn, metric_fn, input_fn, batch_size, seed, max_steps)
    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    steps_per_epoch = max(1, math.ceil(len(train[0]) / batch_size))
    with tqdm(total=(epochs - start_epoch) * steps_per_epoch, desc=desc, disable=None, leave=False) as bar:
        for epoch in range(start_epoch, epochs):
            loop.train_epoch(train, epoch, history, bar)
            if val is not None:
                loop.validate(val, epoch, history, ckdir)
            history["epochs_done"] = epoch + 1
            if log is not None:
                log(_epoch_line(desc, epoch, epochs, history, val is not None))
            if ckdir is not None:
                _save_last(B, ckdir / "last.ckpt", model, optimizer, scheduler, epoch, history)
            if loop.out_of_steps() or (stop_after_epoch is not None and epoch + 1 >= stop_after_epoch):
                break
    return history


@dataclass
class _Loop:
    """What every step of one ``fit`` uses, and the number of steps taken so far."""
    B: object
    model: object
    optimizer: object
    scheduler: object
    loss_fn: Callable
    metric_fn: Callable | None
    input_fn: Callable | None
    batch_size: int
    seed: int
    max_steps: int | None
    steps: int = 0

    def step(self, xin, target):
        """One training step on a batch; returns the model's output and the loss as a float."""
        out = self.model(_to_backend(self.B, xin))
        loss = self.loss_fn(self.B, out, _to_backend(self.B, target))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        self.steps += 1
        return out, float(self.B.to_numpy(loss))

    def train_epoch(self, train, epoch, history, bar):
        """One pass over ``train`` in the epoch's seeded order; the losses and running means go to ``history``."""
        X, Y = train
        self.model.train()
        order = np.random.default_rng(self.seed + epoch).permutation(len(X))
        aug_rng = np.random.default_rng(self.seed + 10_000 + epoch)
        total_loss, total_metric, seen = 0.0, 0.0, 0
        for start in range(0, len(X), self.batch_size):
            idx = order[start:start + self.batch_size]
            xb = X[idx]
            yb = xb if Y is None else Y[idx]
            out, loss = self.step(xb if self.input_fn is None else self.input_fn(xb, aug_rng), yb)
            history["iter_loss"].append(loss)
            total_loss += loss * len(idx)
            if self.metric_fn is not None:
                total_metric += self.metric_fn(_numpy_output(self.B, out), yb)
            seen += len(idx)
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss:.4f}")
            if self.out_of_steps():
                break
        history["train_loss"].append(total_loss / max(seen, 1))
        history["train_metric"].append(total_metric / max(seen, 1) if self.metric_fn is not None else None)

    def validate(self, val, epoch, history, ckdir):
        """The epoch's validation loss and metric; a new lowest loss keeps a copy of the weights (and
        writes ``best.ckpt`` when there is a checkpoint folder)."""
        val_loss, val_metric = evaluate(self.B, self.model, val, self.loss_fn, self.metric_fn)
        history["val_loss"].append(val_loss)
        history["val_metric"].append(val_metric)
        if val_loss < history["best_val_loss"]:
            history["best_val_loss"], history["best_epoch"] = val_loss, epoch + 1
            history["best_state"] = state_to_numpy(self.model)          # a copy, not an alias
            if ckdir is not None:
                save_best(self.B, ckdir / "best.ckpt", history["best_state"], epoch + 1, val_loss)

    def out_of_steps(self):
        return self.max_steps is not None and self.steps >= self.max_steps


def _new_history():
    return {**{key: [] for key in CURVES}, "best_epoch": None, "best_val_loss": math.inf, "best_state": None,
            "epochs_done": 0}


def _epoch_line(desc, epoch, epochs, history, validated):
    line = f"{desc}: epoch {epoch + 1}/{epochs} train loss {history['train_loss'][-1]:.4f}"
    if validated:
        line += f" val loss {history['val_loss'][-1]:.4f} val metric {history['val_metric'][-1]}"
    return line


def _save_last(B, path, model, optimizer, scheduler, epoch, history):
    """``last.ckpt``: model, optimizer (and scheduler) state, the epoch and the history, to resume from."""
    extra = {"scheduler": scheduler.state_dict()} if scheduler is not None else {}
    save_checkpoint(B, path, model, optimizer, epoch=epoch + 1, **extra,
                    history={k: history[k] for k in CURVES}, best_epoch=history["best_epoch"],
                    best_val_loss=history["best_val_loss"], best_state=history["best_state"] or {})


def _resume(B, path, model, optimizer, scheduler, history):
    """Load a ``last.ckpt`` into model, optimizer, scheduler and ``history``; returns its epoch."""
    ck = load_checkpoint(B, path, model, optimizer)
    if scheduler is not None:
        scheduler.load_state_dict(ck["scheduler"])
    for key in CURVES:
        history[key] = [float(v) if v is not None else None for v in ck["history"][key]]
    history["best_epoch"] = ck["best_epoch"]
    history["best_val_loss"] = float(ck["best_val_loss"])
    history["best_state"] = {k: np.array(v, copy=True) for k, v in ck["best_state"].items()} \
        if ck.get("best_state") else None
    history["epochs_done"] = int(ck["epoch"])
    return int(ck["epoch"])


def train_autoencoder(run, model, xtr, xte, epochs, lr=1e-3, batch_size=64, input_fn=None, name="autoencoder",
                      **kw):
    """Adam on the mean squared reconstruction error; returns (history, test MSE on clean inputs)."""
    opt = run.B.optim.Adam(model.parameters(), lr=lr)
    h = fit(run.B, model, opt, (xtr, None), (xte, None), epochs=epochs, batch_size=batch_size, loss_fn=mse_loss,
            metric_fn=None, seed=run.seed, input_fn=input_fn, desc=f"{run.task.id} {name}", **kw)
    return h, evaluate(run.B, model, (xte, None), mse_loss, None)[0]
