"""The reproduction report: every [run] task of the four sheets on both backends, as worked solutions
on one self-contained HTML page (figures inline).

    python -m experiments reproduce [--quick] [--backend edu,torch] [--out DIR] [--reuse]

One section per task, in the sheets' order: the question, links to its derivation and its code, the
answer in words with the numbers it rests on, edu and torch side by side with their largest
difference, the reference, the full-scale result of both backends (``results/full/ID.json``) and the
figures of both backends paired. Modules:

- ``runs``: running the tasks, reading earlier runs, resuming a full reproduction task by task;
- ``page``: the page (top paragraph, contents, one section per sheet, the graded solution's mistakes);
- ``section``: one task's section; ``figures``: the paired figures; ``full``: the committed full runs;
- ``tasks_text``: the questions and the derivation links; ``style``: the CSS and the page's scripts.
"""
from .runs import collect, reproduce
from .tasks_text import SHEETS

__all__ = ["SHEETS", "collect", "reproduce"]
