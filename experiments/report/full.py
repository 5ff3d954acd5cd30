"""The committed full-scale runs: ``results/full/ID.json`` (key numbers of both backends, with when,
on what machine and data, and with which command they were produced)."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FULL_DIR = ROOT / "results" / "full"


def load_full(id, folder=FULL_DIR):
    """The full-run record of ``id``: a dict with ``edu``/``torch`` key numbers, or with ``not_run``
    (the reason) when no full run exists."""
    path = Path(folder) / f"{id}.json"
    if not path.is_file():
        return {"not_run": f"not run: no committed full-scale run (results/full/{id}.json is missing)"}
    return json.loads(path.read_text())


def provenance(full):
    """One line: when, where, on what data and with which command the full run was made."""
    parts = [f"run {full['when']}", f"on {full['machine']}"]
    if full.get("data"):
        parts.append(f"data: {full['data']}")
    seconds = full.get("seconds")
    if seconds:
        parts.append("run time " + ", ".join(f"{b} {s} s" for b, s in seconds.items()))
    parts.append(f"command: <code>{full['command']}</code>")
    return "; ".join(parts)
