"""The page: the opening paragraph, a table of contents, one section per task grouped by sheet, and
the graded solution's mistakes with the right results."""
from __future__ import annotations

import html
from pathlib import Path

from ..references import CORRECTIONS
from ..catalogue import load_all
from .section import task_section
from .style import SCRIPTS, STYLE
from .tasks_text import INTRO, SHEETS

QUICK_NOTE = ("This page is a <b>quick</b> run (a few hundred samples, one epoch): compare its numbers between "
              "the backends, and read the full-scale columns for what training reaches.")
FULL_NOTE = "This page is a <b>full-size</b> run: the sheets' sizes and epochs."


def _by_sheet(results):
    for sheet, title in SHEETS.items():
        ids = [i for i in results if i.split(".")[0] == sheet]
        if ids:
            yield sheet, title, ids


def _toc(results, tasks):
    items = []
    for sheet, title, ids in _by_sheet(results):
        links = "".join(f"<li><a href='#{html.escape(i)}'>{html.escape(i)}</a>: "
                        f"{html.escape(tasks[i].title if i in tasks else '')}</li>" for i in ids)
        items.append(f"<li><a href='#sheet-{sheet}'><b>{html.escape(sheet)}</b></a><ul>{links}</ul></li>")
    items.append("<li><a href='#mistakes'><b>The graded solution's mistakes</b></a></li>")
    return f"<h2>Contents</h2><ul class='toc'>{''.join(items)}</ul>"


def _header(quick, backends, seconds, n):
    return (f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width'><title>tinygrad_edu: the sheets' worked solutions</title>"
            f"<style>{STYLE}</style></head><body>"
            "<h1>tinygrad_edu: the four sheets' tasks, worked on both backends</h1>"
            f"<p>{INTRO}</p><p class='note'>{QUICK_NOTE if quick else FULL_NOTE} Backends: "
            f"{', '.join(backends)}; {n} tasks in {seconds:.0f} s. Click a figure to enlarge it.</p>")


def _mistakes():
    items = "".join(f"<li class='note'><b>{html.escape(point)}</b>: {text}</li>" for point, text in CORRECTIONS)
    return (f"<h2 id='mistakes'>Where the graded student solution erred, and the right result</h2>"
            f"<ul>{items}</ul>")


def write_page(results, out, quick, backends, seconds):
    """The self-contained HTML page ``OUT/report.html``; returns its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = load_all()
    parts = [_header(quick, backends, seconds, len(results)), _toc(results, tasks)]
    for sheet, title, ids in _by_sheet(results):
        parts.append(f"<h2 id='sheet-{sheet}'>{html.escape(sheet)}: {html.escape(title)}</h2>")
        parts += [task_section(i, results[i], backends, quick, out.resolve(), tasks.get(i)) for i in ids]
    parts.append(_mistakes() + SCRIPTS + "</body></html>")
    page = out / "report.html"
    page.write_text("\n".join(parts))
    return page
