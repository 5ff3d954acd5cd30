"""tinygrad_edu.worked_example (cpsc663.P3.3): the worked-example backprop tool against autograd
(torch and the engine), and its command line."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import worked_example as wx

import torch  # noqa: E402  (the `torch` extra: a required test dependency, failing loudly)
pytestmark = pytest.mark.cpsc663

REPO = Path(__file__).resolve().parents[2]


def _random_network(rng, widths=(3, 4, 5, 2)):
    layers = [{"W": rng.normal(size=(n_out, n_in)).tolist(), "b": rng.normal(size=n_out).tolist()}
              for n_in, n_out in zip(widths[:-1], widths[1:])]
    return {"x": rng.normal(size=widths[0]).tolist(), "y": rng.uniform(0.05, 0.95, widths[-1]).tolist(),
            "layers": layers}


def _autograd(lib, x, y, layers, cost):
    """Cost and parameter gradients of the same network, by torch's or the engine's autograd."""
    dtype = torch.float64 if lib is torch else te.float64
    params = [(lib.tensor(W, dtype=dtype, requires_grad=True), lib.tensor(b, dtype=dtype, requires_grad=True))
              for W, b in layers]
    a = lib.tensor(x, dtype=dtype)
    target = lib.tensor(y, dtype=dtype)
    for W, b in params:
        a = (W @ a + b).sigmoid()
    if cost == "cross-entropy":
        value = ((target * a.log() + (1.0 - target) * (1.0 - a).log()).sum()) * -1.0
    else:
        value = ((a - target) ** 2).sum() * 0.5
    flat = [p for pair in params for p in pair]
    grads = (torch.autograd.grad(value, flat) if lib is torch else te.grad(value, flat))
    as_np = [g.detach().numpy() if lib is torch else g.numpy() for g in grads]
    return float(value.item()), as_np[0::2], as_np[1::2]


NETWORKS = {"example": wx.example_network(), "random": _random_network(np.random.default_rng(0)),
            "deep": _random_network(np.random.default_rng(1), (2, 3, 3, 3, 1))}


@pytest.mark.parametrize("cost", wx.COSTS)
@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("lib", ["torch", "engine"])
def test_backprop_matches_autograd(name, cost, lib):
    x, y, layers = wx.parse_network(NETWORKS[name])
    result = wx.backprop(x, y, layers, cost)
    value, dW, db = _autograd(torch if lib == "torch" else te, x, y, layers, cost)
    assert abs(result["cost"] - value) <= 1e-12 * max(1.0, abs(value))
    for l in range(len(layers)):
        assert np.allclose(result["dW"][l], dW[l], rtol=1e-10, atol=1e-14)
        assert np.allclose(result["db"][l], db[l], rtol=1e-10, atol=1e-14)
        assert np.array_equal(result["db"][l], result["delta"][l])       # dC/db = delta


def test_output_delta_formulas():
    x, y, layers = wx.parse_network(wx.example_network())
    ce, quad = wx.backprop(x, y, layers, "cross-entropy"), wx.backprop(x, y, layers, "quadratic")
    a, z = ce["a"][-1], ce["z"][-1]
    assert np.allclose(ce["delta"][-1], a - y, rtol=0, atol=1e-15)                   # no sigma'
    assert np.allclose(quad["delta"][-1], (a - y) * a * (1 - a), rtol=1e-14, atol=0)  # sigma'(z)
    assert np.allclose(ce["a"][0], 1 / (1 + np.exp(-(layers[0][0] @ x + layers[0][1]))))
    assert np.allclose(z, layers[1][0] @ ce["a"][0] + layers[1][1])


def test_one_step_lowers_the_cost_and_matches_the_numbers_in_the_derivation():
    x, y, layers = wx.parse_network(wx.example_network())
    for cost in wx.COSTS:
        before = wx.backprop(x, y, layers, cost)
        after = wx.backprop(x, y, wx.gradient_step(layers, before, 0.5), cost)
        assert after["cost"] < before["cost"]
    ce = wx.backprop(x, y, layers, "cross-entropy")
    stepped = wx.gradient_step(layers, ce, 0.5)
    # quoted in derivations/cpsc663_theory.tex, section cpsc663.P3.3
    assert round(ce["cost"], 10) == 1.4986040965
    assert round(wx.backprop(x, y, stepped, "cross-entropy")["cost"], 10) == 1.1388331264
    assert np.allclose(ce["delta"][-1], [-0.467605, 0.580308], atol=5e-7)
    assert np.allclose(stepped[1][0], [[0.702364, -0.414460], [0.172964, 0.693843]], atol=5e-7)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "tinygrad_edu.worked_example", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_cli_prints_the_whole_table(tmp_path):
    done = _cli("--cost", "quadratic", "--eta", "0.25")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "not the sheet's Figure 1" in out and "cost: quadratic" in out and "eta: 0.25" in out
    for header in ("z^l_j", "a^l_j", "delta^l_j", "dC/db^l_j", "dC/dw^l_jk", "new w^l_jk", "new b^l_j"):
        assert header in out
    # 4 unit rows (2 layers x 2 units), 8 weight rows, 4 bias rows
    rows = [line for line in out.splitlines() if line[:3].strip().isdigit()]
    assert len(rows) == 4 + 8 + 4
    path = tmp_path / "net.json"
    path.write_text(json.dumps(NETWORKS["random"]))
    done = _cli("--json", str(path))
    assert done.returncode == 0, done.stderr
    value = wx.backprop(*wx.parse_network(NETWORKS["random"]))["cost"]
    assert f"cost C = {value:.10f}" in done.stdout


BAD = [
    ({"x": [1, 2], "y": [1], "layers": [{"W": [[1, 2, 3]], "b": [0]}]},
     "layer 1: W has shape 1x3 but the input x has 2 unit"),
    ({"x": [1, 2], "y": [1], "layers": [{"W": [[1, 2], [3, 4]], "b": [0, 0]},
                                        {"W": [[1, 2, 3]], "b": [0]}]},
     "layer 2: W has shape 1x3 but layer 1 has 2 unit"),
    ({"x": [1, 2], "y": [1], "layers": [{"W": [[1, 2]], "b": [0, 1]}]},
     "layer 1: b has 2 entries but W has shape 1x2"),
    ({"x": [1, 2], "y": [1, 0], "layers": [{"W": [[1, 2]], "b": [0]}]},
     "target y has 2 entries but the last layer"),
    ({"x": [1, 2], "layers": []}, "lacks the key"),
    ({"x": [1, 2], "y": [1], "layers": [{"W": [[1, 2], [3]], "b": [0, 0]}]}, "layer 1: 'W' must be"),
]


@pytest.mark.parametrize("spec, message", BAD)
def test_bad_networks_name_the_layer_and_shapes(spec, message):
    with pytest.raises(wx.NetworkSpecError, match=message.replace("(", r"\(")):
        wx.parse_network(spec)


def test_cli_reports_bad_json_clearly(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(BAD[1][0]))
    done = _cli("--json", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert "layer 2: W has shape 1x3 but layer 1 has 2 unit(s)" in done.stderr
    path.write_text("{not json")
    done = _cli("--json", str(path))
    assert done.returncode == 2 and "cannot read" in done.stderr
