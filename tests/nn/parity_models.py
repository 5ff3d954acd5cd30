"""The sheets' architectures for the parity tests: the very builders the experiments use
(experiments/models.py, each written once against a backend namespace), so parity is proven for
the models that are actually trained.

``MODELS`` maps a name to (builder, input shape of one sample, kind), where kind says which loss
the parity test puts on the outputs: "classify" (cross-entropy on 10 classes), "multitask" (the
mean of two cross-entropies) or "reconstruct" (mean squared error against the input).
``MODEL_PARAMS`` parametrizes a test over them, each id with the task the model is built for, so
``-m ee411`` (tests/conftest.py) and ``-k ee411.2.3`` select a sheet's or a task's models.
"""
import functools

import pytest

from experiments import models as M

MODELS = {
    "galaxy_cnn": (M.galaxy_cnn, (3, 69, 69), "classify"),
    "rotation_invariant_galaxy": (M.rotation_invariant_galaxy, (3, 69, 69), "classify"),
    "fashion_mlp": (M.fashion_mlp, (1, 28, 28), "classify"),
    "fashion_cnn": (M.fashion_cnn, (1, 28, 28), "classify"),
    # dropout draws different masks in the two libraries: compared with p = 0 (same layers otherwise)
    "fashion_cnn_better": (functools.partial(M.fashion_cnn_better, dropout=0.0), (1, 28, 28), "classify"),
    "multitask_lenet": (M.multitask_lenet, (1, 36, 36), "multitask"),
    "mnist_cnn40": (M.mnist_cnn40, (1, 28, 28), "classify"),
    "dense_autoencoder": (M.dense_autoencoder, (1, 28, 28), "reconstruct"),
    "conv_autoencoder": (M.conv_autoencoder, (1, 28, 28), "reconstruct"),
    "conv_autoencoder_skip": (M.conv_autoencoder_skip, (1, 28, 28), "reconstruct"),
    "strided_autoencoder": (functools.partial(M.strided_autoencoder, latent=10), (1, 28, 28), "reconstruct"),
}

TASK = {"galaxy_cnn": "mlph08.1b", "rotation_invariant_galaxy": "mlph08.1f", "fashion_mlp": "ee411.2.2",
        "fashion_cnn": "ee411.2.3", "fashion_cnn_better": "ee411.2.6", "multitask_lenet": "ee411.3.3",
        "mnist_cnn40": "cpsc663.P4.2", "dense_autoencoder": "cpsc663.P5.4", "conv_autoencoder": "cpsc663.P6.1",
        "conv_autoencoder_skip": "cpsc663.P6.2", "strided_autoencoder": "nni2.1"}
MODEL_PARAMS = [pytest.param(name, id=f"{name}-{TASK[name]}") for name in MODELS]
