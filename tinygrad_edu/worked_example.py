"""cpsc663.P3.3: backpropagation by hand through a small fully connected sigmoid network.

The sheet's Figure 1 (its weights, biases, input and target) is *not* in the seed we have, so this
tool takes any small sigmoid network and prints every quantity a student computes by hand:
``z^l``, ``a^l``, ``delta^l``, every ``dC/dw^l_jk`` and ``dC/db^l_j``, and the weights after one
gradient-descent step. Without ``--json`` it uses :func:`example_network`, an illustrative 2-2-2
network made up for this project (clearly *not* the sheet's figure).

Notation is Nielsen's (derivations/cpsc663_theory.tex, section cpsc663.P3.3): layer ``l`` has a
weight matrix ``W^l`` of shape ``n_l x n_{l-1}`` and a bias ``b^l`` of length ``n_l``;
``z^l = W^l a^{l-1} + b^l``, ``a^l = sigma(z^l)``, ``a^0 = x``.

* cross-entropy ``C = -sum_j [y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j)]``: ``delta^L = a^L - y``
* quadratic ``C = 1/2 sum_j (a^L_j - y_j)^2``: ``delta^L = (a^L - y) * sigma'(z^L)``
* ``delta^l = (W^{l+1})^T delta^{l+1} * sigma'(z^l)``, ``dC/dw^l_jk = a^{l-1}_k delta^l_j``,
  ``dC/db^l_j = delta^l_j``.

JSON layout (``python -m tinygrad_edu.worked_example --json net.json``)::

    {"x": [0.5, -1.0], "y": [1.0, 0.0],
     "layers": [{"W": [[0.1, 0.4], [-0.3, 0.2]], "b": [0.1, -0.2]},
                {"W": [[0.6, -0.5], [0.3, 0.8]], "b": [0.05, -0.1]}]}

Pure NumPy, float64.
"""
import argparse
import json
import sys

import numpy as np

from .by_hand import sigmoid

COSTS = ("cross-entropy", "quadratic")


class NetworkSpecError(ValueError):
    """A network description that cannot be used (missing keys, shapes that do not chain)."""


def example_network():
    """An illustrative 2-2-2 sigmoid network (inputs x1, x2; hidden h1, h2; outputs o1, o2).

    These numbers are made up for this project; they are NOT the sheet's Figure 1, which is
    missing from the seed.
    """
    return {
        "name": "illustrative 2-2-2 example (not the sheet's Figure 1, which is not in the seed)",
        "x": [0.5, -1.0],
        "y": [1.0, 0.0],
        "layers": [
            {"W": [[0.1, 0.4], [-0.3, 0.2]], "b": [0.1, -0.2]},
            {"W": [[0.6, -0.5], [0.3, 0.8]], "b": [0.05, -0.1]},
        ],
    }


def _vector(value, what):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise NetworkSpecError(f"{what} must be a list of numbers ({error})") from None
    if array.ndim != 1 or array.size == 0:
        raise NetworkSpecError(f"{what} must be a non-empty flat list of numbers, "
                               f"got shape {array.shape}")
    return array


def parse_network(spec):
    """Check a network description and return ``(x, y, [(W, b), ...])`` as float64 arrays.

    Every error names the layer (1-based, as in ``W^1``) and the shapes that do not chain.
    """
    if not isinstance(spec, dict):
        raise NetworkSpecError("the network must be a JSON object with keys 'x', 'y', 'layers'")
    missing = [key for key in ("x", "y", "layers") if key not in spec]
    if missing:
        raise NetworkSpecError(f"the network lacks the key(s) {missing}")
    x, y = _vector(spec["x"], "'x'"), _vector(spec["y"], "'y'")
    if not isinstance(spec["layers"], list) or not spec["layers"]:
        raise NetworkSpecError("'layers' must be a non-empty list of {'W': ..., 'b': ...}")
    layers, width = [], x.size
    for number, layer in enumerate(spec["layers"], start=1):
        layers.append(_layer(layer, number, width))
        width = layers[-1][0].shape[0]
    if y.size != width:
        raise NetworkSpecError(f"the target y has {y.size} entries but the last layer "
                               f"(layer {len(layers)}) has {width} output unit(s)")
    return x, y, layers


def _layer(layer, number, width):
    """``(W, b)`` of layer ``number`` as float64 arrays, checked to take ``width`` inputs."""
    if not isinstance(layer, dict) or "W" not in layer or "b" not in layer:
        raise NetworkSpecError(f"layer {number} must be an object with keys 'W' and 'b'")
    try:
        W = np.asarray(layer["W"], dtype=np.float64)
    except (TypeError, ValueError):
        raise NetworkSpecError(f"layer {number}: 'W' must be a rectangular list of rows "
                               "of numbers") from None
    b = _vector(layer["b"], f"layer {number}: 'b'")
    if W.ndim != 2:
        raise NetworkSpecError(f"layer {number}: W must be a matrix (a list of rows), "
                               f"got shape {W.shape}")
    if W.shape[1] != width:
        source = "the input x" if number == 1 else f"layer {number - 1}"
        raise NetworkSpecError(
            f"layer {number}: W has shape {W.shape[0]}x{W.shape[1]} but {source} has "
            f"{width} unit(s): W^{number} must be n_{number} x {width}")
    if b.size != W.shape[0]:
        raise NetworkSpecError(f"layer {number}: b has {b.size} entries but W has shape "
                               f"{W.shape[0]}x{W.shape[1]}: b needs {W.shape[0]}")
    return W, b


def backprop(x, y, layers, cost="cross-entropy"):
    """Forward and backward pass for one example; returns a dict of lists indexed by layer - 1.

    Keys: ``z``, ``a`` (activations of layers 1..L), ``delta``, ``dW``, ``db``, plus ``cost``
    (the scalar C) and ``a0`` (the input).
    """
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")
    zs, activations = [], [x]
    for W, b in layers:
        zs.append(W @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    out = activations[-1]
    sigma_prime = [sigmoid(z) * sigmoid(-z) for z in zs]
    if cost == "cross-entropy":
        value = float(-np.sum(y * np.log(out) + (1 - y) * np.log1p(-out)))
        delta = out - y
    else:
        value = float(0.5 * np.sum((out - y) ** 2))
        delta = (out - y) * sigma_prime[-1]
    deltas = [delta]
    for l in range(len(layers) - 1, 0, -1):          # layers L-1, ..., 1 (0-based index l-1)
        deltas.insert(0, (layers[l][0].T @ deltas[0]) * sigma_prime[l - 1])
    dW = [np.outer(d, a) for d, a in zip(deltas, activations[:-1])]
    return {"a0": x, "z": zs, "a": activations[1:], "delta": deltas, "dW": dW,
            "db": list(deltas), "cost": value}


def gradient_step(layers, result, eta):
    """Weights and biases after one step ``w <- w - eta dC/dw``, ``b <- b - eta dC/db``."""
    return [(W - eta * dW, b - eta * db)
            for (W, b), dW, db in zip(layers, result["dW"], result["db"])]


def _fmt(value):
    return f"{value: .6f}"


def format_report(x, y, layers, cost="cross-entropy", eta=0.5, title=None):
    """The table a student checks a hand calculation against, as one string."""
    result = backprop(x, y, layers, cost)
    lines = []
    if title:
        lines.append(f"network: {title}")
    lines.append(f"cost: {cost}   eta: {eta}")
    lines.append("input a^0 = x: " + " ".join(_fmt(v) for v in x))
    lines.append("target y:      " + " ".join(_fmt(v) for v in y))
    lines.append("")
    lines.append("forward and backward pass (unit j of layer l)")
    lines.append(f"{'l':>3} {'j':>3} {'z^l_j':>12} {'a^l_j':>12} {'delta^l_j':>12} {'dC/db^l_j':>12}")
    for l, (z, a, d) in enumerate(zip(result["z"], result["a"], result["delta"]), start=1):
        for j in range(z.size):
            lines.append(f"{l:>3} {j + 1:>3} {_fmt(z[j]):>12} {_fmt(a[j]):>12} "
                         f"{_fmt(d[j]):>12} {_fmt(d[j]):>12}")
    lines.append(f"cost C = {result['cost']:.10f}")
    lines.append("")
    stepped = gradient_step(layers, result, eta)
    lines.append("weights: dC/dw^l_jk = a^(l-1)_k delta^l_j, and the step w - eta dC/dw")
    lines.append(f"{'l':>3} {'j':>3} {'k':>3} {'w^l_jk':>12} {'dC/dw^l_jk':>12} {'new w^l_jk':>12}")
    for l, ((W, _), dW, (W_new, _)) in enumerate(zip(layers, result["dW"], stepped), start=1):
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                lines.append(f"{l:>3} {j + 1:>3} {k + 1:>3} {_fmt(W[j, k]):>12} "
                             f"{_fmt(dW[j, k]):>12} {_fmt(W_new[j, k]):>12}")
    lines.append("")
    lines.append("biases after the step: b - eta dC/db")
    lines.append(f"{'l':>3} {'j':>3} {'b^l_j':>12} {'dC/db^l_j':>12} {'new b^l_j':>12}")
    for l, ((_, b), db, (_, b_new)) in enumerate(zip(layers, result["db"], stepped), start=1):
        for j in range(b.size):
            lines.append(f"{l:>3} {j + 1:>3} {_fmt(b[j]):>12} {_fmt(db[j]):>12} {_fmt(b_new[j]):>12}")
    new_cost = backprop(x, y, stepped, cost)["cost"]
    lines.append(f"cost after the step = {new_cost:.10f} (before: {result['cost']:.10f})")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu.worked_example",
        description="Print every z, a, delta and gradient of a small sigmoid network (cpsc663.P3.3).")
    parser.add_argument("--json", metavar="FILE",
                        help="network description (see the module docstring); default: the "
                             "built-in illustrative example, which is NOT the sheet's Figure 1")
    parser.add_argument("--cost", choices=COSTS, default="cross-entropy")
    parser.add_argument("--eta", type=float, default=0.5, help="learning rate of the step")
    args = parser.parse_args(argv)
    if args.json:
        try:
            with open(args.json, encoding="utf-8") as handle:
                spec = json.load(handle)
        except (OSError, json.JSONDecodeError) as error:
            print(f"error: cannot read {args.json}: {error}", file=sys.stderr)
            return 2
        title = spec.get("name", args.json) if isinstance(spec, dict) else args.json
    else:
        spec = example_network()
        title = spec["name"]
    try:
        x, y, layers = parse_network(spec)
    except NetworkSpecError as error:
        print(f"error: {args.json or 'network'}: {error}", file=sys.stderr)
        return 2
    print(format_report(x, y, layers, args.cost, args.eta, title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
