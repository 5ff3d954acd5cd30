"""A task's figures, edu and torch side by side, one row per figure name, inline as data URIs."""
from __future__ import annotations

import base64
import html


def _img(id, backend, entry, name):
    path = entry["dir"] / name
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode()
    tag = " <b class='synthetic'>SYNTHETIC</b>" if entry["metrics"].get("synthetic") else ""
    return (f"<figure><img class='zoom' alt='{html.escape(id)} {backend} {html.escape(name)}' "
            f"title='click to enlarge' src='data:image/png;base64,{data}'>"
            f"<figcaption><b>{backend}</b>: {html.escape(name)}{tag}</figcaption></figure>")


def figure_rows(id, entries):
    """HTML: for each figure name (in the order the runs list them), one row pairing the backends."""
    runs = {b: e for b, e in entries.items() if e and "metrics" in e}
    names = []
    for e in runs.values():
        names += [n for n in e["metrics"].get("figures", []) if n not in names]
    rows = []
    for name in names:
        cells = [_img(id, b, e, name) for b, e in runs.items() if name in e["metrics"].get("figures", [])]
        cells = [c for c in cells if c]
        if cells:
            cls = "pair" if len(cells) > 1 else "single"
            rows.append(f"<div class='{cls}'>{''.join(cells)}</div>")
    return "".join(rows)
