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
from pathlib import Path

import numpy as np

from .models import load_numpy_state, state_to_numpy

__all__ = ["fit", "evaluate", "predict", "cross_entropy_loss", "mse_loss", "multitask_loss", "accuracy",
           "multitask_accuracy", "save_checkpoint", "load_checkpoint", "save_best", "load_best"]


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


# ---- helpers ----------------------------------------------------------------------------------------
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


def _progress(total, desc):
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, disable=None, leave=False)


def _resume(B, path, model, optimizer, scheduler, history):
    """Load a ``last.ckpt`` into model, optimizer, scheduler and ``history``; returns its epoch."""
    ck = load_checkpoint(B, path, model, optimizer)
    if scheduler is not None:
        scheduler.load_state_dict(ck["scheduler"])
    for key in ("iter_loss", "train_loss", "train_metric", "val_loss", "val_metric"):
        history[key] = [float(v) if v is not None else None for v in ck["history"][key]]
    history["best_epoch"] = ck["best_epoch"]
    history["best_val_loss"] = float(ck["best_val_loss"])
    history["best_state"] = {k: np.array(v, copy=True) for k, v in ck["best_state"].items()} \
        if ck.get("best_state") else None
    history["epochs_done"] = int(ck["epoch"])
    return int(ck["epoch"])


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
    X, Y = train
    n = len(X)
    history = {"iter_loss": [], "train_loss": [], "train_metric": [], "val_loss": [], "val_metric": [],
               "best_epoch": None, "best_val_loss": math.inf, "best_state": None, "epochs_done": 0}
    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    start_epoch = _resume(B, resume, model, optimizer, scheduler, history) if resume is not None else 0
    steps_per_epoch = max(1, math.ceil(n / batch_size))
    bar = _progress((epochs - start_epoch) * steps_per_epoch, desc)
    steps = 0
    for epoch in range(start_epoch, epochs):
        model.train()
        order = np.random.default_rng(seed + epoch).permutation(n)
        aug_rng = np.random.default_rng(seed + 10_000 + epoch)
        run_loss, run_metric, seen = 0.0, 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb = X[idx]
            yb = xb if Y is None else Y[idx]
            xin = input_fn(xb, aug_rng) if input_fn is not None else xb
            out = model(_to_backend(B, xin))
            loss = loss_fn(B, out, _to_backend(B, yb))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            value = float(B.to_numpy(loss))
            history["iter_loss"].append(value)
            run_loss += value * len(idx)
            if metric_fn is not None:
                run_metric += metric_fn(_numpy_output(B, out), yb)
            seen += len(idx)
            steps += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{value:.4f}")
            if max_steps is not None and steps >= max_steps:
                break
        history["train_loss"].append(run_loss / max(seen, 1))
        history["train_metric"].append(run_metric / max(seen, 1) if metric_fn is not None else None)
        if val is not None:
            vl, vm = evaluate(B, model, val, loss_fn, metric_fn)
            history["val_loss"].append(vl)
            history["val_metric"].append(vm)
            if vl < history["best_val_loss"]:
                history["best_val_loss"], history["best_epoch"] = vl, epoch + 1
                history["best_state"] = state_to_numpy(model)          # a copy, not an alias
                if ckdir is not None:
                    save_best(B, ckdir / "best.ckpt", history["best_state"], epoch + 1, vl)
        history["epochs_done"] = epoch + 1
        if log is not None:
            log(f"{desc}: epoch {epoch + 1}/{epochs} train loss {history['train_loss'][-1]:.4f}"
                + (f" val loss {history['val_loss'][-1]:.4f} val metric {history['val_metric'][-1]}" if val else ""))
        if ckdir is not None:
            extra = {"scheduler": scheduler.state_dict()} if scheduler is not None else {}
            save_checkpoint(B, ckdir / "last.ckpt", model, optimizer, epoch=epoch + 1, **extra,
                            history={k: history[k] for k in ("iter_loss", "train_loss", "train_metric",
                                                             "val_loss", "val_metric")},
                            best_epoch=history["best_epoch"], best_val_loss=history["best_val_loss"],
                            best_state=history["best_state"] or {})
        if (max_steps is not None and steps >= max_steps) or \
                (stop_after_epoch is not None and epoch + 1 >= stop_after_epoch):
            break
    if bar is not None:
        bar.close()
    return history
