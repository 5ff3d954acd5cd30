"""tinygrad_edu among its peers: one training step (forward, loss, backward, optimizer update; float32,
batch 64) of the sheets' four workloads in tinygrad_edu, torch, DeZero, MyGrad and tinygrad (CPU
device, with and without its JIT), timed in one process, interleaved (each repetition runs every
library once, in a shuffled order: bench_steps.timed), one thread each. Usage:

    python -m benchmarks.bench_peers [--reps 15] [--only fashion_mlp,...] [--libs edu,torch,...] [--no-memory]

The peers come from the optional `bench` extra (``pip install -e ".[bench]"``; tinygrad's CPU device
also needs ``clang``); one that is missing or fails is printed as "not available: <reason>".
Each library's step is in benchmarks/peer_steps.py; every library starts from the same weights
and its first loss must agree with torch's before timing starts. Memory: the method of
bench_steps.py (a fresh subprocess per library, peak RSS of one step above the RSS before it).
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "NUM_CPU_THREADS"):
    os.environ[_var] = "1"  # before NumPy (its BLAS) and tinygrad (its CPU threads) are imported
os.environ["DEV"] = "CPU"  # tinygrad's device

import argparse  # noqa: E402
import functools  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks import peer_steps  # noqa: E402
from benchmarks.bench_steps import BATCH, WORKLOADS, make_arrays, step_peak_mib, timed  # noqa: E402

LIBS = {  # name in the table: builder(workload, params, x, y) -> step
    "tinygrad_edu": functools.partial(peer_steps.edu_or_torch, "edu"),
    "torch": functools.partial(peer_steps.edu_or_torch, "torch"),
    "dezero": peer_steps.dezero,
    "mygrad": peer_steps.mygrad,
    "tinygrad": peer_steps.tinygrad,
    "tinygrad_jit": functools.partial(peer_steps.tinygrad, jit=True),
}
WARMUP = 3  # TinyJit captures on the second call and replays from the third


def build(lib, name):
    """The library's step, warmed up: (step, first loss), or (None, reason) when it is not available."""
    params, x, y = make_arrays(name)
    try:
        step = LIBS[lib](name, params, x, y)
        losses = [step() for _ in range(WARMUP)]
    except Exception as error:  # a missing package, a missing compiler, an op it lacks
        return None, f"not available: {type(error).__name__}: {str(error).splitlines()[0][:90] if str(error) else ''}"
    wrong = sorted({str(a.dtype) for a in getattr(step, "params", []) if a.dtype != np.float32})
    if wrong:
        return None, f"not available: parameters became {', '.join(wrong)} (not float32)"
    return step, losses[0]


def measure_memory(lib, name):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    if lib.startswith("tinygrad"):
        env["LRU"] = "0"  # tinygrad caches freed buffers for reuse: the step's own peak would not show
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_peers", "--memory", lib, name],
                         capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lines = out.stdout.strip().splitlines()
    return float(lines[-1]) if out.returncode == 0 and lines else None


def bench(names, libs, reps, memory):
    import torch
    torch.set_num_threads(1)
    print(f"one training step, float32, batch {BATCH}, 1 thread "
          f"each; median of {reps} interleaved repetitions (order shuffled in each); ratio = library / torch "
          "(same run)")
    print(f"numpy {np.__version__} ({_blas()}), torch {torch.__version__}, {_versions()}")
    header = f"{'workload':<18}{'library':<14}{'ms':>9}{'ratio':>7}{'MiB':>8}{'ratio':>7}"
    print(header + "\n" + "-" * len(header))
    for name in names:
        built = {lib: build(lib, name) for lib in libs}
        steps = {lib: s for lib, (s, _) in built.items() if s is not None}
        ref = built["torch"][1]
        for lib in list(steps):
            if abs(built[lib][1] - ref) > 1e-3 * max(1.0, abs(ref)):
                built[lib] = (None, f"not available: first loss {built[lib][1]:.6g} differs from torch's {ref:.6g}")
                del steps[lib]
        ms = timed(steps, reps)
        mib = {lib: measure_memory(lib, name) if memory else None for lib in steps}
        for i, lib in enumerate(libs):
            label = f"{name if i == 0 else '':<18}{lib:<14}"
            if lib not in steps:
                print(label + built[lib][1], flush=True)
                continue
            mem = (f"{mib[lib]:>8.1f}{mib[lib] / max(mib['torch'] or 1e-9, 1e-9):>7.2f}"
                   if mib[lib] is not None and mib.get("torch") else f"{'-':>8}{'-':>7}")
            print(f"{label}{ms[lib]:>9.2f}{ms[lib] / ms['torch']:>7.2f}{mem}", flush=True)


def _blas():
    """NumPy's BLAS and the kernels it runs (and whether OPENBLAS_CORETYPE chose them)."""
    from threadpoolctl import threadpool_info
    for pool in threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
            forced = os.environ.get("OPENBLAS_CORETYPE")
            return (f"{pool['internal_api']} {pool['version']}, {pool.get('architecture')} kernels"
                    + (f" forced by OPENBLAS_CORETYPE={forced}" if forced else ""))
    return "BLAS unknown"


def _versions():
    from importlib.metadata import PackageNotFoundError, version
    found = []
    for pkg in ("dezero", "mygrad", "tinygrad"):
        try:
            found.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            found.append(f"{pkg} not installed")
    return ", ".join(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--libs", default=",".join(LIBS))
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory", nargs=2, metavar=("LIB", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        if args.memory:
            lib, name = args.memory
            step, _ = build(lib, name)
            print(step_peak_mib(step))
        else:
            libs = args.libs.split(",")
            bench(args.only.split(","), libs if "torch" in libs else ["torch"] + libs, args.reps, not args.no_memory)


if __name__ == "__main__":
    main()
