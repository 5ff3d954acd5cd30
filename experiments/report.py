"""The reproduction report: every [run] task on both backends, beside the sheets' references, as one
self-contained HTML page (figures inline).

    python -m experiments reproduce [--quick] [--backend edu,torch] [--out DIR]

Each task runs once per backend (a failure is caught and shown in its row); the page then has a
table per sheet (task, edu result, torch result, their largest difference, the reference, the
data used and how much, run time), the figures of both backends, and the points where the graded
solution (seed 001) erred with the right result beside them.
"""
from __future__ import annotations

import base64
import html
import json
import math
import time
import traceback
from pathlib import Path

from tqdm import tqdm

from .data import DatasetMissing
from .references import CORRECTIONS, REFERENCES, headline
from .registry import RUN_IDS, load_all, run_task

SHEETS = {"mlph08": "Machine learning for physicists, sheet 8 (Galaxy10 CNN, InfoNCE, positional encoding)",
          "ee411": "EE-411 homework 3 (hand backprop, FashionMNIST, MultiMNIST)",
          "nni2": "Neural networks for images, exercise 2 (autoencoders)",
          "cpsc663": "CPSC 663 exercise II (backprop, CNN filters, autoencoders)"}


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


def run_all(ids, backends, out, quick=True, device="cpu", epochs=None, synthetic_missing=True):
    """Run every id on every backend; returns {id: {backend: result}} where a result holds the
    metrics (or the error), the run directory and the seconds taken."""
    results = {}
    jobs = [(i, b) for i in ids for b in backends]
    minutes = estimate_seconds(jobs, out, quick) / 60
    print(f"reproduce: {len(jobs)} runs ({len(ids)} tasks x {len(backends)} backends, "
          f"{'quick' if quick else 'full'} sizes); estimated time about {minutes:.0f} min "
          f"(a rough estimate from earlier runs or ~{SECONDS_PER_RUN[bool(quick)]:.0f} s a run; "
          "the machine decides)", flush=True)
    bar = tqdm(jobs, desc="reproduce", unit="run")
    for id, backend in bar:
        bar.set_description(f"reproduce {id} ({backend})")
        start = time.perf_counter()
        entry = {"dir": Path(out) / id / backend}
        try:
            try:
                path = run_task(id, backend=backend, device=device, out=out, epochs=epochs, quick=quick)
            except DatasetMissing as missing:
                if not synthetic_missing:
                    raise
                entry["missing"] = str(missing).splitlines()[0]
                path = run_task(id, backend=backend, device=device, out=out, epochs=epochs, quick=quick,
                                synthetic=True)
            entry["metrics"] = json.loads(Path(path).read_text())
        except Exception as error:  # the page is written whatever one task does
            entry["error"] = f"{type(error).__name__}: {error}"
            entry["traceback"] = traceback.format_exc(limit=4)
        entry["seconds"] = time.perf_counter() - start
        results.setdefault(id, {})[backend] = entry
    return results


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _result_cell(entry):
    if entry is None:
        return "<td class='na'>not run</td>"
    if "skipped" in entry:
        return f"<td class='na'>{html.escape(entry['skipped'])}</td>"
    if "error" in entry:
        return f"<td class='error'><b>failed</b>: {html.escape(entry['error'])}</td>"
    items = headline(entry["metrics"])
    body = "<br>".join(f"{html.escape(k)}: <b>{_fmt(v)}</b>" for k, v in items.items()) or "(figures only)"
    return f"<td>{body}</td>"


def _difference(entries):
    """The largest |edu - torch| over the headline numbers both runs have."""
    if not all(e and "metrics" in e for e in entries.values()) or len(entries) < 2:
        return "-"
    a, b = (headline(e["metrics"]) for e in entries.values())
    diffs = [0.0 if (a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k]))) else abs(a[k] - b[k])
             for k in a if k in b]
    return f"{max(diffs):.2g}" if diffs else "-"


def _data_cell(entries):
    for e in entries.values():
        if e and "metrics" in e:
            parts = []
            for d in e["metrics"].get("data", []):
                n = ", ".join(f"{k} {v}" for k, v in d.items() if k.startswith("n_") and isinstance(v, int))
                label = d.get("origin") or d.get("dataset", "")
                parts.append(f"{html.escape(str(label))} ({html.escape(d.get('source', '?'))}; {html.escape(n)})")
            text = "<br>".join(parts) or "no data set"
            if e["metrics"].get("synthetic"):
                text = "<b class='synthetic'>SYNTHETIC</b> " + text
            if e.get("missing"):
                text += f"<br><small>real data missing: {html.escape(e['missing'])}</small>"
            return f"<td>{text}</td>"
    return "<td>-</td>"


def _figures(id, entries):
    blocks = []
    for backend, e in entries.items():
        if not e or "metrics" not in e:
            continue
        for name in e["metrics"].get("figures", []):
            path = e["dir"] / name
            if path.is_file():
                data = base64.b64encode(path.read_bytes()).decode()
                blocks.append(f"<figure><img alt='{html.escape(id)} {backend} {html.escape(name)}' "
                              f"src='data:image/png;base64,{data}'><figcaption>{html.escape(id)} - {backend} - "
                              f"{html.escape(name)}</figcaption></figure>")
    return "".join(blocks)


STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 6px;
vertical-align:top;font-size:13px}th{background:#eef}td.error{background:#fdd}td.na{color:#777;font-style:italic}.synthetic{color:#b00}
figure{display:inline-block;margin:4px;vertical-align:top}figure img{max-width:420px;border:1px solid #ddd}
figcaption{font-size:11px;color:#555}details{margin:.5em 0}.note{background:#ffe;padding:.5em;border:1px solid #ee9}
"""

QUICK_NOTE = ("Quick runs (a few hundred samples, one epoch): the numbers show that every task runs and that the "
              "backends agree, not what full training reaches; RESULTS.md has the full-scale runs")

SELF_CHECK = """
<div id="selfcheck"></div>
<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const el = document.getElementById("selfcheck");
  el.dataset.images = images.length;
  el.dataset.loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
  el.dataset.rows = document.querySelectorAll("tr[data-task]").length;
});
</script>
"""


def write_page(results, out, quick, backends, seconds):
    """The self-contained HTML page; returns its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>tinygrad_edu reproduction</title>"
             f"<style>{STYLE}</style></head><body>",
             "<h1>tinygrad_edu: the sheets' tasks on both backends</h1>",
             f"<p>{QUICK_NOTE if quick else 'Full runs'}; backends: {', '.join(backends)}; "
             f"{len(results)} tasks in {seconds:.0f} s. "
             "Where a data set is missing here, the task runs on a synthetic stand-in and its row and figures "
             "say <b class='synthetic'>SYNTHETIC</b>.</p>"]
    for sheet, title in SHEETS.items():
        ids = [i for i in results if i.split(".")[0] == sheet]
        if not ids:
            continue
        parts.append(f"<h2>{html.escape(sheet)}: {html.escape(title)}</h2><table><tr><th>task</th>"
                     + "".join(f"<th>{b} result</th>" for b in backends)
                     + "<th>max |edu - torch|</th><th>reference</th><th>data used</th><th>run time</th></tr>")
        for id in ids:
            entries = results[id]
            title = next((e["metrics"]["title"] for e in entries.values() if e and "metrics" in e), "")
            times = " / ".join(f"{b} {entries[b]['seconds']:.1f} s" for b in backends if b in entries)
            parts.append(f"<tr data-task='{html.escape(id)}'><td><b>{html.escape(id)}</b><br>{html.escape(title)}</td>"
                         + "".join(_result_cell(entries.get(b)) for b in backends)
                         + f"<td>{_difference(entries)}</td><td>{REFERENCES.get(id, '-')}</td>"
                         + _data_cell(entries) + f"<td>{times}</td></tr>")
        parts.append("</table>")
        for id in ids:
            figs = _figures(id, results[id])
            if figs:
                parts.append(f"<details open><summary>{html.escape(id)}: figures</summary>{figs}</details>")
    parts.append("<h2>Where the graded solution (seed 001) erred, and the right result</h2><ul>")
    for point, text in CORRECTIONS:
        parts.append(f"<li class='note'><b>{html.escape(point)}</b>: {text}</li>")
    parts.append("</ul>" + SELF_CHECK + "</body></html>")
    page = out / "report.html"
    page.write_text("\n".join(parts))
    return page


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
                entry["skipped"] = "not run: Galaxy10 has no offline source here (supply Galaxy10.h5 with --data)"
            else:
                entry["skipped"] = f"not run: no metrics at {path}"
            results.setdefault(id, {})[backend] = entry
    return results


def reproduce(ids=None, backends=("edu", "torch"), out="out/reproduce", quick=True, device="cpu", epochs=None,
              reuse=False):
    """Run the tasks (or, with ``reuse``, read runs already in ``out``) and write the page; returns its path."""
    load_all()
    ids = list(ids or RUN_IDS)
    start = time.perf_counter()
    if reuse:
        results = collect(ids, backends, out)
        seconds = sum(e["seconds"] for r in results.values() for e in r.values())
    else:
        results = run_all(ids, backends, out, quick=quick, device=device, epochs=epochs)
        seconds = time.perf_counter() - start
    quick = quick if not reuse else any(e.get("metrics", {}).get("quick") for r in results.values() for e in r.values())
    return write_page(results, out, quick, backends, seconds)
