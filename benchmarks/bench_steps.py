"""One training step (forward, backward, plain SGD update; float32, batch 64), tinygrad_edu against
torch, one thread each, for the sheets' four workloads. Usage:

    python benchmarks/bench_steps.py [--reps 15] [--only galaxy_cnn,...] [--no-memory] [--profile NAME]

Times: the two libraries' steps are interleaved (each repetition runs both, in a shuffled order,
see ``timed``) and the median of each is printed, so drifts in machine load hit both alike. Memory: each library runs in a fresh
subprocess (``--memory LIB NAME``) whose glibc malloc serves every block of 64 KiB or more with its
own mmap (``MALLOC_MMAP_THRESHOLD_``), so freeing an array gives its pages back and the resident
set follows the live arrays. The subprocess builds the model and batch, runs one warm-up step,
trims the heap, resets the kernel's peak-RSS counter (``/proc/self/clear_refs``), runs one more
step and reports the peak RSS above the RSS before that step (``VmHWM - VmRSS``): the same method
for both libraries (tracemalloc would see NumPy's allocations but not torch's). Linux only.
See benchmarks/README.md.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy (and its BLAS) is imported

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tinygrad_edu as te  # noqa: E402
import tinygrad_edu.nn.functional as edu_F  # noqa: E402

torch.set_num_threads(1)
BATCH, LR = 64, 0.01


# ----- the models, written once against F (tinygrad_edu's or torch's) ---------------------------
def galaxy_cnn(F, p, x):
    x = F.max_pool2d(F.relu(F.conv2d(x, p["c1.w"], p["c1.b"])), 2)
    x = F.max_pool2d(F.relu(F.conv2d(x, p["c2.w"], p["c2.b"])), 2)
    x = x.reshape(x.shape[0], -1)
    x = F.relu(F.linear(x, p["l1.w"], p["l1.b"]))
    x = F.relu(F.linear(x, p["l2.w"], p["l2.b"]))
    return F.linear(x, p["l3.w"], p["l3.b"])


def fashion_mlp(F, p, x):
    x = F.relu(F.linear(x, p["l1.w"], p["l1.b"]))
    x = F.relu(F.linear(x, p["l2.w"], p["l2.b"]))
    return F.linear(x, p["l3.w"], p["l3.b"])


def fashion_cnn(F, p, x):
    for name in ("c1", "c2", "c3"):  # padding 1 keeps the size; each pool halves it: 28, 14, 7, 3
        x = F.max_pool2d(F.relu(F.conv2d(x, p[name + ".w"], p[name + ".b"], padding=1)), 2)
    return F.linear(x.reshape(x.shape[0], -1), p["l1.w"], p["l1.b"])


def conv_autoencoder(F, p, x):
    h = F.max_pool2d(F.relu(F.conv2d(x, p["e1.w"], p["e1.b"], padding=1)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, p["e2.w"], p["e2.b"], padding=1)), 2)
    code = F.linear(F.relu(F.linear(h.reshape(h.shape[0], -1), p["e3.w"], p["e3.b"])), p["e4.w"], p["e4.b"])
    h = F.relu(F.linear(F.relu(F.linear(code, p["d1.w"], p["d1.b"])), p["d2.w"], p["d2.b"]))
    h = F.interpolate(h.reshape(h.shape[0], 8, 7, 7), scale_factor=2)
    h = F.interpolate(F.relu(F.conv2d(h, p["d3.w"], p["d3.b"], padding=1)), scale_factor=2)
    return F.conv2d(h, p["d4.w"], p["d4.b"], padding=1).sigmoid()


def _conv(o, c, k):
    return {"w": (o, c, k, k), "b": (o,)}


def _lin(o, i):
    return {"w": (o, i), "b": (o,)}


WORKLOADS = {  # name: (model, parameter shapes, input shape, loss)
    "galaxy_cnn": (galaxy_cnn, dict(c1=_conv(8, 3, 5), c2=_conv(16, 8, 5), l1=_lin(64, 3136), l2=_lin(32, 64),
                                    l3=_lin(10, 32)), (3, 69, 69), "ce"),
    "fashion_mlp": (fashion_mlp, dict(l1=_lin(100, 784), l2=_lin(100, 100), l3=_lin(10, 100)), (784,), "ce"),
    "fashion_cnn": (fashion_cnn, dict(c1=_conv(16, 1, 3), c2=_conv(32, 16, 3), c3=_conv(64, 32, 3),
                                      l1=_lin(10, 576)), (1, 28, 28), "ce"),
    "conv_autoencoder": (conv_autoencoder, dict(e1=_conv(4, 1, 3), e2=_conv(8, 4, 3), e3=_lin(20, 392),
                                                e4=_lin(2, 20), d1=_lin(20, 2), d2=_lin(392, 20),
                                                d3=_conv(4, 8, 3), d4=_conv(1, 4, 3)), (1, 28, 28), "mse"),
}


# The bound of each workload's peak memory, as a ratio to torch's measured the same way in the same
# run: tests/engine/test_step_memory.py holds the engine to it. Measured 2026-12-02 (MiB, edu/torch):
# galaxy_cnn 24.0/25.6, fashion_mlp 0.3/0.4, fashion_cnn 9.3/10.4, conv_autoencoder 6.5/10.0. The
# Galaxy CNN's peak is max pooling's backward at the first layer: ReLU's output (kept for its
# backward), the pooling's masks and the gradient it makes; ReLU's backward then writes over that
# gradient (grad_holders.owned) where torch allocates a third image-sized array. (These steps' update
# is the hand-written ``p.data -= LR * p.grad.data`` in both libraries; PEER_MLP_MEMORY_BOUND holds
# `make bench`'s MLP step, with the libraries' optimizers, to its own bound.)
# Plus MEMORY_SLACK_MIB: repeated measurements of one library vary by up to ~0.15 MiB (pages, the
# allocator's arenas), which matters only for the MLP, whose whole step peaks below 1 MiB.
MEMORY_BOUNDS = {"galaxy_cnn": 0.95, "fashion_mlp": 1.0, "fashion_cnn": 0.95, "conv_autoencoder": 0.75}
MEMORY_SLACK_MIB = 0.25
# `make bench`'s MLP step (optim.SGD, Nesterov) against torch's, medians of 3 fresh processes, no
# slack. Its peak was often SGD's temporary of the 784x100 weight (0.13-0.45 MiB, torch 0.18-0.39)
# until optim/sgd.py updated a block at a time: then 0.13-0.20 MiB, torch 0.22-0.45 (21 fresh
# processes each, 2026-12-02, fifth round; benchmarks/README.md "Memory").
PEER_MLP_MEMORY_BOUND = 1.0


def make_arrays(name, seed=0):
    """Parameters (uniform +-1/sqrt(fan_in), like torch's default), a batch and integer labels."""
    rng = np.random.default_rng(seed)
    _, shapes, in_shape, _ = WORKLOADS[name]
    params = {}
    for layer, parts in shapes.items():
        fan_in = int(np.prod(parts["w"][1:]))
        for part, shape in parts.items():
            params[f"{layer}.{part}"] = (rng.uniform(-1, 1, shape) / np.sqrt(fan_in)).astype(np.float32)
    x = rng.random((BATCH,) + in_shape).astype(np.float32)
    y = rng.integers(0, 10, BATCH).astype(np.int64)
    return params, x, y


def make_step(lib, name):
    """A closure running one step (forward, loss, backward, SGD update) in ``lib`` ("edu"/"torch")."""
    model, _, _, loss_kind = WORKLOADS[name]
    arrays, x, y = make_arrays(name)
    if lib == "edu":
        F, params = edu_F, {k: te.tensor(v, requires_grad=True) for k, v in arrays.items()}
        xb, yb = te.tensor(x), te.tensor(y)

        def update():
            for p in params.values():
                p.data -= LR * p.grad.data
                p.grad = None
    else:
        F, params = torch.nn.functional, {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
        xb, yb = torch.tensor(x), torch.tensor(y)

        def update():
            with torch.no_grad():
                for p in params.values():
                    p -= LR * p.grad
                    p.grad = None

    def step():
        out = model(F, params, xb)
        loss = F.cross_entropy(out, yb) if loss_kind == "ce" else F.mse_loss(out, xb)
        loss.backward()
        update()
        return float(loss.item())
    return step


def peak_memory(lib, name):
    """Peak RSS (MiB) above the RSS just before one step, in this (fresh) process."""
    step = make_step(lib, name)
    step()
    return step_peak_mib(step)


def step_peak_mib(step):
    """Peak RSS (MiB) of one call of ``step`` (already warmed up) above the RSS just before it."""
    def status(field):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field))
    import ctypes
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    before = status("VmRSS:")
    step()
    return (status("VmHWM:") - before) / 1024


def measure_memory(lib, name):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory", lib, name],
                         capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def timed(steps, reps, seed=0):
    """Median ms of each library's step, the libraries interleaved in every repetition, in an order
    shuffled for each repetition (seeded): a step starts with the caches the step before it left,
    so in a fixed order the library after a large one always starts cold (measured: in
    bench_peers' MLP, the engine right after tinygrad's steps printed 0.75x torch and MyGrad 0.68x;
    with the two swapped, 0.63x and 0.80x)."""
    times = {lib: [] for lib in steps}
    order, rng = list(steps), np.random.default_rng(seed)
    for _ in range(reps):
        for lib in rng.permutation(order):
            start = time.perf_counter()
            steps[lib]()
            times[lib].append(time.perf_counter() - start)
    return {lib: 1e3 * float(np.median(t)) for lib, t in times.items()}


def bench(names, reps, memory):
    print(f"one training step, float32, batch {BATCH}, 1 thread; median of {reps} interleaved repetitions "
          "(order shuffled in each)")
    print(f"numpy {np.__version__}, torch {torch.__version__}")
    header = f"{'workload':<18}{'edu ms':>9}{'torch ms':>10}{'ratio':>7}{'edu MiB':>9}{'torch MiB':>11}{'ratio':>7}"
    print(header)
    print("-" * len(header))
    for name in names:
        steps = {lib: make_step(lib, name) for lib in ("edu", "torch")}
        losses = {lib: steps[lib]() for lib in steps}  # warm-up; the same weights give the same loss
        assert abs(losses["edu"] - losses["torch"]) < 1e-3 * max(1.0, abs(losses["torch"])), (name, losses)
        medians = timed(steps, reps)
        edu, tor = medians["edu"], medians["torch"]
        if memory:
            edu_mib, torch_mib = measure_memory("edu", name), measure_memory("torch", name)
            mem = f"{edu_mib:>9.1f}{torch_mib:>11.1f}{edu_mib / max(torch_mib, 1e-9):>7.2f}"
        else:
            mem = f"{'-':>9}{'-':>11}{'-':>7}"
        print(f"{name:<18}{edu:>9.2f}{tor:>10.2f}{edu / tor:>7.2f}{mem}", flush=True)


def profile(name, reps):
    import cProfile
    import pstats
    step = make_step("edu", name)
    step()
    cProfile.runctx("for _ in range(reps): step()", globals(), {"step": step, "reps": reps}, "/tmp/bench_steps.prof")
    pstats.Stats("/tmp/bench_steps.prof").sort_stats("tottime").print_stats(18)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory", nargs=2, metavar=("LIB", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="NAME")
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        if args.memory:
            print(peak_memory(*args.memory))
        elif args.profile:
            profile(args.profile, args.reps)
        else:
            bench(args.only.split(","), args.reps, not args.no_memory)


if __name__ == "__main__":
    main()
