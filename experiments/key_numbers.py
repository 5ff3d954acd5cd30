"""The key numbers of each task: what the task is about, labelled in words, from its metrics.json.

``key_numbers(id, metrics)`` gives an ordered ``{label: value}`` (a number, a short text, or a list of
numbers). The page, the edu/torch difference and the full-scale JSON files under ``results/full/``
use the same labels, so a quick number and its full-scale counterpart sit on one row.
"""
from __future__ import annotations

OPTIMISERS = ("SGD lr 0.01", "SGD lr 0.01 Nesterov 0.9", "Adam lr 0.01", "Adam lr 1")


def _last(v):
    return v[-1] if isinstance(v, list) and v else v


def _yes(v):
    return "yes" if v else "no"


def _galaxy_split(m):
    return {"train / val / test images": f"{m['n_train']} / {m['n_val']} / {m['n_test']}"}


def _1a(m):
    return {**_galaxy_split(m), "classes": m["n_classes"], "training-split mean per channel": m["channel_mean"],
            "training-split std per channel": m["channel_std"]}


def _1c(m):
    return {f"final val accuracy, {k}": _last(v) for k, v in m["val_accuracy"].items()}


def _1d(m):
    return {"final train accuracy": _last(m["train_metric"]), "final val accuracy": _last(m["val_metric"]),
            "lowest val loss": m["best_val_loss"], "epoch of lowest val loss": m["best_epoch"]}


def _1e(m):
    return {"test accuracy (best checkpoint)": m["test_accuracy"], "best epoch": m["best_epoch"],
            "lowest val loss": m["best_val_loss"],
            "state_dict() aliases the live weights": _yes(m["state_dict_aliases_live_weights"])}


def _1f(m):
    v = m["variants"]
    out = {f"max logit change under 90-degree rotation, {k}": r["invariance_max_abs_logit_change"]
           for k, r in v.items()}
    out.update({f"test accuracy on rotated images, {k}": r["test_acc_rot90"] for k, r in v.items()})
    return out


def _3d(m):
    p = m["p"]
    return {f"cross terms / scores, subspaces, p = {p[0]}": m["rel_cross_low_rank"][0],
            f"cross terms / scores, subspaces, p = {p[-1]}": m["rel_cross_low_rank"][-1],
            f"cross terms / scores, full rank, p = {p[-1]}": m["rel_cross_full_rank"][-1],
            f"largest cosine between the subspaces, p = {p[-1]}": m["max_cosine"][-1]}


def _four_optimisers(m):
    out = {f"test accuracy, {k}": m["final"][k]["test_accuracy"] for k in OPTIMISERS if k in m["final"]}
    out["parameters"] = m["parameters"]
    return out


def _2_4(m):
    out = {f"parameters, {k}": v for k, v in m["parameters"].items()}
    for model, accs in m.get("val_accuracy_from_runs", {}).items():
        out[f"best val accuracy, {model}"] = max(accs.values())
    return out


def _2_5(m):
    return {f"final val accuracy, {k}": _last(r["val_accuracy"]) for k, r in m["results"].items()}


def _3_4(m):
    p = m["per_task"]
    return {f"{k} (final)": _last(p[k]) for k in ("test acc left", "test acc right", "test loss left",
                                                   "test loss right") if k in p}


def _nni2_2(m):
    out = {}
    for d, r in m["results"].items():
        out[f"test MSE, d = {d}"] = r["test_mse"]
        out[f"largest change between interpolation steps, d = {d}"] = max(r["largest_step_change"])
    return out


def _nni2_4(m):
    out = {f"test accuracy, {k}": r["test_accuracy"] for k, r in m["results"].items()}
    out.update({f"trainable parameters, {k}": r["trainable_parameters"] for k, r in m["results"].items()})
    out["autoencoder test MSE (pre-training)"] = m["pretrain_test_mse"]
    return out


def _p4_2(m):
    a, b = m["most_confused_pair"]
    return {"test accuracy": m["test_accuracy"], "most confused pair": f"({a}, {b}): true {a} read as {b}",
            "times confused": m["most_confused_count"]}


def _autoencoders(m):
    out = {f"test MSE, {k}": v for k, v in m["test_mse"].items()}
    out.update({f"final train loss, {k}": _last(v) for k, v in m["train_loss"].items()})
    return out


def _p6_3(m):
    out = {}
    for k, r in m["results"].items():
        out[f"denoised MSE, {k}"] = r["denoised_mse"]
    for k, r in m["results"].items():
        out.setdefault(f"noisy-input MSE, {k.split(', ')[-1]}", r["noisy_input_mse"])
    return out


KEYS = {
    "mlph08.1a": _1a,
    "mlph08.1b": lambda m: {"parameters": m["total_parameters"], "flattened size": m["flatten_size"],
                            "layers": len(m["layers"])},
    "mlph08.1c": _1c,
    "mlph08.1d": _1d,
    "mlph08.1e": _1e,
    "mlph08.1f": _1f,
    "mlph08.3b": lambda m: {"diagonal of E^T E": m["diagonal"], "p / 2": m["expected_diagonal"],
                            "largest deviation from a Toeplitz matrix": m["toeplitz_max_deviation"],
                            "|E^T E (float32) - float64 reference|": m["max_abs_error_vs_float64"],
                            "similarity of tokens 10 and 11": m["neighbour_similarity"],
                            "similarity of tokens 10 and 60": m["far_similarity"]},
    "mlph08.3c": lambda m: {"cross terms / scores (addition)": m["rel_cross_terms"],
                            "|concatenated - (X^T X + E^T E)|": m["concat_equals_XtX_plus_EtE"]},
    "mlph08.3d": _3d,
    "ee411.1.1": lambda m: {"y_hat shape": "x".join(map(str, m["shapes"]["y_hat"])),
                            "first y_hat": m["y_hat"][0],
                            "|by hand - autograd graph| (z2)": m["max_abs_diff_vs_tensor_graph"]},
    "ee411.1.2": lambda m: {"loss at y_hat = 0, y = 0": m["loss_yhat0_y0"],
                            "loss at y_hat = 0, y = 1": m["loss_yhat0_y1"]},
    "ee411.1.3": lambda m: {"stable loss, z2 = -1e10, y = 0": m["stable_z2_minus1e10_y0"],
                            "stable loss, z2 = -1e10, y = 1": m["stable_z2_minus1e10_y1"],
                            "naive loss, y = 1": m["naive_y1"]},
    "ee411.1.5": lambda m: {"|by hand - finite differences|": max(m["max_abs_errors"].values()),
                            "|by hand - autograd|": m["hand_vs_autograd"]},
    "ee411.2.1": lambda m: {"train / val / test images": f"{m['n_train']} / {m['n_val']} / {m['n_test']}",
                            "training pixel mean": m["pixel_mean"], "training pixel std": m["pixel_std"]},
    "ee411.2.2": _four_optimisers,
    "ee411.2.3": _four_optimisers,
    "ee411.2.4": _2_4,
    "ee411.2.5": _2_5,
    "ee411.2.6": lambda m: {"test accuracy": m["test_accuracy"], "final val accuracy": _last(m["val_accuracy"]),
                            "best epoch": m["best_epoch"], "parameters": m["parameters"],
                            "chosen by the validation pilot": m.get("chosen", "-")},
    "ee411.3.1": lambda m: {"canvas": "x".join(map(str, m["shape"])),
                            "labels of the five samples": ", ".join(f"({a}, {b})" for a, b in m["labels"])},
    "ee411.3.2": lambda m: {"training pairs": m["n_train"], "test pairs": m["n_test"],
                            "fraction of pairs with equal digits": m["same_label_fraction"]},
    "ee411.3.3": lambda m: {**{f"parameters, {k}": v for k, v in m["parameters"].items()},
                            "parameters, total": m["total"]},
    "ee411.3.4": _3_4,
    "nni2.1": lambda m: {**{f"test MSE, d = {d}": v for d, v in m["test_mse_by_d"].items()},
                         **{f"test MSE, {s} network (d = 10)": v for s, v in m["test_mse_by_size"].items()}},
    "nni2.2": _nni2_2,
    "nni2.3": lambda m: {**{f"mean |r|, d = {d}": v for d, v in m["mean_abs_r"].items()},
                         "trend with d": m["trend_with_d"]},
    "nni2.4": _nni2_4,
    "nni2.T3": lambda m: {**{f"loss for (prediction, target) = {k}": v for k, v in m["values"].items()},
                          "gradient check passes": _yes(m["gradcheck"])},
    "cpsc663.P3.3": lambda m: {"cost by hand": m["cost"], "cost by autograd": m["autograd_cost"],
                               "|by hand - autograd| (gradients)": m["max_abs_grad_diff"]},
    "cpsc663.P4.2": _p4_2,
    "cpsc663.P5.2": lambda m: {"noise sigma": m["sigma"], "measured noise std": m["empirical_noise_std"],
                               "points": m["n"]},
    "cpsc663.P5.3": lambda m: {"PCA test MSE": m["pca_mse"], "linear autoencoder test MSE": m["linear_ae_mse"],
                               "cosines of the principal angles": m["principal_angle_cosines"]},
    "cpsc663.P5.4": _autoencoders,
    "cpsc663.P6.1": _autoencoders,
    "cpsc663.P6.2": _autoencoders,
    "cpsc663.P6.3": _p6_3,
}


def key_numbers(id, metrics):
    """The task's key numbers ``{label: value}``; a task without a selector, or whose metrics lack a
    key (an older run), falls back to the generic choice of ``references.headline``."""
    from .references import headline
    fn = KEYS.get(id)
    if fn is not None:
        try:
            return fn(metrics)
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    return headline(metrics)
