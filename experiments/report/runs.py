"""Running the tasks for the page, or reading earlier runs from disk.

``reproduce`` runs every id on every backend (or, with ``reuse``, reads ``OUT/ID/BACKEND/metrics.json``
written earlier) and writes the page. With ``resume`` (the default for full-size runs) a task whose
``metrics.json`` of the same kind (quick or full) is already in ``OUT`` is not run again, so a full
reproduction that takes hours can stop and go on task by task.
"""
from __future__ import annotations

import json
import time
import traceback
from pathlib import Path

from tqdm import tqdm

from ..data import DatasetMissing
from ..catalogue import RUN_IDS, load_all, run_task

GALAXY_MISSING = "not run: Galaxy10 has no offline source here (supply Galaxy10.h5 with --data)"


def _earlier(path, quick):
    """The metrics of an earlier run of the same kind at ``path``, or None."""
    if not path.is_file():
        return None
    try:
        metrics = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # a run cut off while writing: run it again
    return metrics if bool(metrics.get("quick")) == bool(quick) else None


def _run_one(id, backend, out, quick, device, epochs, synthetic_missing):
    entry = {"dir": Path(out) / id / backend}
    kw = dict(backend=backend, device=device, out=out, epochs=epochs, quick=quick)
    try:
        try:
            path = run_task(id, **kw)
        except DatasetMissing as missing:
            if not synthetic_missing:
                raise
            entry["missing"] = str(missing).splitlines()[0]
            path = run_task(id, synthetic=True, **kw)
        entry["metrics"] = json.loads(Path(path).read_text())
    except Exception as error:  # the page is written whatever one task does
        entry["error"] = f"{type(error).__name__}: {error}"
        entry["traceback"] = traceback.format_exc(limit=4)
    return entry


# Rough seconds per run where no earlier run in --out says better (quick: 2-core CPU, both backends;
# full: most tasks take seconds, the FashionMNIST CNNs up to 40 minutes, see RESULTS.md).
SECONDS_PER_RUN = {True: 10.0, False: 300.0}


def estimate_seconds(jobs, out, quick):
    """A rough total: each run's time in an earlier run of the same size in ``out``, else the per-run figure."""
    total = 0.0
    for id, backend in jobs:
        path = Path(out) / id / backend / "metrics.json"
        try:
            metrics = json.loads(path.read_text())
            seconds = float(metrics["seconds"]) if bool(metrics.get("quick")) == bool(quick) else None
        except (OSError, ValueError, KeyError, TypeError):
            seconds = None
        total += SECONDS_PER_RUN[bool(quick)] if seconds is None else seconds
    return total


def _announce(jobs, ids, backends, out, quick):
    minutes = estimate_seconds(jobs, out, quick) / 60
    print(f"reproduce: {len(jobs)} runs ({len(ids)} tasks x {len(backends)} backends, "
          f"{'quick' if quick else 'full'} sizes); estimated time about {minutes:.0f} min "
          f"(a rough estimate from earlier runs or ~{SECONDS_PER_RUN[bool(quick)]:.0f} s a run; "
          "the machine decides)", flush=True)


def run_all(ids, backends, out, quick=True, device="cpu", epochs=None, synthetic_missing=True, resume=False):
    """Run every id on every backend; returns {id: {backend: entry}} where an entry holds the metrics
    (or the error), the run directory and the seconds taken. ``resume``: reuse finished runs."""
    results = {}
    jobs = [(i, b) for i in ids for b in backends]
    _announce(jobs, ids, backends, out, quick)
    bar = tqdm(jobs, desc="reproduce", unit="run")
    for id, backend in bar:
        bar.set_description(f"reproduce {id} ({backend})")
        start = time.perf_counter()
        done = _earlier(Path(out) / id / backend / "metrics.json", quick) if resume else None
        if done is not None:
            entry = {"dir": Path(out) / id / backend, "metrics": done, "reused": True}
            entry["seconds"] = done.get("seconds", 0.0)
        else:
            entry = _run_one(id, backend, out, quick, device, epochs, synthetic_missing)
            entry["seconds"] = time.perf_counter() - start
        results.setdefault(id, {})[backend] = entry
    return results


def collect(ids, backends, out):
    """Results of runs already on disk (``OUT/ID/BACKEND/metrics.json``), for a page of earlier runs."""
    results, tasks = {}, load_all()
    for id in ids:
        for backend in backends:
            path = Path(out) / id / backend / "metrics.json"
            entry = {"dir": path.parent, "seconds": 0.0}
            if path.is_file():
                entry["metrics"] = json.loads(path.read_text())
                entry["seconds"] = entry["metrics"].get("seconds", 0.0)
            elif tasks.get(id) is not None and tasks[id].data == "galaxy10":
                entry["skipped"] = GALAXY_MISSING
            else:
                entry["skipped"] = f"not run: no metrics at {path}"
            results.setdefault(id, {})[backend] = entry
    return results


def reproduce(ids=None, backends=("edu", "torch"), out="out/reproduce", quick=True, device="cpu", epochs=None,
              reuse=False, resume=None):
    """Run the tasks (or, with ``reuse``, read runs already in ``out``) and write the page; returns its path.

    ``resume`` (default: on for full-size runs, off for quick ones) skips every task whose metrics.json
    of the same kind is already in ``out``."""
    from .page import write_page
    load_all()
    ids = list(ids or RUN_IDS)
    start = time.perf_counter()
    if reuse:
        results = collect(ids, backends, out)
        seconds = sum(e["seconds"] for r in results.values() for e in r.values())
        quick = any(e.get("metrics", {}).get("quick") for r in results.values() for e in r.values())
    else:
        resume = (not quick) if resume is None else resume
        results = run_all(ids, backends, out, quick=quick, device=device, epochs=epochs, resume=resume)
        seconds = time.perf_counter() - start
    return write_page(results, out, quick, backends, seconds)
