"""``python -m tinygrad_edu.gradcheck``: every registered op through finite differences and torch.

Prints a table (op, shapes tried, max abs/rel error against finite differences, against torch,
pass/fail) with a progress bar, writes it as Markdown, and exits non-zero on any failure.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..registry import REGISTRY
from .oracle import fd_errors, torch_errors

TORCH_TOLERANCE = 1e-6  # float64: the engine and torch must agree to this (absolute or relative)


def check_op(spec, seed=0):
    """One row of the report: the worst errors of ``spec`` over its cases."""
    row = {"op": spec.name, "shapes": [], "fd_abs": 0.0, "fd_rel": 0.0, "torch_abs": 0.0, "torch_rel": 0.0,
           "failure": ""}
    rng = np.random.default_rng(seed)
    for case in spec.cases:
        row["shapes"].append(" ".join(str(tuple(s)) for s in case.shapes) or "()")
        arrays = spec.inputs(case.shapes, rng)
        try:
            fd = fd_errors(spec, arrays, case.kwargs, spec.second_order)
            for order, cmp in fd.items():
                row["fd_abs"] = max(row["fd_abs"], cmp.max_abs_error)
                row["fd_rel"] = max(row["fd_rel"], cmp.max_rel_error)
                if cmp.failure and not row["failure"]:
                    row["failure"] = f"{order}-order FD, shapes {case.shapes}: {cmp.failure}"
            for part, (abs_err, rel_err) in torch_errors(spec, arrays, case.kwargs, seed, spec.second_order).items():
                row["torch_abs"] = max(row["torch_abs"], abs_err)
                row["torch_rel"] = max(row["torch_rel"], rel_err)
                if min(abs_err, rel_err) > TORCH_TOLERANCE and not row["failure"]:
                    row["failure"] = f"{part} differs from torch for shapes {case.shapes}: abs {abs_err:.3g}, rel {rel_err:.3g}"
        except Exception as error:  # a crash is a failure of that op, not of the report
            row["failure"] = row["failure"] or f"shapes {case.shapes}: {type(error).__name__}: {error}"
    row["passed"] = not row["failure"]
    return row


def to_markdown(rows, seconds):
    lines = ["# Gradient-check report", "",
             f"{sum(r['passed'] for r in rows)} of {len(rows)} ops pass; float64; finite differences: central, "
             f"eps 1e-6, atol 1e-5, rtol 1e-3, first and second order; torch: forward, backward with a random "
             f"upstream gradient, and second order, tolerance {TORCH_TOLERANCE:g}. Took {seconds:.1f} s.", "",
             "| op | shapes tried | FD max abs | FD max rel | torch max abs | torch max rel | result |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        result = "pass" if r["passed"] else "FAIL: " + r["failure"].replace("|", "/")
        lines.append(f"| {r['op']} | {'; '.join(r['shapes'])} | {r['fd_abs']:.1e} | {r['fd_rel']:.1e} | "
                     f"{r['torch_abs']:.1e} | {r['torch_rel']:.1e} | {result} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.gradcheck", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/gradcheck.md", help="where to write the Markdown table")
    parser.add_argument("--only", nargs="*", help="op names to check (default: all)")
    args = parser.parse_args(argv)
    names = args.only or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        parser.error(f"unknown op(s) {unknown}; registered: {', '.join(REGISTRY)}")
    start = time.perf_counter()
    rows = [check_op(REGISTRY[name]) for name in tqdm(names, desc="gradcheck", unit="op", file=sys.stderr)]
    seconds = time.perf_counter() - start
    width = max(len(n) for n in names)
    print(f"{'op':<{width}}  {'FD abs':>8} {'FD rel':>8} {'torch abs':>9} {'torch rel':>9}  result")
    for r in rows:
        print(f"{r['op']:<{width}}  {r['fd_abs']:8.1e} {r['fd_rel']:8.1e} {r['torch_abs']:9.1e} {r['torch_rel']:9.1e}  "
              + ("pass" if r["passed"] else "FAIL  " + r["failure"]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_markdown(rows, seconds))
    failed = [r["op"] for r in rows if not r["passed"]]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} ops pass; report written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
