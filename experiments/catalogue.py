"""The catalogue: the [run] tasks of ../shared/TASKS.md, each an id, what it produces and the function that runs it.

Task modules register themselves with :func:`task`; :func:`run_task` runs one id on one backend and
writes ``OUT/ID/BACKEND/`` (figures, ``metrics.json``, checkpoints).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from .backends import get_backend
from .task_run import TaskRun

__all__ = ["RUN_IDS", "Task", "TASKS", "task", "load_all", "run_task"]

# Every id tagged [run] in TASKS.md (36), in the sheets' order.
RUN_IDS = (
    "mlph08.1a", "mlph08.1b", "mlph08.1c", "mlph08.1d", "mlph08.1e", "mlph08.1f",
    "mlph08.3b", "mlph08.3c", "mlph08.3d",
    "ee411.1.1", "ee411.1.2", "ee411.1.3", "ee411.1.5",
    "ee411.2.1", "ee411.2.2", "ee411.2.3", "ee411.2.4", "ee411.2.5", "ee411.2.6",
    "ee411.3.1", "ee411.3.2", "ee411.3.3", "ee411.3.4",
    "nni2.1", "nni2.2", "nni2.3", "nni2.4", "nni2.T3",
    "cpsc663.P3.3", "cpsc663.P4.2", "cpsc663.P5.2", "cpsc663.P5.3", "cpsc663.P5.4",
    "cpsc663.P6.1", "cpsc663.P6.2", "cpsc663.P6.3",
)

MODULES = ("tasks_mlph08", "tasks_ee411", "tasks_ee411_bonus", "tasks_nni2", "tasks_cpsc663")


@dataclass
class Task:
    id: str
    title: str
    produces: str
    fn: Callable
    data: str | None = None      # "fashion_mnist", "mnist", "galaxy10" or None (no data set)


TASKS: dict[str, Task] = {}


def task(id, title, produces, data=None):
    """Decorator: register ``fn(run)`` as the runner of task ``id`` (``run``: a :class:`TaskRun`)."""
    def register(fn):
        TASKS[id] = Task(id, title, produces, fn, data)
        return fn
    return register


def load_all():
    """Import every task module (each registers its tasks); returns TASKS in RUN_IDS order."""
    for name in MODULES:
        importlib.import_module(f"{__package__}.{name}")
    order = {k: i for i, k in enumerate(RUN_IDS)}
    return dict(sorted(TASKS.items(), key=lambda kv: order.get(kv[0], len(order))))


def run_task(id, backend="edu", device="cpu", out="runs", epochs=None, quick=False, synthetic=False, seed=0,
             data=None, init="numpy", resume=False):
    """Run one task; returns the path of its metrics.json. Missing data raise DatasetMissing.

    ``init="numpy"`` (the default) draws every model's initial weights with NumPy from torch's default
    distributions, seeded by ``seed``: the edu and torch runs of a task start from the same weights.
    ``init="native"`` leaves initialisation to the library (seeded by its ``manual_seed``).
    ``resume=True``: the main training of a task continues from its ``checkpoints/last.ckpt``.
    """
    tasks = load_all()
    if id not in tasks:
        raise KeyError(f"unknown task id {id!r}; `python -m experiments list` shows the ids")
    B = get_backend(backend, device)
    run = TaskRun(tasks[id], B, out=out, epochs=epochs, quick=quick, synthetic=synthetic, seed=seed, data=data,
                  resume=resume)
    if init not in ("numpy", "native"):
        raise ValueError(f"init must be 'numpy' or 'native', got {init!r}")
    B.manual_seed(seed)
    B.init_seed, B.init_count = (seed if init == "numpy" else None), 0
    run.metrics["init"] = ("numpy: torch's default distributions drawn with a seeded NumPy generator, identical "
                           "on both backends" if init == "numpy" else f"native: {backend}'s own initialisation")
    try:
        tasks[id].fn(run)
    finally:
        B.init_seed, B.init_count = None, 0
    return run.finish()
