"""``python -m experiments results --out DIR``: the measured numbers of the runs in DIR as Markdown
tables (one per sheet), beside the references, with the data used and the run times. RESULTS.md is
this output under a short hand-written preface."""
from __future__ import annotations

from .references import REFERENCES, headline
from .catalogue import RUN_IDS
from .report import SHEETS, collect


def _number(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _data(metrics):
    parts = []
    for d in metrics.get("data", []):
        counts = ", ".join(f"{k} {v}" for k, v in d.items() if k.startswith("n_") and isinstance(v, int))
        parts.append(f"{d.get('origin') or d.get('dataset', '')} ({d.get('source', '?')}; {counts})")
    text = "; ".join(parts) or "no data set"
    return ("SYNTHETIC " if metrics.get("synthetic") else "") + text


def optimiser_table(results, id):
    """The four-optimiser tasks (ee411.2.2, 2.3): validation and test accuracy per optimiser and backend."""
    rows = ["| optimiser | edu val acc | edu test acc | torch val acc | torch test acc |", "|---|---|---|---|---|"]
    finals = {b: e["metrics"].get("final", {}) for b, e in results[id].items() if "metrics" in e}
    for name in finals.get("edu", finals.get("torch", {})):
        cells = []
        for b in ("edu", "torch"):
            f = finals.get(b, {}).get(name, {})
            cells += [_number(f.get("val_accuracy", "-")), _number(f.get("test_accuracy", "-"))]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def to_markdown(out, backends=("edu", "torch")):
    """One table per sheet (a row per task: each backend's key numbers, run times, data, reference), and the
    per-optimiser accuracies of ee411.2.2 and 2.3."""
    results = collect(RUN_IDS, backends, out)
    lines = []
    for sheet, title in SHEETS.items():
        lines += [f"## {sheet}: {title}", "", "| task | " + " | ".join(f"{b} result" for b in backends)
                  + " | run time | data used | reference |", "|---" * (len(backends) + 4) + "|"]
        lines += [_task_row(id, results[id], backends) for id in RUN_IDS if id.split(".")[0] == sheet]
        lines.append("")
        for id in ("ee411.2.2", "ee411.2.3"):
            if id.startswith(sheet) and any("metrics" in e for e in results[id].values()):
                lines += [f"### {id}: accuracy per optimiser (final weights)", "", optimiser_table(results, id), ""]
    return "\n".join(lines)


def _task_row(id, entries, backends):
    cells, times, data = [], [], "-"
    for b in backends:
        e = entries[b]
        if "metrics" not in e:
            cells.append(e.get("skipped") or e.get("error"))
            continue
        items = headline(e["metrics"], limit=4)
        cells.append("<br>".join(f"{k}: {_number(v)}" for k, v in items.items()) or "(figures)")
        times.append(f"{b} {e['metrics'].get('seconds', 0):.0f} s")
        data = _data(e["metrics"])
    ref = REFERENCES.get(id, "-").replace("|", "/")
    return f"| {id} | " + " | ".join(cells) + f" | {', '.join(times) or '-'} | {data} | {ref} |"
