"""One training step (forward, backward, SGD update) of the FashionMNIST MLP 784-100-100-10, batch 64,
float32: tinygrad_edu against torch in the same run, one thread each, plus a hand-written NumPy
step (no autograd) that shows how much of the time is the engine's own overhead.

    make bench      (or: OMP_NUM_THREADS=1 python -m benchmarks.bench_mlp)
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy is imported: one BLAS thread, like torch below

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import tinygrad_edu as te  # noqa: E402

BATCH, SIZES, LR = 64, (784, 100, 100, 10), 0.01


def init_weights(seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return layers


def edu_step_fn(weights, x, y):
    params = [te.tensor(a, requires_grad=True) for layer in weights for a in layer]
    xt, yt, rows = te.tensor(x), te.tensor(y), np.arange(BATCH)

    def step():
        h = xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        loss = -h.log_softmax(1)[rows, yt].mean()
        loss.backward()
        with te.no_grad():
            for p in params:
                p.data -= LR * p.grad.data
                p.grad = None
        return loss
    return step


def torch_step_fn(weights, x, y):
    params = [torch.tensor(a, requires_grad=True) for layer in weights for a in layer]
    xt, yt = torch.tensor(x), torch.tensor(y)

    def step():
        h = xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        loss = torch.nn.functional.cross_entropy(h, yt)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss
    return step


def numpy_step_fn(weights, x, y):
    """The same step with backprop written out by hand: the floor an autograd engine can reach."""
    params = [a.copy() for layer in weights for a in layer]
    rows = np.arange(BATCH)

    def step():
        (w1, b1, w2, b2, w3, b3) = params
        z1 = x @ w1 + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w2 + b2
        a2 = np.maximum(z2, 0)
        z3 = a2 @ w3 + b3
        z3 = z3 - z3.max(1, keepdims=True)
        p = np.exp(z3)
        p /= p.sum(1, keepdims=True)
        d3 = p
        d3[rows, y] -= 1
        d3 /= BATCH
        d2 = (d3 @ w3.T) * (z2 > 0)
        d1 = (d2 @ w2.T) * (z1 > 0)
        grads = (x.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0), a2.T @ d3, d3.sum(0))
        for param, g in zip(params, grads):
            param -= LR * g
    return step


def time_interleaved(steps, repeats, warmup=20):
    """Median seconds per step of each function, run in turns so that machine noise hits all alike."""
    for fn in steps.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in steps}
    for _ in range(repeats):
        for name, fn in steps.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(1)
    x = rng.random((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    weights = init_weights()
    steps = {"tinygrad_edu": edu_step_fn(weights, x, y), "torch": torch_step_fn(weights, x, y),
             "numpy by hand": numpy_step_fn(weights, x, y)}
    medians = time_interleaved(steps, args.repeats)
    base = medians["torch"]
    print(f"MLP 784-100-100-10 training step, batch {BATCH}, float32, one thread, median of {args.repeats}")
    for name, seconds in medians.items():
        print(f"  {name:<14} {seconds * 1e3:7.3f} ms   {seconds / base:5.2f}x torch")
    print(f"ratio tinygrad_edu / torch: {medians['tinygrad_edu'] / base:.2f}")


if __name__ == "__main__":
    main()
