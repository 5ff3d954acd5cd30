"""One task's section of the page: question, links, answer, numbers (quick and full), figures."""
from __future__ import annotations

import html
import math
import os

from ..key_numbers import key_numbers
from ..references import REFERENCES
from .figures import figure_rows
from .full import ROOT, load_full, provenance
from .tasks_text import ANSWERS, AUTOENCODER_TASKS, QUESTIONS, UNTRAINED_NOTE, derivation_of

ANSWER_KEYS = ("answer", "explanation", "why", "observation", "which_stats", "transform", "formula",
               "non_differentiable_at", "note")


def fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return " / ".join(fmt(v) for v in value)
    return html.escape(str(value))


def _number(v):
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def difference(a, b):
    """|a - b| for numbers (lists: the largest over the elements); 0 or None for texts."""
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        diffs = [difference(x, y) for x, y in zip(a, b)]
        return max((d for d in diffs if d is not None), default=None)
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return 0.0 if a == b else None
    if x == y or (math.isnan(x) and math.isnan(y)):
        return 0.0
    return abs(x - y)


def _metrics(entries, backend):
    e = entries.get(backend)
    return e["metrics"] if e and "metrics" in e else None


def _links(id, entries, page_dir, task):
    parts = []
    found = derivation_of(id)
    if found:
        stem, dest = found
        href = os.path.relpath(ROOT / "derivations" / "build" / f"{stem}.pdf", page_dir) + f"#{dest}"
        parts.append(f"derivation: <a href='{html.escape(href)}'>{stem}.pdf, section {dest}</a>")
    if task is not None:
        module = task.fn.__module__.split(".")[-1]
        href = os.path.relpath(ROOT / "experiments" / f"{module}.py", page_dir)
        parts.append(f"code: <a href='{html.escape(href)}'><code>experiments/{module}.py::{task.fn.__name__}"
                     "</code></a>")
    if id in REFERENCES:
        parts.append(f"reference: {REFERENCES[id]}")
    return "<p class='links'>" + " &middot; ".join(parts) + "</p>"


def _plain(text):
    """A run's own words, with the project's shorthand for the graded solution spelled out."""
    return text.replace("001's", "the graded solution's").replace(" 001", " the graded solution")


def _answer(id, entries, quick):
    m = _metrics(entries, "edu") or _metrics(entries, "torch") or {}
    texts = [ANSWERS[id]] if id in ANSWERS else []
    texts += [html.escape(_plain(m[k])) for k in ANSWER_KEYS if isinstance(m.get(k), str)]
    body = " ".join(t if t.endswith(".") else t + "." for t in texts) or "The numbers below are the answer."
    text = f"<div class='answer'><b>Answer.</b> {body[0].upper() + body[1:]}</div>"
    if quick and id in AUTOENCODER_TASKS:
        text += f"<p class='untrained'>{UNTRAINED_NOTE}</p>"
    return text


def _cell(entry, backend, value):
    if entry is None:
        return f"<td class='{backend} na'>not run</td>"
    if "error" in entry:
        return f"<td class='{backend} error'><b>failed</b>: {html.escape(entry['error'])}</td>"
    if "skipped" in entry:
        return f"<td class='{backend} na'>{html.escape(entry['skipped'])}</td>"
    return f"<td class='{backend} num'>{fmt(value) if value is not None else '-'}</td>"


def _rows(id, entries, full, backends):
    """One table row per key number (this run's values, their difference, the full-scale values); returns
    the rows and the largest difference."""
    keys = {b: key_numbers(id, _metrics(entries, b)) if _metrics(entries, b) else {} for b in backends}
    labels = list(dict.fromkeys([k for b in backends for k in keys[b]] + list(full.get("edu", {}))))
    rows, diffs = [], []
    for label in labels:
        row, d = _row(label, entries, [keys[b].get(label) for b in backends], full, backends)
        rows.append(row)
        diffs += [d] if d is not None else []
    if not labels:
        cells = "".join(_cell(entries.get(b), b, "(figures only)") for b in backends)
        rows.append(f"<tr><td class='label'>-</td>{cells}<td>-</td>" + "<td>-</td>" * len(backends) + "</tr>")
    return rows, max(diffs, default=None)


def _row(label, entries, vals, full, backends):
    d = difference(*vals) if len(vals) == 2 and None not in vals else None
    cells = "".join(_cell(entries.get(b), b, v) for b, v in zip(backends, vals))
    fulls = "".join(f"<td class='num'>{fmt(full[b][label]) if label in full.get(b, {}) else '-'}</td>"
                    for b in backends)
    return (f"<tr><td class='label'>{html.escape(label)}</td>{cells}"
            f"<td class='num'>{fmt(d) if d is not None else '-'}</td>{fulls}</tr>"), d


def _numbers(id, entries, full, backends, quick):
    kind = "quick" if quick else "this run"
    rows, largest = _rows(id, entries, full, backends)
    head = ("<tr><th class='label'>key number</th>" + "".join(f"<th>{b} ({kind})</th>" for b in backends)
            + "<th>|edu - torch|</th>" + "".join(f"<th>{b} (full scale)</th>" for b in backends) + "</tr>")
    big = f"largest |edu - torch| on this page's run: <b>{fmt(largest)}</b>" if largest is not None else ""
    if "not_run" in full:
        prov = f"<p class='full na'>Full scale: {html.escape(full['not_run'])}</p>"
    else:
        note = f" ({html.escape(full['note'])})" if full.get("note") else ""
        prov = f"<p class='full prov'>Full scale{note}: {provenance(full)}.</p>"
    return f"<table>{head}{''.join(rows)}</table><p class='prov'>{big}</p>{prov}"


def _data(entries):
    for e in entries.values():
        if e and "metrics" in e:
            parts = []
            for d in e["metrics"].get("data", []):
                n = ", ".join(f"{k} {v}" for k, v in d.items() if k.startswith("n_") and isinstance(v, int))
                label = d.get("origin") or d.get("dataset", "")
                parts.append(html.escape(f"{label} ({d.get('source', '?')}" + (f"; {n})" if n else ")")))
            text = "; ".join(parts) or "no data set"
            if e["metrics"].get("synthetic"):
                text = "<b class='synthetic'>SYNTHETIC</b> stand-in: " + text
            if e.get("missing"):
                text += f" (real data missing here: {html.escape(e['missing'])})"
            times = ", ".join(f"{b} {x['seconds']:.1f} s" for b, x in entries.items() if x)
            return f"<p class='prov'>Data of this run: {text}. Run time: {times}.</p>"
    return ""


def task_section(id, entries, backends, quick, page_dir, task=None):
    """The HTML section of one task."""
    title = task.title if task is not None else ""
    full = load_full(id)
    return (f"<section class='task' id='{html.escape(id)}' data-task='{html.escape(id)}'>"
            f"<h3>{html.escape(id)}: {html.escape(title)}</h3>"
            f"<p class='question'><b>Question.</b> {html.escape(QUESTIONS.get(id, title))}</p>"
            + _links(id, entries, page_dir, task) + _answer(id, entries, quick)
            + _numbers(id, entries, full, backends, quick) + _data(entries) + figure_rows(id, entries)
            + "</section>")
