"""One run of one task on one backend: its sizes, where it writes, and its ``metrics.json``.

Every task function takes a :class:`TaskRun` (``run``): it asks it for sizes (``run.epochs(30)``,
``run.size(full, quick)``), saves its figures, texts and checkpoints through it, and puts its numbers in
``run.metrics``; :func:`experiments.catalogue.run_task` makes the run and calls :meth:`TaskRun.finish`.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .plots import save_figure
from .train import save_checkpoint

SYNTHETIC_TAG = "SYNTHETIC DATA (not real)"


def _jsonable(obj):
    """``obj`` with NumPy values as Python ones, paths as text and non-finite floats as "nan"/"inf"."""
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


class TaskRun:
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
        """Note a data set's ``info`` (and ``extra`` counts) in the metrics; synthetic data mark the run."""
        entry = {k: v for k, v in dict(info).items() if k != "class_counts"}
        entry.update(extra)
        if entry.get("source") == "synthetic":
            self.synthetic_used = True
        self.metrics["data"].append(entry)

    # outputs ---------------------------------------------------------------------------------------
    def title(self, text):
        if not self.synthetic_used or text.startswith(SYNTHETIC_TAG):
            return text
        return f"{SYNTHETIC_TAG}: {text}"

    def savefig(self, fig, name, title=None):
        """Save a figure as PNG; a figure made from synthetic data says so in its title."""
        heading = None
        if title is not None or self.synthetic_used:
            heading = self.title(title or self.task.title)
        path = self.dir / name
        save_figure(fig, path, heading, dpi=72 if self.quick else 110)
        self.metrics["figures"].append(name)
        return path

    def write_text(self, name, text):
        (self.dir / name).write_text(text)
        self.metrics.setdefault("texts", []).append(name)

    def checkpoint(self, name, model, **extra):
        path = save_checkpoint(self.B, self.ckpt_dir / name, model, **extra)
        self.metrics["checkpoints"].append(str(path.relative_to(self.dir)))
        return path

    def finish(self):
        """Write ``metrics.json`` (with the run time and whether synthetic data were used); returns its path."""
        self.metrics["synthetic"] = self.synthetic_used
        if self.synthetic_used:
            self.metrics["warning"] = ("made from SYNTHETIC stand-in data (asked for with --synthetic); "
                                       "the numbers say nothing about the real data set")
        self.metrics["seconds"] = round(time.time() - self._t0, 3)
        path = self.dir / "metrics.json"
        path.write_text(json.dumps(_jsonable(self.metrics), indent=2))
        return path
